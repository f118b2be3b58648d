//! Fuzz the safetensors header validator: any bytes must give findings, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = brine_scanner::Limits::default();
    let _ = brine_scanner::formats::safetensors::sniff(data, data.len() as u64);
    let _ = brine_scanner::formats::safetensors::scan(&data, &limits);
});
