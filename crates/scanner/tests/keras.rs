//! Keras (`.keras`, legacy `.h5`) and safetensors fixtures, end to end through the public API.
//!
//! Fixtures come from `tests/fixtures/keras/generate.py` (configs written in the Keras 3
//! and Keras 2 layouts, `.h5` files written by h5py the way Keras 2 writes them, lambda
//! bytecode from CPython's marshal). Nothing here loads a model.

use std::io::Read as _;
use std::path::PathBuf;

use brine_scanner::formats::{h5, keras, safetensors};
use brine_scanner::{Finding, Limits, Verdict};

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/keras")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn verdict(findings: &[Finding]) -> Verdict {
    brine_scanner::finding::combine(findings.iter().map(|f| f.verdict))
}

fn rules(findings: &[Finding]) -> Vec<&'static str> {
    findings.iter().map(|f| f.rule).collect()
}

fn config(name: &str) -> Vec<Finding> {
    keras::scan_config_json(&fixture(&format!("{name}.config.json")), &Limits::default())
}

/// Member names and `config.json` of a `.keras` zip, read with rawzip in test code (the
/// containers workstream's dispatcher does this in the product).
fn read_keras_zip(bytes: &[u8]) -> (Vec<String>, Vec<u8>) {
    let archive = rawzip::ZipArchive::from_slice(bytes).expect("zip");
    let mut names = Vec::new();
    let mut config = None;
    let mut entries = archive.entries();
    while let Some(entry) = entries.next_entry().expect("entry") {
        let name = String::from_utf8_lossy(entry.file_path().as_ref()).into_owned();
        if name == "config.json" {
            config = Some((entry.wayfinder(), entry.compression_method()));
        }
        names.push(name);
    }
    let (wayfinder, method) = config.expect("config.json");
    let member = archive.get_entry(wayfinder).expect("member");
    let mut out = Vec::new();
    match method {
        rawzip::CompressionMethod::STORE => {
            out.extend_from_slice(member.data());
        }
        rawzip::CompressionMethod::DEFLATE => {
            flate2::read::DeflateDecoder::new(member.data())
                .read_to_end(&mut out)
                .expect("inflate");
        }
        other => panic!("unexpected method {other:?}"),
    }
    (names, out)
}

#[test]
fn benign_keras3_models_are_clean() {
    for name in ["benign_sequential", "benign_functional"] {
        let findings = config(name);
        assert!(findings.is_empty(), "{name}: {findings:?}");
    }
}

#[test]
fn keras3_lambda_is_dangerous_and_names_its_payload() {
    for name in ["lambda_code", "lambda_value"] {
        let findings = config(name);
        assert_eq!(rules(&findings), ["BRN250"], "{name}: {findings:?}");
        assert_eq!(verdict(&findings), Verdict::Dangerous);
        let explanation = findings[0].explanation.as_deref().unwrap_or("");
        assert!(
            explanation.contains("__import__") && explanation.contains("system"),
            "{name}: marshal names not listed: {explanation}"
        );
        assert!(
            explanation.contains("brine-keras-fixture-marker"),
            "{name}: {explanation}"
        );
    }
}

#[test]
fn cve_2025_1550_module_reference_is_dangerous() {
    let findings = config("module_os_system");
    assert_eq!(rules(&findings), ["BRN251"], "{findings:?}");
    assert_eq!(verdict(&findings), Verdict::Dangerous);
    assert!(
        findings[0]
            .message
            .contains("$.config.layers[1].config.activation"),
        "{findings:?}"
    );
}

#[test]
fn cve_2025_9906_safe_mode_switch_is_dangerous() {
    let findings = config("unsafe_switch");
    assert!(rules(&findings).contains(&"BRN252"), "{findings:?}");
    assert!(rules(&findings).contains(&"BRN250"), "{findings:?}");
}

