//! BRN190: a Python file has syntax errors; it was scanned from the recovered tree.

use crate::finding::{Finding, Severity, Span, Verdict};
use crate::rules::{Family, RuleMeta};

/// Rule metadata and user docs.
pub const META: RuleMeta = RuleMeta {
    code: "BRN190",
    name: "python-syntax-error",
    summary: "A Python file has syntax errors; brine scanned what the parser recovered.",
    severity: Severity::Info,
    family: Family::Code,
    cwe: &[502],
    mappings: &[],
    docs: r#"
## What it does
Notes that a Python file does not parse cleanly (Python 2 syntax, a half-edited file, a
template). brine parses with error recovery and still reports every unsafe load in the
recovered tree; this note tells you the file was not fully understood.

## Why is this bad?
It is not, by itself: the verdict stays `clean`. Bandit skips such files entirely, so an
unsafe load in a Python 2 script would go unreported; brine reports the load and this note.

## Example
```python
print "loading"
```

## Use instead
```python
print("loading")
```

## References
- [PEP 3105: make print a function](https://peps.python.org/pep-3105/)
"#,
    fix: None,
};

/// The note for a file with `count` syntax errors, the first at `span`.
#[must_use]
pub fn finding(span: Span, first_message: &str, count: usize) -> Finding {
    let more = if count > 1 {
        format!(" (and {} more)", count - 1)
    } else {
        String::new()
    };
    let mut finding = Finding::new(
        META.code,
        META.severity,
        Verdict::Clean,
        format!("syntax error: {first_message}{more}; scanned the recovered tree"),
    )
    .at_span(span);
    finding.tainted = Some(false);
    finding
}

#[cfg(test)]
mod tests {
    use crate::python::test_support::rules_hit;

    #[test]
    fn python2_print_is_noted() {
        assert_eq!(rules_hit("print 'x'\n"), vec!["BRN190"]);
    }

    #[test]
    fn valid_code_has_no_note() {
        assert!(rules_hit("print('x')\n").is_empty());
    }
}
