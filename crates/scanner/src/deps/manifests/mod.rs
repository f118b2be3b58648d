//! Manifest and lockfile readers: bytes in, [`Dependency`] list and problems out.
//!
//! One file per format. Each reader keeps the 1-based line of every dependency so that
//! findings point at it, turns malformed input into a [`Problem`] (never a panic), and
//! never reads anything but the bytes it is given and what `read_relative` returns.
//! Which reader runs is decided by the file name alone ([`ManifestKind::of`]).

pub mod conda;
pub mod pipfile_lock;
pub mod pyproject;
pub mod requirements;
pub mod toml_locks;

use crate::finding::Span;
use crate::limits::Limits;

/// One dependency as a manifest or lockfile states it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dependency {
    /// PEP 503 normalised name (`pyyaml`); empty for a bare URL or path with no name.
    pub name: String,
    /// The name as written (`PyYAML`).
    pub written_name: String,
    /// The exact version when pinned (`==2.5.1+cpu`) or locked.
    pub version: Option<String>,
    /// The specifier when not pinned (`>=2.0,<2.6`, Poetry `^2.0` translated to PEP 440).
    pub specifier: Option<String>,
    /// A direct reference (`pkg @ https://...`, `-e ./path`, `git+https://...`).
    pub url: Option<String>,
    /// Installed in editable mode (`-e`).
    pub editable: bool,
    /// Requested extras.
    pub extras: Vec<String>,
    /// Environment marker, as written (not evaluated: the target platform is unknown).
    pub marker: Option<String>,
    /// `--hash` values (`sha256:...`).
    pub hashes: Vec<String>,
    /// Optional-dependency extra, dependency group, Pipfile section, `constraint`, ...
    pub group: Option<String>,
    /// 1-based line in `source_file`.
    pub line: u32,
    /// Where on that line (1-based columns, byte offsets into the decoded file).
    pub span: Span,
    /// The file it was read from: the scanned path, or the include path for `-r` files.
    pub source_file: String,
    /// Include chain from the scanned file (`["base.txt"]`); empty for the file itself.
    pub included_from: Vec<String>,
    /// The conda package name, for entries of a conda environment's own list (`name` is
    /// then the PyPI name it maps to).
    pub conda_name: Option<String>,
    /// Read from a lockfile: a missing version means "not from an index" (a workspace
    /// member, a VCS or path source), never "any version".
    pub locked: bool,
}

impl Dependency {
    /// A dependency with a name, at a span, everything else empty.
    #[must_use]
    pub fn named(written_name: &str, span: Span, source_file: &str) -> Self {
        Dependency {
            name: super::pep::normalize_name(written_name),
            written_name: written_name.trim().to_owned(),
            version: None,
            specifier: None,
            url: None,
            editable: false,
            extras: Vec::new(),
            marker: None,
            hashes: Vec::new(),
            group: None,
            line: span.line,
            span,
            source_file: source_file.to_owned(),
            included_from: Vec::new(),
            conda_name: None,
            locked: false,
        }
    }

    /// Set the version or the specifier from specifier text (`==1.2`, `>=1,<2`, empty).
    pub fn set_requirement_text(&mut self, specifier: &str) {
        let specifier = specifier.trim();
        if specifier.is_empty() || specifier == "*" {
            return;
        }
        let pinned = super::pep::parse_specifiers(specifier)
            .as_ref()
            .and_then(super::pep::pinned_version);
        match pinned {
            Some(version) => self.version = Some(version.to_string()),
            None => self.specifier = Some(specifier.to_owned()),
        }
    }
}

/// What went wrong while reading a manifest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProblemKind {
    /// The file or a line is not valid for its format.
    Unparsable,
    /// An include could not be followed (missing, remote, absolute, too deep, over budget).
    IncludeUnresolved,
}

/// A problem met while reading, with where it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// Which kind.
    pub kind: ProblemKind,
    /// For people.
    pub message: String,
    /// Where (line 1 when the whole file is affected).
    pub span: Span,
    /// Include chain from the scanned file; empty for the file itself.
    pub included_from: Vec<String>,
}

/// Dependencies and problems of one manifest (with its includes).
#[derive(Clone, Debug, Default)]
pub struct Parsed {
    /// Dependencies in file order; those of included files follow, breadth first.
    pub dependencies: Vec<Dependency>,
    /// Problems in file order.
    pub problems: Vec<Problem>,
}

/// The manifest formats brine reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ManifestKind {
    /// `requirements*.txt`, `*requirements*.in`, `constraints*.txt`.
    Requirements,
    /// `pyproject.toml` (PEP 621, PEP 735 groups, Poetry).
    Pyproject,
    /// `poetry.lock`.
    PoetryLock,
    /// `uv.lock`.
    UvLock,
    /// `pdm.lock`.
    PdmLock,
    /// `pylock.toml`, `pylock.<name>.toml` (PEP 751).
    Pylock,
    /// `Pipfile.lock`.
    PipfileLock,
    /// conda `environment.yml` / `environment.yaml` (and `environment-*.yml`).
    CondaEnvironment,
}

