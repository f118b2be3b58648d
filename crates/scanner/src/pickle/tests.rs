//! Tests of the whole machine: CPython-made fixtures, hand-assembled bypasses (each with
//! a benign twin), limits, sniffing and property tests.

use std::io::Read;
use std::path::PathBuf;

use super::testasm::{Asm, codes, scan, scan_with};
use super::{Flavor, StreamOptions, analyze_stream, sniff};
use crate::finding::Verdict;
use crate::limits::Limits;

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/pickle")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn has(report: &super::StreamReport, rule: &str) -> bool {
    codes(report).contains(&rule)
}

// ---- CPython fixtures ----

#[test]
fn benign_fixtures_are_clean_at_every_protocol() {
    for proto in 0..=5 {
        for kind in ["plain", "nested", "recursive", "ordereddict"] {
            let data = fixture(&format!("{kind}_p{proto}.pkl"));
            assert!(sniff(&data), "{kind}_p{proto} does not sniff");
            let report = scan(&data);
            assert_eq!(
                report.verdict(),
                Verdict::Clean,
                "{kind}_p{proto}: {:?}",
                report.findings
            );
            assert_eq!(report.pickles, 1);
            assert_eq!(report.consumed, data.len() as u64);
        }
    }
}

#[test]
fn numpy_pickles_are_clean_at_every_protocol() {
    for proto in 0..=5 {
        let report = scan(&fixture(&format!("numpy_p{proto}.pkl")));
        assert_eq!(
            report.verdict(),
            Verdict::Clean,
            "numpy_p{proto}: {:?}",
            report.findings
        );
    }
}

#[test]
fn setstate_object_is_suspicious_not_dangerous() {
    for proto in 0..=5 {
        let report = scan(&fixture(&format!("setstate_p{proto}.pkl")));
        assert_eq!(report.verdict(), Verdict::Suspicious, "p{proto}");
        assert!(report.globals.iter().any(|g| g.name == "WithState"));
    }
    // Protocol 0 builds the object through copyreg._reconstructor, then BUILD.
    let report = scan(&fixture("setstate_p0.pkl"));
    let explained: Vec<&str> = report
        .findings
        .iter()
        .filter_map(|f| f.explanation.as_deref())
        .collect();
    assert_eq!(
        explained,
        [
            "copy_reg._reconstructor(__main__.WithState, __builtin__.object, None)\
             .__setstate__({'weights': [0.5, 1.5]})"
        ]
    );
}

#[test]
fn reduce_payload_is_dangerous_at_every_protocol() {
    for proto in 0..=5 {
        let report = scan(&fixture(&format!("reduce_os_system_p{proto}.pkl")));
        assert_eq!(report.verdict(), Verdict::Dangerous, "p{proto}");
        let call = report
            .findings
            .iter()
            .find(|f| f.rule == "BRN001")
            .expect("a dangerous call");
        let text = call.explanation.as_deref().unwrap_or_default();
        assert!(text.ends_with("system('touch brine_marker')"), "{text}");
    }
}

#[test]
fn malicious_pickle_after_a_benign_one_is_found() {
    let report = scan(&fixture("benign_then_malicious.pkl"));
    assert_eq!(report.pickles, 2);
    assert_eq!(report.verdict(), Verdict::Dangerous);
    // Twin: the benign pickle alone.
    let benign = Asm::new().proto(4).op(b'}').stop().finish();
    assert_eq!(scan(&benign).verdict(), Verdict::Clean);
}

#[test]
fn payload_before_a_break_stays_dangerous() {
    let report = scan(&fixture("broken_after_payload.pkl"));
    assert!(has(&report, "BRN001"));
    assert!(has(&report, "BRN006"));
    assert_eq!(report.verdict(), Verdict::Dangerous);
    // Twin: benign data, then the same break, is an error (never clean).
    let benign = Asm::new().proto(2).op(b']').raw(b"\xff\xff").finish();
    assert_eq!(scan(&benign).verdict(), Verdict::Error);
}

#[test]
fn malicious_fixtures_really_run_their_payload() {
    let python = std::process::Command::new("python3")
        .arg("--version")
        .output();
    if python.is_err() {
        eprintln!("python3 absent: skipping the payload check");
        return;
    }
    for name in ["reduce_os_system_p0.pkl", "reduce_os_system_p4.pkl"] {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join(name);
        std::fs::write(&file, fixture(name)).expect("write fixture");
        let status = std::process::Command::new("python3")
            .arg("-c")
            .arg("import pickle,sys; pickle.load(open(sys.argv[1],'rb'))")
            .arg(&file)
            .current_dir(dir.path())
            .status()
            .expect("run python3");
        assert!(status.success());
        assert!(dir.path().join("brine_marker").exists(), "{name}");
    }
}

