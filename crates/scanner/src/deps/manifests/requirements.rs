//! `requirements*.txt`, `*.in` and `constraints*.txt`: pip's line format.
//!
//! Handles comments, `\` continuations, `-r`/`-c` includes (through `read_relative`, with a
//! depth cap, a file budget and cycle detection), `-e` and bare URLs/paths (recorded, name
//! from `#egg=` or a wheel/sdist file name), per-requirement `--hash`, extras and
//! environment markers (kept as text, never evaluated). Each requirement line is parsed with
//! PEP 508 (`pep508_rs`). Includes are read after the including file, breadth first, with an
//! explicit queue: no recursion. Must never fetch a remote include or read an absolute path.

use pep508_rs::{Requirement, VerbatimUrl, VersionOrUrl};
use std::collections::{HashSet, VecDeque};

use super::{Dependency, LineIndex, Parsed, Problem, ProblemKind};
use crate::limits::Limits;

/// One file waiting to be read.
struct Pending {
    /// Path relative to the scanned file's directory (`""` for the scanned file itself).
    relative: String,
    text: String,
    /// Include chain from the scanned file.
    chain: Vec<String>,
    /// Read through `-c`: its entries are constraints.
    constraint: bool,
}

/// Read a requirements file and the files it includes.
#[must_use]
pub fn parse(
    path: &str,
    text: &str,
    read_relative: &dyn Fn(&str) -> Option<Vec<u8>>,
    limits: &Limits,
) -> Parsed {
    let mut parsed = Parsed::default();
    let own_name = path.rsplit(['/', '\\']).next().unwrap_or(path).to_owned();
    let base_dir = path
        .rfind(['/', '\\'])
        .and_then(|i| path.get(..=i))
        .unwrap_or_default()
        .to_owned();
    let mut seen: HashSet<String> = HashSet::from([own_name.clone()]);
    let mut queue = VecDeque::from([Pending {
        relative: String::new(),
        text: text.to_owned(),
        chain: Vec::new(),
        constraint: own_name.to_ascii_lowercase().starts_with("constraints"),
    }]);
    let mut includes_read = 0usize;
    while let Some(file) = queue.pop_front() {
        let source_file = if file.relative.is_empty() {
            path.to_owned()
        } else {
            format!("{base_dir}{}", file.relative)
        };
        let lines = LineIndex::new(&file.text);
        for line in logical_lines(&file.text) {
            let span = lines.line_span(line.start);
            let Some(include) = read_line(&file, &line, span, &source_file, &mut parsed) else {
                continue;
            };
            let target = join_relative(&file.relative, &include.target);
            let problem = |message: String| Problem {
                kind: ProblemKind::IncludeUnresolved,
                message,
                span,
                included_from: file.chain.clone(),
            };
            if include.target.contains("://") {
                parsed.problems.push(problem(format!(
                    "include `{}` is remote; brine never fetches it, so it was not audited",
                    include.target
                )));
                continue;
            }
            if is_absolute(&include.target) {
                parsed.problems.push(problem(format!(
                    "include `{}` is an absolute path; only paths relative to the manifest are read",
                    include.target
                )));
                continue;
            }
            if !seen.insert(target.clone()) {
                // Already read (a cycle or a diamond): its dependencies are listed once.
                continue;
            }
            if file.chain.len() >= limits.max_manifest_include_depth {
                parsed.problems.push(problem(format!(
                    "include `{}` is nested deeper than {} files; not read",
                    include.target, limits.max_manifest_include_depth
                )));
                continue;
            }
            if includes_read >= limits.max_manifest_includes {
                parsed.problems.push(problem(format!(
                    "more than {} included files; `{}` not read",
                    limits.max_manifest_includes, include.target
                )));
                continue;
            }
            let Some(bytes) = read_relative(&target) else {
                parsed.problems.push(problem(format!(
                    "include `{}` could not be read, so it was not audited",
                    include.target
                )));
                continue;
            };
            includes_read = includes_read.saturating_add(1);
            let mut chain = file.chain.clone();
            chain.push(target.clone());
            let included_text = super::decode(&bytes, limits);
            if let Some(mut oversize) = super::oversize_problem(&bytes, &included_text, limits) {
                oversize.included_from.clone_from(&chain);
                parsed.problems.push(oversize);
            }
            queue.push_back(Pending {
                relative: target,
                text: included_text,
                chain,
                constraint: file.constraint || include.constraint,
            });
        }
    }
    parsed
}