impl ManifestKind {
    /// Recognise a manifest by its file name (the last path component).
    #[must_use]
    pub fn of(file_name: &str) -> Option<Self> {
        let name = file_name
            .rsplit(['/', '\\'])
            .next()
            .unwrap_or(file_name)
            .to_ascii_lowercase();
        let kind = match name.as_str() {
            "pyproject.toml" => ManifestKind::Pyproject,
            "poetry.lock" => ManifestKind::PoetryLock,
            "uv.lock" => ManifestKind::UvLock,
            "pdm.lock" => ManifestKind::PdmLock,
            "pipfile.lock" => ManifestKind::PipfileLock,
            "pylock.toml" => ManifestKind::Pylock,
            _ if name.starts_with("pylock.") && name.ends_with(".toml") => ManifestKind::Pylock,
            _ if (name.starts_with("environment") || name.starts_with("conda"))
                && (name.ends_with(".yml") || name.ends_with(".yaml")) =>
            {
                ManifestKind::CondaEnvironment
            }
            _ if (name.ends_with(".txt") || name.ends_with(".in"))
                && (name.contains("requirements") || name.starts_with("constraints")) =>
            {
                ManifestKind::Requirements
            }
            _ => return None,
        };
        Some(kind)
    }
}

/// Read a manifest of a known kind.
#[must_use]
pub fn parse(
    kind: ManifestKind,
    path: &str,
    bytes: &[u8],
    read_relative: &dyn Fn(&str) -> Option<Vec<u8>>,
    limits: &Limits,
) -> Parsed {
    let text = decode(bytes, limits);
    let mut parsed = match kind {
        ManifestKind::Requirements => requirements::parse(path, &text, read_relative, limits),
        ManifestKind::Pyproject => pyproject::parse(path, &text),
        ManifestKind::PoetryLock => toml_locks::parse_poetry(path, &text),
        ManifestKind::UvLock => toml_locks::parse_uv(path, &text),
        ManifestKind::PdmLock => toml_locks::parse_pdm(path, &text),
        ManifestKind::Pylock => toml_locks::parse_pylock(path, &text),
        ManifestKind::PipfileLock => pipfile_lock::parse(path, &text),
        ManifestKind::CondaEnvironment => conda::parse(path, &text),
    };
    if let Some(problem) = oversize_problem(bytes, &text, limits) {
        parsed.problems.insert(0, problem);
    }
    parsed
}

/// The problem for a file cut at the manifest byte budget: what follows was not audited.
#[must_use]
pub fn oversize_problem(bytes: &[u8], text: &str, limits: &Limits) -> Option<Problem> {
    (bytes.len() as u64 > limits.max_manifest_bytes).then(|| Problem {
        kind: ProblemKind::Unparsable,
        message: format!(
            "file is {} bytes, over the {}-byte manifest budget; only the start was read",
            bytes.len(),
            limits.max_manifest_bytes
        ),
        span: whole_file_span(text),
        included_from: Vec::new(),
    })
}

/// UTF-8 (lossy, BOM dropped), cut at the last line end within the manifest byte budget.
#[must_use]
pub fn decode(bytes: &[u8], limits: &Limits) -> String {
    let budget = usize::try_from(limits.max_manifest_bytes).unwrap_or(usize::MAX);
    let mut kept = bytes.get(..budget.min(bytes.len())).unwrap_or(bytes);
    if kept.len() < bytes.len() {
        // Cut at a line end, so the last line read is whole rather than a false parse error.
        let line_end = kept
            .iter()
            .rposition(|b| *b == b'\n')
            .map_or(0, |i| i.saturating_add(1));
        kept = kept.get(..line_end).unwrap_or_default();
    }
    let kept = kept.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(kept);
    String::from_utf8_lossy(kept).into_owned()
}

