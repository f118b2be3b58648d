//! safetensors header validation: the 8-byte length, the JSON header, and the data layout.
//!
//! A safetensors file is `u64 LE header length`, a UTF-8 JSON object, then raw tensor
//! bytes. It cannot run code, so a valid file is clean; what this module looks for is a
//! file that only pretends to be valid: a header the real loader would refuse
//! (BRN240, verdict `error`), tensor offsets that leave room for a hidden payload or
//! overlap (BRN241, `suspicious`), and duplicate keys that let two parsers read two
//! different headers (BRN242, `suspicious`). Nothing here is ever `dangerous`: a
//! pickle renamed `.safetensors` does not sniff as safetensors and goes to the pickle
//! machine instead.
//!
//! Reads the header only (8 + header-length bytes, bounded by
//! `Limits::max_safetensors_header`); it must never read tensor data, trust the declared
//! length before bounding it, or panic on any input.

use std::collections::{BTreeMap, HashSet};
use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::Value;

use crate::finding::Finding;
use crate::limits::Limits;
use crate::rules::container::{
    safetensors_duplicate_key, safetensors_invalid_header, safetensors_invalid_layout,
};
use crate::source::ReadAt;

/// Bytes of the little-endian header-length prefix.
const LENGTH_PREFIX: u64 = 8;

/// Whether `head` (the first bytes of a file of `file_size` bytes) looks like safetensors.
///
/// The prefix must announce a header of at least 2 bytes that starts with `{` followed
/// (after spaces) by `"` or `}`. A header length past the end of the file still sniffs,
/// so that a truncated safetensors file is reported as invalid rather than skipped; a
/// length of 4 GiB or more does not, because no real header is that large and random
/// binary data would otherwise match.
#[must_use]
pub fn sniff(head: &[u8], file_size: u64) -> bool {
    let Some(header_len) = read_length_prefix(head) else {
        return false;
    };
    if !(2..1 << 32).contains(&header_len) || file_size < LENGTH_PREFIX + 2 {
        return false;
    }
    let Some(body) = head.get(8..) else {
        return false;
    };
    if body.first() != Some(&b'{') {
        return false;
    }
    match body.iter().skip(1).find(|b| !b.is_ascii_whitespace()) {
        Some(b'"' | b'}') => true,
        Some(_) => false,
        // The head ended inside leading whitespace: nothing contradicts safetensors.
        None => true,
    }
}

fn read_length_prefix(head: &[u8]) -> Option<u64> {
    let bytes: [u8; 8] = head.get(..8)?.try_into().ok()?;
    Some(u64::from_le_bytes(bytes))
}

/// Validate a safetensors file's header and layout without reading tensor data.
#[must_use]
pub fn scan(data: &dyn ReadAt, limits: &Limits) -> Vec<Finding> {
    let file_size = data.size();
    let mut prefix = [0u8; 8];
    if file_size < LENGTH_PREFIX {
        return vec![safetensors_invalid_header::finding(&format!(
            "the file has {file_size} bytes, fewer than the 8-byte length prefix"
        ))];
    }
    if let Err(error) = data.read_exact_at(0, &mut prefix) {
        return vec![crate::rules::scan::unreadable_file::finding(&error)];
    }
    let header_len = u64::from_le_bytes(prefix);
    if header_len > limits.max_safetensors_header {
        return vec![safetensors_invalid_header::finding(&format!(
            "header length {header_len} exceeds the {} byte budget",
            limits.max_safetensors_header
        ))];
    }
    let available = file_size - LENGTH_PREFIX;
    if header_len > available {
        return vec![safetensors_invalid_header::finding(&format!(
            "header length {header_len} runs past the end of the file ({available} bytes follow the prefix)"
        ))];
    }
    // Bounded above by `max_safetensors_header` and by the file size.
    let Ok(header_len_usize) = usize::try_from(header_len) else {
        return vec![safetensors_invalid_header::finding(
            "header length does not fit in memory on this platform",
        )];
    };
    let mut header = vec![0u8; header_len_usize];
    if let Err(error) = data.read_exact_at(LENGTH_PREFIX, &mut header) {
        return vec![crate::rules::scan::unreadable_file::finding(&error)];
    }
    validate_header(&header, available - header_len)
        .into_iter()
        .map(|f| f.at_offset(LENGTH_PREFIX))
        .collect()
}

