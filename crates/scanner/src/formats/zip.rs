//! Zip archives read the way PyTorch reads them, plus every trick reported.
//!
//! The central directory comes from rawzip; each entry's local header is parsed here
//! (30-byte fixed header, name, extra, zip64 sizes) to find its data, and the local
//! headers are also walked in sequence to find members the directory does not list,
//! or to recover every member when the directory is missing. CRC and flag bits are
//! ignored (as `torch.load` ignores them) and reported; local/central name mismatches,
//! duplicate names, prepended and appended data are findings, and every copy of a
//! duplicated name is analysed. Members are sniffed by content, decompressed through a
//! guard, and analysed recursively; PyTorch tensor storages are never read.
//!
//! Must never extract to disk, trust a declared size, or read a member it does not
//! analyse beyond its first bytes.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::io::{self, Read};

use super::compress::{self, Codec};
use super::{Ctx, Outcome, analyze_at, analyze_with_head, archive, sniff, torch};
use crate::finding::{FileKind, Finding};
use crate::rules::container::{
    archive_link_member, archive_malformed, decompression_bomb, zip_duplicate_member,
    zip_extra_data, zip_flag_anomaly, zip_hidden_member, zip_missing_directory, zip_name_mismatch,
};
use crate::source::{Cursor, ReadAt, Window};

const LOCAL_SIGNATURE: &[u8; 4] = b"PK\x03\x04";
const DESCRIPTOR_SIGNATURE: &[u8; 4] = b"PK\x07\x08";
const LOCAL_FIXED_LEN: u64 = 30;
/// Flag bits `torch.load` ignores and `zipfile` refuses: encrypted, 0x20 (patched data),
/// 0x40 (strong encryption).
const SUSPICIOUS_FLAGS: u16 = 0x1 | 0x20 | 0x40;
const DATA_DESCRIPTOR_FLAG: u16 = 0x8;

/// One member, as the central directory and its local header describe it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Name from the central directory (or the local header when unlisted).
    pub name: String,
    /// Name from the local header.
    pub local_name: String,
    /// Compression method.
    pub method: u16,
    /// General-purpose flags (central and local, or-ed).
    pub flags: u16,
    /// Offset of the local header.
    pub header_offset: u64,
    /// Offset of the member data.
    pub data_offset: u64,
    /// Compressed size.
    pub compressed_size: u64,
    /// Uncompressed size as declared (a claim, checked against the ratio budget).
    pub uncompressed_size: u64,
    /// Whether the Unix mode says symlink.
    pub symlink: bool,
    /// Whether the central directory lists it.
    pub listed: bool,
}

/// Every member found, and the structural findings of the archive.
#[derive(Clone, Debug, Default)]
pub struct Directory {
    /// Members, directory order first, then unlisted local headers.
    pub entries: Vec<Entry>,
    /// Structural findings.
    pub findings: Vec<Finding>,
}

/// A local file header.
struct LocalHeader {
    flags: u16,
    method: u16,
    compressed_size: u64,
    uncompressed_size: u64,
    name: String,
    data_offset: u64,
}

/// Adapts brine's [`ReadAt`] to rawzip's.
struct Source<'a>(&'a dyn ReadAt);

impl rawzip::ReaderAt for Source<'_> {
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        self.0.read_at(offset, buf)
    }
}

/// Whether an end-of-central-directory record can be found (from the end, so a zip
/// with data prepended counts).
#[must_use]
pub fn has_directory(data: &dyn ReadAt) -> bool {
    // The end-of-central-directory record lies in the last 22 + 65,535 bytes. Most files
    // asked about are small pickles (the polyglot check), so look for its signature in a
    // buffer the size of that tail before handing rawzip its much larger one.
    const EOCD_WINDOW: u64 = 22 + 0xFFFF;
    let start = data.size().saturating_sub(EOCD_WINDOW);
    let mut tail = vec![0u8; usize::try_from(data.size() - start).unwrap_or(0)];
    if data.read_exact_at(start, &mut tail).is_err()
        || memchr::memmem::find(&tail, b"PK\x05\x06").is_none()
    {
        return false;
    }
    let mut buffer = vec![0u8; rawzip::RECOMMENDED_BUFFER_SIZE];
    rawzip::ZipLocator::new()
        .locate_in_reader(Source(data), &mut buffer, data.size())
        .is_ok()
}

