//! The pickle policy: judges one global (`module`, `name`) a pickle imports.
//!
//! Three answers: [`Judgement::Dangerous`] for primitives that run code, spawn processes,
//! touch files or the network, or reach interpreter internals; [`Judgement::Safe`] for the
//! reconstruction helpers real checkpoints need (torch, numpy, scikit-learn, pandas, scipy,
//! plain stdlib data types), each listed because a real pickle was seen to use it; and
//! [`Judgement::Unknown`] for everything else. The symbolic machine decides what Unknown
//! means from context (invoked stdlib callables are dangerous, other unknowns suspicious).
//!
//! Matching is by exact, case-sensitive identifiers. Every dotted component of the module
//! *and* the name is checked: a name is an attribute path, so `numpy` + `core._internal.sys`
//! reaches the `sys` module and is judged as such, and any dunder component is dangerous.
//! Python 2 spellings (`__builtin__`, `cPickle`, `copy_reg`, ...) are mapped to Python 3.
//!
//! The lists are facts (sources: `model-scanners.md` §1d, §2.1–2.4, §5 and appendix A, and
//! the globals of the benign fixtures under `tests/fixtures/benign/`); the code only looks
//! them up. This module must never import, resolve or execute anything, never allocate in
//! proportion to anything but the name it is given, and never return Safe for a name that
//! a deny rule matches (exact allowlisted pairs are checked before deny rules and must
//! therefore never name anything dangerous: the tests enforce it for every listed pair).

/// Version of the lists below; bump on every change so a verdict can name its policy.
pub const POLICY_VERSION: &str = "2026.11.22.1";

/// What the policy says about one global.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Judgement {
    /// Needed by real checkpoints and pure: nothing to report.
    Safe,
    /// A primitive that executes code or has side effects; the reason says which.
    Dangerous(&'static str),
    /// Not known either way.
    Unknown,
}

/// Longest module or name accepted; longer ones are not identifiers anybody writes.
const MAX_NAME_BYTES: usize = 512;
/// Most dotted components accepted in module and name together.
const MAX_COMPONENTS: usize = 48;

const MALFORMED: &str = "malformed name (not a dotted Python identifier)";
const DUNDER: &str = "dunder attribute reaches interpreter internals";
const RUNS_CODE: &str = "evaluates or executes code";
const RUNS_COMMAND: &str = "runs a shell command or spawns a process";
const IMPORTS: &str = "imports modules or resolves names at load time";
const NESTED: &str = "nested deserialiser (loads another pickle or unsafe format)";
const FILES: &str = "opens, writes or deletes files";
const NETWORK: &str = "opens network connections";
const INTROSPECTS: &str = "introspects or mutates interpreter state";
const CALLS: &str = "calls arbitrary callables (gadget builder)";
const NATIVE: &str = "loads native code or raw memory";
const THREADS: &str = "starts threads, processes or signal handlers";
const DEBUGGER: &str = "debugger, profiler or REPL that runs code";
const TEST_HELPER: &str = "test or build helper that runs code";
const PICKLE_REGISTRY: &str = "rewrites the pickle extension registry";
const GADGET: &str = "stdlib module with published code-execution gadgets";
const SCANNER_TAMPER: &str = "tampers with a pickle scanner or loader";

/// Modules denied with all their submodules, sorted by name (checked by a test).
static DENY_MODULES: &[(&str, &str)] = &[
    ("_aix_support", RUNS_COMMAND),
    ("_ctypes", NATIVE),
    ("_frozen_importlib", IMPORTS),
    ("_frozen_importlib_external", IMPORTS),
    ("_functools", CALLS),
    ("_imp", IMPORTS),
    ("_interpchannels", RUNS_CODE),
    ("_interpqueues", RUNS_CODE),
    ("_interpreters", RUNS_CODE),
    ("_lsprof", DEBUGGER),
    ("_msi", FILES),
    ("_operator", CALLS),
    ("_osx_support", RUNS_COMMAND),
    ("_pickle", NESTED),
    ("_posixsubprocess", RUNS_COMMAND),
    ("_pyrepl", RUNS_COMMAND),
    ("_signal", THREADS),
    ("_sitebuiltins", FILES),
    ("_socket", NETWORK),
    ("_sqlite3", FILES),
    ("_ssl", NETWORK),
    ("_thread", THREADS),
    ("_tkinter", RUNS_CODE),
    ("_winapi", RUNS_COMMAND),
    ("_winreg", FILES),
    ("_xxinterpchannels", RUNS_CODE),
    ("_xxsubinterpreters", RUNS_CODE),
    ("aiohttp", NETWORK),
    ("antigravity", RUNS_COMMAND),
    ("asynchat", NETWORK),
    ("asyncio", RUNS_COMMAND),
    ("asyncore", NETWORK),
    ("atexit", CALLS),
    ("bdb", DEBUGGER),
    ("bz2", FILES),
    ("cProfile", DEBUGGER),
    ("cgitb", FILES),
    ("cloudpickle", RUNS_CODE),
    ("cmd", CALLS),
    ("code", RUNS_CODE),
    ("codeop", RUNS_CODE),
    ("commands", RUNS_COMMAND),
    ("compileall", RUNS_CODE),
    ("concurrent", THREADS),
    ("ctypes", NATIVE),
    ("dbm", FILES),
    ("difflib", GADGET),
    ("dill", NESTED),
    ("distlib", RUNS_COMMAND),
    ("distutils", RUNS_COMMAND),
    ("doctest", RUNS_CODE),
    ("dotenv", FILES),
    ("ensurepip", RUNS_COMMAND),
    ("faulthandler", NATIVE),
    ("fcntl", NATIVE),
    ("fickling", SCANNER_TAMPER),
    ("filecmp", FILES),
    ("fileinput", FILES),
    ("ftplib", NETWORK),
    ("functools", CALLS),
    ("gc", INTROSPECTS),
    ("glob", FILES),
    ("gzip", FILES),
    ("http", NETWORK),
    ("httplib", NETWORK),
    ("httpx", NETWORK),
    ("idlelib", RUNS_CODE),
    ("imaplib", RUNS_COMMAND),
    ("imp", IMPORTS),
    ("importlib", IMPORTS),
    ("inspect", INTROSPECTS),
    ("joblib", NESTED),
    ("jsonpickle", NESTED),
    ("lib2to3", RUNS_CODE),
    ("linecache", FILES),
    ("logging", FILES),
    ("lzma", FILES),
    ("mailbox", FILES),
    ("mailcap", RUNS_COMMAND),
    ("marshal", RUNS_CODE),
    ("mlflow", RUNS_COMMAND),
    ("mmap", NATIVE),
    ("model_unpickler", SCANNER_TAMPER),
    ("modelaudit", SCANNER_TAMPER),
    ("modelscan", SCANNER_TAMPER),
    ("msilib", FILES),
    ("multiprocessing", THREADS),
    ("nntplib", NETWORK),
    ("nt", RUNS_COMMAND),
    ("ntpath", FILES),
    ("numpy._core._internal", NATIVE),
    ("numpy._pytesttester", TEST_HELPER),
    ("numpy.core._internal", NATIVE),
    ("numpy.ctypeslib", NATIVE),
    ("numpy.distutils", RUNS_COMMAND),
    ("numpy.f2py", RUNS_CODE),
    ("numpy.lib._datasource", NETWORK),
    ("numpy.lib._npyio_impl", NESTED),
    ("numpy.lib.format", NESTED),
    ("numpy.lib.npyio", NESTED),
    ("numpy.testing", TEST_HELPER),
    ("operator", CALLS),
    ("os", RUNS_COMMAND),
    ("os2emxpath", FILES),
    ("pandas._testing", TEST_HELPER),
    ("pandas.compat.pickle_compat", NESTED),
    ("pandas.core.computation", RUNS_CODE),
    ("pandas.io", FILES),
    ("pandas.plotting", IMPORTS),
    ("pandas.util", IMPORTS),
    ("pdb", DEBUGGER),
    ("pexpect", RUNS_COMMAND),
    ("pickle", NESTED),
    ("picklescan", SCANNER_TAMPER),
    ("pip", RUNS_COMMAND),
    ("pipes", RUNS_COMMAND),
    ("pkg_resources", IMPORTS),
    ("pkgutil", IMPORTS),
    ("platform", RUNS_COMMAND),
    ("poplib", NETWORK),
    ("posix", RUNS_COMMAND),
    ("posixpath", FILES),
    ("profile", DEBUGGER),
    ("pstats", FILES),
    ("pty", RUNS_COMMAND),
    ("py_compile", RUNS_CODE),
    ("pydoc", IMPORTS),
    ("pydoc_data", IMPORTS),
    ("requests", NETWORK),
    ("resource", INTROSPECTS),
    ("runpy", RUNS_CODE),
    ("saferpickle", SCANNER_TAMPER),
    ("sched", CALLS),
    ("scipy._lib._ccallback", NATIVE),
    ("scipy._lib._testutils", TEST_HELPER),
    ("scipy.io", FILES),
    ("scipy.weave", RUNS_CODE),
    ("select", NETWORK),
    ("selectors", NETWORK),
    ("setuptools", RUNS_COMMAND),
    ("shelve", NESTED),
    ("shutil", FILES),
    ("signal", THREADS),
    ("site", IMPORTS),
    ("sklearn.datasets", NETWORK),
    ("sklearn.externals", NESTED),
    ("sklearn.utils._show_versions", IMPORTS),
    ("sklearn.utils._testing", TEST_HELPER),
    ("smtpd", NETWORK),
    ("smtplib", NETWORK),
    ("socket", NETWORK),
    ("socketserver", NETWORK),
    ("sqlite3", FILES),
    ("ssl", NETWORK),
    ("subprocess", RUNS_COMMAND),
    ("sys", INTROSPECTS),
    ("syslog", FILES),
    ("tarfile", FILES),
    ("telnetlib", NETWORK),
    ("tempfile", FILES),
    ("test", TEST_HELPER),
    ("threading", THREADS),
    ("timeit", RUNS_CODE),
    ("tkinter", RUNS_CODE),
    ("torch._C", NATIVE),
    ("torch._dynamo", RUNS_CODE),
    ("torch._inductor", RUNS_CODE),
    ("torch._ops", NATIVE),
    ("torch.classes", NATIVE),
    ("torch.distributed", NETWORK),
    ("torch.fx", RUNS_CODE),
    ("torch.hub", NESTED),
    ("torch.jit", RUNS_CODE),
    ("torch.library", NATIVE),
    ("torch.multiprocessing", THREADS),
    ("torch.ops", NATIVE),
    ("torch.package", NESTED),
    ("torch.testing", TEST_HELPER),
    ("torch.utils._config_module", RUNS_CODE),
    ("torch.utils.bottleneck", DEBUGGER),
    ("torch.utils.collect_env", RUNS_COMMAND),
    ("torch.utils.cpp_extension", NATIVE),
    ("torch.utils.data.datapipes.utils.decoder", NESTED),
    ("trace", DEBUGGER),
    ("turtle", RUNS_CODE),
    ("types", RUNS_CODE),
    ("unittest", IMPORTS),
    ("urllib", NETWORK),
    ("urllib2", NETWORK),
    ("urllib3", NETWORK),
    ("uuid", RUNS_COMMAND),
    ("venv", RUNS_COMMAND),
    ("webbrowser", RUNS_COMMAND),
    ("winreg", FILES),
    ("wsgiref", NETWORK),
    ("xml.dom", NETWORK),
    ("xml.sax", NETWORK),
    ("xmlrpc", NETWORK),
    ("yaml.constructor", NESTED),
    ("yaml.cyaml", NESTED),
    ("yaml.loader", NESTED),
    ("zipfile", FILES),
    ("zipimport", IMPORTS),
    ("zlib", NESTED),
];

