//! The advisory database: bundled deserialization advisories, or an OSV export given by the
//! user, merged by alias into one [`Advisory`] per vulnerability.
//!
//! Records that name each other through `id`/`aliases` (a PYSEC record, its GHSA and CVE)
//! are one advisory; when they disagree on affected ranges the union is kept, so an advisory
//! is never narrowed by a source that forgot a range, and an advisory with no range at all
//! is treated as affecting every version. Withdrawn records are dropped before merging.
//! The bundled data is parsed once, lazily. This module must never fetch anything: the
//! only input is bytes it is handed or the two files embedded at build time.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::OnceLock;

use serde::Deserialize;

use super::pep::{self, Interval, Version};
use crate::finding::Severity;
use crate::limits::Limits;

/// The bundled CWE-502 subset of the PyPA advisory database (see `data/README.md`).
const BUNDLED_ADVISORIES: &str = include_str!("../../data/deser-advisories.json");
/// Hand-made records carrying ranges that a GHSA gives and the PYSEC record does not.
const BUNDLED_RANGE_CORRECTIONS: &str = include_str!("../../data/range-corrections.json");

/// One source record in the bundled shape (one advisory × one package).
#[derive(Clone, Debug, Deserialize)]
pub struct Record {
    /// Record id (`PYSEC-2025-41`, `GHSA-...`).
    pub id: String,
    /// Other ids of the same vulnerability.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// PyPI package name as written by the source.
    pub package: String,
    /// Affected ranges, OR-ed; each is comma-joined `>=`/`>`/`<`/`<=`/`==` clauses.
    #[serde(default)]
    pub affected: Vec<String>,
    /// Exact affected versions (OSV `versions[]`), besides the ranges.
    #[serde(default)]
    pub versions: Vec<String>,
    /// Fixed versions.
    #[serde(default)]
    pub fixed: Vec<String>,
    /// Last affected versions (no fix known after them).
    #[serde(default)]
    pub last_affected: Vec<String>,
    /// One line.
    #[serde(default)]
    pub summary: String,
    /// `CWE-502`, ...
    #[serde(default)]
    pub cwe: Vec<String>,
    /// `deserialization`, `safe-loader-bypass`, `code-exec-on-load`, `scanner-bypass`,
    /// `unsafe-load-other`, or `osv` for records read from an OSV export.
    #[serde(default)]
    pub category: String,
    /// The source marks the advisory as disputed.
    #[serde(default)]
    pub disputed: bool,
    /// When the record was withdrawn; withdrawn records are ignored.
    #[serde(default)]
    pub withdrawn: Option<String>,
    /// A source severity (GHSA `database_specific.severity`), when known.
    #[serde(default)]
    pub source_severity: Option<String>,
    /// Known disagreements between sources.
    #[serde(default)]
    pub note: Option<String>,
    /// Where the record came from.
    #[serde(default)]
    pub source: String,
}

/// What one source record said about one package, kept to report who said what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceRanges {
    /// The record id.
    pub record: String,
    /// Its ranges as written.
    pub ranges: Vec<String>,
}

/// The versions of one package an advisory affects.
#[derive(Clone, Debug)]
pub struct AffectedPackage {
    /// PEP 503 normalised name.
    pub name: String,
    /// Union of affected ranges over all merged records.
    pub intervals: Vec<Interval>,
    /// Fixed versions, ascending.
    pub fixed: Vec<String>,
    /// Last affected versions (no fixed version known after them), ascending.
    pub last_affected: Vec<String>,
    /// No source gave a range: every version is treated as affected.
    pub no_range_data: bool,
    /// Per source record, the ranges it gave.
    pub sources: Vec<SourceRanges>,
}

impl AffectedPackage {
    /// Whether `version` (local label ignored) is affected.
    #[must_use]
    pub fn affects(&self, version: &Version) -> bool {
        pep::any_contains(&self.intervals, version)
    }

    /// Whether the sources disagree on the ranges.
    #[must_use]
    pub fn sources_disagree(&self) -> bool {
        self.sources
            .windows(2)
            .any(|pair| pair.first().map(|s| &s.ranges) != pair.get(1).map(|s| &s.ranges))
    }
}

