//! Every format reaches its opener through content sniffing alone: Keras archives, legacy
//! `.h5`, safetensors, and a pickle wearing a safetensors name.

use std::path::PathBuf;

use brine_scanner::finding::{FileKind, Verdict};
use brine_scanner::formats::scan_artifact;
use brine_scanner::limits::Limits;

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/keras")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn judge(bytes: &[u8]) -> (FileKind, Verdict, Vec<&'static str>) {
    let report = scan_artifact(&bytes, &Limits::default()).expect("recognised");
    let verdict = brine_scanner::finding::combine(report.findings.iter().map(|f| f.verdict));
    (
        report.kind,
        verdict,
        report.findings.iter().map(|f| f.rule).collect(),
    )
}

#[test]
fn keras_archives_are_judged_by_their_config() {
    let (kind, verdict, rules) = judge(&fixture("lambda_code.keras"));
    assert_eq!(
        (kind, verdict),
        (FileKind::Keras, Verdict::Dangerous),
        "{rules:?}"
    );
    assert!(rules.contains(&"BRN250"));
    let (kind, verdict, rules) = judge(&fixture("benign_sequential.keras"));
    assert_eq!(
        (kind, verdict),
        (FileKind::Keras, Verdict::Clean),
        "{rules:?}"
    );
}

#[test]
fn legacy_h5_models_are_judged_by_their_model_config() {
    for name in [
        "legacy_lambda.h5",
        "legacy_large_lambda.h5",
        "legacy_large_dense.h5",
        "legacy_vlen_lambda.h5",
    ] {
        let (kind, verdict, rules) = judge(&fixture(name));
        assert_eq!(
            (kind, verdict),
            (FileKind::Hdf5, Verdict::Dangerous),
            "{name}: {rules:?}"
        );
    }
    for name in ["legacy_benign.h5", "plain_dataset.h5"] {
        let (kind, verdict, rules) = judge(&fixture(name));
        assert_eq!(
            (kind, verdict),
            (FileKind::Hdf5, Verdict::Clean),
            "{name}: {rules:?}"
        );
    }
}

fn safetensors(header: &str, data_len: usize) -> Vec<u8> {
    let mut out = (header.len() as u64).to_le_bytes().to_vec();
    out.extend_from_slice(header.as_bytes());
    out.resize(out.len() + data_len, 0);
    out
}

#[test]
fn safetensors_headers_are_validated_and_a_renamed_pickle_is_still_a_pickle() {
    let ok = safetensors(
        r#"{"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}}"#,
        16,
    );
    assert_eq!(judge(&ok).0, FileKind::Safetensors);
    assert_eq!(judge(&ok).1, Verdict::Clean);
    let overlapping = safetensors(
        r#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#,
        12,
    );
    let (kind, verdict, _) = judge(&overlapping);
    assert_eq!(kind, FileKind::Safetensors);
    assert!(verdict > Verdict::Clean && verdict < Verdict::Dangerous);
    let evil = b"\x80\x02cposix\nsystem\nq\x00X\x02\x00\x00\x00idq\x01\x85q\x02Rq\x03.";
    let (kind, verdict, _) = judge(evil);
    assert_eq!((kind, verdict), (FileKind::Pickle, Verdict::Dangerous));
}
