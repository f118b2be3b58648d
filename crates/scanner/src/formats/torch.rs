//! PyTorch checkpoints: the zip layout of `torch.save` and TorchScript, and the
//! legacy (pre-1.6) stream of pickles.
//!
//! Zip checkpoints may have any top-level folder. Every member that is a pickle is
//! analysed by content (by [`super::zip`]); here the layout is recognised, the storage
//! keys `data.pkl` references are checked against the `data/<key>` members (tensor
//! bytes are never read), and TorchScript `code/*.py` members are listed and scanned
//! as text for what a model's code never needs. Legacy checkpoints are five pickles
//! in a row (magic number, protocol, sys_info, the object, the storage keys) before
//! raw storages: all five are analysed, the storages are not.
//!
//! Must never run TorchScript, import torch, or read a tensor storage.

use std::collections::{BTreeSet, HashMap};
use std::io::Read;

use super::zip::Entry;
use super::{Ctx, Outcome};
use crate::finding::{FileKind, Finding};
use crate::pickle::{Flavor, StreamOptions};
use crate::rules::container::{
    torch_storage_mismatch, torchscript_code, torchscript_dangerous_code,
};

/// Pickles before the raw storages of a legacy checkpoint.
const LEGACY_PICKLES: usize = 5;

/// Names in TorchScript code that a saved model never needs, judged as whole words.
/// `open` counts only as a call, `os` only with an attribute after it, and `getattr`
/// only when its object is not `self...`: `torch.jit.save` writes `getattr(self, "0")`
/// for every `Sequential` child.
const DANGEROUS_WORDS: &[&str] = &[
    "import",
    "os",
    "subprocess",
    "eval",
    "exec",
    "open",
    "__import__",
    "builtins",
    "getattr",
];

/// Where the parts of a PyTorch zip checkpoint live.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layout {
    /// The folder holding `data.pkl` (with its trailing `/`, or empty).
    pub root: String,
}

impl Layout {
    /// Recognise `<root>/data.pkl` or TorchScript's `<root>/constants.pkl`.
    #[must_use]
    pub fn detect(names: &[&str]) -> Option<Layout> {
        names.iter().find_map(|name| {
            let root = name
                .strip_suffix("data.pkl")
                .or_else(|| name.strip_suffix("constants.pkl"))?;
            (root.is_empty() || root.ends_with('/')).then(|| Layout {
                root: root.to_owned(),
            })
        })
    }

    /// `<root>/code/**.py`: TorchScript source.
    #[must_use]
    pub fn is_code(&self, name: &str) -> bool {
        name.strip_prefix(&self.root)
            .is_some_and(|rest| rest.starts_with("code/") && rest.ends_with(".py"))
    }

    /// `<root>/data.pkl`: the pickle `torch.load` unpickles.
    #[must_use]
    pub fn is_main_pickle(&self, name: &str) -> bool {
        name.strip_prefix(&self.root) == Some("data.pkl")
    }

    /// The listing of TorchScript code members, if any.
    #[must_use]
    pub fn list_code(&self, entries: &[Entry]) -> Vec<Finding> {
        let code: Vec<&str> = entries
            .iter()
            .filter(|e| self.is_code(&e.name))
            .map(|e| e.name.as_str())
            .collect();
        if code.is_empty() {
            return Vec::new();
        }
        vec![torchscript_code::finding(format!(
            "TorchScript code members: {}",
            code.join(", ")
        ))]
    }

