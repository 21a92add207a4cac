"""ForgeSyte's plugin base class: a `name`, a `tools` dict and `run_tool(tool_name, args)`.

Each tool entry holds `description`, `input_schema`, `output_schema` and a `handler` (a callable, or the name of
a method). The constructor checks that shape, as ForgeSyte's does, so a malformed plugin fails at load.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Dict


class BasePlugin(ABC):
    name: str
    tools: Dict[str, Dict[str, Any]]

    def __init__(self) -> None:
        self._check_contract()

    def _check_contract(self) -> None:
        cls = type(self).__name__
        if not isinstance(getattr(self, "name", None), str):
            raise ValueError(f"{cls} must define a string attribute `name`")
        tools = getattr(self, "tools", None)
        if not isinstance(tools, dict):
            raise ValueError(f"{cls} must define a dict attribute `tools`")
        for tool, meta in tools.items():
            where = f"tool '{tool}' of plugin '{self.name}'"
            if not isinstance(meta, dict):
                raise ValueError(f"{where} must be a dict of metadata")
            handler = meta.get("handler")
            if isinstance(handler, str):
                handler = getattr(self, handler, None)
                if handler is None:
                    raise ValueError(f"{where} names a method '{meta.get('handler')}' the plugin does not have")
            if not callable(handler):
                raise ValueError(f"{where} must define a callable 'handler'")
            if not isinstance(meta.get("description"), str):
                raise ValueError(f"{where} must define a string 'description'")
            for key in ("input_schema", "output_schema"):
                if not isinstance(meta.get(key), dict):
                    raise ValueError(f"{where} must define a dict '{key}'")

    @abstractmethod
    def run_tool(self, tool_name: str, args: Dict[str, Any]) -> Any:
        """Runs one tool; returns JSON data (or a model Bastion turns into JSON)."""

    def validate(self) -> None:  # noqa: B027 - optional hook
        """Optional start-up check; raising makes the plugin FAILED (VALIDATION_ERROR)."""

    def on_load(self) -> None:  # noqa: B027 - optional hook
        """Called once when the plugin is loaded."""

    def on_unload(self) -> None:  # noqa: B027 - optional hook
        """Called when the plugin is stopped."""
