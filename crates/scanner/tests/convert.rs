//! `brine convert` end to end in the library: every fixture written by
//! `fixtures/convert/make_convert.py` converts byte-exact (tensor by tensor, against the
//! SHA-256 the generator computed independently) and round-trips through the safetensors
//! writer; every refusal fixture, every malicious file of the evasion corpus and every
//! malicious container fixture is refused.

#[path = "fixtures/containers/build.rs"]
#[allow(dead_code)]
mod build;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use brine_scanner::Limits;
use brine_scanner::remediation::convert::{Converted, convert_artifact, write_safetensors};
use serde_json::Value;
use sha2::{Digest, Sha256};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/convert")
}

fn expected() -> BTreeMap<String, Value> {
    let text = std::fs::read_to_string(fixtures().join("expected.json")).expect("expected.json");
    serde_json::from_str(&text).expect("expected.json is JSON")
}

fn convert_file(name: &str) -> Result<Converted, String> {
    let bytes = std::fs::read(fixtures().join(name)).expect("fixture");
    convert_artifact(&bytes, &Limits::default()).map_err(|e| e.to_string())
}

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// dtype, shape and bytes of a tensor read back.
type ReadTensor = (String, Vec<u64>, Vec<u8>);

/// Read a safetensors file back: tensor name → (dtype, shape, bytes), and the metadata.
fn read_back(file: &[u8]) -> (BTreeMap<String, ReadTensor>, Value) {
    let n = u64::from_le_bytes(file[..8].try_into().unwrap()) as usize;
    assert_eq!(n % 8, 0, "header padded to 8");
    let header: Value = serde_json::from_slice(&file[8..8 + n]).expect("header JSON");
    let data = &file[8 + n..];
    assert!(
        brine_scanner::formats::safetensors::validate_header(&file[8..8 + n], data.len() as u64)
            .is_empty(),
        "brine's own safetensors checks accept the output"
    );
    let mut tensors = BTreeMap::new();
    let mut covered = 0u64;
    for (name, entry) in header.as_object().unwrap() {
        if name == "__metadata__" {
            continue;
        }
        let offsets: Vec<u64> = serde_json::from_value(entry["data_offsets"].clone()).unwrap();
        let shape: Vec<u64> = serde_json::from_value(entry["shape"].clone()).unwrap();
        covered += offsets[1] - offsets[0];
        tensors.insert(
            name.clone(),
            (
                entry["dtype"].as_str().unwrap().to_owned(),
                shape,
                data[offsets[0] as usize..offsets[1] as usize].to_vec(),
            ),
        );
    }
    assert_eq!(covered, data.len() as u64, "tensors cover the data exactly");
    (tensors, header["__metadata__"].clone())
}

#[test]
fn every_fixture_converts_byte_exact_or_is_refused() {
    let mut converted_count = 0;
    let mut refused_count = 0;
    for (fixture, expectation) in expected() {
        if let Some(word) = expectation["refused"].as_str() {
            let error = convert_file(&fixture).err().unwrap_or_else(|| {
                panic!("{fixture} converted, expected a refusal mentioning {word:?}")
            });
            assert!(
                error.to_lowercase().contains(&word.to_lowercase()),
                "{fixture}: refusal {error:?} does not mention {word:?}"
            );
            refused_count += 1;
            continue;
        }
        let converted =
            convert_file(&fixture).unwrap_or_else(|e| panic!("{fixture} did not convert: {e}"));
        let tensors = expectation["tensors"].as_array().unwrap();
        assert_eq!(
            converted.tensors.len(),
            tensors.len(),
            "{fixture}: tensor count ({:?})",
            converted
                .tensors
                .iter()
                .map(|t| &t.name)
                .collect::<Vec<_>>()
        );
        for (want, got) in tensors.iter().zip(&converted.tensors) {
            assert_eq!(got.name, want["name"].as_str().unwrap(), "{fixture}: order");
            let name = &got.name;
            assert_eq!(
                got.dtype.safetensors_name(),
                want["dtype"].as_str().unwrap(),
                "{fixture}:{name} dtype"
            );
            let shape: Vec<u64> = serde_json::from_value(want["shape"].clone()).unwrap();
            assert_eq!(got.shape, shape, "{fixture}:{name} shape");
            assert_eq!(
                sha256(&got.data),
                want["sha256"].as_str().unwrap(),
                "{fixture}:{name} bytes"
            );
        }
        let want_metadata = expectation["metadata"].as_object().unwrap();
        assert_eq!(
            converted.metadata.keys().collect::<Vec<_>>(),
            want_metadata.keys().collect::<Vec<_>>(),
            "{fixture}: metadata keys"
        );
        for (key, text) in &converted.metadata {
            let parsed: Value = if key == "format" {
                Value::String(text.clone())
            } else {
                serde_json::from_str(text).expect("metadata values are JSON")
            };
            assert_eq!(&parsed, &want_metadata[key], "{fixture}: metadata {key}");
        }

        let mut file = Vec::new();
        write_safetensors(&converted, &mut file).unwrap();
        let (back, metadata) = read_back(&file);
        assert_eq!(back.len(), converted.tensors.len());
        for tensor in &converted.tensors {
            let (dtype, shape, data) = &back[&tensor.name];
            assert_eq!(dtype, tensor.dtype.safetensors_name());
            assert_eq!(shape, &tensor.shape);
            assert_eq!(data, &tensor.data, "{fixture}:{} read back", tensor.name);
        }
        assert_eq!(metadata["format"], converted.metadata["format"]);
        let report = brine_scanner::formats::scan_artifact(&file, &Limits::default())
            .expect("output recognised");
        assert!(
            report.findings.is_empty(),
            "{fixture}: the output scans clean: {:?}",
            report.findings
        );
        converted_count += 1;
    }
    assert!(converted_count >= 7, "converted {converted_count}");
    assert!(refused_count >= 10, "refused {refused_count}");
}