#[test]
fn joblib_arrays_are_skipped_in_joblib_flavor() {
    let data = fixture("joblib_arrays.pkl");
    let options = StreamOptions {
        flavor: Flavor::Joblib,
        max_pickles: None,
    };
    let report = scan_with(&data, options, &Limits::default());
    assert!(report.verdict() < Verdict::Error, "{:?}", report.findings);
    assert_eq!(report.pickles, 1);
    assert_eq!(report.consumed, data.len() as u64);
    assert!(report.globals.iter().any(|g| g.name == "NumpyArrayWrapper"));
    // Twin: read as a plain pickle, the raw array bytes break the stream.
    assert!(scan(&data).verdict() >= Verdict::Error);
}

#[test]
fn numpy_item_sizes_follow_numpy() {
    use super::vm::numpy_itemsize;
    assert_eq!(numpy_itemsize("f8", Some(-1)), Some(8));
    assert_eq!(
        numpy_itemsize("f8", Some(1)),
        Some(8),
        "fixed kinds ignore elsize"
    );
    assert_eq!(numpy_itemsize("U2", Some(8)), Some(8));
    assert_eq!(numpy_itemsize("U3", None), Some(12));
    assert_eq!(numpy_itemsize("V16", Some(16)), Some(16));
    assert_eq!(numpy_itemsize("c16", Some(-1)), Some(16));
    assert_eq!(numpy_itemsize("M8", Some(-1)), Some(8));
    assert_eq!(numpy_itemsize("Q", Some(-1)), None);
}

#[test]
fn joblib_array_bytes_that_are_missing_are_truncation() {
    let data = fixture("joblib_arrays.pkl");
    let cut = data.get(..600).unwrap_or_default();
    let options = StreamOptions {
        flavor: Flavor::Joblib,
        max_pickles: None,
    };
    let report = scan_with(cut, options, &Limits::default());
    assert!(has(&report, "BRN006"));
}

// ---- hand-assembled tricks, each with a benign twin ----

fn stack_global_via_memo(module: &str, name: &str) -> Vec<u8> {
    Asm::new()
        .proto(4)
        .text(module)
        .put(0)
        .text(name)
        .put(1)
        .op(b'0')
        .op(b'0')
        .text("collections")
        .text("OrderedDict")
        .op(b'0')
        .op(b'0')
        .get(0)
        .get(1)
        .stack_global()
        .text("touch x")
        .tuple1()
        .reduce()
        .stop()
        .finish()
}

#[test]
fn stack_global_operands_through_memo_and_decoys() {
    let report = scan(&stack_global_via_memo("os", "system"));
    assert!(has(&report, "BRN001"));
    assert_eq!(
        report
            .findings
            .iter()
            .find(|f| f.rule == "BRN001")
            .and_then(|f| f.explanation.as_deref()),
        Some("os.system('touch x')")
    );
    let twin = scan(&stack_global_via_memo("collections", "OrderedDict"));
    assert_eq!(twin.verdict(), Verdict::Clean);
}

fn overwritten_slot(first: &str, second: &str) -> Vec<u8> {
    Asm::new()
        .proto(4)
        .text(first)
        .put(0)
        .op(b'0')
        .text(second)
        .put(0)
        .op(b'0')
        .get(0)
        .text("system")
        .stack_global()
        .op(b'0')
        .op(b'N')
        .stop()
        .finish()
}

#[test]
fn overwritten_memo_slot_uses_the_last_write() {
    assert!(has(&scan(&overwritten_slot("collections", "os")), "BRN002"));
    let twin = scan(&overwritten_slot("os", "mymodule"));
    assert!(!has(&twin, "BRN002"));
    assert_eq!(twin.verdict(), Verdict::Suspicious);
}

#[test]
fn memoize_and_binput_mix_like_cpython() {
    // MEMOIZE stores at len(memo): after slots 0 and 7, the next MEMOIZE writes slot 2.
    let bytes = Asm::new()
        .proto(4)
        .text("os")
        .memoize()
        .op(b'0')
        .text("decoy")
        .put(7)
        .op(b'0')
        .text("system")
        .memoize()
        .op(b'0')
        .get(0)
        .get(2)
        .stack_global()
        .stop()
        .finish();
    assert!(has(&scan(&bytes), "BRN002"));
    let twin = Asm::new()
        .proto(4)
        .text("os")
        .memoize()
        .op(b'0')
        .text("system")
        .memoize()
        .op(b'0')
        .get(0)
        .get(2)
        .stack_global()
        .stop()
        .finish();
    let report = scan(&twin);
    assert!(has(&report, "BRN006"), "slot 2 was never written");
    assert!(!has(&report, "BRN002"));
}

