//! The symbolic machine: runs one pickle's opcodes against a real stack, marks and memo
//! of symbolic values, and reports what would be imported and called.
//!
//! Globals are judged through [`super::policy`] only. A call is judged when it happens
//! (with its rendered arguments as the explanation); globals that are only referenced are
//! judged at the end of the stream by the driver in [`super`].
//!
//! It must never import, call or evaluate anything, never recurse on input-controlled
//! depth, and never allocate beyond the budgets in [`crate::Limits`]: every push checks
//! the stack budget, every new value the arena budget, every memo slot the memo budget.

use std::collections::HashMap;

use super::opcodes::{IntArg, Located, Op, OpReader, ReadError};
use super::policy::{self, Judgement};
use super::value::{
    Call, CallKind, Children, Idx, Node, Renderer, TextKind, const_str, tuple_items,
};
use super::{Flavor, GlobalRef};
use crate::finding::{Finding, Verdict};
use crate::limits::Limits;
use crate::rules::pickle as rules;

/// Why one pickle stopped before its STOP.
#[derive(Debug)]
pub enum Break {
    /// The stream is not a well-formed pickle (or ended early).
    Malformed {
        /// What went wrong.
        why: String,
        /// Where.
        offset: u64,
    },
    /// A budget ran out.
    Limit {
        /// Which budget.
        why: String,
        /// Where.
        offset: u64,
    },
}

/// How one pickle ended.
#[derive(Debug)]
pub enum End {
    /// STOP reached.
    Stopped,
    /// The input was empty where a pickle should start.
    Empty,
    /// The pickle broke.
    Broken(Break),
}

/// What persists across the pickles of one stream.
pub struct StreamState<'l> {
    /// Budgets.
    pub limits: &'l Limits,
    /// Nesting depth of this stream (0 for the top).
    pub depth: usize,
    /// Findings so far.
    pub findings: Vec<Finding>,
    /// Globals, deduplicated by module and name, in first-seen order.
    pub globals: Vec<GlobalRef>,
    global_index: HashMap<(String, String), u32>,
    /// The policy's judgement of each global, asked once per stream: a pickle calls the
    /// same few globals many times.
    judged: HashMap<u32, Judgement>,
    /// Extension codes registered by `copyreg.add_extension` calls in the stream.
    extensions: HashMap<i64, (String, String)>,
    /// Which (global, rule) pairs already have a finding.
    reported: std::collections::HashSet<(u32, &'static str)>,
    /// Opcodes run so far in the stream.
    pub opcodes: u64,
    /// Calls whose result was discarded by POP.
    pub discarded_calls: usize,
    /// Findings per rule, for the per-rule cap.
    per_rule: HashMap<&'static str, usize>,
    /// Findings dropped by the per-rule cap.
    pub suppressed_findings: usize,
    /// PERSID/BINPERSID opcodes seen (torch storages are persistent ids).
    pub persistent_ids: u64,
}

impl<'l> StreamState<'l> {
    /// Fresh state for a stream at `depth`.
    #[must_use]
    pub fn new(limits: &'l Limits, depth: usize) -> Self {
        StreamState {
            limits,
            depth,
            findings: Vec::new(),
            globals: Vec::new(),
            global_index: HashMap::new(),
            judged: HashMap::new(),
            extensions: HashMap::new(),
            reported: std::collections::HashSet::new(),
            opcodes: 0,
            discarded_calls: 0,
            per_rule: HashMap::new(),
            suppressed_findings: 0,
            persistent_ids: 0,
        }
    }

    /// Whether one more finding of `rule` fits under the per-rule cap.
    #[must_use]
    pub fn wants(&self, rule: &str) -> bool {
        self.per_rule.get(rule).copied().unwrap_or(0) < self.limits.max_findings_per_rule
    }

    /// Add a finding unless its rule is over the cap; returns its index.
    pub fn add(&mut self, finding: Finding) -> Option<u32> {
        if !self.wants(finding.rule) {
            self.suppressed_findings = self.suppressed_findings.saturating_add(1);
            return None;
        }
        *self.per_rule.entry(finding.rule).or_insert(0) += 1;
        let at = u32::try_from(self.findings.len()).ok();
        self.findings.push(finding);
        at
    }

    fn intern_global(&mut self, module: String, name: String, offset: u64) -> Result<u32, Break> {
        let key = (module, name);
        if let Some(g) = self.global_index.get(&key) {
            return Ok(*g);
        }
        let over = Break::Limit {
            why: format!(
                "more than {} distinct globals",
                self.limits.max_pickle_globals
            ),
            offset,
        };
        if self.globals.len() >= self.limits.max_pickle_globals {
            return Err(over);
        }
        let g = u32::try_from(self.globals.len()).map_err(|_| over)?;
        self.globals.push(GlobalRef {
            module: key.0.clone(),
            name: key.1.clone(),
            offset,
            invoked: false,
        });
        self.global_index.insert(key, g);
        Ok(g)
    }

    fn first_report(&mut self, g: u32, rule: &'static str) -> bool {
        self.reported.insert((g, rule))
    }

    /// Judge the globals that were referenced but never invoked.
    /// The policy's judgement of global `g` (Unknown for an index that does not exist).
    fn judge(&mut self, g: u32) -> Judgement {
        if let Some(j) = self.judged.get(&g) {
            return *j;
        }
        let judgement = self
            .globals
            .get(g as usize)
            .map_or(Judgement::Unknown, |r| {
                policy::judge_global(&r.module, &r.name)
            });
        self.judged.insert(g, judgement);
        judgement
    }

