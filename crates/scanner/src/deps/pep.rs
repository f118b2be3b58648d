//! PEP 440 versions, PEP 503 names and version ranges: the one swap point over `pep440_rs`
//! and `pep508_rs`.
//!
//! Everything else in [`crate::deps`] asks this module whether a version lies in a range or
//! whether a requirement's specifier admits a version of a range, so that a later move to
//! `uv-pep440` touches one file. Ranges are unions of [`Interval`]s compared by PEP 440
//! ordering only (as OSV evaluates `ECOSYSTEM` ranges): the PEP 440 rule that `<2.6` hides
//! `2.6rc1` is deliberately not applied, because an advisory range is a statement about
//! ordering, not an installer's choice. Local labels (`+cpu`, `+cu121`) are dropped before
//! matching. This module must never panic on input text.

use std::cmp::Ordering;
use std::str::FromStr;

pub use pep440_rs::Version;
use pep440_rs::{Operator, VersionSpecifiers};
use pep508_rs::{Requirement, VerbatimUrl};

/// PEP 503 normalised name: lowercase, every run of `-`, `_`, `.` becomes one `-`.
#[must_use]
pub fn normalize_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut in_separator_run = false;
    for ch in name.trim().chars() {
        if matches!(ch, '-' | '_' | '.') {
            if !in_separator_run {
                out.push('-');
            }
            in_separator_run = true;
        } else {
            out.extend(ch.to_lowercase());
            in_separator_run = false;
        }
    }
    out
}

/// Parse a PEP 440 version (`2.5.1+cpu`, `1!2.0.post1`, `v5.2b1`); `None` when it is not one.
#[must_use]
pub fn parse_version(text: &str) -> Option<Version> {
    Version::from_str(text.trim()).ok()
}

/// The version used for range matching: the local label is ignored (`2.5.1+cpu` is `2.5.1`).
#[must_use]
pub fn matching_version(version: &Version) -> Version {
    version.clone().without_local()
}

/// One end of an interval.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bound {
    /// The version at the end.
    pub version: Version,
    /// Whether the end itself is inside.
    pub inclusive: bool,
}

/// A contiguous range of versions; a missing bound is unbounded.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Interval {
    /// Lowest version (inclusive or not); `None` is "from the beginning".
    pub lower: Option<Bound>,
    /// Highest version (inclusive or not); `None` is "no end".
    pub upper: Option<Bound>,
}

impl Interval {
    /// Every version.
    #[must_use]
    pub fn everything() -> Self {
        Interval::default()
    }

    /// Exactly one version.
    #[must_use]
    pub fn exactly(version: Version) -> Self {
        Interval {
            lower: Some(Bound {
                version: version.clone(),
                inclusive: true,
            }),
            upper: Some(Bound {
                version,
                inclusive: true,
            }),
        }
    }

    fn at_least(version: Version, inclusive: bool) -> Self {
        Interval {
            lower: Some(Bound { version, inclusive }),
            upper: None,
        }
    }

    fn below(version: Version, inclusive: bool) -> Self {
        Interval {
            lower: None,
            upper: Some(Bound { version, inclusive }),
        }
    }

    fn between(low: Version, high: Version) -> Self {
        Interval {
            lower: Some(Bound {
                version: low,
                inclusive: true,
            }),
            upper: Some(Bound {
                version: high,
                inclusive: false,
            }),
        }
    }

    /// Whether `version` (local label ignored) lies inside.
    #[must_use]
    pub fn contains(&self, version: &Version) -> bool {
        let version = matching_version(version);
        let above_lower = self
            .lower
            .as_ref()
            .is_none_or(|b| match version.cmp(&b.version) {
                Ordering::Greater => true,
                Ordering::Equal => b.inclusive,
                Ordering::Less => false,
            });
        let below_upper = self
            .upper
            .as_ref()
            .is_none_or(|b| match version.cmp(&b.version) {
                Ordering::Less => true,
                Ordering::Equal => b.inclusive,
                Ordering::Greater => false,
            });
        above_lower && below_upper
    }