/// One vulnerability, merged over all records that alias each other.
#[derive(Clone, Debug)]
pub struct Advisory {
    /// Primary id: the lowest PYSEC record id of the merged group (else GHSA, else any).
    pub id: String,
    /// Every other id (record ids, CVE, GHSA), sorted.
    pub aliases: Vec<String>,
    /// One line.
    pub summary: String,
    /// CWE ids as numbers (`502`).
    pub cwes: Vec<u32>,
    /// The most specific category any record gave.
    pub category: String,
    /// Some source marks it disputed.
    pub disputed: bool,
    /// Severity brine gives a locked version inside the range.
    pub severity: Severity,
    /// Notes on source disagreements.
    pub notes: Vec<String>,
    /// Affected packages.
    pub packages: Vec<AffectedPackage>,
}

impl Advisory {
    /// The id and every alias.
    pub fn all_ids(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.id.as_str()).chain(self.aliases.iter().map(String::as_str))
    }

    /// The affected entry for a (normalised) package name.
    #[must_use]
    pub fn package(&self, normalized_name: &str) -> Option<&AffectedPackage> {
        self.packages.iter().find(|p| p.name == normalized_name)
    }
}

/// Why an advisory database could not be read.
#[derive(Debug, thiserror::Error)]
pub enum AdvisoryDbError {
    /// The file could not be read.
    #[error("cannot read advisory database {path}: {source}")]
    Io {
        /// Path given.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Not JSON, or not OSV/bundled records.
    #[error("advisory database is not an OSV record or array of OSV records: {0}")]
    Format(String),
}

/// Advisories indexed by package.
#[derive(Debug, Default)]
pub struct AdvisoryDb {
    advisories: Vec<Advisory>,
    by_package: HashMap<String, Vec<usize>>,
    /// Ranges that could not be parsed, as `record: message` (never silently dropped).
    pub problems: Vec<String>,
}

impl AdvisoryDb {
    /// Merge records by alias into advisories.
    #[must_use]
    pub fn from_records(records: Vec<Record>) -> Self {
        let live: Vec<Record> = records
            .into_iter()
            .filter(|r| r.withdrawn.as_deref().is_none_or(str::is_empty))
            .collect();
        let groups = group_by_alias(&live);
        let mut db = AdvisoryDb::default();
        for members in groups {
            let advisory = merge_group(&members, &mut db.problems);
            let index = db.advisories.len();
            for package in &advisory.packages {
                db.by_package
                    .entry(package.name.clone())
                    .or_default()
                    .push(index);
            }
            db.advisories.push(advisory);
        }
        db
    }

    /// All advisories, sorted by id.
    #[must_use]
    pub fn advisories(&self) -> &[Advisory] {
        &self.advisories
    }

    /// Advisories that name a package (any version).
    pub fn for_package(&self, name: &str) -> impl Iterator<Item = &Advisory> {
        let name = pep::normalize_name(name);
        self.by_package
            .get(&name)
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .filter_map(|&i| self.advisories.get(i))
    }

    /// Advisories affecting `package` at `version` (local labels ignored). An unparsable
    /// version matches nothing.
    #[must_use]
    pub fn advisories_for(&self, package: &str, version: &str) -> Vec<&Advisory> {
        let Some(version) = pep::parse_version(version) else {
            return Vec::new();
        };
        let name = pep::normalize_name(package);
        self.for_package(&name)
            .filter(|a| a.package(&name).is_some_and(|p| p.affects(&version)))
            .collect()
    }

