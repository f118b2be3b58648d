//! The PyTorch containers of `brine convert`: the `torch.save` zip, the legacy stream,
//! and bare pickles.
//!
//! Zip: `<root>/data.pkl` is evaluated by [`super::rebuild`] and each storage key is read
//! from the listed `<root>/data/<key>` member, whose length must be exactly what the
//! persistent id declares. Legacy: the magic-number, protocol and sys-info pickles are
//! checked (little-endian only), the object pickle is evaluated, the storage-key list is
//! read, then each raw storage (8-byte element count, then the elements) in that order.
//! A bare pickle has no storages, so it converts only if it needs none (and then has no
//! tensors: it is refused).
//!
//! Must never read a member the central directory does not list, accept an ambiguous
//! (duplicated) name, or trust a declared size it has not checked against the data.

use std::collections::HashMap;
use std::io::Read;

use super::rebuild::{self, Evaluated, Node, Persistence, StorageKind, StorageRef};
use super::{Budget, ConvertError, Converted, flatten, materialise};
use crate::formats::compress::{self, Codec};
use crate::formats::torch::Layout;
use crate::formats::zip::{Entry, read_directory};
use crate::formats::{Ctx, read_bounded};
use crate::limits::Limits;
use crate::pickle::opcodes::OpReader;
use crate::source::{Cursor, ReadAt, Window};

/// The metadata `format` of a converted PyTorch checkpoint (what `transformers` expects).
const TORCH_FORMAT: &str = "pt";
/// How the pickle reader renders the 10-byte magic number legacy `torch.save` writes first
/// (`0x1950a86a20f9469cfc6c`).
const LEGACY_MAGIC_TEXT: &str = "<10-byte integer>";
/// The legacy protocol version.
const LEGACY_PROTOCOL_VERSION: i64 = 1001;

/// Bytes per element of a storage.
fn element_size(kind: StorageKind) -> u64 {
    match kind {
        StorageKind::Typed(dtype) => dtype.size(),
        StorageKind::Untyped => 1,
    }
}

/// Every storage key an evaluated pickle references, with its class and size; the same
/// key named twice with a different class or size is refused.
fn storages_of(evaluated: &Evaluated) -> Result<HashMap<String, (StorageKind, u64)>, ConvertError> {
    let mut storages: HashMap<String, (StorageKind, u64)> = HashMap::new();
    for node in &evaluated.nodes {
        let storage = match node {
            Node::Storage(storage) => storage,
            Node::Tensor(view) => &view.storage,
            _ => continue,
        };
        let seen = storages
            .entry(storage.key.clone())
            .or_insert((storage.kind, storage.numel));
        if *seen != (storage.kind, storage.numel) {
            return Err(ConvertError::Malformed(format!(
                "storage `{}` is declared twice with different types or sizes",
                storage.key
            )));
        }
    }
    Ok(storages)
}

fn nbytes(kind: StorageKind, numel: u64, key: &str) -> Result<u64, ConvertError> {
    numel
        .checked_mul(element_size(kind))
        .ok_or_else(|| ConvertError::Malformed(format!("storage `{key}` size overflows")))
}