/// (module, name) pairs denied, sorted; a pair also covers attributes of the name
/// (`pathlib`, `Path.write_text` covers `Path.write_text.__call__`).
static DENY_PAIRS: &[(&str, &str, &str)] = &[
    ("_io", "BufferedRandom", FILES),
    ("_io", "BufferedWriter", FILES),
    ("_io", "FileIO", FILES),
    ("_io", "TextIOWrapper", FILES),
    ("_io", "open", FILES),
    ("_io", "open_code", FILES),
    ("argparse", "FileType", FILES),
    ("base64", "a85decode", NESTED),
    ("base64", "b16decode", NESTED),
    ("base64", "b32decode", NESTED),
    ("base64", "b64decode", NESTED),
    ("base64", "b64encode", NESTED),
    ("base64", "b85decode", NESTED),
    ("base64", "decode", NESTED),
    ("base64", "decodebytes", NESTED),
    ("base64", "standard_b64decode", NESTED),
    ("base64", "urlsafe_b64decode", NESTED),
    ("builtins", "apply", CALLS),
    ("builtins", "breakpoint", DEBUGGER),
    ("builtins", "classmethod", CALLS),
    ("builtins", "compile", RUNS_CODE),
    ("builtins", "delattr", INTROSPECTS),
    ("builtins", "dir", INTROSPECTS),
    ("builtins", "eval", RUNS_CODE),
    ("builtins", "exec", RUNS_CODE),
    ("builtins", "execfile", RUNS_CODE),
    ("builtins", "exit", INTROSPECTS),
    ("builtins", "file", FILES),
    ("builtins", "filter", CALLS),
    ("builtins", "getattr", INTROSPECTS),
    ("builtins", "globals", INTROSPECTS),
    ("builtins", "hasattr", INTROSPECTS),
    ("builtins", "help", IMPORTS),
    ("builtins", "input", INTROSPECTS),
    ("builtins", "locals", INTROSPECTS),
    ("builtins", "map", CALLS),
    ("builtins", "open", FILES),
    ("builtins", "property", CALLS),
    ("builtins", "quit", INTROSPECTS),
    ("builtins", "raw_input", INTROSPECTS),
    ("builtins", "reduce", CALLS),
    ("builtins", "reload", IMPORTS),
    ("builtins", "setattr", INTROSPECTS),
    ("builtins", "staticmethod", CALLS),
    ("builtins", "vars", INTROSPECTS),
    ("codecs", "EncodedFile", FILES),
    ("codecs", "StreamReaderWriter", FILES),
    ("codecs", "decode", NESTED),
    ("codecs", "encode", NESTED),
    ("codecs", "open", FILES),
    ("collections", "eval", RUNS_CODE),
    ("contextlib", "AsyncExitStack", CALLS),
    ("contextlib", "ExitStack", CALLS),
    ("contextvars", "Context", CALLS),
    ("copyreg", "add_extension", PICKLE_REGISTRY),
    ("copyreg", "remove_extension", PICKLE_REGISTRY),
    ("csv", "DictWriter", FILES),
    ("csv", "writer", FILES),
    ("dataclasses", "_create_fn", RUNS_CODE),
    ("dataclasses", "make_dataclass", RUNS_CODE),
    ("io", "BufferedRandom", FILES),
    ("io", "BufferedWriter", FILES),
    ("io", "FileIO", FILES),
    ("io", "TextIOWrapper", FILES),
    ("io", "open", FILES),
    ("io", "open_code", FILES),
    ("itertools", "accumulate", CALLS),
    ("itertools", "dropwhile", CALLS),
    ("itertools", "filterfalse", CALLS),
    ("itertools", "groupby", CALLS),
    ("itertools", "starmap", CALLS),
    ("itertools", "takewhile", CALLS),
    ("numpy", "DataSource", NETWORK),
    ("numpy", "fromfile", FILES),
    ("numpy", "fromregex", FILES),
    ("numpy", "genfromtxt", FILES),
    ("numpy", "loadtxt", FILES),
    ("numpy", "memmap", FILES),
    ("numpy", "save", FILES),
    ("numpy", "savetxt", FILES),
    ("numpy", "savez", FILES),
    ("numpy", "savez_compressed", FILES),
    ("numpy.ma", "dump", FILES),
    ("pandas", "ExcelFile", FILES),
    ("pandas", "ExcelWriter", FILES),
    ("pandas", "HDFStore", FILES),
    ("pandas", "eval", RUNS_CODE),
    ("scipy", "LowLevelCallable", NATIVE),
    ("string", "Formatter", INTROSPECTS),
    ("torch", "compile", RUNS_CODE),
    ("torch", "save", FILES),
    (
        "torch.fx.experimental.symbolic_shapes",
        "ShapeEnv",
        RUNS_CODE,
    ),
    ("torch.jit.unsupported_tensor_ops", "execWrapper", RUNS_CODE),
    ("torch.storage", "_load_from_bytes", NESTED),
    ("typing", "ForwardRef", RUNS_CODE),
    ("typing", "_eval_type", RUNS_CODE),
    ("typing", "get_type_hints", RUNS_CODE),
    ("weakref", "finalize", CALLS),
    ("xml.etree.ElementTree", "iterparse", FILES),
    ("xml.etree.ElementTree", "parse", FILES),
    ("yaml", "CFullLoader", NESTED),
    ("yaml", "CLoader", NESTED),
    ("yaml", "CUnsafeLoader", NESTED),
    ("yaml", "FullLoader", NESTED),
    ("yaml", "Loader", NESTED),
    ("yaml", "UnsafeLoader", NESTED),
    ("yaml", "full_load", NESTED),
    ("yaml", "full_load_all", NESTED),
    ("yaml", "unsafe_load", NESTED),
    ("yaml", "unsafe_load_all", NESTED),
];

/// Modules whose classes are safe to construct but whose methods act on the outside
/// world: any dotted name (`Path.write_text`) under them is denied.
static DENY_METHODS_OF: &[(&str, &str)] = &[("_io", FILES), ("io", FILES), ("pathlib", FILES)];

/// Components that name an execution sink wherever they appear.
static SINK_COMPONENTS: &[&str] = &["compile", "eval", "exec", "execfile"];

/// Name components that (re)enter a deserialiser wherever they appear in a name.
static NESTED_DESERIALISER_COMPONENTS: &[&str] = &[
    "Unpickler",
    "_Unpickler",
    "_load",
    "_load_from_bytes",
    "_loads",
    "_pickle_load",
    "full_load",
    "load",
    "load_all",
    "load_module",
    "load_module_asdict",
    "load_session",
    "loads",
    "unsafe_load",
    "unsafe_load_all",
];

