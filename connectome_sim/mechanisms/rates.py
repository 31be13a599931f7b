"""Rate functions written in Python, turned into source for a channel's numba kernel.

A rate function is an ordinary Python function of the membrane potential (mV): a ``def`` in a
file or notebook cell, a ``lambda``, or a closure.  Its source is read (:mod:`inspect`, or
the enclosing file for a lambda), parsed, and rewritten so that it stands alone in the
generated kernel module:

* it is renamed to the kernel's own name (the kernel's names start or end with ``_``, the
  user's never reach its namespace);
* every free name is resolved now: numbers (globals, closure cells, attributes of objects)
  become literals, the modules ``math`` and ``numpy`` and their functions become
  ``math.<f>`` / ``np.<f>``, ``exp`` becomes the kernel's vectorisable exponential, and other
  Python functions it calls are rewritten the same way and emitted beside it;
* anything else (a list, a dict, an object that is not a number, a nested function,
  ``global`` statements...) is refused with a :class:`ParameterError` that names the
  function, the name and what to do.

Functions whose source cannot be read (built-ins, numpy ufuncs passed directly, functions
made by ``exec``) are refused the same way.
"""

from __future__ import annotations

import ast
import builtins
import dis
import inspect
import linecache
import math
import numbers
import textwrap
import types

import numpy as np

from connectome_sim.errors import ParameterError

__all__ = ["rate_function_sources"]

#: builtins a rate function may call (numba supports them on floats)
_BUILTINS = {"abs", "min", "max", "float", "int", "round", "pow", "range"}
_MODULES = {id(math): "math", id(np): "np"}
_NOT_ALLOWED = (ast.Lambda, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Global,
                ast.Nonlocal, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp,
                ast.Yield, ast.YieldFrom, ast.Await, ast.Import, ast.ImportFrom, ast.With,
                ast.Try, ast.Raise, ast.Delete)


def _fail(what: str, msg: str):
    raise ParameterError(f"{what}: {msg}")


def _code_signature(code):
    consts = tuple(c for c in code.co_consts if not isinstance(c, types.CodeType))
    return code.co_code, code.co_names, code.co_varnames, code.co_argcount, consts


def _lambda_node(fn, what):
    """The ``ast.Lambda`` of ``fn`` from its file's (or notebook cell's) source."""
    code = fn.__code__
    lines = linecache.getlines(code.co_filename)
    if not lines:
        _fail(what, "the source of this lambda cannot be read (it was made by exec/eval or "
                    "typed at a prompt without source); define it in a file or notebook "
                    "cell, or with def")
    try:
        tree = ast.parse("".join(lines))
    except SyntaxError:
        _fail(what, f"the source file {code.co_filename!r} of this lambda no longer parses "
                    "(was it edited after the lambda was made?); define the rate function "
                    "again")
    # the lambda whose body starts where the code's first instruction after RESUME starts
    # (exact: several lambdas may share a line); else the one with the same names/constants
    starts = [(p[0], p[2]) for ins, p in zip(dis.get_instructions(code), code.co_positions())
              if ins.opname != "RESUME" and p[0] is not None and p[2] is not None]
    first = min(starts) if starts else None
    want = _code_signature(code)
    weak = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Lambda) and node.lineno == code.co_firstlineno:
            if first == (node.body.lineno, node.body.col_offset):
                return node
            expr = ast.Expression(body=node)
            ast.fix_missing_locations(expr)
            compiled = compile(expr, code.co_filename, "eval")
            inner = [c for c in compiled.co_consts if isinstance(c, types.CodeType)]
            if inner and _code_signature(inner[0])[1:] == want[1:]:
                weak.append(node)
    if len({ast.dump(n) for n in weak}) == 1:
        return weak[0]
    _fail(what, f"the lambda was not found in {code.co_filename!r} at line "
                f"{code.co_firstlineno} (was the file edited after it was made?); define the "
                "rate function again")


def _function_node(fn, what):
    """The function's ``def`` (or lambda) as an ``ast.FunctionDef``."""
    if not isinstance(fn, types.FunctionType):
        _fail(what, f"{fn!r} is not a Python function: give a def or a lambda of v (mV) "
                    "(built-ins, numpy ufuncs and compiled functions have no source to "
                    "compile into the kernel; wrap them, e.g. lambda v: math.tanh(v / 10))")
    if fn.__name__ == "<lambda>":
        lam = _lambda_node(fn, what)
        node = ast.FunctionDef(name="f", args=lam.args, body=[ast.Return(value=lam.body)],
                               decorator_list=[], returns=None, type_params=[])
        return node
    try:
        src = textwrap.dedent(inspect.getsource(fn))
    except (OSError, TypeError):
        _fail(what, f"the source of {fn.__qualname__!r} cannot be read (made by exec or "
                    "typed at a prompt without source); define it in a file or notebook cell")
    try:
        tree = ast.parse(src)
    except SyntaxError:
        _fail(what, f"the source of {fn.__qualname__!r} does not parse on its own; define it "
                    "as a plain def at the start of a line")
    defs = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
    if len(defs) != 1:
        _fail(what, f"the source of {fn.__qualname__!r} is not one plain def")
    node = defs[0]
    node.decorator_list = []
    return node


