//! Every code rule's documentation behaves as documented: the ```python block under
//! `## Example` is flagged by that rule, the one under `## Use instead` is not.

use brine_scanner::python::{CodeSettings, scan_source};
use brine_scanner::rules::code::RULES;

fn python_block_after<'d>(docs: &'d str, heading: &str) -> Option<&'d str> {
    let section = docs.split(heading).nth(1)?;
    let section = section.split("\n## ").next()?;
    let body = section.split("```python\n").nth(1)?;
    body.split("```").next()
}

#[test]
fn doc_examples_are_flagged_and_fixes_are_not() {
    let settings = CodeSettings::default();
    for rule in RULES {
        let example = python_block_after(rule.docs, "## Example");
        let safe = python_block_after(rule.docs, "## Use instead");
        let (Some(example), Some(safe)) = (example, safe) else {
            panic!(
                "{} lacks python blocks under Example / Use instead",
                rule.code
            );
        };
        let flagged = scan_source("example.py", example.as_bytes(), &settings);
        assert!(
            flagged.iter().any(|f| f.rule == rule.code),
            "{}: example not flagged: {example}",
            rule.code
        );
        let clean = scan_source("safe.py", safe.as_bytes(), &settings);
        assert!(
            clean.iter().all(|f| f.rule != rule.code),
            "{}: safe version flagged: {safe}",
            rule.code
        );
    }
}
