"""Per-user flood control: past a rate, one polite word, then silence for a while."""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field
from enum import Enum


class Verdict(Enum):
    """What to do with a user's message."""

    ALLOW = "allow"
    WARN = "warn"  # over the limit just now: say so, once
    DROP = "drop"  # still over it: ignore


@dataclass
class _User:
    times: deque[float] = field(default_factory=deque)
    quiet_until: float = 0.0


@dataclass
class FloodGuard:
    """At most `limit` messages a user in `window` seconds; past that, `quiet` seconds ignored.

    Memory stays bounded: users silent for longer than the window and the quiet time are forgotten.
    """

    limit: int
    window: float = 60.0
    quiet: float = 60.0
    users: dict[int, _User] = field(default_factory=dict)
    _last_sweep: float = 0.0

    def check(self, user: int, now: float | None = None) -> Verdict:
        """Count one message of `user` and say whether to answer it."""
        if self.limit <= 0:
            return Verdict.ALLOW
        now = time.monotonic() if now is None else now
        self._sweep(now)
        state = self.users.setdefault(user, _User())
        if now < state.quiet_until:
            return Verdict.DROP
        while state.times and state.times[0] <= now - self.window:
            state.times.popleft()
        if len(state.times) >= self.limit:
            state.quiet_until = now + self.quiet
            state.times.clear()
            return Verdict.WARN
        state.times.append(now)
        return Verdict.ALLOW

    def _sweep(self, now: float) -> None:
        if now - self._last_sweep < self.window:
            return
        self._last_sweep = now
        horizon = now - self.window
        idle = [
            user
            for user, state in self.users.items()
            if state.quiet_until <= now and (not state.times or state.times[-1] <= horizon)
        ]
        for user in idle:
            del self.users[user]
