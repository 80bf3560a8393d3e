"""The one expression language of configurations and scans: arithmetic over named parameters.

An expression is a Python-syntax string with numbers, names, ``+ - * / **``, unary ``+ -`` and
the functions ``sqrt exp log log10 abs`` (one argument) and ``minimum maximum hypot`` (two
arguments), evaluated with :mod:`jax.numpy` (so it is jit/vmap/grad safe).  Examples:
``"-(M2 - 20)"``, ``"sqrt(mR**2 + mH**2)"``, ``"minimum(msl, mse)"``.  Anything else (attribute
access, conditionals, other calls, strings) is rejected with :class:`gm2jax.errors.InvalidInput`
naming where the expression came from (a TOML key path such as ``derived.M1``).

Example:
    >>> e = compile_expression("hypot(a, 3) - 2 * abs(b)", "derived.t")
    >>> sorted(e.names), float(e({"a": 4.0, "b": -0.5}))
    (['a', 'b'], 4.0)
"""

from __future__ import annotations

import ast
import dataclasses
import operator
from collections.abc import Iterable, Mapping

import jax.numpy as jnp

from gm2jax.errors import InvalidInput

__all__ = ["FUNCTIONS", "Expression", "compile_expression"]

FUNCTIONS = {
    "sqrt": (jnp.sqrt, 1),
    "exp": (jnp.exp, 1),
    "log": (jnp.log, 1),
    "log10": (jnp.log10, 1),
    "abs": (jnp.abs, 1),
    "minimum": (jnp.minimum, 2),
    "maximum": (jnp.maximum, 2),
    "hypot": (jnp.hypot, 2),
}
"""Allowed functions: name -> (jax.numpy function, number of arguments)."""

_BINOPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv, ast.Pow: operator.pow}
_UNARY = {ast.USub: operator.neg, ast.UAdd: operator.pos}
_ALLOWED = "numbers, names, + - * / ** and " + " ".join(FUNCTIONS)


@dataclasses.dataclass(frozen=True)
class Expression:
    """A validated expression (build with :func:`compile_expression`).

    Attributes:
        text: the source text (a number is kept as its ``repr``).
        names: the parameter names it reads (function names excluded).
    """

    text: str
    names: frozenset
    _tree: ast.AST = dataclasses.field(repr=False, compare=False)

    def __call__(self, env: Mapping):
        """The value with the names taken from ``env`` (a mapping name -> number or array)."""
        return _eval(self._tree, env)


def _eval(node, env):
    if isinstance(node, ast.Expression):
        return _eval(node.body, env)
    if isinstance(node, ast.Constant):
        return float(node.value)
    if isinstance(node, ast.Name):
        return env[node.id]
    if isinstance(node, ast.BinOp):
        return _BINOPS[type(node.op)](_eval(node.left, env), _eval(node.right, env))
    if isinstance(node, ast.UnaryOp):
        return _UNARY[type(node.op)](_eval(node.operand, env))
    fn, _ = FUNCTIONS[node.func.id]  # ast.Call (validated)
    return fn(*(_eval(a, env) for a in node.args))


def _check(node, text: str, where: str) -> None:
    """Raise InvalidInput if ``node`` is not part of the language."""
    if isinstance(node, (ast.Expression, ast.Name, ast.Load, ast.operator, ast.unaryop)):
        ok = not isinstance(node, ast.operator) or type(node) in _BINOPS
        ok = ok and (not isinstance(node, ast.unaryop) or type(node) in _UNARY)
    elif isinstance(node, ast.Call):
        spec = FUNCTIONS.get(node.func.id) if isinstance(node.func, ast.Name) else None
        if spec is not None and not node.keywords and len(node.args) != spec[1]:
            raise InvalidInput(f"{where}: {node.func.id} takes {spec[1]} argument(s) in {text!r}")
        ok = spec is not None and not node.keywords
    elif isinstance(node, ast.Constant):
        ok = isinstance(node.value, (int, float)) and not isinstance(node.value, bool)
    else:
        ok = isinstance(node, (ast.BinOp, ast.UnaryOp))
    if not ok:
        what = ast.unparse(node) if isinstance(node, ast.expr) else type(node).__name__
        raise InvalidInput(f"{where}: {what!r} is not allowed in {text!r}; use {_ALLOWED}")


def compile_expression(text, where: str, names: Iterable[str] | None = None) -> Expression:
    """Parse and validate an expression.

    Args:
        text: the expression string, or a number (a constant expression).
        where: where it came from, for messages (e.g. ``"derived.M1"``).
        names: the names it may use; None allows any name (the caller checks them).

    Returns:
        :class:`Expression`.

    Raises:
        InvalidInput: syntax error, a construct outside the language, a wrong number of
            function arguments, or a name not in ``names`` -- each message starts with ``where``.
    """
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        text = repr(float(text))
    if not isinstance(text, str):
        raise InvalidInput(f"{where}: expected a number or an expression string such as \"-(M2 - 20)\" (got {text!r})")
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as err:
        raise InvalidInput(f"{where}: cannot parse {text!r}: {err.msg}") from None
    for node in ast.walk(tree):
        _check(node, text, where)
    func_nodes = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and id(n) not in func_nodes}
    if names is not None:
        allowed = set(names)
        for n in sorted(used - allowed):
            raise InvalidInput(f"{where}: unknown name {n!r} in {text!r}; available: {sorted(allowed)}")
    return Expression(text=text, names=frozenset(used), _tree=tree)
