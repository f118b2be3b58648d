//! Symbolic values of the pickle machine, kept in an arena, and their rendering as
//! Python-like text.
//!
//! Values refer to each other by index into one `Vec<Node>`, so a value nested a million
//! levels deep is dropped without recursion and the node count is a plain budget check.
//! Rendering recurses only to `max_render_depth` and stops at `max_render_chars`.
//!
//! Nothing here may evaluate a value: a call node is a record of what would be called.

use super::GlobalRef;

/// Index of a node in the arena.
pub type Idx = u32;

/// Children kept for rendering plus how many were only counted.
#[derive(Clone, Debug, Default)]
pub struct Children {
    /// The first children, at most `max_kept_children`.
    pub kept: Vec<Idx>,
    /// Children beyond the kept ones (saturating).
    pub dropped: u32,
}

impl Children {
    /// Add a child, keeping it only while there is room.
    pub fn push(&mut self, child: Idx, cap: usize) {
        if self.kept.len() < cap {
            self.kept.push(child);
        } else {
            self.dropped = self.dropped.saturating_add(1);
        }
    }
}

/// How a call came about, for rendering.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallKind {
    /// REDUCE, INST, OBJ: `f(*args)`.
    Call,
    /// NEWOBJ, NEWOBJ_EX: `cls.__new__(cls, *args, **kwargs)`.
    New,
}

/// A call: what is called, with what, and what happened to its result.
#[derive(Clone, Debug)]
pub struct Call {
    /// What is called.
    pub callee: Idx,
    /// The positional arguments (normally a tuple).
    pub args: Idx,
    /// Keyword arguments (NEWOBJ_EX).
    pub kwargs: Option<Idx>,
    /// How the call came about.
    pub kind: CallKind,
    /// State applied by BUILD, if any.
    pub state: Option<Idx>,
    /// Index of the finding emitted for this call, to note a discarded result.
    pub finding: Option<u32>,
}

/// The kind of a text or bytes literal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextKind {
    /// `str` (UNICODE family, or a Python 2 STRING decoded as latin-1).
    Str,
    /// `bytes`.
    Bytes,
    /// `bytearray`.
    ByteArray,
}

/// One symbolic value.
#[derive(Clone, Debug)]
pub enum Node {
    /// `None`.
    None,
    /// `True`/`False`.
    Bool(bool),
    /// An integer that fits in an i64.
    Int(i64),
    /// A big integer, as text.
    BigInt(Box<str>),
    /// A float.
    Float(f64),
    /// A text or bytes literal: its kept prefix and full length.
    Text {
        /// `str`, `bytes` or `bytearray`.
        kind: TextKind,
        /// Kept bytes (UTF-8 for `str`).
        kept: Box<[u8]>,
        /// Declared length.
        full_len: u64,
    },
    /// A tuple.
    Tuple(Children),
    /// A list.
    List(Children),
    /// A dict: keys and values alternate in `kept`.
    Dict(Children),
    /// A set.
    Set(Children),
    /// A frozenset.
    FrozenSet(Children),
    /// A global: index into the stream's global table.
    Global(u32),
    /// The result of a call (boxed: calls are rarer than leaves, and every node pays
    /// for the largest variant).
    Call(Box<Call>),
    /// `persistent_load(pid)`.
    PersistentId(Idx),
    /// An extension code that no `copyreg.add_extension` in the stream registered.
    Extension(i64),
    /// An out-of-band buffer (protocol 5).
    Buffer,
}

/// Whether `kept` is the whole literal.
fn complete(kept: &[u8], full_len: u64) -> bool {
    kept.len() as u64 == full_len
}

/// The text of a `str` node, when it is a complete constant.
#[must_use]
pub fn const_str(arena: &[Node], idx: Idx) -> Option<&str> {
    match arena.get(idx as usize)? {
        Node::Text {
            kind: TextKind::Str,
            kept,
            full_len,
        } if complete(kept, *full_len) => std::str::from_utf8(kept).ok(),
        _ => None,
    }
}