/// Exact pairs that real pickles use and that are pure, sorted. Checked before the deny
/// rules, so a few legitimate names inside denied modules (`uuid.UUID`) live here.
///
/// Decisions worth knowing:
/// * `builtins.type` is here because `type(None)` is how NoneType pickles; three-argument
///   `type()` builds a class but runs no code unless handed callables, which are globals
///   judged on their own.
/// * `re._compile` (how pattern objects pickle) only compiles; a pathological pattern costs
///   CPU only when the loader later matches with it, which is outside load-time execution.
/// * transformers `TrainingArguments` and the trainer/accelerate enums are references that
///   `training_args.bin` files need; their constructors set fields only. Classes whose
///   constructors read files or start distributed state (`HfDeepSpeedConfig`,
///   `PartialState`, `DeepSpeedPlugin`) stay Unknown.
/// * `pathlib` path classes are pure to construct; every method access is denied by
///   `DENY_METHODS_OF`.
static SAFE_PAIRS: &[(&str, &str)] = &[
    ("_codecs", "encode"),
    ("_decimal", "Decimal"),
    ("_io", "BytesIO"),
    ("_io", "StringIO"),
    ("_random", "Random"),
    ("accelerate.utils.dataclasses", "DistributedType"),
    ("argparse", "Namespace"),
    ("array", "_array_reconstructor"),
    ("array", "array"),
    ("builtins", "bool"),
    ("builtins", "bytearray"),
    ("builtins", "bytes"),
    ("builtins", "complex"),
    ("builtins", "dict"),
    ("builtins", "float"),
    ("builtins", "frozenset"),
    ("builtins", "int"),
    ("builtins", "list"),
    ("builtins", "object"),
    ("builtins", "range"),
    ("builtins", "set"),
    ("builtins", "slice"),
    ("builtins", "str"),
    ("builtins", "tuple"),
    ("builtins", "type"),
    ("collections", "ChainMap"),
    ("collections", "Counter"),
    ("collections", "OrderedDict"),
    ("collections", "defaultdict"),
    ("collections", "deque"),
    ("copyreg", "__newobj__"),
    ("copyreg", "__newobj_ex__"),
    ("copyreg", "_reconstructor"),
    ("datetime", "date"),
    ("datetime", "datetime"),
    ("datetime", "time"),
    ("datetime", "timedelta"),
    ("datetime", "timezone"),
    ("decimal", "Decimal"),
    ("fractions", "Fraction"),
    ("io", "BytesIO"),
    ("io", "StringIO"),
    ("ipaddress", "IPv4Address"),
    ("ipaddress", "IPv4Interface"),
    ("ipaddress", "IPv4Network"),
    ("ipaddress", "IPv6Address"),
    ("ipaddress", "IPv6Interface"),
    ("ipaddress", "IPv6Network"),
    ("joblib.numpy_pickle", "NumpyArrayWrapper"),
    ("joblib.numpy_pickle_compat", "NDArrayWrapper"),
    ("joblib.numpy_pickle_compat", "ZNDArrayWrapper"),
    ("numpy", "bool"),
    ("numpy", "bool_"),
    ("numpy", "bytes_"),
    ("numpy", "clongdouble"),
    ("numpy", "complex128"),
    ("numpy", "complex64"),
    ("numpy", "datetime64"),
    ("numpy", "double"),
    ("numpy", "dtype"),
    ("numpy", "float16"),
    ("numpy", "float32"),
    ("numpy", "float64"),
    ("numpy", "half"),
    ("numpy", "int16"),
    ("numpy", "int32"),
    ("numpy", "int64"),
    ("numpy", "int8"),
    ("numpy", "intc"),
    ("numpy", "intp"),
    ("numpy", "longdouble"),
    ("numpy", "longlong"),
    ("numpy", "matrix"),
    ("numpy", "ndarray"),
    ("numpy", "object_"),
    ("numpy", "recarray"),
    ("numpy", "record"),
    ("numpy", "single"),
    ("numpy", "str_"),
    ("numpy", "timedelta64"),
    ("numpy", "uint16"),
    ("numpy", "uint32"),
    ("numpy", "uint64"),
    ("numpy", "uint8"),
    ("numpy", "uintc"),
    ("numpy", "uintp"),
    ("numpy", "ulonglong"),
    ("numpy", "void"),
    ("pathlib", "Path"),
    ("pathlib", "PosixPath"),
    ("pathlib", "PurePath"),
    ("pathlib", "PurePosixPath"),
    ("pathlib", "PureWindowsPath"),
    ("pathlib", "WindowsPath"),
    ("random", "Random"),
    ("re", "_compile"),
    ("torch", "BFloat16Storage"),
    ("torch", "BoolStorage"),
    ("torch", "ByteStorage"),
    ("torch", "CharStorage"),
    ("torch", "ComplexDoubleStorage"),
    ("torch", "ComplexFloatStorage"),
    ("torch", "DoubleStorage"),
    ("torch", "FloatStorage"),
    ("torch", "HalfStorage"),
    ("torch", "IntStorage"),
    ("torch", "LongStorage"),
    ("torch", "QInt32Storage"),
    ("torch", "QInt8Storage"),
    ("torch", "QUInt2x4Storage"),
    ("torch", "QUInt4x2Storage"),
    ("torch", "QUInt8Storage"),
    ("torch", "ShortStorage"),
    ("torch", "Size"),
    ("torch", "Tensor"),
    ("torch", "TypedStorage"),
    ("torch", "UntypedStorage"),
    ("torch", "_mkldnn"),
    ("torch", "bfloat16"),
    ("torch", "bool"),
    ("torch", "cdouble"),
    ("torch", "cfloat"),
    ("torch", "chalf"),
    ("torch", "channels_last"),
    ("torch", "channels_last_3d"),
    ("torch", "complex128"),
    ("torch", "complex32"),
    ("torch", "complex64"),
    ("torch", "contiguous_format"),
    ("torch", "device"),
    ("torch", "double"),
    ("torch", "float"),
    ("torch", "float16"),
    ("torch", "float32"),
    ("torch", "float64"),
    ("torch", "float8_e4m3fn"),
    ("torch", "float8_e4m3fnuz"),
    ("torch", "float8_e5m2"),
    ("torch", "float8_e5m2fnuz"),
    ("torch", "half"),
    ("torch", "int"),
    ("torch", "int16"),
    ("torch", "int32"),
    ("torch", "int64"),
    ("torch", "int8"),
    ("torch", "jagged"),
    ("torch", "long"),
    ("torch", "preserve_format"),
    ("torch", "qint32"),
    ("torch", "qint8"),
    ("torch", "quint2x4"),
    ("torch", "quint4x2"),
    ("torch", "quint8"),
    ("torch", "short"),
    ("torch", "sparse_bsc"),
    ("torch", "sparse_bsr"),
    ("torch", "sparse_coo"),
    ("torch", "sparse_csc"),
    ("torch", "sparse_csr"),
    ("torch", "strided"),
    ("torch", "uint16"),
    ("torch", "uint32"),
    ("torch", "uint64"),
    ("torch", "uint8"),
    ("torch._tensor", "_rebuild_from_type_v2"),
    ("torch._utils", "_rebuild_device_tensor_from_numpy"),
    ("torch._utils", "_rebuild_meta_tensor_no_storage"),
    ("torch._utils", "_rebuild_nested_tensor"),
    ("torch._utils", "_rebuild_parameter"),
    ("torch._utils", "_rebuild_parameter_with_state"),
    ("torch._utils", "_rebuild_qtensor"),
    ("torch._utils", "_rebuild_sparse_tensor"),
    ("torch._utils", "_rebuild_tensor"),
    ("torch._utils", "_rebuild_tensor_v2"),
    ("torch._utils", "_rebuild_tensor_v3"),
    ("torch._utils", "_rebuild_wrapper_subclass"),
    ("torch.nn.parameter", "Parameter"),
    ("torch.serialization", "_get_layout"),
    ("torch.storage", "TypedStorage"),
    ("torch.storage", "UntypedStorage"),
    ("transformers.trainer_pt_utils", "AcceleratorConfig"),
    ("transformers.trainer_utils", "EvaluationStrategy"),
    ("transformers.trainer_utils", "FSDPOption"),
    ("transformers.trainer_utils", "HubStrategy"),
    ("transformers.trainer_utils", "IntervalStrategy"),
    ("transformers.trainer_utils", "SaveStrategy"),
    ("transformers.trainer_utils", "SchedulerType"),
    ("transformers.trainer_utils", "ShardedDDPOption"),
    ("transformers.training_args", "OptimizerNames"),
    ("transformers.training_args", "TrainingArguments"),
    (
        "transformers.training_args_seq2seq",
        "Seq2SeqTrainingArguments",
    ),
    ("types", "SimpleNamespace"),
    ("uuid", "SafeUUID"),
    ("uuid", "UUID"),
    ("zoneinfo", "ZoneInfo"),
];

/// Packages whose classes (CamelCase names) and reconstruction helpers are Safe once no
/// deny rule matched: their pickles are made of these and of numpy arrays.
static DATA_LIBRARIES: &[&str] = &["numpy", "pandas", "scipy", "sklearn", "torch.nn.modules"];

/// Function names data libraries' pickles call to rebuild objects (seen in the fixtures).
static RECONSTRUCTION_FUNCTIONS: &[&str] = &[
    "__bit_generator_ctor",
    "__generator_ctor",
    "__randomstate_ctor",
    "_frombuffer",
    "_mareconstruct",
    "_reconstruct",
    "scalar",
];

/// scipy.sparse matrix and array classes (lowercase, so the class rule misses them).
static SPARSE_CLASSES: &[&str] = &[
    "bsr_array",
    "bsr_matrix",
    "coo_array",
    "coo_matrix",
    "csc_array",
    "csc_matrix",
    "csr_array",
    "csr_matrix",
    "dia_array",
    "dia_matrix",
    "dok_array",
    "dok_matrix",
    "lil_array",
    "lil_matrix",
];

/// Python 2 top-level modules and their Python 3 names, sorted.
static PY2_MODULES: &[(&str, &str)] = &[
    ("ConfigParser", "configparser"),
    ("Queue", "queue"),
    ("StringIO", "io"),
    ("__builtin__", "builtins"),
    ("__builtins__", "builtins"),
    ("cPickle", "pickle"),
    ("cStringIO", "io"),
    ("copy_reg", "copyreg"),
    ("exceptions", "builtins"),
    ("httplib", "http"),
    ("thread", "_thread"),
    ("urllib2", "urllib"),
];

/// Python 2 builtin names renamed in Python 3.
static PY2_BUILTINS: &[(&str, &str)] = &[
    ("basestring", "str"),
    ("long", "int"),
    ("unicode", "str"),
    ("xrange", "range"),
];

/// Dunder module components that are ordinary modules.
static PLAIN_DUNDER_MODULES: &[&str] = &["__future__", "__main__"];