/// A logical line: physical lines joined at `\`, comments removed.
struct LogicalLine {
    /// Byte offset of its first physical line.
    start: usize,
    content: String,
}

fn logical_lines(text: &str) -> Vec<LogicalLine> {
    let mut out = Vec::new();
    let mut current: Option<LogicalLine> = None;
    let mut offset = 0usize;
    for physical in text.split_inclusive('\n') {
        let line_start = offset;
        offset = offset.saturating_add(physical.len());
        let body = physical.trim_end_matches(['\n', '\r']);
        let (body, continues) = match body.strip_suffix('\\') {
            Some(head) => (head, true),
            None => (body, false),
        };
        let entry = current.get_or_insert_with(|| LogicalLine {
            start: line_start,
            content: String::new(),
        });
        entry.content.push_str(body);
        if continues {
            entry.content.push(' ');
        } else if let Some(done) = current.take() {
            out.push(done);
        }
    }
    if let Some(done) = current.take() {
        out.push(done);
    }
    for line in &mut out {
        line.content = strip_comment(&line.content).trim().to_owned();
    }
    out
}

/// pip's rule: `#` starts a comment at the line start or after whitespace.
fn strip_comment(line: &str) -> &str {
    let mut previous_is_space = true;
    for (i, ch) in line.char_indices() {
        if ch == '#' && previous_is_space {
            return line.get(..i).unwrap_or(line);
        }
        previous_is_space = ch.is_whitespace();
    }
    line
}

struct Include {
    target: String,
    constraint: bool,
}

/// Read one logical line; returns an include to follow, if the line is one.
fn read_line(
    file: &Pending,
    line: &LogicalLine,
    span: crate::finding::Span,
    source_file: &str,
    parsed: &mut Parsed,
) -> Option<Include> {
    let content = line.content.as_str();
    if content.is_empty() {
        return None;
    }
    if content.starts_with('-') {
        let (option, value) = split_option(content);
        match option {
            "-r" | "--requirement" => {
                return Some(Include {
                    target: value.to_owned(),
                    constraint: false,
                });
            }
            "-c" | "--constraint" => {
                return Some(Include {
                    target: value.to_owned(),
                    constraint: true,
                });
            }
            "-e" | "--editable" => {
                let mut dependency = unnamed(value, span, source_file);
                dependency.editable = true;
                push(file, dependency, parsed);
            }
            // Index, find-links, binary and feature options say nothing about versions.
            _ => {}
        }
        return None;
    }
    let (requirement_text, options) = split_requirement_options(content);
    let mut dependency = if looks_like_url_or_path(requirement_text) {
        unnamed(requirement_text, span, source_file)
    } else {
        match crate::deps::pep::parse_requirement(requirement_text) {
            Ok(requirement) => from_pep508(&requirement, requirement_text, span, source_file),
            Err(error) => {
                parsed.problems.push(Problem {
                    kind: ProblemKind::Unparsable,
                    message: format!("not a valid requirement `{requirement_text}`: {}", error),
                    span,
                    included_from: file.chain.clone(),
                });
                return None;
            }
        }
    };
    dependency.hashes = hashes(options);
    push(file, dependency, parsed);
    None
}

fn push(file: &Pending, mut dependency: Dependency, parsed: &mut Parsed) {
    dependency.included_from.clone_from(&file.chain);
    if file.constraint {
        dependency.group = Some("constraint".into());
    }
    parsed.dependencies.push(dependency);
}

/// `-r file`, `-rfile`, `--requirement=file`, `--requirement file`.
fn split_option(content: &str) -> (&str, &str) {
    if let Some(long) = content.strip_prefix("--") {
        let end = long
            .find(|c: char| c == '=' || c.is_whitespace())
            .unwrap_or(long.len());
        let option = content.get(..end.saturating_add(2)).unwrap_or(content);
        let value = long
            .get(end..)
            .unwrap_or_default()
            .trim_start_matches(|c: char| c == '=' || c.is_whitespace())
            .trim();
        return (option, value);
    }
    let option = content.get(..2).unwrap_or(content);
    let value = content.get(2..).unwrap_or_default().trim();
    (option, value)
}

/// Split `name==1.0 --hash=sha256:...` at the first ` --` option.
fn split_requirement_options(content: &str) -> (&str, &str) {
    let bytes = content.as_bytes();
    let at = (1..bytes.len()).find(|&i| {
        bytes.get(i..i.saturating_add(2)) == Some(b"--".as_slice())
            && bytes.get(i - 1).is_some_and(u8::is_ascii_whitespace)
    });
    match at {
        Some(i) => (
            content.get(..i).unwrap_or(content).trim(),
            content.get(i..).unwrap_or_default(),
        ),
        None => (content.trim(), ""),
    }
}

