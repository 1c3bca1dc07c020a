"""Tools the app offers out of the box: a calculator, the current time, reading a text file."""

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


def make_read_file_tool(allowed: set[Path]) -> FunctionTool:
    """A tool that reads the text files the user picked (and only those)."""

    def read_text_file(path: str) -> str:
        """Reads a text file the user has shared with the assistant.

        Args:
            path: the full path of a file the user shared.
        """
        target = Path(path).expanduser().resolve()
        if target not in allowed:
            shared = ", ".join(str(p) for p in sorted(allowed)) or "none"
            raise PermissionError(f"the user has not shared {target}; shared files: {shared}")
        data = target.read_bytes()[:MAX_FILE_BYTES]
        return data.decode("utf-8", errors="replace")

    return FunctionTool(read_text_file)


def builtin_tools(shared_files: set[Path]) -> list[FunctionTool]:
    """The tools every new assistant has."""
    return [calculator, current_time, make_read_file_tool(shared_files)]
