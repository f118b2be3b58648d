//! Precision and recall of the code rules on the labelled fixture set
//! (`tests/fixtures/code/labelled/`): each marked line is a case. Run with
//! `--nocapture` to see the figures per category.

mod code_support;

use std::collections::BTreeSet;

use code_support::{expectations, fixture_dir, python_files, scan, sink_hits};

#[derive(Default)]
struct Counts {
    cases: usize,
    true_positives: usize,
    false_positives: usize,
    false_negatives: usize,
}

impl Counts {
    fn precision(&self) -> f64 {
        ratio(
            self.true_positives,
            self.true_positives + self.false_positives,
        )
    }
    fn recall(&self) -> f64 {
        ratio(
            self.true_positives,
            self.true_positives + self.false_negatives,
        )
    }
}

fn ratio(n: usize, d: usize) -> f64 {
    if d == 0 { 1.0 } else { n as f64 / d as f64 }
}

#[test]
fn labelled_set_precision_and_recall() {
    let mut total = Counts::default();
    let mut misses = Vec::new();
    println!(
        "{:<20} {:>6} {:>4} {:>4} {:>4} {:>9} {:>7}",
        "category", "cases", "tp", "fp", "fn", "precision", "recall"
    );
    for path in python_files(&fixture_dir("labelled")) {
        let source = std::fs::read_to_string(&path).unwrap_or_default();
        let marks = expectations(&source);
        let expected: BTreeSet<(u32, String)> = marks
            .iter()
            .flat_map(|e| e.rules.iter().map(move |r| (e.line, r.clone())))
            .collect();
        let found = sink_hits(&scan(&path, &source));
        let counts = Counts {
            cases: marks.len(),
            true_positives: found.intersection(&expected).count(),
            false_positives: found.difference(&expected).count(),
            false_negatives: expected.difference(&found).count(),
        };
        let name = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_owned();
        for (line, rule) in found.symmetric_difference(&expected) {
            let kind = if expected.contains(&(*line, rule.clone())) {
                "missed"
            } else {
                "false alarm"
            };
            misses.push(format!("{name}.py:{line} {rule} {kind}"));
        }
        println!(
            "{:<20} {:>6} {:>4} {:>4} {:>4} {:>9.3} {:>7.3}",
            name,
            counts.cases,
            counts.true_positives,
            counts.false_positives,
            counts.false_negatives,
            counts.precision(),
            counts.recall()
        );
        total.cases += counts.cases;
        total.true_positives += counts.true_positives;
        total.false_positives += counts.false_positives;
        total.false_negatives += counts.false_negatives;
    }
    println!(
        "{:<20} {:>6} {:>4} {:>4} {:>4} {:>9.3} {:>7.3}",
        "TOTAL",
        total.cases,
        total.true_positives,
        total.false_positives,
        total.false_negatives,
        total.precision(),
        total.recall()
    );
    for miss in &misses {
        println!("  {miss}");
    }
    assert!(total.cases >= 150, "only {} labelled cases", total.cases);
    assert!(
        total.precision() >= 0.97,
        "precision {:.3}",
        total.precision()
    );
    assert!(total.recall() >= 0.97, "recall {:.3}", total.recall());
}