fn le16(bytes: &[u8], at: usize) -> u16 {
    bytes
        .get(at..at + 2)
        .map_or(0, |b| u16::from_le_bytes([b[0], b[1]]))
}

fn le32(bytes: &[u8], at: usize) -> u32 {
    bytes
        .get(at..at + 4)
        .map_or(0, |b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

fn le64(bytes: &[u8], at: usize) -> u64 {
    bytes.get(at..at + 8).map_or(0, |b| {
        let mut raw = [0u8; 8];
        raw.copy_from_slice(b);
        u64::from_le_bytes(raw)
    })
}

/// Parse the local header at `offset`; `None` when there is none.
fn read_local(data: &dyn ReadAt, offset: u64) -> Option<LocalHeader> {
    let mut fixed = [0u8; LOCAL_FIXED_LEN as usize];
    data.read_exact_at(offset, &mut fixed).ok()?;
    if &fixed[..4] != LOCAL_SIGNATURE {
        return None;
    }
    let name_len = usize::from(le16(&fixed, 26));
    let extra_len = usize::from(le16(&fixed, 28));
    let mut variable = vec![0u8; name_len + extra_len];
    data.read_exact_at(offset.checked_add(LOCAL_FIXED_LEN)?, &mut variable)
        .ok()?;
    let (name, extra) = variable.split_at(name_len);
    let mut compressed_size = u64::from(le32(&fixed, 18));
    if compressed_size == u64::from(u32::MAX) {
        compressed_size = zip64_compressed_size(extra).unwrap_or(compressed_size);
    }
    Some(LocalHeader {
        uncompressed_size: u64::from(le32(&fixed, 22)),
        flags: le16(&fixed, 6),
        method: le16(&fixed, 8),
        compressed_size,
        name: String::from_utf8_lossy(name).into_owned(),
        data_offset: offset
            .checked_add(LOCAL_FIXED_LEN)?
            .checked_add((name_len + extra_len) as u64)?,
    })
}

/// The compressed size from a local header's zip64 extra field (after the uncompressed size).
fn zip64_compressed_size(extra: &[u8]) -> Option<u64> {
    let mut at = 0usize;
    while let (Some(id), Some(len)) = (extra.get(at..at + 2), extra.get(at + 2..at + 4)) {
        let id = u16::from_le_bytes([id[0], id[1]]);
        let len = usize::from(u16::from_le_bytes([len[0], len[1]]));
        let body = extra.get(at + 4..at + 4 + len)?;
        if id == 0x0001 && body.len() >= 16 {
            return Some(le64(body, 8));
        }
        at = at + 4 + len;
    }
    None
}

/// Read the central directory and walk the local headers.
#[must_use]
pub fn read_directory(data: &dyn ReadAt, ctx: &Ctx<'_>) -> Directory {
    let mut directory = Directory::default();
    let mut buffer = vec![0u8; rawzip::RECOMMENDED_BUFFER_SIZE];
    let located =
        rawzip::ZipLocator::new().locate_in_reader(Source(data), &mut buffer, data.size());
    let mut known_sizes: BTreeMap<u64, u64> = BTreeMap::new();
    let walk_start = match located {
        Ok(archive) => {
            let complete = read_central(data, &archive, &mut buffer, ctx, &mut directory);
            if !complete && ctx.exhausted() {
                // With the member budget spent, neither the bytes around a partial
                // directory nor a local walk can be judged.
                report_duplicates(&mut directory);
                return directory;
            }
            let end = archive.end_offset();
            if end < data.size() {
                directory.findings.push(zip_extra_data::finding(format!(
                    "{} bytes after the end of the zip archive",
                    data.size() - end
                )));
            }
            for entry in &directory.entries {
                known_sizes.insert(entry.header_offset, entry.compressed_size);
            }
            let first = directory
                .entries
                .iter()
                .map(|e| e.header_offset)
                .min()
                .unwrap_or_else(|| archive.directory_offset());
            if first > 0 {
                directory.findings.push(zip_extra_data::finding(format!(
                    "{first} bytes before the first zip member"
                )));
            }
            first
        }
        Err(_) => {
            directory.findings.push(zip_missing_directory::finding(
                "no readable central directory: members recovered from local headers",
            ));
            0
        }
    };
    walk_locals(data, walk_start, &known_sizes, ctx, &mut directory);
    report_duplicates(&mut directory);
    directory
}

fn read_central<R: rawzip::ReaderAt>(
    data: &dyn ReadAt,
    archive: &rawzip::ZipArchive<R>,
    buffer: &mut [u8],
    ctx: &Ctx<'_>,
    directory: &mut Directory,
) -> bool {
    let mut records = archive.entries(buffer);
    loop {
        let record = match records.next_entry() {
            Ok(Some(record)) => record,
            Ok(None) => return true,
            Err(error) => {
                directory.findings.push(archive_malformed::finding(format!(
                    "zip central directory ends early: {error}"
                )));
                return false;
            }
        };
        if let Err(exhausted) = ctx.take_member() {
            directory.findings.extend(exhausted.map(|f| *f));
            return false;
        }
        let name = String::from_utf8_lossy(record.file_path().as_bytes()).into_owned();
        let header_offset = record.local_header_offset();
        let Some(local) = read_local(data, header_offset) else {
            directory.findings.push(
                archive_malformed::finding(format!(
                    "zip member `{name}` has no local header at {header_offset}"
                ))
                .at_offset(header_offset),
            );
            continue;
        };
        let central_flags = record.flags().bits();
        directory.entries.push(Entry {
            local_name: local.name,
            method: record.compression_method().as_u16(),
            flags: central_flags | local.flags,
            header_offset,
            data_offset: local.data_offset,
            compressed_size: record.compressed_size_hint(),
            uncompressed_size: record.uncompressed_size_hint(),
            symlink: record.mode().is_symlink(),
            listed: true,
            name,
        });
    }
}

/// Walk local headers from `start`, adding the ones the directory did not list.
fn walk_locals(
    data: &dyn ReadAt,
    start: u64,
    known_sizes: &BTreeMap<u64, u64>,
    ctx: &Ctx<'_>,
    directory: &mut Directory,
) {
    let mut offset = start;
    while let Some(local) = read_local(data, offset) {
        let size = match known_sizes.get(&offset) {
            Some(size) => *size,
            None if local.flags & DATA_DESCRIPTOR_FLAG == 0 || local.compressed_size > 0 => {
                local.compressed_size
            }
            None => match deflated_length(data, &local, ctx) {
                Some(size) => size,
                None => {
                    directory.findings.push(
                        archive_malformed::finding(format!(
                            "zip member `{}` has no size and no directory entry; walk stopped",
                            local.name
                        ))
                        .at_offset(offset),
                    );
                    break;
                }
            },
        };
        if !known_sizes.contains_key(&offset) {
            if let Err(exhausted) = ctx.take_member() {
                directory.findings.extend(exhausted.map(|f| *f));
                break;
            }
            if !known_sizes.is_empty() {
                directory.findings.push(
                    zip_hidden_member::finding(format!(
                        "local header for `{}` is not in the central directory",
                        local.name
                    ))
                    .at_offset(offset),
                );
            }
            directory.entries.push(Entry {
                name: local.name.clone(),
                local_name: local.name.clone(),
                method: local.method,
                flags: local.flags,
                header_offset: offset,
                data_offset: local.data_offset,
                compressed_size: size,
                uncompressed_size: local.uncompressed_size,
                symlink: false,
                listed: false,
            });
        }
        let Some(mut next) = local.data_offset.checked_add(size) else {
            break;
        };
        if local.flags & DATA_DESCRIPTOR_FLAG != 0 {
            let mut signature = [0u8; 4];
            let signed = data.read_exact_at(next, &mut signature).is_ok()
                && &signature == DESCRIPTOR_SIGNATURE;
            next = next.saturating_add(if signed { 16 } else { 12 });
        }
        if next <= offset {
            break;
        }
        offset = next;
    }
}

/// The compressed length of a deflated member without a size, found by inflating it
/// (bounded by the decompression guard).
fn deflated_length(data: &dyn ReadAt, local: &LocalHeader, ctx: &Ctx<'_>) -> Option<u64> {
    if local.method != 8 {
        return None;
    }
    let window = Window::new(data, local.data_offset, u64::MAX);
    let mut decoder =
        flate2::bufread::DeflateDecoder::new(io::BufReader::new(Cursor::new(&window, 0)));
    let mut chunk = [0u8; 8192];
    let mut produced: u64 = 0;
    loop {
        match decoder.read(&mut chunk) {
            Ok(0) => return Some(decoder.total_in()),
            Ok(n) => produced = produced.saturating_add(n as u64),
            Err(_) => return None,
        }
        if produced > ctx.limits.max_member_bytes {
            return None;
        }
    }
}

fn report_duplicates(directory: &mut Directory) {
    let mut seen = HashSet::new();
    let mut reported = HashSet::new();
    for entry in directory.entries.iter().filter(|e| e.listed) {
        if !seen.insert(entry.name.as_str()) && reported.insert(entry.name.as_str()) {
            directory
                .findings
                .push(zip_duplicate_member::finding(format!(
                    "`{}` occurs more than once; every copy analysed",
                    entry.name
                )));
        }
    }
}

/// Open a zip, judge its structure, and analyse its members by content.
pub fn scan(data: &dyn ReadAt, ctx: &Ctx<'_>, depth: usize) -> Outcome {
    let directory = read_directory(data, ctx);
    let names: Vec<&str> = directory.entries.iter().map(|e| e.name.as_str()).collect();
    let layout = torch::Layout::detect(&names);
    let is_keras = layout.is_none() && super::keras::is_keras_zip(&names);
    let kind = if layout.is_some() {
        FileKind::PytorchZip
    } else if is_keras {
        FileKind::Keras
    } else if !names.is_empty() && names.iter().all(|n| n.ends_with(".npy")) {
        FileKind::Npz
    } else {
        FileKind::Zip
    };
    let mut findings = directory.findings.clone();
    let referenced = layout
        .as_ref()
        .map(|layout| referenced_storages(data, &directory, layout, ctx))
        .unwrap_or_default();
    if let Some(layout) = &layout {
        findings.extend(layout.check_storages(&referenced, &directory.entries));
    }
    for entry in &directory.entries {
        if ctx.exhausted() {
            break;
        }
        findings.extend(entry_findings(entry));
        if entry.symlink {
            continue;
        }
        if let Some(layout) = &layout {
            if layout.is_referenced_storage(entry, &referenced) {
                continue;
            }
            if layout.is_code(&entry.name) {
                findings.extend(torch::scan_code_member(
                    &entry.name,
                    &member_bytes(data, entry, ctx.limits.max_config_bytes, ctx),
                ));
                continue;
            }
        }
        if is_keras && matches!(entry.name.as_str(), "config.json" | "metadata.json") {
            findings.extend(keras_config(data, entry, ctx));
            continue;
        }
        if let Some(report) = declared_bomb(entry, ctx) {
            findings.extend(report);
            continue;
        }
        let outcome = analyze_member(data, entry, ctx, depth);
        findings.extend(outcome.inside(&entry.name).findings);
    }
    if let Some(layout) = &layout {
        findings.extend(layout.list_code(&directory.entries));
    }
    Outcome::of(kind, findings)
}

/// A Keras v3 archive's `config.json` or `metadata.json`, judged by the Keras config checks.
fn keras_config(data: &dyn ReadAt, entry: &Entry, ctx: &Ctx<'_>) -> Vec<Finding> {
    let mut findings = match member_bytes(data, entry, ctx.limits.max_config_bytes, ctx) {
        Ok(bytes) => super::keras::scan_config_json(&bytes, ctx.limits),
        Err(finding) => vec![*finding],
    };
    for finding in &mut findings {
        finding.inside(&entry.name);
    }
    findings
}

/// The storage keys the checkpoint's `data.pkl` references (empty when unreadable).
fn referenced_storages(
    data: &dyn ReadAt,
    directory: &Directory,
    layout: &torch::Layout,
    ctx: &Ctx<'_>,
) -> BTreeSet<String> {
    directory
        .entries
        .iter()
        .find(|e| e.listed && layout.is_main_pickle(&e.name))
        .and_then(|e| member_bytes(data, e, ctx.limits.max_member_bytes, ctx).ok())
        .map(|bytes| torch::storage_keys(&bytes, ctx.limits.max_pickle_memo))
        .unwrap_or_default()
}

/// A member whose declared sizes exceed the ratio or size budget is a bomb: it is
/// reported (once per artifact, so a nest of bombs yields one finding) and not opened.
fn declared_bomb(entry: &Entry, ctx: &Ctx<'_>) -> Option<Option<Finding>> {
    let limits = ctx.limits;
    let ratio_exceeded = entry.uncompressed_size > limits.ratio_check_after
        && entry.uncompressed_size / entry.compressed_size.max(1) > limits.max_compression_ratio;
    if !ratio_exceeded && entry.uncompressed_size <= limits.max_decompressed_bytes {
        return None;
    }
    if ctx.bomb_reported.replace(true) {
        return Some(None);
    }
    Some(Some(
        decompression_bomb::finding(format!(
            "`{}` declares {} bytes from {} compressed: not decompressed",
            entry.name, entry.uncompressed_size, entry.compressed_size
        ))
        .at_offset(entry.header_offset),
    ))
}

fn entry_findings(entry: &Entry) -> Vec<Finding> {
    let mut findings = Vec::new();
    if entry.listed && entry.name != entry.local_name {
        findings.push(
            zip_name_mismatch::finding(format!(
                "central directory says `{}`, local header says `{}`",
                entry.name, entry.local_name
            ))
            .at_offset(entry.header_offset),
        );
    }
    if entry.flags & SUSPICIOUS_FLAGS != 0 {
        let mut f = zip_flag_anomaly::finding(format!(
            "`{}` sets flag bits {:#06x}; read as PyTorch reads it, ignoring them",
            entry.name,
            entry.flags & SUSPICIOUS_FLAGS
        ));
        f.offset = Some(entry.header_offset);
        findings.push(f);
    }
    if entry.symlink {
        findings.push(archive_link_member::finding(format!(
            "`{}` is a symbolic link (never followed)",
            entry.name
        )));
    }
    for name in [&entry.name, &entry.local_name] {
        if let Some(finding) = archive::traversal_finding(name) {
            findings.push(finding);
            break;
        }
    }
    findings
}

/// A member's stored bytes as a window of the archive.
fn member_window<'a>(data: &'a dyn ReadAt, entry: &Entry) -> Window<'a> {
    Window::new(data, entry.data_offset, entry.compressed_size)
}

