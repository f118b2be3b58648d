//! BRN192: code nested deeper than the scanner's budget was skipped.

use crate::finding::{Finding, Severity, Span, Verdict};
use crate::rules::{Family, RuleMeta};

/// Rule metadata and user docs.
pub const META: RuleMeta = RuleMeta {
    code: "BRN192",
    name: "python-nesting-limit",
    summary: "Code nested deeper than the scan budget was not analysed.",
    severity: Severity::Medium,
    family: Family::Code,
    cwe: &[502],
    mappings: &[],
    docs: r#"
## What it does
Reports the first statement or expression nested deeper than `max_source_nesting`
(200 levels): brine walks no deeper, so that a hostile file cannot exhaust the stack.

## Why is this bad?
Real code is never nested this deep; generated or hostile code may hide a load below the
limit. The verdict is `suspicious` because part of the file was not analysed.

## Example
```python
x = [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]
```

## Use instead
```python
x = [[1]]
```

## References
- [CWE-674: uncontrolled recursion](https://cwe.mitre.org/data/definitions/674.html)
"#,
    fix: None,
};

/// The finding for the first construct past `limit` levels.
#[must_use]
pub fn finding(span: Span, limit: usize) -> Finding {
    let mut finding = Finding::new(
        META.code,
        META.severity,
        Verdict::Suspicious,
        format!("code nested deeper than {limit} levels was not analysed"),
    )
    .at_span(span);
    finding.tainted = Some(false);
    finding
}

#[cfg(test)]
mod tests {
    use crate::python::test_support::rules_hit;

    #[test]
    fn too_deep_is_reported() {
        let source = format!("x = {}1{}\n", "[".repeat(300), "]".repeat(300));
        assert_eq!(rules_hit(&source), vec!["BRN192"]);
    }

    #[test]
    fn shallow_is_fine() {
        assert!(rules_hit("x = [[[1]]]\n").is_empty());
    }
}
