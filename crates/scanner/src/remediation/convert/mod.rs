//! `brine convert`: PyTorch checkpoints and numpy arrays to safetensors, without
//! running a pickle.
//!
//! A torch zip (`<root>/data.pkl` + `<root>/data/<key>`), a legacy `torch.save` stream
//! or an `.npy`/`.npz` file is turned into [`Converted`]: ordered tensors (name, dtype,
//! shape, contiguous little-endian bytes) and a metadata map. Pickles are evaluated by
//! [`rebuild`], which knows only the tensor-rebuild subset; storages are read from the
//! archive; views and shared storages become their own contiguous copies. Nested
//! containers are flattened with `.`-joined keys; non-tensor leaves go to the metadata
//! as JSON text. [`safetensors_writer`] writes the result.
//!
//! Must never evaluate anything outside the rebuild subset, never convert a file the
//! scanner judges dangerous, never drop a value silently, never recurse on input depth,
//! and never allocate beyond [`Limits`] (output is bounded by the input size times
//! `max_convert_expansion`).

pub mod numpy;
pub mod rebuild;
pub mod safetensors_writer;
pub mod torch;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;

use crate::finding::{Verdict, combine};
use crate::formats::sniff::{self, Sniffed};
use crate::limits::Limits;
use crate::source::ReadAt;
use std::rc::Rc;

use rebuild::{Evaluated, Id, Node, TensorView};

pub use safetensors_writer::write_safetensors;

/// The element types safetensors can hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Dtype {
    /// float64.
    F64,
    /// float32.
    F32,
    /// float16.
    F16,
    /// bfloat16.
    BF16,
    /// float8 e4m3fn.
    F8E4M3,
    /// float8 e5m2.
    F8E5M2,
    /// int64.
    I64,
    /// int32.
    I32,
    /// int16.
    I16,
    /// int8.
    I8,
    /// uint64.
    U64,
    /// uint32.
    U32,
    /// uint16.
    U16,
    /// uint8.
    U8,
    /// bool (one byte).
    Bool,
}

impl Dtype {
    /// Bytes per element.
    #[must_use]
    pub fn size(self) -> u64 {
        match self {
            Dtype::F64 | Dtype::I64 | Dtype::U64 => 8,
            Dtype::F32 | Dtype::I32 | Dtype::U32 => 4,
            Dtype::F16 | Dtype::BF16 | Dtype::I16 | Dtype::U16 => 2,
            Dtype::F8E4M3 | Dtype::F8E5M2 | Dtype::I8 | Dtype::U8 | Dtype::Bool => 1,
        }
    }

    /// The name in a safetensors header.
    #[must_use]
    pub fn safetensors_name(self) -> &'static str {
        match self {
            Dtype::F64 => "F64",
            Dtype::F32 => "F32",
            Dtype::F16 => "F16",
            Dtype::BF16 => "BF16",
            Dtype::F8E4M3 => "F8_E4M3",
            Dtype::F8E5M2 => "F8_E5M2",
            Dtype::I64 => "I64",
            Dtype::I32 => "I32",
            Dtype::I16 => "I16",
            Dtype::I8 => "I8",
            Dtype::U64 => "U64",
            Dtype::U32 => "U32",
            Dtype::U16 => "U16",
            Dtype::U8 => "U8",
            Dtype::Bool => "BOOL",
        }
    }
}

/// One output tensor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tensor {
    /// `.`-joined key path.
    pub name: String,
    /// Element type.
    pub dtype: Dtype,
    /// Shape.
    pub shape: Vec<u64>,
    /// Contiguous C-order little-endian bytes (`shape` product × `dtype` size).
    pub data: Vec<u8>,
}

/// What a conversion produced.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Converted {
    /// Tensors in the order met.
    pub tensors: Vec<Tensor>,
    /// `__metadata__`: key path → JSON text of the non-tensor value.
    pub metadata: BTreeMap<String, String>,
}