/// A member's decompressed bytes, at most `max`.
fn member_bytes(
    data: &dyn ReadAt,
    entry: &Entry,
    max: u64,
    ctx: &Ctx<'_>,
) -> Result<Vec<u8>, Box<Finding>> {
    let window = member_window(data, entry);
    if entry.method == 0 {
        return super::read_bounded(&mut Cursor::new(&window, 0), max);
    }
    let mut reader = open_member(&window, entry, ctx)?;
    super::read_bounded(&mut reader, max)
}

fn codec_of(method: u16) -> Option<Codec> {
    match method {
        8 => Some(Codec::Deflate),
        12 => Some(Codec::Bzip2),
        93 => Some(Codec::Zstd),
        95 => Some(Codec::Xz),
        _ => None,
    }
}

fn open_member<'a>(
    window: &'a Window<'a>,
    entry: &Entry,
    ctx: &Ctx<'_>,
) -> Result<compress::Guarded<'a>, Box<Finding>> {
    let Some(codec) = codec_of(entry.method) else {
        return Err(Box::new(archive_malformed::finding(format!(
            "`{}` uses compression method {}, which brine does not decode",
            entry.name, entry.method
        ))));
    };
    compress::open(codec, Box::new(Cursor::new(window, 0)), ctx.limits)
}