    /// Find an advisory by its id or any alias.
    #[must_use]
    pub fn by_id(&self, id: &str) -> Option<&Advisory> {
        self.advisories
            .iter()
            .find(|a| a.all_ids().any(|x| x.eq_ignore_ascii_case(id)))
    }
}

/// The bundled database, parsed on first use.
///
/// # Panics
/// Never at run time: the embedded JSON is checked by a unit test, and a broken build
/// would yield an empty database plus a recorded problem instead.
pub fn bundled() -> &'static AdvisoryDb {
    static DB: OnceLock<AdvisoryDb> = OnceLock::new();
    DB.get_or_init(|| {
        let mut problems = Vec::new();
        let mut records = Vec::new();
        for (name, text) in [
            ("deser-advisories.json", BUNDLED_ADVISORIES),
            ("range-corrections.json", BUNDLED_RANGE_CORRECTIONS),
        ] {
            match serde_json::from_str::<Vec<Record>>(text) {
                Ok(mut r) => records.append(&mut r),
                Err(e) => problems.push(format!("{name}: {e}")),
            }
        }
        let mut db = AdvisoryDb::from_records(records);
        db.problems.extend(problems);
        db
    })
}

/// Advisories in the bundled database affecting `package` at `version`.
#[must_use]
pub fn advisories_for(package: &str, version: &str) -> Vec<&'static Advisory> {
    bundled().advisories_for(package, version)
}

/// Read an OSV export for `--advisory-db FILE`: a JSON array of OSV records, one OSV
/// record, an array in brine's bundled shape, or a zip of OSV JSON records (OSV's
/// `PyPI/all.zip`). Only `PyPI` packages and `ECOSYSTEM`
/// ranges are used. The result holds only that file's advisories; merge with
/// [`bundled`] via [`parse_advisory_db_with_bundled`] when both are wanted.
///
/// # Errors
/// The file cannot be read or is not in one of those shapes.
pub fn load_advisory_db(path: &std::path::Path) -> Result<AdvisoryDb, AdvisoryDbError> {
    let bytes = std::fs::read(path).map_err(|source| AdvisoryDbError::Io {
        path: path.display().to_string(),
        source,
    })?;
    parse_advisory_db(&bytes)
}

/// Read an OSV export (as [`load_advisory_db`]) and merge it with the bundled records by
/// alias: what `--advisory-db FILE` most likely wants (fresh data extends, never narrows).
///
/// # Errors
/// As [`load_advisory_db`].
pub fn load_advisory_db_with_bundled(
    path: &std::path::Path,
) -> Result<AdvisoryDb, AdvisoryDbError> {
    let bytes = std::fs::read(path).map_err(|source| AdvisoryDbError::Io {
        path: path.display().to_string(),
        source,
    })?;
    parse_advisory_db_with_bundled(&bytes)
}

/// Parse advisory records from bytes (see [`load_advisory_db`]).
///
/// # Errors
/// Not JSON, or neither OSV nor bundled records.
pub fn parse_advisory_db(bytes: &[u8]) -> Result<AdvisoryDb, AdvisoryDbError> {
    Ok(AdvisoryDb::from_records(parse_records(bytes)?))
}

/// The bundled records plus those in `bytes`, merged by alias (ranges united).
///
/// # Errors
/// As [`parse_advisory_db`].
pub fn parse_advisory_db_with_bundled(bytes: &[u8]) -> Result<AdvisoryDb, AdvisoryDbError> {
    let mut records: Vec<Record> = serde_json::from_str(BUNDLED_ADVISORIES).unwrap_or_default();
    records
        .extend(serde_json::from_str::<Vec<Record>>(BUNDLED_RANGE_CORRECTIONS).unwrap_or_default());
    records.extend(parse_records(bytes)?);
    Ok(AdvisoryDb::from_records(records))
}

fn parse_records(bytes: &[u8]) -> Result<Vec<Record>, AdvisoryDbError> {
    if bytes.starts_with(b"PK") {
        return parse_zip_records(bytes, &Limits::default());
    }
    parse_json_records(bytes)
}