impl Converted {
    /// Total tensor bytes.
    #[must_use]
    pub fn data_bytes(&self) -> u64 {
        self.tensors.iter().map(|t| t.data.len() as u64).sum()
    }
}

/// Why a file was not converted. Every message names what stopped it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConvertError {
    /// The scanner judged the file dangerous: the rule and its message.
    Dangerous(String),
    /// The pickle reaches a global outside the tensor-rebuild subset (`module.name`).
    DisallowedGlobal(String),
    /// Something safetensors cannot hold (complex, sparse, quantized, subclass...).
    Unsupported(String),
    /// The file is malformed or inconsistent.
    Malformed(String),
    /// A budget from [`Limits`] ran out.
    Budget(String),
    /// Not a format `brine convert` reads.
    UnknownFormat(String),
}

impl ConvertError {
    /// Add the opcode offset to a pickle error.
    #[must_use]
    pub fn at_offset(self, offset: u64) -> Self {
        match self {
            ConvertError::Malformed(m) => {
                ConvertError::Malformed(format!("{m} (at byte {offset})"))
            }
            other => other,
        }
    }
}

impl fmt::Display for ConvertError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConvertError::Dangerous(why) => {
                write!(f, "the file is dangerous ({why}); run `brine scan` on it")
            }
            ConvertError::DisallowedGlobal(global) => write!(
                f,
                "the pickle needs `{global}`, which is outside the tensor-rebuild subset (refused unresolved; nothing outside the subset is ever evaluated)"
            ),
            ConvertError::Unsupported(what) => write!(f, "cannot be stored in safetensors: {what}"),
            ConvertError::Malformed(why) => write!(f, "malformed checkpoint: {why}"),
            ConvertError::Budget(why) => write!(f, "over a limit: {why}"),
            ConvertError::UnknownFormat(what) => write!(f, "not convertible: {what}"),
        }
    }
}

impl std::error::Error for ConvertError {}

/// Convert a checkpoint or array file to tensors and metadata.
///
/// The file is scanned first and refused when `dangerous`; then its format decides:
/// torch zip, legacy torch, `.npy`, `.npz`.
///
/// # Errors
/// A [`ConvertError`] naming the global, dtype or reason; nothing is half-converted.
pub fn convert_artifact(data: &dyn ReadAt, limits: &Limits) -> Result<Converted, ConvertError> {
    if let Some(report) = crate::formats::scan_artifact(data, limits)
        && combine(report.findings.iter().map(|f| f.verdict)) == Verdict::Dangerous
    {
        let why = report
            .findings
            .iter()
            .find(|f| f.verdict == Verdict::Dangerous)
            .map(|f| format!("{}: {}", f.rule, f.message))
            .unwrap_or_default();
        return Err(ConvertError::Dangerous(why));
    }
    let budget = Budget::for_input(data.size(), limits);
    let head_len = usize::try_from(data.size())
        .unwrap_or(usize::MAX)
        .min(limits.max_sniff_head);
    let mut head = vec![0u8; head_len];
    data.read_exact_at(0, &mut head)
        .map_err(|e| ConvertError::Malformed(format!("cannot read the file: {e}")))?;
    match sniff::sniff(&head, Some(data.size())) {
        Sniffed::Zip => torch::convert_zip(data, limits, &budget),
        Sniffed::LegacyTorch => torch::convert_legacy(data, limits, &budget),
        Sniffed::Pickle => torch::convert_bare_pickle(data, limits),
        Sniffed::Npy => numpy::convert_npy(data, limits, &budget),
        Sniffed::Safetensors => Err(ConvertError::UnknownFormat(
            "the file is already safetensors".into(),
        )),
        other => Err(ConvertError::UnknownFormat(format!(
            "{other:?} is not a PyTorch checkpoint or numpy file"
        ))),
    }
}

