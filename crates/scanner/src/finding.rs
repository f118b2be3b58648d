//! The one finding type every analyser emits, and the per-file report.
//!
//! A finding names its rule (`BRN001`), a severity, the verdict it contributes to its
//! file, a message, and where it is: a source span for Python files, or a member path
//! plus byte offset for artifacts (`model.zip!inner.tar!archive/data.pkl @ 1234`).
//! This module holds plain data only: no analysis, no rendering.

use serde::{Deserialize, Serialize};

/// How bad a finding is. Ordered: `Info < Low < Medium < High < Critical`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// A note: something worth knowing that is not a risk by itself (a syntax error).
    Info,
    /// Low risk.
    Low,
    /// Medium risk.
    Medium,
    /// High risk.
    High,
    /// Code execution is reachable.
    Critical,
}

impl Severity {
    /// The lowercase name used in JSON, config and on the command line.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

/// The judgement of a file or stream.
///
/// Ordered for combining: `Clean < Suspicious < Error < Dangerous`. A file's verdict is
/// the maximum over its findings: something that could not be scanned is never clean,
/// and a dangerous call found before a break is never downgraded to an error.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Nothing found.
    Clean,
    /// Something outside what benign files need, nothing known to be dangerous.
    Suspicious,
    /// (Part of) the file could not be scanned.
    Error,
    /// A known code-execution or I/O primitive is reachable.
    Dangerous,
}

impl Verdict {
    /// The lowercase name used in JSON.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Clean => "clean",
            Verdict::Suspicious => "suspicious",
            Verdict::Error => "error",
            Verdict::Dangerous => "dangerous",
        }
    }
}

/// What a file was recognised as (by content, never by extension alone).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FileKind {
    /// A raw pickle stream (one or more pickles back to back).
    Pickle,
    /// A PyTorch zip checkpoint (`torch.save` since 1.6) or TorchScript archive.
    PytorchZip,
    /// A legacy (pre-zip) PyTorch checkpoint: magic, protocol, sys_info, data pickles.
    PytorchLegacy,
    /// A numpy `.npy` array.
    Numpy,
    /// A numpy `.npz` archive.
    Npz,
    /// A joblib file (raw or compressed).
    Joblib,
    /// A generic zip archive.
    Zip,
    /// A tar archive.
    Tar,
    /// A 7z archive.
    SevenZip,
    /// A compressed stream (gzip, bz2, xz, lzma, zlib, lz4, zstd).
    Compressed,
    /// A Keras v3 `.keras` archive.
    Keras,
    /// An HDF5 file (legacy Keras `.h5`).
    Hdf5,
    /// A safetensors file.
    Safetensors,
    /// Python source.
    Python,
    /// A dependency manifest or lockfile.
    Manifest,
    /// Not recognised (reported only when it could not be read).
    Unknown,
}

/// A span in a source file. Lines and columns are 1-based; columns count characters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Span {
    /// First line.
    pub line: u32,
    /// First column.
    pub column: u32,
    /// Last line.
    pub end_line: u32,
    /// Column just past the end.
    pub end_column: u32,
    /// Byte offset of the start in the (decoded) source.
    pub start_byte: u32,
    /// Byte offset just past the end.
    pub end_byte: u32,
}

/// A replacement that fixes a finding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fix {
    /// What the fix does, for people.
    pub title: String,
    /// Byte range replaced, in the decoded source.
    pub start_byte: u32,
    /// End of the replaced range.
    pub end_byte: u32,
    /// The replacement text.
    pub content: String,
}

/// One step of a data-flow path from an untrusted source to a sink.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlowStep {
    /// File path as reported.
    pub path: String,
    /// Where in that file.
    pub span: Span,
    /// What happens at this step.
    pub note: String,
}

/// One finding.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Finding {
    /// Rule code, e.g. `BRN001`.
    pub rule: &'static str,
    /// Severity of this occurrence.
    pub severity: Severity,
    /// The verdict this finding contributes to its file.
    pub verdict: Verdict,
    /// One line for people.
    pub message: String,
    /// Container path from the scanned file down to the stream (`["inner.tar", "archive/data.pkl"]`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub member: Vec<String>,
    /// Byte offset within the innermost stream (the opcode for pickle findings).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
    /// Source span, for findings in source files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub span: Option<Span>,
    /// What the file or code would do, as Python-like text (`os.system('id')`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub explanation: Option<String>,
    /// For source findings: whether untrusted data reaches this sink.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tainted: Option<bool>,
    /// Data-flow path, source first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flow: Vec<FlowStep>,
    /// A safe, mechanical fix.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fix: Option<Fix>,
    /// For a load of a file by path: the path when it is a constant (`torch.load("m.pt")`),
    /// as written in the source, so the CLI can compare it with `brine.lock`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_path: Option<String>,
    /// The `brine.lock` entry the loaded file matched, set by the CLI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lock: Option<LockMatch>,
}

