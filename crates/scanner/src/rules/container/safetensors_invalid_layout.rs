//! BRN241: safetensors tensor offsets that do not tile the data region exactly.

use crate::finding::{Finding, Severity, Verdict};
use crate::rules::{Family, RuleMeta};

/// Rule metadata and user docs.
pub const META: RuleMeta = RuleMeta {
    code: "BRN241",
    name: "safetensors-invalid-layout",
    summary: "safetensors tensor offsets overlap, leave gaps, run out of bounds or leave trailing bytes.",
    severity: Severity::Medium,
    family: Family::Container,
    cwe: &[20, 502],
    mappings: super::super::DESERIALIZATION_MAPPINGS,
    docs: r#"
## What it does
Checks that the `data_offsets` of the tensors in a safetensors header tile the data region
exactly: every tensor holds `numel × dtype size` bytes (computed with checked
arithmetic), no two tensors overlap, there is no gap between them, and the last one ends
at the end of the file.

## Why is this bad?
The safetensors loader refuses such files, so no legitimate exporter writes them. Bytes
that no tensor claims (a gap, or data after the last tensor) are a place to hide a second
file: a pickle or a zip appended to a safetensors file makes a polyglot that another
loader, sniffing by content, may unpickle. Overlapping tensors are a parser-differential
trick. The verdict is `suspicious`.

## Example
```text
header: {"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}
data:   8 bytes of weights, then 300 bytes of pickle
```

## Use instead
```python
from safetensors.torch import save_file
save_file({"w": torch.zeros(2)}, "model.safetensors")  # data ends with the last tensor
```

## References
- [safetensors format](https://github.com/huggingface/safetensors#format)
- [CWE-502](https://cwe.mitre.org/data/definitions/502.html)
"#,
    fix: None,
};

/// The finding for a layout violation; `detail` names the tensor and the problem.
#[must_use]
pub fn finding(detail: &str) -> Finding {
    Finding::new(
        META.code,
        META.severity,
        Verdict::Suspicious,
        format!("safetensors data layout: {detail}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::safetensors::scan;
    use crate::limits::Limits;

    fn file(header: &str, data_len: usize) -> Vec<u8> {
        let mut out = (header.len() as u64).to_le_bytes().to_vec();
        out.extend_from_slice(header.as_bytes());
        out.resize(out.len() + data_len, 0);
        out
    }

    #[test]
    fn trailing_bytes_are_suspicious() {
        let f = file(
            r#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#,
            20,
        );
        let findings = scan(&f, &Limits::default());
        assert!(
            findings
                .iter()
                .any(|f| f.rule == META.code && f.verdict == Verdict::Suspicious)
        );
    }

    #[test]
    fn exact_tiling_is_clean() {
        let f = file(
            r#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#,
            8,
        );
        assert!(scan(&f, &Limits::default()).is_empty());
    }
}