/// An OSV zip export (`PyPI/all.zip` from `gs://osv-vulnerabilities`): one JSON record per
/// member. Stored and DEFLATE members are read, each capped at `max_config_bytes`, all
/// together at `max_decompressed_bytes`; the archive is capped at `max_advisory_records`
/// records. A member that is not a record is
/// an error naming it (a partial database must not look complete).
fn parse_zip_records(bytes: &[u8], limits: &Limits) -> Result<Vec<Record>, AdvisoryDbError> {
    use std::io::Read as _;
    let zip_error = |e: rawzip::Error| AdvisoryDbError::Format(format!("zip: {e}"));
    let archive = rawzip::ZipArchive::from_slice(bytes).map_err(zip_error)?;
    let mut entries = archive.entries();
    let mut records = Vec::new();
    let mut seen = 0usize;
    let mut total = 0u64;
    while let Some(entry) = entries.next_entry().map_err(zip_error)? {
        if entry.is_dir() {
            continue;
        }
        seen = seen.saturating_add(1);
        if seen > limits.max_advisory_records {
            return Err(AdvisoryDbError::Format(format!(
                "more than {} records in the zip",
                limits.max_advisory_records
            )));
        }
        let name = String::from_utf8_lossy(entry.file_path().as_ref()).into_owned();
        let local = archive.get_entry(entry.wayfinder()).map_err(zip_error)?;
        let cap = limits.max_config_bytes;
        let mut json = Vec::new();
        let read = match entry.compression_method() {
            rawzip::CompressionMethod::STORE => local
                .data()
                .take(cap.saturating_add(1))
                .read_to_end(&mut json),
            rawzip::CompressionMethod::DEFLATE => {
                flate2::bufread::DeflateDecoder::new(local.data())
                    .take(cap.saturating_add(1))
                    .read_to_end(&mut json)
            }
            other => {
                return Err(AdvisoryDbError::Format(format!(
                    "{name}: unsupported compression method {other:?}"
                )));
            }
        };
        read.map_err(|e| AdvisoryDbError::Format(format!("{name}: {e}")))?;
        if json.len() as u64 > cap {
            return Err(AdvisoryDbError::Format(format!(
                "{name}: record over {cap} bytes"
            )));
        }
        total = total.saturating_add(json.len() as u64);
        if total > limits.max_decompressed_bytes {
            return Err(AdvisoryDbError::Format(format!(
                "zip expands past {} bytes",
                limits.max_decompressed_bytes
            )));
        }
        let mut member = parse_json_records(&json)
            .map_err(|e| AdvisoryDbError::Format(format!("{name}: {e}")))?;
        records.append(&mut member);
    }
    Ok(records)
}

fn parse_json_records(bytes: &[u8]) -> Result<Vec<Record>, AdvisoryDbError> {
    let value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| AdvisoryDbError::Format(e.to_string()))?;
    let items: Vec<&serde_json::Value> = match &value {
        serde_json::Value::Array(items) => items.iter().collect(),
        serde_json::Value::Object(_) => vec![&value],
        _ => {
            return Err(AdvisoryDbError::Format(
                "top level is not an object or array".into(),
            ));
        }
    };
    let mut records = Vec::new();
    for item in items {
        if item
            .get("package")
            .is_some_and(serde_json::Value::is_string)
        {
            let record =
                Record::deserialize(item).map_err(|e| AdvisoryDbError::Format(e.to_string()))?;
            records.push(record);
        } else if item
            .get("affected")
            .is_some_and(serde_json::Value::is_array)
        {
            records.extend(osv_records(item));
        } else {
            return Err(AdvisoryDbError::Format(
                "an entry has neither OSV `affected[]` nor a `package`".into(),
            ));
        }
    }
    Ok(records)
}