class _Rewrite(ast.NodeTransformer):
    """Resolve the free names of one function (see the module docstring)."""

    def __init__(self, fn, node, what, emit):
        self.fn, self.what, self.emit = fn, what, emit
        code = fn.__code__
        self.closure = dict(zip(code.co_freevars,
                                (c.cell_contents for c in (fn.__closure__ or ()))))
        self.local = {a.arg for a in node.args.args}
        for a in node.args.args:
            if a.arg in ("math", "np") or a.arg.startswith("_") or a.arg.endswith("_"):
                _fail(what, f"its argument {a.arg!r} is a name the kernel reserves (names "
                            "starting or ending with '_', math, np); rename it")
        for n in ast.walk(node):
            if isinstance(n, ast.Name) and isinstance(n.ctx, (ast.Store, ast.Del)):
                self.local.add(n.id)
            if isinstance(n, ast.Name) and n.id in self.local and n.id != "_" and (
                    n.id in ("math", "np") or n.id.startswith("_") or n.id.endswith("_")):
                _fail(what, f"uses the local name {n.id!r}, which the kernel reserves (names "
                            "starting or ending with '_', math, np); rename it")
            if isinstance(n, _NOT_ALLOWED) and n is not node:
                _fail(what, f"uses {type(n).__name__} (line {getattr(n, 'lineno', '?')}), which "
                            "cannot be compiled into a rate function; use arithmetic, if/else, "
                            "math functions and calls of other such functions")

    def _value(self, name):
        if name in self.closure:
            return self.closure[name]
        if name in self.fn.__globals__:
            return self.fn.__globals__[name]
        if name in _BUILTINS:
            return getattr(builtins, name)
        _fail(self.what, f"uses the name {name!r}, which is not defined where the function "
                         "was made")

    def _literal(self, label, val):
        """AST for the value ``val`` of ``label`` (a name or attribute chain)."""
        if isinstance(val, (bool, np.bool_)):
            return ast.Constant(bool(val))
        if isinstance(val, numbers.Integral):
            return ast.Constant(int(val))
        if isinstance(val, numbers.Real):
            return ast.Constant(float(val))
        if isinstance(val, types.ModuleType) and id(val) in _MODULES:
            return ast.Name(_MODULES[id(val)], ast.Load())
        if val is math.exp or val is np.exp:
            return ast.Name("vexp_", ast.Load())
        for mod, alias in ((math, "math"), (np, "np")):
            name = getattr(val, "__name__", None)
            if name and getattr(mod, name, None) is val:
                return ast.Attribute(ast.Name(alias, ast.Load()), name, ast.Load())
        if getattr(builtins, label, None) is val and label in _BUILTINS:
            return ast.Name(label, ast.Load())
        if isinstance(val, types.FunctionType):
            return ast.Name(self.emit(val), ast.Load())
        _fail(self.what, f"uses {label!r}, a {type(val).__name__}, which cannot be compiled "
                         "into the kernel: rate functions may use numbers, math / numpy "
                         "functions and other Python functions of numbers")

    def visit_Name(self, node):
        if isinstance(node.ctx, ast.Load) and node.id not in self.local:
            return ast.copy_location(self._literal(node.id, self._value(node.id)), node)
        return node

    def visit_Attribute(self, node):
        # an attribute chain on a free name (math.exp, np.tanh, params.v_half, math.pi) is
        # evaluated now; on a local name it is left to numba
        chain, base = [], node
        while isinstance(base, ast.Attribute):
            chain.append(base.attr)
            base = base.value
        if not (isinstance(base, ast.Name) and base.id not in self.local
                and isinstance(node.ctx, ast.Load)):
            return self.generic_visit(node)
        val, label = self._value(base.id), base.id
        for attr in reversed(chain):
            try:
                val = getattr(val, attr)
            except AttributeError:
                _fail(self.what, f"uses {label}.{attr}, which does not exist")
            label = f"{label}.{attr}"
        return ast.copy_location(self._literal(label, val), node)


def rate_function_sources(fn, kernel_name: str, what: str, n_args: int = 1,
                          _emitted: dict | None = None) -> list[str]:
    """Source of ``fn`` rewritten as the stand-alone function ``kernel_name`` (see the
    module docstring), preceded by the Python functions it calls.

    Parameters
    ----------
    fn : callable
        A def, lambda or closure of ``n_args`` numbers.
    kernel_name : str
        Name of the function in the generated module (a kernel name: ends with '_').
    what : str
        How to name the function in errors, e.g. ``"rate 'alpha' of gate 'm' of channel
        'na'"``.

    Returns
    -------
    list of str
        Function definitions, helpers first.

    Raises
    ------
    ParameterError
        If the source cannot be read or uses something that cannot be compiled.
    """
    emitted = {} if _emitted is None else _emitted
    out: list[str] = []
    node = _function_node(fn, what)
    code = getattr(fn, "__code__", None)
    if code.co_argcount != n_args or code.co_kwonlyargcount or \
            code.co_flags & (inspect.CO_VARARGS | inspect.CO_VARKEYWORDS):
        _fail(what, f"must take exactly {n_args} positional argument"
                    f"{'s' if n_args != 1 else ''} ({'v in mV' if n_args == 1 else 'numbers'}), "
                    f"got the signature {inspect.signature(fn)}")

    def emit(helper):
        if id(helper) not in emitted:
            name = f"helper_{len(emitted)}_"
            emitted[id(helper)] = name
            out.extend(rate_function_sources(
                helper, name, f"{helper.__qualname__!r} (called by {what})",
                helper.__code__.co_argcount, emitted))
        return emitted[id(helper)]

    node = _Rewrite(fn, node, what, emit).visit(node)
    node.name = kernel_name
    node.returns = None
    for a in node.args.args:
        a.annotation = None
    ast.fix_missing_locations(node)
    out.append(ast.unparse(node))
    return out
