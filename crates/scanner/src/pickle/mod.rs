//! The symbolic pickle machine.
//!
//! Follows a pickle stream opcode by opcode the way CPython's unpickler would, with a
//! real stack, memo and marks, and records what the stream would import (globals) and
//! call (REDUCE, INST, OBJ, NEWOBJ, NEWOBJ_EX, BUILD with `__setstate__`), with symbolic
//! arguments and byte offsets. A policy then judges each import and call.
//!
//! It must never import, execute or evaluate anything, never recurse on input-controlled
//! depth, and never allocate beyond [`crate::Limits`].
//!
//! Layout: [`opcodes`] decodes, [`vm`] runs one pickle, [`value`] holds and renders
//! symbolic values, [`policy`] judges globals; this module drives a whole stream
//! (pickles back to back, trailing data, joblib's interleaved arrays) and sniffs.

pub mod opcodes;
pub mod policy;
#[cfg(test)]
pub(crate) mod testasm;
#[cfg(test)]
mod tests;
pub mod value;
pub mod vm;

use std::io::Read;

use crate::finding::{Finding, Verdict};
use crate::limits::Limits;
use crate::rules::pickle as rules;
use opcodes::{Op, OpReader, ReadError};
use vm::{Break, End, Machine, StreamState};
/// How the stream is laid out around its pickles.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Flavor {
    /// Pickles back to back until the end of the stream.
    #[default]
    Plain,
    /// joblib: raw array bytes follow the BUILD of each `NumpyArrayWrapper`.
    Joblib,
}

/// Options for one stream.
#[derive(Clone, Copy, Debug, Default)]
pub struct StreamOptions {
    /// Layout flavor.
    pub flavor: Flavor,
    /// Stop after this many pickles (legacy PyTorch: the rest of the file is raw storage).
    pub max_pickles: Option<usize>,
}

/// A global the stream references.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GlobalRef {
    /// Module as written in the stream.
    pub module: String,
    /// Name (possibly dotted) as written in the stream.
    pub name: String,
    /// Offset of the opcode that first pushed it.
    pub offset: u64,
    /// Whether the stream calls it (directly, after a memo fetch, or by instantiating it
    /// through `copyreg._reconstructor`-style helpers).
    pub invoked: bool,
}

/// What one stream would do.
#[derive(Clone, Debug, Default)]
pub struct StreamReport {
    /// Findings, with offsets relative to the start of the stream.
    pub findings: Vec<Finding>,
    /// Every distinct global referenced (GLOBAL, STACK_GLOBAL, INST, resolved EXT, or a
    /// constant `getattr` on a global), in order of first reference.
    pub globals: Vec<GlobalRef>,
    /// Complete pickles read.
    pub pickles: usize,
    /// Bytes of the stream analysed (up to the last STOP when `max_pickles` stopped it).
    /// The reader itself is read ahead through a buffer, so a caller that goes on after
    /// the pickles (legacy torch storages) must seek to this offset, not rely on the
    /// reader's position.
    pub consumed: u64,
    /// Opcodes run.
    pub opcodes: u64,
    /// Calls whose result the stream threw away with POP (a way to hide a call).
    pub discarded_calls: usize,
    /// Findings left out because their rule hit `max_findings_per_rule`.
    pub suppressed_findings: usize,
    /// Persistent ids loaded (PERSID/BINPERSID; torch storages).
    pub persistent_ids: u64,
}

impl StreamReport {
    /// The combined verdict of the stream.
    #[must_use]
    pub fn verdict(&self) -> Verdict {
        crate::finding::combine(self.findings.iter().map(|f| f.verdict))
    }
}

/// Whether `head` (the first bytes of a file or member) starts like a pickle stream.
///
/// Protocol 2+ pickles start with PROTO; protocol 0/1 pickles have no header, so they are
/// accepted only when their first opcodes decode as a plausible pickle prefix.
#[must_use]
pub fn sniff(head: &[u8]) -> bool {
    match head {
        [0x80, proto, rest @ ..] if *proto <= 5 => {
            rest.first().is_none_or(|op| OPCODE_BYTES.contains(op))
        }
        [first, ..] if PLAUSIBLE_FIRST_OPS.contains(first) => decodes_plausibly(head, 3),
        _ => false,
    }
}

/// Opcodes a protocol 0/1 pickle of real data starts with (containers, objects, text-form
/// scalars); binary scalar opcodes are left out because they are ordinary letters.
const PLAUSIBLE_FIRST_OPS: &[u8] = b"(]})cINLFSV";

