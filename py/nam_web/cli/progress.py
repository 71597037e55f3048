"""A dependency-free progress bar for long CLI jobs (stderr, only on a terminal)."""

from __future__ import annotations

import sys
import time


class Progress:
    """``with Progress(total, "rendering") as p: p.update(n)`` draws ``[#####     ] 50% 1.2 s``."""

    def __init__(self, total: int, label: str, *, enabled: bool | None = None, width: int = 30) -> None:
        self.total = max(int(total), 1)
        self.label = label
        self.width = width
        self.done = 0
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self._start = time.perf_counter()
        self._last_draw = 0.0

    def __enter__(self) -> Progress:
        return self

    def update(self, n: int) -> None:
        self.done = min(self.done + n, self.total)
        now = time.perf_counter()
        if self.enabled and (now - self._last_draw > 0.1 or self.done == self.total):
            self._last_draw = now
            frac = self.done / self.total
            bar = "#" * int(frac * self.width)
            sys.stderr.write(f"\r{self.label} [{bar:<{self.width}}] {frac:4.0%} {now - self._start:5.1f} s")
            sys.stderr.flush()

    def __exit__(self, *exc: object) -> None:
        if self.enabled:
            sys.stderr.write("\n")
