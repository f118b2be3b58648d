//! numpy `.npy` arrays (header versions 1, 2 and 3).
//!
//! The header is a Python dict literal (`descr`, `fortran_order`, `shape`) read with a
//! small bounded tokenizer, never evaluated. An object dtype (`|O`, or a structured
//! dtype with an `O` field) means the body is a pickle: it goes to the pickle machine.
//! A numeric array is clean without reading its data; when the size of the source is
//! known, shape × itemsize is checked against it.
//!
//! Must never evaluate the header, read numeric array data, or trust the header length.

use std::io::Read;

use super::{Ctx, Outcome};
use crate::finding::{FileKind, Finding};
use crate::pickle::{Flavor, StreamOptions};
use crate::rules::container::{npy_header_invalid, npy_object_array};

/// The parsed header of an `.npy` file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Header {
    /// The dtype strings in `descr` (one for a plain dtype, one per field for a structured one).
    pub dtypes: Vec<String>,
    /// `fortran_order`.
    pub fortran_order: bool,
    /// `shape`.
    pub shape: Vec<u64>,
    /// Whether `descr` is a list of fields (a structured dtype), even of one field.
    pub structured: bool,
}

impl Header {
    /// Whether any dtype is an object (`O`): the body is then a pickle.
    #[must_use]
    pub fn has_object(&self) -> bool {
        self.dtypes.iter().any(|d| {
            let code = d.trim_start_matches(['<', '>', '|', '=']);
            code.starts_with('O')
        })
    }

    /// Bytes of one element, when every dtype has a known size.
    #[must_use]
    pub fn itemsize(&self) -> Option<u64> {
        self.dtypes
            .iter()
            .try_fold(0u64, |acc, d| acc.checked_add(dtype_size(d)?))
    }

    /// Bytes of the whole array, when known.
    #[must_use]
    pub fn data_size(&self) -> Option<u64> {
        self.shape
            .iter()
            .try_fold(self.itemsize()?, |acc, dim| acc.checked_mul(*dim))
    }
}

fn dtype_size(descr: &str) -> Option<u64> {
    let code = descr.trim_start_matches(['<', '>', '|', '=']);
    let mut chars = code.chars();
    let kind = chars.next()?;
    let digits: String = chars.take_while(char::is_ascii_digit).collect();
    let n: u64 = digits.parse().ok()?;
    match kind {
        'U' => n.checked_mul(4),
        'b' | 'i' | 'u' | 'f' | 'c' | 'S' | 'a' | 'V' | 'M' | 'm' => Some(n),
        _ => None,
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Token {
    Str(String),
    Word(String),
    Punct(char),
}

fn tokenize(text: &str) -> Result<Vec<Token>, String> {
    let mut tokens = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\n' | '\t' | '\r' => {}
            '\'' | '"' => {
                let mut s = String::new();
                loop {
                    match chars.next() {
                        Some(q) if q == c => break,
                        Some('\\') => s.extend(chars.next()),
                        Some(other) => s.push(other),
                        None => return Err("unterminated string".into()),
                    }
                }
                tokens.push(Token::Str(s));
            }
            '{' | '}' | '(' | ')' | '[' | ']' | ':' | ',' => tokens.push(Token::Punct(c)),
            c if c.is_ascii_alphanumeric() || c == '-' || c == '_' => {
                let mut w = String::from(c);
                while let Some(&n) = chars.peek() {
                    if n.is_ascii_alphanumeric() || n == '_' {
                        w.push(n);
                        chars.next();
                    } else {
                        break;
                    }
                }
                tokens.push(Token::Word(w));
            }
            other => return Err(format!("unexpected character {other:?}")),
        }
    }
    Ok(tokens)
}

