//! brine's scanner library: everything that decides what is a finding.
//!
//! The flow is `source → opener → analyser → Finding`:
//!
//! * [`scan`] classifies one file (Python source, dependency manifest, or model
//!   artifact sniffed by content, never by extension) and hands it to the right part;
//! * [`formats`] opens containers (zip, tar, 7z, compression, PyTorch, numpy, joblib,
//!   Keras, safetensors) and finds the pickle streams inside them;
//! * [`pickle`] is a symbolic pickle machine that says what a stream would import and
//!   call, without importing or executing anything;
//! * [`python`] parses Python source and resolves calls through imports to find unsafe
//!   loads; [`deps`] audits locked dependency versions against bundled advisories;
//! * [`rules`] is the registry: one file per rule, its docs are the user docs;
//! * [`report`] turns findings into JSON, SARIF, GitHub annotations and text;
//! * [`lock`] pins model files by hash (`brine lock` / `brine verify`);
//! * [`remediation`] predicts `torch.load(weights_only=True)` and suggests safe allowlists;
//! * [`taint`] follows untrusted data (uploads, requests, argv, downloads) through
//!   functions and modules to the loads it reaches;
//!
//! This crate must never execute, import or evaluate anything it scans, never panic on
//! input, never allocate without a bound from [`limits`], and never touch the terminal or
//! walk directories (that is the CLI's job). It builds for `wasm32-unknown-unknown`.

pub mod deps;
pub mod finding;
pub mod formats;
pub mod limits;
pub mod lock;
pub mod pickle;
pub mod python;
pub mod remediation;
pub mod report;
pub mod rules;
pub mod scan;
pub mod source;
pub mod taint;

pub use finding::{FileKind, FileReport, Finding, Severity, Span, Verdict};
pub use limits::Limits;
