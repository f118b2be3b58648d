//! Dependency audit end to end: every fixture lockfile yields exactly the advisories in
//! `fixtures/deps/expected.json` (computed by `generate.py` with Python `packaging`, an
//! independent implementation), and the SBOM validates against the CycloneDX 1.6 schema,
//! offline.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use brine_scanner::Verdict;
use brine_scanner::deps::{self, Advisory};
use brine_scanner::finding::Severity;
use brine_scanner::limits::Limits;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/deps")
}

#[derive(serde::Deserialize)]
struct Expected {
    pinned: BTreeSet<String>,
    admitted: BTreeSet<String>,
}

fn expected() -> BTreeMap<String, Expected> {
    let text = std::fs::read_to_string(fixtures().join("expected.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn read(relative: &str) -> (Vec<u8>, impl Fn(&str) -> Option<Vec<u8>>) {
    let path = fixtures().join(relative);
    let dir = path.parent().unwrap().to_path_buf();
    (std::fs::read(&path).unwrap(), move |rel: &str| {
        std::fs::read(dir.join(rel)).ok()
    })
}

/// The expected label (a CVE, or a record id) that names this advisory.
fn label_of<'a>(advisory: &Advisory, labels: &'a BTreeSet<String>) -> Option<&'a String> {
    labels
        .iter()
        .find(|label| advisory.all_ids().any(|id| id == label.as_str()))
}

#[test]
fn every_fixture_yields_exactly_its_expected_advisories() {
    let all = expected();
    assert!(
        all.len() >= 20,
        "expected.json lists {} fixtures",
        all.len()
    );
    for (relative, want) in &all {
        let (bytes, reader) = read(relative);
        let parsed = deps::parse_manifest_with(relative, &bytes, &reader, &Limits::default());
        assert!(
            parsed.problems.is_empty(),
            "{relative}: {:?}",
            parsed.problems
        );
        assert!(
            !parsed.dependencies.is_empty(),
            "{relative}: no dependencies"
        );
        let matches = deps::audit(&parsed.dependencies, deps::bundled());
        for (pinned, labels) in [(true, &want.pinned), (false, &want.admitted)] {
            let mut found = BTreeSet::new();
            for m in matches.iter().filter(|m| m.pinned == pinned) {
                let label = label_of(m.advisory, labels).unwrap_or_else(|| {
                    panic!(
                        "{relative}: unexpected {} advisory {} for {}",
                        if pinned { "pinned" } else { "admitted" },
                        m.advisory.id,
                        parsed.dependencies[m.dependency].name
                    )
                });
                found.insert(label.clone());
            }
            let missing: Vec<&String> = labels.difference(&found).collect();
            assert!(
                missing.is_empty(),
                "{relative}: missing {missing:?} (pinned={pinned})"
            );
        }

        // The findings agree with the matches: one BRN301 per (dependency, advisory),
        // one BRN302 per dependency whose range admits something.
        let findings = deps::scan_manifest(relative, &bytes, &reader);
        let brn301 = findings.iter().filter(|f| f.rule == "BRN301").count();
        assert_eq!(
            brn301,
            matches.iter().filter(|m| m.pinned).count(),
            "{relative}"
        );
        let ranged: BTreeSet<usize> = matches
            .iter()
            .filter(|m| !m.pinned)
            .map(|m| m.dependency)
            .collect();
        let brn302 = findings.iter().filter(|f| f.rule == "BRN302").count();
        assert_eq!(brn302, ranged.len(), "{relative}");
        assert!(findings.iter().all(|f| f.verdict == Verdict::Suspicious));
        assert!(findings.iter().all(|f| f.span.is_some_and(|s| s.line >= 1)));
    }
}

/// Every id of every advisory reported for a fixture (pinned or admitted).
fn ids_in(relative: &str) -> BTreeSet<String> {
    let (bytes, reader) = read(relative);
    let parsed = deps::parse_manifest_with(relative, &bytes, &reader, &Limits::default());
    deps::audit(&parsed.dependencies, deps::bundled())
        .iter()
        .flat_map(|m| m.advisory.all_ids().map(str::to_owned).collect::<Vec<_>>())
        .collect()
}

