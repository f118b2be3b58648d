//! Fuzz target: arbitrary bytes through the pickle machine (both flavors) and the sniffer.
//! It must find panics, hangs and runaway allocation; it never executes what it reads.
#![no_main]

use brine_scanner::Limits;
use brine_scanner::pickle::{Flavor, StreamOptions, analyze_stream, sniff};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        max_pickle_opcodes: 200_000,
        max_pickle_values: 200_000,
        ..Limits::default()
    };
    let _ = sniff(data);
    for flavor in [Flavor::Plain, Flavor::Joblib] {
        let mut cursor = data;
        let report = analyze_stream(
            &mut cursor,
            StreamOptions {
                flavor,
                max_pickles: None,
            },
            &limits,
        );
        assert!(report.consumed <= data.len() as u64);
    }
});
