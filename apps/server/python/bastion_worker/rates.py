"""The worker's own limits on what a plugin makes it send: the same numbers as RUNTIME_RATES in @bastion/protocol
(a test holds them in step). The host drops frames over its soft rates and ends a worker past its hard ones, so an
honest worker stays below both."""
from __future__ import annotations

import time

LOG_LINES = 100  # per second, with a burst of as many
PROGRESS = 20
PARTIALS = 40


class TokenBucket:
    def __init__(self, capacity: float, per_second: float) -> None:
        self.capacity = capacity
        self.per_second = per_second
        self.tokens = capacity
        self.at = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.at) * self.per_second)
        self.at = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


class WorkerRates:
    def __init__(self) -> None:
        self._log = TokenBucket(LOG_LINES, LOG_LINES)
        self._progress = TokenBucket(PROGRESS, PROGRESS)
        self._partials = TokenBucket(PARTIALS, PARTIALS)
        self._suppressed = 0

    def log_line(self, line: str):
        """The line to send (with a note of lines dropped before it), or None to drop it."""
        if not self._log.take():
            self._suppressed += 1
            return None
        if self._suppressed == 0:
            return line
        note = f"({self._suppressed} plugin log lines dropped: over {LOG_LINES} a second) "
        self._suppressed = 0
        return note + line

    def progress(self) -> bool:
        return self._progress.take()

    def partial(self) -> bool:
        return self._partials.take()
