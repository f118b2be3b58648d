//! CycloneDX 1.6 JSON ML-BOM: Python dependencies, model artifacts and the advisories and
//! findings that apply to them.
//!
//! Dependencies become `library` components (`pkg:pypi/<name>@<version>`, or `pkg:conda/...`
//! for conda's own entries), model files become `machine-learning-model` components with a
//! SHA-256 hash and `brine:format`/`brine:verdict` properties, and matched advisories become
//! `vulnerabilities[]` (`cwes`, `ratings`, `affects` → the component's `bom-ref`). No
//! `modelCard` is invented. Output is deterministic: the serial number is a UUID derived
//! from the content, and a timestamp appears only when the caller passes one. This module
//! must never read the clock, draw random numbers or touch the file system beyond the
//! [`ReadAt`] it is handed for hashing.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::advisories::{Advisory, AdvisoryDb};
use super::manifests::Dependency;
use crate::finding::{FileReport, Severity, Verdict};
use crate::source::ReadAt;

/// A scanned model file, as the SBOM lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModelArtifact {
    /// Path as reported.
    pub path: String,
    /// Lowercase hex SHA-256 of the file.
    pub sha256: String,
    /// What brine recognised it as (`pytorch-zip`, `pickle`, `safetensors`, ...).
    pub format: String,
    /// brine's verdict.
    pub verdict: Verdict,
    /// Findings that made the verdict, as `(rule code, severity, message)`; each becomes a
    /// vulnerability entry when the verdict is not clean.
    pub findings: Vec<(String, Severity, String)>,
}

impl ModelArtifact {
    /// The artifact for a scanned file's report: format from its
    /// [`FileKind`](crate::finding::FileKind) (kebab-case,
    /// as in JSON reports), verdict and findings from the report.
    #[must_use]
    pub fn from_report(report: &FileReport, sha256: String) -> Self {
        let format = serde_json::to_value(report.kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        ModelArtifact {
            path: report.path.clone(),
            sha256,
            format,
            verdict: report.verdict,
            findings: report
                .findings
                .iter()
                .map(|f| (f.rule.to_owned(), f.severity, f.message.clone()))
                .collect(),
        }
    }
}

/// Options for [`cyclonedx`].
#[derive(Clone, Debug, Default)]
pub struct SbomOptions {
    /// `metadata.timestamp` (RFC 3339); omitted when `None` (output stays reproducible).
    pub timestamp: Option<String>,
    /// The scanned project's name, for `metadata.component`.
    pub project_name: Option<String>,
    /// brine's version, for `metadata.tools`.
    pub tool_version: String,
}

/// Lowercase hex SHA-256 of a whole source, read in 1 MiB chunks (never all at once).
///
/// # Errors
/// Any I/O error of the source.
pub fn sha256_of(source: &dyn ReadAt) -> std::io::Result<String> {
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 20];
    let mut offset = 0u64;
    loop {
        let n = source.read_at(offset, &mut buffer)?;
        if n == 0 {
            break;
        }
        hasher.update(buffer.get(..n).unwrap_or_default());
        offset = offset.saturating_add(n as u64);
    }
    Ok(hex(&hasher.finalize()))
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::new(), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

/// Dependencies of several manifests as one list: later duplicates (same name, version or
/// specifier, and URL) are dropped, order kept. Use before [`cyclonedx`].
#[must_use]
pub fn collect(manifests: &[Vec<Dependency>]) -> Vec<Dependency> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for dependency in manifests.iter().flatten() {
        let key = (
            dependency.name.clone(),
            dependency.version.clone(),
            dependency.specifier.clone(),
            dependency.url.clone(),
            dependency.conda_name.is_some(),
        );
        if seen.insert(key) {
            out.push(dependency.clone());
        }
    }
    out
}