fn obj_then_pop(module: &str, name: &str) -> Vec<u8> {
    Asm::new()
        .proto(2)
        .mark()
        .global(module, name)
        .text("touch x")
        .op(b'o')
        .op(b'0')
        .op(b'N')
        .stop()
        .finish()
}

#[test]
fn call_hidden_by_pop_is_still_dangerous() {
    let report = scan(&obj_then_pop("os", "system"));
    assert!(has(&report, "BRN001"));
    assert_eq!(report.discarded_calls, 1);
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.message.contains("discarded by POP"))
    );
    assert_eq!(
        scan(&obj_then_pop("collections", "OrderedDict")).verdict(),
        Verdict::Clean
    );
}

#[test]
fn build_on_an_instance_shows_the_setstate_call() {
    let bytes = Asm::new()
        .proto(2)
        .global("mymodule", "Model")
        .op(b')')
        .op(0x81)
        .op(b'}')
        .text("w")
        .int(1)
        .op(b's')
        .op(b'b')
        .stop()
        .finish();
    let report = scan(&bytes);
    assert_eq!(codes(&report), ["BRN004"]);
    assert_eq!(
        report.findings[0].explanation.as_deref(),
        Some("mymodule.Model.__new__(mymodule.Model).__setstate__({'w': 1})")
    );
}

#[test]
fn inst_is_a_call() {
    let bytes = Asm::new()
        .mark()
        .string0("touch x")
        .inst("os", "system")
        .stop()
        .finish();
    assert!(sniff(&bytes));
    let report = scan(&bytes);
    assert!(has(&report, "BRN001"));
    let twin = Asm::new()
        .mark()
        .inst("collections", "OrderedDict")
        .stop()
        .finish();
    assert_eq!(scan(&twin).verdict(), Verdict::Clean);
}

fn newobj_ex(module: &str, name: &str) -> Vec<u8> {
    Asm::new()
        .proto(4)
        .global(module, name)
        .text("id")
        .tuple1()
        .op(b'}')
        .text("shell")
        .op(0x88)
        .op(b's')
        .op(0x92)
        .stop()
        .finish()
}

#[test]
fn newobj_ex_is_a_call_with_kwargs() {
    let report = scan(&newobj_ex("subprocess", "Popen"));
    let f = report
        .findings
        .iter()
        .find(|f| f.rule == "BRN001")
        .expect("BRN001");
    assert_eq!(
        f.explanation.as_deref(),
        Some("subprocess.Popen.__new__(subprocess.Popen, 'id', **{'shell': True})")
    );
    assert_eq!(
        scan(&newobj_ex("collections", "OrderedDict")).verdict(),
        Verdict::Clean
    );
}

#[test]
fn extension_registered_then_called_is_dangerous() {
    let register = |module: &str, name: &str| {
        Asm::new()
            .proto(2)
            .global("copyreg", "add_extension")
            .text(module)
            .text(name)
            .int(0xf0)
            .tuple3()
            .reduce()
            .op(b'0')
            .op(0x82)
            .op(0xf0)
            .text("id")
            .tuple1()
            .reduce()
            .stop()
            .finish()
    };
    let report = scan(&register("os", "system"));
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.rule == "BRN001" && f.message.contains("os.system"))
    );
    let twin = scan(&register("collections", "OrderedDict"));
    assert!(
        !twin
            .findings
            .iter()
            .any(|f| f.message.contains("OrderedDict"))
    );
}

fn protocol0_stack_global(module: &str, name: &str) -> Vec<u8> {
    Asm::new()
        .string0(module)
        .string0(name)
        .stack_global()
        .string0("id")
        .tuple1()
        .reduce()
        .stop()
        .finish()
}

#[test]
fn stack_global_without_proto_and_protocol0_strings() {
    let bytes = protocol0_stack_global("os", "system");
    assert!(sniff(&bytes));
    assert!(has(&scan(&bytes), "BRN001"));
    assert_eq!(
        scan(&protocol0_stack_global("collections", "OrderedDict")).verdict(),
        Verdict::Clean
    );
}

#[test]
fn non_string_stack_global_operands_are_malformed() {
    let bytes = Asm::new()
        .proto(4)
        .int(1)
        .text("system")
        .stack_global()
        .stop()
        .finish();
    let report = scan(&bytes);
    assert_eq!(codes(&report), ["BRN006"]);
    assert!(report.findings[0].message.contains("not strings"));
}