#[test]
fn fixed_versions_clear_the_advisories_they_fix() {
    for file in [
        "requirements.txt",
        "poetry.lock",
        "uv.lock",
        "pdm.lock",
        "pylock.toml",
        "Pipfile.lock",
        "environment.yml",
    ] {
        let vulnerable = ids_in(&format!("vulnerable/{file}"));
        let fixed = ids_in(&format!("fixed/{file}"));
        for (id, what) in [
            ("CVE-2019-6446", "numpy 1.16.0 vs 1.16.3"),
            ("CVE-2025-32434", "torch 2.5.1+cpu vs 2.6.0"),
            ("CVE-2025-8747", "keras 3.8.0 vs 3.11.0"),
            ("CVE-2025-9906", "keras 3.8.0 vs 3.11.0"),
            ("CVE-2020-14343", "PyYAML 5.3 vs 5.4"),
            ("CVE-2023-6730", "transformers 4.30.0 vs 5.3.0"),
            ("CVE-2024-37059", "mlflow 2.14.1 vs 3.5.0"),
        ] {
            assert!(vulnerable.contains(id), "{file}: {what} should report {id}");
            assert!(!fixed.contains(id), "{file}: {what} should not report {id}");
        }
        // joblib's only advisory is withdrawn: neither variant reports joblib.
        assert!(!vulnerable.contains("CVE-2024-34997"), "{file}");
    }
}

#[test]
fn findings_point_at_lines_and_include_members() {
    let (bytes, reader) = read("vulnerable/requirements.txt");
    let findings = deps::scan_manifest("vulnerable/requirements.txt", &bytes, &reader);
    let torch = findings
        .iter()
        .find(|f| f.rule == "BRN301" && f.message.contains("CVE-2025-32434"))
        .unwrap();
    assert_eq!(torch.span.unwrap().line, 4);
    assert_eq!(torch.severity, Severity::High);
    assert!(torch.message.contains("torch 2.5.1+cpu") && torch.message.contains("fixed in 2.6.0"));
    assert!(
        torch
            .explanation
            .as_deref()
            .unwrap()
            .contains("weights_only")
    );
    let numpy = findings
        .iter()
        .find(|f| f.message.contains("CVE-2019-6446"))
        .unwrap();
    assert_eq!(numpy.member, vec!["requirements-base.txt"]);
    assert_eq!(numpy.span.unwrap().line, 1);
    assert!(
        numpy.message.contains("sources disagree"),
        "{}",
        numpy.message
    );
    assert_eq!(numpy.severity, Severity::Medium, "disputed: one step lower");
    let mlflow = findings.iter().find(|f| f.rule == "BRN302").unwrap();
    assert_eq!(mlflow.span.unwrap().line, 8);
    assert_eq!(mlflow.severity, Severity::Low);
}

#[test]
fn sbom_validates_against_the_cyclonedx_1_6_schema_offline() {
    let schema_dir = fixtures().join("schema");
    let load = |name: &str| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(schema_dir.join(name)).unwrap()).unwrap()
    };
    let bom_schema = load("bom-1.6.SNAPSHOT.schema.json");
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
        .build(&bom_schema)
        .unwrap();

    let mut dependencies = Vec::new();
    for file in [
        "vulnerable/requirements.txt",
        "vulnerable/environment.yml",
        "vulnerable/pyproject.toml",
    ] {
        let (bytes, reader) = read(file);
        dependencies.push(deps::parse_manifest(file, &bytes, &reader));
    }
    let dependencies = deps::sbom::collect(&dependencies);
    let model_bytes = b"\x80\x04K\x01.".to_vec();
    let models = vec![deps::sbom::ModelArtifact {
        path: "models/classifier.pkl".into(),
        sha256: deps::sbom::sha256_of(&model_bytes).unwrap(),
        format: "pickle".into(),
        verdict: Verdict::Dangerous,
        findings: vec![(
            "BRN001".into(),
            Severity::Critical,
            "calls os.system".into(),
        )],
    }];
    let options = deps::sbom::SbomOptions {
        timestamp: Some("2026-11-22T16:00:00Z".into()),
        project_name: Some("demo".into()),
        tool_version: "0.1.0".into(),
    };
    let bom = deps::sbom::cyclonedx(&dependencies, &models, deps::bundled(), &options);
    let errors: Vec<String> = validator
        .iter_errors(&bom)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    assert!(!bom["vulnerabilities"].as_array().unwrap().is_empty());
    // A document the schema must reject, so the validator is known to bite.
    let mut broken = bom.clone();
    broken["specVersion"] = serde_json::json!(1.6);
    assert!(!validator.is_valid(&broken));
    // Same input, same document (serial number included).
    assert_eq!(
        bom,
        deps::sbom::cyclonedx(&dependencies, &models, deps::bundled(), &options)
    );
}
