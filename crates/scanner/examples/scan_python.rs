//! Scan every `.py` file under the given directories with the Python rules, in parallel
//! over files with std threads, and report throughput.
//!
//! `cargo run --release -p brine-scanner --example scan_python -- [--json] DIR...`
//!
//! Prints one line per finding (`path:line:col RULE message`), or with `--json` a JSON
//! array of `{path, rule, line, column, severity}`; throughput goes to stderr. A stand-in
//! for `brine scan` in the comparison and benchmark scripts until the CLI exists. Never
//! follows symlinks (so it cannot loop) and never executes what it reads.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use brine_scanner::Finding;
use brine_scanner::python::{CodeSettings, scan_source};

fn collect_python_files(root: &Path, out: &mut Vec<PathBuf>) {
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            if dir.extension().is_some_and(|e| e == "py") {
                out.push(dir);
            }
            continue;
        };
        for entry in entries.filter_map(Result::ok) {
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            let path = entry.path();
            if kind.is_dir() {
                pending.push(path);
            } else if kind.is_file() && path.extension().is_some_and(|e| e == "py") {
                out.push(path);
            }
        }
    }
}

fn main() {
    let mut json = false;
    let mut files = Vec::new();
    for arg in std::env::args().skip(1) {
        if arg == "--json" {
            json = true;
        } else {
            collect_python_files(Path::new(&arg), &mut files);
        }
    }
    files.sort();

    let started = Instant::now();
    let next = AtomicUsize::new(0);
    let bytes_read = AtomicUsize::new(0);
    let results: Mutex<Vec<(usize, Vec<Finding>)>> = Mutex::new(Vec::new());
    let settings = CodeSettings::default();
    let threads = std::thread::available_parallelism().map_or(2, usize::from);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                let mut local = Vec::new();
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(path) = files.get(index) else { break };
                    let Ok(bytes) = std::fs::read(path) else {
                        continue;
                    };
                    bytes_read.fetch_add(bytes.len(), Ordering::Relaxed);
                    let findings = scan_source(&path.display().to_string(), &bytes, &settings);
                    if !findings.is_empty() {
                        local.push((index, findings));
                    }
                }
                if let Ok(mut all) = results.lock() {
                    all.extend(local);
                }
            });
        }
    });
    let elapsed = started.elapsed().as_secs_f64();
    let mut results = results.into_inner().unwrap_or_default();
    results.sort_by_key(|(index, _)| *index);

    let mut rows = Vec::new();
    for (index, findings) in &results {
        let path = files
            .get(*index)
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        for finding in findings {
            let span = finding.span;
            if json {
                rows.push(serde_json::json!({
                    "path": path,
                    "rule": finding.rule,
                    "line": span.map_or(0, |s| s.line),
                    "column": span.map_or(0, |s| s.column),
                    "severity": finding.severity.as_str(),
                }));
            } else {
                println!(
                    "{path}:{}:{} {} {}",
                    span.map_or(0, |s| s.line),
                    span.map_or(0, |s| s.column),
                    finding.rule,
                    finding.message
                );
            }
        }
    }
    if json {
        println!("{}", serde_json::Value::Array(rows));
    }
    let megabytes = bytes_read.load(Ordering::Relaxed) as f64 / 1e6;
    eprintln!(
        "scanned {} files, {megabytes:.1} MB in {elapsed:.3} s on {threads} threads: {:.0} files/s, {:.1} MB/s",
        files.len(),
        files.len() as f64 / elapsed.max(1e-9),
        megabytes / elapsed.max(1e-9),
    );
}
