"""Loads a plugin's entry object and gives the worker one shape for both kinds: native Bastion plugins
(`PLUGIN` with tools/init/validate/dispose) and ForgeSyte plugins (a BasePlugin class: `tools`, `run_tool`,
`validate`, `on_load`/`on_unload`)."""
from __future__ import annotations

import importlib
import inspect
import os
import sys
from typing import Any, Callable, Dict, List, Optional


class LoadError(Exception):
    """Why a plugin cannot be loaded, with the load_error code the host expects."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def _get(obj: Any, name: str, default: Any = None) -> Any:
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


BINARY = {"type": "string", "contentEncoding": "base64"}


def _binary_props(schema: Dict[str, Any]) -> Dict[str, Any]:
    """ForgeSyte marks byte inputs `format: binary` (pydantic's `bytes`) or `type: bytes`: Bastion's binary input."""
    props = schema.get("properties")
    if not isinstance(props, dict):
        return schema
    out = dict(props)
    for name, prop in props.items():
        if isinstance(prop, dict) and (prop.get("format") == "binary" or prop.get("type") == "bytes"):
            out[name] = {**{k: v for k, v in prop.items() if k not in ("type", "format")}, **BINARY}
    return {**schema, "properties": out}


def forgesyte_schema(schema: Any) -> Dict[str, Any]:
    """A ForgeSyte tool schema as JSON Schema: some plugins give only the properties map (`{"video_path": {...}}`)."""
    if not isinstance(schema, dict) or not schema:
        return {"type": "object"}
    keywords = {"type", "properties", "$ref", "$defs", "definitions", "allOf", "anyOf", "oneOf", "required", "title"}
    if not keywords.intersection(schema) and all(isinstance(v, dict) for v in schema.values()):
        schema = {"type": "object", "properties": schema}
    return _binary_props(schema)


class Tool:
    def __init__(self, name: str, description: str, input_schema: Any, output_schema: Any, call: Callable) -> None:
        self.name = name
        self.description = description
        self.input_schema = input_schema
        self.output_schema = output_schema
        # call(args, ctx, progress_callback)
        self.call = call


class LoadedPlugin:
    """What the worker drives: init/validate/dispose hooks and the tools."""

    def __init__(self) -> None:
        self.tools: Dict[str, Tool] = {}
        self.init: Optional[Callable[[Any], Any]] = None
        self.validate: Optional[Callable[[Any], Any]] = None
        self.dispose: Optional[Callable[[Any], Any]] = None
        # Tools are read after init(): a ForgeSyte plugin may fill its tools dict in __init__.
        self.read_tools: Callable[[], Dict[str, Tool]] = lambda: self.tools


def import_entry(entry: str, plugin_dir: str) -> Any:
    """`package.module:NAME` from the plugin folder (or its `src/`, the src layout)."""
    module_name, _, attr = entry.partition(":")
    for root in (os.path.join(plugin_dir, "src"), plugin_dir):
        if os.path.isdir(root) and root not in sys.path:
            sys.path.insert(0, root)
    module = importlib.import_module(module_name)
    if not attr:
        raise LoadError("IMPORT_ERROR", f"entry '{entry}' must be 'module:NAME'")
    try:
        return getattr(module, attr)
    except AttributeError:
        raise LoadError("IMPORT_ERROR", f"module '{module_name}' has no '{attr}' (the entry names '{entry}')") from None


def _accepts(fn: Any, param: str) -> bool:
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    return param in params or any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())


def native(obj: Any) -> LoadedPlugin:
    tools = _get(obj, "tools")
    if not isinstance(tools, dict):
        raise LoadError(
            "IMPORT_ERROR",
            "the entry must name an object with tools = {<name>: {description, input_schema, handler}}",
        )
    plugin = LoadedPlugin()
    for name, t in tools.items():
        handler = _get(t, "handler")
        schema = _get(t, "input_schema")
        if not callable(handler) or not isinstance(schema, dict):
            raise LoadError("IMPORT_ERROR", f"tool '{name}' needs a callable handler and an input_schema dict")
        plugin.tools[str(name)] = Tool(
            str(name),
            str(_get(t, "description", "") or ""),
            schema,
            _get(t, "output_schema"),
            (lambda h: lambda args, ctx, _progress: h(args, ctx))(handler),
        )
    plugin.init = _get(obj, "init")
    plugin.validate = _get(obj, "validate")
    plugin.dispose = _get(obj, "dispose")
    return plugin


def is_forgesyte(obj: Any) -> bool:
    return inspect.isclass(obj)


def forgesyte(cls: Any) -> LoadedPlugin:
    """A ForgeSyte BasePlugin class: instantiated at init, on_load() then, validate() as the validate step."""
    plugin = LoadedPlugin()
    holder: Dict[str, Any] = {}

    def init(_ctx: Any) -> Any:
        instance = cls()
        holder["instance"] = instance
        on_load = getattr(instance, "on_load", None)
        if callable(on_load):
            on_load()
        return None

    def validate(_ctx: Any) -> Any:
        check = getattr(holder["instance"], "validate", None)
        if callable(check):
            check()

    def dispose(_ctx: Any) -> Any:
        instance = holder.get("instance")
        on_unload = getattr(instance, "on_unload", None)
        if callable(on_unload):
            on_unload()

    def read_tools() -> Dict[str, Tool]:
        instance = holder["instance"]
        tools = getattr(instance, "tools", None)
        if not isinstance(tools, dict) and callable(getattr(instance, "analyze", None)):
            return _legacy_tools(instance)
        if not isinstance(tools, dict):
            raise LoadError(
                "IMPORT_ERROR",
                f"{cls.__name__} is not a ForgeSyte plugin: it has neither a `tools` dict nor an analyze() method",
            )
        out: Dict[str, Tool] = {}
        for name, meta in tools.items():
            meta = meta if isinstance(meta, dict) else {}
            handler = meta.get("handler")
            if isinstance(handler, str):
                handler = getattr(instance, handler, None)
            run_tool = getattr(instance, "run_tool", None)
            if not callable(run_tool) and not callable(handler):
                raise LoadError("IMPORT_ERROR", f"tool '{name}': no run_tool() and no callable handler")
            wants_progress = callable(handler) and _accepts(handler, "progress_callback")
            out[str(name)] = Tool(
                str(name),
                str(meta.get("description", "") or ""),
                forgesyte_schema(meta.get("input_schema")),
                forgesyte_schema(meta.get("output_schema")) if meta.get("output_schema") else None,
                _forgesyte_call(str(name), run_tool, handler, wants_progress),
            )
        return out

    plugin.init = init
    plugin.validate = validate
    plugin.dispose = dispose
    plugin.read_tools = read_tools
    return plugin


def _legacy_tools(instance: Any) -> Dict[str, Tool]:
    """ForgeSyte's older plugin form: `analyze(image_bytes, options)` and no tools dict; one tool, `analyze`."""
    description = getattr(instance, "description", None)
    schema = {
        "type": "object",
        "properties": {"image_bytes": dict(BINARY), "options": {"type": "object"}},
        "required": ["image_bytes"],
    }

    def call(args: Dict[str, Any], _ctx: Any, _progress: Any) -> Any:
        return instance.analyze(args["image_bytes"], args.get("options"))

    text = description if isinstance(description, str) else f"analyze() of {type(instance).__name__}"
    return {"analyze": Tool("analyze", text, schema, None, call)}


def _forgesyte_call(name: str, run_tool: Any, handler: Any, wants_progress: bool) -> Callable:
    def call(args: Dict[str, Any], _ctx: Any, progress: Callable[[Any, Any], None]) -> Any:
        if wants_progress:
            args = {**args, "progress_callback": progress}
        if callable(run_tool):
            return run_tool(name, args)
        return handler(**args)

    return call


def load(entry: str, plugin_dir: str) -> LoadedPlugin:
    obj = import_entry(entry, plugin_dir)
    return forgesyte(obj) if is_forgesyte(obj) else native(obj)


def tool_infos(tools: Dict[str, Tool]) -> List[Dict[str, Any]]:
    """The `ready` message's tools: names, descriptions and schemas, as plain JSON data."""
    import json

    out = []
    for t in tools.values():
        try:
            schemas = json.loads(json.dumps([t.input_schema, t.output_schema], allow_nan=False))
        except (TypeError, ValueError) as err:
            raise LoadError("IMPORT_ERROR", f"tool '{t.name}': schemas must be plain JSON: {err}") from None
        out.append(
            {"name": t.name, "description": t.description, "inputSchema": schemas[0], "outputSchema": schemas[1]}
        )
    return out