#[test]
fn sparse_memo_slots_work_like_dense_ones() {
    let far = |put: u32, get: u32| {
        let mut data = Asm::new().proto(2).text("os").op(b'r').finish();
        data.extend_from_slice(&put.to_le_bytes());
        data.extend_from_slice(b"0j");
        data.extend_from_slice(&get.to_le_bytes());
        Asm(data).text("system").stack_global().stop().finish()
    };
    assert!(has(&scan(&far(u32::MAX - 1, u32::MAX - 1)), "BRN002"));
    assert!(has(&scan(&far(u32::MAX - 1, 5)), "BRN006"));
}

#[test]
fn get_of_a_missing_slot_is_malformed() {
    let bytes = Asm::new().proto(2).get(9).stop().finish();
    assert_eq!(codes(&scan(&bytes)), ["BRN006"]);
    let twin = Asm::new().proto(2).op(b'N').put(9).get(9).stop().finish();
    assert!(codes(&scan(&twin)).is_empty());
}

#[test]
fn constant_getattr_becomes_a_dotted_global() {
    let call = |module: &str, name: &str, attr: &str| {
        Asm::new()
            .proto(2)
            .global("builtins", "getattr")
            .global(module, name)
            .text(attr)
            .tuple2()
            .reduce()
            .text("1+1")
            .tuple1()
            .reduce()
            .stop()
            .finish()
    };
    let report = scan(&call("numpy", "testing", "os"));
    assert!(has(&report, "BRN001"), "{:?}", report.findings);
    let report = scan(&call("posixpath", "os", "system"));
    let f = report
        .findings
        .iter()
        .find(|f| f.rule == "BRN001")
        .expect("BRN001");
    assert_eq!(f.explanation.as_deref(), Some("posixpath.os.system('1+1')"));
    let twin = scan(&call("mypkg", "Config", "build"));
    assert_eq!(twin.verdict(), Verdict::Suspicious);
}

#[test]
fn getattr_on_a_call_result_is_dangerous() {
    let bytes = Asm::new()
        .proto(2)
        .global("builtins", "getattr")
        .global("importlib", "import_module")
        .text("builtins")
        .tuple1()
        .reduce()
        .text("eval")
        .tuple2()
        .reduce()
        .stop()
        .finish();
    let report = scan(&bytes);
    let f = report
        .findings
        .iter()
        .find(|f| f.rule == "BRN010")
        .expect("BRN010");
    assert_eq!(
        f.explanation.as_deref(),
        Some("builtins.getattr(importlib.import_module('builtins'), 'eval')")
    );
}

fn call_global(module: &str, name: &str) -> Vec<u8> {
    Asm::call_with_text(module, name, "1")
}

#[test]
fn dotted_and_submodule_names_are_judged() {
    for (module, name) in [
        ("numpy", "__builtins__.eval"),
        ("posixpath", "os.system"),
        ("asyncio.unix_events", "_UnixSubprocessTransport._start"),
        ("__builtin__", "eval"),
        ("cPickle", "loads"),
    ] {
        let report = scan(&call_global(module, name));
        assert!(has(&report, "BRN001"), "{module}.{name}");
    }
    for (module, name) in [
        ("numpy", "dtype"),
        ("__builtin__", "set"),
        ("collections", "OrderedDict"),
    ] {
        assert_eq!(
            scan(&call_global(module, name)).verdict(),
            Verdict::Clean,
            "{module}.{name}"
        );
    }
}

#[test]
fn nested_pickle_in_a_bytes_argument_is_analysed() {
    let inner = Asm::call_with_text("os", "system", "id");
    let outer = |payload: &[u8]| {
        Asm::new()
            .proto(2)
            .global("_codecs", "encode")
            .bytes(payload)
            .tuple1()
            .reduce()
            .stop()
            .finish()
    };
    let report = scan(&outer(&inner));
    let f = report
        .findings
        .iter()
        .find(|f| f.rule == "BRN001")
        .expect("nested BRN001");
    assert!(f.message.starts_with("nested pickle"));
    let twin = scan(&outer(b"just bytes"));
    assert!(twin.verdict() < Verdict::Error);
    assert!(
        !twin
            .findings
            .iter()
            .any(|f| f.message.starts_with("nested"))
    );
}

#[test]
fn nested_pickles_are_followed_two_levels_deep_only() {
    let wrap = |payload: &[u8]| {
        Asm::new()
            .proto(2)
            .global("_codecs", "encode")
            .bytes(payload)
            .tuple1()
            .reduce()
            .stop()
            .finish()
    };
    let level2 = wrap(&wrap(&Asm::call_with_text("os", "system", "id")));
    assert!(has(&scan(&level2), "BRN001"));
    let level3 = wrap(&level2);
    assert!(!has(&scan(&level3), "BRN001"));
}

