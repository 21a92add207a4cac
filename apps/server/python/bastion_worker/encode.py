"""Turns what a plugin hands back into JSON text for the host, or says why it cannot (the path of the first bad
value). Values JSON cannot hold are refused rather than silently changed: NaN/Infinity, bytes, sets, objects that
are not data. Values users expect to be data are converted: numpy arrays and scalars, pydantic models, dataclasses,
enums, dates (ISO text), tuples, int dict keys (as text, like json.dumps). Nothing here raises.
"""
from __future__ import annotations

import dataclasses
import datetime
import enum
import json
import math
import re
import traceback
from typing import Any, List, Tuple, Union

MAX_DEPTH = 200  # the host takes 256 levels (MAX_RESULT_DEPTH)
# The host takes 64 Ki UTF-16 units per text field; a code point is at most two.
MAX_TEXT_CHARS = 32 * 1024
_SAFE_INT = 2**53
_IDENT = re.compile(r"^[A-Za-z_$][\w$]*$")


class _Bad(Exception):
    def __init__(self, path: str, why: str) -> None:
        super().__init__(why)
        self.path = path
        self.why = why


def _key(path: str, key: str) -> str:
    return f"{path}.{key}" if _IDENT.match(key) else f"{path}[{json.dumps(key)}]"


def _is_numpy(v: Any) -> bool:
    return type(v).__module__ == "numpy" and hasattr(v, "dtype")


def _data(v: Any, path: str, depth: int, on_path: set, max_depth: int = MAX_DEPTH) -> Any:
    if v is None or isinstance(v, (str, bool)):
        return v
    if isinstance(v, int) and not isinstance(v, enum.Enum):
        if -_SAFE_INT <= v <= _SAFE_INT:
            return int(v)
        raise _Bad(path, f"the integer {v}, beyond 2**53 (JSON readers lose its precision; send it as a string)")
    if isinstance(v, float):
        if math.isfinite(v):
            return float(v)
        raise _Bad(path, f"{'NaN' if math.isnan(v) else 'Infinity' if v > 0 else '-Infinity'} (JSON has no such number)")
    if depth >= max_depth:
        raise _Bad(path, f"nested deeper than {max_depth} levels")
    if isinstance(v, (bytes, bytearray, memoryview)):
        raise _Bad(path, "binary data (bytes; encode it as base64 text or a list of numbers)")
    if isinstance(v, (set, frozenset)):
        raise _Bad(path, "a set (JSON has no sets; use a list)")
    if isinstance(v, enum.Enum):
        return _data(v.value, path, depth + 1, on_path, max_depth)
    if isinstance(v, (datetime.datetime, datetime.date, datetime.time)):
        return v.isoformat()
    if _is_numpy(v):
        # ndarray.tolist() and numpy scalars' item() give Python values; NaN inside is then caught with its index.
        return _data(v.tolist() if hasattr(v, "shape") and v.shape != () else v.item(), path, depth + 1, on_path, max_depth)
    marker = id(v)
    if marker in on_path:
        raise _Bad(path, "a reference to one of its own containers (a cycle)")
    on_path.add(marker)
    try:
        if isinstance(v, dict):
            out = {}
            for k, item in v.items():
                if isinstance(k, bool) or not isinstance(k, (str, int)):
                    raise _Bad(path, f"a dict with a key of type {type(k).__name__} ({k!r}); JSON keys are text")
                ks = str(k)
                out[ks] = _data(item, _key(path, ks), depth + 1, on_path, max_depth)
            return out
        if isinstance(v, (list, tuple)):
            return [_data(item, f"{path}[{i}]", depth + 1, on_path, max_depth) for i, item in enumerate(v)]
        if dataclasses.is_dataclass(v) and not isinstance(v, type):
            return {
                f.name: _data(getattr(v, f.name), _key(path, f.name), depth + 1, on_path, max_depth)
                for f in dataclasses.fields(v)
            }
        dump = getattr(type(v), "model_dump", None)  # pydantic 2
        if callable(dump):
            return _data(v.model_dump(), path, depth + 1, on_path, max_depth)
        if hasattr(type(v), "__fields__") and callable(getattr(v, "dict", None)):  # pydantic 1
            return _data(v.dict(), path, depth + 1, on_path, max_depth)
        raise _Bad(path, f"an object of type {type(v).__name__} (not JSON data; return dicts, lists and numbers)")
    finally:
        on_path.discard(marker)


Encoded = Union[Tuple[str, None], Tuple[None, str]]


def encode_result(value: Any, max_bytes: int, max_depth: int = MAX_DEPTH) -> Encoded:
    """(json, None) or (None, why): the JSON text of a result, or why it cannot be sent."""
    try:
        data = _data(value, "result", 0, set(), max_depth)
        text = json.dumps(data, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except _Bad as bad:
        return None, f"result is not JSON: {bad.path} is {bad.why}"
    except RecursionError:
        return None, f"result is not JSON: nested deeper than {max_depth} levels"
    except MemoryError:
        raise
    except BaseException as err:  # a property or model_dump() that raises
        return None, f"result could not be serialised: reading it threw: {describe(err)[0]}"
    size = len(text.encode("utf-8"))
    if size > max_bytes:
        return None, f"result is {size} bytes, over the {max_bytes}-byte limit"
    return text, None


def clip(text: str, limit: int = MAX_TEXT_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def describe(err: BaseException) -> Tuple[str, str]:
    """(message, traceback) of an exception: the message names its type (`ValueError: bad`). Never raises."""
    try:
        text = str(err)
    except BaseException:
        text = ""
    try:
        name = type(err).__name__
    except BaseException:
        name = "Exception"
    message = f"{name}: {text}" if text else name
    try:
        stack = "".join(traceback.format_exception(type(err), err, err.__traceback__))
    except BaseException:
        stack = message
    return clip(message), clip(stack)


def format_log(parts: List[Any]) -> str:
    out = []
    for p in parts:
        try:
            out.append(p if isinstance(p, str) else repr(p))
        except BaseException:
            out.append("[unprintable value]")
    return clip(" ".join(out))