/// Top-level modules of CPython's standard library, 3.8 to 3.14, plus Python 2 names, sorted.
static STDLIB_MODULES: &[&str] = &[
    "ConfigParser",
    "Queue",
    "StringIO",
    "__builtin__",
    "__builtins__",
    "__future__",
    "_abc",
    "_aix_support",
    "_android_support",
    "_apple_support",
    "_ast",
    "_asyncio",
    "_bisect",
    "_blake2",
    "_bootlocale",
    "_bootsubprocess",
    "_bz2",
    "_codecs",
    "_codecs_cn",
    "_codecs_hk",
    "_codecs_iso2022",
    "_codecs_jp",
    "_codecs_kr",
    "_codecs_tw",
    "_collections",
    "_collections_abc",
    "_colorize",
    "_compat_pickle",
    "_compression",
    "_contextvars",
    "_crypt",
    "_csv",
    "_ctypes",
    "_curses",
    "_curses_panel",
    "_datetime",
    "_dbm",
    "_decimal",
    "_dummy_thread",
    "_elementtree",
    "_frozen_importlib",
    "_frozen_importlib_external",
    "_functools",
    "_gdbm",
    "_hashlib",
    "_heapq",
    "_hmac",
    "_imp",
    "_interpchannels",
    "_interpqueues",
    "_interpreters",
    "_io",
    "_ios_support",
    "_json",
    "_locale",
    "_lsprof",
    "_lzma",
    "_markupbase",
    "_md5",
    "_msi",
    "_multibytecodec",
    "_multiprocessing",
    "_opcode",
    "_opcode_metadata",
    "_operator",
    "_osx_support",
    "_overlapped",
    "_pickle",
    "_posixshmem",
    "_posixsubprocess",
    "_py_abc",
    "_py_warnings",
    "_pydatetime",
    "_pydecimal",
    "_pyio",
    "_pylong",
    "_pyrepl",
    "_queue",
    "_random",
    "_remote_debugging",
    "_scproxy",
    "_sha1",
    "_sha2",
    "_sha256",
    "_sha3",
    "_sha512",
    "_signal",
    "_sitebuiltins",
    "_socket",
    "_sqlite3",
    "_sre",
    "_ssl",
    "_stat",
    "_statistics",
    "_string",
    "_strptime",
    "_struct",
    "_suggestions",
    "_symtable",
    "_sysconfig",
    "_thread",
    "_threading_local",
    "_tkinter",
    "_tokenize",
    "_tracemalloc",
    "_types",
    "_typing",
    "_uuid",
    "_warnings",
    "_weakref",
    "_weakrefset",
    "_winapi",
    "_winreg",
    "_wmi",
    "_xxinterpchannels",
    "_xxsubinterpreters",
    "_zoneinfo",
    "_zstd",
    "abc",
    "aifc",
    "annotationlib",
    "antigravity",
    "argparse",
    "array",
    "ast",
    "asynchat",
    "asyncio",
    "asyncore",
    "atexit",
    "audioop",
    "base64",
    "bdb",
    "binascii",
    "binhex",
    "bisect",
    "builtins",
    "bz2",
    "cPickle",
    "cProfile",
    "cStringIO",
    "calendar",
    "cgi",
    "cgitb",
    "chunk",
    "cmath",
    "cmd",
    "code",
    "codecs",
    "codeop",
    "collections",
    "colorsys",
    "commands",
    "compileall",
    "compression",
    "concurrent",
    "configparser",
    "contextlib",
    "contextvars",
    "copy",
    "copy_reg",
    "copyreg",
    "crypt",
    "csv",
    "ctypes",
    "curses",
    "dataclasses",
    "datetime",
    "dbm",
    "decimal",
    "difflib",
    "dis",
    "distutils",
    "doctest",
    "dummy_threading",
    "email",
    "encodings",
    "ensurepip",
    "enum",
    "errno",
    "exceptions",
    "faulthandler",
    "fcntl",
    "filecmp",
    "fileinput",
    "fnmatch",
    "formatter",
    "fractions",
    "ftplib",
    "functools",
    "gc",
    "genericpath",
    "getopt",
    "getpass",
    "gettext",
    "glob",
    "graphlib",
    "grp",
    "gzip",
    "hashlib",
    "heapq",
    "hmac",
    "html",
    "http",
    "httplib",
    "idlelib",
    "imaplib",
    "imghdr",
    "imp",
    "importlib",
    "inspect",
    "io",
    "ipaddress",
    "itertools",
    "json",
    "keyword",
    "lib2to3",
    "linecache",
    "locale",
    "logging",
    "lzma",
    "mailbox",
    "mailcap",
    "marshal",
    "math",
    "mimetypes",
    "mmap",
    "modulefinder",
    "msilib",
    "msvcrt",
    "multiprocessing",
    "netrc",
    "nis",
    "nntplib",
    "nt",
    "ntpath",
    "nturl2path",
    "numbers",
    "opcode",
    "operator",
    "optparse",
    "os",
    "os2emxpath",
    "ossaudiodev",
    "parser",
    "pathlib",
    "pdb",
    "pickle",
    "pickletools",
    "pipes",
    "pkgutil",
    "platform",
    "plistlib",
    "poplib",
    "posix",
    "posixpath",
    "pprint",
    "profile",
    "pstats",
    "pty",
    "pwd",
    "py_compile",
    "pyclbr",
    "pydoc",
    "pydoc_data",
    "pyexpat",
    "queue",
    "quopri",
    "random",
    "re",
    "readline",
    "reprlib",
    "resource",
    "rlcompleter",
    "runpy",
    "sched",
    "secrets",
    "select",
    "selectors",
    "shelve",
    "shlex",
    "shutil",
    "signal",
    "site",
    "smtpd",
    "smtplib",
    "sndhdr",
    "socket",
    "socketserver",
    "spwd",
    "sqlite3",
    "sre_compile",
    "sre_constants",
    "sre_parse",
    "ssl",
    "stat",
    "statistics",
    "string",
    "stringprep",
    "struct",
    "subprocess",
    "sunau",
    "symbol",
    "symtable",
    "sys",
    "sysconfig",
    "syslog",
    "tabnanny",
    "tarfile",
    "telnetlib",
    "tempfile",
    "termios",
    "test",
    "textwrap",
    "this",
    "thread",
    "threading",
    "time",
    "timeit",
    "tkinter",
    "token",
    "tokenize",
    "tomllib",
    "trace",
    "traceback",
    "tracemalloc",
    "tty",
    "turtle",
    "turtledemo",
    "types",
    "typing",
    "unicodedata",
    "unittest",
    "urllib",
    "urllib2",
    "uu",
    "uuid",
    "venv",
    "warnings",
    "wave",
    "weakref",
    "webbrowser",
    "winreg",
    "winsound",
    "wsgiref",
    "xdrlib",
    "xml",
    "xmlrpc",
    "xxsubtype",
    "zipapp",
    "zipfile",
    "zipimport",
    "zlib",
    "zoneinfo",
];

/// Whether the top-level package of `module` is part of CPython's standard library
/// (any of 3.8–3.14, Python 2 spellings included).
#[must_use]
pub fn is_stdlib(module: &str) -> bool {
    let top = module.split('.').next().unwrap_or(module);
    STDLIB_MODULES.binary_search(&top).is_ok()
}

/// Judge the global `module`.`name` (the name may be dotted: `Foo.bar`).
#[must_use]
pub fn judge_global(module: &str, name: &str) -> Judgement {
    let Some(path) = DottedPath::new(module, name) else {
        return Judgement::Dangerous(MALFORMED);
    };
    if let Some(why) = path.dangerous_component() {
        return Judgement::Dangerous(why);
    }
    let written_module = path.join(0, path.module_len);
    let written_name = path.join(path.module_len, path.len());
    if lookup_pair(SAFE_PAIRS, written_module, written_name) {
        return Judgement::Safe;
    }
    if let Some(why) = path.denied() {
        return Judgement::Dangerous(why);
    }
    if is_data_library_reconstruction(written_module, written_name)
        || is_constant_of_safe_class(written_module, written_name)
    {
        return Judgement::Safe;
    }
    Judgement::Unknown
}

/// A canonical `module.name` string with the byte range of every component.
struct DottedPath {
    text: String,
    /// (start, end) byte offsets of each component in `text`.
    components: Vec<(usize, usize)>,
    /// How many leading components are the module.
    module_len: usize,
}

impl DottedPath {
    /// Canonicalises Python 2 spellings; `None` when either part is not a dotted identifier.
    fn new(module: &str, name: &str) -> Option<Self> {
        if module.len() > MAX_NAME_BYTES || name.len() > MAX_NAME_BYTES {
            return None;
        }
        if !is_dotted_identifier(module) || !is_dotted_identifier(name) {
            return None;
        }
        let (top, rest) = module.split_once('.').map_or((module, ""), |(t, r)| (t, r));
        let top = lookup_map(PY2_MODULES, top).unwrap_or(top);
        let mut text = String::with_capacity(module.len() + name.len() + 8);
        text.push_str(top);
        if !rest.is_empty() {
            text.push('.');
            text.push_str(rest);
        }
        let module_len = text.split('.').count();
        text.push('.');
        let (first, tail) = name.split_once('.').map_or((name, ""), |(f, t)| (f, t));
        let first = if top == "builtins" && rest.is_empty() {
            lookup_map(PY2_BUILTINS, first).unwrap_or(first)
        } else {
            first
        };
        text.push_str(first);
        if !tail.is_empty() {
            text.push('.');
            text.push_str(tail);
        }
        let mut components = Vec::new();
        let mut start = 0;
        for part in text.split('.') {
            components.push((start, start + part.len()));
            start += part.len() + 1;
        }
        if components.len() > MAX_COMPONENTS {
            return None;
        }
        Some(DottedPath {
            text,
            components,
            module_len,
        })
    }

    fn len(&self) -> usize {
        self.components.len()
    }

    fn component(&self, index: usize) -> &str {
        self.components
            .get(index)
            .and_then(|(s, e)| self.text.get(*s..*e))
            .unwrap_or("")
    }

    /// Components `from..to` joined by dots, borrowed from the canonical text.
    fn join(&self, from: usize, to: usize) -> &str {
        let start = self.components.get(from).map(|c| c.0);
        let end = to
            .checked_sub(1)
            .and_then(|last| self.components.get(last))
            .map(|c| c.1);
        match (start, end) {
            (Some(s), Some(e)) if s <= e => self.text.get(s..e).unwrap_or(""),
            _ => "",
        }
    }

    /// Dunders, execution sinks and nested deserialisers, wherever they appear.
    fn dangerous_component(&self) -> Option<&'static str> {
        let module = self.join(0, self.module_len);
        for index in 0..self.len() {
            let part = self.component(index);
            let in_module = index < self.module_len;
            if is_dunder(part) {
                let plain_module = in_module && PLAIN_DUNDER_MODULES.contains(&part);
                let newobj = !in_module
                    && module == "copyreg"
                    && self.len() == self.module_len + 1
                    && matches!(part, "__newobj__" | "__newobj_ex__");
                if !plain_module && !newobj {
                    return Some(DUNDER);
                }
            }
            if SINK_COMPONENTS.contains(&part) {
                return Some(RUNS_CODE);
            }
            if !in_module && NESTED_DESERIALISER_COMPONENTS.contains(&part) {
                return Some(NESTED);
            }
        }
        None
    }

    /// Every deny rule, over every way the path can be read: as written, re-split so that
    /// leading name components are submodules, and from any name component on (an
    /// attribute that is itself a module, like `numpy` + `core._internal.sys.modules`).
    fn denied(&self) -> Option<&'static str> {
        let starts = std::iter::once(0).chain(self.module_len..self.len());
        for start in starts {
            for end in start + 1..=self.len() {
                if let Some(why) = lookup_map(DENY_MODULES, self.join(start, end)) {
                    return Some(why);
                }
            }
            let first_split = if start == 0 {
                self.module_len
            } else {
                start + 1
            };
            for split in first_split..self.len() {
                let module = self.join(start, split);
                let name = self.join(split, self.len());
                if let Some(why) = lookup_denied_pair(module, name) {
                    return Some(why);
                }
                if name.contains('.')
                    && let Some(why) = lookup_map(DENY_METHODS_OF, module)
                {
                    return Some(why);
                }
                if let Some(why) = pandas_io_function(module, name) {
                    return Some(why);
                }
            }
        }
        None
    }
}

/// pandas `read_*` / `to_*` functions and methods read or write files and URLs (the
/// `pandas.read_csv(URL)` exfiltration samples), and `query` evaluates expressions. The
/// pure converters (`to_datetime`...) are exempt.
fn pandas_io_function(module: &str, name: &str) -> Option<&'static str> {
    let in_pandas = module == "pandas" || module.starts_with("pandas.");
    let last = name.rsplit('.').next().unwrap_or(name);
    let pure_converter = matches!(
        last,
        "to_datetime" | "to_numeric" | "to_offset" | "to_timedelta"
    );
    if !in_pandas {
        return None;
    }
    if last == "query" {
        return Some(RUNS_CODE);
    }
    (last.starts_with("read_") || (last.starts_with("to_") && !pure_converter)).then_some(FILES)
}

/// `Class.MEMBER` where `Class` is allowlisted and `MEMBER` is spelled like a constant:
/// an enum member fetched by `getattr(OptimizerNames, 'ADAMW_TORCH')` (Python 3.12+ enum
/// pickling). Methods are lowercase by convention and stay Unknown.
fn is_constant_of_safe_class(module: &str, name: &str) -> bool {
    let Some((class, member)) = name.split_once('.') else {
        return false;
    };
    let constant = member
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_uppercase())
        && member
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
    constant && lookup_pair(SAFE_PAIRS, module, class)
}