#[test]
fn third_party_layer_is_suspicious() {
    let findings = config("custom_layer");
    assert_eq!(rules(&findings), ["BRN251"]);
    assert_eq!(verdict(&findings), Verdict::Suspicious);
}

#[test]
fn keras_zips_are_recognised_and_judged() {
    let (names, benign_config) = read_keras_zip(&fixture("benign_sequential.keras"));
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    assert!(keras::is_keras_zip(&names));
    assert!(keras::scan_config_json(&benign_config, &Limits::default()).is_empty());

    let (names, lambda_config) = read_keras_zip(&fixture("lambda_code.keras"));
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    assert!(keras::is_keras_zip(&names));
    let findings = keras::scan_config_json(&lambda_config, &Limits::default());
    assert_eq!(verdict(&findings), Verdict::Dangerous);

    assert!(!keras::is_keras_zip(&[
        "archive/data.pkl",
        "archive/version"
    ]));
    assert!(!keras::is_keras_zip(&["config.json"]));
}

#[test]
fn hdf5_sniffs_and_benign_legacy_models_are_clean() {
    for name in ["legacy_benign.h5", "plain_dataset.h5"] {
        let bytes = fixture(name);
        assert!(h5::sniff(&bytes));
        let findings = h5::scan(&bytes, &Limits::default());
        assert!(findings.is_empty(), "{name}: {findings:?}");
    }
    let attrs = h5::root_attrs(&fixture("legacy_benign.h5"), &Limits::default()).expect("attrs");
    assert_eq!(attrs.keras_version.as_deref(), Some("2.15.0"));
    assert_eq!(attrs.backend.as_deref(), Some("tensorflow"));
    assert!(
        attrs
            .model_config
            .is_some_and(|c| c.contains("\"Sequential\""))
    );
    let plain = h5::root_attrs(&fixture("plain_dataset.h5"), &Limits::default()).expect("attrs");
    assert_eq!(plain.model_config, None);
}

#[test]
fn legacy_lambda_is_dangerous_in_compact_and_dense_attribute_storage() {
    for name in [
        "legacy_lambda.h5",
        "legacy_vlen_lambda.h5",
        "legacy_large_lambda.h5",
        "legacy_large_dense.h5",
    ] {
        let bytes = fixture(name);
        let findings = h5::scan(&bytes, &Limits::default());
        assert_eq!(rules(&findings), ["BRN250"], "{name}: {findings:?}");
        assert_eq!(findings[0].member, ["@model_config"]);
        let explanation = findings[0].explanation.as_deref().unwrap_or("");
        assert!(explanation.contains("system"), "{name}: {explanation}");
    }
    let big = h5::root_attrs(&fixture("legacy_large_dense.h5"), &Limits::default())
        .expect("dense attributes");
    assert!(big.model_config.is_some_and(|c| c.len() > 64 * 1024));
}

#[test]
fn truncated_or_corrupted_hdf5_is_an_error_never_a_panic() {
    let original = fixture("legacy_large_dense.h5");
    for cut in [
        8usize,
        64,
        200,
        1000,
        4096,
        original.len() / 2,
        original.len() - 1,
    ] {
        let findings = h5::scan(&original[..cut].to_vec(), &Limits::default());
        // A truncation can still leave the root attributes intact; it must never be clean
        // when they are not, and never panic.
        assert!(
            findings.is_empty() || findings.iter().any(|f| f.verdict >= Verdict::Error),
            "cut at {cut}: {findings:?}"
        );
    }
    // Flip bytes through the metadata region one at a time.
    for position in (8..2048).step_by(7) {
        let mut corrupted = original.clone();
        corrupted[position] ^= 0xa5;
        let _ = h5::scan(&corrupted, &Limits::default());
    }
}

fn safetensors_file(header: &str, data_len: usize) -> Vec<u8> {
    let mut out = (header.len() as u64).to_le_bytes().to_vec();
    out.extend_from_slice(header.as_bytes());
    out.resize(out.len() + data_len, 0);
    out
}

