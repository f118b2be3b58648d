//! Tainted recall and false-taint rate on the labelled set
//! (`tests/fixtures/taint/labelled/<program>/`): every sink line ends in `# tainted` or
//! `# clean`. Run with `--nocapture` to see the figures and every miss.

mod taint_support;

use std::collections::BTreeMap;

use taint_support::{analyze, fixture_dir, program, sinks};

#[derive(Default)]
struct Tally {
    tainted_cases: usize,
    tainted_found: usize,
    clean_cases: usize,
    clean_flagged: usize,
}

#[test]
fn labelled_set_recall_and_false_taint() {
    let root = fixture_dir("labelled");
    let mut programs: Vec<_> = std::fs::read_dir(&root)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.is_dir())
                .collect()
        })
        .unwrap_or_default();
    programs.sort();
    let mut tally = Tally::default();
    let mut problems = Vec::new();
    for dir in &programs {
        let files = program(&root, dir);
        let results = analyze(&files);
        for (path, text) in &files {
            let findings = results
                .iter()
                .find(|(p, _)| p == path)
                .map(|(_, f)| f.as_slice())
                .unwrap_or_default();
            let mut by_line: BTreeMap<u32, bool> = BTreeMap::new();
            for finding in sinks(findings) {
                if let Some(span) = finding.span {
                    let entry = by_line.entry(span.line).or_insert(false);
                    *entry |= finding.tainted == Some(true);
                }
            }
            for (index, line) in text.lines().enumerate() {
                let number = u32::try_from(index + 1).unwrap_or(u32::MAX);
                let expected = if line.trim_end().ends_with("# tainted") {
                    true
                } else if line.trim_end().ends_with("# clean") {
                    false
                } else {
                    continue;
                };
                let Some(&found) = by_line.get(&number) else {
                    problems.push(format!("{path}:{number}: no sink finding on a marked line"));
                    continue;
                };
                if expected {
                    tally.tainted_cases += 1;
                    if found {
                        tally.tainted_found += 1;
                    } else {
                        problems.push(format!("{path}:{number}: missed taint: {}", line.trim()));
                    }
                } else {
                    tally.clean_cases += 1;
                    if found {
                        tally.clean_flagged += 1;
                        problems.push(format!("{path}:{number}: false taint: {}", line.trim()));
                    }
                }
            }
        }
    }
    let recall = tally.tainted_found as f64 / tally.tainted_cases.max(1) as f64;
    let false_rate = tally.clean_flagged as f64 / tally.clean_cases.max(1) as f64;
    println!(
        "tainted sinks: {} found of {} (recall {:.1}%); clean sinks: {} falsely tainted of {} ({:.1}%)",
        tally.tainted_found,
        tally.tainted_cases,
        recall * 100.0,
        tally.clean_flagged,
        tally.clean_cases,
        false_rate * 100.0
    );
    for problem in &problems {
        println!("  {problem}");
    }
    assert!(tally.tainted_cases >= 60, "need at least 60 tainted cases");
    assert!(tally.clean_cases >= 60, "need at least 60 clean cases");
    assert!(
        problems.iter().all(|p| !p.contains("no sink finding")),
        "{problems:#?}"
    );
    assert!(recall >= 0.90, "recall {recall}");
    assert!(false_rate <= 0.05, "false taint rate {false_rate}");
}
