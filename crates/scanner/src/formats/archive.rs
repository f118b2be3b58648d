//! tar (v7, ustar, GNU long names, PAX paths) and 7z archives.
//!
//! tar is walked as a stream, header by header (checksums verified), each regular
//! member analysed by content as a bounded sub-stream; compressed tars arrive here
//! through the decompressor. 7z goes through sevenz-rust2 with a dictionary memory
//! cap, one thread, and every member (of any name) analysed as a stream.
//! Path-traversal names and links are findings.
//!
//! Must never extract to disk, follow a link, or read a name or PAX record beyond
//! its bound.

use std::io::{self, Read, Seek, SeekFrom};

use super::sniff::{parse_octal, tar_checksum_ok};
use super::{Ctx, Outcome, analyze_stream};
use crate::finding::{FileKind, Finding};
use crate::rules::container::{
    archive_link_member, archive_malformed, archive_path_traversal, decompression_bomb,
};
use crate::source::ReadAt;
use sevenz_rust2::EntryDecision;

const BLOCK: u64 = 512;
/// Longest GNU long name or PAX header read; longer ones are malformed.
const MAX_NAME_RECORD: u64 = 64 << 10;

/// The finding for a member name that would escape an extraction directory.
#[must_use]
pub fn traversal_finding(name: &str) -> Option<Finding> {
    let normalized = name.replace('\\', "/");
    let bytes = normalized.as_bytes();
    let absolute = normalized.starts_with('/');
    let drive = bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':';
    let parent = normalized.split('/').any(|part| part == "..");
    (absolute || drive || parent).then(|| {
        archive_path_traversal::finding(format!(
            "member name `{name}` escapes the extraction directory"
        ))
    })
}

/// A tar header block, decoded.
struct TarHeader {
    name: String,
    size: u64,
    typeflag: u8,
    link: String,
}

fn field_text(block: &[u8], range: std::ops::Range<usize>) -> String {
    let field = block.get(range).unwrap_or_default();
    let end = memchr::memchr(0, field).unwrap_or(field.len());
    String::from_utf8_lossy(field.get(..end).unwrap_or_default()).into_owned()
}

/// Size field: octal, or GNU base-256 when the high bit is set.
fn tar_size(block: &[u8]) -> Option<u64> {
    let field = block.get(124..136)?;
    if field.first().is_some_and(|b| b & 0x80 != 0) {
        field.iter().skip(1).try_fold(0u64, |acc, b| {
            acc.checked_mul(256)?.checked_add(u64::from(*b))
        })
    } else {
        parse_octal(field).or(Some(0).filter(|_| field.iter().all(|b| *b == 0 || *b == b' ')))
    }
}

fn decode_header(block: &[u8]) -> Option<TarHeader> {
    let mut name = field_text(block, 0..100);
    if block.get(257..262) == Some(b"ustar") {
        let prefix = field_text(block, 345..500);
        if !prefix.is_empty() {
            name = format!("{prefix}/{name}");
        }
    }
    Some(TarHeader {
        name,
        size: tar_size(block)?,
        typeflag: *block.get(156)?,
        link: field_text(block, 157..257),
    })
}

/// The `path` of a PAX extended header (`"<len> path=<value>\n"` records).
fn pax_path(records: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(records);
    text.lines().find_map(|line| {
        let (_, record) = line.split_once(' ')?;
        record.strip_prefix("path=").map(str::to_owned)
    })
}

fn skip(reader: &mut dyn Read, n: u64) -> io::Result<()> {
    let copied = io::copy(&mut reader.take(n), &mut io::sink())?;
    if copied < n {
        return Err(io::ErrorKind::UnexpectedEof.into());
    }
    Ok(())
}

fn padding(size: u64) -> u64 {
    (BLOCK - size % BLOCK) % BLOCK
}

/// Walk a tar stream and analyse each regular member.
pub fn scan_tar(reader: &mut dyn Read, ctx: &Ctx<'_>, depth: usize) -> Outcome {
    let mut findings = Vec::new();
    let mut next_name: Option<String> = None;
    let mut block = [0u8; BLOCK as usize];
    loop {
        if let Err(error) = reader.read_exact(&mut block) {
            if error.kind() != io::ErrorKind::UnexpectedEof {
                findings.push(archive_malformed::finding(format!(
                    "tar read failed: {error}"
                )));
            }
            break;
        }
        if block.iter().all(|b| *b == 0) {
            break;
        }
        let header = match decode_header(&block).filter(|_| tar_checksum_ok(&block)) {
            Some(header) => header,
            None => {
                findings.push(archive_malformed::finding(
                    "tar header checksum or size is invalid",
                ));
                break;
            }
        };
        let step = header.size.saturating_add(padding(header.size));
        let result = match header.typeflag {
            b'L' | b'x' => read_name_record(reader, &header, step).map(|name| {
                if name.is_some() {
                    next_name = name;
                }
            }),
            b'0' | 0 | b'7' | b'1' | b'2' => {
                let name = next_name.take().unwrap_or(header.name.clone());
                member(reader, &header, &name, step, ctx, depth, &mut findings)
            }
            _ => skip(reader, step),
        };
        if let Err(error) = result {
            findings.push(archive_malformed::finding(format!(
                "tar stream ends early: {error}"
            )));
            break;
        }
        if ctx.exhausted() {
            break;
        }
    }
    Outcome::of(FileKind::Tar, findings)
}

