//! `brine scan --fix`: apply the safe, mechanical fixes the code rules offer
//! (`weights_only=True`, `yaml.safe_load`...) to the files in place.
//!
//! Only files that are valid UTF-8 are rewritten (a BOM is kept), because the fixes are
//! computed on decoded text and writing a latin-1 or cp1252 file back as UTF-8 would change
//! more than the fix. Fixed findings are removed from the report.

use std::path::Path;

use anyhow::{Context, Result};
use brine_scanner::{FileKind, FileReport};

const BOM: &[u8] = b"\xef\xbb\xbf";

/// Apply every fix in the Python reports; returns (findings fixed, files changed).
pub fn apply(reports: &mut [FileReport]) -> Result<(usize, usize)> {
    let (mut fixed, mut files) = (0, 0);
    for report in reports.iter_mut().filter(|r| r.kind == FileKind::Python) {
        if report.findings.iter().all(|f| f.fix.is_none()) {
            continue;
        }
        let path = Path::new(&report.path);
        let bytes = std::fs::read(path).with_context(|| format!("reading {}", report.path))?;
        let (bom, body) = bytes
            .strip_prefix(BOM)
            .map_or((&b""[..], &bytes[..]), |rest| (BOM, rest));
        let Ok(text) = std::str::from_utf8(body) else {
            continue;
        };
        let new_text = brine_scanner::python::apply_fixes(text, &report.findings);
        if new_text == text {
            continue;
        }
        let mut out = bom.to_vec();
        out.extend_from_slice(new_text.as_bytes());
        std::fs::write(path, out).with_context(|| format!("writing {}", report.path))?;
        let before = report.findings.len();
        let findings = std::mem::take(&mut report.findings)
            .into_iter()
            .filter(|f| f.fix.is_none())
            .collect();
        report.findings = findings;
        report.verdict = brine_scanner::finding::combine(report.findings.iter().map(|f| f.verdict));
        fixed += before - report.findings.len();
        files += 1;
    }
    Ok((fixed, files))
}
