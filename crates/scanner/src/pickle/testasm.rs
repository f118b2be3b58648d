//! Test-only pickle assembler: builds byte strings opcode by opcode, for the tricks no
//! Python pickler would write (decoys, memo games, broken streams).
//!
//! Test code only; it must never be used to analyse anything.

use super::{StreamOptions, StreamReport, analyze_stream};
use crate::limits::Limits;

/// A pickle under construction.
#[derive(Clone, Debug, Default)]
pub struct Asm(pub Vec<u8>);

impl Asm {
    /// An empty stream.
    pub fn new() -> Self {
        Asm(Vec::new())
    }

    /// A protocol-4 header.
    pub fn proto(self, p: u8) -> Self {
        self.raw(&[0x80, p])
    }

    /// Raw bytes.
    pub fn raw(mut self, bytes: &[u8]) -> Self {
        self.0.extend_from_slice(bytes);
        self
    }

    /// One opcode byte.
    pub fn op(self, code: u8) -> Self {
        self.raw(&[code])
    }

    /// `c module\nname\n`
    pub fn global(self, module: &str, name: &str) -> Self {
        self.op(b'c')
            .raw(module.as_bytes())
            .op(b'\n')
            .raw(name.as_bytes())
            .op(b'\n')
    }

    /// `i module\nname\n`
    pub fn inst(self, module: &str, name: &str) -> Self {
        self.op(b'i')
            .raw(module.as_bytes())
            .op(b'\n')
            .raw(name.as_bytes())
            .op(b'\n')
    }

    /// BINUNICODE.
    pub fn text(self, s: &str) -> Self {
        let len = u32::try_from(s.len()).unwrap_or(u32::MAX);
        self.op(b'X').raw(&len.to_le_bytes()).raw(s.as_bytes())
    }

    /// Protocol-0 STRING, single-quoted (no escapes needed by the tests).
    pub fn string0(self, s: &str) -> Self {
        self.op(b'S').op(b'\'').raw(s.as_bytes()).raw(b"'\n")
    }

    /// BINBYTES.
    pub fn bytes(self, b: &[u8]) -> Self {
        let len = u32::try_from(b.len()).unwrap_or(u32::MAX);
        self.op(b'B').raw(&len.to_le_bytes()).raw(b)
    }

    /// BININT.
    pub fn int(self, v: i32) -> Self {
        self.op(b'J').raw(&v.to_le_bytes())
    }

    /// BINPUT.
    pub fn put(self, slot: u8) -> Self {
        self.op(b'q').op(slot)
    }

    /// BINGET.
    pub fn get(self, slot: u8) -> Self {
        self.op(b'h').op(slot)
    }

    /// MEMOIZE.
    pub fn memoize(self) -> Self {
        self.op(0x94)
    }

    /// STACK_GLOBAL.
    pub fn stack_global(self) -> Self {
        self.op(0x93)
    }

    /// TUPLE1.
    pub fn tuple1(self) -> Self {
        self.op(0x85)
    }

    /// TUPLE2.
    pub fn tuple2(self) -> Self {
        self.op(0x86)
    }

    /// TUPLE3.
    pub fn tuple3(self) -> Self {
        self.op(0x87)
    }

    /// REDUCE.
    pub fn reduce(self) -> Self {
        self.op(b'R')
    }

    /// MARK.
    pub fn mark(self) -> Self {
        self.op(b'(')
    }

    /// STOP.
    pub fn stop(self) -> Self {
        self.op(b'.')
    }

    /// The bytes.
    pub fn finish(self) -> Vec<u8> {
        self.0
    }

    /// `module.name(arg)` with a string argument, protocol 2, ending in STOP.
    pub fn call_with_text(module: &str, name: &str, arg: &str) -> Vec<u8> {
        Asm::new()
            .proto(2)
            .global(module, name)
            .text(arg)
            .tuple1()
            .reduce()
            .stop()
            .finish()
    }
}

/// Analyse bytes with default limits.
pub fn scan(bytes: &[u8]) -> StreamReport {
    scan_with(bytes, StreamOptions::default(), &Limits::default())
}

/// Analyse bytes with the given options and limits.
pub fn scan_with(bytes: &[u8], options: StreamOptions, limits: &Limits) -> StreamReport {
    let mut cursor = bytes;
    analyze_stream(&mut cursor, options, limits)
}

/// The rule codes of a report, in order.
pub fn codes(report: &StreamReport) -> Vec<&'static str> {
    report.findings.iter().map(|f| f.rule).collect()
}
