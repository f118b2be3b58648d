//! BRN242: a safetensors header that names the same key twice.

use crate::finding::{Finding, Severity, Verdict};
use crate::rules::{Family, RuleMeta};

/// Rule metadata and user docs.
pub const META: RuleMeta = RuleMeta {
    code: "BRN242",
    name: "safetensors-duplicate-key",
    summary: "A safetensors header repeats a key, so parsers may disagree on its meaning.",
    severity: Severity::Medium,
    family: Family::Container,
    cwe: &[436, 502],
    mappings: super::super::DESERIALIZATION_MAPPINGS,
    docs: r#"
## What it does
Reads the JSON header of a safetensors file entry by entry, before any map would fold
duplicates, and reports a tensor name, a `__metadata__` key or a tensor field that
appears twice.

## Why is this bad?
JSON parsers disagree on duplicate keys: `serde_json` and Python's `json` keep the last
one, others keep the first or refuse. A header that says two things about one tensor lets
a scanner validate one layout while the loader uses the other. No exporter writes
duplicates. The verdict is `suspicious`.

## Example
```json
{"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},
 "w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}
```

## Use instead
```json
{"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}
```

## References
- [CWE-436: Interpretation Conflict](https://cwe.mitre.org/data/definitions/436.html)
- [safetensors format](https://github.com/huggingface/safetensors#format)
"#,
    fix: None,
};

/// The finding for a repeated key; `key` is the repeated name, `place` where it repeats.
#[must_use]
pub fn finding(key: &str, place: &str) -> Finding {
    Finding::new(
        META.code,
        META.severity,
        Verdict::Suspicious,
        format!("duplicate key {key:?} in {place}"),
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
    fn repeated_tensor_name_is_suspicious() {
        let f = file(
            r#"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#,
            4,
        );
        let findings = scan(&f, &Limits::default());
        assert!(findings.iter().any(|f| f.rule == META.code));
    }

    #[test]
    fn distinct_names_are_clean() {
        let f = file(
            r#"{"__metadata__":{"format":"pt"},"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},"b":{"dtype":"U8","shape":[],"data_offsets":[4,5]}}"#,
            5,
        );
        assert!(scan(&f, &Limits::default()).is_empty());
    }
}