/// Every opcode byte of protocols 0–5.
const OPCODE_BYTES: &[u8] =
    b"IJKMLSTUBCNVXFG]ael)t}dsu0(2g1hjpqrcRbiotP.Q\x80\x81\x82\x83\x84\x85\x86\x87\x88\x89\x8a\x8b\x8c\x8d\x8e\x8f\x90\x91\x92\x93\x94\x95\x96\x97\x98";

/// Whether the opcodes in `head` decode without error, with identifier-like GLOBAL
/// fields and a stack that never underflows, reaching `needed` opcodes or a STOP.
/// Text like `Note:` decodes as opcodes (`N`, `o`, `t`, `e`) but OBJ without a MARK
/// underflows, so it is rejected.
fn decodes_plausibly(head: &[u8], needed: usize) -> bool {
    let mut cursor = head;
    let mut reader = OpReader::with_buffer(&mut cursor, 256, head.len());
    let mut decoded = 0;
    // Items per mark frame: frames[0] is the bottom of the stack.
    let mut frames: Vec<usize> = vec![0];
    loop {
        let op_start = usize::try_from(reader.offset()).unwrap_or(usize::MAX);
        match reader.next_op() {
            Ok(Some(located)) => {
                decoded += 1;
                match located.op {
                    Op::Unknown(_) => return false,
                    Op::Global { module, name } | Op::Inst { module, name }
                        if !is_dotted_identifier(&module.kept)
                            || !is_dotted_identifier(&name.kept) =>
                    {
                        return false;
                    }
                    Op::Stop => return decoded >= needed.min(2) && frames.last() >= Some(&1),
                    op => {
                        if !apply_stack_effect(&op, &mut frames) {
                            return false;
                        }
                    }
                }
                if decoded >= needed {
                    return true;
                }
            }
            Ok(None) => return decoded >= needed,
            // A prefix cut mid-opcode is fine once enough opcodes decoded; a short head
            // (callers often pass 16 bytes) may end inside the first opcodes, such as a
            // protocol-0 `ccopy_reg\n_reconstructor\n`.
            Err(ReadError::Truncated { .. }) => {
                let rest = head.get(op_start..).unwrap_or_default();
                let partial_ok = is_partial_global(rest) || (decoded >= 1 && is_partial_memo(rest));
                return decoded >= needed || (head.len() < SHORT_HEAD && partial_ok);
            }
            Err(_) => return false,
        }
    }
}

/// Below this many bytes a head may be cut inside the first opcodes of a real pickle.
const SHORT_HEAD: usize = 64;

/// Whether `rest` is the start of a GLOBAL or INST opcode cut by the end of the head:
/// `c` or `i`, a dotted-identifier module line, and maybe the start of the name.
fn is_partial_global(rest: &[u8]) -> bool {
    let Some((op, fields)) = rest.split_first() else {
        return false;
    };
    if !matches!(op, b'c' | b'i') {
        return false;
    }
    let mut lines = fields.splitn(2, |b| *b == b'\n');
    let module = lines.next().unwrap_or_default();
    let name = lines.next().unwrap_or_default();
    is_dotted_identifier(module) && (name.is_empty() || is_dotted_identifier(name))
}

/// Whether `rest` is the start of a protocol-0 PUT or GET (`p12`) cut by the end of the head.
fn is_partial_memo(rest: &[u8]) -> bool {
    match rest.split_first() {
        Some((b'p' | b'g', digits)) => digits.iter().all(u8::is_ascii_digit),
        _ => false,
    }
}