fn purl(dependency: &Dependency) -> String {
    let (kind, name) = match &dependency.conda_name {
        Some(conda) => ("conda", conda.as_str()),
        None => ("pypi", dependency.name.as_str()),
    };
    match &dependency.version {
        Some(version) => format!(
            "pkg:{kind}/{}@{}",
            percent_encode(name),
            percent_encode(version)
        ),
        None => format!("pkg:{kind}/{}", percent_encode(name)),
    }
}

/// purl component encoding: keep unreserved characters, percent-encode the rest (`+`).
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

fn rating(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "critical",
        Severity::High => "high",
        Severity::Medium => "medium",
        Severity::Low => "low",
        Severity::Info => "info",
    }
}

fn reference_source(id: &str) -> Value {
    if id.starts_with("CVE-") {
        json!({"name": "NVD", "url": format!("https://nvd.nist.gov/vuln/detail/{id}")})
    } else if id.starts_with("GHSA-") {
        json!({"name": "GitHub", "url": format!("https://github.com/advisories/{id}")})
    } else {
        json!({"name": "OSV", "url": format!("https://osv.dev/vulnerability/{id}")})
    }
}

/// Build the CycloneDX 1.6 document. Advisories come from `db` for every dependency whose
/// exact version is affected (ranges are listed as components but not as vulnerable).
#[must_use]
pub fn cyclonedx(
    dependencies: &[Dependency],
    models: &[ModelArtifact],
    db: &AdvisoryDb,
    options: &SbomOptions,
) -> Value {
    let mut components = Vec::new();
    let mut bom_refs: BTreeMap<usize, String> = BTreeMap::new();
    let mut used_refs = BTreeSet::new();
    for (index, dependency) in dependencies.iter().enumerate() {
        if dependency.name.is_empty() {
            continue;
        }
        let mut bom_ref = purl(dependency);
        if let Some(specifier) = &dependency.specifier {
            bom_ref = format!("{bom_ref}?range={}", percent_encode(specifier));
        }
        if !used_refs.insert(bom_ref.clone()) {
            // Same package and version from another manifest: one component.
            bom_refs.insert(index, bom_ref);
            continue;
        }
        bom_refs.insert(index, bom_ref.clone());
        let mut properties =
            vec![json!({"name": "brine:source-file", "value": dependency.source_file})];
        if let Some(specifier) = &dependency.specifier {
            properties.push(json!({"name": "brine:specifier", "value": specifier}));
        }
        if let Some(group) = &dependency.group {
            properties.push(json!({"name": "brine:group", "value": group}));
        }
        if let Some(url) = &dependency.url {
            properties.push(json!({"name": "brine:url", "value": url}));
        }
        let mut component = json!({
            "type": "library",
            "bom-ref": bom_ref,
            "name": dependency.name,
            "purl": purl(dependency),
            "properties": properties,
        });
        if let (Some(version), Some(object)) = (&dependency.version, component.as_object_mut()) {
            object.insert("version".into(), json!(version));
        }
        components.push(component);
    }
    let mut model_refs = Vec::new();
    for model in models {
        let bom_ref = format!("model:{}", model.path);
        let name = model
            .path
            .rsplit(['/', '\\'])
            .next()
            .unwrap_or(&model.path)
            .to_owned();
        let mut component = json!({
            "type": "machine-learning-model",
            "bom-ref": bom_ref,
            "name": name,
            "properties": [
                {"name": "brine:path", "value": model.path},
                {"name": "brine:format", "value": model.format},
                {"name": "brine:verdict", "value": model.verdict.as_str()},
            ],
        });
        let valid_hash =
            model.sha256.len() == 64 && model.sha256.bytes().all(|b| b.is_ascii_hexdigit());
        if let (true, Some(object)) = (valid_hash, component.as_object_mut()) {
            object.insert(
                "hashes".into(),
                json!([{"alg": "SHA-256", "content": model.sha256.to_ascii_lowercase()}]),
            );
        }
        components.push(component);
        model_refs.push(bom_ref);
    }

    // One vulnerability per advisory, affecting every component it matched.
    let matches = super::audit(dependencies, db);
    let mut affected: BTreeMap<String, (&Advisory, BTreeSet<String>)> = BTreeMap::new();
    for m in matches.iter().filter(|m| m.pinned) {
        if let Some(bom_ref) = bom_refs.get(&m.dependency) {
            affected
                .entry(m.advisory.id.clone())
                .or_insert_with(|| (m.advisory, BTreeSet::new()))
                .1
                .insert(bom_ref.clone());
        }
    }
    let mut vulnerabilities = Vec::new();
    for (id, (advisory, refs)) in &affected {
        let fixed: BTreeSet<&String> = advisory.packages.iter().flat_map(|p| &p.fixed).collect();
        let recommendation = if fixed.is_empty() {
            "No fixed version is known; avoid loading untrusted input with this package.".to_owned()
        } else {
            format!(
                "Upgrade to a fixed version: {}.",
                fixed.into_iter().cloned().collect::<Vec<_>>().join(", ")
            )
        };
        let references: Vec<Value> = advisory
            .aliases
            .iter()
            .map(|alias| json!({"id": alias, "source": reference_source(alias)}))
            .collect();
        let cwes: Vec<u32> = if advisory.cwes.is_empty() {
            vec![502]
        } else {
            advisory.cwes.clone()
        };
        let mut entry = json!({
            "bom-ref": format!("vuln:{id}"),
            "id": id,
            "source": reference_source(id),
            "ratings": [{"severity": rating(advisory.severity), "method": "other",
                         "source": {"name": "brine"}}],
            "cwes": cwes,
            "description": advisory.summary,
            "recommendation": recommendation,
            "affects": refs.iter().map(|r| json!({"ref": r})).collect::<Vec<_>>(),
        });
        if let (false, Some(object)) = (references.is_empty(), entry.as_object_mut()) {
            object.insert("references".into(), json!(references));
        }
        vulnerabilities.push(entry);
    }
    for (model, bom_ref) in models.iter().zip(&model_refs) {
        if model.verdict == Verdict::Clean {
            continue;
        }
        for (number, (rule, severity, message)) in model.findings.iter().enumerate() {
            vulnerabilities.push(json!({
                "bom-ref": format!("finding:{}#{number}", model.path),
                "id": rule,
                "source": {"name": "brine"},
                "ratings": [{"severity": rating(*severity), "method": "other",
                             "source": {"name": "brine"}}],
                "cwes": [502],
                "description": message,
                "affects": [{"ref": bom_ref}],
            }));
        }
    }

    let mut tool = json!({"type": "application", "name": "brine"});
    if let (false, Some(object)) = (options.tool_version.is_empty(), tool.as_object_mut()) {
        object.insert("version".into(), json!(options.tool_version));
    }
    let mut metadata = json!({"tools": {"components": [tool]}});
    if let Some(object) = metadata.as_object_mut() {
        if let Some(timestamp) = &options.timestamp {
            object.insert("timestamp".into(), json!(timestamp));
        }
        if let Some(name) = &options.project_name {
            object.insert(
                "component".into(),
                json!({"type": "application", "name": name, "bom-ref": "project"}),
            );
        }
    }
    let body = json!({
        "metadata": metadata,
        "components": components,
        "vulnerabilities": vulnerabilities,
    });
    json!({
        "$schema": "http://cyclonedx.org/schema/bom-1.6.schema.json",
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "serialNumber": serial_number(&body),
        "version": 1,
        "metadata": body.get("metadata"),
        "components": body.get("components"),
        "vulnerabilities": body.get("vulnerabilities"),
    })
}

