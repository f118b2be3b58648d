//! Legacy Keras `.h5` files: the root group's attributes, read with hdf5-pure.
//!
//! Keras 2 (and Keras 3's legacy saver) store the model as a JSON string in the root
//! attribute `model_config` (and the compile settings in `training_config`), beside
//! `keras_version` and `backend`. This module reads only those root attributes and hands
//! the JSON to [`crate::formats::keras`]; an HDF5 file without `model_config` (a weights
//! file, a dataset) has nothing Keras would rebuild and yields no findings.
//!
//! hdf5-pure is young, so it stays behind [`root_attrs`]: every call is wrapped so a
//! panic becomes an error finding, and every byte it reads goes through a budgeted source
//! (`Limits::max_config_bytes` per read, `Limits::max_hdf5_read_bytes` per file). hdf5-pure
//! needs an owned (`'static`) source, so reads of the borrowed [`ReadAt`] are served by a
//! scoped helper thread over a channel; where threads cannot be spawned (wasm), a file
//! within the per-file budget is copied into memory instead.
//!
//! Must never read tensor data, follow external links or external storage, or panic.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Mutex;
use std::sync::mpsc::{Receiver, Sender, channel};

use hdf5_pure::{AttrValue, FormatError, Source};

use crate::finding::Finding;
use crate::limits::Limits;
use crate::rules::container::hdf5_malformed;
use crate::source::ReadAt;

/// The HDF5 format signature, at offset 0 of a file without a user block.
const SIGNATURE: &[u8; 8] = b"\x89HDF\r\n\x1a\n";

/// Whether `head` starts with the HDF5 signature.
#[must_use]
pub fn sniff(head: &[u8]) -> bool {
    head.starts_with(SIGNATURE)
}

/// The root attributes a Keras `.h5` model carries, as text.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RootAttrs {
    /// The model architecture as JSON (`model_config`).
    pub model_config: Option<String>,
    /// The compile settings as JSON (`training_config`): losses and metrics can name functions.
    pub training_config: Option<String>,
    /// `keras_version`.
    pub keras_version: Option<String>,
    /// `backend`.
    pub backend: Option<String>,
}

/// Judge a legacy Keras `.h5` file by its root attributes.
#[must_use]
pub fn scan(data: &dyn ReadAt, limits: &Limits) -> Vec<Finding> {
    let attrs = match root_attrs(data, limits) {
        Ok(attrs) => attrs,
        Err(reason) => return vec![hdf5_malformed::finding(&reason)],
    };
    let mut findings = Vec::new();
    for (name, json) in [
        ("model_config", &attrs.model_config),
        ("training_config", &attrs.training_config),
    ] {
        if let Some(json) = json {
            findings.extend(
                crate::formats::keras::scan_config_json(json.as_bytes(), limits)
                    .into_iter()
                    .map(|mut f| {
                        f.inside(&format!("@{name}"));
                        f
                    }),
            );
        }
    }
    findings
}

/// Read the root group's Keras attributes. `Err` carries why the file could not be read.
///
/// # Errors
/// A reason, as text, when the file is not readable HDF5, a budget ran out, or the
/// parser failed.
pub fn root_attrs(data: &dyn ReadAt, limits: &Limits) -> Result<RootAttrs, String> {
    let budget = Budget {
        per_read: limits.max_config_bytes,
        per_file: limits.max_hdf5_read_bytes,
    };
    let size = data.size();
    let (requests, incoming) = channel::<Request>();
    let (replies, answers) = channel::<Reply>();
    let stop = requests.clone();
    let bridged = std::thread::scope(|scope| {
        let server = std::thread::Builder::new()
            .name("brine-h5-read".into())
            .spawn_scoped(scope, move || serve(data, budget, &incoming, &replies));
        if server.is_err() {
            return None;
        }
        let source = BridgeSource {
            len: size,
            channel: Mutex::new((requests, answers)),
        };
        let result = read_attrs_guarded(source);
        // The source (and its sender) is gone; tell the server to stop in case the
        // parser kept a clone of anything alive.
        let _ = stop.send(Request::Stop);
        Some(result)
    });
    match bridged {
        Some(result) => result,
        None => read_attrs_guarded(copy_into_memory(data, budget)?),
    }
}

