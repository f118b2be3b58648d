//! Output formats checked against their schemas on real scans: SARIF against the official
//! 2.1.0 schema, JSON against `docs/json-output.schema.json`; GitHub annotations; baselines.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const EVIL_PICKLE: &[u8] =
    b"\x80\x02cposix\nsystem\nq\x00X\x17\x00\x00\x00touch brine-test-markerq\x01\x85q\x02Rq\x03.";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn brine(cwd: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_brine"));
    cmd.args(args).current_dir(cwd).env_remove("GITHUB_ACTIONS");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("brine runs")
}

fn validator(schema_text: &str, root_ref: Option<&str>) -> jsonschema::Validator {
    let mut schema: Value = serde_json::from_str(schema_text).expect("schema is JSON");
    if let Some(r) = root_ref {
        schema["$ref"] = Value::String(r.to_owned());
    }
    jsonschema::validator_for(&schema).expect("schema compiles")
}

fn assert_valid(validator: &jsonschema::Validator, doc: &Value) {
    let errors: Vec<String> = validator
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "invalid output:\n{}", errors.join("\n"));
}

fn sarif_validator() -> jsonschema::Validator {
    let text =
        std::fs::read_to_string(repo().join("crates/cli/tests/data/sarif-schema-2.1.0.json"))
            .unwrap();
    // See tests/data/README.md: one pattern in the official schema needs its `]` escaped.
    let text = text.replace(r#"-[a-zA-Z]{2}]?$""#, r#"-[a-zA-Z]{2}\\]?$""#);
    validator(&text, Some("#/definitions/Root"))
}

fn fixture_tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("evil.pkl"), EVIL_PICKLE).unwrap();
    std::fs::write(
        dir.path().join("loader.py"),
        "import pickle\n\ndef f(b):\n    return pickle.loads(b)\n",
    )
    .unwrap();
    dir
}

#[test]
fn sarif_from_the_demo_and_fixtures_validates_against_the_official_schema() {
    let validator = sarif_validator();
    let fixtures = fixture_tree();
    for (cwd, target) in [
        (repo(), "examples/demo"),
        (fixtures.path().to_path_buf(), "."),
    ] {
        let out = brine(&cwd, &["scan", target, "--format", "sarif"], &[]);
        let doc: Value = serde_json::from_slice(&out.stdout).expect("SARIF is JSON");
        assert_valid(&validator, &doc);
        let results = doc["runs"][0]["results"].as_array().unwrap();
        for r in results {
            assert!(r["partialFingerprints"]["primaryLocationLineHash"].is_string());
            assert!(
                r["locations"][0]["physicalLocation"]["region"]["startLine"].as_u64() >= Some(1)
            );
        }
        let rules = doc["runs"][0]["tool"]["driver"]["rules"]
            .as_array()
            .unwrap();
        for rule in rules {
            let tags = rule["properties"]["tags"].as_array().unwrap();
            assert!(tags.iter().any(|t| t == "security"), "{rule:#}");
            assert!(
                tags.iter().any(|t| t
                    .as_str()
                    .is_some_and(|t| t.starts_with("external/cwe/cwe-"))),
                "{rule:#}"
            );
            assert!(
                rule["properties"]["security-severity"].is_string(),
                "{rule:#}"
            );
        }
        let pickle_rule = rules
            .iter()
            .find(|r| r["id"].as_str().is_some_and(|id| id.starts_with("BRN0")))
            .unwrap();
        assert!(
            pickle_rule["properties"]["tags"]
                .as_array()
                .unwrap()
                .iter()
                .any(|t| t == "external/cwe/cwe-502")
        );
    }
}

#[test]
fn json_output_matches_the_documented_schema() {
    let text = std::fs::read_to_string(repo().join("docs/json-output.schema.json")).unwrap();
    let validator = validator(&text, None);
    let fixtures = fixture_tree();
    for (cwd, target) in [
        (repo(), "examples/demo"),
        (fixtures.path().to_path_buf(), "."),
    ] {
        let out = brine(&cwd, &["scan", target, "--format", "json"], &[]);
        let doc: Value = serde_json::from_slice(&out.stdout).expect("JSON");
        assert_valid(&validator, &doc);
        assert!(!doc["files"].as_array().unwrap().is_empty());
    }
}

