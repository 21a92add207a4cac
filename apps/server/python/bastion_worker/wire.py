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
        self._buf = bytearray()

    def _fill(self, need: int) -> bool:
        """Reads until `need` bytes are buffered (one recv usually brings a whole frame, often several)."""
        while len(self._buf) < need:
            chunk = self._sock.recv(max(65536, need - len(self._buf)))
            if not chunk:
                return False
            self._buf += chunk
        return True

    def read(self) -> Optional[Dict[str, Any]]:
        """The next message from the host, binary arguments as `bytes`; None once the host is gone."""
        if not self._fill(4):
            return None
        (length,) = _U32.unpack_from(self._buf, 0)
        if length < 4 or not self._fill(4 + length):
            return None
        body = bytes(self._buf[4 : 4 + length])
        del self._buf[: 4 + length]
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
