//! End-to-end check of the pickle machine and policy against the evasion corpus.
//!
//! Every malicious file in `attacks/corpus/` (one per published bypass technique) must be
//! `dangerous`; no benign file (the corpus twins and the real library pickles under
//! `tests/fixtures/benign/`) may be `dangerous`, and all must be `clean` except the few
//! listed in `KNOWN_SUSPICIOUS`, each with the reason. The files come from committed
//! generator scripts (`attacks/gen_corpus.py`, `tests/fixtures/benign/gen.sh`); this test
//! only reads them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use brine_scanner::Limits;
use brine_scanner::Verdict;
use brine_scanner::pickle::{Flavor, StreamOptions, StreamReport, analyze_stream};

/// Benign files that may be `suspicious` rather than `clean`, and why.
const KNOWN_SUSPICIOUS: &[(&str, &str)] = &[];

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn analyze_file(path: &Path) -> StreamReport {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let flavor = if path.extension().is_some_and(|e| e == "joblib") {
        Flavor::Joblib
    } else {
        Flavor::Plain
    };
    let options = StreamOptions {
        flavor,
        ..StreamOptions::default()
    };
    analyze_stream(&mut bytes.as_slice(), options, &Limits::default())
}

fn describe(report: &StreamReport) -> String {
    report
        .findings
        .iter()
        .map(|f| format!("{} {:?}: {}", f.rule, f.verdict, f.message))
        .collect::<Vec<_>>()
        .join("\n    ")
}

/// `file -> expected` from `attacks/corpus/manifest.json`.
fn manifest() -> BTreeMap<String, String> {
    let path = repo_root().join("attacks/corpus/manifest.json");
    let text = std::fs::read_to_string(&path).expect("attacks/corpus/manifest.json");
    let json: serde_json::Value = serde_json::from_str(&text).expect("manifest is JSON");
    json.as_object()
        .expect("manifest is an object")
        .iter()
        .map(|(file, entry)| {
            let expected = entry["expected"].as_str().expect("expected verdict");
            (file.clone(), expected.to_string())
        })
        .collect()
}

fn benign_fixture_files() -> Vec<PathBuf> {
    let dir = repo_root().join("crates/scanner/tests/fixtures/benign");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("benign fixtures folder")
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| {
            path.extension()
                .is_some_and(|e| e == "pkl" || e == "joblib")
        })
        .collect();
    files.sort();
    files
}

#[test]
fn every_malicious_corpus_file_is_dangerous() {
    let root = repo_root().join("attacks/corpus");
    let mut missed = Vec::new();
    let mut checked = 0;
    for (file, expected) in manifest() {
        if expected != "dangerous" {
            continue;
        }
        checked += 1;
        let report = analyze_file(&root.join(&file));
        if report.verdict() != Verdict::Dangerous {
            missed.push(format!(
                "{file}: {:?}\n    {}",
                report.verdict(),
                describe(&report)
            ));
        }
    }
    assert!(
        checked >= 60,
        "only {checked} malicious files in the manifest"
    );
    assert!(missed.is_empty(), "not dangerous:\n{}", missed.join("\n"));
}

#[test]
fn no_benign_file_is_dangerous_and_all_are_clean_unless_listed() {
    let root = repo_root().join("attacks/corpus");
    let mut files: Vec<(String, PathBuf)> = manifest()
        .into_iter()
        .filter(|(_, expected)| expected == "clean")
        .map(|(file, _)| (file.clone(), root.join(file)))
        .collect();
    files.extend(benign_fixture_files().into_iter().map(|path| {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        (name, path)
    }));
    assert!(files.len() >= 70, "only {} benign files", files.len());
    let mut wrong = Vec::new();
    for (name, path) in &files {
        let report = analyze_file(path);
        let verdict = report.verdict();
        let allowed_suspicious = KNOWN_SUSPICIOUS.iter().any(|(n, _)| n == name);
        let acceptable =
            verdict == Verdict::Clean || (verdict == Verdict::Suspicious && allowed_suspicious);
        if !acceptable {
            wrong.push(format!("{name}: {verdict:?}\n    {}", describe(&report)));
        }
    }
    assert!(
        wrong.is_empty(),
        "benign files misjudged:\n{}",
        wrong.join("\n")
    );
}