/// How many output bytes a conversion may produce.
#[derive(Debug)]
pub struct Budget {
    left: std::cell::Cell<u64>,
    max: u64,
}

impl Budget {
    /// `input_size × max_convert_expansion` bytes.
    #[must_use]
    pub fn for_input(input_size: u64, limits: &Limits) -> Self {
        let max = input_size.saturating_mul(limits.max_convert_expansion);
        Budget {
            left: std::cell::Cell::new(max),
            max,
        }
    }

    /// Spend `bytes` of output.
    ///
    /// # Errors
    /// When the output would exceed the budget.
    pub fn spend(&self, bytes: u64) -> Result<(), ConvertError> {
        match self.left.get().checked_sub(bytes) {
            Some(left) => {
                self.left.set(left);
                Ok(())
            }
            None => Err(ConvertError::Budget(format!(
                "the tensors would take more than {} bytes (input size × max_convert_expansion)",
                self.max
            ))),
        }
    }
}

/// A flattened leaf: a tensor to materialise or a metadata value.
#[derive(Debug)]
pub enum Leaf {
    /// A tensor view, to be copied out of its storage.
    Tensor(Rc<TensorView>),
    /// JSON text.
    Json(String),
}

/// Flatten an evaluated pickle into `.`-joined leaves, iteratively.
///
/// Dicts are walked into; lists and tuples are written as one JSON value when they hold
/// no tensor, walked into by index otherwise; a dict's instance attributes (a state
/// dict's `_metadata`) become JSON values; scalars become JSON values.
///
/// Names and JSON text share one budget: `max_pickle_values` values visited and
/// `max_pickle_kept_bytes` bytes of text, so a value reachable many times (a memo
/// reference repeated in a list) cannot multiply into unbounded output.
///
/// # Errors
/// A key that is neither a string nor an int, a duplicate path, a value with no JSON or
/// tensor form, or a structure past `max_render_depth` or the text budget.
pub fn flatten(
    evaluated: &Evaluated,
    limits: &Limits,
) -> Result<Vec<(String, Leaf)>, ConvertError> {
    let mut leaves = Vec::new();
    let mut names = BTreeSet::new();
    let mut work: Vec<(Id, String, usize)> = vec![(evaluated.root, String::new(), 0)];
    let mut budget = TextBudget {
        values: limits.max_pickle_values,
        bytes: limits.max_pickle_kept_bytes,
    };
    let mut add = |name: String, leaf: Leaf, leaves: &mut Vec<(String, Leaf)>| {
        if !names.insert(name.clone()) {
            return Err(ConvertError::Malformed(format!(
                "two values flatten to the same name `{name}`"
            )));
        }
        leaves.push((name, leaf));
        Ok(())
    };
    while let Some((id, prefix, depth)) = work.pop() {
        budget
            .spend(prefix.len())
            .map_err(|e| e.for_path(&prefix))?;
        if depth > limits.max_render_depth {
            return Err(ConvertError::Budget(format!(
                "`{prefix}` is nested deeper than {} levels (max_render_depth)",
                limits.max_render_depth
            )));
        }
        let join = |key: &str| {
            if prefix.is_empty() {
                key.to_owned()
            } else {
                format!("{prefix}.{key}")
            }
        };
        match evaluated.node(id) {
            Node::Tensor(view) => {
                // Its shape is copied into the output and the header: text too.
                budget
                    .spend(view.size.len().saturating_mul(8))
                    .map_err(|e| e.for_path(&prefix))?;
                let name = if prefix.is_empty() {
                    "tensor".to_owned()
                } else {
                    prefix.clone()
                };
                add(name, Leaf::Tensor(view.clone()), &mut leaves)?;
            }
            Node::Storage(storage) => {
                return Err(ConvertError::Unsupported(format!(
                    "`{prefix}` is a bare storage (`{}`), not a tensor",
                    storage.key
                )));
            }
            Node::Dict { items, attrs } => {
                if items.is_empty() && attrs.is_empty() && !prefix.is_empty() {
                    add(prefix.clone(), Leaf::Json("{}".into()), &mut leaves)?;
                }
                for (name, value) in attrs {
                    let name = key_text(evaluated.node(*name)).unwrap_or_default();
                    let path = join(&name);
                    let json = to_json(evaluated, *value, limits, &mut budget)
                        .map_err(|e| e.for_path(&path))?;
                    add(path, Leaf::Json(json.to_string()), &mut leaves)?;
                }
                // Pushed in reverse so that the walk meets items in insertion order.
                for (key, value) in items.iter().rev() {
                    let key = key_text(evaluated.node(*key)).ok_or_else(|| {
                        ConvertError::Unsupported(format!(
                            "a key of `{prefix}` is neither a string nor an int"
                        ))
                    })?;
                    work.push((*value, join(&key), depth + 1));
                }
            }
            Node::List(items) | Node::Tuple(items) => {
                match to_json(evaluated, id, limits, &mut budget) {
                    Ok(json) if !prefix.is_empty() => {
                        add(prefix.clone(), Leaf::Json(json.to_string()), &mut leaves)?;
                    }
                    Ok(_) | Err(JsonError::HasTensor) => {
                        for (index, value) in items.iter().enumerate().rev() {
                            work.push((*value, join(&index.to_string()), depth + 1));
                        }
                    }
                    Err(other) => return Err(other.for_path(&prefix)),
                }
            }
            _ => {
                let json =
                    to_json(evaluated, id, limits, &mut budget).map_err(|e| e.for_path(&prefix))?;
                let name = if prefix.is_empty() {
                    "value".to_owned()
                } else {
                    prefix.clone()
                };
                add(name, Leaf::Json(json.to_string()), &mut leaves)?;
            }
        }
    }
    Ok(leaves)
}

