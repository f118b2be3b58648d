//! Turning the bytes of a Python file into text, the way CPython would.
//!
//! The byte-order mark wins, then a PEP 263 coding cookie on line 1 or 2, then UTF-8.
//! An unknown cookie or bytes that do not decode never stop the scan: the text is decoded
//! lossily and the problem is returned as a note for the caller to report.
//!
//! Must never fail and never read beyond the given bytes.

use encoding_rs::{Encoding, UTF_8};

/// Decoded source text and what went wrong while decoding, if anything.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodedSource {
    /// The text, without any byte-order mark.
    pub text: String,
    /// Why the text may differ from what CPython would read (unknown cookie, bad bytes).
    pub note: Option<String>,
}

/// Decode Python source per BOM, PEP 263 cookie, or UTF-8.
#[must_use]
pub fn decode(bytes: &[u8]) -> DecodedSource {
    if let Some((encoding, bom_len)) = Encoding::for_bom(bytes) {
        let body = bytes.get(bom_len..).unwrap_or_default();
        return decode_with(encoding, body, "byte-order mark");
    }
    match coding_cookie(bytes) {
        Some(label) => match encoding_for_python_label(&label) {
            Some(encoding) => decode_with(encoding, bytes, "coding cookie"),
            None => {
                let mut decoded = decode_with(UTF_8, bytes, "UTF-8 fallback");
                decoded.note = Some(format!(
                    "unknown source encoding `{label}` in the coding cookie; read as UTF-8 with replacement characters"
                ));
                decoded
            }
        },
        None => decode_with(UTF_8, bytes, "UTF-8 default"),
    }
}

fn decode_with(encoding: &'static Encoding, bytes: &[u8], why: &str) -> DecodedSource {
    let (text, had_errors) = encoding.decode_without_bom_handling(bytes);
    let note = had_errors.then(|| {
        format!(
            "the file is not valid {} ({why}); undecodable bytes were replaced",
            encoding.name()
        )
    });
    DecodedSource {
        text: text.into_owned(),
        note,
    }
}

/// The encoding label of a PEP 263 cookie on line 1, or on line 2 when line 1 is a
/// comment or blank (CPython's rule).
fn coding_cookie(bytes: &[u8]) -> Option<String> {
    let mut lines = bytes.split(|b| *b == b'\n');
    let first = lines.next()?;
    if let Some(label) = cookie_in_line(first) {
        return Some(label);
    }
    let first_trimmed = trim_ascii_start(first);
    let first_is_comment_or_blank =
        first_trimmed.is_empty() || first_trimmed.starts_with(b"#") || first_trimmed == b"\r";
    if first_is_comment_or_blank {
        return lines.next().and_then(cookie_in_line);
    }
    None
}

fn trim_ascii_start(line: &[u8]) -> &[u8] {
    let start = line
        .iter()
        .position(|b| !matches!(b, b' ' | b'\t' | b'\x0c'))
        .unwrap_or(line.len());
    line.get(start..).unwrap_or_default()
}

/// Matches `^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)`.
fn cookie_in_line(line: &[u8]) -> Option<String> {
    let rest = trim_ascii_start(line).strip_prefix(b"#")?;
    let mut search_from = 0;
    while let Some(found) = memchr::memmem::find(rest.get(search_from..)?, b"coding") {
        let after = search_from + found + b"coding".len();
        if matches!(rest.get(after), Some(b':' | b'=')) {
            let value = rest.get(after + 1..)?;
            let value = value
                .iter()
                .position(|b| !matches!(b, b' ' | b'\t'))
                .and_then(|p| value.get(p..))?;
            let end = value
                .iter()
                .position(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.')))
                .unwrap_or(value.len());
            let label = value.get(..end)?;
            if label.is_empty() {
                return None;
            }
            return Some(String::from_utf8_lossy(label).into_owned());
        }
        search_from = after;
    }
    None
}

/// Map a Python codec name to an `encoding_rs` encoding. Python normalises `_` to `-`
/// and ignores case; a few Python spellings have no WHATWG label of their own.
fn encoding_for_python_label(label: &str) -> Option<&'static Encoding> {
    let normalised = label.trim().to_ascii_lowercase().replace('_', "-");
    let whatwg = match normalised.as_str() {
        "utf8" | "utf-8-sig" | "u8" | "utf" => "utf-8",
        "latin-1" | "latin1" | "iso8859-1" | "iso-8859-1" | "8859" | "cp819" | "l1" => "iso-8859-1",
        "ascii" | "us-ascii" | "646" => "windows-1252",
        "cp1252" | "windows-1252" => "windows-1252",
        "iso8859-15" | "latin-9" | "latin9" => "iso-8859-15",
        "euc-jp" | "eucjp" => "euc-jp",
        "shift-jis" | "sjis" | "s-jis" | "cp932" => "shift_jis",
        "gbk" | "cp936" | "gb2312" => "gbk",
        "big5" | "cp950" => "big5",
        "koi8-r" => "koi8-r",
        other => other,
    };
    Encoding::for_label(whatwg.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_is_the_default() {
        let decoded = decode("x = 'é'\n".as_bytes());
        assert_eq!(decoded.text, "x = 'é'\n");
        assert_eq!(decoded.note, None);
    }

    #[test]
    fn utf8_bom_is_stripped() {
        let decoded = decode(b"\xef\xbb\xbfimport pickle\n");
        assert_eq!(decoded.text, "import pickle\n");
    }

    #[test]
    fn latin1_cookie_on_line_two() {
        let decoded = decode(b"#!/usr/bin/env python\n# -*- coding: latin-1 -*-\ns = '\xe9'\n");
        assert!(decoded.text.contains("s = '\u{e9}'"), "{}", decoded.text);
        assert_eq!(decoded.note, None);
    }

    #[test]
    fn cp1252_cookie_with_equals() {
        let decoded = decode(b"# vim: set fileencoding=cp1252 :\ns = '\x80'\n");
        assert!(decoded.text.contains('\u{20ac}'));
    }

    #[test]
    fn cookie_on_line_two_is_ignored_after_code() {
        assert_eq!(coding_cookie(b"x = 1\n# coding: latin-1\n"), None);
    }

    #[test]
    fn unknown_cookie_is_lossy_utf8_with_a_note() {
        let decoded = decode(b"# coding: klingon\nx = '\xff'\n");
        assert!(decoded.text.contains('\u{fffd}'));
        assert!(decoded.note.unwrap_or_default().contains("klingon"));
    }

    #[test]
    fn invalid_utf8_is_noted() {
        assert!(decode(b"x = '\xff'\n").note.is_some());
    }
}
