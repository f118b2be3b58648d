//! Fuzz the `.npy` header reader and dict-literal parser.
#![no_main]

use brine_scanner::formats::numpy;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = numpy::read_header(&mut &data[..], 1 << 16);
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = numpy::parse_header(text);
    }
});