fn key_text(node: &Node) -> Option<String> {
    match node {
        Node::Str(s) => Some(s.clone()),
        Node::Int(i) => Some(i.to_string()),
        _ => None,
    }
}

/// Why a value has no JSON form.
#[derive(Debug)]
enum JsonError {
    /// It holds a tensor (walk into it instead).
    HasTensor,
    /// It holds something with no JSON form.
    Unsupported(&'static str),
    /// It is nested too deep, or the text budget is spent.
    TooLarge,
}

/// What flattening may still produce: values visited and bytes of names and JSON text.
struct TextBudget {
    values: usize,
    bytes: usize,
}

impl TextBudget {
    /// One more value of `bytes` bytes of text.
    fn spend(&mut self, bytes: usize) -> Result<(), JsonError> {
        self.values = self.values.checked_sub(1).ok_or(JsonError::TooLarge)?;
        self.bytes = self.bytes.checked_sub(bytes).ok_or(JsonError::TooLarge)?;
        Ok(())
    }
}

impl JsonError {
    fn for_path(self, path: &str) -> ConvertError {
        let path = if path.is_empty() {
            "the top level"
        } else {
            path
        };
        match self {
            JsonError::HasTensor => ConvertError::Unsupported(format!(
                "`{path}` holds a tensor inside an object's state"
            )),
            JsonError::Unsupported(what) => {
                ConvertError::Unsupported(format!("`{path}` is {what}, which has no JSON form"))
            }
            JsonError::TooLarge => ConvertError::Budget(format!(
                "`{path}` is nested deeper than max_render_depth, or the checkpoint's names and \
                 metadata are larger than max_pickle_values / max_pickle_kept_bytes"
            )),
        }
    }
}

/// The JSON form of a non-tensor value, with a depth bound from [`Limits`] (the
/// recursion is bounded by `max_render_depth`, never by the input).
fn to_json(
    evaluated: &Evaluated,
    id: Id,
    limits: &Limits,
    budget: &mut TextBudget,
) -> Result<serde_json::Value, JsonError> {
    json_at(evaluated, id, limits.max_render_depth, budget)
}

fn json_at(
    evaluated: &Evaluated,
    id: Id,
    depth_left: usize,
    budget: &mut TextBudget,
) -> Result<serde_json::Value, JsonError> {
    use serde_json::Value;
    let node = evaluated.node(id);
    let text_len = match node {
        Node::Str(s) | Node::Device(s) => s.len(),
        // Numbers, keys' separators and brackets: a few bytes each.
        _ => 8,
    };
    budget.spend(text_len)?;
    let child_depth = depth_left.checked_sub(1);
    Ok(match node {
        Node::None => Value::Null,
        Node::Bool(b) => Value::Bool(*b),
        Node::Int(i) => Value::from(*i),
        Node::Float(x) => match serde_json::Number::from_f64(*x) {
            Some(n) => Value::Number(n),
            None => Value::String(x.to_string()),
        },
        Node::Str(s) => Value::String(s.clone()),
        Node::Device(d) => Value::String(d.clone()),
        Node::Callable(rebuild::Callable::DtypeValue(dtype)) => {
            Value::String(format!("dtype:{}", dtype.safetensors_name()))
        }
        Node::Tensor(_) | Node::Storage(_) => return Err(JsonError::HasTensor),
        Node::Bytes(_) => return Err(JsonError::Unsupported("bytes")),
        Node::BigInt(_) => return Err(JsonError::Unsupported("an integer wider than 64 bits")),
        Node::Callable(_) => return Err(JsonError::Unsupported("a class or function")),
        Node::List(items) | Node::Tuple(items) => {
            let depth = child_depth.ok_or(JsonError::TooLarge)?;
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                out.push(json_at(evaluated, *item, depth, budget)?);
            }
            Value::Array(out)
        }
        Node::Dict { items, attrs } => {
            let depth = child_depth.ok_or(JsonError::TooLarge)?;
            if !attrs.is_empty() {
                return Err(JsonError::Unsupported("a dict with attributes"));
            }
            let mut out = serde_json::Map::new();
            for (key, value) in items {
                let key = key_text(evaluated.node(*key))
                    .ok_or(JsonError::Unsupported("a dict with a non-string key"))?;
                budget.spend(key.len())?;
                out.insert(key, json_at(evaluated, *value, depth, budget)?);
            }
            Value::Object(out)
        }
    })
}

