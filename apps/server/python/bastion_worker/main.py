"""Worker main loop: the only place Python plugin code runs. One call at a time, in the order the host sent them;
a reader thread takes frames off fd 3 meanwhile, so a cancel reaches a running handler (as `ctx.signal`/
`ctx.cancelled`). Everything sent back is shaped exactly like the Node worker's messages
(apps/server/src/sandbox/messages.ts)."""
from __future__ import annotations

import asyncio
import collections
import faulthandler
import inspect
import json
import logging
import os
import sys
import threading
import time
from typing import Any, Deque, Dict, Optional

from bastion_plugin import Context

from . import plugin_def
from .encode import clip, describe, encode_result, format_log
from .rates import WorkerRates
from .wire import Link

MAX_DETAILS_BYTES = 64 * 1024
# Bounds of the protocol (packages/protocol/src/worker-limits.ts): the host refuses what breaks them.
MAX_DETAILS_DEPTH = 30  # the host takes 32 (MAX_DETAILS_DEPTH)
MAX_STAGE_CHARS = 100  # the host takes 200 UTF-16 units
MAX_TOOLS = 256
MAX_TOOL_NAME = 128
OUT_OF_MEMORY_EXIT = 86


class _Call:
    def __init__(self, msg: Dict[str, Any]) -> None:
        self.id: int = msg["id"]
        self.tool: str = msg["tool"]
        self.args: Dict[str, Any] = msg["args"]
        self.signal = threading.Event()
        self.last_pct = -1.0
        # A traced call (it came with a traceparent) reports when it ran: the host builds the worker's span from it.
        self.started_at: Optional[float] = time.time() * 1000 if msg.get("traceparent") is not None else None


