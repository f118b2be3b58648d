//! Measure the data-flow analysis on a large tree of Python files (by default
//! python3's own `Lib`): time to decode and parse alone, to run the code rules, to
//! summarize every file, and to link all summaries as one program.
//!
//! `cargo run --release -p brine-scanner --example taint_lib -- /usr/lib/python3.11`

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use brine_scanner::limits::Limits;
use brine_scanner::python::parse::ParsedSource;
use brine_scanner::python::{CodeSettings, scan_source, source};
use brine_scanner::taint::{link_with, summarize};

fn python_files(root: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() {
                pending.push(path);
            } else if kind.is_file() && path.extension().is_some_and(|e| e == "py") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

fn main() {
    let root = std::env::args()
        .nth(1)
        .map_or_else(|| PathBuf::from("/usr/lib/python3.11"), PathBuf::from);
    let limits = Limits::default();
    let settings = CodeSettings::default();
    let files: Vec<(String, Vec<u8>)> = python_files(&root)
        .into_iter()
        .filter_map(|p| {
            let bytes = std::fs::read(&p).ok()?;
            let relative = p
                .strip_prefix(&root)
                .unwrap_or(&p)
                .to_string_lossy()
                .into_owned();
            Some((relative, bytes))
        })
        .collect();
    let total_bytes: usize = files.iter().map(|(_, b)| b.len()).sum();

    let mut parse_time = Duration::ZERO;
    let mut rules_time = Duration::ZERO;
    let mut summarize_time = Duration::ZERO;
    let mut summaries = Vec::with_capacity(files.len());
    let mut sinks = 0usize;
    let mut calls = 0usize;
    for (path, bytes) in &files {
        let started = Instant::now();
        let decoded = source::decode(bytes);
        let parsed = ParsedSource::parse(&decoded.text);
        parse_time += started.elapsed();

        let started = Instant::now();
        let findings = scan_source(path, bytes, &settings);
        rules_time += started.elapsed();

        let started = Instant::now();
        let summary = summarize(path, None, &parsed, &findings, &limits);
        summarize_time += started.elapsed();
        sinks += summary.sinks.len();
        calls += summary.calls.len();
        summaries.push(summary);
    }
    let started = Instant::now();
    let tainted = link_with(&summaries, &limits);
    let link_time = started.elapsed();

    println!(
        "{} files, {:.1} MB, {sinks} sinks, {calls} project-call sites",
        files.len(),
        total_bytes as f64 / 1e6
    );
    println!(
        "decode+parse:        {:>8.0} ms",
        parse_time.as_secs_f64() * 1e3
    );
    println!(
        "code rules (scan):   {:>8.0} ms (includes its own parse)",
        rules_time.as_secs_f64() * 1e3
    );
    println!(
        "taint summarize:     {:>8.0} ms",
        summarize_time.as_secs_f64() * 1e3
    );
    println!(
        "taint link:          {:>8.0} ms",
        link_time.as_secs_f64() * 1e3
    );
    println!("tainted sinks:       {:>8}", tainted.len());
    for sink in &tainted {
        println!("  {}", sink.summary);
    }
}
