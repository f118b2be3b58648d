//! BRN303: a manifest, lockfile or one of its lines could not be parsed.

use crate::deps::manifests::Problem;
use crate::finding::{Finding, Severity, Verdict};
use crate::rules::{Family, RuleMeta};

/// Rule metadata and user docs.
pub const META: RuleMeta = RuleMeta {
    code: "BRN303",
    name: "unparsable-manifest",
    summary: "A dependency manifest or one of its lines could not be parsed, so it was not audited.",
    severity: Severity::Low,
    family: Family::Deps,
    cwe: &[502],
    mappings: &[],
    docs: r#"
## What it does
Reports a lockfile that is not valid TOML/JSON, or a requirement line that is not valid
PEP 508 (`torch>>1`), at the line where parsing failed. The rest of the file is still audited.

## Why is this bad?
A dependency brine could not read is a dependency it could not check, so the file is never
reported clean: its verdict is `error`. pip would reject the same line.

## Example
```text
torch>>2.0
```

## Use instead
```text
torch>=2.6.0
```

## References
- [PEP 508 dependency specifiers](https://peps.python.org/pep-0508/)
- [CWE-502](https://cwe.mitre.org/data/definitions/502.html)
"#,
    fix: None,
};

/// The finding for a parse problem.
#[must_use]
pub fn finding(problem: &Problem) -> Finding {
    let mut finding = Finding::new(
        META.code,
        META.severity,
        Verdict::Error,
        problem.message.clone(),
    )
    .at_span(problem.span);
    finding.member.clone_from(&problem.included_from);
    finding
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deps::manifests::requirements;
    use crate::limits::Limits;

    #[test]
    fn invalid_line_is_an_error_finding() {
        let parsed = requirements::parse(
            "requirements.txt",
            "torch>>1\n",
            &|_| None,
            &Limits::default(),
        );
        let f = finding(&parsed.problems[0]);
        assert_eq!((f.rule, f.verdict), ("BRN303", Verdict::Error));
        assert_eq!(f.span.unwrap().line, 1);
    }

    #[test]
    fn valid_line_has_no_problem() {
        let parsed = requirements::parse(
            "requirements.txt",
            "torch>=1\n",
            &|_| None,
            &Limits::default(),
        );
        assert!(parsed.problems.is_empty());
    }
}