#[test]
fn globals_record_whether_they_are_invoked() {
    let bytes = Asm::new()
        .proto(2)
        .global("mymodule", "helper")
        .op(b'0')
        .global("mymodule", "Model")
        .op(b')')
        .reduce()
        .stop()
        .finish();
    let report = scan(&bytes);
    let invoked: Vec<(&str, bool)> = report
        .globals
        .iter()
        .map(|g| (g.name.as_str(), g.invoked))
        .collect();
    assert_eq!(invoked, [("helper", false), ("Model", true)]);
    assert_eq!(report.globals[1].offset, 20);
}

#[test]
fn persistent_ids_of_torch_storages_are_fine() {
    let storage = |module: &str, name: &str| {
        Asm::new()
            .proto(2)
            .mark()
            .text("storage")
            .global(module, name)
            .text("0")
            .text("cpu")
            .int(4)
            .op(b't')
            .op(b'Q')
            .stop()
            .finish()
    };
    assert_eq!(
        scan(&storage("torch", "FloatStorage")).verdict(),
        Verdict::Clean
    );
    assert_eq!(scan(&storage("os", "system")).verdict(), Verdict::Dangerous);
}

// ---- limits: no panic, bounded memory ----

/// A reader that yields a header, then `zeros` zero bytes, then a tail, without
/// holding the zeros in memory.
fn streamed(head: Vec<u8>, zeros: u64, tail: Vec<u8>) -> impl Read {
    std::io::Cursor::new(head)
        .chain(std::io::repeat(0).take(zeros))
        .chain(std::io::Cursor::new(tail))
}

#[test]
fn a_one_gigabyte_literal_is_skipped_not_stored() {
    let mut head = vec![0x80, 4, 0x8e];
    head.extend_from_slice(&(1u64 << 30).to_le_bytes());
    let mut reader = streamed(head.clone(), 1 << 30, b".".to_vec());
    let report = analyze_stream(&mut reader, StreamOptions::default(), &Limits::default());
    assert_eq!(report.verdict(), Verdict::Clean);
    assert_eq!(report.consumed, 11 + (1 << 30) + 1);
    // The same claim without the data is truncation.
    let mut reader = streamed(head, 1000, Vec::new());
    let report = analyze_stream(&mut reader, StreamOptions::default(), &Limits::default());
    assert_eq!(codes(&report), ["BRN006"]);
    let mut huge = vec![0x80, 4, 0x8e];
    huge.extend_from_slice(&(1u64 << 63).to_le_bytes());
    assert_eq!(codes(&scan(&huge)), ["BRN006"]);
}

#[test]
fn a_million_deep_list_neither_recurses_nor_overflows() {
    let depth = 1_000_000;
    let mut data = vec![0x80, 2];
    data.extend(std::iter::repeat_n(b']', depth));
    data.extend(std::iter::repeat_n(b'a', depth - 1));
    data.push(b'.');
    let report = scan(&data);
    assert_eq!(report.verdict(), Verdict::Clean);
    let mut marks = vec![0x80, 2];
    marks.extend(std::iter::repeat_n(b'(', depth));
    marks.push(b'.');
    assert_eq!(scan(&marks).verdict(), Verdict::Error);
}

#[test]
fn ten_million_memoize_hit_the_memo_limit() {
    let mut head = vec![0x80, 4, b'N'];
    head.extend(std::iter::repeat_n(0x94u8, 10_000_000));
    head.push(b'.');
    let report = scan(&head);
    assert_eq!(codes(&report), ["BRN007"]);
    let stopped_at = report.findings[0].offset.unwrap_or(0);
    assert_eq!(stopped_at, 3 + Limits::default().max_pickle_memo as u64);
}

#[test]
fn a_lying_frame_is_reported() {
    let mut data = vec![0x80, 4, 0x95];
    data.extend_from_slice(&1000u64.to_le_bytes());
    data.extend_from_slice(b"N.");
    let report = scan(&data);
    assert!(has(&report, "BRN006"));
    assert_eq!(report.verdict(), Verdict::Error);
    let mut honest = vec![0x80, 4, 0x95];
    honest.extend_from_slice(&2u64.to_le_bytes());
    honest.extend_from_slice(b"N.");
    assert_eq!(scan(&honest).verdict(), Verdict::Clean);
}

