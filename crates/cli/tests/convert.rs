//! `brine convert` end to end: default and explicit output paths, no overwrite without
//! `--force`, and no file at all (not even a temporary one) after a refusal.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn brine(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_brine"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("brine runs")
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../scanner/tests/fixtures/convert")
        .join(name)
}

/// A temporary folder holding copies of the named fixtures.
fn folder(names: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for name in names {
        std::fs::copy(fixture(name), dir.path().join(name)).unwrap();
    }
    dir
}

fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn converts_to_the_default_path_and_never_overwrites_without_force() {
    let dir = folder(&["nested.pt"]);
    let out = brine(dir.path(), &["convert", "nested.pt"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("8 tensors") && stdout.contains("6 metadata entries"),
        "{stdout}"
    );
    assert_eq!(
        listing(dir.path()),
        vec!["nested.pt", "nested.safetensors"],
        "no temporary file is left"
    );
    let first = std::fs::read(dir.path().join("nested.safetensors")).unwrap();
    let scan = brine(dir.path(), &["scan", "nested.safetensors"]);
    assert_eq!(scan.status.code(), Some(0), "the output scans clean");

    std::fs::write(dir.path().join("nested.safetensors"), b"keep me").unwrap();
    let again = brine(dir.path(), &["convert", "nested.pt"]);
    assert_eq!(again.status.code(), Some(1));
    assert!(stderr(&again).contains("--force"), "{}", stderr(&again));
    assert_eq!(
        std::fs::read(dir.path().join("nested.safetensors")).unwrap(),
        b"keep me"
    );

    let forced = brine(dir.path(), &["convert", "nested.pt", "--force"]);
    assert_eq!(forced.status.code(), Some(0), "{}", stderr(&forced));
    assert_eq!(
        std::fs::read(dir.path().join("nested.safetensors")).unwrap(),
        first,
        "the conversion is deterministic"
    );
    assert_eq!(listing(dir.path()).len(), 2);
}

#[test]
fn explicit_output_path() {
    let dir = folder(&["arrays.npz"]);
    let out = brine(
        dir.path(),
        &["convert", "arrays.npz", "-o", "weights.safetensors"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(dir.path().join("weights.safetensors").is_file());
}

#[test]
fn refusals_leave_no_file() {
    for (name, reason) in [
        ("evil.pt", "dangerous"),
        ("module.pt", "torch.nn.modules.linear.Linear"),
        ("complex.pt", "complex"),
        ("objects.npy", "object"),
    ] {
        let dir = folder(&[name]);
        let out = brine(dir.path(), &["convert", name, "-o", "out.safetensors"]);
        assert_eq!(out.status.code(), Some(1), "{name}: {}", stderr(&out));
        assert!(stderr(&out).contains(reason), "{name}: {}", stderr(&out));
        assert_eq!(listing(dir.path()), vec![name.to_owned()], "{name}");
    }
}