fn is_data_library_reconstruction(module: &str, name: &str) -> bool {
    let in_library = DATA_LIBRARIES.iter().any(|library| {
        module == *library
            || module
                .strip_prefix(library)
                .is_some_and(|rest| rest.starts_with('.'))
    });
    if !in_library || name.contains('.') {
        return false;
    }
    let is_class = name.chars().next().is_some_and(|c| c.is_ascii_uppercase());
    is_class
        || name.starts_with("__pyx_unpickle_")
        || name.starts_with("_new_")
        || name.contains("unpickle")
        || RECONSTRUCTION_FUNCTIONS.contains(&name)
        || (module.starts_with("scipy.sparse") && SPARSE_CLASSES.contains(&name))
}

fn is_dunder(part: &str) -> bool {
    part.len() > 4 && part.starts_with("__") && part.ends_with("__")
}

/// Non-empty components of identifier characters, none starting with a digit.
fn is_dotted_identifier(text: &str) -> bool {
    !text.is_empty()
        && text.split('.').all(|part| {
            let mut chars = part.chars();
            chars.next().is_some_and(|c| c == '_' || c.is_alphabetic())
                && chars.all(|c| c == '_' || c.is_alphanumeric())
        })
}

fn lookup_map<T: Copy>(table: &[(&str, T)], key: &str) -> Option<T> {
    table
        .binary_search_by(|(k, _)| (*k).cmp(key))
        .ok()
        .and_then(|i| table.get(i))
        .map(|(_, v)| *v)
}

fn lookup_pair(table: &[(&str, &str)], module: &str, name: &str) -> bool {
    table.binary_search(&(module, name)).is_ok()
}