/// Analyse one member by content: peek, and only if it is something brine knows,
/// analyse it (stored members in place, compressed ones as a guarded stream).
fn analyze_member(data: &dyn ReadAt, entry: &Entry, ctx: &Ctx<'_>, depth: usize) -> Outcome {
    let window = member_window(data, entry);
    if entry.method == 0 {
        return analyze_at(&window, ctx, depth + 1);
    }
    let mut guarded = match open_member(&window, entry, ctx) {
        Ok(guarded) => guarded,
        Err(finding) => return Outcome::unknown(vec![*finding]),
    };
    let Ok(head) = super::read_head(&mut guarded, sniff::PEEK) else {
        let mut findings = Vec::new();
        findings.extend(guarded.trip().map(|t| t.finding(Codec::Deflate)));
        if findings.is_empty() {
            findings.push(archive_malformed::finding(format!(
                "`{}` does not decompress",
                entry.name
            )));
        }
        return Outcome::unknown(findings);
    };
    if sniff::sniff(&head, None) == sniff::Sniffed::Unknown {
        return Outcome::unknown(Vec::new());
    }
    let mut outcome = analyze_with_head(head, &mut guarded, ctx, depth + 1);
    if let Some(trip) = guarded.trip() {
        outcome
            .findings
            .push(trip.finding(codec_of(entry.method).unwrap_or(Codec::Deflate)));
    }
    outcome
}
