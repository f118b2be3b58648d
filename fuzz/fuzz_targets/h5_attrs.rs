//! Fuzz the legacy Keras `.h5` reader (hdf5-pure behind `formats::h5`): any bytes must give
//! findings, never a panic, a hang or an allocation beyond the HDF5 read budget.
//! Seed with `crates/scanner/tests/fixtures/keras/*.h5`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = brine_scanner::formats::h5::scan(&data, &brine_scanner::Limits::default());
});
