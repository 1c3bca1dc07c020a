"""Tools the app offers out of the box: a calculator, the current time, reading a text file.

Reading a file always asks the user first: approving the call is how the user picks the file.
"""

from __future__ import annotations

import ast
import datetime as dt
import math
import operator
from pathlib import Path
from typing import Any

from threadline.runner import FunctionTool, function_tool

_OPS: dict[type, Any] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
    ast.USub: operator.neg,
    ast.UAdd: operator.pos,
}
_FUNCS = {
    name: getattr(math, name)
    for name in ("sqrt", "sin", "cos", "tan", "log", "log10", "exp", "floor", "ceil", "fabs")
}
_CONSTS = {"pi": math.pi, "e": math.e}
MAX_FILE_BYTES = 200_000


def _eval(node: ast.AST) -> float:
    if isinstance(node, ast.Expression):
        return _eval(node.body)
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        return node.value
    if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
        left, right = _eval(node.left), _eval(node.right)
        if isinstance(node.op, ast.Pow) and abs(right) > 1000:
            raise ValueError("exponent too large")
        return float(_OPS[type(node.op)](left, right))
    if isinstance(node, ast.UnaryOp) and type(node.op) in _OPS:
        return float(_OPS[type(node.op)](_eval(node.operand)))
    if isinstance(node, ast.Name) and node.id in _CONSTS:
        return _CONSTS[node.id]
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in _FUNCS
        and len(node.args) == 1
    ):
        return float(_FUNCS[node.func.id](_eval(node.args[0])))
    raise ValueError(f"unsupported expression element: {ast.dump(node)[:60]}")


@function_tool
def calculator(expression: str) -> str:
    """Evaluates an arithmetic expression exactly as written.

    Args:
        expression: arithmetic such as "2 * (3 + 4) / sqrt(2)"; + - * / // % **, pi, e,
            sqrt, sin, cos, tan, log, log10, exp, floor, ceil, fabs.
    """
    value = _eval(ast.parse(expression, mode="eval"))
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)


@function_tool
def current_time(timezone_offset_hours: float = 0.0) -> str:
    """The current date and time.

    Args:
        timezone_offset_hours: offset from UTC in hours (for example 1 or -5.5).
    """
    zone = dt.timezone(dt.timedelta(hours=timezone_offset_hours))
    return dt.datetime.now(zone).isoformat(timespec="seconds")


@function_tool(needs_approval=True)
def read_text_file(path: str) -> str:
    """Reads a text file from the user's computer (the user approves each read).

    Args:
        path: the full path of the file.
    """
    target = Path(path).expanduser()
    with target.open("rb") as handle:
        data = handle.read(MAX_FILE_BYTES + 1)
    text = data[:MAX_FILE_BYTES].decode("utf-8", errors="replace")
    if len(data) > MAX_FILE_BYTES:
        text += f"\n[truncated after {MAX_FILE_BYTES} bytes]"
    return text


def builtin_tools() -> list[FunctionTool]:
    """The tools every new assistant has."""
    return [calculator, current_time, read_text_file]