#[test]
fn safetensors_valid_is_clean_and_polyglot_is_suspicious() {
    let header = r#"{"__metadata__":{"format":"pt"},"embed.weight":{"dtype":"BF16","shape":[4,2],"data_offsets":[0,16]},"head.bias":{"dtype":"F32","shape":[2],"data_offsets":[16,24]}}"#;
    let valid = safetensors_file(header, 24);
    assert!(safetensors::sniff(&valid, valid.len() as u64));
    assert!(safetensors::scan(&valid, &Limits::default()).is_empty());

    // A pickle appended after the last tensor: a polyglot for content-sniffing loaders.
    let mut polyglot = valid.clone();
    polyglot.extend_from_slice(b"\x80\x04\x95\x05\x00\x00\x00\x00\x00\x00\x00N.");
    let findings = safetensors::scan(&polyglot, &Limits::default());
    assert_eq!(rules(&findings), ["BRN241"]);
    assert_eq!(verdict(&findings), Verdict::Suspicious);

    // A pickle renamed .safetensors is not sniffed as safetensors.
    let pickle = b"\x80\x04\x95\x05\x00\x00\x00\x00\x00\x00\x00N.";
    assert!(!safetensors::sniff(pickle, pickle.len() as u64));
}

/// A sparse 1 GiB file: only the header is read, so validation takes microseconds.
#[test]
fn large_sparse_safetensors_is_validated_from_the_header_only() {
    let gib = 1u64 << 30;
    let header = format!(r#"{{"w":{{"dtype":"U8","shape":[{gib}],"data_offsets":[0,{gib}]}}}}"#);
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("big.safetensors");
    let file = std::fs::File::create(&path).expect("create");
    let mut prefix = (header.len() as u64).to_le_bytes().to_vec();
    prefix.extend_from_slice(header.as_bytes());
    std::io::Write::write_all(&mut &file, &prefix).expect("write");
    file.set_len(prefix.len() as u64 + gib).expect("sparse");
    let file = std::fs::File::open(&path).expect("open");
    let start = std::time::Instant::now();
    let findings = safetensors::scan(&file, &Limits::default());
    let elapsed = start.elapsed();
    assert!(findings.is_empty(), "{findings:?}");
    assert!(elapsed.as_millis() < 500, "took {elapsed:?}");
    eprintln!("1 GiB sparse safetensors validated in {elapsed:?}");
}

/// Counts the bytes a reader asks for, to prove the weights are never read.
struct CountingReader {
    bytes: Vec<u8>,
    served: std::sync::atomic::AtomicU64,
}

impl brine_scanner::source::ReadAt for CountingReader {
    fn size(&self) -> u64 {
        self.bytes.len() as u64
    }
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.bytes.as_slice().read_at(offset, buf)?;
        self.served
            .fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
        Ok(n)
    }
}

#[test]
fn legacy_h5_scan_reads_metadata_not_weights() {
    let config = String::from_utf8(fixture("lambda_code.config.json")).expect("utf-8");
    let mut builder = hdf5_pure::FileBuilder::new();
    builder.set_attr("model_config", hdf5_pure::AttrValue::String(config));
    builder
        .create_dataset("kernel")
        .with_f32_data(&vec![0.25f32; 8 << 20]);
    let reader = CountingReader {
        bytes: builder.finish().expect("in-memory file"),
        served: std::sync::atomic::AtomicU64::new(0),
    };
    let start = std::time::Instant::now();
    let findings = h5::scan(&reader, &Limits::default());
    let elapsed = start.elapsed();
    let served = reader.served.load(std::sync::atomic::Ordering::Relaxed);
    assert_eq!(rules(&findings), ["BRN250"], "{findings:?}");
    assert!(
        served < 1 << 20,
        "read {served} of {} bytes",
        reader.bytes.len()
    );
    eprintln!(
        "{} byte .h5: {served} bytes read, judged in {elapsed:?}",
        reader.bytes.len()
    );
}