    /// Whether no version lies inside.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        match (&self.lower, &self.upper) {
            (Some(low), Some(high)) => match low.version.cmp(&high.version) {
                Ordering::Greater => true,
                Ordering::Equal => !(low.inclusive && high.inclusive),
                Ordering::Less => false,
            },
            _ => false,
        }
    }

    /// The versions in both.
    #[must_use]
    pub fn intersect(&self, other: &Interval) -> Interval {
        let lower = match (&self.lower, &other.lower) {
            (None, b) | (b, None) => b.clone(),
            (Some(a), Some(b)) => Some(match a.version.cmp(&b.version) {
                Ordering::Greater => a.clone(),
                Ordering::Less => b.clone(),
                Ordering::Equal => Bound {
                    version: a.version.clone(),
                    inclusive: a.inclusive && b.inclusive,
                },
            }),
        };
        let upper = match (&self.upper, &other.upper) {
            (None, b) | (b, None) => b.clone(),
            (Some(a), Some(b)) => Some(match a.version.cmp(&b.version) {
                Ordering::Less => a.clone(),
                Ordering::Greater => b.clone(),
                Ordering::Equal => Bound {
                    version: a.version.clone(),
                    inclusive: a.inclusive && b.inclusive,
                },
            }),
        };
        Interval { lower, upper }
    }

    /// Whether some version lies in both.
    #[must_use]
    pub fn overlaps(&self, other: &Interval) -> bool {
        !self.intersect(other).is_empty()
    }
}

impl std::fmt::Display for Interval {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (&self.lower, &self.upper) {
            (None, None) => f.write_str("*"),
            (Some(low), Some(high)) if low == high && low.inclusive => {
                write!(f, "=={}", low.version)
            }
            (low, high) => {
                let mut parts = Vec::new();
                if let Some(b) = low {
                    parts.push(format!(
                        "{}{}",
                        if b.inclusive { ">=" } else { ">" },
                        b.version
                    ));
                }
                if let Some(b) = high {
                    parts.push(format!(
                        "{}{}",
                        if b.inclusive { "<=" } else { "<" },
                        b.version
                    ));
                }
                f.write_str(&parts.join(","))
            }
        }
    }
}

/// Whether `version` lies in any of the intervals.
#[must_use]
pub fn any_contains(intervals: &[Interval], version: &Version) -> bool {
    intervals.iter().any(|i| i.contains(version))
}

/// Whether any interval of `a` overlaps any interval of `b`.
#[must_use]
pub fn any_overlap(a: &[Interval], b: &[Interval]) -> bool {
    a.iter().any(|x| b.iter().any(|y| x.overlaps(y)))
}

/// Parse an advisory range written as comma-joined clauses with `>=`, `>`, `<=`, `<`, `==`
/// (`>=3.0.0,<3.12.1`, `<=2.10.0`). An empty string is every version.
///
/// # Errors
/// A clause with another operator or an invalid version.
pub fn parse_advisory_range(text: &str) -> Result<Interval, String> {
    let mut interval = Interval::everything();
    for clause in text.split(',').map(str::trim).filter(|c| !c.is_empty()) {
        let (op, rest) = split_operator(clause);
        let version = parse_version(rest)
            .ok_or_else(|| format!("invalid version `{rest}` in range `{text}`"))?;
        let part = match op {
            ">=" => Interval::at_least(version, true),
            ">" => Interval::at_least(version, false),
            "<=" => Interval::below(version, true),
            "<" => Interval::below(version, false),
            "==" => Interval::exactly(version),
            _ => return Err(format!("unsupported clause `{clause}` in range `{text}`")),
        };
        interval = interval.intersect(&part);
    }
    Ok(interval)
}

fn split_operator(clause: &str) -> (&str, &str) {
    let op_len = clause
        .bytes()
        .take_while(|b| matches!(b, b'<' | b'>' | b'=' | b'!' | b'~'))
        .count();
    match (clause.get(..op_len), clause.get(op_len..)) {
        (Some(op), Some(rest)) => (op, rest.trim()),
        _ => ("", clause),
    }
}