/// A `brine.lock` entry a load's constant path resolved to, and whether the file on disk
/// still hashes to it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockMatch {
    /// The entry's path, relative to the lock's folder.
    pub path: String,
    /// The pinned SHA-256.
    pub sha256: String,
    /// The file on disk hashes to the pinned SHA-256 and was locked as clean.
    pub verified: bool,
}

impl Finding {
    /// A finding with only the required parts; add the rest with the builder methods.
    #[must_use]
    pub fn new(
        rule: &'static str,
        severity: Severity,
        verdict: Verdict,
        message: impl Into<String>,
    ) -> Self {
        Finding {
            rule,
            severity,
            verdict,
            message: message.into(),
            member: Vec::new(),
            offset: None,
            span: None,
            explanation: None,
            tainted: None,
            flow: Vec::new(),
            fix: None,
            load_path: None,
            lock: None,
        }
    }

    /// Set the byte offset.
    #[must_use]
    pub fn at_offset(mut self, offset: u64) -> Self {
        self.offset = Some(offset);
        self
    }

    /// Set the source span.
    #[must_use]
    pub fn at_span(mut self, span: Span) -> Self {
        self.span = Some(span);
        self
    }

    /// Set the explanation.
    #[must_use]
    pub fn explained(mut self, text: impl Into<String>) -> Self {
        self.explanation = Some(text.into());
        self
    }

    /// Prefix the member path with the name of the container member this finding sits in.
    pub fn inside(&mut self, member: &str) {
        self.member.insert(0, member.to_owned());
    }
}

/// The report for one scanned file.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FileReport {
    /// Path as given on the command line, joined with the walk.
    pub path: String,
    /// What the file was recognised as.
    pub kind: FileKind,
    /// The combined verdict.
    pub verdict: Verdict,
    /// All findings, in file order.
    pub findings: Vec<Finding>,
    /// For artifacts holding pickles: what `torch.load(weights_only=True)` would make of it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weights_only: Option<WeightsOnly>,
}

/// Whether `torch.load(weights_only=True)` would load an artifact, from the globals its
/// pickle streams reference. Names are `module.name`, sorted.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeightsOnly {
    /// Loads without registering anything (a `torch.save` checkpoint needing no global).
    pub loads: bool,
    /// Why the format itself stops `torch.load` (TorchScript, not a `torch.save` file);
    /// the globals then say what a weights-only unpickler would need.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Globals outside PyTorch's default allowlist.
    pub needs: Vec<String>,
    /// The needed globals brine's policy judges safe to register with `add_safe_globals`.
    pub safe_to_allow: Vec<String>,
    /// The needed globals brine refuses to allowlist (dangerous or not known to be safe).
    pub refused: Vec<String>,
}

impl FileReport {
    /// Build a report; the verdict is the maximum over the findings.
    #[must_use]
    pub fn new(path: impl Into<String>, kind: FileKind, findings: Vec<Finding>) -> Self {
        let verdict = combine(findings.iter().map(|f| f.verdict));
        FileReport {
            path: path.into(),
            kind,
            verdict,
            findings,
            weights_only: None,
        }
    }

    /// The same file with other findings (filtered, fixed, baselined): the verdict is
    /// recomputed, everything else is kept.
    #[must_use]
    pub fn with_findings(self, findings: Vec<Finding>) -> Self {
        FileReport {
            verdict: combine(findings.iter().map(|f| f.verdict)),
            findings,
            ..self
        }
    }
}

/// Combine verdicts: the maximum, or `Clean` when there are none.
#[must_use]
pub fn combine(verdicts: impl IntoIterator<Item = Verdict>) -> Verdict {
    verdicts.into_iter().max().unwrap_or(Verdict::Clean)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dangerous_beats_error_beats_suspicious() {
        assert_eq!(
            combine([Verdict::Suspicious, Verdict::Error]),
            Verdict::Error
        );
        assert_eq!(
            combine([Verdict::Error, Verdict::Dangerous]),
            Verdict::Dangerous
        );
        assert_eq!(combine([]), Verdict::Clean);
    }
}
