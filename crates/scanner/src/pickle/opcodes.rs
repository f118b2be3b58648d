//! A streaming reader that decodes pickle opcodes (protocols 0–5, all 68 of them).
//!
//! It reads through a fixed-size buffer over `&mut dyn Read`, tracks the byte offset of
//! every opcode, honours and checks FRAME lengths, and decodes each opcode's argument.
//! Length-prefixed literals keep at most `max_kept_literal` bytes; the rest is read and
//! discarded in chunks, so a literal claiming 2^63 bytes costs no memory and ends as
//! "truncated" when the data is not there.
//!
//! It must never read the whole input, never allocate a length taken from the input, and
//! never interpret what it decodes (that is the machine's job).

use std::io::{ErrorKind, Read};

/// Size of the read buffer: large enough for throughput, small enough to never matter.
const BUFFER_SIZE: usize = 64 * 1024;
/// The buffer starts this small and doubles (up to its cap) each time a read fills it, so
/// the many small pickles of a repository scan do not each pay for zeroing 64 KiB.
const INITIAL_BUFFER_SIZE: usize = 4 * 1024;

/// Why the reader could not produce the next opcode.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReadError {
    /// The input ended inside an opcode or literal.
    Truncated {
        /// What was being read.
        what: &'static str,
        /// Offset where the input ended.
        at: u64,
    },
    /// The opcode argument is not well-formed (bad escape, bad number, negative length).
    Malformed(String),
    /// The underlying reader failed.
    Io(String),
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::Truncated { what, at } => {
                write!(f, "stream truncated at byte {at} while reading {what}")
            }
            ReadError::Malformed(why) => f.write_str(why),
            ReadError::Io(why) => write!(f, "read error: {why}"),
        }
    }
}

/// A literal's kept prefix and its true length.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Literal {
    /// At most `max_kept_literal` bytes.
    pub kept: Vec<u8>,
    /// The length the stream declared (or the line length).
    pub full_len: u64,
}

impl Literal {
    /// Whether bytes were skipped.
    #[must_use]
    pub fn is_truncated(&self) -> bool {
        self.full_len > self.kept.len() as u64
    }
}

/// An integer argument: small ones exactly, big ones as text.
#[derive(Clone, Debug, PartialEq)]
pub enum IntArg {
    /// Fits in an i64.
    Small(i64),
    /// Too big (or kept only in part): its text for rendering.
    Big(String),
}

/// One decoded opcode.
#[derive(Clone, Debug, PartialEq)]
pub enum Op {
    /// `(`
    Mark,
    /// `.`
    Stop,
    /// `0`
    Pop,
    /// `1`
    PopMark,
    /// `2`
    Dup,
    /// `F`, `G`
    Float(f64),
    /// `I`, `J`, `K`, `M`, `L`, `LONG1`, `LONG4`
    Int(IntArg),
    /// `I01`/`I00`, `NEWTRUE`, `NEWFALSE`
    Bool(bool),
    /// `N`
    None,
    /// Python 2 str: `S`, `T`, `U` (decoded as latin-1 text, as Python 3 does by default).
    PyStr(Literal),
    /// `V`, `X`, `SHORT_BINUNICODE`, `BINUNICODE8` (UTF-8 bytes; `V` is already unescaped).
    Unicode(Literal),
    /// `B`, `C`, `BINBYTES8`
    Bytes(Literal),
    /// `BYTEARRAY8`
    ByteArray(Literal),
    /// `NEXT_BUFFER`
    NextBuffer,
    /// `READONLY_BUFFER`
    ReadonlyBuffer,
    /// `)`
    EmptyTuple,
    /// `t`
    Tuple,
    /// `TUPLE1`, `TUPLE2`, `TUPLE3`: the number of items.
    TupleN(u8),
    /// `]`
    EmptyList,
    /// `a`
    Append,
    /// `e`
    Appends,
    /// `l`
    List,
    /// `}`
    EmptyDict,
    /// `d`
    Dict,
    /// `s`
    SetItem,
    /// `u`
    SetItems,
    /// `EMPTY_SET`
    EmptySet,
    /// `ADDITEMS`
    AddItems,
    /// `FROZENSET`
    FrozenSet,
    /// `c module\nname\n`
    Global {
        /// Module line.
        module: Literal,
        /// Name line.
        name: Literal,
    },
    /// `STACK_GLOBAL`
    StackGlobal,
    /// `i module\nname\n`
    Inst {
        /// Module line.
        module: Literal,
        /// Name line.
        name: Literal,
    },
    /// `o`
    Obj,
    /// `NEWOBJ`
    NewObj,
    /// `NEWOBJ_EX`
    NewObjEx,
    /// `R`
    Reduce,
    /// `b`
    Build,
    /// `EXT1`, `EXT2`, `EXT4`: the extension code.
    Ext(i64),
    /// `P id\n`
    PersId(Literal),
    /// `Q`
    BinPersId,
    /// `p`, `q`, `r`: the memo slot.
    Put(u64),
    /// `MEMOIZE`
    Memoize,
    /// `g`, `h`, `j`: the memo slot.
    Get(u64),
    /// `PROTO`
    Proto(u8),
    /// `FRAME`: the declared frame length.
    Frame(u64),
    /// A byte that is no opcode.
    Unknown(u8),
}