    /// The key of a `<root>/data/<key>` storage member.
    #[must_use]
    pub fn storage_key<'n>(&self, name: &'n str) -> Option<&'n str> {
        name.strip_prefix(&self.root)?
            .strip_prefix("data/")
            .filter(|key| !key.is_empty() && !key.contains('/'))
    }

    /// Whether a member is a storage `data.pkl` references, by both its names: only
    /// those are skipped unread; any other member is analysed by content.
    #[must_use]
    pub fn is_referenced_storage(&self, entry: &Entry, referenced: &BTreeSet<String>) -> bool {
        let key_of = |name: &str| self.storage_key(name).map(str::to_owned);
        entry.listed
            && key_of(&entry.name).is_some_and(|k| referenced.contains(&k))
            && key_of(&entry.local_name).is_some_and(|k| referenced.contains(&k))
    }

    /// Compare the storage keys `data.pkl` references with the `data/<key>` members.
    #[must_use]
    pub fn check_storages(&self, referenced: &BTreeSet<String>, entries: &[Entry]) -> Vec<Finding> {
        let present: BTreeSet<&str> = entries
            .iter()
            .filter(|e| e.listed)
            .filter_map(|e| self.storage_key(&e.name))
            .collect();
        let mut findings = Vec::new();
        let missing: Vec<&str> = referenced
            .iter()
            .map(String::as_str)
            .filter(|k| !present.contains(k))
            .collect();
        if !missing.is_empty() {
            findings.push(torch_storage_mismatch::finding(format!(
                "data.pkl references storages with no `data/` member: {}",
                missing.join(", ")
            )));
        }
        let extra: Vec<&str> = present
            .iter()
            .copied()
            .filter(|k| !referenced.contains(*k))
            .collect();
        if !extra.is_empty() {
            findings.push(torch_storage_mismatch::finding(format!(
                "`data/` members no storage in data.pkl references (analysed by content): {}",
                extra.join(", ")
            )));
        }
        findings
    }
}

/// Scan the text of a TorchScript code member.
#[must_use]
pub fn scan_code_member(name: &str, text: &Result<Vec<u8>, Box<Finding>>) -> Vec<Finding> {
    let bytes = match text {
        Ok(bytes) => bytes,
        Err(finding) => {
            let mut finding = (**finding).clone();
            finding.inside(name);
            return vec![finding];
        }
    };
    let text = String::from_utf8_lossy(bytes);
    let hits = dangerous_words(&text);
    if hits.is_empty() {
        return Vec::new();
    }
    let mut finding =
        torchscript_dangerous_code::finding(format!("TorchScript code uses {}", hits.join(", ")));
    finding.inside(name);
    vec![finding]
}

/// The dangerous words used in `text`, each once, in [`DANGEROUS_WORDS`] order.
fn dangerous_words(text: &str) -> Vec<&'static str> {
    let is_ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(|c: char| is_ident(c)) {
        let after_start = rest.get(start..).unwrap_or_default();
        let len = after_start
            .find(|c: char| !is_ident(c))
            .unwrap_or(after_start.len());
        let (word, tail) = after_start.split_at(len);
        let next = tail.trim_start();
        let hit = match word {
            "os" => next.starts_with('.'),
            "open" => next.starts_with('('),
            "getattr" => !next
                .strip_prefix('(')
                .is_some_and(|args| args.trim_start().starts_with("self")),
            other => DANGEROUS_WORDS.contains(&other),
        };
        if let Some(known) = DANGEROUS_WORDS.iter().find(|w| **w == word)
            && hit
            && !found.contains(known)
        {
            found.push(*known);
        }
        rest = tail;
    }
    found.sort_by_key(|w| DANGEROUS_WORDS.iter().position(|d| d == w));
    found
}

/// A legacy checkpoint: the magic-number pickle and the four after it.
pub fn scan_legacy(reader: &mut dyn Read, ctx: &Ctx<'_>) -> Outcome {
    let options = StreamOptions {
        flavor: Flavor::Plain,
        max_pickles: Some(LEGACY_PICKLES),
    };
    let report = crate::pickle::analyze_stream(reader, options, ctx.limits);
    ctx.record_globals(&report);
    Outcome::of(FileKind::PytorchLegacy, report.findings)
}

