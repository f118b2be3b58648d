//! Per-rule fixtures: every `# expect:` line is flagged with exactly those rules, every
//! other line is not, and the rendered findings match the insta snapshots.

mod code_support;

use std::collections::BTreeSet;

use brine_scanner::finding::{FileKind, FileReport};
use brine_scanner::report::LineSource;
use brine_scanner::report::text::{Style, render_file};
use code_support::{expectations, fixture_dir, python_files, scan, sink_hits};

#[test]
fn per_rule_fixtures_match_their_markers() {
    let files = python_files(&fixture_dir(""));
    assert!(
        files.len() >= 14,
        "expected a fixture per rule, found {}",
        files.len()
    );
    for path in files {
        let source = std::fs::read_to_string(&path).unwrap_or_default();
        let findings = scan(&path, &source);
        let expected: BTreeSet<(u32, String)> = expectations(&source)
            .into_iter()
            .flat_map(|e| e.rules.into_iter().map(move |r| (e.line, r)))
            .collect();
        assert_eq!(sink_hits(&findings), expected, "{}", path.display());
    }
}

/// The fixture's own text, so snapshots show the underlined source line as users see it.
struct Source<'a>(&'a str);

impl LineSource for Source<'_> {
    fn line(&self, _path: &str, line: u32) -> Option<String> {
        let index = usize::try_from(line).ok()?.checked_sub(1)?;
        self.0.lines().nth(index).map(str::to_owned)
    }
}

#[test]
fn per_rule_snapshots() {
    for path in python_files(&fixture_dir("")) {
        let source = std::fs::read_to_string(&path).unwrap_or_default();
        let name = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_owned();
        let findings = scan(&path, &source);
        let report = FileReport::new(format!("{name}.py"), FileKind::Python, findings);
        let style = Style {
            color: false,
            verbose: true,
        };
        insta::assert_snapshot!(name, render_file(&report, &Source(&source), style));
    }
}