    pub fn sweep_references(&mut self) {
        for g in 0..self.globals.len() {
            let Some(global) = self.globals.get(g) else {
                continue;
            };
            if global.invoked {
                continue;
            }
            let target = format!("{}.{}", global.module, global.name);
            let offset = global.offset;
            let g32 = u32::try_from(g).unwrap_or(u32::MAX);
            let finding = match self.judge(g32) {
                Judgement::Safe => None,
                Judgement::Dangerous(why) => {
                    Some(rules::dangerous_reference::finding(&target, why, offset))
                }
                Judgement::Unknown => Some(rules::non_allowlisted_global::finding(
                    &target, false, offset, None,
                )),
            };
            let g = u32::try_from(g).unwrap_or(u32::MAX);
            if let Some(f) = finding
                && self.first_report(g, f.rule)
            {
                self.add(f);
            }
        }
    }
}

/// The memo: slots below the memo budget in a dense vector (MEMOIZE and picklers count
/// up from 0), any others in a map. Never larger than the budget allows.
struct Memo {
    dense: Vec<Idx>,
    dense_limit: usize,
    sparse: HashMap<u64, Idx>,
    /// Slots in use.
    len: usize,
}

/// Marks an empty dense slot; no node gets this index (see [`Machine::new_node`]).
const EMPTY_SLOT: Idx = Idx::MAX;

/// Bytes of a literal argument checked for an embedded pickle before converting it whole.
const NESTED_SNIFF_HEAD: usize = 256;

impl Memo {
    fn new(dense_limit: usize) -> Self {
        Memo {
            dense: Vec::new(),
            dense_limit,
            sparse: HashMap::new(),
            len: 0,
        }
    }

    fn get(&self, slot: u64) -> Option<Idx> {
        match usize::try_from(slot) {
            Ok(i) if i < self.dense_limit => {
                self.dense.get(i).copied().filter(|v| *v != EMPTY_SLOT)
            }
            _ => self.sparse.get(&slot).copied(),
        }
    }

    fn insert(&mut self, slot: u64, idx: Idx) {
        match usize::try_from(slot) {
            Ok(i) if i < self.dense_limit => {
                if i >= self.dense.len() {
                    self.dense.resize(i + 1, EMPTY_SLOT);
                }
                if let Some(cell) = self.dense.get_mut(i) {
                    if *cell == EMPTY_SLOT {
                        self.len += 1;
                    }
                    *cell = idx;
                }
            }
            _ => {
                if self.sparse.insert(slot, idx).is_none() {
                    self.len += 1;
                }
            }
        }
    }
}

/// Result of one opcode step.
type Step = Result<(), Break>;

/// The machine for one pickle.
pub struct Machine<'s, 'l> {
    state: &'s mut StreamState<'l>,
    flavor: Flavor,
    arena: Vec<Node>,
    stack: Vec<Idx>,
    /// Per mark: the stack length and the arena length when it was set.
    marks: Vec<(usize, usize)>,
    memo: Memo,
    /// Highest node index an older node (memo, container, BUILD target) refers to;
    /// nodes above it that nothing kept can be reclaimed.
    pinned: Option<Idx>,
    /// Literals already analysed as embedded pickles.
    nested_checked: std::collections::BTreeSet<Idx>,
    /// Literal bytes kept so far in this pickle.
    kept_bytes: usize,
    proto_seen: bool,
    first_op: bool,
}

fn malformed(why: impl Into<String>, offset: u64) -> Break {
    Break::Malformed {
        why: why.into(),
        offset,
    }
}

fn from_read_error(e: ReadError, offset: u64) -> Break {
    match e {
        ReadError::Truncated { at, .. } => malformed(e.to_string(), at),
        other => malformed(other.to_string(), offset),
    }
}

/// The item size numpy gives `numpy.dtype(code)` after `__setstate__` with `elsize`:
/// the state's size counts only for flexible kinds (void, bytes, str), as in numpy.
pub(crate) fn numpy_itemsize(code: &str, elsize: Option<i64>) -> Option<u64> {
    let code = code.trim_start_matches(['<', '>', '=', '|']);
    let kind = code.chars().next()?;
    if matches!(kind, 'V' | 'S' | 'U' | 'a')
        && let Some(size) = elsize.and_then(|e| u64::try_from(e).ok())
        && size > 0
    {
        return Some(size);
    }
    let digits: String = code
        .chars()
        .skip(1)
        .take_while(char::is_ascii_digit)
        .collect();
    let count = digits.parse::<u64>().ok()?;
    if kind == 'U' {
        // Unicode arrays hold UCS-4 code points.
        count.checked_mul(4)
    } else {
        Some(count)
    }
}

/// Names under which `getattr` is importable.
fn is_getattr(module: &str, name: &str) -> bool {
    name == "getattr" && matches!(module, "builtins" | "__builtin__" | "__builtins__")
}

/// Safe helpers that instantiate the class given as their first argument.
fn instantiates_first_argument(module: &str, name: &str) -> bool {
    matches!(
        (module, name),
        (
            "copyreg" | "copy_reg",
            "_reconstructor" | "__newobj__" | "__newobj_ex__"
        ) | (
            "numpy.core.multiarray" | "numpy._core.multiarray",
            "_reconstruct"
        )
    )
}

fn is_identifier(text: &str) -> bool {
    let mut chars = text.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_')
}

fn is_dunder(text: &str) -> bool {
    text.len() > 4 && text.starts_with("__") && text.ends_with("__")
}

impl<'s, 'l> Machine<'s, 'l> {
    /// A machine for one pickle of the stream.
    pub fn new(state: &'s mut StreamState<'l>, flavor: Flavor) -> Self {
        let memo_budget = state.limits.max_pickle_memo;
        Machine {
            state,
            flavor,
            arena: Vec::new(),
            stack: Vec::new(),
            marks: Vec::new(),
            memo: Memo::new(memo_budget),
            pinned: None,
            nested_checked: std::collections::BTreeSet::new(),
            kept_bytes: 0,
            proto_seen: false,
            first_op: true,
        }
    }

