//! The data-flow analysis never panics and always terminates, whatever the text:
//! random bytes, and random programs stitched from flow-heavy fragments.

mod taint_support;

use proptest::prelude::*;
use taint_support::analyze;

const FRAGMENTS: &[&str] = &[
    "import sys, pickle, torch\n",
    "from flask import request\n",
    "from .m import f\n",
    "from . import m\n",
    "x = sys.argv[1]\n",
    "x = 'c'\n",
    "y = x\n",
    "x, y = y, x\n",
    "def f(a, *b, **c):\n    return f(a)\n",
    "def g(p):\n    torch.load(p)\n    return g(p)\n",
    "class C:\n    def __init__(self, p):\n        self.p = p\n    def m(self):\n        return pickle.loads(self.p)\n",
    "C(x).m()\n",
    "g(f(x))\n",
    "for i in x:\n    x = i\n",
    "while x:\n    break\n",
    "if x:\n    raise E\nelse:\n    pass\n",
    "try:\n    y = x\nexcept E as e:\n    y = e\nfinally:\n    pass\n",
    "with open(x) as fh:\n    pickle.load(fh)\n",
    "pickle.loads(request.files['m'].read())\n",
    "assert hashlib.sha256(x).hexdigest() == 'a'\n",
    "lambda q: torch.load(q)\n",
    "[torch.load(z) for z in x]\n",
    "f'{x}'\n",
    "m.f(x)\n",
    "(\n",
    "def\n",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let _ = analyze(&[("p/a.py".to_owned(), text)]);
    }

    #[test]
    fn stitched_programs_never_panic(
        first in proptest::collection::vec(0..FRAGMENTS.len(), 0..24),
        second in proptest::collection::vec(0..FRAGMENTS.len(), 0..24),
    ) {
        let stitch = |picks: &[usize]| -> String {
            picks.iter().filter_map(|i| FRAGMENTS.get(*i).copied()).collect()
        };
        let files = vec![
            ("p/__init__.py".to_owned(), String::new()),
            ("p/a.py".to_owned(), stitch(&first)),
            ("p/m.py".to_owned(), stitch(&second)),
        ];
        let results = analyze(&files);
        prop_assert_eq!(results.len(), 3);
        for (_, findings) in &results {
            for finding in findings {
                if finding.tainted == Some(true) {
                    prop_assert!(!finding.flow.is_empty());
                }
            }
        }
    }
}