/// A decoded opcode with where it starts.
#[derive(Clone, Debug, PartialEq)]
pub struct Located {
    /// Byte offset of the opcode byte.
    pub offset: u64,
    /// The opcode.
    pub op: Op,
}

/// Frame bookkeeping problems, reported once each by the machine.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FrameIssues {
    /// An opcode started inside a frame and ended after it.
    pub straddled_at: Option<u64>,
    /// A FRAME began before the previous frame was used up.
    pub nested_at: Option<u64>,
}

/// Buffered opcode reader over any `Read`.
pub struct OpReader<'r> {
    inner: &'r mut dyn Read,
    buf: Box<[u8]>,
    /// The size the buffer may grow to.
    buf_cap: usize,
    pos: usize,
    len: usize,
    /// Absolute offset of `buf[pos]`.
    offset: u64,
    eof: bool,
    keep: usize,
    frame_end: Option<u64>,
    /// Frame problems seen so far.
    pub frame_issues: FrameIssues,
}

impl<'r> OpReader<'r> {
    /// A reader keeping at most `keep` bytes of each literal.
    pub fn new(inner: &'r mut dyn Read, keep: usize) -> Self {
        Self::with_buffer(inner, keep, BUFFER_SIZE)
    }

    /// Like [`Self::new`] with a read buffer of `size` bytes (at least 1), for short
    /// inputs such as a sniffed file head.
    pub fn with_buffer(inner: &'r mut dyn Read, keep: usize, size: usize) -> Self {
        let buf_cap = size.clamp(1, BUFFER_SIZE);
        OpReader {
            inner,
            buf: vec![0u8; buf_cap.min(INITIAL_BUFFER_SIZE)].into_boxed_slice(),
            buf_cap,
            pos: 0,
            len: 0,
            offset: 0,
            eof: false,
            keep,
            frame_end: None,
            frame_issues: FrameIssues::default(),
        }
    }