/// A denied pair whose name is `name` or an attribute prefix of it.
fn lookup_denied_pair(module: &str, name: &str) -> Option<&'static str> {
    let from = DENY_PAIRS.partition_point(|(m, _, _)| *m < module);
    DENY_PAIRS
        .get(from..)?
        .iter()
        .take_while(|(m, _, _)| *m == module)
        .find(|(_, denied, _)| {
            name == *denied
                || name
                    .strip_prefix(denied)
                    .is_some_and(|rest| rest.starts_with('.'))
        })
        .map(|(_, _, why)| *why)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_dangerous(module: &str, name: &str) -> bool {
        matches!(judge_global(module, name), Judgement::Dangerous(_))
    }

    fn assert_all_dangerous(source: &str, pairs: &[(&str, &str)]) {
        let missed: Vec<String> = pairs
            .iter()
            .filter(|(m, n)| !is_dangerous(m, n))
            .map(|(m, n)| format!("{m} {n} -> {:?}", judge_global(m, n)))
            .collect();
        assert!(missed.is_empty(), "{source}: not dangerous: {missed:#?}");
    }

    /// `*` in the reference lists means the whole module: judged with a neutral name.
    const ANY: &str = "anything_at_all";

    /// picklescan 1.0.5 `_unsafe_globals` (model-scanners.md §2.1).
    const PICKLESCAN: &[(&str, &str)] = &[
        ("__builtin__", "eval"),
        ("__builtin__", "compile"),
        ("__builtin__", "getattr"),
        ("__builtin__", "apply"),
        ("__builtin__", "exec"),
        ("__builtin__", "open"),
        ("__builtin__", "breakpoint"),
        ("builtins", "eval"),
        ("builtins", "compile"),
        ("builtins", "getattr"),
        ("builtins", "apply"),
        ("builtins", "exec"),
        ("builtins", "open"),
        ("builtins", "breakpoint"),
        ("cloudpickle.cloudpickle", "_builtin_type"),
        ("cloudpickle.cloudpickle", "_make_function"),
        ("cloudpickle.cloudpickle", "_function_setstate"),
        ("cloudpickle.cloudpickle", "_make_cell"),
        ("cloudpickle.cloudpickle", "_make_empty_cell"),
        ("cloudpickle.cloudpickle", "subimport"),
        ("types", "CodeType"),
        ("aiohttp", ANY),
        ("asyncio", ANY),
        ("bdb", ANY),
        ("commands", ANY),
        ("ctypes", ANY),
        ("functools", "partial"),
        ("httplib", ANY),
        ("logging", "FileHandler"),
        ("_io", "FileIO"),
        ("numpy.f2py", ANY),
        ("numpy.testing._private.utils", ANY),
        ("nt", ANY),
        ("posix", ANY),
        ("_operator", "attrgetter"),
        ("_operator", "itemgetter"),
        ("_operator", "methodcaller"),
        ("operator", "attrgetter"),
        ("operator", "itemgetter"),
        ("operator", "methodcaller"),
        ("os", ANY),
        ("requests.api", ANY),
        ("runpy", ANY),
        ("shutil", ANY),
        ("socket", ANY),
        ("ssl", ANY),
        ("subprocess", ANY),
        ("sys", ANY),
        ("code", "InteractiveInterpreter.runcode"),
        ("cProfile", ANY),
        ("distutils.file_util", ANY),
        ("doctest", "debug_script"),
        ("ensurepip", "_run_pip"),
        ("idlelib.autocomplete", "AutoComplete.get_entity"),
        ("idlelib.autocomplete", "AutoComplete.fetch_completions"),
        ("idlelib.calltip", "Calltip.fetch_tip"),
        ("idlelib.calltip", "get_entity"),
        ("idlelib.debugobj", "ObjectTreeItem.SetText"),
        ("idlelib.pyshell", "ModifiedInterpreter.runcode"),
        ("idlelib.pyshell", "ModifiedInterpreter.runcommand"),
        ("idlelib.run", "Executive.runcode"),
        ("imaplib", "IMAP4_stream"),
        ("lib2to3.pgen2.grammar", "Grammar.loads"),
        ("lib2to3.pgen2.pgen", "ParserGenerator.make_label"),
        ("pdb", ANY),
        ("pickle", ANY),
        ("_pickle", ANY),
        ("pip", ANY),
        ("pkgutil", "resolve_name"),
        ("pty", ANY),
        ("profile", ANY),
        ("pydoc", ANY),
        ("test", ANY),
        ("timeit", ANY),
        ("torch._dynamo.guards", "GuardBuilder.get"),
        ("torch._inductor.codecache", "compile_file"),
        (
            "torch.fx.experimental.symbolic_shapes",
            "ShapeEnv.evaluate_guards_expression",
        ),
        ("torch.jit.unsupported_tensor_ops", "execWrapper"),
        ("torch.serialization", "load"),
        ("torch.utils._config_module", "ConfigModule.load_config"),
        ("torch.utils.bottleneck.__main__", "run_cprofile"),
        ("torch.utils.bottleneck.__main__", "run_autograd_prof"),
        ("torch.utils.collect_env", "run"),
        ("torch.utils.data.datapipes.utils.decoder", "basichandlers"),
        ("trace", "Trace.run"),
        ("trace", "Trace.runctx"),
        ("urllib.request", ANY),
        ("uuid", ANY),
        ("venv", ANY),
        ("webbrowser", ANY),
        ("_osx_support", ANY),
        ("_aix_support", ANY),
        ("_pyrepl", ANY),
    ];

    /// modelscan 0.8.8 `settings.py` (§2.2).
    const MODELSCAN: &[(&str, &str)] = &[
        ("__builtin__", "__import__"),
        ("builtins", "__import__"),
        ("runpy", ANY),
        ("os", ANY),
        ("nt", ANY),
        ("posix", ANY),
        ("socket", ANY),
        ("subprocess", ANY),
        ("sys", ANY),
        ("operator", "attrgetter"),
        ("pty", ANY),
        ("pickle", ANY),
        ("_pickle", ANY),
        ("bdb", ANY),
        ("pdb", ANY),
        ("shutil", ANY),
        ("asyncio", ANY),
        ("webbrowser", ANY),
        ("httplib", ANY),
        ("requests.api", ANY),
        ("aiohttp.client", ANY),
    ];

    /// fickling `UNSAFE_IMPORTS`, 106 modules (§2.3); `builtins`-like ones with a bad name.
    const FICKLING_MODULES: &[&str] = &[
        "_aix_support",
        "_ctypes",
        "_frozen_importlib",
        "_frozen_importlib_external",
        "_imp",
        "_interpreters",
        "_operator",
        "_osx_support",
        "_pickle",
        "_posixsubprocess",
        "_signal",
        "_sqlite3",
        "_thread",
        "_xxsubinterpreters",
        "aiohttp",
        "asyncio",
        "atexit",
        "bdb",
        "cProfile",
        "cloudpickle",
        "code",
        "codeop",
        "commands",
        "compile",
        "compileall",
        "ctypes",
        "difflib",
        "dill",
        "distutils",
        "doctest",
        "ensurepip",
        "eval",
        "exec",
        "filecmp",
        "fileinput",
        "ftplib",
        "functools",
        "gc",
        "glob",
        "http",
        "httplib",
        "idlelib",
        "imaplib",
        "imp",
        "importlib",
        "inspect",
        "joblib",
        "lib2to3",
        "linecache",
        "logging",
        "marshal",
        "mmap",
        "multiprocessing",
        "nntplib",
        "nt",
        "operator",
        "os",
        "pdb",
        "pexpect",
        "pickle",
        "pip",
        "pipes",
        "pkgutil",
        "platform",
        "poplib",
        "posix",
        "profile",
        "pty",
        "py_compile",
        "pydoc",
        "requests",
        "runpy",
        "select",
        "selectors",
        "shelve",
        "shutil",
        "signal",
        "site",
        "smtplib",
        "socket",
        "socketserver",
        "sqlite3",
        "ssl",
        "subprocess",
        "sys",
        "syslog",
        "tarfile",
        "telnetlib",
        "tempfile",
        "test",
        "threading",
        "timeit",
        "trace",
        "types",
        "unittest",
        "urllib",
        "urllib2",
        "uuid",
        "venv",
        "webbrowser",
        "xmlrpc",
        "zipfile",
        "zipimport",
        "fickling",
        "picklescan",
        "modelscan",
        "model_unpickler",
        "saferpickle",
        "modelaudit",
    ];

    /// fickling `UnsafeImportsML` and overtly bad calls (§2.3).
    const FICKLING_ML: &[(&str, &str)] = &[
        ("torch.hub", ANY),
        ("torch._dynamo", ANY),
        ("torch._inductor", ANY),
        ("torch.jit", ANY),
        ("torch.compile", ANY),
        ("numpy.f2py", ANY),
        ("numpy.distutils", ANY),
        ("torch", "compile"),
        ("torch", "load"),
        ("torch.storage", "_load_from_bytes"),
        ("torch.utils._config_module", "ConfigModule"),
        ("torch.distributed.elastic.rendezvous.api", "basichandlers"),
        ("numpy.testing._private.utils", "runstring"),
        ("_io", "FileIO"),
        ("_io", "open"),
        ("io", "FileIO"),
        ("io", "open"),
        ("runpy", "_run_code"),
        ("builtins", "__builtins__"),
        ("__builtins__", "eval"),
        ("__builtins__", "exec"),
    ];

    /// ModelAudit builtins, wildcard modules and (module, name) pairs (§2.4, appendix A).
    const MODELAUDIT: &[(&str, &str)] = &[
        ("builtins", "__import__"),
        ("builtins", "breakpoint"),
        ("builtins", "classmethod.__get__"),
        ("builtins", "compile"),
        ("builtins", "delattr"),
        ("builtins", "dir"),
        ("builtins", "eval"),
        ("builtins", "exec"),
        ("builtins", "execfile"),
        ("builtins", "exit"),
        ("builtins", "filter"),
        ("builtins", "getattr"),
        ("builtins", "globals"),
        ("builtins", "hasattr"),
        ("builtins", "input"),
        ("builtins", "locals"),
        ("builtins", "map"),
        ("builtins", "open"),
        ("builtins", "property.__get__"),
        ("builtins", "quit"),
        ("builtins", "raw_input"),
        ("builtins", "reload"),
        ("builtins", "setattr"),
        ("builtins", "staticmethod"),
        ("builtins", "vars"),
        ("__builtin__", "execfile"),
        ("__builtins__", "vars"),
        ("dill._dill", ANY),
        ("ntpath", ANY),
        ("posixpath", ANY),
        ("xmlrpc.client", ANY),
        ("xmlrpc.server", ANY),
        ("functools", "partialmethod"),
        ("glob", "glob"),
        ("linecache", "getline"),
        ("tempfile", "mktemp"),
        ("_aix_support", "_read_cmd_output"),
        ("_functools", "partial"),
        ("_functools", "reduce"),
        ("_io", "FileIO.write"),
        ("_io", "TextIOWrapper.write"),
        ("io", "FileIO.write"),
        ("io", "TextIOWrapper.write"),
        ("operator", "call"),
        ("_osx_support", "_read_output"),
        ("_posixsubprocess", "fork_exec"),
        ("_pyrepl.pager", "pipe_pager"),
        ("_tkinter", "TkappType.call"),
        ("_tkinter", "TkappType.eval"),
        ("_xxsubinterpreters", "run_string"),
        ("argparse", "FileType"),
        ("atexit", "register"),
        ("base64", "b64decode"),
        ("base64", "b64encode"),
        ("base64", "decode"),
        ("codecs", "decode"),
        ("codecs", "encode"),
        ("codecs", "open"),
        ("codecs", "StreamReaderWriter.write"),
        ("collections", "eval"),
        ("concurrent.futures", "ProcessPoolExecutor.map"),
        ("concurrent.futures", "ProcessPoolExecutor.shutdown"),
        ("concurrent.futures", "ProcessPoolExecutor.submit"),
        ("concurrent.futures", "ThreadPoolExecutor.map"),
        ("concurrent.futures", "ThreadPoolExecutor.shutdown"),
        ("concurrent.futures", "ThreadPoolExecutor.submit"),
        ("contextlib", "ExitStack.__exit__"),
        ("contextlib", "ExitStack.callback"),
        ("contextlib", "ExitStack.close"),
        ("contextlib", "ExitStack.enter_context"),
        ("contextvars", "Context.run"),
        ("copyreg", "add_extension"),
        ("copyreg", "remove_extension"),
        ("copy_reg", "add_extension"),
        ("csv", "DictWriter.writerow"),
        ("csv", "DictWriter.writerows"),
        ("dataclasses", "_create_fn"),
        ("dill", "load"),
        ("dill", "loads"),
        ("dill", "load_module"),
        ("dill", "load_module_asdict"),
        ("dill", "load_session"),
        ("dotenv", "set_key"),
        ("dotenv.cli", "set_key"),
        ("dotenv.main", "set_key"),
        ("faulthandler", "_fatal_error_c_thread"),
        ("faulthandler", "_read_null"),
        ("faulthandler", "_sigabrt"),
        ("faulthandler", "_sigfpe"),
        ("faulthandler", "_sigsegv"),
        ("faulthandler", "_stack_overflow"),
        ("functools", "cache"),
        ("functools", "cached_property.__get__"),
        ("functools", "cmp_to_key"),
        ("functools", "lru_cache"),
        ("functools", "reduce"),
        ("functools", "singledispatch"),
        ("gc", "get_objects"),
        ("gc", "get_referents"),
        ("gc", "get_referrers"),
        ("inspect", "currentframe"),
        ("inspect", "getmembers"),
        ("itertools", "accumulate"),
        ("itertools", "dropwhile"),
        ("itertools", "filterfalse"),
        ("itertools", "groupby"),
        ("itertools", "starmap"),
        ("itertools", "takewhile"),
        ("joblib", "load"),
        ("joblib", "_pickle_load"),
        ("logging", "FileHandler.emit"),
        ("logging", "Filterer.filter"),
        ("logging", "Handler.handle"),
        ("logging", "Logger._log"),
        ("logging", "Logger.addHandler"),
        ("logging", "Logger.callHandlers"),
        ("logging", "Logger.critical"),
        ("logging", "Logger.warning"),
        ("logging", "StreamHandler"),
        ("logging", "StreamHandler.emit"),
        ("logging", "critical"),
        ("logging", "info"),
        ("logging", "warn"),
        ("logging.config", "dictConfig"),
        ("logging.config", "fileConfig"),
        ("logging.config", "listen"),
        ("logging.handlers", "RotatingFileHandler"),
        ("logging.handlers", "TimedRotatingFileHandler"),
        ("logging.handlers", "WatchedFileHandler"),
        ("mailbox", "Babyl.add"),
        ("mailbox", "MMDF.add"),
        ("mailbox", "_singlefileMailbox.add"),
        ("mailbox", "mbox.add"),
        ("mailcap", "findmatch"),
        ("numpy", "load"),
        ("numpy", "savetxt"),
        ("numpy.f2py.crackfortran", "getlincoef"),
        ("numpy.testing._private.utils", "runstring"),
        ("pathlib", "Path.open"),
        ("pathlib", "Path.write_bytes"),
        ("pathlib", "Path.write_text"),
        ("pathlib", "PosixPath.open"),
        ("pathlib", "PosixPath.write_bytes"),
        ("pathlib", "PosixPath.write_text"),
        ("pathlib", "WindowsPath.open"),
        ("pathlib", "WindowsPath.write_text"),
        ("pip", "main"),
        ("pip._internal", "main"),
        ("pip._internal.cli.main", "main"),
        ("pip._vendor.distlib.scripts", "ScriptMaker"),
        ("distlib.scripts", "ScriptMaker"),
        ("pipes", "Template.copy"),
        ("pipes", "Template.open"),
        ("pipes", "Template.open_r"),
        ("pipes", "Template.open_w"),
        ("pkgutil", "get_importer"),
        ("pkgutil", "resolve_name"),
        ("pkgutil", "walk_packages"),
        ("resource", "setrlimit"),
        ("sched", "scheduler.enter"),
        ("sched", "scheduler.enterabs"),
        ("sched", "scheduler.run"),
        ("setuptools._distutils.spawn", "spawn"),
        ("site", "addpackage"),
        ("site", "addsitedir"),
        ("site", "main"),
        ("string", "Formatter.get_field"),
        ("tarfile", "open"),
        ("tempfile", "NamedTemporaryFile"),
        ("test.support.script_helper", "assert_python_ok"),
        ("torch", "compile"),
        ("torch", "load"),
        ("torch.hub", "load"),
        ("torch.hub", "load_state_dict_from_url"),
        ("torch.serialization", "load"),
        ("torch.storage", "_load_from_bytes"),
        ("types", "ClassMethodDescriptorType.__get__"),
        ("types", "CodeType"),
        ("types", "DynamicClassAttribute.__get__"),
        ("types", "FrameType.f_builtins.__get__"),
        ("types", "FrameType.f_globals.__get__"),
        ("types", "FrameType.f_locals.__get__"),
        ("types", "FunctionType"),
        ("types", "GetSetDescriptorType.__get__"),
        ("types", "MemberDescriptorType.__get__"),
        ("types", "MethodDescriptorType.__get__"),
        ("types", "MethodType"),
        ("types", "WrapperDescriptorType.__get__"),
        ("typing", "_eval_type"),
        ("typing", "get_type_hints"),
        ("unittest", "TestLoader.discover"),
        ("unittest", "TestLoader.loadTestsFromName"),
        ("unittest", "TestLoader.loadTestsFromNames"),
        ("unittest", "defaultTestLoader.discover"),
        ("unittest.loader", "defaultTestLoader.loadTestsFromName"),
        ("unittest.loader", "defaultTestLoader.loadTestsFromNames"),
        ("unittest.mock", "MagicMock"),
        ("unittest.mock", "Mock"),
        ("unittest.mock", "_get_target"),
        ("unittest.mock", "_patch.__enter__"),
        ("unittest.mock", "_patch.start"),
        ("unittest.mock", "patch"),
        ("unittest.mock", "patch.dict"),
        ("unittest.mock", "patch.multiple"),
        ("uuid", "_arp_getnode"),
        ("uuid", "_get_command_stdout"),
        ("uuid", "_ifconfig_getnode"),
        ("uuid", "_ip_getnode"),
        ("uuid", "_lanscan_getnode"),
        ("uuid", "_netstat_getnode"),
        ("uuid", "_popen"),
        ("uuid", "getnode"),
        ("weakref", "finalize"),
        ("yaml", "CLoader"),
        ("yaml", "CUnsafeLoader"),
        ("yaml", "Loader"),
        ("yaml", "UnsafeLoader"),
        ("yaml", "load"),
        ("yaml", "load_all"),
        ("yaml", "unsafe_load"),
        ("yaml", "unsafe_load_all"),
        ("yaml.cyaml", "CLoader"),
        ("yaml.cyaml", "CUnsafeLoader"),
        ("yaml.loader", "Loader"),
        ("yaml.loader", "UnsafeLoader"),
        ("torch._dynamo.guards.GuardBuilder", "get"),
        (
            "torch.fx.experimental.symbolic_shapes.ShapeEnv",
            "evaluate_guards_expression",
        ),
        ("torch.utils._config_module.ConfigModule", "load_config"),
        ("zipfile", "ZipFile"),
        ("zipfile", "PyZipFile"),
    ];

    /// §1d and §5 bypasses and the brief's own list.
    const BYPASSES: &[(&str, &str)] = &[
        ("pip", "main"),
        ("pkgutil", "resolve_name"),
        ("importlib", "import_module"),
        ("inspect", "getattr_static"),
        ("asyncio.unix_events", "_UnixSubprocessTransport._start"),
        ("numpy", "__builtins__"),
        ("numpy", "__builtins__.eval"),
        ("numpy", "prod.os.system"),
        ("numpy", "core._internal.sys.modules"),
        ("torch", "os.system"),
        ("torch.utils.collect_env", "run"),
        ("multiprocessing.util", "spawnv_passfds"),
        ("mlflow.projects.backend.local", "_run_entry_point"),
        ("pandas", "read_csv"),
        ("pandas.io.parsers.readers", "read_csv"),
        ("pandas", "read_pickle"),
        ("pandas", "DataFrame.to_csv"),
        ("pandas", "DataFrame.query"),
        ("pandas", "eval"),
        ("zlib", "decompress"),
        ("marshal", "loads"),
        ("ctypes", "CDLL"),
        ("_ctypes", "dlopen"),
        ("cProfile", "run"),
        ("profile", "run"),
        ("timeit", "timeit"),
        ("trace", "Trace"),
        ("idlelib.pyshell", "main"),
        ("lib2to3.main", "main"),
        ("numpy.f2py", "compile"),
        ("_io", "FileIO"),
        ("urllib.request", "urlopen"),
        ("urllib2", "urlopen"),
        ("http.client", "HTTPConnection"),
        ("ftplib", "FTP"),
        ("smtplib", "SMTP"),
        ("requests", "get"),
        ("operator", "methodcaller"),
        ("pydoc", "locate"),
        ("pty", "spawn"),
        ("cloudpickle", "_make_function"),
        ("types", "CodeType"),
        ("functools", "partial"),
        ("copyreg", "add_extension"),
        ("pickle", "loads"),
        ("pickle", "_loads"),
        ("pickle", "_load"),
        ("pickle", "Unpickler"),
        ("pickle", "_Unpickler"),
        ("cPickle", "loads"),
        ("_pickle", "Unpickler"),
        ("shelve", "open"),
        ("jsonpickle", "decode"),
        ("_posixsubprocess", "fork_exec"),
        ("_interpreters", "run_string"),
        ("_xxsubinterpreters", "run_string"),
        ("_thread", "start_new_thread"),
        ("threading", "Thread"),
        ("signal", "signal"),
        ("select", "select"),
        ("selectors", "DefaultSelector"),
        ("mmap", "mmap"),
        ("codecs", "open"),
        ("csv", "writer"),
        ("sys", "modules"),
        ("gc", "get_objects"),
        ("linecache", "getline"),
        ("zipimport", "zipimporter"),
        ("tempfile", "mkstemp"),
        ("tarfile", "TarFile.extractall"),
        ("mailbox", "mbox"),
        ("sched", "scheduler"),
        ("site", "main"),
        ("atexit", "register"),
        ("weakref", "finalize"),
        ("unittest.mock", "patch"),
        ("contextlib", "ExitStack"),
        ("doctest", "debug_script"),
        ("venv", "create"),
        ("webbrowser", "open"),
        ("code", "interact"),
        ("codeop", "compile_command"),
        ("pdb", "run"),
        ("bdb", "Bdb.run"),
        ("pexpect", "spawn"),
        ("pipes", "Template"),
        ("glob", "glob"),
        ("filecmp", "cmp"),
        ("fileinput", "input"),
        ("typing", "get_type_hints"),
        ("string", "Formatter.get_field"),
        ("argparse", "FileType"),
        ("ensurepip", "bootstrap"),
        ("setuptools.sandbox", "run_setup"),
        ("numpy.distutils.exec_command", "exec_command"),
        ("numpy.testing", "rundocs"),
        ("sklearn.utils._testing", "assert_run_python_script"),
        ("torch.utils.bottleneck", ANY),
        ("torch.fx.graph_module", "reduce_graph_module"),
        ("torch.hub", "_load_local"),
        ("torch.package.package_importer", "PackageImporter"),
        ("ssl", "wrap_socket"),
        ("socket", "create_connection"),
        ("uuid", "_get_command_stdout"),
        ("_osx_support", "_read_output"),
        ("_pyrepl.pager", "pipe_pager"),
        ("test.support.script_helper", "assert_python_ok"),
        ("imaplib", "IMAP4_stream"),
        ("logging", "FileHandler"),
        ("io", "open"),
        ("builtins", "getattr"),
        ("builtins", "breakpoint"),
        ("builtins", "input"),
        ("builtins", "globals"),
        ("builtins", "locals"),
        ("builtins", "vars"),
        ("builtins", "exit"),
        ("builtins", "quit"),
        ("builtins", "setattr"),
        ("builtins", "delattr"),
    ];

    #[test]
    fn every_picklescan_denylist_entry_is_dangerous() {
        assert_all_dangerous("picklescan", PICKLESCAN);
    }

    #[test]
    fn every_modelscan_denylist_entry_is_dangerous() {
        assert_all_dangerous("modelscan", MODELSCAN);
    }

    #[test]
    fn every_fickling_unsafe_module_is_dangerous() {
        let pairs: Vec<(&str, &str)> = FICKLING_MODULES
            .iter()
            .map(|m| {
                let name = if *m == "uuid" { "getnode" } else { ANY };
                (*m, name)
            })
            .collect();
        assert_all_dangerous("fickling modules", &pairs);
        assert_all_dangerous("fickling ML", FICKLING_ML);
    }

    #[test]
    fn every_modelaudit_denylist_entry_is_dangerous() {
        assert_all_dangerous("modelaudit", MODELAUDIT);
    }

    #[test]
    fn every_published_bypass_is_dangerous() {
        assert_all_dangerous("bypasses", BYPASSES);
    }

    #[test]
    fn every_deny_table_entry_is_dangerous() {
        for (module, _) in DENY_MODULES {
            assert!(is_dangerous(module, ANY), "{module}");
        }
        for (module, name, _) in DENY_PAIRS {
            assert!(is_dangerous(module, name), "{module} {name}");
        }
    }

    #[test]
    fn submodules_inherit_the_module_verdict() {
        assert!(is_dangerous(
            "asyncio.unix_events",
            "_UnixSubprocessTransport"
        ));
        assert!(is_dangerous("os.path", "join"));
        assert!(is_dangerous("numpy.f2py.crackfortran", "getlincoef"));
        assert!(is_dangerous("numpy", "f2py.crackfortran.getlincoef"));
        assert!(is_dangerous("torch", "hub.load"));
        assert!(is_dangerous("torch.utils", "collect_env.run"));
        // a sibling whose name merely starts like a denied module is not covered
        assert_eq!(judge_global("ossify", "Thing"), Judgement::Unknown);
        assert_eq!(judge_global("systemd_helpers", "Unit"), Judgement::Unknown);
    }

    #[test]
    fn dunder_components_are_dangerous_anywhere() {
        assert!(is_dangerous("numpy", "__builtins__"));
        assert!(is_dangerous("mypkg", "Model.__init__.__globals__"));
        assert!(is_dangerous("mypkg.__init__", "Model"));
        assert!(is_dangerous("builtins", "object.__subclasses__"));
        assert!(is_dangerous("copyreg", "__newobj__.__globals__"));
        // the protocol-2 helpers themselves are fine; `__main__` is a module like any other
        assert_eq!(judge_global("copyreg", "__newobj__"), Judgement::Safe);
        assert_eq!(judge_global("copy_reg", "__newobj_ex__"), Judgement::Safe);
        assert_eq!(
            judge_global("__main__", "TrainingArguments"),
            Judgement::Unknown
        );
        assert!(is_dangerous("__main__", "os.system"));
    }

    #[test]
    fn execution_sinks_are_dangerous_in_any_component() {
        assert!(is_dangerous("mypkg", "helpers.eval"));
        assert!(is_dangerous("mypkg.exec", "run"));
        // `system` alone is judged by where it lives (`os` + `system` is denied by module)
        assert_eq!(judge_global("mypkg", "Shell.system"), Judgement::Unknown);
        assert!(is_dangerous("mypkg", "Thing.loads"));
        assert!(is_dangerous("json", "loads"));
        assert!(is_dangerous("re", "compile"));
    }

    #[test]
    fn python2_names_map_to_python3() {
        assert!(is_dangerous("__builtin__", "eval"));
        assert!(is_dangerous("__builtin__", "reduce"));
        assert!(is_dangerous("__builtin__", "file"));
        assert!(is_dangerous("cPickle", "loads"));
        assert!(is_dangerous("copy_reg", "add_extension"));
        assert!(is_dangerous("commands", "getoutput"));
        assert_eq!(judge_global("__builtin__", "set"), Judgement::Safe);
        assert_eq!(judge_global("__builtin__", "xrange"), Judgement::Safe);
        assert_eq!(judge_global("__builtin__", "unicode"), Judgement::Safe);
        assert_eq!(judge_global("copy_reg", "_reconstructor"), Judgement::Safe);
        assert_eq!(judge_global("cStringIO", "StringIO"), Judgement::Safe);
        assert_eq!(judge_global("StringIO", "StringIO"), Judgement::Safe);
    }

    #[test]
    fn malformed_names_are_dangerous() {
        for (module, name) in [
            ("os ", "system"),
            ("", "x"),
            ("numpy", ""),
            ("numpy", "a..b"),
            ("numpy.", "dtype"),
            ("numpy", "dtype\n"),
            ("numpy", "1st"),
            ("numpy", "dtype;rm"),
            ("numpy\0", "dtype"),
        ] {
            assert_eq!(
                judge_global(module, name),
                Judgement::Dangerous(MALFORMED),
                "{module:?} {name:?}"
            );
        }
        let long = "a".repeat(MAX_NAME_BYTES + 1);
        assert!(is_dangerous(&long, "x"));
        let deep = vec!["a"; MAX_COMPONENTS].join(".");
        assert!(is_dangerous("pkg", &deep));
    }

    #[test]
    fn matching_is_case_sensitive_and_exact() {
        assert_eq!(judge_global("OS", "getcwd"), Judgement::Unknown);
        assert_eq!(judge_global("Numpy", "dtype"), Judgement::Unknown);
        assert_eq!(
            judge_global("torch._utils", "_Rebuild_tensor_v2"),
            Judgement::Unknown
        );
    }

    /// Every global the real benign fixtures use (tests/fixtures/benign/globals.txt), plus
    /// the torch/numpy helpers the brief requires.
    const REAL_CHECKPOINT_GLOBALS: &[(&str, &str)] = &[
        ("__builtin__", "bytearray"),
        ("__builtin__", "bytes"),
        ("__builtin__", "complex"),
        ("__builtin__", "frozenset"),
        ("__builtin__", "list"),
        ("__builtin__", "set"),
        ("__builtin__", "slice"),
        ("__builtin__", "type"),
        ("__builtin__", "xrange"),
        ("_codecs", "encode"),
        ("accelerate.utils.dataclasses", "DistributedType"),
        ("builtins", "range"),
        ("collections", "Counter"),
        ("collections", "OrderedDict"),
        ("collections", "defaultdict"),
        ("collections", "deque"),
        ("copyreg", "_reconstructor"),
        ("datetime", "date"),
        ("datetime", "datetime"),
        ("datetime", "timedelta"),
        ("datetime", "timezone"),
        ("decimal", "Decimal"),
        ("fractions", "Fraction"),
        ("ipaddress", "IPv4Address"),
        ("joblib.numpy_pickle", "NumpyArrayWrapper"),
        ("numpy", "dtype"),
        ("numpy", "float64"),
        ("numpy", "ndarray"),
        ("numpy._core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "scalar"),
        ("numpy._core.numeric", "_frombuffer"),
        ("numpy.core.multiarray", "_reconstruct"),
        ("numpy.core.multiarray", "scalar"),
        ("numpy.core.numeric", "_frombuffer"),
        ("numpy.dtypes", "Float64DType"),
        ("numpy.ma", "MaskedArray"),
        ("numpy.ma.core", "_mareconstruct"),
        ("numpy.random._mt19937", "MT19937"),
        ("numpy.random._pcg64", "PCG64"),
        ("numpy.random._pickle", "__bit_generator_ctor"),
        ("numpy.random._pickle", "__generator_ctor"),
        ("numpy.random._pickle", "__randomstate_ctor"),
        ("numpy.random.bit_generator", "SeedSequence"),
        ("numpy.random.bit_generator", "__pyx_unpickle_SeedSequence"),
        ("pandas", "Categorical"),
        ("pandas", "CategoricalDtype"),
        ("pandas", "DataFrame"),
        ("pandas", "DatetimeIndex"),
        ("pandas", "DatetimeTZDtype"),
        ("pandas", "Index"),
        ("pandas", "Int64Dtype"),
        ("pandas", "Interval"),
        ("pandas", "IntervalIndex"),
        ("pandas", "MultiIndex"),
        ("pandas", "Period"),
        ("pandas", "PeriodDtype"),
        ("pandas", "RangeIndex"),
        ("pandas", "Series"),
        ("pandas", "StringDtype"),
        ("pandas._libs.arrays", "__pyx_unpickle_NDArrayBacked"),
        ("pandas._libs.internals", "_unpickle_block"),
        ("pandas._libs.tslibs.nattype", "_nat_unpickle"),
        ("pandas._libs.tslibs.offsets", "Day"),
        ("pandas._libs.tslibs.offsets", "MonthEnd"),
        ("pandas._libs.tslibs.timedeltas", "_timedelta_unpickle"),
        ("pandas._libs.tslibs.timestamps", "_unpickle_timestamp"),
        ("pandas.arrays", "DatetimeArray"),
        ("pandas.arrays", "IntegerArray"),
        ("pandas.arrays", "PeriodArray"),
        ("pandas.arrays", "StringArray"),
        ("pandas.arrays", "TimedeltaArray"),
        ("pandas.core.indexes.base", "_new_Index"),
        ("pandas.core.indexes.datetimes", "_new_DatetimeIndex"),
        ("pandas.core.indexes.interval", "_new_IntervalIndex"),
        ("pandas.core.internals.managers", "BlockManager"),
        ("pandas.core.internals.managers", "SingleBlockManager"),
        ("pathlib", "PurePosixPath"),
        ("pathlib", "PosixPath"),
        ("scipy.sparse._csr", "csr_matrix"),
        ("sklearn.ensemble._forest", "RandomForestClassifier"),
        ("sklearn.feature_extraction.text", "TfidfTransformer"),
        ("sklearn.feature_extraction.text", "TfidfVectorizer"),
        ("sklearn.linear_model._logistic", "LogisticRegression"),
        ("sklearn.pipeline", "Pipeline"),
        ("sklearn.preprocessing._data", "StandardScaler"),
        ("sklearn.svm._classes", "SVC"),
        ("sklearn.tree._classes", "DecisionTreeClassifier"),
        ("sklearn.tree._tree", "Tree"),
        ("torch", "FloatStorage"),
        ("torch", "Size"),
        ("torch", "device"),
        ("torch", "float32"),
        ("torch", "bfloat16"),
        ("torch", "strided"),
        ("torch", "channels_last"),
        ("torch.storage", "UntypedStorage"),
        ("torch.storage", "TypedStorage"),
        ("torch._utils", "_rebuild_tensor"),
        ("torch._utils", "_rebuild_tensor_v2"),
        ("torch._utils", "_rebuild_parameter"),
        ("torch._utils", "_rebuild_parameter_with_state"),
        ("torch._utils", "_rebuild_device_tensor_from_numpy"),
        ("torch._utils", "_rebuild_qtensor"),
        ("torch._utils", "_rebuild_sparse_tensor"),
        ("torch._utils", "_rebuild_nested_tensor"),
        ("torch._utils", "_rebuild_meta_tensor_no_storage"),
        ("torch._utils", "_rebuild_wrapper_subclass"),
        ("torch._tensor", "_rebuild_from_type_v2"),
        ("torch.serialization", "_get_layout"),
        ("torch.nn.modules.linear", "Linear"),
        ("transformers.trainer_utils", "IntervalStrategy"),
        ("transformers.training_args", "OptimizerNames"),
        ("transformers.training_args", "TrainingArguments"),
        ("uuid", "UUID"),
        ("argparse", "Namespace"),
        ("re", "_compile"),
    ];

    #[test]
    fn globals_of_real_checkpoints_are_safe() {
        let not_safe: Vec<String> = REAL_CHECKPOINT_GLOBALS
            .iter()
            .filter(|(m, n)| judge_global(m, n) != Judgement::Safe)
            .map(|(m, n)| format!("{m} {n} -> {:?}", judge_global(m, n)))
            .collect();
        assert!(not_safe.is_empty(), "{not_safe:#?}");
    }

    #[test]
    fn safe_pairs_never_collide_with_the_reference_denylists() {
        let deny_lists = [PICKLESCAN, MODELSCAN, FICKLING_ML, MODELAUDIT, BYPASSES];
        for (module, name) in deny_lists.iter().flat_map(|l| l.iter()) {
            assert!(
                !lookup_pair(SAFE_PAIRS, module, name),
                "{module} {name} is both safe and denied"
            );
        }
    }

    #[test]
    fn data_library_deny_subtrees_win_over_class_rule() {
        assert!(is_dangerous("pandas.io.pytables", "HDFStore"));
        assert!(is_dangerous("pandas", "HDFStore"));
        assert!(is_dangerous("sklearn.datasets._base", "Bunch"));
        assert!(is_dangerous("numpy.testing", "TestCase"));
        assert!(is_dangerous("numpy", "DataSource"));
        assert!(is_dangerous("scipy.io.matlab", "MatFile5Reader"));
        assert!(is_dangerous(
            "pandas.core.computation.expr",
            "PandasExprVisitor"
        ));
        assert_eq!(judge_global("pandas", "to_datetime"), Judgement::Unknown);
        // methods and lowercase functions of data libraries are not blanket-allowed
        assert_eq!(
            judge_global("pandas", "DataFrame.apply"),
            Judgement::Unknown
        );
        assert_eq!(judge_global("numpy", "vectorize"), Judgement::Unknown);
        assert_eq!(
            judge_global("sklearn.utils", "Bunch.clear"),
            Judgement::Unknown
        );
    }

    #[test]
    fn third_party_names_are_unknown() {
        assert_eq!(judge_global("mypkg", "Model"), Judgement::Unknown);
        assert_eq!(
            judge_global("mypkg.layers", "Block.forward"),
            Judgement::Unknown
        );
        assert_eq!(
            judge_global("transformers.models.bert", "BertModel"),
            Judgement::Unknown
        );
        assert_eq!(
            judge_global("collections", "namedtuple"),
            Judgement::Unknown
        );
        assert_eq!(judge_global("torch", "Generator"), Judgement::Unknown);
    }

    #[test]
    fn getattr_reference_to_an_enum_member_is_judged_by_path() {
        // the machine turns getattr(OptimizerNames, 'ADAMW_TORCH') into this name
        assert_eq!(
            judge_global("transformers.training_args", "OptimizerNames.ADAMW_TORCH"),
            Judgement::Safe
        );
        assert_eq!(
            judge_global("accelerate.utils.dataclasses", "DistributedType.NO"),
            Judgement::Safe
        );
        // methods of allowlisted classes, and constants of unknown classes, are not Safe
        assert_eq!(
            judge_global("transformers.training_args", "OptimizerNames.mro"),
            Judgement::Unknown
        );
        assert_eq!(judge_global("mypkg", "Mode.FAST"), Judgement::Unknown);
        assert!(is_dangerous("pathlib", "Path.WRITE"));
        assert!(is_dangerous("os", "system.__call__"));
        assert!(is_dangerous("builtins", "getattr"));
    }

    #[test]
    fn is_stdlib_knows_the_standard_library() {
        for module in [
            "os",
            "os.path",
            "json",
            "_pyrepl",
            "_pyrepl.pager",
            "asyncio",
            "asyncio.unix_events",
            "__builtin__",
            "cPickle",
            "test.support",
            "distutils",
            "annotationlib",
            "_interpreters",
        ] {
            assert!(is_stdlib(module), "{module}");
        }
        for module in [
            "numpy", "torch", "sklearn", "mypkg", "osx", "__main__", "yaml",
        ] {
            assert!(!is_stdlib(module), "{module}");
        }
    }

    #[test]
    fn tables_are_sorted_for_binary_search() {
        fn sorted<T: Ord>(items: &[T]) -> bool {
            items.windows(2).all(|w| matches!(w, [a, b] if a < b))
        }
        fn keys(table: &[(&'static str, &'static str)]) -> Vec<&'static str> {
            table.iter().map(|(k, _)| *k).collect()
        }
        assert!(sorted(&keys(DENY_MODULES)), "DENY_MODULES");
        assert!(sorted(&keys(DENY_METHODS_OF)), "DENY_METHODS_OF");
        assert!(sorted(&keys(PY2_MODULES)), "PY2_MODULES");
        assert!(sorted(&keys(PY2_BUILTINS)), "PY2_BUILTINS");
        let pairs: Vec<(&str, &str)> = DENY_PAIRS.iter().map(|(m, n, _)| (*m, *n)).collect();
        assert!(sorted(&pairs), "DENY_PAIRS");
        assert!(sorted(SAFE_PAIRS), "SAFE_PAIRS");
        assert!(sorted(STDLIB_MODULES), "STDLIB_MODULES");
    }

    #[test]
    fn policy_version_is_set() {
        assert!(!POLICY_VERSION.is_empty());
    }

    proptest::proptest! {
        #[test]
        fn never_panics_on_arbitrary_names(module in ".{0,80}", name in ".{0,80}") {
            let _ = judge_global(&module, &name);
            let _ = is_stdlib(&module);
        }

        #[test]
        fn anything_under_os_is_dangerous(name in "[a-z_][a-z0-9_]{0,12}(\\.[a-z_][a-z0-9_]{0,12}){0,3}") {
            proptest::prop_assert!(is_dangerous("os", &name));
            let traversal = format!("helpers.os.{}", name);
            proptest::prop_assert!(is_dangerous("mypkg", &traversal));
        }
    }
}