fn read_name_record(
    reader: &mut dyn Read,
    header: &TarHeader,
    step: u64,
) -> io::Result<Option<String>> {
    if header.size > MAX_NAME_RECORD {
        skip(reader, step)?;
        return Ok(None);
    }
    let mut record = Vec::new();
    reader.take(header.size).read_to_end(&mut record)?;
    skip(reader, padding(header.size))?;
    Ok(if header.typeflag == b'L' {
        let end = memchr::memchr(0, &record).unwrap_or(record.len());
        Some(String::from_utf8_lossy(record.get(..end).unwrap_or_default()).into_owned())
    } else {
        pax_path(&record)
    })
}

fn member(
    reader: &mut dyn Read,
    header: &TarHeader,
    name: &str,
    step: u64,
    ctx: &Ctx<'_>,
    depth: usize,
    findings: &mut Vec<Finding>,
) -> io::Result<()> {
    if let Err(exhausted) = ctx.take_member() {
        findings.extend(exhausted.map(|f| *f));
        return Ok(());
    }
    findings.extend(traversal_finding(name));
    if matches!(header.typeflag, b'1' | b'2') {
        let kind = if header.typeflag == b'2' {
            "symbolic"
        } else {
            "hard"
        };
        findings.push(archive_link_member::finding(format!(
            "`{name}` is a {kind} link to `{}` (never followed)",
            header.link
        )));
        return skip(reader, step);
    }
    let mut body = reader.take(header.size);
    let outcome = analyze_stream(&mut body, ctx, depth + 1);
    findings.extend(outcome.inside(name).findings);
    let left = body.limit();
    skip(reader, left.saturating_add(padding(header.size)))
}

/// A seekable reader over a [`ReadAt`], for sevenz-rust2.
struct Seekable<'a> {
    data: &'a dyn ReadAt,
    pos: u64,
}

impl Read for Seekable<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.data.read_at(self.pos, buf)?;
        self.pos = self.pos.saturating_add(n as u64);
        Ok(n)
    }
}

impl Seek for Seekable<'_> {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let size = self.data.size();
        let target = match to {
            SeekFrom::Start(n) => Some(n),
            SeekFrom::End(d) => size.checked_add_signed(d),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        };
        self.pos = target.ok_or_else(|| io::Error::from(io::ErrorKind::InvalidInput))?;
        Ok(self.pos)
    }
}

/// Open a 7z archive and analyse every member by content.
///
/// sevenz-rust2 runs inside `catch_unwind`: a panic on a hostile archive ends the walk
/// with a finding, keeping what was found before it.
pub fn scan_7z(data: &dyn ReadAt, ctx: &Ctx<'_>, depth: usize) -> Outcome {
    let mut findings = Vec::new();
    let walk = std::panic::AssertUnwindSafe(|| walk_7z(data, ctx, depth, &mut findings));
    if std::panic::catch_unwind(walk).is_err() {
        findings.push(archive_malformed::finding(
            "the 7z decoder failed on malformed input",
        ));
    }
    Outcome::of(FileKind::SevenZip, findings)
}

fn walk_7z(data: &dyn ReadAt, ctx: &Ctx<'_>, depth: usize, findings: &mut Vec<Finding>) {
    let source = Seekable { data, pos: 0 };
    let memory_kb = usize::try_from(ctx.limits.max_decoder_memory / 1024).unwrap_or(usize::MAX);
    let mut reader = match sevenz_rust2::ArchiveReader::new_with_memory_limit(
        source,
        sevenz_rust2::Password::empty(),
        memory_kb,
    ) {
        Ok(reader) => reader,
        Err(error) => {
            findings.push(archive_malformed::finding(format!(
                "7z archive refused: {error}"
            )));
            return;
        }
    };
    reader.set_thread_count(1);
    let archive_size = data.size().max(1);
    let walked = reader.for_each_entries_with_decision(|entry, body| {
        if ctx.exhausted() {
            return Ok(EntryDecision::Stop);
        }
        if entry.is_directory() {
            return Ok(EntryDecision::Continue);
        }
        if let Err(exhausted) = ctx.take_member() {
            findings.extend(exhausted.map(|f| *f));
            return Ok(EntryDecision::Stop);
        }
        let name = entry.name().to_owned();
        // 7z decodes (and checks) every byte of a block: a member that declares more
        // than the budget, or far more than the whole archive could hold, stops the walk.
        let declared = entry.size();
        if declared > ctx.limits.max_decompressed_bytes
            || (declared > ctx.limits.ratio_check_after
                && declared / archive_size > ctx.limits.max_compression_ratio)
        {
            let mut bomb = decompression_bomb::finding(format!(
                "7z member declares {declared} bytes from a {archive_size}-byte archive: not decompressed"
            ));
            bomb.inside(&name);
            findings.push(bomb);
            return Ok(EntryDecision::Stop);
        }
        findings.extend(traversal_finding(&name));
        let mut bounded = body.take(ctx.limits.max_decompressed_bytes);
        let outcome = analyze_stream(&mut bounded, ctx, depth + 1);
        findings.extend(outcome.inside(&name).findings);
        Ok(EntryDecision::Continue)
    });
    if let Err(error) = walked {
        findings.push(archive_malformed::finding(format!(
            "7z archive ends early: {error}"
        )));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traversal_names() {
        assert!(traversal_finding("../etc/passwd").is_some());
        assert!(traversal_finding("/abs/path").is_some());
        assert!(traversal_finding("C:\\Windows\\x").is_some());
        assert!(traversal_finding("a/../../b").is_some());
        assert!(traversal_finding("archive/data.pkl").is_none());
        assert!(traversal_finding("a/..b/c").is_none());
    }

    #[test]
    fn pax_path_record() {
        assert_eq!(
            pax_path(b"30 path=long/name/data.pkl\n"),
            Some("long/name/data.pkl".into())
        );
        assert_eq!(pax_path(b"20 mtime=1234.5\n"), None);
    }
}
