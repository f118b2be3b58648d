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

use super::opcodes::{IntArg, Literal, Located, Op, OpReader, ReadError};
use super::policy::{self, Judgement};
use super::value::{CallKind, Children, Idx, Node, Renderer, TextKind, const_str, tuple_items};
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
    /// Extension codes registered by `copyreg.add_extension` calls in the stream.
    extensions: HashMap<i64, (String, String)>,
    /// Which (global, rule) pairs already have a finding.
    reported: std::collections::HashSet<(u32, &'static str)>,
    /// Opcodes run so far in the stream.
    pub opcodes: u64,
    /// Calls whose result was discarded by POP.
    pub discarded_calls: usize,
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
            extensions: HashMap::new(),
            reported: std::collections::HashSet::new(),
            opcodes: 0,
            discarded_calls: 0,
        }
    }

    fn intern_global(&mut self, module: String, name: String, offset: u64) -> u32 {
        let key = (module, name);
        if let Some(g) = self.global_index.get(&key) {
            return *g;
        }
        let g = u32::try_from(self.globals.len()).unwrap_or(u32::MAX);
        self.globals.push(GlobalRef {
            module: key.0.clone(),
            name: key.1.clone(),
            offset,
            invoked: false,
        });
        self.global_index.insert(key, g);
        g
    }

    fn first_report(&mut self, g: u32, rule: &'static str) -> bool {
        self.reported.insert((g, rule))
    }

    /// Judge the globals that were referenced but never invoked.
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
            let finding = match policy::judge_global(&global.module, &global.name) {
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
                self.findings.push(f);
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
    marks: Vec<usize>,
    memo: HashMap<u64, Idx>,
    proto_seen: bool,
    first_op: bool,
    frame_reported: (bool, bool),
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
        Machine {
            state,
            flavor,
            arena: Vec::new(),
            stack: Vec::new(),
            marks: Vec::new(),
            memo: HashMap::new(),
            proto_seen: false,
            first_op: true,
            frame_reported: (false, false),
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

    fn note_frame_issues(&mut self, reader: &OpReader<'_>) {
        let issues = reader.frame_issues;
        if let Some(at) = issues.straddled_at
            && !self.frame_reported.0
        {
            self.frame_reported.0 = true;
            self.state.findings.push(rules::structural_tamper::finding(
                "an opcode straddles the end of its FRAME",
                at,
            ));
        }
        if let Some(at) = issues.nested_at
            && !self.frame_reported.1
        {
            self.frame_reported.1 = true;
            self.state.findings.push(rules::structural_tamper::finding(
                "a FRAME begins before the previous frame ends",
                at,
            ));
        }
    }

    fn note_leftover_frame(&mut self, reader: &mut OpReader<'_>) {
        if let Some(left) = reader.frame_remaining() {
            let at = reader.offset();
            let eof = reader.at_eof().unwrap_or(true);
            if eof {
                // CPython reads a whole frame up front, so this load fails: fail closed.
                self.state.findings.push(rules::malformed_stream::finding(
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
        let idx = Idx::try_from(self.arena.len()).map_err(|_| Break::Limit {
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
        self.marks.last().copied().unwrap_or(0)
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
        let mark = self
            .marks
            .pop()
            .ok_or_else(|| malformed("a MARK is missing", offset))?;
        Ok(self.stack.split_off(mark.min(self.stack.len())))
    }

    fn children(&self, items: &[Idx]) -> Children {
        let cap = self.state.limits.max_kept_children;
        let mut c = Children::default();
        for item in items {
            c.push(*item, cap);
        }
        c
    }

    fn text_node(kind: TextKind, lit: Literal) -> Node {
        Node::Text {
            kind,
            kept: lit.kept.into_boxed_slice(),
            full_len: lit.full_len,
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
        let g = self.state.intern_global(module, name, offset);
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
                self.marks.push(self.stack.len());
            }
            Op::Pop => {
                if self.marks.last() == Some(&self.stack.len()) {
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
                let node = Node::Text {
                    kind: TextKind::Str,
                    kept: text.into_bytes().into_boxed_slice(),
                    full_len,
                };
                self.push_new(node, offset)?;
            }
            Op::Unicode(lit) => self.push_new(Self::text_node(TextKind::Str, lit), offset)?,
            Op::Bytes(lit) => self.push_new(Self::text_node(TextKind::Bytes, lit), offset)?,
            Op::ByteArray(lit) => {
                self.push_new(Self::text_node(TextKind::ByteArray, lit), offset)?;
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
            }
            Op::Appends => {
                let items = self.pop_mark(offset)?;
                let target = self.top(offset)?;
                self.extend(target, &items);
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
            }
            Op::SetItems => {
                let items = self.pop_mark(offset)?;
                if items.len() % 2 != 0 {
                    return Err(malformed("SETITEMS with an odd number of items", offset));
                }
                let target = self.top(offset)?;
                self.extend(target, &items);
            }
            Op::EmptySet => self.push_new(Node::Set(Children::default()), offset)?,
            Op::AddItems => {
                let items = self.pop_mark(offset)?;
                let target = self.top(offset)?;
                self.extend(target, &items);
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
                let g = self.state.intern_global(module, name, offset);
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
                        .findings
                        .push(rules::unresolved_extension::finding(code, offset));
                    self.push_new(Node::Extension(code), offset)?;
                }
            }
            Op::PersId(lit) => {
                let pid = self.new_node(Self::text_node(TextKind::Str, lit), offset)?;
                self.push_new(Node::PersistentId(pid), offset)?;
            }
            Op::BinPersId => {
                let pid = self.pop(offset)?;
                self.push_new(Node::PersistentId(pid), offset)?;
            }
            Op::Put(slot) => {
                let top = self.top(offset)?;
                self.memo_put(slot, top, offset)?;
            }
            Op::Memoize => {
                let top = self.top(offset)?;
                let slot = self.memo.len() as u64;
                self.memo_put(slot, top, offset)?;
            }
            Op::Get(slot) => {
                let idx = *self.memo.get(&slot).ok_or_else(|| {
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
            .findings
            .push(rules::structural_tamper::finding(why, offset));
    }

    fn memo_put(&mut self, slot: u64, idx: Idx, offset: u64) -> Step {
        if !self.memo.contains_key(&slot) && self.memo.len() >= self.state.limits.max_pickle_memo {
            return Err(Break::Limit {
                why: format!(
                    "more than {} memo entries",
                    self.state.limits.max_pickle_memo
                ),
                offset,
            });
        }
        self.memo.insert(slot, idx);
        Ok(())
    }

    /// APPEND/SETITEM/ADDITEMS into a container node; other targets keep nothing.
    fn extend(&mut self, target: Idx, items: &[Idx]) {
        let cap = self.state.limits.max_kept_children;
        if let Some(Node::List(c) | Node::Dict(c) | Node::Set(c)) =
            self.arena.get_mut(target as usize)
        {
            for item in items {
                c.push(*item, cap);
            }
        }
    }

    fn note_discarded(&mut self, idx: Idx) {
        if let Some(Node::Call { finding, .. }) = self.arena.get(idx as usize) {
            self.state.discarded_calls = self.state.discarded_calls.saturating_add(1);
            if let Some(f) = finding.and_then(|f| self.state.findings.get_mut(f as usize))
                && !f.message.ends_with("(result discarded by POP)")
            {
                f.message.push_str(" (result discarded by POP)");
            }
        }
    }

    fn record(&mut self, finding: Finding) -> u32 {
        let at = u32::try_from(self.state.findings.len()).unwrap_or(u32::MAX);
        self.state.findings.push(finding);
        at
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
            Node::Call {
                callee,
                args,
                kwargs,
                kind,
                state: None,
                finding: None,
            },
            offset,
        )?;
        let finding = match self.arena.get(callee as usize) {
            Some(Node::Global(g)) => self.call_global(*g, call, args, offset)?,
            Some(Node::Call { .. }) => self.call_of_result(callee, call, offset),
            _ => {
                let explanation = self.render(call);
                Some(self.record(rules::call_result_invoked::finding(
                    false,
                    "a value that is not a global",
                    offset,
                    explanation,
                )))
            }
        };
        if let Some(Node::Call { finding: slot, .. }) = self.arena.get_mut(call as usize) {
            *slot = finding;
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
            return Ok(self.getattr(call, args, offset));
        }
        if (module == "copyreg" || module == "copy_reg") && name == "add_extension" {
            self.register_extension(args);
        }
        if instantiates_first_argument(&module, &name)
            && let Some(cls) = tuple_items(&self.arena, args)
                .and_then(|items| items.first().copied())
                .and_then(|first| self.global_of(first))
        {
            self.judge_invocation(cls, call, offset);
        }
        Ok(self.judge_invocation(g, call, offset))
    }

    fn judge_invocation(&mut self, g: u32, call: Idx, offset: u64) -> Option<u32> {
        if let Some(r) = self.state.globals.get_mut(g as usize) {
            r.invoked = true;
        }
        let (module, name) = self.global_names(g);
        let target = format!("{module}.{name}");
        let finding = match policy::judge_global(&module, &name) {
            Judgement::Safe => return None,
            Judgement::Dangerous(why) => {
                rules::dangerous_call::finding(&target, why, offset, self.render(call))
            }
            Judgement::Unknown if policy::is_stdlib(&module) => {
                rules::stdlib_gadget_call::finding(&target, offset, self.render(call))
            }
            Judgement::Unknown => rules::non_allowlisted_global::finding(
                &target,
                true,
                offset,
                Some(self.render(call)),
            ),
        };
        if !self.state.first_report(g, finding.rule) {
            return None;
        }
        Some(self.record(finding))
    }

    /// `getattr(X, 'attr')` on a plain global with a constant name is the global
    /// `X.attr`; anything else is an arbitrary attribute fetch.
    fn getattr(&mut self, call: Idx, args: Idx, offset: u64) -> Option<u32> {
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
                .intern_global(module, format!("{name}.{attr}"), offset);
            if let Some(node) = self.arena.get_mut(call as usize) {
                *node = Node::Global(dotted);
            }
            return None;
        }
        let explanation = self.render(call);
        Some(self.record(rules::dynamic_getattr::finding(offset, explanation)))
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
        // Walk down `f(...)(...)` to the innermost callee, iteratively and bounded.
        let mut inner = callee;
        for _ in 0..self.state.limits.max_render_depth {
            match self.arena.get(inner as usize) {
                Some(Node::Call { callee, .. }) => inner = *callee,
                _ => break,
            }
        }
        let (dangerous, what) = match self.global_of(inner) {
            Some(g) => {
                let (module, name) = self.global_names(g);
                let dangerous = match policy::judge_global(&module, &name) {
                    Judgement::Dangerous(_) => true,
                    Judgement::Unknown => policy::is_stdlib(&module),
                    Judgement::Safe => false,
                };
                (dangerous, format!("what {module}.{name} returned"))
            }
            None => (false, "a computed value".to_owned()),
        };
        let explanation = self.render(call);
        Some(self.record(rules::call_result_invoked::finding(
            dangerous,
            &what,
            offset,
            explanation,
        )))
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
            Some(Node::Call { callee, .. }) => {
                let callee = *callee;
                if let Some(Node::Call { state: slot, .. }) = self.arena.get_mut(target as usize) {
                    *slot = Some(state);
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
            Some(Node::Call { args, state, .. }) => (
                tuple_items(&self.arena, *args)
                    .and_then(|items| items.first().copied())
                    .and_then(|c| const_str(&self.arena, c))
                    .map(str::to_owned),
                *state,
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
        let itemsize = match elsize {
            Some(e) if e > 0 => u64::try_from(e).ok(),
            _ => {
                let digits: String = code
                    .chars()
                    .skip_while(|c| !c.is_ascii_digit())
                    .take_while(char::is_ascii_digit)
                    .collect();
                digits.parse::<u64>().ok()
            }
        }
        .ok_or_else(|| cannot("unknown item size"))?;
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
        if self
            .dict_get(state, "numpy_array_alignment_bytes")
            .is_some()
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
            let Some(Node::Text {
                kind,
                kept,
                full_len,
            }) = self.arena.get(item as usize)
            else {
                continue;
            };
            let bytes: Vec<u8> = match kind {
                TextKind::Str => String::from_utf8_lossy(kept)
                    .chars()
                    .map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?'))
                    .collect(),
                TextKind::Bytes | TextKind::ByteArray => kept.to_vec(),
            };
            let truncated = kept.len() as u64 != *full_len;
            if !super::sniff(&bytes) {
                continue;
            }
            let report = super::analyze_at_depth(
                &mut bytes.as_slice(),
                super::StreamOptions::default(),
                self.state.limits,
                depth,
            );
            let context = self.render(call);
            for mut f in report.findings {
                // A kept prefix of a longer literal breaks where the prefix ends.
                if truncated && f.verdict == Verdict::Error {
                    continue;
                }
                f.message = format!("nested pickle in an argument of `{context}`: {}", f.message);
                f.offset = Some(offset);
                self.state.findings.push(f);
            }
        }
    }
}
