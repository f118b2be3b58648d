//! Which globals a pickle may import: the policy the machine consults.
//!
//! This is the machine's minimal policy (enough entries for the machine's tests); the
//! policy workstream replaces this file with the full allow- and denylists, keeping the
//! same three functions. The machine calls nothing else from here.
//!
//! It must never import or resolve a name for real: judging is string matching only.

/// What the policy says about one global.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Judgement {
    /// Known benign (tensor rebuild helpers, plain containers).
    Safe,
    /// A known code-execution, I/O or gadget primitive; the text says why.
    Dangerous(&'static str),
    /// Not on either list.
    Unknown,
}

/// Python 2 module names that Python 3's unpickler maps to their new homes.
const PY2_MODULES: &[(&str, &str)] = &[
    ("__builtin__", "builtins"),
    ("cPickle", "pickle"),
    ("copy_reg", "copyreg"),
    ("commands", "subprocess"),
];

/// Modules every name of which is dangerous (submodules included).
const DANGEROUS_MODULES: &[(&str, &str)] = &[
    ("os", "operating-system access"),
    ("posix", "operating-system access"),
    ("nt", "operating-system access"),
    ("subprocess", "runs processes"),
    ("pty", "runs processes"),
    ("socket", "network access"),
    ("runpy", "runs code"),
    ("pickle", "nested unpickling"),
    ("_pickle", "nested unpickling"),
    ("marshal", "loads code objects"),
    ("importlib", "imports arbitrary modules"),
    ("ctypes", "native code"),
    ("shutil", "file-system access"),
    ("asyncio", "runs processes"),
    ("webbrowser", "opens URLs"),
    ("code", "runs code"),
    ("pdb", "runs code"),
    ("timeit", "runs code"),
    ("sys", "interpreter internals"),
];

/// Names that are dangerous in a module that is otherwise fine.
const DANGEROUS_NAMES: &[(&str, &str, &str)] = &[
    ("builtins", "eval", "evaluates code"),
    ("builtins", "exec", "executes code"),
    ("builtins", "compile", "compiles code"),
    ("builtins", "open", "file access"),
    ("builtins", "__import__", "imports arbitrary modules"),
    ("builtins", "getattr", "arbitrary attribute access"),
    ("builtins", "setattr", "arbitrary attribute writes"),
    ("builtins", "breakpoint", "runs a debugger"),
    ("pkgutil", "resolve_name", "resolves any callable by name"),
    ("copyreg", "add_extension", "rewires the extension registry"),
    ("operator", "attrgetter", "arbitrary attribute access"),
    ("operator", "methodcaller", "arbitrary method calls"),
];

/// Exact globals real checkpoints need.
const SAFE_GLOBALS: &[(&str, &str)] = &[
    ("collections", "OrderedDict"),
    ("builtins", "set"),
    ("builtins", "bytes"),
    ("builtins", "int"),
    ("builtins", "float"),
    ("builtins", "str"),
    ("builtins", "list"),
    ("builtins", "dict"),
    ("builtins", "tuple"),
    ("builtins", "frozenset"),
    ("builtins", "bytearray"),
    ("builtins", "complex"),
    ("builtins", "slice"),
    ("copyreg", "_reconstructor"),
    ("builtins", "object"),
    ("torch._utils", "_rebuild_tensor_v2"),
    ("torch._utils", "_rebuild_parameter"),
    ("torch", "FloatStorage"),
    ("torch", "LongStorage"),
    ("numpy", "dtype"),
    ("numpy", "ndarray"),
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"),
    ("numpy.core.numeric", "_frombuffer"),
    ("numpy._core.numeric", "_frombuffer"),
    ("numpy._core.multiarray", "scalar"),
    ("joblib.numpy_pickle", "NumpyArrayWrapper"),
    ("_codecs", "encode"),
];

