//! Would `torch.load(weights_only=True)` accept this file on a current PyTorch?
//!
//! PyTorch's weights-only unpickler (the default since 2.6) resolves only the globals in
//! its built-in allowlist plus what the user registers with
//! `torch.serialization.add_safe_globals`. Given the globals a checkpoint's pickles
//! reference, this module says whether the load succeeds as-is, lists the exact globals it
//! would need, and prints the `add_safe_globals` line for the ones brine's policy judges
//! safe, never for dangerous ones.

use crate::finding::{FileKind, WeightsOnly};
use crate::pickle::policy::{Judgement, judge_global};

/// Globals PyTorch's weights-only unpickler allows by default (torch ≥ 2.6), as
/// `module.name`, from `torch/_weights_only_unpickler.py` (`_get_allowed_globals`,
/// `_tensor_rebuild_functions`) and the dtype, tensor-class and storage-class tables it expands.
const TORCH_DEFAULT_ALLOWED: &[&str] = &[
    "_codecs.encode",
    "builtins.bytearray",
    "builtins.complex",
    "builtins.set",
    "collections.Counter",
    "collections.OrderedDict",
    "torch.BFloat16Storage",
    "torch.BoolStorage",
    "torch.ByteStorage",
    "torch.CharStorage",
    "torch.ComplexDoubleStorage",
    "torch.ComplexFloatStorage",
    "torch.DoubleStorage",
    "torch.FloatStorage",
    "torch.HalfStorage",
    "torch.IntStorage",
    "torch.LongStorage",
    "torch.QInt32Storage",
    "torch.QInt8Storage",
    "torch.QUInt2x4Storage",
    "torch.QUInt4x2Storage",
    "torch.QUInt8Storage",
    "torch.ShortStorage",
    "torch.Size",
    "torch.Tensor",
    "torch._tensor._rebuild_from_type_v2",
    "torch._utils._rebuild_device_tensor_from_cpu_tensor",
    "torch._utils._rebuild_device_tensor_from_numpy",
    "torch._utils._rebuild_meta_tensor_no_storage",
    "torch._utils._rebuild_nested_tensor",
    "torch._utils._rebuild_parameter",
    "torch._utils._rebuild_parameter_with_state",
    "torch._utils._rebuild_qtensor",
    "torch._utils._rebuild_sparse_tensor",
    "torch._utils._rebuild_tensor",
    "torch._utils._rebuild_tensor_v2",
    "torch._utils._rebuild_tensor_v3",
    "torch._utils._rebuild_wrapper_subclass",
    "torch.device",
    "torch.nn.parameter.Parameter",
    "torch.per_channel_affine",
    "torch.per_channel_affine_float_qparams",
    "torch.per_channel_symmetric",
    "torch.per_tensor_affine",
    "torch.per_tensor_symmetric",
    "torch.serialization._get_layout",
    "torch.storage.TypedStorage",
    "torch.storage.UntypedStorage",
];

/// dtypes are allowed by their `str()` (`torch.float32`), so every `torch.<dtype>` is.
const TORCH_DTYPES: &[&str] = &[
    "bfloat16",
    "bits16",
    "bits1x8",
    "bits2x4",
    "bits4x2",
    "bits8",
    "bool",
    "cdouble",
    "cfloat",
    "chalf",
    "complex128",
    "complex32",
    "complex64",
    "double",
    "float",
    "float16",
    "float32",
    "float64",
    "float8_e4m3fn",
    "float8_e4m3fnuz",
    "float8_e5m2",
    "float8_e5m2fnuz",
    "half",
    "int",
    "int16",
    "int32",
    "int64",
    "int8",
    "long",
    "qint32",
    "qint8",
    "quint2x4",
    "quint4x2",
    "quint8",
    "short",
    "uint16",
    "uint32",
    "uint64",
    "uint8",
];

/// Whether PyTorch's weights-only unpickler allows `module.name` without registration.
#[must_use]
pub fn allowed_by_default(module: &str, name: &str) -> bool {
    if module == "torch" && TORCH_DTYPES.contains(&name) {
        return true;
    }
    // A dtype-specific tensor class such as `torch.cuda.FloatTensor` is in `torch._tensor_classes`.
    if (module == "torch" || module == "torch.cuda")
        && name.ends_with("Tensor")
        && name.len() > "Tensor".len()
    {
        return true;
    }
    let full = format!("{module}.{name}");
    TORCH_DEFAULT_ALLOWED.binary_search(&full.as_str()).is_ok()
}

/// One global the load would need registered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NeededGlobal {
    /// Module as written in the pickle.
    pub module: String,
    /// Name as written in the pickle.
    pub name: String,
    /// Whether brine's policy judges it safe to allowlist.
    pub safe: bool,
}

/// The prediction for one file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Prediction {
    /// Globals outside PyTorch's default allowlist, sorted and unique.
    pub needed: Vec<NeededGlobal>,
}

