//! Which files a scan reads.
//!
//! Walks each directory argument in parallel (ripgrep's `ignore` walker) and returns the
//! files in a stable order. Deliberately does **not** honour `.gitignore`: model files are
//! usually git-ignored, and a scanned tree must not be able to hide a file from the scan.
//! Only version-control and cache folders are pruned (and `--exclude` globs). Symlinks are
//! never followed. Files named explicitly are always scanned.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use globset::GlobSet;

/// Folders that never hold anything brine should judge.
const PRUNED_DIRS: &[&str] = &[
    ".git",
    ".hg",
    ".svn",
    "__pycache__",
    "node_modules",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    ".tox",
    ".nox",
];

/// A file to scan.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Target {
    /// Path as reported: relative when the argument was relative.
    pub display: String,
    /// Path to open.
    pub path: PathBuf,
}

/// What the walk found.
#[derive(Debug, Default)]
pub struct Walked {
    pub targets: Vec<Target>,
    /// Arguments or entries that could not be read: (display path, error).
    pub errors: Vec<(String, std::io::Error)>,
}

fn display(path: &Path) -> String {
    let s = path.to_string_lossy();
    s.strip_prefix("./").unwrap_or(&s).to_owned()
}

/// Walk the arguments.
pub fn walk(paths: &[PathBuf], excludes: &GlobSet, threads: usize) -> Walked {
    let found = Mutex::new(Walked::default());
    for root in paths {
        match std::fs::metadata(root) {
            Err(e) => push_error(&found, display(root), e),
            Ok(meta) if meta.is_file() => push_target(&found, root),
            Ok(_) => walk_dir(root, excludes, threads, &found),
        }
    }
    let mut walked = found
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    walked.targets.sort();
    walked.targets.dedup();
    walked.errors.sort_by(|a, b| a.0.cmp(&b.0));
    walked
}

fn push_target(found: &Mutex<Walked>, path: &Path) {
    let target = Target {
        display: display(path),
        path: path.to_path_buf(),
    };
    found
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .targets
        .push(target);
}

fn push_error(found: &Mutex<Walked>, display: String, error: std::io::Error) {
    found
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .errors
        .push((display, error));
}

fn walk_dir(root: &Path, excludes: &GlobSet, threads: usize, found: &Mutex<Walked>) {
    let excludes = excludes.clone();
    let root_owned = root.to_path_buf();
    let walker = ignore::WalkBuilder::new(root)
        .standard_filters(false)
        .hidden(false)
        .follow_links(false)
        .threads(threads)
        .filter_entry(move |entry| {
            let name = entry.file_name().to_string_lossy();
            if entry.file_type().is_some_and(|t| t.is_dir()) && PRUNED_DIRS.contains(&name.as_ref())
            {
                return false;
            }
            let rel = entry
                .path()
                .strip_prefix(&root_owned)
                .unwrap_or(entry.path());
            !(excludes.is_match(rel) || excludes.is_match(entry.path()))
        })
        .build_parallel();
    walker.run(|| {
        Box::new(|result| {
            match result {
                Ok(entry) => {
                    if entry.file_type().is_some_and(|t| t.is_file()) {
                        push_target(found, entry.path());
                    }
                }
                Err(err) => {
                    let path = match &err {
                        ignore::Error::WithPath { path, .. } => display(path),
                        _ => display(root),
                    };
                    let io = err
                        .into_io_error()
                        .unwrap_or_else(|| std::io::Error::other("walk error"));
                    push_error(found, path, io);
                }
            }
            ignore::WalkState::Continue
        })
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walks_hidden_and_gitignored_files_but_prunes_vcs_dirs() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(root.join(".gitignore"), "*.pkl\n").unwrap();
        std::fs::write(root.join("model.pkl"), b"x").unwrap();
        std::fs::create_dir(root.join(".cache")).unwrap();
        std::fs::write(root.join(".cache/m.bin"), b"x").unwrap();
        std::fs::create_dir(root.join(".git")).unwrap();
        std::fs::write(root.join(".git/objects"), b"x").unwrap();
        let walked = walk(&[root.to_path_buf()], &GlobSet::empty(), 2);
        let names: Vec<String> = walked
            .targets
            .iter()
            .map(|t| {
                t.path
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        assert_eq!(names, vec![".cache/m.bin", ".gitignore", "model.pkl"]);
    }

    #[test]
    fn missing_argument_is_an_error_not_a_skip() {
        let walked = walk(&[PathBuf::from("./does-not-exist")], &GlobSet::empty(), 1);
        assert!(walked.targets.is_empty());
        assert_eq!(walked.errors[0].0, "does-not-exist");
    }
}