fn hashes(options: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut tokens = options.split_whitespace();
    while let Some(token) = tokens.next() {
        if let Some(value) = token.strip_prefix("--hash=") {
            out.push(value.to_owned());
        } else if token == "--hash"
            && let Some(value) = tokens.next()
        {
            out.push(value.to_owned());
        }
    }
    out
}

fn looks_like_url_or_path(text: &str) -> bool {
    let head = text.split_whitespace().next().unwrap_or_default();
    // `name @ url` is PEP 508; a URL or path on its own is not.
    !text.contains(" @ ")
        && !head.contains('@')
        && (head.contains("://")
            || head.starts_with('.')
            || head.starts_with('/')
            || head.starts_with('~')
            || head.contains('/')
            || head.contains('\\')
            || [".whl", ".zip", ".tar.gz", ".tgz", ".tar.bz2"]
                .iter()
                .any(|ext| head.ends_with(ext)))
        || head.starts_with("git+")
        || head.starts_with("hg+")
        || head.starts_with("svn+")
        || head.starts_with("bzr+")
}

/// A URL or path requirement: name from `#egg=`, or a wheel/sdist file name, if any.
fn unnamed(text: &str, span: crate::finding::Span, source_file: &str) -> Dependency {
    let url = text.split_whitespace().next().unwrap_or(text).to_owned();
    let (name, version) = name_from_url(&url);
    let mut dependency = Dependency::named(&name, span, source_file);
    dependency.version = version;
    dependency.url = Some(url);
    dependency
}

fn name_from_url(url: &str) -> (String, Option<String>) {
    if let Some(egg) = url.split(['#', '&']).find_map(|p| p.strip_prefix("egg=")) {
        return (egg.to_owned(), None);
    }
    let file = url
        .split(['?', '#'])
        .next()
        .unwrap_or_default()
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or_default();
    if let Some(stem) = file.strip_suffix(".whl") {
        // name-version(-build)?-python-abi-platform.whl
        let mut parts = stem.split('-');
        if let (Some(name), Some(version)) = (parts.next(), parts.next()) {
            return (name.to_owned(), Some(version.to_owned()));
        }
    }
    for ext in [".tar.gz", ".tgz", ".tar.bz2", ".zip"] {
        if let Some(stem) = file.strip_suffix(ext)
            && let Some((name, version)) = stem.rsplit_once('-')
            && super::super::pep::parse_version(version).is_some()
        {
            return (name.to_owned(), Some(version.to_owned()));
        }
    }
    (String::new(), None)
}

fn from_pep508(
    requirement: &Requirement<VerbatimUrl>,
    text: &str,
    span: crate::finding::Span,
    source_file: &str,
) -> Dependency {
    let written: String = text
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .collect();
    let mut dependency = Dependency::named(&written, span, source_file);
    dependency.name = requirement.name.to_string();
    dependency.extras = requirement.extras.iter().map(ToString::to_string).collect();
    dependency.marker = requirement.marker.try_to_string();
    match &requirement.version_or_url {
        Some(VersionOrUrl::VersionSpecifier(specifiers)) => {
            dependency.set_requirement_text(&specifiers.to_string());
        }
        Some(VersionOrUrl::Url(url)) => dependency.url = Some(url.to_string()),
        None => {}
    }
    dependency
}

fn is_absolute(target: &str) -> bool {
    target.starts_with('/')
        || target.starts_with('\\')
        || target.starts_with('~')
        || target.as_bytes().get(1) == Some(&b':')
}