fn framed(frame_len: u64, body: &[u8]) -> Vec<u8> {
    let mut data = vec![0x80, 4, 0x95];
    data.extend_from_slice(&frame_len.to_le_bytes());
    data.extend_from_slice(body);
    data
}

#[test]
fn an_opcode_straddling_its_frame_is_tamper() {
    // BININT2 is 3 bytes; the frame holds only 2 of them.
    let report = scan(&framed(2, b"M\x01\x00."));
    assert_eq!(codes(&report), ["BRN008"]);
    assert_eq!(report.findings[0].offset, Some(11));
    assert!(codes(&scan(&framed(4, b"M\x01\x00."))).is_empty());
}

#[test]
fn a_frame_inside_a_frame_is_tamper() {
    let mut inner = vec![0x95];
    inner.extend_from_slice(&2u64.to_le_bytes());
    inner.extend_from_slice(b"N.");
    let report = scan(&framed(11, &inner));
    assert!(has(&report, "BRN008"));
    assert!(codes(&scan(&framed(0, &inner))).is_empty());
}

#[test]
fn distinct_globals_are_budgeted() {
    let limits = Limits {
        max_pickle_globals: 10,
        ..Limits::default()
    };
    let mut asm = Asm::new().proto(2);
    for i in 0..20 {
        asm = asm.global("collections", &format!("Name{i}")).op(b'0');
    }
    let report = scan_with(
        &asm.op(b'N').stop().finish(),
        StreamOptions::default(),
        &limits,
    );
    assert!(has(&report, "BRN007"));
    assert_eq!(report.globals.len(), 10);
}

#[test]
fn kept_literal_bytes_are_budgeted_per_pickle() {
    let limits = Limits {
        max_pickle_kept_bytes: 3,
        ..Limits::default()
    };
    // "os" fits the budget, "system" no longer does: the name is not a constant.
    let bytes = Asm::new()
        .proto(4)
        .text("os")
        .text("system")
        .stack_global()
        .stop()
        .finish();
    let report = scan_with(&bytes, StreamOptions::default(), &limits);
    assert_eq!(codes(&report), ["BRN006"]);
    assert!(has(&scan(&bytes), "BRN002"));
}

#[test]
fn a_stack_limit_after_a_payload_keeps_the_payload() {
    let limits = Limits {
        max_pickle_stack: 100,
        ..Limits::default()
    };
    let mut data = Asm::new()
        .proto(2)
        .global("os", "system")
        .text("id")
        .tuple1()
        .reduce()
        .finish();
    data.extend(std::iter::repeat_n(b'N', 200));
    data.push(b'.');
    let report = scan_with(&data, StreamOptions::default(), &limits);
    assert!(has(&report, "BRN001"));
    assert!(has(&report, "BRN007"));
    assert_eq!(report.verdict(), Verdict::Dangerous);
}

#[test]
fn max_pickles_stops_early_and_reports_consumed() {
    let mut data = Asm::new().proto(2).op(b'N').stop().finish();
    data.extend_from_slice(b"raw storage bytes");
    let options = StreamOptions {
        flavor: Flavor::Plain,
        max_pickles: Some(1),
    };
    let report = scan_with(&data, options, &Limits::default());
    assert_eq!(report.verdict(), Verdict::Clean);
    assert_eq!(report.consumed, 4);
}

/// A list filled in APPENDS batches of `batch` floats, `batches` times.
fn float_list(batches: usize, batch: usize) -> Vec<u8> {
    let mut data = vec![0x80, 2, b']'];
    for _ in 0..batches {
        data.push(b'(');
        for i in 0..batch {
            data.push(b'G');
            data.extend_from_slice(&(i as f64).to_be_bytes());
        }
        data.push(b'e');
    }
    data.push(b'.');
    data
}

#[test]
fn dropped_batch_values_are_reclaimed_from_the_value_budget() {
    let limits = Limits {
        max_pickle_values: 2_500,
        ..Limits::default()
    };
    let report = scan_with(&float_list(100, 1000), StreamOptions::default(), &limits);
    assert_eq!(report.verdict(), Verdict::Clean, "{:?}", report.findings);
    // Twin: one batch larger than the budget still hits the limit.
    let report = scan_with(&float_list(1, 5000), StreamOptions::default(), &limits);
    assert_eq!(codes(&report), ["BRN007"]);
}