impl Prediction {
    /// Whether `torch.load(weights_only=True)` succeeds without registering anything.
    #[must_use]
    pub fn loads_as_is(&self) -> bool {
        self.needed.is_empty()
    }

    /// The Python lines that register the safe globals, or `None` when nothing safe is needed.
    /// Dangerous globals are never included; they are listed in a comment instead.
    #[must_use]
    pub fn add_safe_globals(&self) -> Option<String> {
        let safe: Vec<&NeededGlobal> = self.needed.iter().filter(|g| g.safe).collect();
        if safe.is_empty() {
            return None;
        }
        let mut modules: Vec<&str> = safe.iter().map(|g| g.module.as_str()).collect();
        modules.sort_unstable();
        modules.dedup();
        let mut out = String::new();
        for m in &modules {
            out.push_str(&format!("import {m}\n"));
        }
        out.push_str("import torch\n\n");
        let names: Vec<String> = safe
            .iter()
            .map(|g| format!("{}.{}", g.module, g.name))
            .collect();
        out.push_str(&format!(
            "torch.serialization.add_safe_globals([{}])\n",
            names.join(", ")
        ));
        let refused: Vec<String> = self
            .needed
            .iter()
            .filter(|g| !g.safe)
            .map(|g| format!("{}.{}", g.module, g.name))
            .collect();
        if !refused.is_empty() {
            out.push_str(&format!(
                "# not allowlisted (not safe to load): {}\n",
                refused.join(", ")
            ));
        }
        Some(out)
    }
}

/// Predict from the globals a checkpoint's pickles reference. `is_safe(module, name)` is
/// brine's policy: only globals it calls safe go into the suggested allowlist.
#[must_use]
pub fn predict<'a>(
    globals: impl IntoIterator<Item = (&'a str, &'a str)>,
    is_safe: &dyn Fn(&str, &str) -> bool,
) -> Prediction {
    let mut needed: Vec<NeededGlobal> = globals
        .into_iter()
        .filter(|(m, n)| !allowed_by_default(m, n))
        .map(|(m, n)| NeededGlobal {
            module: m.to_owned(),
            name: n.to_owned(),
            safe: is_safe(m, n) && is_importable_name(m, n),
        })
        .collect();
    needed.sort_by(|a, b| (&a.module, &a.name).cmp(&(&b.module, &b.name)));
    needed.dedup();
    Prediction { needed }
}

/// Why `torch.load` would fail on a file of this format whatever its globals: it reads
/// only `torch.save` checkpoints (zip or legacy), and refuses TorchScript archives when
/// `weights_only=True`. `None` for a checkpoint it reads.
#[must_use]
pub fn format_blocker(kind: FileKind, torchscript: bool) -> Option<&'static str> {
    match kind {
        FileKind::PytorchZip if torchscript => Some(
            "a TorchScript archive: torch.load refuses it with weights_only=True (torch.jit.load loads it, running its code)",
        ),
        FileKind::PytorchZip | FileKind::PytorchLegacy => None,
        _ => Some(
            "not a torch.save checkpoint, so torch.load stops at its format; the globals are what a weights-only unpickler would need",
        ),
    }
}

/// The prediction under brine's own policy ([`judge_global`]: only globals it judges safe
/// may be allowlisted), in the shape the reports carry. `blocker` is the file format's own
/// reason to fail ([`format_blocker`]).
#[must_use]
pub fn summarize<'a>(
    globals: impl IntoIterator<Item = (&'a str, &'a str)>,
    blocker: Option<&str>,
) -> WeightsOnly {
    let prediction = predict(globals, &|m, n| judge_global(m, n) == Judgement::Safe);
    let dotted = |g: &NeededGlobal| format!("{}.{}", g.module, g.name);
    WeightsOnly {
        loads: prediction.loads_as_is() && blocker.is_none(),
        note: blocker.map(str::to_owned),
        needs: prediction.needed.iter().map(dotted).collect(),
        safe_to_allow: prediction
            .needed
            .iter()
            .filter(|g| g.safe)
            .map(dotted)
            .collect(),
        refused: prediction
            .needed
            .iter()
            .filter(|g| !g.safe)
            .map(dotted)
            .collect(),
    }
}