/// Join an include target to the directory of the including file, lexically
/// (`sub/a.txt` + `../b.txt` → `b.txt`); `..` above the scanned file's directory stays.
fn join_relative(including: &str, target: &str) -> String {
    let mut parts: Vec<&str> = including.split(['/', '\\']).collect();
    parts.pop();
    for segment in target.split(['/', '\\']) {
        match segment {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|p| *p != "..") {
                    parts.pop();
                } else {
                    parts.push("..");
                }
            }
            other => parts.push(other),
        }
    }
    parts.retain(|p| !p.is_empty());
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_files(_: &str) -> Option<Vec<u8>> {
        None
    }

    fn parse_text(text: &str) -> Parsed {
        parse("requirements.txt", text, &no_files, &Limits::default())
    }

    #[test]
    fn pins_ranges_markers_extras_hashes_and_continuations() {
        let parsed = parse_text(
            "# top comment\n\
             torch==2.5.1+cpu  # pinned\n\
             PyYAML>=5.1,<6 ; python_version >= \"3.8\"\n\
             transformers[torch]==4.30.0 \\\n    --hash=sha256:abc \\\n    --hash sha256:def\n\
             numpy\n\
             -e git+https://example.invalid/x.git#egg=demo_pkg\n\
             https://example.invalid/wheels/keras-3.8.0-py3-none-any.whl\n\
             --index-url https://example.invalid/simple\n",
        );
        assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
        let deps = &parsed.dependencies;
        assert_eq!(deps.len(), 6);
        assert_eq!(deps[0].name, "torch");
        assert_eq!(deps[0].version.as_deref(), Some("2.5.1+cpu"));
        assert_eq!(deps[0].line, 2);
        assert_eq!(deps[1].name, "pyyaml");
        assert_eq!(deps[1].written_name, "PyYAML");
        assert!(deps[1].specifier.is_some() && deps[1].version.is_none());
        assert!(deps[1].marker.as_deref().unwrap().contains("python"));
        assert_eq!(deps[2].extras, vec!["torch"]);
        assert_eq!(deps[2].hashes, vec!["sha256:abc", "sha256:def"]);
        assert_eq!(deps[2].line, 4);
        assert_eq!(deps[3].name, "numpy");
        assert!(deps[3].version.is_none() && deps[3].specifier.is_none());
        assert!(deps[4].editable && deps[4].name == "demo-pkg");
        assert_eq!(deps[5].name, "keras");
        assert_eq!(deps[5].version.as_deref(), Some("3.8.0"));
    }

    #[test]
    fn includes_follow_with_cycles_depth_and_missing_files() {
        let files = |name: &str| -> Option<Vec<u8>> {
            match name {
                "base.txt" => {
                    Some(b"numpy==1.16.0\n-r sub/more.txt\n-r requirements.txt\n".to_vec())
                }
                "sub/more.txt" => Some(b"-r ../base.txt\n-c pins.txt\npyyaml==5.3\n".to_vec()),
                "sub/pins.txt" => Some(b"torch==2.5.1\n".to_vec()),
                _ => None,
            }
        };
        let parsed = parse(
            "proj/requirements.txt",
            "-r base.txt\n-r missing.txt\n-r https://example.invalid/r.txt\n-r /etc/passwd\n",
            &files,
            &Limits::default(),
        );
        let names: Vec<&str> = parsed
            .dependencies
            .iter()
            .map(|d| d.name.as_str())
            .collect();
        assert_eq!(names, vec!["numpy", "pyyaml", "torch"]);
        let torch = &parsed.dependencies[2];
        assert_eq!(torch.group.as_deref(), Some("constraint"));
        assert_eq!(torch.source_file, "proj/sub/pins.txt");
        assert_eq!(
            torch.included_from,
            vec!["base.txt", "sub/more.txt", "sub/pins.txt"]
        );
        assert_eq!(parsed.problems.len(), 3, "{:?}", parsed.problems);
        assert!(
            parsed
                .problems
                .iter()
                .all(|p| p.kind == ProblemKind::IncludeUnresolved)
        );
    }

    #[test]
    fn include_depth_is_capped() {
        let chain = |name: &str| -> Option<Vec<u8>> {
            let n: usize = name.trim_end_matches(".txt").parse().ok()?;
            Some(format!("-r {}.txt\npkg{n}==1.0\n", n + 1).into_bytes())
        };
        let limits = Limits {
            max_manifest_include_depth: 3,
            ..Limits::default()
        };
        let parsed = parse("requirements.txt", "-r 1.txt\n", &chain, &limits);
        assert_eq!(parsed.dependencies.len(), 3);
        assert_eq!(parsed.problems.len(), 1);
    }

    #[test]
    fn invalid_lines_are_problems_not_panics() {
        let parsed = parse_text("torch===\n==1.0\nok-pkg==1.0\n");
        assert_eq!(parsed.dependencies.len(), 1);
        assert_eq!(parsed.problems.len(), 2);
        assert_eq!(parsed.problems[0].span.line, 1);
        assert_eq!(parsed.problems[1].span.line, 2);
    }

    #[test]
    fn comments_need_whitespace_before_the_hash() {
        assert_eq!(strip_comment("a#b # c"), "a#b ");
        assert_eq!(join_relative("a/b.txt", "../../c.txt"), "../c.txt");
    }
}