/// Convert a `torch.save` zip (or an `.npz`, which is a zip of `.npy` members).
///
/// # Errors
/// Refusals from the evaluator, missing or mis-sized storages, ambiguous members.
pub fn convert_zip(
    data: &dyn ReadAt,
    limits: &Limits,
    budget: &Budget,
) -> Result<Converted, ConvertError> {
    let ctx = Ctx::new(limits);
    let directory = read_directory(data, &ctx);
    let listed: Vec<&Entry> = directory.entries.iter().filter(|e| e.listed).collect();
    let mut seen = std::collections::HashSet::new();
    for entry in &listed {
        if !seen.insert(entry.name.as_str()) {
            return Err(ConvertError::Malformed(format!(
                "zip member `{}` occurs more than once",
                entry.name
            )));
        }
    }
    let names: Vec<&str> = listed.iter().map(|e| e.name.as_str()).collect();
    if !names.is_empty() && names.iter().all(|n| n.ends_with(".npy")) {
        return super::numpy::convert_npz(data, &listed, limits, budget);
    }
    let Some(layout) = Layout::detect(&names) else {
        return Err(ConvertError::UnknownFormat(
            "a zip that is neither a torch.save checkpoint nor an .npz".into(),
        ));
    };
    let find = |suffix: &str| {
        listed
            .iter()
            .copied()
            .find(|e| e.name.strip_prefix(&layout.root) == Some(suffix))
    };
    let Some(main) = find("data.pkl") else {
        return Err(ConvertError::Unsupported(
            "a TorchScript archive (no data.pkl): its tensors belong to code".into(),
        ));
    };
    if let Some(order) = find("byteorder") {
        let text = member_bytes(data, order, 16, limits)?;
        if text.as_slice() != b"little" {
            return Err(ConvertError::Unsupported(format!(
                "tensors stored with byte order `{}`",
                String::from_utf8_lossy(&text)
            )));
        }
    }
    let pickle = member_bytes(data, main, limits.max_member_bytes, limits)?;
    let mut input = pickle.as_slice();
    let mut reader = OpReader::new(&mut input, limits.max_convert_literal);
    let evaluated = rebuild::evaluate(&mut reader, Persistence::Zip, limits)?;
    let storages = storages_of(&evaluated)?;
    let leaves = flatten(&evaluated, limits)?;
    let mut read_storage = |storage: &StorageRef| -> Result<Vec<u8>, ConvertError> {
        let (kind, numel) = storages
            .get(&storage.key)
            .copied()
            .unwrap_or((storage.kind, storage.numel));
        let expected = nbytes(kind, numel, &storage.key)?;
        let entry = find(&format!("data/{}", storage.key)).ok_or_else(|| {
            ConvertError::Malformed(format!(
                "storage `{}` has no data/{} member",
                storage.key, storage.key
            ))
        })?;
        let bytes = member_bytes(data, entry, expected, limits)?;
        if bytes.len() as u64 != expected {
            return Err(ConvertError::Malformed(format!(
                "storage `{}` holds {} bytes, its persistent id says {expected}",
                storage.key,
                bytes.len()
            )));
        }
        Ok(bytes)
    };
    materialise(leaves, &mut read_storage, budget, TORCH_FORMAT)
}

/// A listed member's bytes, at most `max` (one more byte is read to tell a longer member).
///
/// # Errors
/// A compression method other than stored or deflate, a corrupt stream, or `max` exceeded.
pub fn member_bytes(
    data: &dyn ReadAt,
    entry: &Entry,
    max: u64,
    limits: &Limits,
) -> Result<Vec<u8>, ConvertError> {
    let window = Window::new(data, entry.data_offset, entry.compressed_size);
    let read = |reader: &mut dyn Read| {
        read_bounded(reader, max.saturating_add(1)).map_err(|finding| {
            ConvertError::Malformed(format!("`{}`: {}", entry.name, finding.message))
        })
    };
    match entry.method {
        0 => read(&mut Cursor::new(&window, 0)),
        8 => {
            let mut guarded =
                compress::open(Codec::Deflate, Box::new(Cursor::new(&window, 0)), limits)
                    .map_err(|f| ConvertError::Malformed(f.message))?;
            let bytes = read(&mut guarded)?;
            if let Some(trip) = guarded.trip() {
                return Err(ConvertError::Budget(trip.finding(Codec::Deflate).message));
            }
            Ok(bytes)
        }
        other => Err(ConvertError::Unsupported(format!(
            "zip member `{}` uses compression method {other}",
            entry.name
        ))),
    }
}