/// Copy the whole file for the parser when no helper thread is available.
fn copy_into_memory(data: &dyn ReadAt, budget: Budget) -> Result<OwnedSource, String> {
    let size = data.size();
    if size > budget.per_file {
        return Err(format!(
            "the file has {size} bytes, over the {} byte HDF5 read budget",
            budget.per_file
        ));
    }
    let len = usize::try_from(size).map_err(|_| "file too large for memory".to_owned())?;
    let mut bytes = vec![0u8; len];
    data.read_exact_at(0, &mut bytes)
        .map_err(|e| format!("could not read the file: {e}"))?;
    Ok(OwnedSource(bytes))
}

fn read_attrs_guarded<S: Source + Send + Sync + 'static>(source: S) -> Result<RootAttrs, String> {
    // hdf5-pure is young: a panic inside it must become a finding, not end the scan.
    match catch_unwind(AssertUnwindSafe(|| read_attrs(source))) {
        Ok(result) => result,
        Err(_) => Err("the HDF5 parser panicked on this file".to_owned()),
    }
}

fn read_attrs<S: Source + Send + Sync + 'static>(source: S) -> Result<RootAttrs, String> {
    let file =
        hdf5_pure::File::from_source(source).map_err(|e| format!("not readable HDF5: {e}"))?;
    let attrs = file
        .root()
        .attrs()
        .map_err(|e| format!("root attributes not readable: {e}"))?;
    let text = |name: &str| attrs.get(name).and_then(attr_text);
    Ok(RootAttrs {
        model_config: text("model_config"),
        training_config: text("training_config"),
        keras_version: text("keras_version"),
        backend: text("backend"),
    })
}

/// An attribute as text: h5py writes Python `bytes` as a fixed-length string, `str` as a
/// variable-length one; a byte array is accepted too.
fn attr_text(value: &AttrValue) -> Option<String> {
    if let Some(text) = value.as_str() {
        return Some(text.trim_end_matches('\0').to_owned());
    }
    match value {
        AttrValue::U8Array(bytes) => Some(String::from_utf8_lossy(bytes).into_owned()),
        AttrValue::I8Array(bytes) => {
            let bytes: Vec<u8> = bytes.iter().map(|b| b.to_le_bytes()[0]).collect();
            Some(String::from_utf8_lossy(&bytes).into_owned())
        }
        _ => None,
    }
}

/// How much the parser may read.
#[derive(Clone, Copy)]
struct Budget {
    per_read: u64,
    per_file: u64,
}

/// What the serving thread answers: the bytes, or why it refused.
type Reply = Result<Vec<u8>, String>;

enum Request {
    Read { offset: u64, len: usize },
    Stop,
}

/// Serve reads of `data` until told to stop or the parser side hangs up.
fn serve(data: &dyn ReadAt, budget: Budget, incoming: &Receiver<Request>, replies: &Sender<Reply>) {
    let mut served = 0u64;
    while let Ok(Request::Read { offset, len }) = incoming.recv() {
        let wanted = len as u64;
        let answer = if wanted > budget.per_read {
            Err(format!(
                "a single HDF5 read of {wanted} bytes exceeds the {} byte budget",
                budget.per_read
            ))
        } else if served.saturating_add(wanted) > budget.per_file {
            Err(format!(
                "HDF5 reads exceed the {} byte per-file budget",
                budget.per_file
            ))
        } else {
            served += wanted;
            let mut bytes = vec![0u8; len];
            data.read_exact_at(offset, &mut bytes)
                .map(|()| bytes)
                .map_err(|e| format!("read of {wanted} bytes at {offset} failed: {e}"))
        };
        if replies.send(answer).is_err() {
            return;
        }
    }
}

