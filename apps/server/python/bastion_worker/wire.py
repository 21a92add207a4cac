"""The host's frame format (apps/server/src/sandbox/wire/frame.ts), worker side.

Every message is one frame: u32 LE length of the rest, u32 LE length of the JSON header, the header, then payloads
(a call's binary arguments, listed in the header's `bin`; a result's JSON text, its byte length in `text`).
"""
from __future__ import annotations

import json
import socket
import struct
import threading
from typing import Any, Dict, Optional

_U32 = struct.Struct("<I")
_TWO_U32 = struct.Struct("<II")


class Link:
    """The worker's end of the socket pair on fd 3. Sends are serialised: handlers may report from any thread."""

    def __init__(self, fd: int = 3) -> None:
        self._sock = socket.socket(fileno=fd)
        self._lock = threading.Lock()

    def _recv_exact(self, n: int) -> Optional[bytes]:
        buf = bytearray(n)
        view = memoryview(buf)
        got = 0
        while got < n:
            k = self._sock.recv_into(view[got:], n - got)
            if k == 0:
                return None
            got += k
        return bytes(buf)

    def read(self) -> Optional[Dict[str, Any]]:
        """The next message from the host, binary arguments as `bytes`; None once the host is gone."""
        prefix = self._recv_exact(4)
        if prefix is None:
            return None
        (length,) = _U32.unpack(prefix)
        body = self._recv_exact(length)
        if body is None or length < 4:
            return None
        (header_len,) = _U32.unpack_from(body, 0)
        msg = json.loads(body[4 : 4 + header_len].decode("utf-8"))
        bins = msg.pop("bin", None) if isinstance(msg, dict) else None
        if bins:
            at = 4 + header_len
            args = msg["args"]
            for name, size in bins:
                args[name] = body[at : at + size]
                at += size
        return msg

    def send(self, msg: Dict[str, Any], text: Optional[str] = None) -> None:
        """One message as one frame; `text` (a result's JSON) goes as a payload after the header."""
        payload = b""
        if text is not None:
            payload = text.encode("utf-8")
            msg = {**msg, "text": len(payload)}
        header = json.dumps(msg, separators=(",", ":"), allow_nan=False, ensure_ascii=False).encode("utf-8")
        frame = _TWO_U32.pack(4 + len(header) + len(payload), len(header)) + header + payload
        with self._lock:
            try:
                self._sock.sendall(frame)
            except OSError:
                pass  # the host is gone; its side reports why

    def close_write(self) -> None:
        with self._lock:
            try:
                self._sock.shutdown(socket.SHUT_WR)
            except OSError:
                pass