/// The kept children of a tuple node.
#[must_use]
pub fn tuple_items(arena: &[Node], idx: Idx) -> Option<&[Idx]> {
    match arena.get(idx as usize)? {
        Node::Tuple(c) if c.dropped == 0 => Some(&c.kept),
        _ => None,
    }
}

/// Renders nodes as Python-like text within a depth and size budget.
pub struct Renderer<'a> {
    /// The arena.
    pub arena: &'a [Node],
    /// The stream's globals.
    pub globals: &'a [GlobalRef],
    /// Maximum nesting depth.
    pub max_depth: usize,
    /// Maximum characters.
    pub max_chars: usize,
}

impl Renderer<'_> {
    /// Render one node.
    #[must_use]
    pub fn render(&self, idx: Idx) -> String {
        let mut out = String::new();
        self.node(idx, 0, &mut out);
        if out.len() > self.max_chars {
            let mut cut = self.max_chars;
            while !out.is_char_boundary(cut) {
                cut -= 1;
            }
            out.truncate(cut);
            out.push('…');
        }
        out
    }

    fn full(&self, out: &str) -> bool {
        out.len() > self.max_chars
    }

    fn node(&self, idx: Idx, depth: usize, out: &mut String) {
        use std::fmt::Write as _;
        if self.full(out) {
            return;
        }
        if depth > self.max_depth {
            out.push_str("...");
            return;
        }
        let Some(node) = self.arena.get(idx as usize) else {
            out.push('?');
            return;
        };
        match node {
            Node::None => out.push_str("None"),
            Node::Bool(b) => out.push_str(if *b { "True" } else { "False" }),
            Node::Int(v) => {
                let _ = write!(out, "{v}");
            }
            Node::BigInt(t) => out.push_str(t),
            Node::Float(v) => {
                let _ = write!(out, "{v:?}");
            }
            Node::Text {
                kind,
                kept,
                full_len,
            } => render_text(*kind, kept, *full_len, out),
            Node::Tuple(c) => {
                out.push('(');
                self.items(c, depth, out);
                if c.kept.len() == 1 && c.dropped == 0 {
                    out.push(',');
                }
                out.push(')');
            }
            Node::List(c) => {
                out.push('[');
                self.items(c, depth, out);
                out.push(']');
            }
            Node::Set(c) | Node::FrozenSet(c) => {
                let frozen = matches!(node, Node::FrozenSet(_));
                if c.kept.is_empty() && c.dropped == 0 {
                    out.push_str(if frozen { "frozenset()" } else { "set()" });
                } else {
                    out.push_str(if frozen { "frozenset({" } else { "{" });
                    self.items(c, depth, out);
                    out.push_str(if frozen { "})" } else { "}" });
                }
            }
            Node::Dict(c) => {
                out.push('{');
                for (i, pair) in c.kept.chunks(2).enumerate() {
                    if self.full(out) {
                        break;
                    }
                    if i > 0 {
                        out.push_str(", ");
                    }
                    if let Some(k) = pair.first() {
                        self.node(*k, depth + 1, out);
                    }
                    out.push_str(": ");
                    if let Some(v) = pair.get(1) {
                        self.node(*v, depth + 1, out);
                    }
                }
                if c.dropped > 0 {
                    let _ = write!(out, ", ...(+{})", c.dropped / 2);
                }
                out.push('}');
            }
            Node::Global(g) => match self.globals.get(*g as usize) {
                Some(g) => {
                    let _ = write!(out, "{}.{}", g.module, g.name);
                }
                None => out.push('?'),
            },
            Node::Call(call) => {
                let Call {
                    callee,
                    args,
                    kwargs,
                    kind,
                    ..
                } = call.as_ref();
                let mut head = String::new();
                self.node(*callee, depth + 1, &mut head);
                match kind {
                    CallKind::Call => out.push_str(&head),
                    CallKind::New => {
                        let _ = write!(out, "{head}.__new__");
                    }
                }
                out.push('(');
                let mut first = true;
                if *kind == CallKind::New {
                    out.push_str(&head);
                    first = false;
                }
                match self.arena.get(*args as usize) {
                    Some(Node::Tuple(c)) => {
                        if !c.kept.is_empty() && !first {
                            out.push_str(", ");
                        }
                        self.items(c, depth, out);
                        first = first && c.kept.is_empty();
                    }
                    _ => {
                        if !first {
                            out.push_str(", ");
                        }
                        out.push('*');
                        self.node(*args, depth + 1, out);
                        first = false;
                    }
                }
                if let Some(kw) = kwargs {
                    if !first {
                        out.push_str(", ");
                    }
                    out.push_str("**");
                    self.node(*kw, depth + 1, out);
                }
                out.push(')');
            }
            Node::PersistentId(pid) => {
                out.push_str("persistent_load(");
                self.node(*pid, depth + 1, out);
                out.push(')');
            }
            Node::Extension(code) => {
                let _ = write!(out, "<extension {code}>");
            }
            Node::Buffer => out.push_str("<out-of-band buffer>"),
        }
    }

    fn items(&self, c: &Children, depth: usize, out: &mut String) {
        use std::fmt::Write as _;
        for (i, child) in c.kept.iter().enumerate() {
            if self.full(out) {
                return;
            }
            if i > 0 {
                out.push_str(", ");
            }
            self.node(*child, depth + 1, out);
        }
        if c.dropped > 0 {
            let _ = write!(out, ", ...(+{})", c.dropped);
        }
    }
}