/// Validate a header (the bytes after the length prefix) against a data region of
/// `data_len` bytes. Public for the fuzz target and property tests.
#[must_use]
pub fn validate_header(header: &[u8], data_len: u64) -> Vec<Finding> {
    if std::str::from_utf8(header).is_err() {
        return vec![safetensors_invalid_header::finding(
            "the header is not UTF-8",
        )];
    }
    if header.first() != Some(&b'{') {
        return vec![safetensors_invalid_header::finding(
            "the header does not start with `{`",
        )];
    }
    let entries: Entries<Entries<Value>> = match serde_json::from_slice(header) {
        Ok(entries) => entries,
        Err(error) => {
            return vec![safetensors_invalid_header::finding(&format!(
                "the header is not a JSON object of objects: {error}"
            ))];
        }
    };
    let mut problems = Problems::default();
    let mut tensors = Vec::new();
    let mut seen = HashSet::new();
    for (name, fields) in &entries.0 {
        if !seen.insert(name.as_str()) {
            problems.duplicate(name, "the header");
        }
        if name == "__metadata__" {
            check_metadata(fields, &mut problems);
        } else if let Some(tensor) = check_tensor(name, fields, &mut problems) {
            tensors.push(tensor);
        }
    }
    check_layout(&mut tensors, data_len, &mut problems);
    problems.into_findings()
}

fn check_metadata(fields: &Entries<Value>, problems: &mut Problems) {
    let mut seen = HashSet::new();
    for (key, value) in &fields.0 {
        if !seen.insert(key.as_str()) {
            problems.duplicate(key, "`__metadata__`");
        }
        if !value.is_string() {
            problems.header(
                "metadata-type",
                format!("`__metadata__` value for {key:?} is not a string"),
            );
        }
    }
}

/// A tensor's claimed data range, relative to the start of the data region.
struct TensorRange<'a> {
    name: &'a str,
    begin: u64,
    end: u64,
}

fn check_tensor<'a>(
    name: &'a str,
    fields: &'a Entries<Value>,
    problems: &mut Problems,
) -> Option<TensorRange<'a>> {
    let mut seen = HashSet::new();
    let (mut dtype, mut shape, mut offsets) = (None, None, None);
    for (key, value) in &fields.0 {
        if !seen.insert(key.as_str()) {
            problems.duplicate(key, &format!("tensor {name:?}"));
        }
        match key.as_str() {
            "dtype" => dtype = Some(value),
            "shape" => shape = Some(value),
            "data_offsets" => offsets = Some(value),
            _ => {}
        }
    }
    let Some(bits) = dtype.and_then(Value::as_str).and_then(dtype_bits) else {
        problems.header(
            "dtype",
            format!("tensor {name:?} has a missing or unknown dtype"),
        );
        return None;
    };
    let Some(dims) = shape.and_then(as_u64_list) else {
        problems.header(
            "shape",
            format!("tensor {name:?} has a missing or invalid shape"),
        );
        return None;
    };
    let Some([begin, end]) = offsets
        .and_then(as_u64_list)
        .and_then(|o| <[u64; 2]>::try_from(o).ok())
    else {
        problems.header(
            "offsets",
            format!("tensor {name:?} has missing or invalid data_offsets"),
        );
        return None;
    };
    let total_bits = dims
        .iter()
        .try_fold(1u64, |acc, d| acc.checked_mul(*d))
        .and_then(|numel| numel.checked_mul(bits));
    let Some(total_bits) = total_bits else {
        problems.header(
            "overflow",
            format!("tensor {name:?}: shape × dtype size overflows"),
        );
        return None;
    };
    if total_bits % 8 != 0 {
        problems.header(
            "misaligned",
            format!("tensor {name:?}: {total_bits} bits is not a whole number of bytes"),
        );
        return None;
    }
    if end < begin {
        problems.layout(
            "reversed",
            format!("tensor {name:?} ends ({end}) before it begins ({begin})"),
        );
        return None;
    }
    let expected = total_bits / 8;
    if end - begin != expected {
        problems.layout(
            "size",
            format!(
                "tensor {name:?} spans {} bytes but its shape and dtype need {expected}",
                end - begin
            ),
        );
    }
    Some(TensorRange { name, begin, end })
}