#[test]
fn memoized_values_survive_reclaiming() {
    // Fill a list past its kept children, then hide "os" in a dropped batch, memoized.
    let mut asm = Asm::new().proto(4).op(b']');
    asm = asm.mark();
    for _ in 0..40 {
        asm = asm.op(b'N');
    }
    asm = asm.op(b'e').mark().text("os").memoize().op(b'N').op(b'e');
    let bytes = asm
        .op(b'0')
        .text("padding")
        .op(b'0')
        .get(0)
        .text("system")
        .stack_global()
        .stop()
        .finish();
    assert!(has(&scan(&bytes), "BRN002"));
}

#[test]
fn findings_per_rule_are_capped() {
    let mut data = vec![0x80, 2];
    for _ in 0..1000 {
        data.extend_from_slice(&[0x82, 0xf0, b'0']);
    }
    data.extend_from_slice(b"N.");
    let report = scan(&data);
    assert_eq!(
        report.findings.len(),
        Limits::default().max_findings_per_rule
    );
    assert_eq!(report.suppressed_findings, 900);
    assert_eq!(report.verdict(), Verdict::Suspicious);
}

// ---- sniffing ----

#[test]
fn sniff_accepts_pickles_and_rejects_everything_else() {
    assert!(sniff(b"\x80\x04\x95\x10\x00"));
    assert!(sniff(b"(lp0\nI1\naI2\na."));
    assert!(sniff(b"cos\nsystem\n(S'id'\ntR."));
    assert!(sniff(b"}q\x00(X\x01\x00\x00\x00aK\x01u."));
    let readme = b"# brine\n\nScans pickles. (c) 2026 the authors.\n";
    let python = b"import os\n\ndef main():\n    print('hi')\n";
    let png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR";
    let license = b"MIT License\n\nCopyright (c) 2026\n";
    let version = b"Version 1.0\nThis is text.\n";
    let notice = b"Note: this file is generated.\n";
    let none = b"None of the above.\n";
    for text in [
        &readme[..],
        &python[..],
        &png[..],
        &license[..],
        &version[..],
        &notice[..],
        &none[..],
        b"",
        b"\x80\x09abc",
    ] {
        assert!(!sniff(text), "{:?}", String::from_utf8_lossy(text));
    }
    // A 16-byte head (what some callers pass) cut inside the first opcodes.
    for proto0 in [
        "setstate_p0.pkl",
        "reduce_os_system_p0.pkl",
        "ordereddict_p0.pkl",
    ] {
        let data = fixture(proto0);
        assert!(sniff(data.get(..16).unwrap_or_default()), "{proto0}");
    }
    assert!(!sniff(b"class Foo(objec"));
    assert!(!sniff(b"(see below)\nfoo"));
    // Random bytes: a fixed-seed generator, so the test is stable.
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut false_positives = 0;
    for _ in 0..2000 {
        let mut buf = [0u8; 64];
        for b in &mut buf {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            *b = (state >> 24) as u8;
        }
        if buf.first() != Some(&0x80) && sniff(&buf) {
            false_positives += 1;
        }
    }
    assert!(
        false_positives <= 4,
        "{false_positives} random buffers sniffed as pickles"
    );
}

// ---- property tests ----

/// Plain data for the round-trip property.
#[derive(Clone, Debug)]
enum Plain {
    Int(i32),
    Text(String),
    Bytes(Vec<u8>),
    List(Vec<Plain>),
    Tuple(Vec<Plain>),
    Dict(Vec<(String, Plain)>),
}

fn encode(value: &Plain, out: &mut Vec<u8>) {
    match value {
        Plain::Int(v) => {
            out.push(b'J');
            out.extend_from_slice(&v.to_le_bytes());
        }
        Plain::Text(s) => {
            out.push(b'X');
            out.extend_from_slice(&(s.len() as u32).to_le_bytes());
            out.extend_from_slice(s.as_bytes());
        }
        Plain::Bytes(b) => {
            out.push(b'B');
            out.extend_from_slice(&(b.len() as u32).to_le_bytes());
            out.extend_from_slice(b);
        }
        Plain::List(items) => {
            out.extend_from_slice(b"](");
            for item in items {
                encode(item, out);
            }
            out.push(b'e');
        }
        Plain::Tuple(items) => {
            out.push(b'(');
            for item in items {
                encode(item, out);
            }
            out.push(b't');
        }
        Plain::Dict(items) => {
            out.extend_from_slice(b"}(");
            for (k, v) in items {
                encode(&Plain::Text(k.clone()), out);
                encode(v, out);
            }
            out.push(b'u');
        }
    }
}