/// Apply an opcode's effect on stack depth; false on underflow or a missing MARK.
fn apply_stack_effect(op: &Op, frames: &mut Vec<usize>) -> bool {
    // Opcodes that consume everything above the last MARK, and what they leave behind:
    // a new value, the container below the mark (still there), or nothing.
    let from_mark = match op {
        Op::Mark => {
            frames.push(0);
            return true;
        }
        Op::Tuple | Op::List | Op::Dict | Op::FrozenSet | Op::Inst { .. } => Some((0, 1)),
        Op::Obj => Some((1, 1)),
        Op::Appends | Op::SetItems | Op::AddItems => Some((0, 0)),
        Op::PopMark => Some((0, 0)),
        _ => None,
    };
    if let Some((min_items, pushes)) = from_mark {
        let needs_container = matches!(op, Op::Appends | Op::SetItems | Op::AddItems);
        if frames.len() < 2 || frames.pop().unwrap_or(0) < min_items {
            return false;
        }
        let Some(below) = frames.last_mut() else {
            return false;
        };
        if needs_container && *below == 0 {
            return false;
        }
        *below += pushes;
        return true;
    }
    // (items needed, items popped, items pushed) within the current frame.
    let (needs, pops, pushes) = match op {
        Op::Pop | Op::Put(_) | Op::Memoize | Op::ReadonlyBuffer => {
            (1, usize::from(matches!(op, Op::Pop)), 0)
        }
        Op::Dup => (1, 0, 1),
        Op::Append | Op::Build => (2, 1, 0),
        Op::SetItem => (3, 2, 0),
        Op::Reduce | Op::NewObj | Op::StackGlobal => (2, 2, 1),
        Op::NewObjEx => (3, 3, 1),
        Op::TupleN(n) => (usize::from(*n), usize::from(*n), 1),
        Op::BinPersId => (1, 1, 1),
        Op::Proto(_) | Op::Frame(_) => (0, 0, 0),
        _ => (0, 0, 1),
    };
    let Some(top) = frames.last_mut() else {
        return false;
    };
    if *top < needs {
        return false;
    }
    *top = *top - pops + pushes;
    true
}

fn is_dotted_identifier(text: &[u8]) -> bool {
    !text.is_empty()
        && text.split(|b| *b == b'.').all(|part| {
            part.first()
                .is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_')
                && part.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'_')
        })
}

/// Analyse a stream of pickles.
pub fn analyze_stream(
    reader: &mut dyn Read,
    options: StreamOptions,
    limits: &Limits,
) -> StreamReport {
    analyze_at_depth(reader, options, limits, 0)
}

/// Analyse a stream that is nested `depth` pickles deep (a pickle inside a literal).
pub(crate) fn analyze_at_depth(
    reader: &mut dyn Read,
    options: StreamOptions,
    limits: &Limits,
    depth: usize,
) -> StreamReport {
    let mut state = StreamState::new(limits, depth);
    let mut reader = OpReader::new(reader, limits.max_kept_literal);
    let mut pickles = 0usize;
    loop {
        let start = reader.offset();
        let findings_before = state.findings.len();
        let globals_before = state.globals.len();
        let end = Machine::new(&mut state, options.flavor).run(&mut reader);
        match end {
            End::Stopped => pickles += 1,
            End::Empty => {
                if pickles == 0 {
                    state.findings.push(rules::malformed_stream::finding(
                        "the stream is empty",
                        start,
                    ));
                }
                break;
            }
            End::Broken(Break::Malformed { why, offset }) => {
                // Bytes after a complete pickle that break without importing or
                // reporting anything are trailing data, not a broken pickle. The break
                // itself is always reported, whatever the per-rule cap.
                let harmless_garbage = pickles > 0
                    && state.globals.len() == globals_before
                    && state.findings.len() == findings_before;
                if harmless_garbage {
                    state
                        .findings
                        .push(rules::trailing_data::finding(start, &why));
                } else {
                    state
                        .findings
                        .push(rules::malformed_stream::finding(&why, offset));
                }
                break;
            }
            End::Broken(Break::Limit { why, offset }) => {
                state
                    .findings
                    .push(rules::limit_exceeded::finding(&why, offset));
                break;
            }
        }
        if options.max_pickles.is_some_and(|max| pickles >= max) {
            break;
        }
        match reader.at_eof() {
            Ok(true) => break,
            Ok(false) => {}
            Err(e) => {
                let at = reader.offset();
                state
                    .findings
                    .push(rules::malformed_stream::finding(&e.to_string(), at));
                break;
            }
        }
        if pickles >= limits.max_pickles_per_stream {
            let at = reader.offset();
            state.findings.push(rules::limit_exceeded::finding(
                &format!(
                    "more than {} pickles in one stream",
                    limits.max_pickles_per_stream
                ),
                at,
            ));
            break;
        }
    }
    state.sweep_references();
    let mut findings: Vec<Finding> = state.findings;
    findings.sort_by_key(|f| f.offset.unwrap_or(0));
    StreamReport {
        findings,
        globals: state.globals,
        pickles,
        consumed: reader.offset(),
        opcodes: state.opcodes,
        discarded_calls: state.discarded_calls,
        suppressed_findings: state.suppressed_findings,
        persistent_ids: state.persistent_ids,
    }
}
