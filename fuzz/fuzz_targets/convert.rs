//! Fuzz `brine convert`'s library path: scan, sniff, the strict rebuild evaluator, the
//! torch zip / legacy / numpy containers, the strided copy and the safetensors writer.
#![no_main]

use brine_scanner::Limits;
use brine_scanner::remediation::convert::{convert_artifact, write_safetensors};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Third-party decoder panics are contained by brine (catch_unwind); restore the
    // default hook so libFuzzer does not abort on those (see the artifact target).
    static RESET_HOOK: std::sync::Once = std::sync::Once::new();
    RESET_HOOK.call_once(|| drop(std::panic::take_hook()));
    let limits = Limits {
        max_member_bytes: 1 << 20,
        max_decompressed_bytes: 1 << 22,
        ratio_check_after: 1 << 16,
        max_pickle_opcodes: 100_000,
        ..Limits::default()
    };
    if let Ok(converted) = convert_artifact(&data, &limits) {
        let mut out = Vec::new();
        let _ = write_safetensors(&converted, &mut out);
    }
});