fn plain_strategy() -> impl proptest::strategy::Strategy<Value = Plain> {
    use proptest::prelude::*;
    let leaf = prop_oneof![
        any::<i32>().prop_map(Plain::Int),
        ".{0,20}".prop_map(Plain::Text),
        proptest::collection::vec(any::<u8>(), 0..40).prop_map(Plain::Bytes),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..8).prop_map(Plain::List),
            proptest::collection::vec(inner.clone(), 0..8).prop_map(Plain::Tuple),
            proptest::collection::vec(("[a-z]{1,6}", inner), 0..8).prop_map(Plain::Dict),
        ]
    })
}

/// Opcode snippets that decode cleanly, for streams that get past the decoder.
const SNIPPETS: &[&[u8]] = &[
    b"(",
    b"]",
    b"}",
    b")",
    b"N",
    b"K\x01",
    b"X\x01\x00\x00\x00a",
    b"X\x02\x00\x00\x00os",
    b"X\x06\x00\x00\x00system",
    b"\x94",
    b"h\x00",
    b"h\x01",
    b"q\x01",
    b"\x93",
    b"R",
    b"b",
    b"o",
    b"\x81",
    b"\x92",
    b"a",
    b"e",
    b"s",
    b"u",
    b"0",
    b"1",
    b"2",
    b"\x85",
    b"\x86",
    b"\x87",
    b"t",
    b"l",
    b"d",
    b"cos\nsystem\n",
    b"cbuiltins\ngetattr\n",
    b"\x82\x01",
    b"Q",
    b".",
    b"\x8f",
    b"\x90",
    b"\x91",
    b"\x80\x04",
    b"\x95\x03\x00\x00\x00\x00\x00\x00\x00",
];

proptest::proptest! {
    #![proptest_config(proptest::test_runner::Config::with_cases(256))]

    #[test]
    fn arbitrary_bytes_never_panic(data in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..512)) {
        let report = scan(&data);
        proptest::prop_assert!(report.consumed <= data.len() as u64);
        let mut with_header = vec![0x80, 4];
        with_header.extend_from_slice(&data);
        let _ = scan(&with_header);
        let _ = sniff(&data);
    }

    #[test]
    fn referenced_dangerous_globals_always_make_the_stream_dangerous(
        picks in proptest::collection::vec(0..SNIPPETS.len(), 0..120)
    ) {
        let data: Vec<u8> = picks
            .iter()
            .flat_map(|i| SNIPPETS.get(*i).copied().unwrap_or_default().iter().copied())
            .collect();
        let report = scan(&data);
        proptest::prop_assert!(report.consumed <= data.len() as u64);
        if report.globals.iter().any(|g| g.module == "os") {
            proptest::prop_assert_eq!(report.verdict(), Verdict::Dangerous);
        }
        if !report.findings.is_empty() || report.pickles == 0 {
            proptest::prop_assert!(report.verdict() > Verdict::Clean);
        }
        for f in &report.findings {
            proptest::prop_assert!(f.offset.is_some(), "{:?}", f);
            if matches!(f.verdict, Verdict::Dangerous | Verdict::Suspicious) {
                proptest::prop_assert!(f.explanation.is_some(), "{:?}", f);
            }
        }
    }

    #[test]
    fn plain_data_round_trips_clean(value in plain_strategy()) {
        let mut data = vec![0x80, 2];
        encode(&value, &mut data);
        data.push(b'.');
        let report = scan(&data);
        proptest::prop_assert_eq!(report.verdict(), Verdict::Clean, "{:?}", report.findings);
        proptest::prop_assert_eq!(report.pickles, 1);
        proptest::prop_assert_eq!(report.consumed, data.len() as u64);
        proptest::prop_assert!(sniff(&data));
    }
}

/// Throughput and memory of a real file, measured by hand (never in CI):
/// `BRINE_PICKLE_FILE=big.pkl cargo test --release -p brine-scanner --lib
/// pickle::tests::measure_file_from_env -- --ignored --nocapture`
#[test]
#[ignore = "needs BRINE_PICKLE_FILE; run by hand to measure"]
fn measure_file_from_env() {
    let Some(path) = std::env::var_os("BRINE_PICKLE_FILE") else {
        return;
    };
    let file = std::fs::File::open(&path).expect("open BRINE_PICKLE_FILE");
    let mut reader = std::io::BufReader::new(file);
    let started = std::time::Instant::now();
    let report = analyze_stream(&mut reader, StreamOptions::default(), &Limits::default());
    let seconds = started.elapsed().as_secs_f64();
    let megabytes = report.consumed as f64 / 1e6;
    println!(
        "{megabytes:.1} MB, {} opcodes, {:.3} s, {:.1} MB/s, verdict {:?}, findings {:?}",
        report.opcodes,
        seconds,
        megabytes / seconds,
        report.verdict(),
        codes(&report)
    );
}
