//! BRN901: a file brine was asked to scan could not be read.

use crate::finding::{Finding, Severity, Verdict};
use crate::rules::{Family, RuleMeta};

/// Rule metadata and user docs.
pub const META: RuleMeta = RuleMeta {
    code: "BRN901",
    name: "unreadable-file",
    summary: "A file could not be read, so it was not scanned.",
    severity: Severity::Medium,
    family: Family::Scan,
    cwe: &[502],
    mappings: &[],
    docs: r#"
## What it does
Reports a file that brine could not open or read (permissions, I/O errors, a file that
vanished during the scan).

## Why is this bad?
A file that was not scanned is not known to be safe. brine never reports such a file as
clean: its verdict is `error`, and the exit code is 2 when nothing else failed.

## Example
```console
$ chmod 000 model.pt && brine scan model.pt
```

## Use instead
```console
$ chmod 644 model.pt && brine scan model.pt
```

## References
- [CWE-502](https://cwe.mitre.org/data/definitions/502.html)
"#,
    fix: None,
};

/// The finding for a file that could not be read.
#[must_use]
pub fn finding(error: &std::io::Error) -> Finding {
    Finding::new(
        META.code,
        META.severity,
        Verdict::Error,
        format!("could not read the file: {error}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unreadable_is_an_error_never_clean() {
        let f = finding(&std::io::Error::from(std::io::ErrorKind::PermissionDenied));
        assert_eq!(f.verdict, Verdict::Error);
        assert_eq!(f.rule, "BRN901");
    }
}