fn strings(value: Option<&serde_json::Value>) -> Vec<String> {
    value
        .and_then(serde_json::Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn text(value: Option<&serde_json::Value>) -> Option<String> {
    value.and_then(serde_json::Value::as_str).map(str::to_owned)
}

/// One bundled-shape record per PyPI package of an OSV record.
fn osv_records(osv: &serde_json::Value) -> Vec<Record> {
    let id = text(osv.get("id")).unwrap_or_default();
    let summary = text(osv.get("summary"))
        .filter(|s| !s.trim().is_empty())
        .or_else(|| {
            text(osv.get("details")).map(|d| d.lines().next().unwrap_or_default().to_owned())
        })
        .unwrap_or_default();
    let database = osv.get("database_specific");
    let cwe = strings(database.and_then(|d| d.get("cwe_ids")));
    let mut out = Vec::new();
    for affected in osv
        .get("affected")
        .and_then(serde_json::Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
    {
        let package = affected.get("package");
        let ecosystem = text(package.and_then(|p| p.get("ecosystem"))).unwrap_or_default();
        if !ecosystem.eq_ignore_ascii_case("PyPI") {
            continue;
        }
        let Some(name) = text(package.and_then(|p| p.get("name"))) else {
            continue;
        };
        let (affected_ranges, fixed, last_affected) = osv_ranges(affected.get("ranges"));
        out.push(Record {
            id: id.clone(),
            aliases: strings(osv.get("aliases")),
            package: name,
            affected: affected_ranges,
            versions: strings(affected.get("versions")),
            fixed,
            last_affected,
            summary: summary.clone(),
            cwe: cwe.clone(),
            category: "osv".into(),
            disputed: summary.contains("DISPUTED"),
            withdrawn: text(osv.get("withdrawn")),
            source_severity: text(database.and_then(|d| d.get("severity"))),
            note: None,
            source: format!("OSV record {id}"),
        });
    }
    out
}

/// OSV `ECOSYSTEM` ranges as bundled-shape range strings, plus fixed and last-affected
/// versions. Events are walked in version order: `introduced` opens, `fixed` closes
/// (exclusive), `last_affected` closes (inclusive); an open range at the end is unbounded.
fn osv_ranges(ranges: Option<&serde_json::Value>) -> (Vec<String>, Vec<String>, Vec<String>) {
    let mut affected = Vec::new();
    let mut fixed_all = Vec::new();
    let mut last_all = Vec::new();
    for range in ranges
        .and_then(serde_json::Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
    {
        if text(range.get("type")).as_deref() != Some("ECOSYSTEM") {
            continue;
        }
        let mut events: Vec<(Version, &'static str, String)> = Vec::new();
        for event in range
            .get("events")
            .and_then(serde_json::Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default()
        {
            for kind in ["introduced", "fixed", "last_affected"] {
                if let Some(raw) = text(event.get(kind)) {
                    let version = if raw == "0" {
                        pep::parse_version("0")
                    } else {
                        pep::parse_version(&raw)
                    };
                    if let Some(version) = version {
                        events.push((version, kind, raw));
                    }
                }
            }
        }
        // Stable sort: an `introduced` and a `fixed` at one version keep their order.
        events.sort_by(|a, b| a.0.cmp(&b.0));
        let mut open: Option<String> = None;
        for (_, kind, raw) in events {
            match kind {
                "introduced" if open.is_none() => open = Some(raw),
                "fixed" | "last_affected" => {
                    let Some(start) = open.take() else { continue };
                    let lower = if start == "0" {
                        String::new()
                    } else {
                        format!(">={start},")
                    };
                    if kind == "fixed" {
                        affected.push(format!("{lower}<{raw}"));
                        fixed_all.push(raw);
                    } else {
                        affected.push(format!("{lower}<={raw}"));
                        last_all.push(raw);
                    }
                }
                _ => {}
            }
        }
        if let Some(start) = open {
            affected.push(if start == "0" {
                String::new()
            } else {
                format!(">={start}")
            });
        }
    }
    (affected, fixed_all, last_all)
}

/// Group record indices whose ids/aliases connect them (union-find over ids), restricted
/// to groups; records of different packages in one group stay one advisory.
fn group_by_alias(records: &[Record]) -> Vec<Vec<&Record>> {
    let mut parent: Vec<usize> = (0..records.len()).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        // Iterative with path halving: no recursion on input-controlled depth.
        while let Some(&p) = parent.get(i) {
            if p == i {
                break;
            }
            let grand = parent.get(p).copied().unwrap_or(p);
            if let Some(slot) = parent.get_mut(i) {
                *slot = grand;
            }
            i = grand;
        }
        i
    }
    let mut owner: HashMap<String, usize> = HashMap::new();
    for (index, record) in records.iter().enumerate() {
        for id in std::iter::once(&record.id).chain(&record.aliases) {
            let key = id.trim().to_ascii_uppercase();
            if key.is_empty() {
                continue;
            }
            match owner.get(&key) {
                Some(&other) => {
                    let a = root(&mut parent, index);
                    let b = root(&mut parent, other);
                    if let Some(slot) = parent.get_mut(a.max(b)) {
                        *slot = a.min(b);
                    }
                }
                None => {
                    owner.insert(key, index);
                }
            }
        }
    }
    let mut groups: BTreeMap<usize, Vec<&Record>> = BTreeMap::new();
    for (index, record) in records.iter().enumerate() {
        let r = root(&mut parent, index);
        groups.entry(r).or_default().push(record);
    }
    let mut out: Vec<Vec<&Record>> = groups.into_values().collect();
    for group in &mut out {
        // The primary id is a PYSEC record when there is one (the bundled data's own ids),
        // then a GHSA, then anything else; ties by id.
        group.sort_by(|a, b| (id_rank(&a.id), &a.id).cmp(&(id_rank(&b.id), &b.id)));
    }
    out.sort_by(|a, b| a.first().map(|r| &r.id).cmp(&b.first().map(|r| &r.id)));
    out
}

fn id_rank(id: &str) -> u8 {
    if id.starts_with("PYSEC-") {
        0
    } else if id.starts_with("GHSA-") {
        1
    } else {
        2
    }
}

fn category_rank(category: &str) -> u8 {
    match category {
        "code-exec-on-load" => 5,
        "safe-loader-bypass" => 4,
        "deserialization" => 3,
        "unsafe-load-other" => 2,
        "scanner-bypass" => 1,
        _ => 0,
    }
}

/// Severity of a locked version inside the range: high when the advisory is about code
/// execution (deserialization, code on load, a bypassed safe loader), medium for file
/// reads and scanner blocklist bypasses, one step lower when disputed; a GHSA severity
/// from an OSV export is used as given.
fn advisory_severity(category: &str, disputed: bool, source_severity: Option<&str>) -> Severity {
    let base = match source_severity.map(str::to_ascii_uppercase).as_deref() {
        Some("CRITICAL") => Severity::Critical,
        Some("HIGH") => Severity::High,
        Some("MODERATE" | "MEDIUM") => Severity::Medium,
        Some("LOW") => Severity::Low,
        _ => match category {
            "scanner-bypass" | "unsafe-load-other" => Severity::Medium,
            _ => Severity::High,
        },
    };
    if disputed {
        match base {
            Severity::Critical => Severity::High,
            Severity::High => Severity::Medium,
            _ => Severity::Low,
        }
    } else {
        base
    }
}

fn sort_versions(versions: BTreeSet<String>) -> Vec<String> {
    let mut list: Vec<String> = versions.into_iter().collect();
    list.sort_by(
        |a, b| match (pep::parse_version(a), pep::parse_version(b)) {
            (Some(x), Some(y)) => x.cmp(&y),
            _ => a.cmp(b),
        },
    );
    list
}

fn merge_group(records: &[&Record], problems: &mut Vec<String>) -> Advisory {
    let id = records.first().map(|r| r.id.clone()).unwrap_or_default();
    let mut aliases: BTreeSet<String> = BTreeSet::new();
    let mut cwes: BTreeSet<u32> = BTreeSet::new();
    let mut notes = Vec::new();
    let mut category = String::new();
    let mut summary = String::new();
    let mut disputed = false;
    let mut source_severity: Option<&str> = None;
    let mut packages: BTreeMap<String, AffectedPackage> = BTreeMap::new();
    let mut fixed: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut last: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for record in records {
        for alias in std::iter::once(&record.id).chain(&record.aliases) {
            if *alias != id && !alias.trim().is_empty() {
                aliases.insert(alias.clone());
            }
        }
        cwes.extend(
            record
                .cwe
                .iter()
                .filter_map(|c| c.trim().trim_start_matches("CWE-").parse::<u32>().ok()),
        );
        if let Some(note) = &record.note {
            notes.push(format!("{}: {note}", record.id));
        }
        if category_rank(&record.category) > category_rank(&category) || category.is_empty() {
            category.clone_from(&record.category);
        }
        if summary.is_empty() {
            summary.clone_from(&record.summary);
        }
        disputed |= record.disputed;
        if source_severity.is_none() {
            source_severity = record.source_severity.as_deref();
        }
        let name = pep::normalize_name(&record.package);
        let entry = packages
            .entry(name.clone())
            .or_insert_with(|| AffectedPackage {
                name: name.clone(),
                intervals: Vec::new(),
                fixed: Vec::new(),
                last_affected: Vec::new(),
                no_range_data: false,
                sources: Vec::new(),
            });
        for range in &record.affected {
            match pep::parse_advisory_range(range) {
                Ok(interval) if !entry.intervals.contains(&interval) => {
                    entry.intervals.push(interval);
                }
                Ok(_) => {}
                Err(message) => problems.push(format!("{}: {message}", record.id)),
            }
        }
        for exact in &record.versions {
            if let Some(version) = pep::parse_version(exact) {
                let interval = Interval::exactly(version);
                if !entry.intervals.contains(&interval) {
                    entry.intervals.push(interval);
                }
            }
        }
        entry.sources.push(SourceRanges {
            record: record.id.clone(),
            ranges: record.affected.clone(),
        });
        fixed
            .entry(name.clone())
            .or_default()
            .extend(record.fixed.iter().cloned());
        last.entry(name)
            .or_default()
            .extend(record.last_affected.iter().cloned());
    }
    let mut packages: Vec<AffectedPackage> = packages.into_values().collect();
    for package in &mut packages {
        if package.intervals.is_empty() {
            // No source said which versions: never read that as "not affected".
            package.no_range_data = true;
            package.intervals.push(Interval::everything());
        }
        package.fixed = sort_versions(fixed.remove(&package.name).unwrap_or_default());
        package.last_affected = sort_versions(last.remove(&package.name).unwrap_or_default());
    }
    Advisory {
        severity: advisory_severity(&category, disputed, source_severity),
        id,
        aliases: aliases.into_iter().collect(),
        summary,
        cwes: cwes.into_iter().collect(),
        category,
        disputed,
        notes,
        packages,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(found: &[&Advisory]) -> Vec<String> {
        let mut ids: Vec<String> = found.iter().map(|a| a.id.clone()).collect();
        ids.sort();
        ids
    }

    #[test]
    fn bundled_data_parses_without_problems() {
        let db = bundled();
        assert!(db.problems.is_empty(), "{:?}", db.problems);
        assert!(db.advisories().len() > 200);
    }

    #[test]
    fn torch_weights_only_bypass_matches_local_builds() {
        let found = advisories_for("torch", "2.5.1+cpu");
        assert!(
            found
                .iter()
                .any(|a| a.all_ids().any(|i| i == "CVE-2025-32434"))
        );
        let fixed = advisories_for("torch", "2.6.0");
        assert!(
            !fixed
                .iter()
                .any(|a| a.all_ids().any(|i| i == "CVE-2025-32434"))
        );
    }

    #[test]
    fn withdrawn_records_are_ignored() {
        // joblib's only record (CVE-2024-34997) is withdrawn.
        assert!(advisories_for("joblib", "1.2.0").is_empty());
    }

    #[test]
    fn aliases_merge_and_ranges_unite() {
        // PYSEC says numpy fixed 1.16.1, the GHSA says <1.16.3: 1.16.2 is affected.
        let found = advisories_for("NumPy", "1.16.2");
        assert_eq!(found.len(), 1, "{:?}", ids(&found));
        let advisory = found[0];
        assert!(advisory.all_ids().any(|i| i == "GHSA-9fq2-x9r6-wfmf"));
        assert!(advisory.all_ids().any(|i| i == "PYSEC-2019-108"));
        let numpy = advisory.package("numpy").unwrap();
        assert!(numpy.sources_disagree());
        assert!(advisories_for("numpy", "1.16.3").is_empty());
        // One vulnerability, two packages (torch and pytorch): one advisory.
        let torch = bundled().by_id("CVE-2026-24747").unwrap();
        assert!(torch.package("torch").is_some() && torch.package("pytorch").is_some());
    }

    #[test]
    fn osv_zip_exports_are_read() {
        use std::io::Write as _;
        let record = br#"{"id":"GHSA-zzzz-zzzz-zzzz","affected":[{"package":{"ecosystem":"PyPI","name":"zipped"},
            "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"2.0"}]}]}]}"#;
        let mut zip = Vec::new();
        let mut archive = rawzip::ZipArchiveWriter::new(&mut zip);
        let (mut entry, config) = archive
            .new_file("GHSA-zzzz-zzzz-zzzz.json")
            .compression_method(rawzip::CompressionMethod::DEFLATE)
            .start()
            .unwrap();
        let encoder =
            flate2::write::DeflateEncoder::new(&mut entry, flate2::Compression::default());
        let mut writer = config.wrap(encoder);
        writer.write_all(record).unwrap();
        let (encoder, descriptor) = writer.finish().unwrap();
        encoder.finish().unwrap();
        entry.finish(descriptor).unwrap();
        archive.finish().unwrap();
        let db = parse_advisory_db(&zip).unwrap();
        assert!(!db.advisories_for("zipped", "1.5").is_empty());
        assert!(db.advisories_for("zipped", "2.0").is_empty());
        let tiny = Limits {
            max_advisory_records: 0,
            ..Limits::default()
        };
        assert!(parse_zip_records(&zip, &tiny).is_err());
    }

    #[test]
    fn osv_records_are_read_with_events() {
        let osv = br#"[{
            "id": "GHSA-xxxx-yyyy-zzzz",
            "aliases": ["CVE-2099-0001"],
            "summary": "pickle load in demo",
            "database_specific": {"cwe_ids": ["CWE-502"], "severity": "CRITICAL"},
            "affected": [{
                "package": {"ecosystem": "PyPI", "name": "Demo_Pkg"},
                "ranges": [{"type": "ECOSYSTEM", "events": [
                    {"introduced": "0"}, {"fixed": "1.2"},
                    {"introduced": "2.0"}, {"last_affected": "2.1"}]}],
                "versions": ["3.0"]
            }, {
                "package": {"ecosystem": "npm", "name": "demo"},
                "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}]}]
            }]
        }, {
            "id": "PYSEC-2099-9", "aliases": ["CVE-2099-0001"], "withdrawn": "2099-01-01T00:00:00Z",
            "affected": [{"package": {"ecosystem": "PyPI", "name": "demo-pkg"},
                "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}]}]
        }]"#;
        let db = parse_advisory_db(osv).unwrap();
        assert_eq!(db.advisories().len(), 1);
        let hit = |v: &str| !db.advisories_for("demo.pkg", v).is_empty();
        assert!(hit("1.1"));
        assert!(!hit("1.2"));
        assert!(hit("2.1"));
        assert!(!hit("2.2"));
        assert!(hit("3.0"));
        let advisory = &db.advisories()[0];
        assert_eq!(advisory.severity, Severity::Critical);
        assert_eq!(advisory.cwes, vec![502]);
        assert_eq!(advisory.package("demo-pkg").unwrap().fixed, vec!["1.2"]);
        let single = parse_advisory_db(
            br#"{"id":"X-1","affected":[{"package":{"ecosystem":"PyPI","name":"a"}}]}"#,
        )
        .unwrap();
        // No range at all: every version is affected, and that is said.
        assert!(!single.advisories_for("a", "9.9").is_empty());
        assert!(single.advisories()[0].packages[0].no_range_data);
        let merged = parse_advisory_db_with_bundled(osv).unwrap();
        assert!(merged.advisories().len() > db.advisories().len());
        assert!(!merged.advisories_for("demo-pkg", "1.0").is_empty());
        assert!(!merged.advisories_for("torch", "2.5.1").is_empty());
        let missing = load_advisory_db_with_bundled(std::path::Path::new("/nonexistent/osv.json"));
        assert!(matches!(missing, Err(AdvisoryDbError::Io { .. })));
        assert!(parse_advisory_db(b"42").is_err());
        assert!(parse_advisory_db(b"PK\x03\x04 truncated").is_err());
        assert!(parse_advisory_db(b"not json").is_err());
    }
}
