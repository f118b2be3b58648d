//! Scan artifact files given on the command line and print one line per file:
//! kind, verdict and the findings. Used to measure time and memory of the openers
//! (`cargo build --release --example scan_artifact`); never executes what it scans.

use brine_scanner::Limits;
use brine_scanner::finding::combine;
use brine_scanner::formats::scan_artifact;

fn main() {
    let limits = Limits::default();
    for path in std::env::args().skip(1) {
        let file = match std::fs::File::open(&path) {
            Ok(file) => file,
            Err(error) => {
                println!("{path}: unreadable: {error}");
                continue;
            }
        };
        match scan_artifact(&file, &limits) {
            None => println!("{path}: skipped (unknown format)"),
            Some(report) => {
                let verdict = combine(report.findings.iter().map(|f| f.verdict));
                println!("{path}: {:?} {}", report.kind, verdict.as_str());
                for f in &report.findings {
                    println!(
                        "  {} {} [{}] @{:?} {}",
                        f.rule,
                        f.verdict.as_str(),
                        f.member.join("!"),
                        f.offset,
                        f.message
                    );
                }
            }
        }
    }
}