/// hdf5-pure's view of the file: each read is a request to the serving thread.
struct BridgeSource {
    len: u64,
    channel: Mutex<(Sender<Request>, Receiver<Reply>)>,
}

impl Source for BridgeSource {
    fn len(&self) -> u64 {
        self.len
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<(), FormatError> {
        let end = offset
            .checked_add(buf.len() as u64)
            .ok_or(FormatError::Source(
                "read past the addressable range".into(),
            ))?;
        if end > self.len {
            return Err(FormatError::UnexpectedEof {
                expected: buf.len(),
                available: usize::try_from(self.len.saturating_sub(offset)).unwrap_or(0),
            });
        }
        let channel = self
            .channel
            .lock()
            .map_err(|_| FormatError::Source("reader poisoned".into()))?;
        channel
            .0
            .send(Request::Read {
                offset,
                len: buf.len(),
            })
            .map_err(|_| FormatError::Source("reader stopped".into()))?;
        let bytes = channel
            .1
            .recv()
            .map_err(|_| FormatError::Source("reader stopped".into()))?
            .map_err(FormatError::Source)?;
        let target = buf
            .get_mut(..bytes.len())
            .ok_or(FormatError::Source("short read".into()))?;
        target.copy_from_slice(&bytes);
        Ok(())
    }
}

/// A file copied into memory, for targets without threads.
struct OwnedSource(Vec<u8>);

impl Source for OwnedSource {
    fn len(&self) -> u64 {
        self.0.len() as u64
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<(), FormatError> {
        let start = usize::try_from(offset).map_err(|_| FormatError::Source("offset".into()))?;
        let end = start.checked_add(buf.len()).ok_or(FormatError::Source(
            "read past the addressable range".into(),
        ))?;
        let bytes = self.0.get(start..end).ok_or(FormatError::UnexpectedEof {
            expected: buf.len(),
            available: self.0.len().saturating_sub(start),
        })?;
        buf.copy_from_slice(bytes);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_the_signature_only() {
        assert!(sniff(b"\x89HDF\r\n\x1a\n\x00\x00"));
        assert!(!sniff(b"\x89PNG\r\n\x1a\n"));
        assert!(!sniff(b"\x89HD"));
    }

    #[test]
    fn garbage_after_the_signature_is_an_error_finding() {
        let mut file = SIGNATURE.to_vec();
        file.extend_from_slice(&[0xff; 200]);
        let findings = scan(&file, &Limits::default());
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].rule, hdf5_malformed::META.code);
    }

    #[test]
    fn builder_file_without_model_config_is_clean() {
        let mut builder = hdf5_pure::FileBuilder::new();
        builder.create_dataset("x").with_f64_data(&[1.0, 2.0]);
        let bytes = builder.finish().expect("in-memory file");
        assert!(scan(&bytes, &Limits::default()).is_empty());
        assert_eq!(
            root_attrs(&bytes, &Limits::default()),
            Ok(RootAttrs::default())
        );
    }

    #[test]
    fn per_file_budget_stops_the_parser() {
        let mut builder = hdf5_pure::FileBuilder::new();
        builder.set_attr("model_config", AttrValue::String("{}".repeat(1000)));
        let bytes = builder.finish().expect("in-memory file");
        let tight = Limits {
            max_hdf5_read_bytes: 64,
            ..Limits::default()
        };
        let findings = scan(&bytes, &tight);
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert!(findings[0].message.contains("budget"), "{findings:?}");
    }

    #[test]
    fn copy_fallback_reads_the_same_attributes() {
        let mut builder = hdf5_pure::FileBuilder::new();
        builder.set_attr("keras_version", AttrValue::String("2.15.0".into()));
        let bytes = builder.finish().expect("in-memory file");
        let budget = Budget {
            per_read: 1 << 20,
            per_file: 1 << 20,
        };
        let attrs = read_attrs_guarded(copy_into_memory(&bytes, budget).expect("copy"));
        assert_eq!(attrs.map(|a| a.keras_version), Ok(Some("2.15.0".into())));
    }
}
