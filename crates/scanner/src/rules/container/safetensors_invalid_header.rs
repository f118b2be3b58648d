//! BRN240: a safetensors header that the safetensors loader would refuse to parse.

use crate::finding::{Finding, Severity, Verdict};
use crate::rules::{Family, RuleMeta};

/// Rule metadata and user docs.
pub const META: RuleMeta = RuleMeta {
    code: "BRN240",
    name: "safetensors-invalid-header",
    summary: "A safetensors header is malformed, so the file cannot be validated.",
    severity: Severity::Medium,
    family: Family::Container,
    cwe: &[20, 502],
    mappings: super::super::DESERIALIZATION_MAPPINGS,
    docs: r#"
## What it does
Checks the 8-byte length prefix and the JSON header of a `.safetensors` file without
reading any tensor data: the length must fit the file and brine's header budget, the
header must be a UTF-8 JSON object, `__metadata__` must map strings to strings, and every
tensor entry must name a known `dtype`, a `shape` of non-negative integers and
`data_offsets` `[begin, end]`.

## Why is this bad?
safetensors is the format people move to *because* it cannot run code. A file that only
looks like safetensors (a truncated download, a header that is not JSON, an unknown
dtype) is refused by the real loader, and a header brine cannot parse is a header brine
cannot vouch for. The verdict is `error`, never `clean`: the file was not validated.

## Example
```text
00 00 00 00 00 00 10 00   header length 1 MiB in a 200-byte file
```

## Use instead
Re-export the tensors with `safetensors.torch.save_file(tensors, "model.safetensors")`,
which writes a header of the exact length followed by the tensor bytes.

## References
- [safetensors format](https://github.com/huggingface/safetensors#format)
- [CWE-20](https://cwe.mitre.org/data/definitions/20.html)
- [CWE-502](https://cwe.mitre.org/data/definitions/502.html)
"#,
    fix: None,
};

/// The finding for a header that cannot be parsed; `detail` says what is wrong.
#[must_use]
pub fn finding(detail: &str) -> Finding {
    Finding::new(
        META.code,
        META.severity,
        Verdict::Error,
        format!("invalid safetensors header: {detail}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::safetensors::scan;
    use crate::limits::Limits;

    #[test]
    fn header_length_past_the_end_is_an_error() {
        let mut file = 1_000_000u64.to_le_bytes().to_vec();
        file.extend_from_slice(b"{}");
        let findings = scan(&file, &Limits::default());
        assert!(
            findings
                .iter()
                .any(|f| f.rule == META.code && f.verdict == Verdict::Error)
        );
    }

    #[test]
    fn empty_valid_header_is_clean() {
        let mut file = 2u64.to_le_bytes().to_vec();
        file.extend_from_slice(b"{}");
        assert!(scan(&file, &Limits::default()).is_empty());
    }
}
