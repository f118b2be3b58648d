//! End to end: run the real `brine` binary on temporary trees and check the contracts
//! other tools rely on (JSON shape, relative paths, verdicts, exit codes, config trust).

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

/// `os.system('touch brine-test-marker')` at protocol 2, as CPython writes it.
const EVIL_PICKLE: &[u8] =
    b"\x80\x02cposix\nsystem\nq\x00X\x17\x00\x00\x00touch brine-test-markerq\x01\x85q\x02Rq\x03.";
/// `{'a': [1, 2.5, 'x']}` at protocol 4.
const BENIGN_PICKLE: &[u8] =
    b"\x80\x04\x95\x1b\x00\x00\x00\x00\x00\x00\x00}\x94\x8c\x01a\x94]\x94(K\x01G@\x04\x00\x00\x00\x00\x00\x00\x8c\x01x\x94es.";

fn brine(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_brine"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("brine runs")
}

fn json_of(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}",
            String::from_utf8_lossy(&output.stdout)
        )
    })
}

fn file<'a>(doc: &'a Value, path: &str) -> &'a Value {
    doc["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == path)
        .unwrap_or_else(|| panic!("{path} not in {doc:#}"))
}

fn tree(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, data) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, data).unwrap();
    }
    dir
}

#[test]
fn json_contract_relative_paths_and_verdicts() {
    let dir = tree(&[
        ("repo/models/evil.bin", EVIL_PICKLE),
        ("repo/models/ok.pkl", BENIGN_PICKLE),
        ("repo/README.txt", b"just text\n"),
    ]);
    let out = brine(dir.path(), &["scan", "repo", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "a dangerous file exits 1");
    let doc = json_of(&out);
    let evil = file(&doc, "repo/models/evil.bin");
    assert_eq!(evil["kind"], "pickle");
    assert_eq!(evil["verdict"], "dangerous");
    let finding = &evil["findings"][0];
    for key in ["rule", "severity", "message", "offset"] {
        assert!(!finding[key].is_null(), "finding lacks {key}: {finding:#}");
    }
    assert_eq!(file(&doc, "repo/models/ok.pkl")["verdict"], "clean");
    assert_eq!(
        doc["summary"]["skipped"], 1,
        "the text file is skipped and counted"
    );
    assert!(
        !dir.path().join("brine-test-marker").exists(),
        "scanning never executes the payload"
    );
}

#[test]
fn clean_tree_exits_zero_and_missing_path_exits_two() {
    let dir = tree(&[("ok.pkl", BENIGN_PICKLE)]);
    assert_eq!(brine(dir.path(), &["scan", "."]).status.code(), Some(0));
    let out = brine(dir.path(), &["scan", "nope", "--format", "json"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(file(&json_of(&out), "nope")["verdict"], "error");
}

#[test]
fn a_scanned_repository_config_cannot_switch_artifact_scanning_off() {
    let dir = tree(&[
        (
            "repo/pyproject.toml",
            b"[tool.brine]\nignore = [\"BRN\"]\nexclude = [\"**\"]\nselect = [\"BRN9\"]\n",
        ),
        ("repo/m.pkl", EVIL_PICKLE),
    ]);
    let out = brine(dir.path(), &["scan", "repo", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(file(&json_of(&out), "repo/m.pkl")["verdict"], "dangerous");
    // The user can, explicitly on the command line.
    let out = brine(
        dir.path(),
        &["scan", "repo", "--no-artifacts", "--format", "json"],
    );
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn text_output_names_the_file_rule_and_offset() {
    let dir = tree(&[("evil.pkl", EVIL_PICKLE)]);
    let out = brine(dir.path(), &["scan", "evil.pkl"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("evil.pkl: dangerous"), "{text}");
    assert!(text.contains("system"), "{text}");
    assert!(text.contains("@ offset"), "{text}");
}

#[test]
fn rule_command_prints_docs_and_lists_rules() {
    let dir = tempfile::tempdir().unwrap();
    let out = brine(dir.path(), &["rule", "BRN901"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("## What it does") && text.contains("CWE-502"),
        "{text}"
    );
    let out = brine(dir.path(), &["rule", "--all"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("BRN901"));
    assert_eq!(
        brine(dir.path(), &["rule", "BRN999"]).status.code(),
        Some(2)
    );
}

#[test]
fn fix_rewrites_utf8_sources_and_leaves_other_encodings_alone() {
    let dir = tree(&[
        ("a.py", b"import torch\nimport yaml\n\nm = torch.load(\"m.pt\")\nc = yaml.load(open(\"c.yml\"))\n"),
        ("latin.py", b"# -*- coding: latin-1 -*-\nimport torch\n# caf\xe9\nm = torch.load(\"m.pt\")\n"),
    ]);
    let out = brine(dir.path(), &["scan", ".", "--fix", "--format", "json"]);
    let fixed = std::fs::read_to_string(dir.path().join("a.py")).unwrap();
    assert!(
        fixed.contains("torch.load(\"m.pt\", weights_only=True)"),
        "{fixed}"
    );
    assert!(fixed.contains("yaml.safe_load(open(\"c.yml\"))"), "{fixed}");
    let doc = json_of(&out);
    assert!(
        file(&doc, "a.py")["findings"]
            .as_array()
            .unwrap()
            .is_empty(),
        "fixed findings are gone"
    );
    assert_eq!(
        std::fs::read(dir.path().join("latin.py")).unwrap()[..26],
        b"# -*- coding: latin-1 -*-\n"[..]
    );
    assert!(
        !std::fs::read(dir.path().join("latin.py"))
            .unwrap()
            .windows(12)
            .any(|w| w == b"weights_only")
    );
    assert_eq!(file(&doc, "latin.py")["findings"][0]["rule"], "BRN108");
}

#[test]
fn dependency_findings_name_the_code_that_uses_the_affected_api() {
    let dir = tree(&[
        ("requirements.txt", b"torch==2.5.1+cpu\nPyYAML==5.3\n"),
        (
            "app/model.py",
            b"import torch\n\n\ndef load(p):\n    return torch.load(p, weights_only=True)\n",
        ),
    ]);
    let doc = json_of(&brine(dir.path(), &["scan", ".", "--format", "json"]));
    let findings = file(&doc, "requirements.txt")["findings"]
        .as_array()
        .unwrap()
        .clone();
    let torch = findings
        .iter()
        .find(|f| f["message"].as_str().unwrap().contains("CVE-2025-32434"))
        .unwrap();
    assert!(
        torch["message"]
            .as_str()
            .unwrap()
            .contains("used by `torch.load` at app/model.py:5:12"),
        "{torch:#}"
    );
    let yaml = findings
        .iter()
        .find(|f| f["message"].as_str().unwrap().starts_with("PyYAML"))
        .unwrap();
    assert!(
        !yaml["message"].as_str().unwrap().contains("used by"),
        "no yaml call in the code: {yaml:#}"
    );
    // The safe call itself is not a finding.
    assert!(
        file(&doc, "app/model.py")["findings"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[test]
fn configured_taint_sources_mark_their_flows() {
    let app = b"import pickle\nfrom corp.net import fetch_blob\n\n\ndef handle():\n    return pickle.loads(fetch_blob())\n";
    let plain = tree(&[("app.py", app)]);
    let doc = json_of(&brine(plain.path(), &["scan", ".", "--format", "json"]));
    assert_eq!(file(&doc, "app.py")["findings"][0]["tainted"], false);
    let configured = tree(&[
        ("app.py", app),
        (
            "pyproject.toml",
            b"[tool.brine]\ntaint-sources = [\"corp.net.fetch_blob()\"]\n",
        ),
    ]);
    let doc = json_of(&brine(
        configured.path(),
        &["scan", ".", "--format", "json"],
    ));
    let finding = &file(&doc, "app.py")["findings"][0];
    assert_eq!(finding["tainted"], true, "{finding:#}");
    assert_eq!(finding["verdict"], "dangerous");
    assert!(!finding["flow"].as_array().unwrap().is_empty());
}

#[test]
fn taint_runs_by_default_on_small_trees_and_can_be_switched() {
    let app = b"import pickle\nfrom flask import request\n\n\ndef up():\n    return pickle.loads(request.files['m'].read())\n";
    let dir = tree(&[("app.py", app)]);
    let doc = json_of(&brine(dir.path(), &["scan", ".", "--format", "json"]));
    assert_eq!(doc["summary"]["taint_analysis"], true);
    assert_eq!(file(&doc, "app.py")["findings"][0]["tainted"], true);
    let out = brine(dir.path(), &["scan", ".", "--format", "json", "--no-taint"]);
    let doc = json_of(&out);
    assert_eq!(doc["summary"]["taint_analysis"], false);
    assert_eq!(file(&doc, "app.py")["findings"][0]["tainted"], false);
    assert_eq!(file(&doc, "app.py")["verdict"], "suspicious");
}

#[test]
fn taint_runs_on_large_trees_across_files_and_no_taint_turns_it_off() {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..2001 {
        std::fs::write(
            dir.path().join(format!("m{i}.py")),
            "def load_blob(x):\n    return x\n",
        )
        .unwrap();
    }
    std::fs::write(
        dir.path().join("loader.py"),
        "import pickle\ndef load_blob(path):\n    return pickle.loads(open(path, 'rb').read())\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("app.py"),
        "import sys\nfrom loader import load_blob\nload_blob(sys.argv[1])\n",
    )
    .unwrap();
    let doc = json_of(&brine(dir.path(), &["scan", ".", "--format", "json"]));
    assert_eq!(doc["summary"]["taint_analysis"], true);
    let sink = &file(&doc, "loader.py")["findings"][0];
    assert_eq!(sink["tainted"], true, "{sink}");
    let off = json_of(&brine(
        dir.path(),
        &["scan", ".", "--format", "json", "--no-taint"],
    ));
    assert_eq!(off["summary"]["taint_analysis"], false);
    assert_eq!(file(&off, "loader.py")["findings"][0]["tainted"], false);
}

#[test]
fn virtualenv_code_is_skipped_by_default_but_models_in_it_are_not() {
    let dir = tree(&[
        ("app.py", b"import pickle\npickle.loads(b'')\n"),
        (
            ".venv/lib/python3.11/site-packages/lib.py",
            b"import pickle\npickle.loads(b'')\n",
        ),
        (".venv/lib/python3.11/site-packages/evil.pkl", EVIL_PICKLE),
    ]);
    let doc = json_of(&brine(dir.path(), &["scan", ".", "--format", "json"]));
    let paths: Vec<&str> = doc["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert!(
        paths.contains(&"app.py") && paths.contains(&".venv/lib/python3.11/site-packages/evil.pkl"),
        "{paths:?}"
    );
    assert!(
        !paths.contains(&".venv/lib/python3.11/site-packages/lib.py"),
        "{paths:?}"
    );
    let doc = json_of(&brine(
        dir.path(),
        &["scan", ".", "--format", "json", "--no-default-excludes"],
    ));
    let paths: Vec<&str> = doc["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert!(
        paths.contains(&".venv/lib/python3.11/site-packages/lib.py"),
        "{paths:?}"
    );
}

#[test]
fn allowlist_prints_safe_globals_and_refuses_dangerous_ones() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = brine(
        &repo,
        &["allowlist", "examples/demo/checkpoints/resnet_tiny.pt"],
    );
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("as it is: nothing to allowlist"));

    let out = brine(
        &repo,
        &[
            "allowlist",
            "crates/scanner/tests/fixtures/benign/numpy_float_p4.pkl",
        ],
    );
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("torch.serialization.add_safe_globals([")
            && text.contains("multiarray._reconstruct"),
        "{text}"
    );

    let out = brine(&repo, &["allowlist", "examples/demo/models/evil.pkl"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        !String::from_utf8_lossy(&out.stdout).contains("posix"),
        "never allowlisted"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("refused to allowlist"));
}
