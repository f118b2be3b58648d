//! The constant path a loader call reads (`torch.load("models/a.pt")`), so the CLI can
//! compare it with `brine.lock`.
//!
//! A path is constant when the argument is a string constant (directly, through a name
//! bound to one, or `os.path.join` of constants, which the semantic model folds), or a
//! `pathlib` path built from string literals: `Path("models", "a.pt")`,
//! `Path("models") / "a.pt"`. The `pathlib` forms are recognised by how the class is
//! written (`Path`, `pathlib.Path`, and the `Pure*`/`Posix*`/`Windows*` variants).
//!
//! Must never read the file system (the path is only reported) and never recurse deeper
//! than [`MAX_DEPTH`] over the expression.

use ruff_python_ast::{self as ast, Expr, Operator};

use super::semantic::{Argument, CallSite, Value};

/// Nesting of `/` and `Path(...)` followed before giving up: real paths are a few parts.
const MAX_DEPTH: usize = 16;

/// The `pathlib` classes whose constructor joins its arguments.
const PATH_CLASSES: &[&str] = &[
    "Path",
    "PurePath",
    "PosixPath",
    "PurePosixPath",
    "WindowsPath",
    "PureWindowsPath",
];

/// The constant path passed for the loader's file parameter (`position`, or keyword
/// `name`), as written; `None` when it is not a constant (a variable, an open file).
#[must_use]
pub fn constant_path(site: &CallSite<'_>, position: usize, name: &str) -> Option<String> {
    let value = match site.argument(Some(position), name) {
        Argument::Given(value) => value,
        Argument::Missing | Argument::Unknown => return None,
    };
    if let Value::Str(text) = value {
        return (!text.is_empty()).then(|| text.clone());
    }
    let expr = argument_expr(site, position, name)?;
    path_of(expr, 0).filter(|p| !p.is_empty())
}

/// The expression passed for the parameter, when it is written out in the call.
fn argument_expr<'a>(site: &CallSite<'a>, position: usize, name: &str) -> Option<&'a Expr> {
    if let Some(keyword) = site.keywords.iter().rev().find(|k| k.name == name) {
        return keyword.node.map(|k| &k.value);
    }
    // `positional` stops at the first `*args`, so an index inside it is the written argument.
    if position < site.positional.len() {
        return site.call.arguments.args.get(position);
    }
    None
}

/// The path a `pathlib` expression of literals denotes.
fn path_of(expr: &Expr, depth: usize) -> Option<String> {
    if depth > MAX_DEPTH {
        return None;
    }
    match expr {
        Expr::Call(call) if is_path_class(&call.func) && call.arguments.keywords.is_empty() => {
            let parts: Option<Vec<String>> = call
                .arguments
                .args
                .iter()
                .map(|a| literal(a).or_else(|| path_of(a, depth + 1)))
                .collect();
            parts.map(|p| join(&p))
        }
        Expr::BinOp(binop) if binop.op == Operator::Div => {
            let left = path_of(&binop.left, depth + 1)?;
            let right = literal(&binop.right).or_else(|| path_of(&binop.right, depth + 1))?;
            Some(join(&[left, right]))
        }
        _ => None,
    }
}

fn literal(expr: &Expr) -> Option<String> {
    match expr {
        Expr::StringLiteral(s) => Some(s.value.to_str().to_owned()),
        _ => None,
    }
}

fn is_path_class(func: &Expr) -> bool {
    match func {
        Expr::Name(name) => PATH_CLASSES.contains(&name.id.as_str()),
        Expr::Attribute(ast::ExprAttribute { value, attr, .. }) => {
            matches!(value.as_ref(), Expr::Name(m) if m.id.as_str() == "pathlib")
                && PATH_CLASSES.contains(&attr.as_str())
        }
        _ => false,
    }
}