#[test]
fn every_malicious_corpus_file_is_refused() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../attacks/corpus/malicious");
    let mut checked = 0;
    for entry in std::fs::read_dir(&root).expect("attacks/corpus/malicious") {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        let result = convert_artifact(&bytes, &Limits::default());
        assert!(result.is_err(), "{} converted", path.display());
        checked += 1;
    }
    assert!(checked >= 60, "only {checked} corpus files");
}

#[test]
fn malicious_container_fixtures_are_refused() {
    let evil = build::malicious_pickle();
    let mut cases: Vec<(String, Vec<u8>)> = vec![
        ("raw pickle".into(), evil.clone()),
        ("broken pickle".into(), build::broken_malicious_pickle()),
        ("legacy torch".into(), build::legacy_torch(&evil)),
        ("gzip pickle".into(), build::gzip(&evil)),
        (
            "object npy".into(),
            build::npy(
                1,
                "{'descr': '|O', 'fortran_order': False, 'shape': (1,), }",
                &evil,
            ),
        ),
    ];
    for root in ["archive", "model", "a/b"] {
        cases.push((
            format!("torch zip {root}"),
            build::build_zip(&build::ZipSpec {
                members: build::torch_members(root, &evil),
                ..build::ZipSpec::default()
            }),
        ));
    }
    let real = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/containers/real");
    for entry in std::fs::read_dir(&real).expect("containers/real") {
        let path = entry.unwrap().path();
        if path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with("evil"))
        {
            cases.push((path.display().to_string(), std::fs::read(&path).unwrap()));
        }
    }
    assert!(cases.len() > 12);
    for (what, bytes) in cases {
        assert!(
            convert_artifact(&bytes, &Limits::default()).is_err(),
            "{what} converted"
        );
    }
}

#[test]
fn a_benign_pickle_without_tensors_is_not_converted() {
    let error = convert_artifact(&build::benign_pickle(), &Limits::default()).unwrap_err();
    assert!(error.to_string().contains("no tensor"), "{error}");
}

#[test]
fn bare_pickles_of_the_other_fixtures_never_convert() {
    // A pickle outside a torch archive has no storage to read: every one is refused,
    // benign or not (numpy, pandas, scikit-learn, plain data, every pickle protocol).
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut checked = 0;
    for folder in ["pickle", "benign"] {
        for entry in std::fs::read_dir(base.join(folder)).unwrap() {
            let path = entry.unwrap().path();
            if !path
                .extension()
                .is_some_and(|e| e == "pkl" || e == "joblib")
            {
                continue;
            }
            let bytes = std::fs::read(&path).unwrap();
            assert!(
                convert_artifact(&bytes, &Limits::default()).is_err(),
                "{} converted",
                path.display()
            );
            checked += 1;
        }
    }
    assert!(checked > 80, "{checked}");
    let args = std::fs::read(base.join("benign/training_args.bin")).unwrap();
    let error = convert_artifact(&args, &Limits::default()).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("transformers.training_args.TrainingArguments"),
        "{error}"
    );
    let state_dict = std::fs::read(base.join("benign/torch_state_dict.pt")).unwrap();
    assert_eq!(
        convert_artifact(&state_dict, &Limits::default())
            .unwrap()
            .tensors
            .len(),
        2
    );
}
