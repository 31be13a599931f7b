"""The one code generator and loader of connectome_sim's numba kernels.

Every generated kernel (cable cells and circuits, point networks) goes through here:

1. :func:`render` fills a template file from ``connectome_sim/engine/templates/`` with Jinja2,
   an undefined name in a template being an error (as Brian2 renders its code objects);
2. :func:`check_identifier` keeps user-supplied names (mechanism, parameter, state, gate
   names) out of the kernels' reserved namespace: every name a template defines itself starts
   or ends with an underscore, and user names may not, so a user's gate called ``step`` or ``v_new``
   can never shadow a kernel local;
3. :func:`load_module` writes the rendered source once, atomically, as
   ``<cache dir>/<prefix>_<hash>.py`` and imports it, so that numba's on-disk cache
   (``cache=True``) serves later processes; :func:`compile_notice` says, once per install,
   that a kernel is being compiled and how long it took.

The engine imports only numpy, numba and (here) Jinja2; it raises ``ValueError`` for names
it refuses, which the description layer reports in its own terms.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import importlib.util
import keyword
import os
import re
import sys
import tempfile
import threading
import time
from functools import lru_cache

__all__ = ["render", "check_identifier", "load_module", "cache_dir", "is_compiled", "jit_modules",
           "is_cached", "module_path", "compile_notice", "RESERVED_GLOBALS", "VERBOSE"]

#: Print one line to stderr when a kernel is compiled (the CLI's ``--quiet`` turns it off;
#: so does the environment variable ``CONNECTOME_SIM_QUIET=1``).
VERBOSE = os.environ.get("CONNECTOME_SIM_QUIET", "") in ("", "0")

#: Names the generated modules use at module level besides underscore names; user
#: identifiers may not take them either.
RESERVED_GLOBALS = frozenset({
    "np", "math", "numba", "njit", "prange", "literal_unroll",
    # names user rate and current code may call (math functions bound at module level)
    "exp", "log", "sqrt", "tanh", "expm1", "log1p", "pow", "abs", "min", "max",
    # names of the kernel ABI that appear in every template's signature
    "v", "dt", "celsius", "t",
})

_TEMPLATE_DIR = os.path.join(os.path.dirname(__file__), "templates")
_IDENT = re.compile(r"^[A-Za-z](?:[A-Za-z0-9_]*[A-Za-z0-9])?$")
_LOADED: dict[str, object] = {}


# ----------------------------------------------------------------------------- templates
@lru_cache(maxsize=1)
def _environment():
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(_TEMPLATE_DIR),
        undefined=jinja2.StrictUndefined,       # a name the caller did not pass is an error
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
        autoescape=False)


def render(template: str, **context) -> str:
    """Render the template file ``templates/<template>`` with ``context``.

    Raises ``jinja2.UndefinedError`` when the template uses a name not in ``context``.
    """
    return _environment().get_template(template).render(**context)


# ----------------------------------------------------------------------------- identifiers
def check_identifier(name: str, what: str = "name", extra_reserved=()) -> str:
    """Return ``name`` if a user may use it inside generated code, else raise ValueError.

    A user identifier is a Python identifier that neither starts nor ends with an underscore
    (the kernels' own namespace), is not a Python keyword or builtin, and is none of
    :data:`RESERVED_GLOBALS` or ``extra_reserved``.
    """
    if not isinstance(name, str) or not _IDENT.match(name):
        raise ValueError(f"{what} {name!r} is not a valid name: use letters, digits and "
                         "underscores, starting with a letter and not ending with '_' (names "
                         "starting or ending with '_' are reserved for the generated kernels)")
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        raise ValueError(f"{what} {name!r} is a Python keyword; choose another name")
    import builtins

    if hasattr(builtins, name) or name in RESERVED_GLOBALS or name in extra_reserved:
        raise ValueError(f"{what} {name!r} is reserved by the generated kernels (it names a "
                         "builtin, a math function or a kernel argument); choose another name")
    return name


# ----------------------------------------------------------------------------- loading
def jit_modules(funcs) -> list[str]:
    """Names of the modules defining the numba functions ``funcs`` and every numba function
    they call, followed through their globals (also ``module.function`` references).

    A generated kernel's file name must change when any of them changes: numba's on-disk
    cache of a function does not notice an edit to a function it calls from another module
    (the callee is compiled into it), so hashing only the direct imports left stale kernels
    after an update of a shared helper.
    """
    import types

    from numba.core.registry import CPUDispatcher

    seen, mods = set(), set()
    stack = [f for f in funcs if f is not None]
    while stack:
        f = stack.pop()
        py = getattr(f, "py_func", None)
        if py is None or id(py) in seen:
            continue
        seen.add(id(py))
        mods.add(py.__module__)
        codes = [py.__code__]
        while codes:
            code = codes.pop()
            codes.extend(c for c in code.co_consts if isinstance(c, types.CodeType))
            for name in code.co_names:
                obj = py.__globals__.get(name)
                if isinstance(obj, CPUDispatcher):
                    stack.append(obj)
                elif isinstance(obj, types.ModuleType):
                    stack.extend(v for a in code.co_names
                                 if isinstance(v := getattr(obj, a, None), CPUDispatcher))
    return sorted(mods)


_WRITABLE: set = set()   # cache folders found writable in this process


def cache_dir() -> str:
    """Directory of the generated kernel modules and their numba cache.

    ``$CONNECTOME_SIM_CACHE`` if set, else ``~/.cache/connectome_sim/kernels`` (the XDG cache
    directory when ``$XDG_CACHE_HOME`` is set); falls back to the system temporary directory
    when neither is writable.
    """
    base = os.environ.get("CONNECTOME_SIM_CACHE")
    if not base:
        root = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        base = os.path.join(root, "connectome_sim", "kernels")
    try:
        os.makedirs(base, exist_ok=True)
        if base not in _WRITABLE:     # (probed once per process and folder: every run
            fd, probe = tempfile.mkstemp(dir=base, prefix=".probe")  # looks modules up)
            os.close(fd)
            os.remove(probe)
            _WRITABLE.add(base)
        return base
    except OSError:
        base = os.path.join(tempfile.gettempdir(), f"connectome_sim_kernels_{os.getuid()}"
                            if hasattr(os, "getuid") else "connectome_sim_kernels")
        os.makedirs(base, exist_ok=True)
        return base


def load_module(src: str, prefix: str, notice: str | None = None):
    """Import the generated source ``src`` as module ``<prefix>_<hash of src>``.

    The file is written once, through a uniquely named temporary file and an atomic rename,
    so concurrent processes never read a partial file and never rewrite an existing one
    (rewriting would change its time stamp and invalidate numba's cache).  Modules are kept
    per name for the life of the process.  With ``notice`` (for modules that compile at
    import, e.g. numba ``cfunc``s), importing a module that numba's cache does not hold yet
    is wrapped in :func:`compile_notice` ``(notice)``.
    """
    path = module_path(src, prefix)
    name = os.path.splitext(os.path.basename(path))[0]
    mod = _LOADED.get(name)
    if mod is not None:
        return mod
    if not os.path.exists(path):
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=f".{name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w") as fh:
                fh.write(src)
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.remove(tmp)
            raise
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    quiet = notice is None or _in_numba_cache(path)
    with contextlib.nullcontext() if quiet else compile_notice(notice):
        spec.loader.exec_module(mod)
    _LOADED[name] = mod
    return mod


def module_path(src: str, prefix: str) -> str:
    """Path of the module file :func:`load_module` uses for ``src`` (written or not)."""
    if not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", prefix):
        raise ValueError(f"module prefix {prefix!r} is not an identifier")
    return os.path.join(cache_dir(), f"{prefix}_{hashlib.sha1(src.encode()).hexdigest()[:16]}.py")


def is_cached(src: str, prefix: str, function: str | None = None) -> bool:
    """True when numba's on-disk cache holds code of the module :func:`load_module` makes of
    ``src`` (of its function ``function`` only, if given), i.e. loading it compiles nothing."""
    return _in_numba_cache(module_path(src, prefix), function)


def _in_numba_cache(path: str, function: str | None = None) -> bool:
    """True when numba's on-disk cache holds code of the module file ``path`` (of its
    function ``function`` only, if given)."""
    stem = os.path.splitext(os.path.basename(path))[0]
    pattern = f"{stem}.{function}-*.nbi" if function else f"{stem}.*.nbi"
    found = glob.glob(os.path.join(os.path.dirname(path), "__pycache__", pattern))
    alt = os.environ.get("NUMBA_CACHE_DIR")
    if not found and alt:
        found = glob.glob(os.path.join(alt, "**", pattern), recursive=True)
    return bool(found)


def is_compiled(mod, function: str | None = None) -> bool:
    """True when numba's on-disk cache already holds compiled code for module ``mod`` (for its
    function named ``function``, if given)."""
    return _in_numba_cache(mod.__file__, function)


_NOTICE_LOCK = threading.Lock()


@contextlib.contextmanager
def compile_notice(what: str, mod=None, stream=None, function: str | None = None):
    """Say on stderr that ``what`` is being compiled, then how long it took.

    Silent when ``mod`` (its function ``function``, if given) is already in numba's cache or
    was announced before in this process, or when :data:`VERBOSE` is false.  Use around the
    first call of a freshly loaded kernel::

        with compile_notice("cable kernel (hh, pas)", mod):
            mod.run(...)
    """
    key = f"_cs_announced_{function}" if function else "_cs_announced"
    # trials run in threads and each makes the kernel's first call: the first one to get
    # here announces it, the others (waiting on numba's compile lock) stay silent
    with _NOTICE_LOCK:
        quiet = not VERBOSE or (mod is not None and (getattr(mod, key, False)
                                                     or is_compiled(mod, function)))
        if mod is not None:
            setattr(mod, key, True)
    if quiet:
        yield
        return
    stream = stream or sys.stderr
    print(f"connectome_sim: compiling the {what} (once per install; cached in "
          f"{cache_dir()}) ...", file=stream, flush=True)
    t0 = time.perf_counter()
    try:
        yield
    except BaseException:
        # (an interrupted or failed first call: the next one compiles and says so again)
        if mod is not None:
            setattr(mod, key, False)
        print(f"connectome_sim: {what}: stopped after {time.perf_counter() - t0:.1f} s",
              file=stream, flush=True)
        raise
    print(f"connectome_sim: {what} compiled and run in {time.perf_counter() - t0:.1f} s",
          file=stream, flush=True)