/// Parse a PEP 508 requirement (`name[extra]>=1; marker`, `name @ url`).
///
/// `pep508_rs` 0.9.2 panics (found by fuzzing) on a name or extra that ends in `.`, `-` or
/// `_` when more text follows (`kera8.=.3`), and slices inside multi-byte characters in
/// some error paths; so those names and any non-ASCII text are rejected here first (PEP 508
/// names, versions and operators are ASCII; a non-ASCII marker value or URL becomes a parse
/// problem). Any other panic inside the parser is caught and returned as an error, because
/// no input may stop a scan.
///
/// # Errors
/// The requirement is not valid PEP 508 (or not ASCII); the message is one line.
pub fn parse_requirement(text: &str) -> Result<Requirement<VerbatimUrl>, String> {
    if let Some(bad) = text.chars().find(|c| !c.is_ascii()) {
        return Err(format!(
            "non-ASCII character `{bad}` in a requirement (PEP 508 names and versions are ASCII)"
        ));
    }
    if let Some(bad) = punctuation_ended_identifier(text) {
        return Err(format!(
            "`{bad}` must end with a letter or digit, not punctuation"
        ));
    }
    let parsed = std::panic::catch_unwind(|| Requirement::<VerbatimUrl>::from_str(text));
    match parsed {
        Ok(Ok(requirement)) => Ok(requirement),
        Ok(Err(error)) => Err(error
            .message
            .to_string()
            .lines()
            .next()
            .unwrap_or_default()
            .to_owned()),
        Err(_) => Err("the PEP 508 parser failed on this line".to_owned()),
    }
}

fn is_identifier_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')
}

/// The package name or an extra name of a requirement that ends in punctuation, if any.
fn punctuation_ended_identifier(text: &str) -> Option<&str> {
    let rest = text.trim_start();
    let name_len = rest.find(|c| !is_identifier_char(c)).unwrap_or(rest.len());
    let name = rest.get(..name_len).unwrap_or_default();
    let ends_badly = |id: &str| id.ends_with(['-', '_', '.']);
    if ends_badly(name) {
        return Some(name);
    }
    let after = rest.get(name_len..).unwrap_or_default().trim_start();
    let extras = after.strip_prefix('[')?;
    let extras = extras.split(']').next().unwrap_or_default();
    extras.split(',').map(str::trim).find_map(|piece| {
        let len = piece
            .find(|c| !is_identifier_char(c))
            .unwrap_or(piece.len());
        piece.get(..len).filter(|id| ends_badly(id))
    })
}

/// The exact version a specifier set pins (`==2.5.1`, `===2.5.1`), if it pins one.
#[must_use]
pub fn pinned_version(specifiers: &VersionSpecifiers) -> Option<Version> {
    match specifiers.iter().as_slice() {
        [only] if matches!(only.operator(), Operator::Equal | Operator::ExactEqual) => {
            Some(only.version().clone())
        }
        _ => None,
    }
}

/// Parse a PEP 440 specifier set (`>=2.0,<2.6`, `~=1.4.5`, `==2.*`).
#[must_use]
pub fn parse_specifiers(text: &str) -> Option<VersionSpecifiers> {
    VersionSpecifiers::from_str(text.trim()).ok()
}

/// The versions a specifier set admits, as a union of intervals (ordering only).
#[must_use]
pub fn specifiers_to_intervals(specifiers: &VersionSpecifiers) -> Vec<Interval> {
    let mut union = vec![Interval::everything()];
    for specifier in specifiers.iter() {
        let parts = specifier_intervals(specifier.operator(), specifier.version());
        union = union
            .iter()
            .flat_map(|have| parts.iter().map(move |part| have.intersect(part)))
            .filter(|i| !i.is_empty())
            .collect();
    }
    union
}

/// The smallest version of a release prefix (`1.2` → `1.2.dev0`) and of the next prefix,
/// used for `==1.2.*`, `!=1.2.*` and `~=`.
fn prefix_bounds(version: &Version) -> (Version, Version) {
    let release = version.release();
    let low = Version::new(release.iter().copied())
        .with_epoch(version.epoch())
        .with_dev(Some(0));
    let mut next: Vec<u64> = release.to_vec();
    if let Some(last) = next.last_mut() {
        *last = last.saturating_add(1);
    }
    let high = Version::new(next)
        .with_epoch(version.epoch())
        .with_dev(Some(0));
    (low, high)
}

