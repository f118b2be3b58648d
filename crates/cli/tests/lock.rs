//! `brine lock` / `brine verify` end to end.

use std::path::Path;
use std::process::{Command, Output};

const PICKLE_A: &[u8] = b"\x80\x04K\x01.";
const PICKLE_B: &[u8] = b"\x80\x04K\x02.";

fn brine(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_brine"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("brine runs")
}

#[test]
fn verify_reports_modified_missing_and_new_files() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir(root.join("models")).unwrap();
    std::fs::write(root.join("models/a.pkl"), PICKLE_A).unwrap();
    std::fs::write(root.join("models/b.pkl"), PICKLE_B).unwrap();
    std::fs::write(root.join("notes.txt"), "not a model").unwrap();
    assert!(brine(root, &["lock", "models"]).status.success());
    let lock = std::fs::read_to_string(root.join("brine.lock")).unwrap();
    assert!(
        lock.contains("path = \"models/a.pkl\"") && lock.contains("sha256 = "),
        "{lock}"
    );
    assert!(!lock.contains("notes.txt"));

    let out = brine(root, &["verify"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("MiB/s"));

    std::fs::write(root.join("models/a.pkl"), PICKLE_B).unwrap();
    std::fs::remove_file(root.join("models/b.pkl")).unwrap();
    std::fs::write(root.join("models/c.pkl"), PICKLE_A).unwrap();
    let out = brine(root, &["verify"]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("modified: models/a.pkl"), "{text}");
    assert!(text.contains("missing:  models/b.pkl"), "{text}");
    assert!(text.contains("new:      models/c.pkl"), "{text}");
}

#[test]
fn a_lock_cannot_point_outside_its_folder() {
    let dir = tempfile::tempdir().unwrap();
    let sha = "0".repeat(64);
    let text = format!(
        "version = 1\n[[file]]\npath = \"../secret.pt\"\nsha256 = \"{sha}\"\nsize = 1\nformat = \"pickle\"\nverdict = \"clean\"\n"
    );
    std::fs::write(dir.path().join("brine.lock"), text).unwrap();
    let out = brine(dir.path(), &["verify"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a relative path inside"));
}