#[test]
fn github_annotations_are_chosen_under_github_actions() {
    let dir = fixture_tree();
    let out = brine(
        dir.path(),
        &["scan", "evil.pkl"],
        &[("GITHUB_ACTIONS", "true")],
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with("::error file=evil.pkl,line=1,title=BRN"),
        "{text}"
    );
    let out = brine(
        dir.path(),
        &["scan", "evil.pkl", "--format", "text"],
        &[("GITHUB_ACTIONS", "true")],
    );
    assert!(!String::from_utf8_lossy(&out.stdout).contains("::error"));
}

#[test]
fn baseline_hides_known_findings_until_the_file_changes() {
    let dir = fixture_tree();
    let out = brine(
        dir.path(),
        &[
            "scan",
            ".",
            "--write-baseline",
            "base.json",
            "--format",
            "json",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(1));
    let out = brine(
        dir.path(),
        &["scan", ".", "--baseline", "base.json", "--format", "json"],
        &[],
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["summary"]["findings"], 0, "{doc:#}");
    assert_eq!(out.status.code(), Some(0));
    // Lines moving above a source finding keep it baselined.
    std::fs::write(
        dir.path().join("loader.py"),
        "import pickle\n\n\n# moved\ndef f(b):\n    return pickle.loads(b)\n",
    )
    .unwrap();
    // A changed artifact is reported again.
    let mut changed = EVIL_PICKLE.to_vec();
    changed.splice(changed.len() - 1..changed.len() - 1, b"0".iter().copied());
    std::fs::write(dir.path().join("evil.pkl"), changed).unwrap();
    let out = brine(
        dir.path(),
        &["scan", ".", "--baseline", "base.json", "--format", "json"],
        &[],
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let files = doc["files"].as_array().unwrap();
    let evil = files.iter().find(|f| f["path"] == "evil.pkl").unwrap();
    assert!(
        !evil["findings"].as_array().unwrap().is_empty(),
        "changed artifact re-reported"
    );
    let loader = files.iter().find(|f| f["path"] == "loader.py").unwrap();
    assert!(
        loader["findings"].as_array().unwrap().is_empty(),
        "moved source finding stays baselined"
    );
}

#[test]
fn sbom_of_the_demo_validates_against_cyclonedx_1_6() {
    let schema_dir = repo().join("crates/scanner/tests/fixtures/deps/schema");
    let load = |name: &str| -> Value {
        serde_json::from_str(&std::fs::read_to_string(schema_dir.join(name)).unwrap()).unwrap()
    };
    let registry = jsonschema::Registry::new()
        .add(
            "http://cyclonedx.org/schema/spdx.SNAPSHOT.schema.json",
            load("spdx.SNAPSHOT.schema.json"),
        )
        .unwrap()
        .add(
            "http://cyclonedx.org/schema/jsf-0.82.SNAPSHOT.schema.json",
            load("jsf-0.82.SNAPSHOT.schema.json"),
        )
        .unwrap()
        .prepare()
        .unwrap();
    let validator = jsonschema::options()
        .offline()
        .with_registry(&registry)
        .should_validate_formats(true)
        .build(&load("bom-1.6.SNAPSHOT.schema.json"))
        .unwrap();
    let out = brine(&repo(), &["sbom", "examples/demo"], &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bom: Value = serde_json::from_slice(&out.stdout).expect("SBOM is JSON");
    assert_valid(&validator, &bom);
    let components = bom["components"].as_array().unwrap();
    let models: Vec<&Value> = components
        .iter()
        .filter(|c| c["type"] == "machine-learning-model")
        .collect();
    assert!(
        models.len() >= 5,
        "every demo model file is inventoried: {bom:#}"
    );
    assert!(models.iter().all(|m| m["hashes"][0]["alg"] == "SHA-256"));
    assert!(components.iter().any(|c| {
        c["purl"]
            .as_str()
            .is_some_and(|p| p.starts_with("pkg:pypi/torch@2.5.1"))
    }));
    assert!(!bom["vulnerabilities"].as_array().unwrap().is_empty());
    let again = brine(&repo(), &["sbom", "examples/demo"], &[]);
    assert_eq!(out.stdout, again.stdout, "the SBOM is reproducible");
}
