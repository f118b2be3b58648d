//! Keras model configs (`.keras` `config.json`, legacy `.h5` `model_config`), judged as JSON.
//!
//! Keras rebuilds a model from its config by importing the modules and calling the
//! functions the config names, and by unmarshalling the bytecode of `Lambda` layers.
//! This module walks the config (iteratively, after serde_json's own 128-level
//! recursion cap) and reports:
//!
//! * serialized lambdas, Keras 3 `{"class_name": "__lambda__", "config": {"code": ...}}`
//!   or `{"value": [code, defaults, closure]}`, and Keras 2 `"function_type": "lambda"`
//!   with `"function": [code, defaults, closure]` (BRN250, dangerous); the marshalled
//!   code object is read, never loaded, to list the names and strings it uses;
//! * `module` references outside Keras/TensorFlow and Keras-internal gadgets such as
//!   `get_file` (BRN251; dangerous for known code-execution modules, CVE-2025-1550
//!   class, suspicious for unknown third-party code);
//! * anything naming `enable_unsafe_deserialization` or the `safe_mode_saving` global, or
//!   passing `"safe_mode": false` (BRN252, CVE-2025-9906 class);
//! * layers that read a file or URL outside the model: `TFSMLayer`, lookup layers with a
//!   vocabulary path (BRN254, suspicious, CVE-2025-12058 class);
//! * configs that cannot be parsed or exceed the budget (BRN253, error).
//!
//! Layouts follow the Keras 3 sources (`keras/src/saving/serialization_lib.py`:
//! `serialize_keras_object`, `_retrieve_class_or_fn`; `keras/src/layers/core/lambda_layer.py`:
//! `_serialize_function_to_config`) and Keras 2 (`keras/layers/core/lambda_layer.py`,
//! `keras/utils/generic_utils.py:func_dump`), read through the public code search.
//!
//! Must never import, unmarshal into a live object, or evaluate anything it reads, never
//! recurse on input-controlled depth without a cap, and never panic on input.

use base64::Engine as _;
use serde_json::Value;

use crate::finding::{Finding, Verdict};
use crate::limits::Limits;
use crate::rules::container::{
    keras_external_module_reference, keras_external_resource, keras_invalid_config,
    keras_lambda_layer, keras_unsafe_deserialization_enabled,
};

/// Whether a zip's member names make it a Keras v3 archive: `config.json` and
/// `metadata.json` at the top level (weights, `model.weights.h5` or `.npz`, are usual but
/// a hostile archive may leave them out, so they are not required).
#[must_use]
pub fn is_keras_zip(member_names: &[&str]) -> bool {
    let has = |wanted: &str| member_names.contains(&wanted);
    has("config.json") && has("metadata.json")
}

/// Judge a Keras `config.json` (or `metadata.json`, or a legacy `model_config` string).
#[must_use]
pub fn scan_config_json(bytes: &[u8], limits: &Limits) -> Vec<Finding> {
    if bytes.len() as u64 > limits.max_config_bytes {
        return vec![keras_invalid_config::finding(&format!(
            "the config has {} bytes, over the {} byte budget",
            bytes.len(),
            limits.max_config_bytes
        ))];
    }
    // serde_json refuses nesting deeper than 128 levels, so parsing cannot overflow the stack.
    match serde_json::from_slice::<Value>(bytes) {
        Ok(config) => scan_config_value(&config),
        Err(error) => vec![keras_invalid_config::finding(&format!(
            "the config is not valid JSON: {error}"
        ))],
    }
}

/// Judge a parsed Keras config.
///
/// Depth-first with an explicit stack of open objects and arrays, so memory grows with
/// the nesting depth (at most serde_json's 128 levels), not with the number of nodes;
/// a node's JSON path is rebuilt from the stack only where it is needed.
#[must_use]
pub fn scan_config_value(config: &Value) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut open: Vec<Frame<'_>> = Vec::new();
    visit(config, Label::Root, &mut open, &mut findings);
    while let Some(frame) = open.last_mut() {
        let next = match &mut frame.children {
            Children::Object(entries) => entries.next().map(|(k, v)| (Label::Key(k), v)),
            Children::Array(items) => items.next().map(|(i, v)| (Label::Index(i), v)),
        };
        match next {
            Some((label, child)) => visit(child, label, &mut open, &mut findings),
            None => {
                open.pop();
            }
        }
    }
    findings
}