/// Copy a strided view out of `storage` as contiguous C-order bytes.
///
/// `storage` holds the elements the view's offset counts from. The highest element the
/// view touches is checked against it first; sizes, strides and the output length use
/// checked arithmetic and the output is charged to `budget`.
///
/// # Errors
/// A view reaching past its storage, an overflow, or a spent budget.
pub fn contiguous(
    storage: &[u8],
    itemsize: u64,
    offset: u64,
    size: &[u64],
    stride: &[u64],
    budget: &Budget,
) -> Result<Vec<u8>, ConvertError> {
    let overflow = || ConvertError::Malformed("tensor size overflows".into());
    let numel = size
        .iter()
        .try_fold(1u64, |acc, d| acc.checked_mul(*d))
        .ok_or_else(overflow)?;
    let nbytes = numel.checked_mul(itemsize).ok_or_else(overflow)?;
    budget.spend(nbytes)?;
    if numel == 0 {
        return Ok(Vec::new());
    }
    let mut last = offset;
    for (dim, step) in size.iter().zip(stride) {
        last = dim
            .checked_sub(1)
            .and_then(|d| d.checked_mul(*step))
            .and_then(|reach| last.checked_add(reach))
            .ok_or_else(overflow)?;
    }
    let end = last
        .checked_add(1)
        .and_then(|n| n.checked_mul(itemsize))
        .ok_or_else(overflow)?;
    if end > storage.len() as u64 {
        return Err(ConvertError::Malformed(format!(
            "a tensor view reaches byte {end} of a {}-byte storage",
            storage.len()
        )));
    }
    let nbytes = usize::try_from(nbytes).map_err(|_| overflow())?;
    let itemsize = usize::try_from(itemsize).map_err(|_| overflow())?;
    let mut out = Vec::with_capacity(nbytes);
    // Copy runs along the last dimension when it is dense, elements otherwise; an
    // odometer over the outer dimensions keeps this iterative.
    let (outer_size, run_elems) = match (size.split_last(), stride.last()) {
        (Some((inner, outer)), Some(1)) => {
            (outer, usize::try_from(*inner).map_err(|_| overflow())?)
        }
        _ => (size, 1),
    };
    let outer_stride = stride.get(..outer_size.len()).unwrap_or_default();
    let run_bytes = run_elems.checked_mul(itemsize).ok_or_else(overflow)?;
    let mut index = vec![0u64; outer_size.len()];
    let mut position = offset;
    loop {
        let start = usize::try_from(position)
            .ok()
            .and_then(|p| p.checked_mul(itemsize))
            .ok_or_else(overflow)?;
        let chunk = start
            .checked_add(run_bytes)
            .and_then(|stop| storage.get(start..stop))
            .ok_or_else(overflow)?;
        out.extend_from_slice(chunk);
        // Advance the odometer: the last outer dimension fastest.
        let mut dim = outer_size.len();
        loop {
            let Some(d) = dim.checked_sub(1) else {
                return Ok(out);
            };
            dim = d;
            let (Some(i), Some(limit), Some(step)) =
                (index.get_mut(d), outer_size.get(d), outer_stride.get(d))
            else {
                return Ok(out);
            };
            *i += 1;
            if *i < *limit {
                position = position.checked_add(*step).ok_or_else(overflow)?;
                break;
            }
            position = position
                .checked_sub(step.checked_mul(*i - 1).ok_or_else(overflow)?)
                .ok_or_else(overflow)?;
            *i = 0;
        }
    }
}