/// Parse the dict literal of an `.npy` header.
///
/// # Errors
/// A description of what is malformed.
pub fn parse_header(text: &str) -> Result<Header, String> {
    let tokens = tokenize(text)?;
    let mut header = Header::default();
    let mut seen_descr = false;
    let mut seen_shape = false;
    let mut at = 0usize;
    if tokens.first() != Some(&Token::Punct('{')) {
        return Err("header is not a dict".into());
    }
    at += 1;
    loop {
        match tokens.get(at) {
            Some(Token::Punct('}')) => break,
            Some(Token::Punct(',')) => at += 1,
            Some(Token::Str(key)) => {
                if tokens.get(at + 1) != Some(&Token::Punct(':')) {
                    return Err(format!("no `:` after key {key:?}"));
                }
                let (value, next) = value_span(&tokens, at + 2)?;
                match key.as_str() {
                    "descr" => {
                        seen_descr = true;
                        header.dtypes = descr_types(value)?;
                        header.structured = value.first() == Some(&Token::Punct('['));
                    }
                    "fortran_order" => {
                        header.fortran_order = value == [Token::Word("True".into())];
                    }
                    "shape" => {
                        seen_shape = true;
                        header.shape = shape_of(value)?;
                    }
                    other => return Err(format!("unknown key {other:?}")),
                }
                at = next;
            }
            _ => return Err("malformed dict".into()),
        }
    }
    if !seen_descr || !seen_shape {
        return Err("missing `descr` or `shape`".into());
    }
    Ok(header)
}

/// The tokens of one value starting at `start` (brackets balanced, iteratively), and
/// the index after it.
fn value_span(tokens: &[Token], start: usize) -> Result<(&[Token], usize), String> {
    let mut depth = 0usize;
    let mut at = start;
    loop {
        match tokens.get(at) {
            None => return Err("header ends inside a value".into()),
            Some(Token::Punct('(' | '[' | '{')) => depth += 1,
            Some(Token::Punct(')' | ']' | '}')) if depth > 0 => depth -= 1,
            Some(Token::Punct(',' | '}')) if depth == 0 => break,
            _ => {}
        }
        at += 1;
    }
    let value = tokens.get(start..at).unwrap_or_default();
    if value.is_empty() {
        return Err("empty value".into());
    }
    Ok((value, at))
}

/// The dtype strings of `descr`: a string, or a list of `(name, dtype[, shape])` tuples.
fn descr_types(value: &[Token]) -> Result<Vec<String>, String> {
    match value {
        [Token::Str(s)] => Ok(vec![s.clone()]),
        [Token::Punct('['), ..] => {
            let mut types = Vec::new();
            let mut in_tuple_position = 0usize;
            for token in value {
                match token {
                    Token::Punct('(') => in_tuple_position = 1,
                    Token::Punct(',') if in_tuple_position > 0 => in_tuple_position += 1,
                    Token::Punct(')') => in_tuple_position = 0,
                    Token::Str(s) if in_tuple_position == 2 => types.push(s.clone()),
                    _ => {}
                }
            }
            if types.is_empty() {
                Err("structured descr without field types".into())
            } else {
                Ok(types)
            }
        }
        _ => Err("descr is neither a string nor a list".into()),
    }
}

fn shape_of(value: &[Token]) -> Result<Vec<u64>, String> {
    let mut shape = Vec::new();
    for token in value {
        match token {
            Token::Punct('(' | ')' | ',') => {}
            Token::Word(w) => shape.push(
                w.trim_end_matches('L')
                    .parse()
                    .map_err(|_| format!("shape entry {w:?} is not a size"))?,
            ),
            _ => return Err("shape is not a tuple of sizes".into()),
        }
    }
    Ok(shape)
}