/// How a node is reached from its parent.
#[derive(Clone, Copy)]
enum Label<'a> {
    Root,
    Key(&'a str),
    Index(usize),
}

enum Children<'a> {
    Object(serde_json::map::Iter<'a>),
    Array(std::iter::Enumerate<std::slice::Iter<'a, Value>>),
}

/// An object or array being walked, and how it was reached.
struct Frame<'a> {
    label: Label<'a>,
    children: Children<'a>,
}

/// The JSON path of a node reached by `last` from the innermost open frame.
fn path_of(open: &[Frame<'_>], last: Label<'_>) -> String {
    let mut path = String::new();
    for label in open.iter().map(|f| f.label).chain(std::iter::once(last)) {
        match label {
            Label::Root => path.push('$'),
            Label::Key(key) => {
                path.push('.');
                path.push_str(key);
            }
            Label::Index(index) => path.push_str(&format!("[{index}]")),
        }
    }
    path
}

fn visit<'a>(
    node: &'a Value,
    label: Label<'a>,
    open: &mut Vec<Frame<'a>>,
    findings: &mut Vec<Finding>,
) {
    // `"safe_mode": false` passed as an argument, e.g. to a nested `load_model` call.
    let disables_safe_mode =
        matches!(label, Label::Key("safe_mode")) && node == &Value::Bool(false);
    if let Label::Key(key) = label
        && (mentions_unsafe_switch(key) || disables_safe_mode)
    {
        findings.push(keras_unsafe_deserialization_enabled::finding(&path_of(
            open, label,
        )));
    }
    match node {
        Value::Object(object) => {
            check_object(object, &path_of(open, label), findings);
            open.push(Frame {
                label,
                children: Children::Object(object.iter()),
            });
        }
        Value::Array(items) => open.push(Frame {
            label,
            children: Children::Array(items.iter().enumerate()),
        }),
        Value::String(text) if mentions_unsafe_switch(text) => {
            findings.push(keras_unsafe_deserialization_enabled::finding(&path_of(
                open, label,
            )));
        }
        _ => {}
    }
}

/// The Keras switches that turn safe mode off for the rest of the process (CVE-2025-9906):
/// `enable_unsafe_deserialization()`, or the global it sets, `safe_mode_saving`, through
/// `set_global_attribute`.
fn mentions_unsafe_switch(text: &str) -> bool {
    text.contains("enable_unsafe_deserialization") || text.contains("safe_mode_saving")
}

type Object = serde_json::Map<String, Value>;

fn check_object(object: &Object, path: &str, findings: &mut Vec<Finding>) {
    let string = |key: &str| object.get(key).and_then(Value::as_str);

    // Keras 3: a serialized lambda anywhere (layer function, output_shape, activation).
    if string("class_name") == Some("__lambda__") {
        let config = object.get("config");
        let code = config
            .and_then(|c| c.get("code"))
            .or_else(|| config.and_then(|c| c.get("value")).and_then(|v| v.get(0)))
            .and_then(Value::as_str);
        findings.push(lambda_finding(path, code));
    }

    // Keras 2 Lambda layer config: `function_type` / `output_shape_type` say what the
    // neighbouring `function` / `output_shape` holds, `module` where a named one lives.
    for (type_key, value_key, module_key) in [
        ("function_type", "function", "module"),
        ("output_shape_type", "output_shape", "output_shape_module"),
    ] {
        match string(type_key) {
            Some("lambda") => {
                let code = match object.get(value_key) {
                    Some(Value::Array(parts)) => parts.first().and_then(Value::as_str),
                    Some(Value::String(code)) => Some(code.as_str()),
                    _ => None,
                };
                findings.push(lambda_finding(&format!("{path}.{value_key}"), code));
            }
            Some("function") => {
                if let (Some(module), Some(name)) = (string(module_key), string(value_key)) {
                    findings.extend(judge_reference(module, name, path));
                }
            }
            _ => {}
        }
    }

    // Keras 3: `{"module": ..., "class_name": ..., "config": ..., "registered_name": ...}`.
    if let (Some(module), Some(class_name)) = (string("module"), string("class_name")) {
        let name = if class_name == "function" {
            string("config")
                .or(string("registered_name"))
                .unwrap_or(class_name)
        } else {
            class_name
        };
        findings.extend(judge_reference(module, name, path));
    }

    check_external_resource(object, path, findings);
}