    /// Bytes consumed so far.
    #[must_use]
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// Refill when empty; returns how many bytes are buffered.
    fn fill(&mut self) -> Result<usize, ReadError> {
        if self.pos < self.len {
            return Ok(self.len - self.pos);
        }
        self.pos = 0;
        self.len = 0;
        if self.eof {
            return Ok(0);
        }
        loop {
            match self.inner.read(&mut self.buf) {
                Ok(n) if n >= self.buf.len() && self.buf.len() < self.buf_cap => {
                    // A full read: the stream is larger than the buffer, so grow it for
                    // the next refill (the buffered bytes are kept).
                    let mut grown = vec![0u8; (self.buf.len() * 2).min(self.buf_cap)];
                    grown[..n].copy_from_slice(&self.buf[..n]);
                    self.buf = grown.into_boxed_slice();
                    self.len = n;
                    return Ok(n);
                }
                Ok(0) => {
                    self.eof = true;
                    return Ok(0);
                }
                Ok(n) => {
                    self.len = n.min(self.buf.len());
                    return Ok(self.len);
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(ReadError::Io(e.to_string())),
            }
        }
    }

    /// Whether the input is exhausted.
    pub fn at_eof(&mut self) -> Result<bool, ReadError> {
        Ok(self.fill()? == 0)
    }

    /// Bytes left in the current frame, if one is open and not used up.
    #[must_use]
    pub fn frame_remaining(&self) -> Option<u64> {
        self.frame_end
            .filter(|end| *end > self.offset)
            .map(|end| end - self.offset)
    }

    /// Forget the current frame (after its problem was reported).
    pub fn end_frame(&mut self) {
        self.frame_end = None;
    }

    /// Read one raw byte outside the opcode grammar (joblib padding length).
    pub fn read_byte(&mut self, what: &'static str) -> Result<u8, ReadError> {
        self.byte(what)
    }

    #[inline]
    fn byte(&mut self, what: &'static str) -> Result<u8, ReadError> {
        // Fast path: the byte is already buffered (almost always).
        if self.pos < self.len
            && let Some(&b) = self.buf.get(self.pos)
        {
            self.pos += 1;
            self.offset += 1;
            return Ok(b);
        }
        if self.fill()? == 0 {
            return Err(ReadError::Truncated {
                what,
                at: self.offset,
            });
        }
        let b = self.buf.get(self.pos).copied().unwrap_or(0);
        self.pos += 1;
        self.offset += 1;
        Ok(b)
    }

    fn fixed<const N: usize>(&mut self, what: &'static str) -> Result<[u8; N], ReadError> {
        let mut out = [0u8; N];
        if self.len.saturating_sub(self.pos) >= N
            && let Some(bytes) = self.buf.get(self.pos..self.pos + N)
        {
            out.copy_from_slice(bytes);
            self.pos += N;
            self.offset += N as u64;
            return Ok(out);
        }
        for slot in &mut out {
            *slot = self.byte(what)?;
        }
        Ok(out)
    }

    /// Read `len` bytes, keeping at most `keep` of them.
    fn literal(&mut self, len: u64, what: &'static str) -> Result<Literal, ReadError> {
        let keep = u64::try_from(self.keep).unwrap_or(u64::MAX).min(len);
        let mut kept = Vec::with_capacity(usize::try_from(keep).unwrap_or(0));
        let mut remaining = len;
        while remaining > 0 {
            let avail = self.fill()?;
            if avail == 0 {
                return Err(ReadError::Truncated {
                    what,
                    at: self.offset,
                });
            }
            let take = usize::try_from(remaining).unwrap_or(usize::MAX).min(avail);
            let room = self.keep.saturating_sub(kept.len()).min(take);
            if room > 0 {
                kept.extend_from_slice(self.buf.get(self.pos..self.pos + room).unwrap_or_default());
            }
            self.pos += take;
            self.offset += take as u64;
            remaining -= take as u64;
        }
        Ok(Literal {
            kept,
            full_len: len,
        })
    }

    /// Read and discard `len` bytes (raw array data that follows a joblib wrapper).
    pub fn skip(&mut self, len: u64) -> Result<(), ReadError> {
        let keep = std::mem::replace(&mut self.keep, 0);
        let result = self.literal(len, "raw array data").map(|_| ());
        self.keep = keep;
        result
    }

    /// Read a newline-terminated line (without the newline), keeping at most `keep` bytes.
    fn line(&mut self, what: &'static str) -> Result<Literal, ReadError> {
        let mut kept = Vec::new();
        let mut full_len = 0u64;
        loop {
            let avail = self.fill()?;
            if avail == 0 {
                return Err(ReadError::Truncated {
                    what,
                    at: self.offset,
                });
            }
            let window = self.buf.get(self.pos..self.len).unwrap_or_default();
            let (take, done) = match memchr::memchr(b'\n', window) {
                Some(i) => (i, true),
                None => (window.len(), false),
            };
            let room = self.keep.saturating_sub(kept.len()).min(take);
            kept.extend_from_slice(window.get(..room).unwrap_or_default());
            full_len += take as u64;
            let consumed = if done { take + 1 } else { take };
            self.pos += consumed;
            self.offset += consumed as u64;
            if done {
                return Ok(Literal { kept, full_len });
            }
        }
    }

    /// Decode the next opcode, or `None` at a clean end of input.
    pub fn next_op(&mut self) -> Result<Option<Located>, ReadError> {
        if self.at_eof()? {
            if let Some(end) = self.frame_end
                && end > self.offset
            {
                return Err(ReadError::Truncated {
                    what: "a FRAME",
                    at: self.offset,
                });
            }
            return Ok(None);
        }
        let offset = self.offset;
        if self.frame_end.is_some_and(|end| offset >= end) {
            self.frame_end = None;
        }
        let code = self.byte("an opcode")?;
        let op = self.decode(code, offset)?;
        if let Some(end) = self.frame_end
            && self.offset > end
            && !matches!(op, Op::Frame(_))
        {
            self.frame_issues.straddled_at.get_or_insert(offset);
            self.frame_end = None;
        }
        Ok(Some(Located { offset, op }))
    }

    fn decode(&mut self, code: u8, offset: u64) -> Result<Op, ReadError> {
        Ok(match code {
            b'(' => Op::Mark,
            b'.' => Op::Stop,
            b'0' => Op::Pop,
            b'1' => Op::PopMark,
            b'2' => Op::Dup,
            b'F' => {
                let line = self.line("a FLOAT")?;
                Op::Float(parse_float(&line)?)
            }
            b'G' => Op::Float(f64::from_be_bytes(self.fixed::<8>("a BINFLOAT")?)),
            b'I' => {
                let line = self.line("an INT")?;
                match line.kept.as_slice() {
                    b"00" => Op::Bool(false),
                    b"01" => Op::Bool(true),
                    _ => Op::Int(parse_decimal_int(&line, false)?),
                }
            }
            b'J' => Op::Int(IntArg::Small(i64::from(i32::from_le_bytes(
                self.fixed::<4>("a BININT")?,
            )))),
            b'K' => Op::Int(IntArg::Small(i64::from(self.byte("a BININT1")?))),
            b'M' => Op::Int(IntArg::Small(i64::from(u16::from_le_bytes(
                self.fixed::<2>("a BININT2")?,
            )))),
            b'L' => {
                let line = self.line("a LONG")?;
                Op::Int(parse_decimal_int(&line, true)?)
            }
            0x8a => {
                let n = u64::from(self.byte("a LONG1 length")?);
                Op::Int(decode_long(&self.literal(n, "a LONG1")?))
            }
            0x8b => {
                let n = i32::from_le_bytes(self.fixed::<4>("a LONG4 length")?);
                let n = u64::try_from(n)
                    .map_err(|_| ReadError::Malformed("LONG4 has a negative length".into()))?;
                Op::Int(decode_long(&self.literal(n, "a LONG4")?))
            }
            b'S' => {
                let line = self.line("a STRING")?;
                Op::PyStr(unquote_string(&line)?)
            }
            b'T' => {
                let n = i32::from_le_bytes(self.fixed::<4>("a BINSTRING length")?);
                let n = u64::try_from(n)
                    .map_err(|_| ReadError::Malformed("BINSTRING has a negative length".into()))?;
                Op::PyStr(self.literal(n, "a BINSTRING")?)
            }
            b'U' => {
                let n = u64::from(self.byte("a SHORT_BINSTRING length")?);
                Op::PyStr(self.literal(n, "a SHORT_BINSTRING")?)
            }
            b'B' => {
                let n = u64::from(u32::from_le_bytes(self.fixed::<4>("a BINBYTES length")?));
                Op::Bytes(self.literal(n, "a BINBYTES")?)
            }
            b'C' => {
                let n = u64::from(self.byte("a SHORT_BINBYTES length")?);
                Op::Bytes(self.literal(n, "a SHORT_BINBYTES")?)
            }
            0x8e => {
                let n = u64::from_le_bytes(self.fixed::<8>("a BINBYTES8 length")?);
                Op::Bytes(self.literal(n, "a BINBYTES8")?)
            }
            0x96 => {
                let n = u64::from_le_bytes(self.fixed::<8>("a BYTEARRAY8 length")?);
                Op::ByteArray(self.literal(n, "a BYTEARRAY8")?)
            }
            0x97 => Op::NextBuffer,
            0x98 => Op::ReadonlyBuffer,
            b'N' => Op::None,
            0x88 => Op::Bool(true),
            0x89 => Op::Bool(false),
            b'V' => {
                let line = self.line("a UNICODE")?;
                Op::Unicode(raw_unicode_unescape(&line))
            }
            0x8c => {
                let n = u64::from(self.byte("a SHORT_BINUNICODE length")?);
                Op::Unicode(self.literal(n, "a SHORT_BINUNICODE")?)
            }
            b'X' => {
                let n = u64::from(u32::from_le_bytes(self.fixed::<4>("a BINUNICODE length")?));
                Op::Unicode(self.literal(n, "a BINUNICODE")?)
            }
            0x8d => {
                let n = u64::from_le_bytes(self.fixed::<8>("a BINUNICODE8 length")?);
                Op::Unicode(self.literal(n, "a BINUNICODE8")?)
            }
            b']' => Op::EmptyList,
            b'a' => Op::Append,
            b'e' => Op::Appends,
            b'l' => Op::List,
            b')' => Op::EmptyTuple,
            b't' => Op::Tuple,
            0x85 => Op::TupleN(1),
            0x86 => Op::TupleN(2),
            0x87 => Op::TupleN(3),
            b'}' => Op::EmptyDict,
            b'd' => Op::Dict,
            b's' => Op::SetItem,
            b'u' => Op::SetItems,
            0x8f => Op::EmptySet,
            0x90 => Op::AddItems,
            0x91 => Op::FrozenSet,
            b'g' => Op::Get(parse_slot(&self.line("a GET")?)?),
            b'h' => Op::Get(u64::from(self.byte("a BINGET")?)),
            b'j' => Op::Get(u64::from(u32::from_le_bytes(
                self.fixed::<4>("a LONG_BINGET")?,
            ))),
            b'p' => Op::Put(parse_slot(&self.line("a PUT")?)?),
            b'q' => Op::Put(u64::from(self.byte("a BINPUT")?)),
            b'r' => Op::Put(u64::from(u32::from_le_bytes(
                self.fixed::<4>("a LONG_BINPUT")?,
            ))),
            0x94 => Op::Memoize,
            0x82 => Op::Ext(i64::from(self.byte("an EXT1")?)),
            0x83 => Op::Ext(i64::from(u16::from_le_bytes(self.fixed::<2>("an EXT2")?))),
            0x84 => Op::Ext(i64::from(i32::from_le_bytes(self.fixed::<4>("an EXT4")?))),
            b'c' => {
                let module = self.line("a GLOBAL module")?;
                let name = self.line("a GLOBAL name")?;
                Op::Global { module, name }
            }
            0x93 => Op::StackGlobal,
            b'i' => {
                let module = self.line("an INST module")?;
                let name = self.line("an INST name")?;
                Op::Inst { module, name }
            }
            b'R' => Op::Reduce,
            b'b' => Op::Build,
            b'o' => Op::Obj,
            0x81 => Op::NewObj,
            0x92 => Op::NewObjEx,
            0x80 => Op::Proto(self.byte("a PROTO")?),
            0x95 => {
                let n = u64::from_le_bytes(self.fixed::<8>("a FRAME length")?);
                if let Some(end) = self.frame_end
                    && end > offset
                {
                    self.frame_issues.nested_at.get_or_insert(offset);
                }
                self.frame_end = Some(self.offset.saturating_add(n));
                Op::Frame(n)
            }
            b'P' => Op::PersId(self.line("a PERSID")?),
            b'Q' => Op::BinPersId,
            other => Op::Unknown(other),
        })
    }
}

fn malformed(what: &str, line: &Literal) -> ReadError {
    ReadError::Malformed(format!(
        "{what}: {:?}",
        String::from_utf8_lossy(line.kept.get(..64).unwrap_or(&line.kept))
    ))
}

fn parse_float(line: &Literal) -> Result<f64, ReadError> {
    let text = std::str::from_utf8(&line.kept).map_err(|_| malformed("bad FLOAT", line))?;
    let text = text.trim();
    match text {
        "nan" | "-nan" => Ok(f64::NAN),
        "inf" => Ok(f64::INFINITY),
        "-inf" => Ok(f64::NEG_INFINITY),
        _ => text.parse().map_err(|_| malformed("bad FLOAT", line)),
    }
}

fn parse_decimal_int(line: &Literal, long: bool) -> Result<IntArg, ReadError> {
    let mut digits = line.kept.as_slice();
    if long && !line.is_truncated() {
        digits = digits.strip_suffix(b"L").unwrap_or(digits);
    }
    let text = std::str::from_utf8(digits).map_err(|_| malformed("bad integer", line))?;
    let body = text.trim().trim_start_matches(['-', '+']);
    if body.is_empty() || !body.bytes().all(|b| b.is_ascii_digit() || b == b'_') {
        return Err(malformed("bad integer", line));
    }
    if line.is_truncated() {
        return Ok(IntArg::Big(format!("{}...", text.trim())));
    }
    Ok(match text.trim().parse::<i64>() {
        Ok(v) => IntArg::Small(v),
        Err(_) => IntArg::Big(text.trim().to_owned()),
    })
}

fn parse_slot(line: &Literal) -> Result<u64, ReadError> {
    std::str::from_utf8(&line.kept)
        .ok()
        .and_then(|t| t.trim().parse::<u64>().ok())
        .ok_or_else(|| malformed("bad memo slot", line))
}

/// Little-endian two's complement, as LONG1/LONG4 store it.
fn decode_long(lit: &Literal) -> IntArg {
    if lit.full_len == 0 {
        return IntArg::Small(0);
    }
    if lit.full_len <= 8 && !lit.is_truncated() {
        let negative = lit.kept.last().is_some_and(|b| b & 0x80 != 0);
        let mut bytes = if negative { [0xffu8; 8] } else { [0u8; 8] };
        for (slot, b) in bytes.iter_mut().zip(&lit.kept) {
            *slot = *b;
        }
        return IntArg::Small(i64::from_le_bytes(bytes));
    }
    IntArg::Big(format!("<{}-byte integer>", lit.full_len))
}

/// Undo the quoting of a protocol-0 STRING argument (Python's `codecs.escape_decode`).
fn unquote_string(line: &Literal) -> Result<Literal, ReadError> {
    let raw = line.kept.as_slice();
    let quote = match raw.first() {
        Some(q @ (b'\'' | b'"')) => *q,
        _ => return Err(malformed("the STRING opcode argument must be quoted", line)),
    };
    let inner = if line.is_truncated() {
        raw.get(1..).unwrap_or_default()
    } else if raw.len() >= 2 && raw.last() == Some(&quote) {
        raw.get(1..raw.len() - 1).unwrap_or_default()
    } else {
        return Err(malformed("the STRING opcode argument must be quoted", line));
    };
    let mut out = Vec::with_capacity(inner.len());
    let mut i = 0;
    while let Some(&b) = inner.get(i) {
        i += 1;
        if b != b'\\' {
            out.push(b);
            continue;
        }
        let Some(&e) = inner.get(i) else {
            if line.is_truncated() {
                break;
            }
            return Err(malformed("trailing backslash in STRING", line));
        };
        i += 1;
        match e {
            b'n' => out.push(b'\n'),
            b't' => out.push(b'\t'),
            b'r' => out.push(b'\r'),
            b'a' => out.push(7),
            b'b' => out.push(8),
            b'f' => out.push(12),
            b'v' => out.push(11),
            b'\n' => {}
            b'\\' | b'\'' | b'"' => out.push(e),
            b'x' => {
                let hex = inner
                    .get(i..i + 2)
                    .and_then(|h| std::str::from_utf8(h).ok());
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(v) => {
                        out.push(v);
                        i += 2;
                    }
                    None if line.is_truncated() => break,
                    None => return Err(malformed("bad \\x escape in STRING", line)),
                }
            }
            b'0'..=b'7' => {
                let mut value = u32::from(e - b'0');
                for _ in 0..2 {
                    match inner.get(i) {
                        Some(d @ b'0'..=b'7') => {
                            value = value * 8 + u32::from(d - b'0');
                            i += 1;
                        }
                        _ => break,
                    }
                }
                out.push((value & 0xff) as u8);
            }
            other => {
                // Python keeps unknown escapes verbatim, backslash included.
                out.push(b'\\');
                out.push(other);
            }
        }
    }
    let dropped = line.full_len.saturating_sub(line.kept.len() as u64);
    let full_len = out.len() as u64 + dropped;
    Ok(Literal {
        kept: out,
        full_len,
    })
}