/// Join path parts as `os.path.join` does on POSIX: an absolute part starts over, empty
/// parts add nothing, `.` stays as written (the CLI normalises).
#[must_use]
pub fn join(parts: &[String]) -> String {
    let mut out = String::new();
    for part in parts {
        if part.starts_with('/') {
            out.clear();
        } else if !out.is_empty() && !out.ends_with('/') && !part.is_empty() {
            out.push('/');
        }
        out.push_str(part);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::join;
    use crate::python::CodeSettings;
    use proptest::prelude::*;

    fn load_paths(source: &str) -> Vec<Option<String>> {
        crate::python::scan_source("t.py", source.as_bytes(), &CodeSettings::default())
            .into_iter()
            .map(|f| f.load_path)
            .collect()
    }

    #[test]
    fn constants_names_and_joins_are_paths() {
        let source = r#"import os, pathlib, torch, joblib
from pathlib import Path
MODEL = "models/a.pt"
torch.load("models/a.pt")
torch.load(MODEL)
torch.load(f=os.path.join("models", "a.pt"))
torch.load(Path("models") / "sub" / "a.pt")
joblib.load(pathlib.Path("models", "m.joblib"))
torch.load(os.path.join("models", "/abs/a.pt"))
"#;
        assert_eq!(
            load_paths(source),
            [
                Some("models/a.pt".to_owned()),
                Some("models/a.pt".to_owned()),
                Some("models/a.pt".to_owned()),
                Some("models/sub/a.pt".to_owned()),
                Some("models/m.joblib".to_owned()),
                Some("/abs/a.pt".to_owned()),
            ]
        );
    }

    #[test]
    fn variables_and_open_files_are_not() {
        let source = r#"import sys, torch, joblib
from pathlib import Path
torch.load(sys.argv[1])
torch.load(open("a.pt", "rb"))
joblib.load(Path(sys.argv[1]) / "m.joblib")
torch.load(*paths)
torch.load("")
"#;
        assert_eq!(load_paths(source), [None, None, None, None, None]);
    }

    #[test]
    fn deep_division_chains_end_without_a_path() {
        let chain = "/ \"a\" ".repeat(500);
        let source =
            format!("import torch\nfrom pathlib import Path\ntorch.load(Path(\"m\") {chain})\n");
        // The load is still flagged (with a nesting note); it just has no constant path.
        let paths = load_paths(&source);
        assert!(
            !paths.is_empty() && paths.iter().all(Option::is_none),
            "{paths:?}"
        );
    }

    proptest! {
        #[test]
        fn pathlib_and_os_path_join_agree(parts in prop::collection::vec("[a-z0-9_.-]{1,8}", 1..6)) {
            let quoted: Vec<String> = parts.iter().map(|p| format!("\"{p}\"")).collect();
            let source = format!(
                "import os, torch\nfrom pathlib import Path\ntorch.load(Path({}))\ntorch.load(os.path.join({}))\n",
                quoted.join(") / ("),
                quoted.join(", ")
            );
            let expected = Some(join(&parts));
            prop_assert_eq!(load_paths(&source), vec![expected.clone(), expected]);
        }

        #[test]
        fn any_mix_of_path_fragments_is_read_without_panicking(
            picks in prop::collection::vec(0..FRAGMENTS.len(), 0..40)
        ) {
            let body: String = picks.iter().filter_map(|&i| FRAGMENTS.get(i).copied()).collect();
            let source = format!("import os, pathlib, torch, joblib\nfrom pathlib import Path\ntorch.load({body})\n");
            for path in load_paths(&source).into_iter().flatten() {
                prop_assert!(!path.is_empty());
            }
        }
    }

    const FRAGMENTS: &[&str] = &[
        "Path(",
        "pathlib.Path(",
        "PurePath(",
        "os.path.join(",
        "joblib.load(",
        "'a'",
        "\"b/c\"",
        "'/abs'",
        "''",
        " / ",
        ", ",
        ")",
        "f=",
        "filename=",
        "__file__",
        "*x",
        "**k",
        "X",
        "(",
        "1",
    ];
}