    /// Run opcodes until STOP, a break, or the end of input.
    pub fn run(mut self, reader: &mut OpReader<'_>) -> End {
        loop {
            let offset = reader.offset();
            let located = match reader.next_op() {
                Ok(Some(l)) => l,
                Ok(None) if self.first_op => return End::Empty,
                Ok(None) => {
                    return End::Broken(malformed(
                        "the stream ends before the pickle's STOP opcode",
                        offset,
                    ));
                }
                Err(e) => return End::Broken(from_read_error(e, offset)),
            };
            self.note_frame_issues(reader);
            self.state.opcodes = self.state.opcodes.saturating_add(1);
            if self.state.opcodes > self.state.limits.max_pickle_opcodes {
                return End::Broken(Break::Limit {
                    why: format!("more than {} opcodes", self.state.limits.max_pickle_opcodes),
                    offset: located.offset,
                });
            }
            let first = std::mem::replace(&mut self.first_op, false);
            if matches!(located.op, Op::Stop) {
                return match self.stop(&located) {
                    Ok(()) => {
                        self.note_leftover_frame(reader);
                        End::Stopped
                    }
                    Err(b) => End::Broken(b),
                };
            }
            if let Err(b) = self.step(located, first, reader) {
                return End::Broken(b);
            }
        }
    }

    fn note_frame_issues(&mut self, reader: &mut OpReader<'_>) {
        if let Some(at) = reader.frame_issues.straddled_at.take() {
            self.tamper("an opcode straddles the end of its FRAME", at);
        }
        if let Some(at) = reader.frame_issues.nested_at.take() {
            self.tamper("a FRAME begins before the previous frame ends", at);
        }
    }

    fn note_leftover_frame(&mut self, reader: &mut OpReader<'_>) {
        if let Some(left) = reader.frame_remaining() {
            let at = reader.offset();
            let eof = reader.at_eof().unwrap_or(true);
            if eof {
                // CPython reads a whole frame up front, so this load fails: fail closed.
                self.state.add(rules::malformed_stream::finding(
                    &format!("the last FRAME claims {left} bytes more than the stream holds"),
                    at,
                ));
            } else {
                self.tamper(
                    &format!("the last FRAME extends {left} bytes past the pickle's STOP"),
                    at,
                );
            }
            reader.end_frame();
        }
    }

    fn stop(&mut self, located: &Located) -> Step {
        self.pop(located.offset).map(|_| ())
    }

    fn new_node(&mut self, node: Node, offset: u64) -> Result<Idx, Break> {
        if self.arena.len() >= self.state.limits.max_pickle_values {
            return Err(Break::Limit {
                why: format!(
                    "more than {} values in one pickle",
                    self.state.limits.max_pickle_values
                ),
                offset,
            });
        }
        let idx = Idx::try_from(self.arena.len())
            .ok()
            .filter(|i| *i != EMPTY_SLOT)
            .ok_or_else(|| Break::Limit {
                why: "value index overflow".into(),
                offset,
            })?;
        self.arena.push(node);
        Ok(idx)
    }

    fn push(&mut self, idx: Idx, offset: u64) -> Step {
        if self.stack.len() + self.marks.len() >= self.state.limits.max_pickle_stack {
            return Err(Break::Limit {
                why: format!(
                    "more than {} stack items",
                    self.state.limits.max_pickle_stack
                ),
                offset,
            });
        }
        self.stack.push(idx);
        Ok(())
    }

    fn push_new(&mut self, node: Node, offset: u64) -> Step {
        let idx = self.new_node(node, offset)?;
        self.push(idx, offset)
    }

    fn mark_floor(&self) -> usize {
        self.marks.last().map_or(0, |m| m.0)
    }

    fn pin(&mut self, idx: Idx) {
        self.pinned = Some(self.pinned.map_or(idx, |p| p.max(idx)));
    }

    fn is_pinned(&self, idx: Idx) -> bool {
        self.pinned.is_some_and(|p| p >= idx)
    }

    /// Drop nodes from `first` on when nothing older refers to them: the values a batch
    /// APPENDS/SETITEMS put past a container's kept children are garbage, and a big list of
    /// floats must not exhaust the value budget.
    ///
    /// Why this is sound: a node newer than `first` can be reached only through the memo,
    /// a container's kept children or a BUILD state (each of which pins it), or through
    /// the stack above the mark or value just consumed, which is gone; the target
    /// container itself is older. The top-of-stack check is a cheap belt and braces.
    fn reclaim_from(&mut self, first: usize) {
        let Ok(first_idx) = Idx::try_from(first) else {
            return;
        };
        if first < self.arena.len()
            && !self.is_pinned(first_idx)
            && self.stack.iter().rev().take(1).all(|top| *top < first_idx)
        {
            self.arena.truncate(first);
            // Indices from `first` on will name new nodes.
            drop(self.nested_checked.split_off(&first_idx));
        }
    }

    fn pop(&mut self, offset: u64) -> Result<Idx, Break> {
        if self.stack.len() <= self.mark_floor() {
            return Err(malformed("unpickling stack underflow", offset));
        }
        self.stack
            .pop()
            .ok_or_else(|| malformed("unpickling stack underflow", offset))
    }

    fn top(&self, offset: u64) -> Result<Idx, Break> {
        if self.stack.len() <= self.mark_floor() {
            return Err(malformed("unpickling stack underflow", offset));
        }
        self.stack
            .last()
            .copied()
            .ok_or_else(|| malformed("unpickling stack underflow", offset))
    }