/// Convert a legacy (pre-1.6) `torch.save` stream.
///
/// # Errors
/// A wrong magic number or protocol, a big-endian file, refusals from the evaluator, or
/// storages that do not match their declarations.
pub fn convert_legacy(
    data: &dyn ReadAt,
    limits: &Limits,
    budget: &Budget,
) -> Result<Converted, ConvertError> {
    let mut cursor = Cursor::new(data, 0);
    let mut reader = OpReader::new(&mut cursor, limits.max_convert_literal);
    let magic = rebuild::evaluate(&mut reader, Persistence::Forbidden, limits)?;
    // The reader keeps an integer wider than 64 bits as text: the magic number's
    // 10 bytes were already matched by the sniffer, so its width is what is checked.
    if !matches!(magic.node(magic.root), Node::BigInt(text) if text == LEGACY_MAGIC_TEXT) {
        return Err(ConvertError::Malformed(
            "legacy checkpoint without torch's magic number".into(),
        ));
    }
    let protocol = rebuild::evaluate(&mut reader, Persistence::Forbidden, limits)?;
    if protocol.node(protocol.root) != &Node::Int(LEGACY_PROTOCOL_VERSION) {
        return Err(ConvertError::Unsupported(
            "legacy checkpoint with an unknown protocol version".into(),
        ));
    }
    let sys_info = rebuild::evaluate(&mut reader, Persistence::Forbidden, limits)?;
    if !little_endian(&sys_info) {
        return Err(ConvertError::Unsupported(
            "legacy checkpoint written on a big-endian machine".into(),
        ));
    }
    let evaluated = rebuild::evaluate(&mut reader, Persistence::Legacy, limits)?;
    let keys = rebuild::evaluate(&mut reader, Persistence::Forbidden, limits)?;
    let Node::List(key_ids) = keys.node(keys.root) else {
        return Err(ConvertError::Malformed(
            "legacy checkpoint without its storage-key list".into(),
        ));
    };
    let storages = storages_of(&evaluated)?;
    let leaves = flatten(&evaluated, limits)?;
    // Raw storages follow the key list, each an 8-byte element count then its elements.
    let mut position = reader.offset();
    drop(reader);
    // Where each storage's elements are: (offset, length). Read on demand.
    let mut located: HashMap<String, (u64, u64)> = HashMap::new();
    for id in key_ids {
        let key = match keys.node(*id) {
            Node::Str(key) => key.clone(),
            _ => {
                return Err(ConvertError::Malformed(
                    "a legacy storage key is not a string".into(),
                ));
            }
        };
        let Some(&(kind, numel)) = storages.get(&key) else {
            return Err(ConvertError::Malformed(format!(
                "legacy storage `{key}` is listed but never used"
            )));
        };
        let mut count = [0u8; 8];
        data.read_exact_at(position, &mut count)
            .map_err(|_| ConvertError::Malformed(format!("legacy storage `{key}` is truncated")))?;
        if u64::from_le_bytes(count) != numel {
            return Err(ConvertError::Malformed(format!(
                "legacy storage `{key}` holds {} elements, its persistent id says {numel}",
                u64::from_le_bytes(count)
            )));
        }
        let expected = nbytes(kind, numel, &key)?;
        let start = position
            .checked_add(8)
            .ok_or_else(|| ConvertError::Malformed("legacy storage offset overflows".into()))?;
        let end = start
            .checked_add(expected)
            .filter(|end| *end <= data.size())
            .ok_or_else(|| {
                ConvertError::Malformed(format!("legacy storage `{key}` is truncated"))
            })?;
        if located.insert(key.clone(), (start, expected)).is_some() {
            return Err(ConvertError::Malformed(format!(
                "legacy storage `{key}` is listed twice"
            )));
        }
        position = end;
    }
    let mut read_storage = |storage: &StorageRef| -> Result<Vec<u8>, ConvertError> {
        let (start, length) = located.get(&storage.key).copied().ok_or_else(|| {
            ConvertError::Malformed(format!(
                "legacy storage `{}` is not in the storage list",
                storage.key
            ))
        })?;
        // `length` was checked to lie within the file.
        let mut bytes = vec![0u8; usize::try_from(length).unwrap_or(0)];
        data.read_exact_at(start, &mut bytes).map_err(|_| {
            ConvertError::Malformed(format!("legacy storage `{}` is truncated", storage.key))
        })?;
        Ok(bytes)
    };
    materialise(leaves, &mut read_storage, budget, TORCH_FORMAT)
}

/// Whether a legacy sys-info dict says little-endian.
fn little_endian(sys_info: &Evaluated) -> bool {
    let Node::Dict { items, .. } = sys_info.node(sys_info.root) else {
        return false;
    };
    items.iter().any(|(key, value)| {
        matches!(sys_info.node(*key), Node::Str(k) if k == "little_endian")
            && sys_info.node(*value) == &Node::Bool(true)
    })
}

/// A bare pickle: evaluated without storages, so any tensor in it is refused.
///
/// # Errors
/// Always, with the first global outside the subset, or "no tensor" when it is plain data.
pub fn convert_bare_pickle(data: &dyn ReadAt, limits: &Limits) -> Result<Converted, ConvertError> {
    let mut cursor = Cursor::new(data, 0);
    let mut reader = OpReader::new(&mut cursor, limits.max_convert_literal);
    let evaluated = rebuild::evaluate(&mut reader, Persistence::Forbidden, limits)?;
    let leaves = flatten(&evaluated, limits)?;
    let budget = Budget::for_input(0, limits);
    materialise(
        leaves,
        &mut |storage: &StorageRef| {
            Err(ConvertError::Malformed(format!(
                "storage `{}` outside an archive",
                storage.key
            )))
        },
        &budget,
        TORCH_FORMAT,
    )
}