/// Line starts of a text, so that many spans cost a binary search each, not a rescan
/// (a lockfile with thousands of packages would otherwise be quadratic).
pub struct LineIndex<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    /// Index the line starts of `text`.
    #[must_use]
    pub fn new(text: &'a str) -> Self {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i.saturating_add(1)))
            .collect();
        LineIndex { text, starts }
    }

    /// The span of `text[start..end]`: 1-based line and character columns.
    #[must_use]
    pub fn span(&self, start: usize, end: usize) -> Span {
        let start = start.min(self.text.len());
        let end = end.clamp(start, self.text.len());
        let (line, column) = self.line_and_column(start);
        let (end_line, end_column) = self.line_and_column(end);
        Span {
            line,
            column,
            end_line,
            end_column,
            start_byte: u32::try_from(start).unwrap_or(u32::MAX),
            end_byte: u32::try_from(end).unwrap_or(u32::MAX),
        }
    }

    /// The span of a line's content (without its line break), from the line's start offset.
    #[must_use]
    pub fn line_span(&self, line_start: usize) -> Span {
        let rest = self.text.get(line_start..).unwrap_or_default();
        let len = rest.find('\n').unwrap_or(rest.len());
        let len = rest
            .get(..len)
            .map_or(len, |l| l.trim_end_matches('\r').len());
        self.span(line_start, line_start.saturating_add(len))
    }

    fn line_and_column(&self, offset: usize) -> (u32, u32) {
        let mut boundary = offset.min(self.text.len());
        while !self.text.is_char_boundary(boundary) {
            boundary = boundary.saturating_sub(1);
        }
        // Index of the last line start at or before the offset.
        let line_index = self
            .starts
            .partition_point(|&s| s <= boundary)
            .saturating_sub(1);
        let line_start = self.starts.get(line_index).copied().unwrap_or(0);
        let column = self
            .text
            .get(line_start..boundary)
            .unwrap_or_default()
            .chars()
            .count()
            .saturating_add(1);
        (
            u32::try_from(line_index.saturating_add(1)).unwrap_or(u32::MAX),
            u32::try_from(column).unwrap_or(u32::MAX),
        )
    }
}

/// The span of `text[start..end]` (one-off; use a [`LineIndex`] for many).
#[must_use]
pub fn span_of(text: &str, start: usize, end: usize) -> Span {
    LineIndex::new(text).span(start, end)
}

/// The span of the whole of line 1 (for problems about the whole file).
#[must_use]
pub fn whole_file_span(text: &str) -> Span {
    let end = text.find('\n').unwrap_or(text.len());
    span_of(text, 0, end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_recognised_by_name() {
        assert_eq!(
            ManifestKind::of("dev-requirements.txt"),
            Some(ManifestKind::Requirements)
        );
        assert_eq!(
            ManifestKind::of("a/b/requirements.in"),
            Some(ManifestKind::Requirements)
        );
        assert_eq!(
            ManifestKind::of("constraints-cpu.txt"),
            Some(ManifestKind::Requirements)
        );
        assert_eq!(
            ManifestKind::of("Pipfile.lock"),
            Some(ManifestKind::PipfileLock)
        );
        assert_eq!(
            ManifestKind::of("pylock.gpu.toml"),
            Some(ManifestKind::Pylock)
        );
        assert_eq!(
            ManifestKind::of("environment.yaml"),
            Some(ManifestKind::CondaEnvironment)
        );
        assert_eq!(ManifestKind::of("notes.txt"), None);
        assert_eq!(ManifestKind::of("Cargo.lock"), None);
    }

    const ALL_KINDS: &[&str] = &[
        "requirements.txt",
        "pyproject.toml",
        "poetry.lock",
        "uv.lock",
        "pdm.lock",
        "pylock.toml",
        "Pipfile.lock",
        "environment.yml",
    ];

    proptest::proptest! {
        #[test]
        fn no_reader_panics_and_every_span_is_inside(
            text in "(\\PC|\n|\\\\|#|-r |\\[\\[package\\]\\]\nname = \"a\"\n|==|\"|\\{|\\}|:){0,80}",
            kind in 0usize..8,
        ) {
            let name = ALL_KINDS[kind];
            let read_relative = |_: &str| Some(text.as_bytes().to_vec());
            let parsed = parse(
                ManifestKind::of(name).unwrap(),
                name,
                text.as_bytes(),
                &read_relative,
                &Limits::default(),
            );
            for dependency in &parsed.dependencies {
                proptest::prop_assert!(dependency.span.line >= 1);
                proptest::prop_assert!(dependency.span.start_byte <= dependency.span.end_byte);
            }
            for problem in &parsed.problems {
                proptest::prop_assert!(problem.span.line >= 1);
            }
        }
    }

    #[test]
    fn oversize_files_are_cut_and_reported() {
        let limits = Limits {
            max_manifest_bytes: 20,
            ..Limits::default()
        };
        let text = b"numpy==1.16.0\ntorch==2.5.1\nkeras==3.8.0\n";
        let parsed = parse(
            ManifestKind::Requirements,
            "requirements.txt",
            text,
            &|_| None,
            &limits,
        );
        assert_eq!(parsed.problems.len(), 1, "{:?}", parsed.problems);
        assert_eq!(
            parsed.dependencies.len(),
            1,
            "only whole lines that fit are read"
        );
        let small = parse(
            ManifestKind::Requirements,
            "requirements.txt",
            b"numpy==1.16.0\n",
            &|_| None,
            &limits,
        );
        assert!(small.problems.is_empty());
    }

    #[test]
    fn spans_count_lines_and_characters() {
        let text = "a\nbé c\n";
        let span = span_of(text, 5, 6);
        assert_eq!((span.line, span.column), (2, 3));
        assert_eq!(LineIndex::new(text).line_span(2).end_column, 5);
        let past = span_of(text, 100, 200);
        assert_eq!(past.line, 3);
    }
}