/// Decode a protocol-0 UNICODE argument (`raw-unicode-escape`) into UTF-8.
fn raw_unicode_unescape(line: &Literal) -> Literal {
    let raw = line.kept.as_slice();
    let mut out = String::with_capacity(raw.len());
    let mut i = 0;
    while let Some(&b) = raw.get(i) {
        if b == b'\\' {
            let width = match raw.get(i + 1) {
                Some(b'u') => 4,
                Some(b'U') => 8,
                _ => 0,
            };
            let digits = raw
                .get(i + 2..i + 2 + width)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u32::from_str_radix(h, 16).ok());
            if width > 0
                && let Some(c) = digits.and_then(char::from_u32)
            {
                out.push(c);
                i += 2 + width;
                continue;
            }
        }
        out.push(char::from(b));
        i += 1;
    }
    let dropped = line.full_len.saturating_sub(line.kept.len() as u64);
    let full_len = out.len() as u64 + dropped;
    Literal {
        kept: out.into_bytes(),
        full_len,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ops(bytes: &[u8], keep: usize) -> Vec<Result<Op, ReadError>> {
        let mut cursor = bytes;
        let mut reader = OpReader::new(&mut cursor, keep);
        let mut out = Vec::new();
        loop {
            match reader.next_op() {
                Ok(Some(l)) => out.push(Ok(l.op)),
                Ok(None) => break,
                Err(e) => {
                    out.push(Err(e));
                    break;
                }
            }
        }
        out
    }

    #[test]
    fn decodes_protocol_zero_text_forms() {
        let got = ops(
            b"I42\nI01\nL-7L\nF1.5\nS'a\\x41\\n\\'b'\nVx\\u00e9\ncos\nsystem\np3\ng3\n.",
            64,
        );
        let got: Vec<Op> = got.into_iter().map(Result::unwrap).collect();
        assert_eq!(got.first(), Some(&Op::Int(IntArg::Small(42))));
        assert_eq!(got.get(1), Some(&Op::Bool(true)));
        assert_eq!(got.get(2), Some(&Op::Int(IntArg::Small(-7))));
        assert_eq!(got.get(3), Some(&Op::Float(1.5)));
        match got.get(4) {
            Some(Op::PyStr(l)) => assert_eq!(l.kept, b"aA\n'b"),
            other => panic!("{other:?}"),
        }
        match got.get(5) {
            Some(Op::Unicode(l)) => assert_eq!(l.kept, "xé".as_bytes()),
            other => panic!("{other:?}"),
        }
        assert!(matches!(got.get(6), Some(Op::Global { .. })));
        assert_eq!(got.get(7), Some(&Op::Put(3)));
        assert_eq!(got.get(8), Some(&Op::Get(3)));
        assert_eq!(got.get(9), Some(&Op::Stop));
    }

    #[test]
    fn negative_lengths_are_malformed() {
        let mut binstring = vec![b'T'];
        binstring.extend_from_slice(&(-1i32).to_le_bytes());
        assert!(matches!(
            ops(&binstring, 8).first(),
            Some(Err(ReadError::Malformed(_)))
        ));
        let mut long4 = vec![0x8b];
        long4.extend_from_slice(&(-5i32).to_le_bytes());
        assert!(matches!(
            ops(&long4, 8).first(),
            Some(Err(ReadError::Malformed(_)))
        ));
    }

    #[test]
    fn text_floats_and_wide_escapes_decode() {
        let got = ops(b"Finf\nF-1e3\nVa\\U0001F600b\nS\"x\\101\"\n", 64);
        assert_eq!(got.first(), Some(&Ok(Op::Float(f64::INFINITY))));
        assert_eq!(got.get(1), Some(&Ok(Op::Float(-1000.0))));
        match got.get(2) {
            Some(Ok(Op::Unicode(l))) => assert_eq!(l.kept, "a😀b".as_bytes()),
            other => panic!("{other:?}"),
        }
        match got.get(3) {
            Some(Ok(Op::PyStr(l))) => assert_eq!(l.kept, b"xA"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn unquoted_string_is_malformed_not_a_panic() {
        let got = ops(b"Sabc\n.", 64);
        assert!(matches!(got.first(), Some(Err(ReadError::Malformed(_)))));
    }

    #[test]
    fn huge_literal_claim_is_truncated_without_allocating() {
        let mut data = vec![0x8e];
        data.extend_from_slice(&(1u64 << 63).to_le_bytes());
        data.extend_from_slice(b"abc");
        let got = ops(&data, 16);
        assert!(matches!(
            got.first(),
            Some(Err(ReadError::Truncated { at: 12, .. }))
        ));
    }

    #[test]
    fn long_literal_keeps_only_a_prefix() {
        let mut data = vec![b'B'];
        data.extend_from_slice(&100u32.to_le_bytes());
        data.extend_from_slice(&[7u8; 100]);
        data.push(b'.');
        let got = ops(&data, 10);
        match got.first() {
            Some(Ok(Op::Bytes(l))) => {
                assert_eq!(l.kept.len(), 10);
                assert_eq!(l.full_len, 100);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(got.get(1), Some(&Ok(Op::Stop)));
    }

    #[test]
    fn long1_decodes_twos_complement() {
        let got = ops(&[0x8a, 2, 0xff, 0x7f, 0x8a, 1, 0xff], 16);
        assert_eq!(got.first(), Some(&Ok(Op::Int(IntArg::Small(0x7fff)))));
        assert_eq!(got.get(1), Some(&Ok(Op::Int(IntArg::Small(-1)))));
    }

    #[test]
    fn straddling_frame_is_noticed() {
        // FRAME of 2 bytes, then a 3-byte BININT2 that crosses the frame end.
        let mut data = vec![0x95];
        data.extend_from_slice(&2u64.to_le_bytes());
        data.extend_from_slice(&[b'M', 1, 0, b'.']);
        let mut cursor = data.as_slice();
        let mut reader = OpReader::new(&mut cursor, 16);
        while let Ok(Some(_)) = reader.next_op() {}
        assert_eq!(reader.frame_issues.straddled_at, Some(9));
    }

    #[test]
    fn lying_frame_past_the_end_is_truncated() {
        let mut data = vec![0x95];
        data.extend_from_slice(&1000u64.to_le_bytes());
        data.extend_from_slice(b"N.");
        let got = ops(&data, 16);
        assert!(matches!(got.last(), Some(Err(ReadError::Truncated { .. }))));
    }
}