/// Top-level modules of CPython's standard library (the part the machine's tests use).
const STDLIB: &[&str] = &[
    "abc",
    "argparse",
    "asyncio",
    "base64",
    "builtins",
    "codecs",
    "_codecs",
    "collections",
    "colorsys",
    "copy",
    "copyreg",
    "ctypes",
    "datetime",
    "decimal",
    "email",
    "enum",
    "functools",
    "importlib",
    "inspect",
    "io",
    "itertools",
    "json",
    "logging",
    "marshal",
    "math",
    "operator",
    "os",
    "pathlib",
    "pickle",
    "pkgutil",
    "posix",
    "posixpath",
    "re",
    "runpy",
    "shutil",
    "socket",
    "subprocess",
    "sys",
    "tempfile",
    "types",
    "uuid",
    "webbrowser",
    "zipfile",
];

fn modern_module(module: &str) -> &str {
    PY2_MODULES
        .iter()
        .find(|(old, _)| *old == module)
        .map_or(module, |(_, new)| new)
}

fn is_dunder(part: &str) -> bool {
    part.len() > 4 && part.starts_with("__") && part.ends_with("__")
}

/// The denylist verdict for an exact `module`, `name` pair.
fn denied(module: &str, name: &str) -> Option<&'static str> {
    let top = module.split('.').next().unwrap_or(module);
    if let Some((_, why)) = DANGEROUS_MODULES.iter().find(|(m, _)| *m == top) {
        return Some(why);
    }
    DANGEROUS_NAMES
        .iter()
        .find(|(m, n, _)| *m == module && *n == name)
        .map(|(_, _, why)| *why)
}

/// Judge `module.name`; `name` may be dotted (`numpy` + `__builtins__.eval`).
#[must_use]
pub fn judge_global(module: &str, name: &str) -> Judgement {
    let module = modern_module(module);
    if let Some(why) = denied(module, name) {
        return Judgement::Dangerous(why);
    }
    // A module reached as an attribute (`numpy` + `os.system`, `getattr(numpy, 'os')`).
    if let Some(why) = name
        .split('.')
        .find_map(|part| DANGEROUS_MODULES.iter().find(|(m, _)| *m == part))
        .map(|(_, why)| *why)
    {
        return Judgement::Dangerous(why);
    }
    let mut parts = name.split('.');
    let head = parts.next().unwrap_or(name);
    let rest: Vec<&str> = parts.collect();
    if !rest.is_empty() {
        if [head].iter().chain(&rest).any(|p| is_dunder(p)) {
            return Judgement::Dangerous(
                "reaches interpreter internals through a dunder attribute",
            );
        }
        // A dotted tail re-judged as `module.attr`: `posixpath` + `os.system`.
        for split in 0..rest.len() {
            let inner_module = [head]
                .iter()
                .chain(rest.get(..split).unwrap_or_default())
                .copied()
                .collect::<Vec<_>>()
                .join(".");
            let inner_name = rest.get(split..).unwrap_or_default().join(".");
            if let Some(why) = denied(modern_module(&inner_module), &inner_name) {
                return Judgement::Dangerous(why);
            }
        }
    }
    if SAFE_GLOBALS.iter().any(|(m, n)| *m == module && *n == name) {
        return Judgement::Safe;
    }
    Judgement::Unknown
}

/// Whether `module`'s top-level package is part of CPython's standard library.
#[must_use]
pub fn is_stdlib(module: &str) -> bool {
    let module = modern_module(module);
    let top = module.split('.').next().unwrap_or(module);
    STDLIB.contains(&top)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn judges_the_basic_cases() {
        assert!(matches!(
            judge_global("os", "system"),
            Judgement::Dangerous(_)
        ));
        assert!(matches!(
            judge_global("__builtin__", "eval"),
            Judgement::Dangerous(_)
        ));
        assert!(matches!(
            judge_global("asyncio.unix_events", "_UnixSubprocessTransport._start"),
            Judgement::Dangerous(_)
        ));
        assert!(matches!(
            judge_global("posixpath", "os.system"),
            Judgement::Dangerous(_)
        ));
        assert!(matches!(
            judge_global("numpy", "__builtins__.eval"),
            Judgement::Dangerous(_)
        ));
        assert_eq!(judge_global("collections", "OrderedDict"), Judgement::Safe);
        assert_eq!(
            judge_global("sklearn.linear_model", "X"),
            Judgement::Unknown
        );
        assert!(is_stdlib("email.mime"));
        assert!(!is_stdlib("numpy"));
    }
}