    /// Pop everything above the last mark, and the mark.
    fn pop_mark(&mut self, offset: u64) -> Result<Vec<Idx>, Break> {
        self.pop_mark_with_arena(offset).map(|(items, _)| items)
    }

    /// Like [`Self::pop_mark`], also returning the arena length when the mark was set.
    fn pop_mark_with_arena(&mut self, offset: u64) -> Result<(Vec<Idx>, usize), Break> {
        let (stack_len, arena_len) = self
            .marks
            .pop()
            .ok_or_else(|| malformed("a MARK is missing", offset))?;
        Ok((
            self.stack.split_off(stack_len.min(self.stack.len())),
            arena_len,
        ))
    }

    fn children(&self, items: &[Idx]) -> Children {
        let cap = self.state.limits.max_kept_children;
        let mut c = Children::default();
        for item in items {
            c.push(*item, cap);
        }
        c
    }

    /// A literal node, keeping bytes only while the pickle's kept-bytes budget lasts.
    fn text_node(&mut self, kind: TextKind, mut kept: Vec<u8>, full_len: u64) -> Node {
        let room = self
            .state
            .limits
            .max_pickle_kept_bytes
            .saturating_sub(self.kept_bytes);
        kept.truncate(room);
        self.kept_bytes = self.kept_bytes.saturating_add(kept.len());
        Node::Text {
            kind,
            kept: kept.into_boxed_slice(),
            full_len,
        }
    }