/// Storage keys in the persistent ids of a `torch.save` pickle:
/// `('storage', <class>, '<key>', '<location>', <numel>)`.
///
/// A flat walk over opcodes (no evaluation): strings pushed since each MARK are
/// tracked, memo slots that hold strings are followed, and a tuple starting with
/// `'storage'` yields its third item. Bounded by the input length and `max_memo`.
#[must_use]
pub fn storage_keys(pickle: &[u8], max_memo: usize) -> BTreeSet<String> {
    let mut keys = BTreeSet::new();
    let mut memo: HashMap<u64, String> = HashMap::new();
    let mut frames: Vec<Vec<Option<String>>> = Vec::new();
    let mut last: Option<String> = None;
    let mut pos = 0usize;
    while let Some(&op) = pickle.get(pos) {
        pos += 1;
        let pushed: Option<Option<String>>;
        match op {
            b'.' => break,
            b'(' => {
                frames.push(Vec::new());
                last = None;
                continue;
            }
            b't' => {
                if let Some(items) = frames.pop()
                    && items.first() == Some(&Some("storage".to_owned()))
                    && let Some(Some(key)) = items.get(2)
                {
                    keys.insert(key.clone());
                }
                pushed = Some(None);
            }
            b'X' | 0x8c | 0x8d => {
                let width = match op {
                    0x8c => 1,
                    b'X' => 4,
                    _ => 8,
                };
                let Some((text, next)) = length_prefixed(pickle, pos, width) else {
                    break;
                };
                pos = next;
                pushed = Some(Some(String::from_utf8_lossy(text).into_owned()));
            }
            b'h' | b'j' => {
                let width = if op == b'h' { 1 } else { 4 };
                let Some(index) = fixed_le(pickle, pos, width) else {
                    break;
                };
                pos += width;
                pushed = Some(memo.get(&index).cloned());
            }
            b'q' | b'r' => {
                let width = if op == b'q' { 1 } else { 4 };
                let Some(index) = fixed_le(pickle, pos, width) else {
                    break;
                };
                pos += width;
                remember(&mut memo, index, last.as_ref(), max_memo);
                continue;
            }
            0x94 => {
                let index = memo.len() as u64;
                remember(&mut memo, index, last.as_ref(), max_memo);
                continue;
            }
            _ => match skip_argument(pickle, pos, op) {
                Some(next) => {
                    pos = next;
                    pushed = Some(None);
                }
                None => break,
            },
        }
        if let Some(value) = pushed {
            last.clone_from(&value);
            if let Some(frame) = frames.last_mut()
                && frame.len() < 8
            {
                frame.push(value);
            }
        }
    }
    keys
}

fn remember(memo: &mut HashMap<u64, String>, index: u64, value: Option<&String>, max: usize) {
    if let Some(value) = value
        && memo.len() < max
    {
        memo.insert(index, value.clone());
    }
}

fn fixed_le(bytes: &[u8], at: usize, width: usize) -> Option<u64> {
    let field = bytes.get(at..at.checked_add(width)?)?;
    Some(
        field
            .iter()
            .rev()
            .fold(0u64, |acc, b| (acc << 8) | u64::from(*b)),
    )
}

fn length_prefixed(bytes: &[u8], at: usize, width: usize) -> Option<(&[u8], usize)> {
    let len = usize::try_from(fixed_le(bytes, at, width)?).ok()?;
    let start = at.checked_add(width)?;
    let end = start.checked_add(len)?;
    Some((bytes.get(start..end)?, end))
}