/// Layers whose config names a path or URL that the loader reads.
fn check_external_resource(object: &Object, path: &str, findings: &mut Vec<Finding>) {
    let Some(class_name) = object.get("class_name").and_then(Value::as_str) else {
        return;
    };
    let config = object.get("config");
    let field = |key: &str| config.and_then(|c| c.get(key)).and_then(Value::as_str);
    let resource = match class_name {
        "TFSMLayer" => Some(field("filepath").unwrap_or("an unnamed SavedModel")),
        "StringLookup" | "IntegerLookup" | "TextVectorization" => field("vocabulary"),
        _ => None,
    };
    if let Some(resource) = resource {
        findings.push(keras_external_resource::finding(path, class_name, resource));
    }
}

fn lambda_finding(path: &str, code: Option<&str>) -> Finding {
    let summary = match code {
        Some(encoded) => describe_lambda_code(encoded),
        None => String::from("no readable bytecode"),
    };
    keras_lambda_layer::finding(path, &summary)
}

/// What can be said about base64 marshalled bytecode without loading it.
fn describe_lambda_code(encoded: &str) -> String {
    let compact: String = encoded.chars().filter(|c| !c.is_whitespace()).collect();
    let Ok(raw) = base64::engine::general_purpose::STANDARD.decode(compact.as_bytes()) else {
        return format!(
            "{} characters of bytecode that is not valid base64",
            encoded.len()
        );
    };
    let Some(code) = marshal::read_code(&raw) else {
        return format!("{} bytes of marshalled bytecode", raw.len());
    };
    let mut out = format!("{} bytes of marshalled bytecode", raw.len());
    if !code.names.is_empty() {
        out.push_str(&format!("; names: {}", code.names.join(", ")));
    }
    if !code.strings.is_empty() {
        let quoted: Vec<String> = code.strings.iter().map(|s| format!("{s:?}")).collect();
        out.push_str(&format!("; strings: {}", quoted.join(", ")));
    }
    out
}

/// Module prefixes that Keras itself serializes.
const KERAS_MODULES: &[&str] = &[
    "keras",
    "tf_keras",
    "tensorflow",
    "tf",
    "keras_hub",
    "keras_nlp",
    "keras_cv",
];

/// Modules whose functions run commands, code, or touch files and the network.
const DANGEROUS_MODULES: &[&str] = &[
    "os",
    "posix",
    "nt",
    "subprocess",
    "builtins",
    "__builtin__",
    "sys",
    "shutil",
    "socket",
    "pty",
    "runpy",
    "importlib",
    "pickle",
    "_pickle",
    "marshal",
    "ctypes",
    "code",
    "codeop",
    "commands",
    "webbrowser",
    "pdb",
    "bdb",
    "asyncio",
    "multiprocessing",
    "threading",
    "requests",
    "urllib",
    "http",
    "ftplib",
    "smtplib",
    "telnetlib",
    "operator",
    "functools",
    "types",
    "inspect",
    "gc",
    "pydoc",
    "timeit",
    "cProfile",
    "profile",
    "trace",
    "platform",
    "uuid",
    "imaplib",
    "tempfile",
    "pathlib",
    "io",
    "dill",
    "cloudpickle",
    "joblib",
];

/// Keras-internal functions that act on the host when a config names them.
const KERAS_GADGETS: &[(&str, &str)] = &[
    (
        "get_file",
        "downloads to and overwrites arbitrary paths (CVE-2025-8747 class)",
    ),
    ("load_model", "loads a second model from a path"),
];

fn root_module(module: &str) -> &str {
    module.split('.').next().unwrap_or(module)
}

