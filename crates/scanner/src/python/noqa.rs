//! Suppression comments: `# noqa`, `# noqa: BRN101, BRN108`, `# nosec`, `# nosec B301`.
//!
//! A directive on the first line of a finding (or the last line of a multi-line call)
//! drops it. Bandit codes (B301 pickle, B302 marshal, B403 import pickle, B506 yaml,
//! B614 torch.load, B615 Hugging Face downloads) and Ruff's S301/S302/S506 map to the
//! brine rules covering the same sinks. Codes also match by prefix (`BRN1`).
//!
//! Must only ever read comments (from tokens), never string contents.

use std::collections::HashMap;

/// Which foreign codes stand for which brine rules.
const FOREIGN_CODES: &[(&str, &[&str])] = &[
    ("B301", &["BRN101", "BRN102", "BRN103", "BRN105", "BRN106"]),
    ("S301", &["BRN101", "BRN102", "BRN103", "BRN105", "BRN106"]),
    ("B403", &["BRN101", "BRN102", "BRN103"]),
    ("S403", &["BRN101", "BRN102", "BRN103"]),
    ("B302", &["BRN104"]),
    ("S302", &["BRN104"]),
    ("B506", &["BRN111"]),
    ("S506", &["BRN111"]),
    ("B614", &["BRN108", "BRN109"]),
    ("B615", &["BRN113", "BRN114"]),
];

#[derive(Clone, Debug, PartialEq, Eq)]
enum Directive {
    All,
    Codes(Vec<String>),
}

/// The suppression directives of one file, by line.
#[derive(Clone, Debug, Default)]
pub struct Suppressions {
    by_line: HashMap<u32, Vec<Directive>>,
}

impl Suppressions {
    /// Collect directives from `(line, comment text)` pairs.
    #[must_use]
    pub fn from_comments(comments: &[(u32, &str)]) -> Self {
        let mut by_line: HashMap<u32, Vec<Directive>> = HashMap::new();
        for (line, text) in comments {
            for directive in parse_comment(text) {
                by_line.entry(*line).or_default().push(directive);
            }
        }
        Suppressions { by_line }
    }

    /// Whether `rule` is suppressed by a directive on any of `lines`.
    #[must_use]
    pub fn suppresses(&self, rule: &str, lines: &[u32]) -> bool {
        lines
            .iter()
            .filter_map(|line| self.by_line.get(line))
            .flatten()
            .any(|directive| match directive {
                Directive::All => true,
                Directive::Codes(codes) => codes.iter().any(|code| code_covers(code, rule)),
            })
    }
}

fn code_covers(code: &str, rule: &str) -> bool {
    if code.starts_with("BRN") {
        return rule.starts_with(code);
    }
    FOREIGN_CODES
        .iter()
        .any(|(foreign, rules)| *foreign == code && rules.contains(&rule))
}

fn parse_comment(comment: &str) -> Vec<Directive> {
    let lower = comment.to_ascii_lowercase();
    let mut directives = Vec::new();
    for keyword in ["noqa", "nosec"] {
        let Some(at) = lower.find(keyword) else {
            continue;
        };
        let rest = comment.get(at + keyword.len()..).unwrap_or_default();
        // `# noqa` codes need a colon; Bandit accepts `# nosec B301` too.
        let codes_text = match rest.trim_start().strip_prefix(':') {
            Some(codes) => codes,
            None if keyword == "nosec" => rest,
            None => "",
        };
        let codes: Vec<String> = codes_text
            .split([',', ' ', '\t'])
            .map(str::trim)
            .take_while(|token| token.is_empty() || is_code(token))
            .filter(|token| !token.is_empty())
            .map(str::to_ascii_uppercase)
            .collect();
        directives.push(if codes.is_empty() {
            Directive::All
        } else {
            Directive::Codes(codes)
        });
    }
    directives
}

fn is_code(token: &str) -> bool {
    let letters = token.chars().take_while(char::is_ascii_alphabetic).count();
    letters > 0
        && letters < token.len()
        && token
            .get(letters..)
            .is_some_and(|digits| digits.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn suppressed(comment: &str, rule: &str) -> bool {
        Suppressions::from_comments(&[(3, comment)]).suppresses(rule, &[3])
    }

    #[test]
    fn bare_and_coded_noqa() {
        assert!(suppressed("# noqa", "BRN101"));
        assert!(suppressed("# noqa: BRN101, BRN108", "BRN108"));
        assert!(!suppressed("# noqa: BRN108", "BRN101"));
        assert!(suppressed("# NOQA:BRN1", "BRN111"));
    }

    #[test]
    fn nosec_and_foreign_codes() {
        assert!(suppressed("# nosec", "BRN105"));
        assert!(suppressed("# nosec B301", "BRN101"));
        assert!(suppressed("# nosec: B506", "BRN111"));
        assert!(!suppressed("# nosec B506", "BRN101"));
        assert!(suppressed("# noqa: S301", "BRN106"));
        assert!(suppressed("# safe: trusted file  # nosec B614", "BRN108"));
    }

    #[test]
    fn other_lines_and_comments_do_not_suppress() {
        assert!(!Suppressions::from_comments(&[(2, "# noqa")]).suppresses("BRN101", &[3]));
        assert!(!suppressed("# a normal comment", "BRN101"));
    }
}