    fn renderer(&self) -> Renderer<'_> {
        Renderer {
            arena: &self.arena,
            globals: &self.state.globals,
            max_depth: self.state.limits.max_render_depth,
            max_chars: self.state.limits.max_render_chars,
        }
    }

    fn render(&self, idx: Idx) -> String {
        self.renderer().render(idx)
    }

    fn global_of(&self, idx: Idx) -> Option<u32> {
        match self.arena.get(idx as usize) {
            Some(Node::Global(g)) => Some(*g),
            _ => None,
        }
    }

    fn global_names(&self, g: u32) -> (String, String) {
        self.state
            .globals
            .get(g as usize)
            .map(|r| (r.module.clone(), r.name.clone()))
            .unwrap_or_default()
    }

    fn push_global(&mut self, module: String, name: String, offset: u64) -> Step {
        let g = self.state.intern_global(module, name, offset)?;
        self.push_new(Node::Global(g), offset)
    }

    fn step(&mut self, located: Located, first: bool, reader: &mut OpReader<'_>) -> Step {
        let offset = located.offset;
        match located.op {
            Op::Proto(p) => {
                if p > 5 {
                    return Err(malformed(
                        format!("unsupported pickle protocol {p}"),
                        offset,
                    ));
                }
                if self.proto_seen {
                    self.tamper("PROTO appears more than once", offset);
                } else if !first {
                    self.tamper("PROTO is not the first opcode", offset);
                }
                self.proto_seen = true;
            }
            Op::Frame(_) | Op::Stop => {}
            Op::Mark => {
                if self.stack.len() + self.marks.len() >= self.state.limits.max_pickle_stack {
                    return Err(Break::Limit {
                        why: format!(
                            "more than {} stack items",
                            self.state.limits.max_pickle_stack
                        ),
                        offset,
                    });
                }
                self.marks.push((self.stack.len(), self.arena.len()));
            }
            Op::Pop => {
                if self.marks.last().map(|m| m.0) == Some(self.stack.len()) {
                    self.marks.pop();
                } else {
                    let idx = self.pop(offset)?;
                    self.note_discarded(idx);
                }
            }
            Op::PopMark => {
                for idx in self.pop_mark(offset)? {
                    self.note_discarded(idx);
                }
            }
            Op::Dup => {
                let top = self.top(offset)?;
                self.push(top, offset)?;
            }
            Op::Float(v) => self.push_new(Node::Float(v), offset)?,
            Op::Int(IntArg::Small(v)) => self.push_new(Node::Int(v), offset)?,
            Op::Int(IntArg::Big(t)) => self.push_new(Node::BigInt(t.into_boxed_str()), offset)?,
            Op::Bool(b) => self.push_new(Node::Bool(b), offset)?,
            Op::None => self.push_new(Node::None, offset)?,
            Op::PyStr(lit) => {
                // Python 3 decodes protocol-0/1 strings as latin-1 text by default.
                let truncated = lit.is_truncated();
                let text: String = lit.kept.iter().map(|b| char::from(*b)).collect();
                let widened = (text.len() - lit.kept.len()) as u64;
                let full_len = if truncated {
                    lit.full_len.saturating_add(widened)
                } else {
                    text.len() as u64
                };
                let node = self.text_node(TextKind::Str, text.into_bytes(), full_len);
                self.push_new(node, offset)?;
            }
            Op::Unicode(lit) => {
                let node = self.text_node(TextKind::Str, lit.kept, lit.full_len);
                self.push_new(node, offset)?;
            }
            Op::Bytes(lit) => {
                let node = self.text_node(TextKind::Bytes, lit.kept, lit.full_len);
                self.push_new(node, offset)?;
            }
            Op::ByteArray(lit) => {
                let node = self.text_node(TextKind::ByteArray, lit.kept, lit.full_len);
                self.push_new(node, offset)?;
            }
            Op::NextBuffer => {
                self.tamper(
                    "NEXT_BUFFER refers to out-of-band data that a plain load does not have",
                    offset,
                );
                self.push_new(Node::Buffer, offset)?;
            }
            Op::ReadonlyBuffer => {
                self.top(offset)?;
            }
            Op::EmptyTuple => self.push_new(Node::Tuple(Children::default()), offset)?,
            Op::Tuple => {
                let items = self.pop_mark(offset)?;
                let c = self.children(&items);
                self.push_new(Node::Tuple(c), offset)?;
            }
            Op::TupleN(n) => {
                let mut items = Vec::with_capacity(usize::from(n));
                for _ in 0..n {
                    items.push(self.pop(offset)?);
                }
                items.reverse();
                let c = self.children(&items);
                self.push_new(Node::Tuple(c), offset)?;
            }
            Op::EmptyList => self.push_new(Node::List(Children::default()), offset)?,
            Op::List => {
                let items = self.pop_mark(offset)?;
                let c = self.children(&items);
                self.push_new(Node::List(c), offset)?;
            }
            Op::Append => {
                let value = self.pop(offset)?;
                let target = self.top(offset)?;
                self.extend(target, &[value]);
                self.reclaim_from(value as usize);
            }
            Op::Appends => {
                let (items, arena_len) = self.pop_mark_with_arena(offset)?;
                let target = self.top(offset)?;
                self.extend(target, &items);
                self.reclaim_from(arena_len);
            }
            Op::EmptyDict => self.push_new(Node::Dict(Children::default()), offset)?,
            Op::Dict => {
                let items = self.pop_mark(offset)?;
                if items.len() % 2 != 0 {
                    return Err(malformed("DICT with an odd number of items", offset));
                }
                let c = self.children(&items);
                self.push_new(Node::Dict(c), offset)?;
            }
            Op::SetItem => {
                let value = self.pop(offset)?;
                let key = self.pop(offset)?;
                let target = self.top(offset)?;
                self.extend(target, &[key, value]);
                self.reclaim_from(key.min(value) as usize);
            }
            Op::SetItems => {
                let (items, arena_len) = self.pop_mark_with_arena(offset)?;
                if items.len() % 2 != 0 {
                    return Err(malformed("SETITEMS with an odd number of items", offset));
                }
                let target = self.top(offset)?;
                self.extend(target, &items);
                self.reclaim_from(arena_len);
            }
            Op::EmptySet => self.push_new(Node::Set(Children::default()), offset)?,
            Op::AddItems => {
                let (items, arena_len) = self.pop_mark_with_arena(offset)?;
                let target = self.top(offset)?;
                self.extend(target, &items);
                self.reclaim_from(arena_len);
            }
            Op::FrozenSet => {
                let items = self.pop_mark(offset)?;
                let c = self.children(&items);
                self.push_new(Node::FrozenSet(c), offset)?;
            }
            Op::Global { module, name } => {
                let module = String::from_utf8_lossy(&module.kept).into_owned();
                let name = String::from_utf8_lossy(&name.kept).into_owned();
                self.push_global(module, name, offset)?;
            }
            Op::StackGlobal => {
                let name = self.pop(offset)?;
                let module = self.pop(offset)?;
                match (const_str(&self.arena, module), const_str(&self.arena, name)) {
                    (Some(m), Some(n)) => {
                        let (m, n) = (m.to_owned(), n.to_owned());
                        self.push_global(m, n, offset)?;
                    }
                    _ => {
                        return Err(malformed(
                            format!(
                                "STACK_GLOBAL operands are not strings: {} {}",
                                self.render(module),
                                self.render(name)
                            ),
                            offset,
                        ));
                    }
                }
            }
            Op::Inst { module, name } => {
                let items = self.pop_mark(offset)?;
                let module = String::from_utf8_lossy(&module.kept).into_owned();
                let name = String::from_utf8_lossy(&name.kept).into_owned();
                let g = self.state.intern_global(module, name, offset)?;
                let callee = self.new_node(Node::Global(g), offset)?;
                let c = self.children(&items);
                let args = self.new_node(Node::Tuple(c), offset)?;
                let result = self.call(callee, args, None, CallKind::Call, offset)?;
                self.push(result, offset)?;
            }
            Op::Obj => {
                let items = self.pop_mark(offset)?;
                let Some((callee, rest)) = items.split_first() else {
                    return Err(malformed("OBJ without a class", offset));
                };
                let c = self.children(rest);
                let args = self.new_node(Node::Tuple(c), offset)?;
                let result = self.call(*callee, args, None, CallKind::Call, offset)?;
                self.push(result, offset)?;
            }
            Op::NewObj => {
                let args = self.pop(offset)?;
                let cls = self.pop(offset)?;
                let result = self.call(cls, args, None, CallKind::New, offset)?;
                self.push(result, offset)?;
            }
            Op::NewObjEx => {
                let kwargs = self.pop(offset)?;
                let args = self.pop(offset)?;
                let cls = self.pop(offset)?;
                let result = self.call(cls, args, Some(kwargs), CallKind::New, offset)?;
                self.push(result, offset)?;
            }
            Op::Reduce => {
                let args = self.pop(offset)?;
                let callee = self.pop(offset)?;
                let result = self.call(callee, args, None, CallKind::Call, offset)?;
                self.push(result, offset)?;
            }
            Op::Build => {
                let state = self.pop(offset)?;
                let target = self.top(offset)?;
                self.build(target, state, offset, reader)?;
            }
            Op::Ext(code) => {
                if let Some((m, n)) = self.state.extensions.get(&code).cloned() {
                    self.push_global(m, n, offset)?;
                } else {
                    self.state
                        .add(rules::unresolved_extension::finding(code, offset));
                    self.push_new(Node::Extension(code), offset)?;
                }
            }
            Op::PersId(lit) => {
                self.state.persistent_ids = self.state.persistent_ids.saturating_add(1);
                let node = self.text_node(TextKind::Str, lit.kept, lit.full_len);
                let pid = self.new_node(node, offset)?;
                self.push_new(Node::PersistentId(pid), offset)?;
            }
            Op::BinPersId => {
                self.state.persistent_ids = self.state.persistent_ids.saturating_add(1);
                let pid = self.pop(offset)?;
                self.push_new(Node::PersistentId(pid), offset)?;
            }
            Op::Put(slot) => {
                let top = self.top(offset)?;
                self.memo_put(slot, top, offset)?;
            }
            Op::Memoize => {
                let top = self.top(offset)?;
                let slot = self.memo.len as u64;
                self.memo_put(slot, top, offset)?;
            }
            Op::Get(slot) => {
                let idx = self.memo.get(slot).ok_or_else(|| {
                    malformed(
                        format!("memo slot {slot} is read but was never written"),
                        offset,
                    )
                })?;
                self.push(idx, offset)?;
            }
            Op::Unknown(code) => {
                return Err(malformed(format!("unknown opcode 0x{code:02x}"), offset));
            }
        }
        Ok(())
    }

    fn tamper(&mut self, why: &str, offset: u64) {
        self.state
            .add(rules::structural_tamper::finding(why, offset));
    }

    fn memo_put(&mut self, slot: u64, idx: Idx, offset: u64) -> Step {
        if self.memo.get(slot).is_none() && self.memo.len >= self.state.limits.max_pickle_memo {
            return Err(Break::Limit {
                why: format!(
                    "more than {} memo entries",
                    self.state.limits.max_pickle_memo
                ),
                offset,
            });
        }
        self.memo.insert(slot, idx);
        self.pin(idx);
        Ok(())
    }

    /// APPEND/SETITEM/ADDITEMS into a container node; other targets keep nothing.
    fn extend(&mut self, target: Idx, items: &[Idx]) {
        let cap = self.state.limits.max_kept_children;
        let mut newest_kept = None;
        if let Some(Node::List(c) | Node::Dict(c) | Node::Set(c)) =
            self.arena.get_mut(target as usize)
        {
            for item in items {
                if c.kept.len() < cap {
                    newest_kept = newest_kept.max(Some(*item));
                }
                c.push(*item, cap);
            }
        }
        // A container now refers to newer nodes: keep them.
        if let Some(newest) = newest_kept {
            self.pin(newest);
        }
    }

    fn note_discarded(&mut self, idx: Idx) {
        if let Some(Node::Call(call)) = self.arena.get(idx as usize) {
            let finding = call.finding;
            self.state.discarded_calls = self.state.discarded_calls.saturating_add(1);
            if let Some(f) = finding.and_then(|f| self.state.findings.get_mut(f as usize))
                && !f.message.ends_with("(result discarded by POP)")
            {
                f.message.push_str(" (result discarded by POP)");
            }
        }
    }

    fn record(&mut self, finding: Finding) -> Option<u32> {
        self.state.add(finding)
    }

    /// A call: record it, judge it, and return the node of its result.
    fn call(
        &mut self,
        callee: Idx,
        args: Idx,
        kwargs: Option<Idx>,
        kind: CallKind,
        offset: u64,
    ) -> Result<Idx, Break> {
        let call = self.new_node(
            Node::Call(Box::new(Call {
                callee,
                args,
                kwargs,
                kind,
                state: None,
                finding: None,
            })),
            offset,
        )?;
        let finding = match self.arena.get(callee as usize) {
            Some(Node::Global(g)) => self.call_global(*g, call, args, offset)?,
            Some(Node::Call(_)) => self.call_of_result(callee, call, offset),
            _ if self.state.wants(rules::call_result_invoked::META.code) => {
                let explanation = self.render(call);
                self.record(rules::call_result_invoked::finding(
                    false,
                    "a value that is not a global",
                    offset,
                    explanation,
                ))
            }
            _ => None,
        };
        if let Some(Node::Call(node)) = self.arena.get_mut(call as usize) {
            node.finding = finding;
        }
        self.nested_pickles_in(args, offset, call);
        Ok(call)
    }

    /// Judge an invoked global and return the index of its finding.
    fn call_global(
        &mut self,
        g: u32,
        call: Idx,
        args: Idx,
        offset: u64,
    ) -> Result<Option<u32>, Break> {
        if let Some(r) = self.state.globals.get_mut(g as usize) {
            r.invoked = true;
        }
        let (module, name) = self.global_names(g);
        if is_getattr(&module, &name) {
            return self.getattr(call, args, offset);
        }
        if (module == "copyreg" || module == "copy_reg") && name == "add_extension" {
            self.register_extension(args);
        }
        let mut class_finding = None;
        if instantiates_first_argument(&module, &name)
            && let Some(cls) = tuple_items(&self.arena, args)
                .and_then(|items| items.first().copied())
                .and_then(|first| self.global_of(first))
        {
            class_finding = self.judge_invocation(cls, call, offset);
        }
        // The finding a later BUILD or POP annotates: the helper's own, else the class's.
        Ok(self.judge_invocation(g, call, offset).or(class_finding))
    }

    fn judge_invocation(&mut self, g: u32, call: Idx, offset: u64) -> Option<u32> {
        if let Some(r) = self.state.globals.get_mut(g as usize) {
            r.invoked = true;
        }
        let judgement = self.state.judge(g);
        if judgement == Judgement::Safe {
            return None;
        }
        let (module, name) = self.global_names(g);
        let rule = match judgement {
            Judgement::Safe => return None,
            Judgement::Dangerous(_) => rules::dangerous_call::META.code,
            Judgement::Unknown if policy::is_stdlib(&module) => {
                rules::stdlib_gadget_call::META.code
            }
            Judgement::Unknown => rules::non_allowlisted_global::META.code,
        };
        // Render only what will be reported: one finding per global and rule.
        if !self.state.wants(rule) || !self.state.first_report(g, rule) {
            return None;
        }
        let target = format!("{module}.{name}");
        let explanation = self.render(call);
        let finding = match judgement {
            Judgement::Dangerous(why) => {
                rules::dangerous_call::finding(&target, why, offset, explanation)
            }
            Judgement::Unknown if policy::is_stdlib(&module) => {
                rules::stdlib_gadget_call::finding(&target, offset, explanation)
            }
            _ => rules::non_allowlisted_global::finding(&target, true, offset, Some(explanation)),
        };
        self.record(finding)
    }

    /// `getattr(X, 'attr')` on a plain global with a constant name is the global
    /// `X.attr`; anything else is an arbitrary attribute fetch.
    fn getattr(&mut self, call: Idx, args: Idx, offset: u64) -> Result<Option<u32>, Break> {
        let items = tuple_items(&self.arena, args).unwrap_or_default();
        let fetched = match items {
            [obj, attr] => self
                .global_of(*obj)
                .zip(const_str(&self.arena, *attr))
                .filter(|(_, a)| is_identifier(a) && !is_dunder(a))
                .map(|(g, a)| (g, a.to_owned())),
            _ => None,
        };
        if let Some((g, attr)) = fetched {
            let (module, name) = self.global_names(g);
            let dotted = self
                .state
                .intern_global(module, format!("{name}.{attr}"), offset)?;
            if let Some(node) = self.arena.get_mut(call as usize) {
                *node = Node::Global(dotted);
            }
            return Ok(None);
        }
        if !self.state.wants(rules::dynamic_getattr::META.code) {
            return Ok(None);
        }
        let explanation = self.render(call);
        Ok(self.record(rules::dynamic_getattr::finding(offset, explanation)))
    }

    fn register_extension(&mut self, args: Idx) {
        let items = tuple_items(&self.arena, args).unwrap_or_default();
        if let [m, n, c] = items
            && let (Some(m), Some(n), Some(Node::Int(code))) = (
                const_str(&self.arena, *m),
                const_str(&self.arena, *n),
                self.arena.get(*c as usize),
            )
        {
            let entry = (m.to_owned(), n.to_owned());
            self.state.extensions.insert(*code, entry);
        }
    }

    /// The result of a call is itself called.
    fn call_of_result(&mut self, callee: Idx, call: Idx, offset: u64) -> Option<u32> {
        if !self.state.wants(rules::call_result_invoked::META.code) {
            return None;
        }
        // Walk down `f(...)(...)` to the innermost callee, iteratively and bounded.
        let mut inner = callee;
        for _ in 0..self.state.limits.max_render_depth {
            match self.arena.get(inner as usize) {
                Some(Node::Call(call)) => inner = call.callee,
                _ => break,
            }
        }
        let (dangerous, what) = match self.global_of(inner) {
            Some(g) => {
                let (module, name) = self.global_names(g);
                let dangerous = match self.state.judge(g) {
                    Judgement::Dangerous(_) => true,
                    Judgement::Unknown => policy::is_stdlib(&module),
                    Judgement::Safe => false,
                };
                (dangerous, format!("what {module}.{name} returned"))
            }
            None => (false, "a computed value".to_owned()),
        };
        let explanation = self.render(call);
        self.record(rules::call_result_invoked::finding(
            dangerous,
            &what,
            offset,
            explanation,
        ))
    }

    fn build(&mut self, target: Idx, state: Idx, offset: u64, reader: &mut OpReader<'_>) -> Step {
        match self.arena.get(target as usize) {
            Some(Node::Global(g)) => {
                let g = *g;
                let (module, name) = self.global_names(g);
                let explanation =
                    format!("{module}.{name}.__dict__.update({})", self.render(state));
                let target_name = format!("{module}.{name}");
                if self.state.first_report(g, rules::global_setattr::META.code) {
                    self.record(rules::global_setattr::finding(
                        &target_name,
                        offset,
                        explanation,
                    ));
                }
            }
            Some(Node::Call(call)) => {
                let (callee, finding) = (call.callee, call.finding);
                if let Some(Node::Call(call)) = self.arena.get_mut(target as usize) {
                    call.state = Some(state);
                }
                self.pin(state);
                // BUILD calls the class's __setstate__ (or sets attributes): show it.
                if let Some(f) = finding {
                    let applied = format!(".__setstate__({})", self.render(state));
                    let limit = self.state.limits.max_render_chars;
                    if let Some(text) = self
                        .state
                        .findings
                        .get_mut(f as usize)
                        .and_then(|f| f.explanation.as_mut())
                        && !text.contains(".__setstate__(")
                        && text.len() + applied.len() <= limit
                    {
                        text.push_str(&applied);
                    }
                }
                if self.flavor == Flavor::Joblib
                    && let Some(g) = self.global_of(callee)
                    && self.global_names(g)
                        == (
                            "joblib.numpy_pickle".to_owned(),
                            "NumpyArrayWrapper".to_owned(),
                        )
                {
                    self.skip_joblib_array(state, offset, reader)?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Look up a constant string key in a dict node.
    fn dict_get(&self, dict: Idx, key: &str) -> Option<Idx> {
        match self.arena.get(dict as usize)? {
            Node::Dict(c) => c
                .kept
                .chunks(2)
                .rev()
                .filter(|pair| pair.first().and_then(|k| const_str(&self.arena, *k)) == Some(key))
                .find_map(|pair| pair.get(1).copied()),
            _ => None,
        }
    }

    fn int_of(&self, idx: Idx) -> Option<i64> {
        match self.arena.get(idx as usize)? {
            Node::Int(v) => Some(*v),
            Node::Bool(b) => Some(i64::from(*b)),
            _ => None,
        }
    }

    /// joblib writes a wrapped array's raw bytes right after the wrapper's BUILD:
    /// an optional alignment-padding length byte and padding, then the data; object
    /// arrays are a nested pickle instead.
    fn skip_joblib_array(&mut self, state: Idx, offset: u64, reader: &mut OpReader<'_>) -> Step {
        let cannot = |why: &str| malformed(format!("cannot size a joblib array: {why}"), offset);
        let dtype = self
            .dict_get(state, "dtype")
            .ok_or_else(|| cannot("no dtype"))?;
        let (code, dtype_state) = match self.arena.get(dtype as usize) {
            Some(Node::Call(call)) => (
                tuple_items(&self.arena, call.args)
                    .and_then(|items| items.first().copied())
                    .and_then(|c| const_str(&self.arena, c))
                    .map(str::to_owned),
                call.state,
            ),
            _ => (None, None),
        };
        let code = code.ok_or_else(|| cannot("dtype is not numpy.dtype('...')"))?;
        // numpy.dtype.__setstate__: (version, byteorder, subarray, names, fields, elsize, alignment, flags)
        let dtype_fields = dtype_state
            .and_then(|s| tuple_items(&self.arena, s))
            .unwrap_or_default();
        let elsize = dtype_fields.get(5).and_then(|e| self.int_of(*e));
        let flags = dtype_fields
            .get(7)
            .and_then(|e| self.int_of(*e))
            .unwrap_or(0);
        if code.starts_with('O') || flags & 1 != 0 {
            let nested = Machine::new(&mut *self.state, Flavor::Plain).run(reader);
            return match nested {
                End::Stopped => Ok(()),
                End::Empty => Err(malformed(
                    "the object array's pickle is missing",
                    reader.offset(),
                )),
                End::Broken(b) => Err(b),
            };
        }
        let itemsize = numpy_itemsize(&code, elsize).ok_or_else(|| cannot("unknown item size"))?;
        let shape = self
            .dict_get(state, "shape")
            .ok_or_else(|| cannot("no shape"))?;
        let dims = match self.arena.get(shape as usize) {
            Some(Node::Tuple(c)) if c.dropped == 0 => c.kept.clone(),
            _ => return Err(cannot("shape is not a short tuple")),
        };
        let mut count: u64 = 1;
        for d in dims {
            let d = self
                .int_of(d)
                .and_then(|v| u64::try_from(v).ok())
                .ok_or_else(|| cannot("shape holds a non-integer"))?;
            count = count
                .checked_mul(d)
                .ok_or_else(|| cannot("shape overflows"))?;
        }
        let bytes = count
            .checked_mul(itemsize)
            .ok_or_else(|| cannot("size overflows"))?;
        // joblib pads only when the attribute is set (and not None).
        if self
            .dict_get(state, "numpy_array_alignment_bytes")
            .is_some_and(|v| !matches!(self.arena.get(v as usize), Some(Node::None)))
        {
            let padding = reader
                .read_byte("joblib alignment padding")
                .map_err(|e| from_read_error(e, offset))?;
            reader
                .skip(u64::from(padding))
                .map_err(|e| from_read_error(e, offset))?;
        }
        reader.skip(bytes).map_err(|e| from_read_error(e, offset))
    }

    /// Analyse bytes or str arguments that are themselves pickles.
    fn nested_pickles_in(&mut self, args: Idx, offset: u64, call: Idx) {
        let depth = self.state.depth + 1;
        if depth > self.state.limits.max_nested_pickle_depth {
            return;
        }
        let items = tuple_items(&self.arena, args).unwrap_or_default().to_vec();
        for item in items {
            if self.nested_checked.contains(&item) {
                continue;
            }
            let Some(Node::Text {
                kind,
                kept,
                full_len,
            }) = self.arena.get(item as usize)
            else {
                continue;
            };
            // Pickle writes str arguments as latin-1 text; convert a head first, since
            // almost no argument is a pickle, and the whole literal only when it sniffs as one.
            let as_bytes = |limit: usize| -> Vec<u8> {
                match kind {
                    TextKind::Str => String::from_utf8_lossy(kept)
                        .chars()
                        .take(limit)
                        .map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?'))
                        .collect(),
                    TextKind::Bytes | TextKind::ByteArray => kept
                        .get(..limit.min(kept.len()))
                        .unwrap_or_default()
                        .to_vec(),
                }
            };
            let head = as_bytes(NESTED_SNIFF_HEAD);
            if !super::sniff(&head) {
                continue;
            }
            let bytes = if head.len() < NESTED_SNIFF_HEAD {
                head
            } else {
                as_bytes(usize::MAX)
            };
            let truncated = kept.len() as u64 != *full_len;
            self.nested_checked.insert(item);
            let report = super::analyze_at_depth(
                &mut bytes.as_slice(),
                super::StreamOptions::default(),
                self.state.limits,
                depth,
            );
            let context = self.render(call);
            for mut f in report.findings {
                // Bytes that only look like a pickle (raw array data) break at once:
                // keep what they would run, not their parse errors. A kept prefix of a
                // longer literal breaks where the prefix ends.
                let not_a_pickle = report.pickles == 0 && f.verdict != Verdict::Dangerous;
                if not_a_pickle || (truncated && f.verdict == Verdict::Error) {
                    continue;
                }
                f.message = format!("nested pickle in an argument of `{context}`: {}", f.message);
                f.offset = Some(offset);
                self.state.add(f);
            }
        }
    }
}