/// Judge a `module` + name reference (the enable-unsafe switch is reported separately).
fn judge_reference(module: &str, name: &str, path: &str) -> Option<Finding> {
    let root = root_module(module);
    let reference = format!("{module}.{name}");
    if KERAS_MODULES.contains(&root) {
        let leaf = name.rsplit(['.', '>']).next().unwrap_or(name);
        return KERAS_GADGETS
            .iter()
            .find(|(gadget, _)| *gadget == leaf)
            .map(|(_, why)| {
                keras_external_module_reference::finding(path, &reference, Verdict::Dangerous, why)
            });
    }
    if DANGEROUS_MODULES.contains(&root) {
        return Some(keras_external_module_reference::finding(
            path,
            &reference,
            Verdict::Dangerous,
            "a module that runs code, commands or I/O (CVE-2025-1550 class)",
        ));
    }
    let why = if root == "__main__" {
        "code from the script that saved the model, which the loader must supply"
    } else {
        "third-party code that Keras imports while loading"
    };
    Some(keras_external_module_reference::finding(
        path,
        &reference,
        Verdict::Suspicious,
        why,
    ))
}

/// A reader for CPython's `marshal` format, just enough to list what a code object names.
///
/// Walks the bytes without building Python objects; recursion is capped at
/// [`marshal::MAX_DEPTH`] and every item consumes input, so work is linear in the input.
mod marshal {
    /// Nesting of tuples and code objects followed; real lambdas nest a few levels.
    pub const MAX_DEPTH: usize = 32;
    /// Names and strings kept per code object tree, so a hostile blob makes a short message.
    const MAX_KEPT: usize = 32;
    /// Characters kept of one string constant.
    const MAX_STRING_CHARS: usize = 80;

    const FLAG_REF: u8 = 0x80;

    /// What a code object (and the code objects nested in it) names.
    #[derive(Debug, Default, PartialEq, Eq)]
    pub struct CodeSummary {
        /// `co_names`: globals, attributes and imports the code looks up.
        pub names: Vec<String>,
        /// String constants.
        pub strings: Vec<String>,
    }

    /// A marshalled value, reduced to what the summary needs.
    enum Item {
        Text(String),
        Tuple(Vec<Item>),
        Other,
    }

