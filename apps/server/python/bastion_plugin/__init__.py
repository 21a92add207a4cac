"""The Python plugin SDK that ships with the Bastion server (no PyPI needed).

A native Python plugin names an object in `[tool.bastion] entry = "package.module:PLUGIN"`::

    from bastion_plugin import InputError

    def greet(args, ctx):
        if not args["name"].strip():
            raise InputError("name is blank", details={"field": "name"})
        ctx.progress(50, "greeting")
        return {"text": f"hello {args['name']}"}

    PLUGIN = {
        "tools": {
            "greet": {
                "description": "Say hello",
                "input_schema": {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]},
                "handler": greet,
            }
        },
        # optional: "init": fn(ctx) -> state, "validate": fn(ctx), "dispose": fn(ctx)
    }
"""
from __future__ import annotations

import threading
from typing import Any, Callable, Mapping, Optional

__all__ = ["InputError", "Context"]


class InputError(ValueError):
    """Raise it when the caller's arguments are wrong: the call answers 400 INVALID_INPUT (not a TOOL_ERROR).

    `details` (plain JSON data) goes to the caller with the error::

        raise InputError("image is not a PNG", details={"field": "image"})
    """

    def __init__(self, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.details = details


class Context:
    """What a handler (and init/validate/dispose) receives as `ctx`.

    - `progress(pct, stage=None)`: 0-100, rate-limited; `log(*parts)`: a line in the server log
    - `cancelled`: True once the caller cancelled; `signal`: a threading.Event set at the same moment
    - `partial(result)`: an intermediate result (jobs and the stream show it)
    - `plugin_dir`, `config` (the operator's `plugins.<id>.options`), `state` (what init returned)
    """

    def __init__(
        self,
        plugin_dir: str,
        config: Mapping[str, Any],
        state: Any,
        log: Callable[..., None],
        progress: Optional[Callable[[Any, Any], None]] = None,
        partial: Optional[Callable[[Any], None]] = None,
        signal: Optional[threading.Event] = None,
    ) -> None:
        self.plugin_dir = plugin_dir
        self.config = config
        self.state = state
        self.log = log
        self.signal = signal if signal is not None else threading.Event()
        self._progress = progress
        self._partial = partial

    @property
    def cancelled(self) -> bool:
        return self.signal.is_set()

    def progress(self, pct: Any, stage: Any = None) -> None:
        if self._progress is not None:
            self._progress(pct, stage)

    def partial(self, result: Any) -> None:
        if self._partial is not None:
            self._partial(result)