/// Reads the bytes of a storage (its whole root storage) for [`materialise`].
pub type StorageReader<'a> = dyn FnMut(&rebuild::StorageRef) -> Result<Vec<u8>, ConvertError> + 'a;

/// Materialise flattened leaves: tensors copied out of the storages `read_storage`
/// returns (each root storage whole).
///
/// Each storage is read once, kept while later tensors still view it, and dropped after
/// its last use, so a state dict of distinct storages holds one storage at a time.
///
/// # Errors
/// Whatever `read_storage` or the copy refuses.
pub fn materialise(
    leaves: Vec<(String, Leaf)>,
    read_storage: &mut StorageReader<'_>,
    budget: &Budget,
    format: &str,
) -> Result<Converted, ConvertError> {
    let mut uses: HashMap<String, usize> = HashMap::new();
    for (_, leaf) in &leaves {
        if let Leaf::Tensor(view) = leaf {
            *uses.entry(view.storage.key.clone()).or_default() += 1;
        }
    }
    let mut cache: HashMap<String, Vec<u8>> = HashMap::new();
    let mut converted = Converted::default();
    for (name, leaf) in leaves {
        match leaf {
            Leaf::Json(json) => {
                converted.metadata.insert(name, json);
            }
            Leaf::Tensor(view) => {
                let key = &view.storage.key;
                if !cache.contains_key(key) {
                    let bytes = read_storage(&view.storage)?;
                    cache.insert(key.clone(), bytes);
                }
                let storage = cache.get(key).map(Vec::as_slice).unwrap_or_default();
                let itemsize = view.dtype.size();
                let storage_itemsize = match view.storage.kind {
                    rebuild::StorageKind::Typed(dtype) => dtype.size(),
                    rebuild::StorageKind::Untyped => 1,
                };
                let view_start = view
                    .storage
                    .view_offset
                    .checked_mul(storage_itemsize)
                    .and_then(|s| usize::try_from(s).ok())
                    .ok_or_else(|| ConvertError::Malformed("storage view overflows".into()))?;
                let view_len = view
                    .storage
                    .view_numel
                    .checked_mul(storage_itemsize)
                    .and_then(|s| usize::try_from(s).ok())
                    .ok_or_else(|| ConvertError::Malformed("storage view overflows".into()))?;
                let bytes = view_start
                    .checked_add(view_len)
                    .and_then(|end| storage.get(view_start..end))
                    .ok_or_else(|| {
                        ConvertError::Malformed(format!(
                            "storage `{}` is shorter than its view",
                            view.storage.key
                        ))
                    })?;
                let data = contiguous(
                    bytes,
                    itemsize,
                    view.offset,
                    &view.size,
                    &view.stride,
                    budget,
                )
                .map_err(|e| match e {
                    ConvertError::Malformed(m) => {
                        ConvertError::Malformed(format!("tensor `{name}`: {m}"))
                    }
                    other => other,
                })?;
                if let Some(left) = uses.get_mut(key) {
                    *left = left.saturating_sub(1);
                    if *left == 0 {
                        cache.remove(key);
                    }
                }
                converted.tensors.push(Tensor {
                    name,
                    dtype: view.dtype,
                    shape: view.size.clone(),
                    data,
                });
            }
        }
    }
    if converted.tensors.is_empty() {
        return Err(ConvertError::UnknownFormat(
            "no tensor in the file: nothing to convert".into(),
        ));
    }
    converted
        .metadata
        .entry("format".to_owned())
        .or_insert_with(|| format.to_owned());
    Ok(converted)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn budget() -> Budget {
        Budget::for_input(1 << 20, &Limits::default())
    }

    #[test]
    fn transposed_view_becomes_contiguous() {
        // A 2x3 row-major matrix of bytes 0..6, read as its 3x2 transpose.
        let storage: Vec<u8> = (0..6).collect();
        let out = contiguous(&storage, 1, 0, &[3, 2], &[1, 3], &budget()).unwrap();
        assert_eq!(out, vec![0, 3, 1, 4, 2, 5]);
        let rows = contiguous(&storage, 1, 3, &[3], &[1], &budget()).unwrap();
        assert_eq!(rows, vec![3, 4, 5]);
        let scalar = contiguous(&storage, 2, 1, &[], &[], &budget()).unwrap();
        assert_eq!(scalar, vec![2, 3]);
        assert!(
            contiguous(&storage, 1, 0, &[0, 5], &[5, 1], &budget())
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn views_past_the_storage_are_refused() {
        let storage = vec![0u8; 8];
        assert!(contiguous(&storage, 4, 1, &[2], &[1], &budget()).is_err());
        assert!(contiguous(&storage, 4, 0, &[u64::MAX, 2], &[1, 1], &budget()).is_err());
        let tiny = Budget::for_input(1, &Limits::default());
        assert!(contiguous(&storage, 1, 0, &[1000], &[0], &tiny).is_err());
    }

    fn evaluate_plain(pickle: &[u8]) -> Evaluated {
        let limits = Limits::default();
        let mut input = pickle;
        let mut reader = crate::pickle::opcodes::OpReader::new(&mut input, 1024);
        rebuild::evaluate(&mut reader, rebuild::Persistence::Forbidden, &limits).unwrap()
    }

    #[test]
    fn nested_keys_join_with_dots_and_collisions_are_refused() {
        // {'a': {'b': 1, 'c': [1.5, 'x']}}
        let nested = b"\x80\x02}X\x01\x00\x00\x00a}(X\x01\x00\x00\x00bK\x01X\x01\x00\x00\x00c]G?\xf8\x00\x00\x00\x00\x00\x00aX\x01\x00\x00\x00xaus.";
        let leaves = flatten(&evaluate_plain(nested), &Limits::default()).unwrap();
        let rendered: Vec<(String, String)> = leaves
            .into_iter()
            .map(|(name, leaf)| match leaf {
                Leaf::Json(json) => (name, json),
                Leaf::Tensor(_) => (name, "tensor".into()),
            })
            .collect();
        assert_eq!(
            rendered,
            vec![
                ("a.b".to_owned(), "1".to_owned()),
                ("a.c".to_owned(), "[1.5,\"x\"]".to_owned())
            ]
        );
        // {'a.b': 1, 'a': {'b': 2}}
        let clash =
            b"\x80\x02}(X\x03\x00\x00\x00a.bK\x01X\x01\x00\x00\x00a}X\x01\x00\x00\x00bK\x02su.";
        let error = flatten(&evaluate_plain(clash), &Limits::default()).unwrap_err();
        assert!(error.to_string().contains("same name"), "{error}");
    }

    #[test]
    fn repeated_references_cannot_multiply_text() {
        // A 100 kB string memoised once, then referenced 2,000 times in a list: 200 MB of
        // JSON if rendered, refused by the text budget instead.
        let mut pickle = b"\x80\x02}X\x01\x00\x00\x00kX".to_vec();
        pickle.extend_from_slice(&100_000u32.to_le_bytes());
        pickle.extend_from_slice(&[b'a'; 100_000]);
        pickle.extend_from_slice(b"q\x000](");
        for _ in 0..2000 {
            pickle.extend_from_slice(b"h\x00");
        }
        pickle.extend_from_slice(b"es.");
        let limits = Limits::default();
        let mut input = pickle.as_slice();
        let mut reader = crate::pickle::opcodes::OpReader::new(&mut input, 1 << 20);
        let evaluated =
            rebuild::evaluate(&mut reader, rebuild::Persistence::Forbidden, &limits).unwrap();
        let error = flatten(&evaluated, &limits).unwrap_err();
        assert!(matches!(error, ConvertError::Budget(_)), "{error}");
    }

    #[test]
    fn container_slots_are_budgeted() {
        // One list, 160 Nones appended, then 160 references to the memoised list itself:
        // 161 values but 320 slots.
        let mut pickle = b"\x80\x02]q\x00(".to_vec();
        pickle.extend_from_slice(&[b'N'; 160]);
        pickle.extend_from_slice(b"e(");
        for _ in 0..160 {
            pickle.extend_from_slice(b"h\x00");
        }
        pickle.extend_from_slice(b"e.");
        let tight = Limits {
            max_pickle_values: 300,
            ..Limits::default()
        };
        let mut input = pickle.as_slice();
        let mut reader = crate::pickle::opcodes::OpReader::new(&mut input, 1024);
        let error =
            rebuild::evaluate(&mut reader, rebuild::Persistence::Forbidden, &tight).unwrap_err();
        assert!(error.to_string().contains("container items"), "{error}");
        let mut input = pickle.as_slice();
        let mut reader = crate::pickle::opcodes::OpReader::new(&mut input, 1024);
        assert!(
            rebuild::evaluate(
                &mut reader,
                rebuild::Persistence::Forbidden,
                &Limits::default()
            )
            .is_ok()
        );
    }

    proptest::proptest! {
        #[test]
        fn contiguous_never_panics(
            storage in proptest::collection::vec(proptest::num::u8::ANY, 0..64),
            itemsize in 1u64..9,
            offset in 0u64..80,
            dims in proptest::collection::vec((0u64..6, 0u64..12), 0..4),
        ) {
            let (size, stride): (Vec<u64>, Vec<u64>) = dims.into_iter().unzip();
            let _ = contiguous(&storage, itemsize, offset, &size, &stride, &budget());
        }

        #[test]
        fn convert_artifact_never_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..512)) {
            let _ = convert_artifact(&bytes, &Limits::default());
        }
    }
}