    struct Reader<'a> {
        bytes: &'a [u8],
        pos: usize,
        /// 32-bit fields before `co_code` in this blob's code objects.
        int_fields: usize,
        /// Objects registered with FLAG_REF, in the order CPython registers them.
        refs: Vec<Option<String>>,
        summary: CodeSummary,
    }

    /// Summarise a marshalled code object; `None` when the bytes are not one.
    ///
    /// CPython 3.8–3.10 write six 32-bit fields before `co_code`, 3.7 and 3.11+ five. The
    /// count is chosen once for the whole blob (one interpreter wrote it), trying five
    /// first, so a hostile blob costs at most two linear passes.
    pub fn read_code(bytes: &[u8]) -> Option<CodeSummary> {
        if bytes.first().map(|b| b & !FLAG_REF) != Some(b'c') {
            return None;
        }
        [5usize, 6].into_iter().find_map(|int_fields| {
            let mut reader = Reader {
                bytes,
                pos: 0,
                int_fields,
                refs: Vec::new(),
                summary: CodeSummary::default(),
            };
            reader.item(0)?;
            Some(reader.summary)
        })
    }

    impl Reader<'_> {
        fn take(&mut self, n: usize) -> Option<&[u8]> {
            let end = self.pos.checked_add(n)?;
            let slice = self.bytes.get(self.pos..end)?;
            self.pos = end;
            Some(slice)
        }
        fn byte(&mut self) -> Option<u8> {
            self.take(1).and_then(|b| b.first().copied())
        }
        fn u32(&mut self) -> Option<u32> {
            let b: [u8; 4] = self.take(4)?.try_into().ok()?;
            Some(u32::from_le_bytes(b))
        }
        fn len32(&mut self) -> Option<usize> {
            usize::try_from(self.u32()?).ok()
        }

        fn item(&mut self, depth: usize) -> Option<Item> {
            if depth > MAX_DEPTH {
                return None;
            }
            let code = self.byte()?;
            let flagged = code & FLAG_REF != 0;
            let slot = flagged.then(|| {
                self.refs.push(None);
                self.refs.len() - 1
            });
            let item = match code & !FLAG_REF {
                b'0' | b'N' | b'F' | b'T' | b'S' | b'.' => Item::Other,
                b'i' => self.take(4).map(|_| Item::Other)?,
                b'g' => self.take(8).map(|_| Item::Other)?,
                b'y' => self.take(16).map(|_| Item::Other)?,
                b'l' => {
                    // A signed 32-bit digit count (the sign is the number's); two bytes a digit.
                    let digits = i32::from_le_bytes(self.u32()?.to_le_bytes());
                    let n = usize::try_from(digits.unsigned_abs()).ok()?;
                    self.take(n.checked_mul(2)?).map(|_| Item::Other)?
                }
                b'f' => {
                    let n = self.byte()?;
                    self.take(usize::from(n)).map(|_| Item::Other)?
                }
                b'x' => {
                    for _ in 0..2 {
                        let n = self.byte()?;
                        self.take(usize::from(n))?;
                    }
                    Item::Other
                }
                b's' => {
                    let n = self.len32()?;
                    self.take(n).map(|_| Item::Other)?
                }
                b't' | b'u' | b'a' | b'A' => {
                    let n = self.len32()?;
                    Item::Text(String::from_utf8_lossy(self.take(n)?).into_owned())
                }
                b'z' | b'Z' => {
                    let n = usize::from(self.byte()?);
                    Item::Text(String::from_utf8_lossy(self.take(n)?).into_owned())
                }
                // TYPE_SMALL_TUPLE: one-byte count.
                b')' => {
                    let n = usize::from(self.byte()?);
                    self.sequence(n, depth)?
                }
                // TYPE_TUPLE, list, set, frozenset: 32-bit count.
                b'(' | b'[' | b'<' | b'>' => {
                    let n = self.len32()?;
                    self.sequence(n, depth)?
                }
                b'{' => loop {
                    if self.bytes.get(self.pos) == Some(&b'0') {
                        self.pos += 1;
                        break Item::Other;
                    }
                    self.item(depth + 1)?;
                    self.item(depth + 1)?;
                },
                b':' => {
                    for _ in 0..3 {
                        self.item(depth + 1)?;
                    }
                    Item::Other
                }
                b'r' => {
                    let index = self.len32()?;
                    match self.refs.get(index)? {
                        Some(text) => Item::Text(text.clone()),
                        None => Item::Other,
                    }
                }
                b'c' => self.code(depth)?,
                _ => return None,
            };
            if let (Some(slot), Item::Text(text)) = (slot, &item)
                && let Some(entry) = self.refs.get_mut(slot)
            {
                *entry = Some(text.clone());
            }
            Some(item)
        }

        fn sequence(&mut self, n: usize, depth: usize) -> Option<Item> {
            // Not preallocated: `n` is input-controlled, and each item consumes input.
            let mut items = Vec::new();
            for _ in 0..n {
                items.push(self.item(depth + 1)?);
            }
            Some(Item::Tuple(items))
        }

        /// A code object: integer fields, then `co_code`, `co_consts`, `co_names`, five
        /// more objects, the raw 32-bit `co_firstlineno`, and one line table (3.7–3.10) or
        /// a line table and an exception table (3.11+, told apart by its sixth object,
        /// `co_localspluskinds`, being bytes where older versions have a tuple).
        fn code(&mut self, depth: usize) -> Option<Item> {
            self.take(self.int_fields.checked_mul(4)?)?;
            self.item(depth + 1)?;
            let consts = self.item(depth + 1)?;
            // An empty tuple is often a back-reference, so a non-tuple is not an error.
            if let Item::Tuple(names) = self.item(depth + 1)? {
                for name in names {
                    if let Item::Text(text) = name {
                        keep(&mut self.summary.names, text);
                    }
                }
            }
            if let Item::Tuple(consts) = consts {
                for constant in consts {
                    if let Item::Text(text) = constant {
                        keep(&mut self.summary.strings, text);
                    }
                }
            }
            self.item(depth + 1)?;
            let kinds_are_bytes = self.bytes.get(self.pos).map(|b| b & !FLAG_REF) == Some(b's');
            for _ in 0..4 {
                self.item(depth + 1)?;
            }
            self.take(4)?;
            let tables = if self.int_fields == 5 && kinds_are_bytes {
                2
            } else {
                1
            };
            for _ in 0..tables {
                self.item(depth + 1)?;
            }
            Some(Item::Other)
        }
    }

    fn keep(list: &mut Vec<String>, text: String) {
        if list.len() >= MAX_KEPT || list.contains(&text) {
            return;
        }
        list.push(text.chars().take(MAX_STRING_CHARS).collect());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// CPython 3.11 `marshal.dumps((lambda x: __import__('os').system('touch /tmp/m') or x).__code__)`.
    const LAMBDA_311: &str = "4wEAAAAAAAAAAAAAAAMAAAADAAAA80oAAACXAHQBAAAAAAAAAAAAAGQBpgEAAKsBAAAAAAAAAACgAQAAAAAAAAAAAAAAAAAAAAAAAAAAZAKmAQAAqwEAAAAAAAAAAHABfABTACkDTtoCb3P6DHRvdWNoIC90bXAvbSkC2gpfX2ltcG9ydF9f2gZzeXN0ZW2pAdoBeHMBAAAAIPoIPHN0cmluZz76CDxsYW1iZGE+cgkAAAADAAAAcyEAAACAAI1KkHTRDBzUDBzXDCPSDCOgTtEMM9QMM9AMOLBxgADzAAAAAA==";

    /// CPython 3.11, a lambda whose list comprehension is a nested code object:
    /// `lambda x: [getattr(__import__('subprocess'), 'call')(c) for c in x]`.
    const NESTED_311: &str = "4wEAAAAAAAAAAAAAAAIAAAADAAAA8xoAAACXAGQBhAB8AEQApgAAAKsAAAAAAAAAAABTACkCTmMBAAAAAAAAAAAAAAAIAAAAEwAAAPNaAAAAlwBnAHwAXSh9AQIAdAEAAAAAAAAAAAAAdAMAAAAAAAAAAAAAZACmAQAAqwEAAAAAAAAAAGQBpgIAAKsCAAAAAAAAAAB8AaYBAACrAQAAAAAAAAAAkQKMKVMAKQLaCnN1YnByb2Nlc3PaBGNhbGwpAtoHZ2V0YXR0ctoKX19pbXBvcnRfXykC2gIuMNoBY3MCAAAAICD6CDxzdHJpbmc++go8bGlzdGNvbXA+ehw8bGFtYmRhPi48bG9jYWxzPi48bGlzdGNvbXA+BAAAAHM1AAAAgADQDEXQDEXQDEW4YdANNo1XlVqgDNEVLdQVLah20Q021A02sHHRDTnUDTnQDEXQDEXQDEXzAAAAAKkAqQHaAXhzAQAAACByCQAAAPoIPGxhbWJkYT5yDwAAAAQAAABzFQAAAIAA0AxF0AxFwDHQDEXRDEXUDEWAAHILAAAA";

    fn decode(text: &str) -> Vec<u8> {
        base64::engine::general_purpose::STANDARD
            .decode(text)
            .expect("test base64")
    }

    fn short_ascii(text: &str) -> Vec<u8> {
        let mut out = vec![b'z', u8::try_from(text.len()).expect("short")];
        out.extend_from_slice(text.as_bytes());
        out
    }

    /// A CPython 3.8–3.10 style code object: six integer fields, one line table.
    fn code_310(names: &[&str], consts: &[&str]) -> Vec<u8> {
        let mut out = vec![b'c'];
        out.extend_from_slice(&[0u8; 24]);
        out.extend_from_slice(b"s\x02\x00\x00\x00d\x00");
        out.extend_from_slice(&[b')', u8::try_from(consts.len()).expect("small")]);
        for c in consts {
            out.extend(short_ascii(c));
        }
        out.extend_from_slice(&[b')', u8::try_from(names.len()).expect("small")]);
        for n in names {
            out.extend(short_ascii(n));
        }
        // varnames, freevars, cellvars, filename, name, firstlineno, lnotab
        out.extend_from_slice(b")\x00)\x00)\x00");
        out.extend(short_ascii("<string>"));
        out.extend(short_ascii("<lambda>"));
        out.extend_from_slice(&1u32.to_le_bytes());
        out.extend_from_slice(b"s\x00\x00\x00\x00");
        out
    }

    #[test]
    fn reads_names_and_strings_of_a_311_lambda() {
        let summary = marshal::read_code(&decode(LAMBDA_311)).expect("code object");
        assert_eq!(summary.names, ["__import__", "system"]);
        assert_eq!(summary.strings, ["os", "touch /tmp/m"]);
    }

    #[test]
    fn reads_nested_code_objects() {
        let summary = marshal::read_code(&decode(NESTED_311)).expect("code object");
        for name in ["getattr", "__import__"] {
            assert!(summary.names.iter().any(|n| n == name), "{summary:?}");
        }
        assert!(
            summary.strings.iter().any(|s| s == "subprocess"),
            "{summary:?}"
        );
    }

    #[test]
    fn reads_the_six_field_layout() {
        let summary = marshal::read_code(&code_310(&["eval"], &["1+1"])).expect("code object");
        assert_eq!(summary.names, ["eval"]);
        assert_eq!(summary.strings, ["1+1"]);
    }

    #[test]
    fn rejects_what_is_not_a_code_object() {
        assert_eq!(marshal::read_code(b""), None);
        assert_eq!(marshal::read_code(b"N"), None);
        assert_eq!(marshal::read_code(&decode(LAMBDA_311)[..40]), None);
        // Deep nesting stops at the cap instead of recursing on.
        let mut deep = vec![b'c'];
        deep.extend_from_slice(&[0u8; 20]);
        deep.extend(std::iter::repeat_n([b')', 1u8], 10_000).flatten());
        assert_eq!(marshal::read_code(&deep), None);
    }

    #[test]
    fn lambda_description_survives_bad_base64_and_non_code() {
        assert!(describe_lambda_code("%%%").contains("not valid base64"));
        assert!(describe_lambda_code("Tg==").contains("1 bytes"));
        assert!(describe_lambda_code(LAMBDA_311).contains("names: __import__, system"));
    }

    #[test]
    fn legacy_named_function_is_judged_by_module() {
        let config = br#"{"class_name":"Lambda","config":{"function":"system","function_type":"function","module":"posix","output_shape_type":"raw"}}"#;
        let findings = scan_config_json(config, &Limits::default());
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert_eq!(findings[0].verdict, Verdict::Dangerous);
        let main = br#"{"class_name":"Lambda","config":{"function":"double","function_type":"function","module":"__main__"}}"#;
        assert_eq!(
            scan_config_json(main, &Limits::default())[0].verdict,
            Verdict::Suspicious
        );
    }

    #[test]
    fn keras_gadget_get_file_is_dangerous() {
        let config = br#"{"module":"keras.utils","class_name":"function","config":"get_file","registered_name":null}"#;
        let findings = scan_config_json(config, &Limits::default());
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].verdict, Verdict::Dangerous);
    }

    proptest! {
        #[test]
        fn marshal_reader_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
            let mut code = vec![b'c'];
            code.extend_from_slice(&bytes);
            let _ = marshal::read_code(&code);
            let _ = marshal::read_code(&bytes);
        }

        #[test]
        fn mutated_real_bytecode_never_panics(position in 0usize..253, value in any::<u8>()) {
            let mut code = decode(LAMBDA_311);
            if let Some(byte) = code.get_mut(position) {
                *byte = value;
            }
            let _ = marshal::read_code(&code);
        }

        #[test]
        fn arbitrary_json_configs_never_panic(text in "[\\[\\]{}\",:a-z_0-9 ]{0,200}") {
            let _ = scan_config_json(text.as_bytes(), &Limits::default());
        }
    }
}