fn render_text(kind: TextKind, kept: &[u8], full_len: u64, out: &mut String) {
    use std::fmt::Write as _;
    match kind {
        TextKind::Str => {
            out.push('\'');
            for c in String::from_utf8_lossy(kept).chars() {
                match c {
                    '\'' => out.push_str("\\'"),
                    '\\' => out.push_str("\\\\"),
                    '\n' => out.push_str("\\n"),
                    '\r' => out.push_str("\\r"),
                    '\t' => out.push_str("\\t"),
                    c if c.is_control() => {
                        let _ = write!(out, "\\x{:02x}", u32::from(c));
                    }
                    c => out.push(c),
                }
            }
            out.push('\'');
        }
        TextKind::Bytes | TextKind::ByteArray => {
            if kind == TextKind::ByteArray {
                out.push_str("bytearray(");
            }
            out.push_str("b'");
            for b in kept {
                match b {
                    b'\'' => out.push_str("\\'"),
                    b'\\' => out.push_str("\\\\"),
                    b'\n' => out.push_str("\\n"),
                    0x20..=0x7e => out.push(char::from(*b)),
                    other => {
                        let _ = write!(out, "\\x{other:02x}");
                    }
                }
            }
            out.push('\'');
            if kind == TextKind::ByteArray {
                out.push(')');
            }
        }
    }
    if !complete(kept, full_len) {
        let _ = write!(
            out,
            "<+{} more>",
            full_len.saturating_sub(kept.len() as u64)
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_a_call_with_arguments() {
        let globals = vec![GlobalRef {
            module: "os".into(),
            name: "system".into(),
            offset: 0,
            invoked: true,
        }];
        let arena = vec![
            Node::Global(0),
            Node::Text {
                kind: TextKind::Str,
                kept: b"touch /tmp/x".to_vec().into_boxed_slice(),
                full_len: 12,
            },
            Node::Tuple(Children {
                kept: vec![1],
                dropped: 0,
            }),
            Node::Call(Box::new(Call {
                callee: 0,
                args: 2,
                kwargs: None,
                kind: CallKind::Call,
                state: None,
                finding: None,
            })),
        ];
        let r = Renderer {
            arena: &arena,
            globals: &globals,
            max_depth: 8,
            max_chars: 200,
        };
        assert_eq!(r.render(3), "os.system('touch /tmp/x')");
    }

    #[test]
    fn self_referencing_list_stops_at_the_depth_cap() {
        let arena = vec![Node::List(Children {
            kept: vec![0, 0],
            dropped: 0,
        })];
        let r = Renderer {
            arena: &arena,
            globals: &[],
            max_depth: 4,
            max_chars: 10_000,
        };
        let text = r.render(0);
        assert!(text.contains("..."));
        assert!(text.len() < 10_000);
    }
}
