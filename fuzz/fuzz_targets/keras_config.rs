//! Fuzz the Keras config walker and the marshal reader behind it: any bytes as
//! `config.json` must give findings, never a panic or unbounded work.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = brine_scanner::formats::keras::scan_config_json(data, &brine_scanner::Limits::default());
});
