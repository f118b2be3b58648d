//! `scan_source` never panics, whatever it is given, and fixes never break UTF-8.

use brine_scanner::python::{CodeSettings, apply_fixes, scan_source};
use proptest::prelude::*;

const FRAGMENTS: &[&str] = &[
    "import pickle\n",
    "import torch as t\n",
    "from yaml import load\n",
    "pickle.loads(b)\n",
    "t.load(f)\n",
    "load(s)\n",
    "def f(pickle):\n",
    "    ",
    "class C(pickle.Unpickler):\n",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ",",
    ":",
    "=",
    "**",
    "*",
    "'",
    "\"",
    "\"\"\"",
    "#",
    " noqa",
    "weights_only=",
    "True",
    "False",
    "getattr(",
    "__import__('pickle')",
    "\\\n",
    "\t",
    "é",
    "\r\n",
    "lambda x:",
    "async ",
    "await ",
    "yield ",
    "match x:\n",
    "    case 1:\n",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = scan_source("x.py", &bytes, &CodeSettings::default());
    }

    #[test]
    fn arbitrary_strings_never_panic(text in "\\PC{0,300}") {
        let findings = scan_source("x.py", text.as_bytes(), &CodeSettings::default());
        let _ = apply_fixes(&text, &findings);
    }

    #[test]
    fn python_like_soup_never_panics(parts in proptest::collection::vec(proptest::sample::select(FRAGMENTS), 0..80)) {
        let text: String = parts.concat();
        let findings = scan_source("x.py", text.as_bytes(), &CodeSettings::default());
        let fixed = apply_fixes(&text, &findings);
        prop_assert!(fixed.len() + 200 * findings.len() >= text.len());
    }
}