fn specifier_intervals(operator: &Operator, version: &Version) -> Vec<Interval> {
    match operator {
        Operator::Equal | Operator::ExactEqual => vec![Interval::exactly(version.clone())],
        Operator::EqualStar => {
            let (low, high) = prefix_bounds(version);
            vec![Interval::between(low, high)]
        }
        Operator::NotEqual => vec![
            Interval::below(version.clone(), false),
            Interval::at_least(version.clone(), false),
        ],
        Operator::NotEqualStar => {
            let (low, high) = prefix_bounds(version);
            vec![Interval::below(low, false), Interval::at_least(high, true)]
        }
        Operator::TildeEqual => {
            // `~=1.4.5` is `>=1.4.5, ==1.4.*`: drop the last release segment for the prefix.
            let release = version.release();
            let prefix_len = release.len().saturating_sub(1).max(1);
            let prefix =
                Version::new(release.iter().take(prefix_len).copied()).with_epoch(version.epoch());
            let (_, high) = prefix_bounds(&prefix);
            vec![Interval::between(version.clone(), high)]
        }
        Operator::LessThan => vec![Interval::below(version.clone(), false)],
        Operator::LessThanEqual => vec![Interval::below(version.clone(), true)],
        Operator::GreaterThan => vec![Interval::at_least(version.clone(), false)],
        Operator::GreaterThanEqual => vec![Interval::at_least(version.clone(), true)],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn v(text: &str) -> Version {
        parse_version(text).unwrap()
    }

    #[test]
    fn names_normalise_per_pep_503() {
        assert_eq!(normalize_name("PyYAML"), "pyyaml");
        assert_eq!(normalize_name("scikit_learn"), "scikit-learn");
        assert_eq!(normalize_name("Foo.._-Bar"), "foo-bar");
    }

    #[test]
    fn spec_ordering_examples_hold() {
        // The ordering example from PEP 440's "Summary of permitted suffixes and relative ordering".
        let ordered = [
            "1.dev0",
            "1.0.dev456",
            "1.0a1",
            "1.0a2.dev456",
            "1.0a12.dev456",
            "1.0a12",
            "1.0b1.dev456",
            "1.0b2",
            "1.0b2.post345.dev456",
            "1.0b2.post345",
            "1.0rc1.dev456",
            "1.0rc1",
            "1.0",
            "1.0+abc.5",
            "1.0+abc.7",
            "1.0+5",
            "1.0.post456.dev34",
            "1.0.post456",
            "1.0.15",
            "1.1.dev1",
            "1!0.1",
        ];
        for pair in ordered.windows(2) {
            assert!(v(pair[0]) < v(pair[1]), "{} < {}", pair[0], pair[1]);
        }
    }

    #[test]
    fn local_labels_are_ignored_for_matching() {
        let range = parse_advisory_range("<2.6.0").unwrap();
        assert!(range.contains(&v("2.5.1+cpu")));
        assert!(range.contains(&v("2.5.1+cu121")));
        assert!(!range.contains(&v("2.6.0+cpu")));
    }

    #[test]
    fn advisory_ranges_parse_and_match() {
        let range = parse_advisory_range(">=3.0.0,<3.12.1").unwrap();
        assert!(range.contains(&v("3.0.0")));
        assert!(range.contains(&v("3.12.1rc1")));
        assert!(!range.contains(&v("3.12.1")));
        assert!(!range.contains(&v("2.15.0")));
        assert!(
            parse_advisory_range("<=2.10.0")
                .unwrap()
                .contains(&v("2.10.0"))
        );
        assert!(parse_advisory_range("~=1.0").is_err());
        assert!(parse_advisory_range("<x.y").is_err());
        assert!(
            parse_advisory_range("<=5.0.0-rc0")
                .unwrap()
                .contains(&v("5.0.0rc0"))
        );
    }

    #[test]
    fn specifiers_become_intervals() {
        let spec = parse_specifiers(">=2.0,<2.6").unwrap();
        let admitted = specifiers_to_intervals(&spec);
        assert!(any_contains(&admitted, &v("2.5.1")));
        assert!(!any_contains(&admitted, &v("2.6.0")));
        let compatible = specifiers_to_intervals(&parse_specifiers("~=1.4.5").unwrap());
        assert!(any_contains(&compatible, &v("1.4.9")));
        assert!(!any_contains(&compatible, &v("1.5.0")));
        let star = specifiers_to_intervals(&parse_specifiers("==2.*").unwrap());
        assert!(any_contains(&star, &v("2.9")));
        assert!(!any_contains(&star, &v("3.0")));
        let not_equal = specifiers_to_intervals(&parse_specifiers("!=2.5.1").unwrap());
        assert!(!any_contains(&not_equal, &v("2.5.1")));
        assert!(any_contains(&not_equal, &v("2.5.2")));
        assert_eq!(
            pinned_version(&parse_specifiers("==2.5.1+cpu").unwrap()),
            Some(v("2.5.1+cpu"))
        );
        assert_eq!(pinned_version(&parse_specifiers(">=2.5").unwrap()), None);
    }

    #[test]
    fn requirements_that_crash_pep508_rs_are_errors() {
        assert!(parse_requirement("kera8.=.3=s0").is_err());
        assert!(parse_requirement("foo[bar-]>=1").is_err());
        assert!(parse_requirement("foo[ok, bad_ ]").is_err());
        assert!(parse_requirement("foo-").is_err());
        assert!(parse_requirement("keras==3.8.0 ; python_version >= \"3.9\"\u{95}").is_err());
        let ok = parse_requirement("Foo.Bar[x,y]>=1.0; python_version >= '3.8'").unwrap();
        assert_eq!(ok.name.to_string(), "foo-bar");
    }

    fn version_strategy() -> impl Strategy<Value = Version> {
        (
            0u64..2,
            proptest::collection::vec(0u64..5, 1..4),
            proptest::option::of((0usize..3, 0u64..3)),
            proptest::option::of(0u64..3),
            proptest::option::of(0u64..3),
            proptest::option::of("[a-z0-9]{1,4}"),
        )
            .prop_map(|(epoch, release, pre, post, dev, local)| {
                let mut text = String::new();
                if epoch > 0 {
                    text.push_str(&format!("{epoch}!"));
                }
                let parts: Vec<String> = release.iter().map(u64::to_string).collect();
                text.push_str(&parts.join("."));
                if let Some((kind, n)) = pre {
                    text.push_str(["a", "b", "rc"][kind]);
                    text.push_str(&n.to_string());
                }
                if let Some(n) = post {
                    text.push_str(&format!(".post{n}"));
                }
                if let Some(n) = dev {
                    text.push_str(&format!(".dev{n}"));
                }
                if let Some(label) = local {
                    text.push('+');
                    text.push_str(&label);
                }
                parse_version(&text).unwrap()
            })
    }

    proptest! {
        #[test]
        fn ordering_is_a_total_order(a in version_strategy(), b in version_strategy(), c in version_strategy()) {
            // Antisymmetric and consistent with equality.
            prop_assert_eq!(a.cmp(&b), b.cmp(&a).reverse());
            prop_assert_eq!(a.cmp(&b) == Ordering::Equal, a == b);
            // Transitive.
            if a <= b && b <= c {
                prop_assert!(a <= c);
            }
        }

        #[test]
        fn local_label_never_changes_range_membership(a in version_strategy(), bound in version_strategy()) {
            let below = Interval::below(matching_version(&bound), false);
            prop_assert_eq!(below.contains(&a), below.contains(&matching_version(&a)));
            let exact = Interval::exactly(matching_version(&a));
            prop_assert!(exact.contains(&a));
        }

        #[test]
        fn interval_intersection_agrees_with_membership(a in version_strategy(), b in version_strategy(), x in version_strategy()) {
            let left = Interval::at_least(matching_version(&a), true);
            let right = Interval::below(matching_version(&b), false);
            let both = left.intersect(&right);
            prop_assert_eq!(both.contains(&x), left.contains(&x) && right.contains(&x));
            if both.contains(&x) {
                prop_assert!(!both.is_empty());
            }
        }

        #[test]
        fn parsing_arbitrary_text_never_panics(text in "\\PC{0,40}") {
            let _ = parse_requirement(&text);
            let _ = parse_version(&text);
            let _ = parse_advisory_range(&text);
            if let Some(spec) = parse_specifiers(&text) {
                let _ = specifiers_to_intervals(&spec);
            }
        }
    }
}