class Worker:
    def __init__(self, link: Link) -> None:
        self.link = link
        self.inbox: Deque[Dict[str, Any]] = collections.deque()
        self.cond = threading.Condition()
        self.current: Optional[_Call] = None
        self.plugin: Optional[plugin_def.LoadedPlugin] = None
        self.tools: Dict[str, plugin_def.Tool] = {}
        self.plugin_dir = ""
        self.config: Dict[str, Any] = {}
        self.state: Any = None
        self.max_result = 16 * 1024 * 1024
        self.rates = WorkerRates()

    # ---- host messages (reader thread) ----

    def read_forever(self) -> None:
        while True:
            try:
                msg = self.link.read()
            except Exception as err:  # the host broke the format: a host bug, nothing to recover
                sys.stderr.write(f"bastion worker: the host broke the IPC protocol ({err})\n")
                os._exit(70)
            if msg is None:
                os._exit(0)  # the host is gone
            kind = msg.get("type")
            with self.cond:
                if kind == "cancel":
                    self._cancel(msg["id"])
                    continue
                self.inbox.append(msg)
                self.cond.notify()

    def _cancel(self, call_id: int) -> None:
        if self.current is not None and self.current.id == call_id:
            self.current.signal.set()
            return
        for msg in self.inbox:
            if msg.get("type") == "call" and msg.get("id") == call_id:
                self.inbox.remove(msg)
                self.link.send(
                    {"type": "error", "id": call_id, "code": "TOOL_ERROR", "message": "cancelled before it started"}
                )
                return

    # ---- main thread ----

    def run(self) -> None:
        while True:
            with self.cond:
                while not self.inbox:
                    self.cond.wait()
                msg = self.inbox.popleft()
                if msg.get("type") == "call":
                    self.current = _Call(msg)
            kind = msg.get("type")
            if kind == "load":
                self.load(msg)
            elif kind == "call":
                self.call()
            elif kind == "dispose":
                self.dispose()

    def log(self, *parts: Any) -> None:
        line = self.rates.log_line(format_log(list(parts)))
        if line is not None:
            self.link.send({"type": "log", "line": clip(line)})

    def _context(self, call: Optional[_Call] = None) -> Context:
        if call is None:
            return Context(self.plugin_dir, self.config, self.state, self.log)
        return Context(
            self.plugin_dir,
            self.config,
            self.state,
            self.log,
            progress=lambda pct, stage=None: self._progress(call, pct, stage),
            partial=lambda result: self._partial(call, result),
            signal=call.signal,
        )

    def load(self, msg: Dict[str, Any]) -> None:
        self.plugin_dir = msg["pluginDir"]
        self.config = dict(msg.get("config") or {})
        self.max_result = msg["maxResultBytes"]
        os.chdir(self.plugin_dir)
        try:
            plugin = plugin_def.load(msg["entry"], self.plugin_dir)
        except MemoryError:
            _out_of_memory()
        except plugin_def.LoadError as err:
            self.link.send({"type": "load_error", "code": err.code, "message": str(err)})
            return
        except BaseException as err:  # SystemExit at import included: contained, reported
            message, stack = describe(err)
            self.link.send({"type": "load_error", "code": "IMPORT_ERROR", "message": message, "stack": stack})
            return
        for step, code in (("init", "INIT_ERROR"), ("validate", "VALIDATION_ERROR")):
            hook = getattr(plugin, step)
            if hook is None:
                continue
            try:
                value = _settle(hook(self._context()))
                if step == "init":
                    self.state = value
            except MemoryError:
                _out_of_memory()
            except BaseException as err:
                message, stack = describe(err)
                self.link.send({"type": "load_error", "code": code, "message": message, "stack": stack})
                return
        try:
            self.tools = plugin.read_tools()
            if len(self.tools) > MAX_TOOLS:
                raise plugin_def.LoadError("IMPORT_ERROR", f"{len(self.tools)} tools; a plugin may declare {MAX_TOOLS}")
            for name in self.tools:
                if not 0 < len(name) <= MAX_TOOL_NAME:
                    raise plugin_def.LoadError("IMPORT_ERROR", f"tool name {name[:40]!r}… must be 1-{MAX_TOOL_NAME} characters")
            infos = plugin_def.tool_infos(self.tools)
        except plugin_def.LoadError as err:
            self.link.send({"type": "load_error", "code": err.code, "message": str(err)})
            return
        except BaseException as err:
            message, stack = describe(err)
            self.link.send({"type": "load_error", "code": "IMPORT_ERROR", "message": message, "stack": stack})
            return
        self.plugin = plugin
        self.link.send({"type": "ready", "tools": infos})

    def _progress(self, call: _Call, pct: Any, stage: Any) -> None:
        try:
            n = float(pct)
        except (TypeError, ValueError):
            n = 0.0
        clamped = max(0.0, min(100.0, n if n == n and n not in (float("inf"), float("-inf")) else 0.0))
        if self.current is not call or (clamped == call.last_pct and stage is None):
            return
        if not self.rates.progress():
            return
        call.last_pct = clamped
        value = int(clamped) if clamped.is_integer() else clamped
        label = clip(stage, MAX_STAGE_CHARS) if isinstance(stage, str) else None
        self.link.send({"type": "progress", "id": call.id, "pct": value, "stage": label})

    def _partial(self, call: _Call, result: Any) -> None:
        if self.current is not call or not self.rates.partial():
            return
        text, why = encode_result(result, self.max_result)
        if text is not None:
            self.link.send({"type": "partial", "id": call.id}, text)
        else:
            self.link.send({"type": "log", "line": f"partial result dropped: {why}"})

    def call(self) -> None:
        call = self.current
        assert call is not None
        tool = self.tools.get(call.tool) if self.plugin is not None else None
        if tool is None:
            self._answer({"type": "error", "id": call.id, "code": "TOOL_ERROR", "message": f"tool '{call.tool}' is not loaded"})
            return
        ctx = self._context(call)

        def progress_callback(current: Any, total: Any = None) -> None:
            # ForgeSyte's progress_callback(current, total)
            try:
                pct = 100.0 * float(current) / float(total) if total else float(current)
            except (TypeError, ValueError, ZeroDivisionError):
                pct = 0.0
            ctx.progress(pct)

        try:
            result = _settle(tool.call(call.args, ctx, progress_callback))
        except MemoryError:
            _out_of_memory()
        except BaseException as err:  # SystemExit and KeyboardInterrupt included: the call fails, the worker stays
            self._answer(self._failure(call.id, err))
            return
        text, why = encode_result(result, self.max_result)
        if text is not None:
            self._answer({"type": "result", "id": call.id}, text)
        else:
            self._answer({"type": "error", "id": call.id, "code": "INVALID_OUTPUT", "message": why})

    def _failure(self, call_id: int, err: BaseException) -> Dict[str, Any]:
        message, stack = describe(err)
        if type(err).__name__ == "InputError":
            msg: Dict[str, Any] = {
                "type": "error",
                "id": call_id,
                "code": "INVALID_INPUT",
                "message": _plain_message(err) or message,
            }
            details = getattr(err, "details", None)
            if details is not None:
                text, _ = encode_result(details, MAX_DETAILS_BYTES, MAX_DETAILS_DEPTH)
                if text is not None:
                    msg["detailsJson"] = text
            return msg
        return {"type": "error", "id": call_id, "code": "TOOL_ERROR", "message": message, "stack": stack}

    def _answer(self, msg: Dict[str, Any], text: Optional[str] = None) -> None:
        with self.cond:
            call = self.current
            self.current = None
        if call is not None and call.started_at is not None and call.id == msg.get("id"):
            msg["startedAt"] = call.started_at
            msg["finishedAt"] = time.time() * 1000
        self.link.send(msg, text)

    def dispose(self) -> None:
        hook = self.plugin.dispose if self.plugin is not None else None
        if hook is not None:
            try:
                _settle(hook(self._context()))
            except BaseException as err:
                self.link.send({"type": "log", "line": f"dispose() failed: {describe(err)[0]}"})
        self.link.send({"type": "disposed"})
        self.link.close_write()
        sys.stdout.flush()
        os._exit(0)


def _plain_message(err: BaseException) -> str:
    try:
        return str(err)
    except BaseException:
        return ""


def _settle(value: Any) -> Any:
    """Runs a coroutine an async hook or handler returned."""
    if inspect.iscoroutine(value):
        return asyncio.run(value)
    return value


def _out_of_memory() -> None:
    # Like V8's heap OOM in the Node worker: the worker ends and the host reports PLUGIN_MEMORY_LIMIT.
    try:
        os.write(2, b"bastion worker: out of memory (MemoryError)\n")
    finally:
        os._exit(OUT_OF_MEMORY_EXIT)


def main() -> None:
    # A segfault or abort prints every thread's Python stack to stderr, which the host relays to its log.
    faulthandler.enable(file=sys.stderr, all_threads=True)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    try:
        link = Link(3)
    except OSError:
        sys.stderr.write("bastion worker: fd 3 is not the socket to the host; workers are started by the Bastion host\n")
        sys.exit(70)
    worker = Worker(link)
    reader = threading.Thread(target=worker.read_forever, name="bastion-host-link", daemon=True)
    reader.start()
    worker.run()


if __name__ == "__main__":
    main()
