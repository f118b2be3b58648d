//! `--fix` output on the fixtures of the rules that have fixes, as insta snapshots, and
//! the fixed text no longer triggers the fixed findings.

use std::path::Path;

use brine_scanner::python::{CodeSettings, apply_fixes, scan_source};

#[test]
fn fixed_fixtures() {
    for name in ["BRN108", "BRN111"] {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/code")
            .join(format!("{name}.py"));
        let source = std::fs::read_to_string(&path).unwrap_or_default();
        let findings = scan_source(name, source.as_bytes(), &CodeSettings::default());
        assert!(
            findings.iter().any(|f| f.fix.is_some()),
            "{name} has no fixes"
        );
        let fixed = apply_fixes(&source, &findings);
        let still_fixable = scan_source(name, fixed.as_bytes(), &CodeSettings::default())
            .into_iter()
            .filter(|f| f.fix.is_some())
            .count();
        assert_eq!(still_fixable, 0, "{name}: fixing left fixable findings");
        insta::assert_snapshot!(format!("fixed_{name}"), fixed);
    }
}