/// Tensors must tile `[0, data_len)` exactly, in any order.
fn check_layout(tensors: &mut [TensorRange<'_>], data_len: u64, problems: &mut Problems) {
    tensors.sort_by_key(|t| (t.begin, t.end));
    let mut covered_to = 0u64;
    let mut last_name = "";
    for tensor in tensors.iter() {
        if tensor.end > data_len {
            problems.layout(
                "bounds",
                format!(
                    "tensor {:?} ends at {} past the {data_len}-byte data region",
                    tensor.name, tensor.end
                ),
            );
        }
        if tensor.begin > covered_to {
            problems.layout(
                "gap",
                format!(
                    "{} unclaimed bytes before tensor {:?}",
                    tensor.begin - covered_to,
                    tensor.name
                ),
            );
        } else if tensor.begin < covered_to {
            problems.layout(
                "overlap",
                format!("tensor {:?} overlaps tensor {last_name:?}", tensor.name),
            );
        }
        if tensor.end >= covered_to {
            covered_to = tensor.end;
            last_name = tensor.name;
        }
    }
    if covered_to < data_len {
        problems.layout(
            "trailing",
            format!(
                "{} bytes after the last tensor belong to no tensor",
                data_len - covered_to
            ),
        );
    }
}

fn as_u64_list(value: &Value) -> Option<Vec<u64>> {
    value.as_array()?.iter().map(Value::as_u64).collect()
}

/// Bits per element of a safetensors dtype, `None` for a dtype the format does not define.
fn dtype_bits(dtype: &str) -> Option<u64> {
    Some(match dtype {
        "F4" => 4,
        "F6_E2M3" | "F6_E3M2" => 6,
        "BOOL" | "U8" | "I8" | "F8_E5M2" | "F8_E4M3" | "F8_E8M0" => 8,
        "I16" | "U16" | "F16" | "BF16" => 16,
        "I32" | "U32" | "F32" => 32,
        "I64" | "U64" | "F64" | "C64" => 64,
        _ => return None,
    })
}

/// Findings gathered per kind of problem: the first occurrence is reported with a count
/// of the rest, so a hostile header with a million bad tensors makes a handful of findings.
#[derive(Default)]
struct Problems {
    by_kind: BTreeMap<(&'static str, &'static str), (Finding, usize)>,
}

impl Problems {
    fn push(&mut self, kind: &'static str, finding: Finding) {
        self.by_kind
            .entry((finding.rule, kind))
            .and_modify(|(_, more)| *more += 1)
            .or_insert((finding, 0));
    }
    fn header(&mut self, kind: &'static str, message: String) {
        self.push(kind, safetensors_invalid_header::finding(&message));
    }
    fn layout(&mut self, kind: &'static str, message: String) {
        self.push(kind, safetensors_invalid_layout::finding(&message));
    }
    fn duplicate(&mut self, key: &str, place: &str) {
        self.push("duplicate", safetensors_duplicate_key::finding(key, place));
    }
    fn into_findings(self) -> Vec<Finding> {
        self.by_kind
            .into_values()
            .map(|(mut finding, more)| {
                if more > 0 {
                    finding
                        .message
                        .push_str(&format!(" (and {more} more like it)"));
                }
                finding
            })
            .collect()
    }
}

/// A JSON object read entry by entry, keeping duplicates that a map would fold.
struct Entries<V>(Vec<(String, V)>);

impl<'de, V: Deserialize<'de>> Deserialize<'de> for Entries<V> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EntriesVisitor<V>(std::marker::PhantomData<V>);
        impl<'de, V: Deserialize<'de>> Visitor<'de> for EntriesVisitor<V> {
            type Value = Entries<V>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry::<String, V>()? {
                    entries.push(entry);
                }
                Ok(Entries(entries))
            }
        }
        deserializer.deserialize_map(EntriesVisitor(std::marker::PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Verdict;
    use proptest::prelude::*;

    fn file(header: &str, data_len: usize) -> Vec<u8> {
        let mut out = (header.len() as u64).to_le_bytes().to_vec();
        out.extend_from_slice(header.as_bytes());
        out.resize(out.len() + data_len, 0);
        out
    }

    fn rules(findings: &[Finding]) -> Vec<&'static str> {
        findings.iter().map(|f| f.rule).collect()
    }

    #[test]
    fn sniffs_real_layout_and_rejects_pickles() {
        let f = file(
            r#"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#,
            4,
        );
        assert!(sniff(&f, f.len() as u64));
        assert!(!sniff(b"\x80\x04\x95\x10\x00\x00\x00\x00\x00\x00\x00}", 64));
        assert!(!sniff(b"PK\x03\x04", 4));
    }

    #[test]
    fn each_violation_is_reported() {
        let cases: &[(&str, usize, &str)] = &[
            (
                r#"{"w":{"dtype":"Q7","shape":[1],"data_offsets":[0,4]}}"#,
                4,
                "BRN240",
            ),
            (
                r#"{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}"#,
                4,
                "BRN240",
            ),
            (r#"{"w":{"dtype":"F32","shape":[1]}}"#, 4, "BRN240"),
            (r#"{"__metadata__":{"a":1}}"#, 0, "BRN240"),
            (
                r#"{"w":{"dtype":"F4","shape":[3],"data_offsets":[0,2]}}"#,
                2,
                "BRN240",
            ),
            (r#"[1,2]"#, 0, "BRN240"),
            (
                r#"{"w":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}}"#,
                4,
                "BRN241",
            ),
            (
                r#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}"#,
                4,
                "BRN241",
            ),
            (
                r#"{"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#,
                8,
                "BRN241",
            ),
            (
                r#"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#,
                2,
                "BRN241",
            ),
            (
                r#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"U8","shape":[4],"data_offsets":[0,4]}}"#,
                4,
                "BRN241",
            ),
            (
                r#"{"w":{"dtype":"F32","dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#,
                4,
                "BRN242",
            ),
            (r#"{"__metadata__":{"a":"1","a":"2"}}"#, 0, "BRN242"),
            (
                r#"{"w":{"dtype":"U8","shape":[4294967296,4294967296,4294967296],"data_offsets":[0,1]}}"#,
                1,
                "BRN240",
            ),
        ];
        for (header, data_len, rule) in cases {
            let findings = scan(&file(header, *data_len), &Limits::default());
            assert!(
                rules(&findings).contains(rule),
                "{header} with {data_len} data bytes: expected {rule}, got {findings:?}"
            );
            assert!(findings.iter().all(|f| f.verdict != Verdict::Dangerous));
        }
    }

    #[test]
    fn padded_header_and_sub_byte_dtypes_are_clean() {
        let header = r#"{"a":{"dtype":"F4","shape":[4],"data_offsets":[0,2]},"b":{"dtype":"BF16","shape":[2,1],"data_offsets":[2,6]}}    "#;
        assert!(scan(&file(header, 6), &Limits::default()).is_empty());
    }

    #[test]
    fn header_budget_is_enforced_before_reading() {
        let limits = Limits {
            max_safetensors_header: 4,
            ..Limits::default()
        };
        let findings = scan(&file(r#"{"a":1}"#, 0), &limits);
        assert_eq!(rules(&findings), ["BRN240"]);
        assert!(findings[0].message.contains("budget"));
    }

    #[test]
    fn many_bad_tensors_make_one_finding() {
        let mut header = String::from("{");
        for i in 0..1000 {
            header.push_str(&format!(
                r#""t{i}":{{"dtype":"F32","shape":[1],"data_offsets":[0,4]}},"#
            ));
        }
        header.push_str(r#""z":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#);
        let findings = scan(&file(&header, 4), &Limits::default());
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert!(findings[0].message.contains("999 more"));
    }

    fn dtype_strategy() -> impl Strategy<Value = (&'static str, u64)> {
        prop::sample::select(vec![
            ("F32", 32u64),
            ("F16", 16),
            ("BF16", 16),
            ("U8", 8),
            ("I64", 64),
            ("BOOL", 8),
            ("F8_E4M3", 8),
        ])
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
            let _ = scan(&bytes, &Limits::default());
            if bytes.len() > 8 {
                let _ = validate_header(&bytes[8..], 16);
            }
        }

        #[test]
        fn arbitrary_json_headers_never_panic(
            header in "\\{(\"[a-z_]{1,6}\":\\{(\"(dtype|shape|data_offsets)\":(\\[[0-9,]{0,12}\\]|\"[A-Z0-9_]{1,8}\"|[0-9]{1,20}),?){0,4}\\},?){0,4}\\}",
            data_len in 0u64..64,
        ) {
            let _ = validate_header(header.as_bytes(), data_len);
        }

        #[test]
        fn valid_generated_headers_pass(
            tensors in prop::collection::vec(
                (dtype_strategy(), prop::collection::vec(0u64..5, 0..4)),
                0..8,
            ),
            metadata in prop::collection::btree_map("[a-z]{1,5}", "[ -~]{0,8}", 0..3),
        ) {
            let mut header = serde_json::Map::new();
            if !metadata.is_empty() {
                header.insert("__metadata__".into(), serde_json::to_value(&metadata).unwrap());
            }
            let mut offset = 0u64;
            for (i, ((dtype, bits), shape)) in tensors.iter().enumerate() {
                let bytes = shape.iter().product::<u64>() * bits / 8;
                header.insert(
                    format!("tensor.{i}"),
                    serde_json::json!({"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + bytes]}),
                );
                offset += bytes;
            }
            let text = serde_json::to_string(&header).unwrap();
            let findings = scan(&file(&text, offset as usize), &Limits::default());
            prop_assert!(findings.is_empty(), "{:?}", findings);
        }
    }
}
