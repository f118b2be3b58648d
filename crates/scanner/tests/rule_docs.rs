//! `docs/rules/` is generated from the rules' own docs; this test fails when it is stale.
//! Regenerate with `BRINE_UPDATE_DOCS=1 cargo test -p brine-scanner --test rule_docs`.

use std::fmt::Write as _;
use std::path::PathBuf;

use brine_scanner::rules;

fn docs_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/rules")
}

fn expected() -> Vec<(String, String)> {
    let mut files = Vec::new();
    let mut index = String::from(
        "# Rules\n\nGenerated from the rule sources by `BRINE_UPDATE_DOCS=1 cargo test -p brine-scanner --test rule_docs`; `brine rule CODE` prints the same text.\n\n| code | name | severity | summary |\n|---|---|---|---|\n",
    );
    for rule in rules::all() {
        let _ = writeln!(
            index,
            "| [{0}]({0}.md) | {1} | {2} | {3} |",
            rule.code,
            rule.name,
            rule.severity.as_str(),
            rule.summary
        );
        files.push((format!("{}.md", rule.code), rules::render_markdown(rule)));
    }
    files.push(("README.md".to_owned(), index));
    files
}

#[test]
fn rule_docs_are_fresh() {
    let dir = docs_dir();
    let expected = expected();
    if std::env::var_os("BRINE_UPDATE_DOCS").is_some() {
        std::fs::create_dir_all(&dir).unwrap();
        for entry in std::fs::read_dir(&dir).unwrap() {
            std::fs::remove_file(entry.unwrap().path()).unwrap();
        }
        for (name, text) in &expected {
            std::fs::write(dir.join(name), text).unwrap();
        }
        return;
    }
    let mut stale = Vec::new();
    for (name, text) in &expected {
        if std::fs::read_to_string(dir.join(name)).ok().as_deref() != Some(text.as_str()) {
            stale.push(name.clone());
        }
    }
    let on_disk = std::fs::read_dir(&dir).map(|d| d.count()).unwrap_or(0);
    assert!(
        stale.is_empty() && on_disk == expected.len(),
        "docs/rules is stale ({stale:?}, {on_disk} files on disk, {} expected): run BRINE_UPDATE_DOCS=1 cargo test -p brine-scanner --test rule_docs",
        expected.len()
    );
}