/// `urn:uuid:` from the SHA-256 of the content, shaped as a name-based (version 5, RFC
/// 4122 variant) UUID so schema patterns accept it; same content, same serial number.
fn serial_number(body: &Value) -> String {
    let digest = Sha256::digest(body.to_string().as_bytes());
    let mut bytes: [u8; 16] = [0; 16];
    for (slot, byte) in bytes.iter_mut().zip(digest.iter()) {
        *slot = *byte;
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x50;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let h = hex(&bytes);
    format!(
        "urn:uuid:{}-{}-{}-{}-{}",
        h.get(0..8).unwrap_or_default(),
        h.get(8..12).unwrap_or_default(),
        h.get(12..16).unwrap_or_default(),
        h.get(16..20).unwrap_or_default(),
        h.get(20..32).unwrap_or_default()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deps::advisories::bundled;
    use crate::deps::manifests::span_of;
    use crate::finding::FileKind;

    fn pinned(name: &str, version: &str) -> Dependency {
        let mut d = Dependency::named(name, span_of("", 0, 0), "requirements.txt");
        d.version = Some(version.to_owned());
        d
    }

    #[test]
    fn bom_lists_components_models_and_vulnerabilities_deterministically() {
        let deps = vec![pinned("torch", "2.5.1+cpu"), pinned("numpy", "2.1.0")];
        let models = vec![ModelArtifact {
            path: "models/evil.pt".into(),
            sha256: sha256_of(&b"payload".to_vec()).unwrap(),
            format: "pytorch-zip".into(),
            verdict: Verdict::Dangerous,
            findings: vec![("BRN001".into(), Severity::Critical, "os.system".into())],
        }];
        let options = SbomOptions::default();
        let bom = cyclonedx(&deps, &models, bundled(), &options);
        assert_eq!(bom["specVersion"], "1.6");
        assert_eq!(bom, cyclonedx(&deps, &models, bundled(), &options));
        let components = bom["components"].as_array().unwrap();
        assert_eq!(components[0]["purl"], "pkg:pypi/torch@2.5.1%2Bcpu");
        assert_eq!(components[2]["type"], "machine-learning-model");
        assert_eq!(
            components[2]["hashes"][0]["content"]
                .as_str()
                .unwrap()
                .len(),
            64
        );
        let vulns = bom["vulnerabilities"].as_array().unwrap();
        assert!(vulns.iter().any(|v| {
            v["references"]
                .as_array()
                .is_some_and(|r| r.iter().any(|x| x["id"] == "CVE-2025-32434"))
        }));
        assert!(vulns.iter().any(|v| v["id"] == "BRN001"));
        assert!(
            bom.get("metadata")
                .and_then(|m| m.get("timestamp"))
                .is_none()
        );
    }

    #[test]
    fn artifacts_come_from_reports() {
        let report = FileReport::new(
            "m/model.pt",
            FileKind::PytorchZip,
            vec![crate::finding::Finding::new(
                "BRN001",
                Severity::Critical,
                Verdict::Dangerous,
                "calls os.system",
            )],
        );
        let artifact = ModelArtifact::from_report(&report, "ab".repeat(32));
        assert_eq!(artifact.format, "pytorch-zip");
        assert_eq!(artifact.verdict, Verdict::Dangerous);
        assert_eq!(artifact.findings.len(), 1);
        let clean = FileReport::new("m/w.safetensors", FileKind::Safetensors, Vec::new());
        assert_eq!(
            ModelArtifact::from_report(&clean, String::new()).verdict,
            Verdict::Clean
        );
    }

    #[test]
    fn clean_inputs_have_no_vulnerabilities_and_serials_differ() {
        let a = cyclonedx(
            &[pinned("numpy", "2.1.0")],
            &[],
            bundled(),
            &SbomOptions::default(),
        );
        assert_eq!(a["vulnerabilities"].as_array().unwrap().len(), 0);
        let b = cyclonedx(
            &[pinned("numpy", "2.1.1")],
            &[],
            bundled(),
            &SbomOptions::default(),
        );
        assert_ne!(a["serialNumber"], b["serialNumber"]);
        let collected = collect(&[
            vec![pinned("numpy", "2.1.0")],
            vec![pinned("numpy", "2.1.0")],
        ]);
        assert_eq!(collected.len(), 1);
    }
}