/// Read the magic, version and header of an `.npy` stream.
///
/// # Errors
/// The finding for a malformed or oversized header.
pub fn read_header(reader: &mut dyn Read, max_header: u64) -> Result<(Header, u64), Box<Finding>> {
    let invalid = |m: String| Box::new(npy_header_invalid::finding(m));
    let mut prefix = [0u8; 8];
    reader
        .read_exact(&mut prefix)
        .map_err(|e| invalid(format!("truncated .npy header: {e}")))?;
    let major = prefix[6];
    let (header_len, fixed) = match major {
        1 => {
            let mut len = [0u8; 2];
            reader
                .read_exact(&mut len)
                .map_err(|e| invalid(format!("truncated .npy header: {e}")))?;
            (u64::from(u16::from_le_bytes(len)), 10u64)
        }
        2 | 3 => {
            let mut len = [0u8; 4];
            reader
                .read_exact(&mut len)
                .map_err(|e| invalid(format!("truncated .npy header: {e}")))?;
            (u64::from(u32::from_le_bytes(len)), 12u64)
        }
        other => return Err(invalid(format!("unknown .npy version {other}"))),
    };
    if header_len > max_header {
        return Err(invalid(format!(
            ".npy header of {header_len} bytes is over the limit"
        )));
    }
    let mut raw = Vec::new();
    reader
        .take(header_len)
        .read_to_end(&mut raw)
        .map_err(|e| invalid(format!("truncated .npy header: {e}")))?;
    if (raw.len() as u64) < header_len {
        return Err(invalid("truncated .npy header".into()));
    }
    // Versions 1 and 2 are latin-1, version 3 is UTF-8.
    let text: String = if major == 3 {
        String::from_utf8_lossy(&raw).into_owned()
    } else {
        raw.iter().map(|b| char::from(*b)).collect()
    };
    let header = parse_header(&text).map_err(|m| invalid(format!("malformed .npy header: {m}")))?;
    Ok((header, fixed + header_len))
}

/// Analyse an `.npy` stream; `size` is the total length when the source is random-access.
pub fn scan_npy(reader: &mut dyn Read, size: Option<u64>, ctx: &Ctx<'_>) -> Outcome {
    let (header, data_start) = match read_header(reader, ctx.limits.max_config_bytes) {
        Ok(parsed) => parsed,
        Err(finding) => return Outcome::of(FileKind::Numpy, vec![*finding]),
    };
    let mut findings = Vec::new();
    if header.has_object() {
        findings.push(
            npy_object_array::finding(format!(
                "object dtype {:?}: the array body is a pickle (needs allow_pickle=True)",
                header.dtypes
            ))
            .at_offset(data_start),
        );
        let options = StreamOptions {
            flavor: Flavor::Plain,
            max_pickles: Some(1),
        };
        let report = crate::pickle::analyze_stream(reader, options, ctx.limits);
        ctx.record_globals(&report);
        findings.extend(report.findings.into_iter().map(|mut f| {
            f.offset = f.offset.map(|o| o.saturating_add(data_start));
            f
        }));
        return Outcome::of(FileKind::Numpy, findings);
    }
    if let (Some(total), Some(expected)) = (size, header.data_size()) {
        let actual = total.saturating_sub(data_start);
        if actual != expected {
            findings.push(npy_header_invalid::finding(format!(
                "header promises {expected} data bytes (shape {:?}), the file holds {actual}",
                header.shape
            )));
        }
    }
    Outcome::of(FileKind::Numpy, findings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_plain_and_structured_headers() {
        let h =
            parse_header("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }").unwrap();
        assert_eq!(h.shape, vec![3, 4]);
        assert_eq!(h.data_size(), Some(48));
        assert!(!h.has_object());
        let s = parse_header(
            "{'descr': [('a', '<i8'), ('b', '|O')], 'fortran_order': False, 'shape': (2,), }",
        )
        .unwrap();
        assert!(s.has_object());
        let o = parse_header("{'descr': '|O', 'fortran_order': False, 'shape': (), }").unwrap();
        assert!(o.has_object());
    }

    #[test]
    fn rejects_malformed_headers() {
        assert!(parse_header("{'descr': '<f4', 'shape': (3,").is_err());
        assert!(parse_header("__import__('os')").is_err());
        assert!(parse_header("{'descr': '<f4'}").is_err());
    }

    proptest::proptest! {
        #[test]
        fn header_parser_never_panics(text in ".{0,200}") {
            let _ = parse_header(&text);
        }
    }
}