/// A name that can be written as a Python expression `module.name` (identifiers only).
fn is_importable_name(module: &str, name: &str) -> bool {
    let ident = |s: &str| {
        let mut chars = s.chars();
        chars
            .next()
            .is_some_and(|c| c == '_' || c.is_ascii_alphabetic())
            && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
    };
    module.split('.').all(ident) && name.split('.').all(ident)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_sorted_for_binary_search() {
        assert!(TORCH_DEFAULT_ALLOWED.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn a_plain_state_dict_loads_as_is() {
        let globals = [
            ("collections", "OrderedDict"),
            ("torch._utils", "_rebuild_tensor_v2"),
            ("torch", "FloatStorage"),
            ("torch", "bfloat16"),
        ];
        let p = predict(globals, &|_, _| true);
        assert!(p.loads_as_is(), "{p:?}");
        assert_eq!(p.add_safe_globals(), None);
    }

    #[test]
    fn numpy_globals_are_needed_and_suggested_when_safe() {
        let globals = [
            ("numpy.core.multiarray", "_reconstruct"),
            ("numpy", "ndarray"),
            ("numpy", "dtype"),
            ("torch", "FloatStorage"),
        ];
        let p = predict(globals, &|m, _| m.starts_with("numpy"));
        assert!(!p.loads_as_is());
        assert_eq!(p.needed.len(), 3);
        let line = p.add_safe_globals().unwrap();
        assert!(line.contains("import numpy.core.multiarray\n"), "{line}");
        assert!(
            line.contains(
                "add_safe_globals([numpy.dtype, numpy.ndarray, numpy.core.multiarray._reconstruct])"
            ),
            "{line}"
        );
    }

    #[test]
    fn summary_of_a_state_dict_loads_as_is() {
        let globals = [
            ("collections", "OrderedDict"),
            ("torch._utils", "_rebuild_tensor_v2"),
        ];
        let summary = summarize(globals, format_blocker(FileKind::PytorchZip, false));
        assert!(summary.loads, "{summary:?}");
        assert!(summary.needs.is_empty() && summary.refused.is_empty());
        assert_eq!(summary.note, None);
        // The same globals in TorchScript or a plain pickle: the format stops torch.load.
        let script = summarize(globals, format_blocker(FileKind::PytorchZip, true));
        assert!(!script.loads && script.note.is_some_and(|n| n.contains("TorchScript")));
        let plain = summarize(globals, format_blocker(FileKind::Pickle, false));
        assert!(!plain.loads && plain.needs.is_empty(), "{plain:?}");
    }

    #[test]
    fn summary_splits_safe_from_refused() {
        let summary = summarize(
            [
                ("numpy.core.multiarray", "_reconstruct"),
                ("posix", "system"),
                ("torch", "FloatStorage"),
            ],
            None,
        );
        assert!(!summary.loads);
        assert_eq!(
            summary.needs,
            ["numpy.core.multiarray._reconstruct", "posix.system"]
        );
        assert_eq!(
            summary.safe_to_allow,
            ["numpy.core.multiarray._reconstruct"]
        );
        assert_eq!(summary.refused, ["posix.system"]);
    }

    fn scanned(bytes: &[u8]) -> Option<WeightsOnly> {
        crate::scan::scan_bytes("m.pkl", bytes, &crate::scan::ScanOptions::default())
            .and_then(|r| r.weights_only)
    }

    #[test]
    fn the_scan_predicts_in_the_same_pass() {
        // An OrderedDict and no other global: nothing needed, but a plain pickle is no
        // torch.save checkpoint.
        let plain = scanned(b"\x80\x02ccollections\nOrderedDict\n)R.").unwrap();
        assert!(plain.needs.is_empty(), "{plain:?}");
        assert!(!plain.loads && plain.note.is_some());
        // A numpy dtype: would fail, safe to allowlist.
        let numpy = scanned(b"\x80\x02cnumpy\ndtype\nX\x02\x00\x00\x00f8\x85R.").unwrap();
        assert!(!numpy.loads, "{numpy:?}");
        assert_eq!(numpy.safe_to_allow, ["numpy.dtype"]);
        assert!(numpy.refused.is_empty());
        // A shell command (harmless payload: only touches a marker file): refused.
        let bad =
            scanned(b"\x80\x02cposix\nsystem\nX\x13\x00\x00\x00touch /tmp/brine-mk\x85R.").unwrap();
        assert!(!bad.loads);
        assert_eq!(bad.refused, ["posix.system"]);
        assert!(bad.safe_to_allow.is_empty());
    }

    #[test]
    fn files_without_pickles_get_no_prediction() {
        assert_eq!(scanned(b"\x93NUMPY\x01\x00\x76\x00{'descr': '<f8', 'fortran_order': False, 'shape': (0,), }                                                        \n"), None);
        assert_eq!(scanned(b"hello, not a model"), None);
    }

    #[test]
    fn dangerous_globals_are_never_suggested() {
        let globals = [("posix", "system"), ("numpy", "dtype")];
        let p = predict(globals, &|m, _| m == "numpy");
        let line = p.add_safe_globals().unwrap();
        assert!(!line.contains("add_safe_globals([posix"), "{line}");
        assert!(
            line.contains("# not allowlisted (not safe to load): posix.system"),
            "{line}"
        );
        let only_bad = predict([("builtins", "eval")], &|_, _| false);
        assert_eq!(only_bad.add_safe_globals(), None);
        assert!(!only_bad.loads_as_is());
    }
}