/// Position after the argument of opcode `op` at `at`; `None` when truncated or unknown.
fn skip_argument(bytes: &[u8], at: usize, op: u8) -> Option<usize> {
    let fixed = |n: usize| at.checked_add(n).filter(|end| *end <= bytes.len());
    let line = |from: usize| {
        memchr::memchr(b'\n', bytes.get(from..)?).and_then(|i| from.checked_add(i + 1))
    };
    match op {
        b'K' | 0x80 | 0x82 => fixed(1),
        b'M' | 0x83 => fixed(2),
        b'J' | 0x84 => fixed(4),
        b'G' | 0x95 => fixed(8),
        b'U' | b'C' | 0x8a => length_prefixed(bytes, at, 1).map(|(_, end)| end),
        b'T' | b'B' | 0x8b => length_prefixed(bytes, at, 4).map(|(_, end)| end),
        0x8e | 0x96 => length_prefixed(bytes, at, 8).map(|(_, end)| end),
        b'I' | b'L' | b'F' | b'S' | b'V' | b'g' | b'p' | b'P' => line(at),
        b'c' | b'i' => line(line(at)?),
        b')' | b']' | b'}' | b'N' | 0x88 | 0x89 | b'a' | b'e' | b's' | b'u' | b'R' | b'b'
        | b'0' | b'1' | b'2' | b'l' | b'd' | b'o' | 0x81 | 0x85 | 0x86 | 0x87 | 0x90 | 0x91
        | 0x92 | 0x93 | 0x97 | 0x98 | b'Q' => Some(at),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `torch.save`'s persistent id for storage `key`, protocol 2, memoised strings.
    fn persistent_id(out: &mut Vec<u8>, key: &str) {
        out.push(b'(');
        out.push(b'X');
        out.extend_from_slice(&7u32.to_le_bytes());
        out.extend_from_slice(b"storage");
        out.extend_from_slice(b"q\x01");
        out.extend_from_slice(b"ctorch\nFloatStorage\nq\x02");
        out.push(b'X');
        out.extend_from_slice(&(key.len() as u32).to_le_bytes());
        out.extend_from_slice(key.as_bytes());
        out.push(b'h');
        out.push(1);
        out.extend_from_slice(b"K\x04tQ");
    }

    #[test]
    fn finds_storage_keys() {
        let mut pickle = b"\x80\x02}q\x00".to_vec();
        persistent_id(&mut pickle, "0");
        persistent_id(&mut pickle, "17");
        pickle.push(b'.');
        let keys = storage_keys(&pickle, 100);
        assert_eq!(keys.into_iter().collect::<Vec<_>>(), vec!["0", "17"]);
    }

    #[test]
    fn plain_tuples_are_not_storages() {
        let pickle = b"\x80\x02(X\x01\x00\x00\x00aX\x01\x00\x00\x00bX\x01\x00\x00\x00ct.";
        assert!(storage_keys(pickle, 100).is_empty());
    }

    #[test]
    fn layout_any_root() {
        let layout = Layout::detect(&["my_model/data.pkl", "my_model/data/0"]).unwrap();
        assert_eq!(layout.storage_key("my_model/data/0"), Some("0"));
        assert_eq!(layout.storage_key("my_model/data.pkl"), None);
        assert!(layout.is_main_pickle("my_model/data.pkl"));
        assert!(Layout::detect(&["x/notdata.pkl"]).is_none());
    }

    #[test]
    fn torchscript_words_not_substrings() {
        let sequential = "  def forward(self, argument_1: Tensor) -> Tensor:\n    _0 = getattr(self, \"4\")\n    _1 = (getattr(self.layers, \"0\")).forward(self.pos.weight, )\n    return torch.cos(_0)\n";
        assert!(dangerous_words(sequential).is_empty());
        assert_eq!(dangerous_words("x = getattr(torch, name)"), vec!["getattr"]);
        assert_eq!(
            dangerous_words("import os\nos.system('x')"),
            vec!["import", "os"]
        );
        assert_eq!(
            dangerous_words("f = open ('x')\nexecutor = 1"),
            vec!["open"]
        );
    }

    #[test]
    fn dangerous_torchscript_text() {
        let bad = Ok(b"def forward(self):\n    os.system(\"touch marker\")\n".to_vec());
        assert_eq!(scan_code_member("a/code/m.py", &bad).len(), 1);
        let good = Ok(b"def forward(self, x):\n    return torch.relu(x)\n".to_vec());
        assert!(scan_code_member("a/code/m.py", &good).is_empty());
    }

    proptest::proptest! {
        #[test]
        fn storage_keys_never_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..512)) {
            let _ = storage_keys(&bytes, 16);
        }
    }
}
