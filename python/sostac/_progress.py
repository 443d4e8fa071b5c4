"""A progress bar for the command line that stays silent on quick steps.

A step that finishes within ``delay`` seconds (1 s) prints nothing; a longer one
draws ``name [#####-----]  45%  2.3 s`` on the stream (standard error), redrawn in
place, and ends its line when the step is done. Steps of unknown length show the
elapsed time alone. Drawing is off when the stream is not a terminal, unless asked
for (``enabled=True``).
"""

from __future__ import annotations

import sys
import threading
import time
from contextlib import contextmanager
from typing import IO, Iterator, Optional


class Progress:
    """Progress of named steps on a stream.

    Parameters
    ----------
    stream : file-like
        Where to draw (default: ``sys.stderr``).
    enabled : bool, optional
        Draw at all; default: when ``stream`` is a terminal.
    delay : float
        Seconds a step must last before its bar appears (1.0).
    """

    def __init__(self, stream: Optional[IO[str]] = None, *, enabled: Optional[bool] = None,
                 delay: float = 1.0, width: int = 24) -> None:
        self.stream = stream if stream is not None else sys.stderr
        if enabled is None:
            isatty = getattr(self.stream, "isatty", None)
            enabled = bool(isatty and isatty())
        self.enabled = enabled
        self.delay = delay
        self.width = width
        self.timings: dict = {}

    @contextmanager
    def step(self, name: str) -> Iterator["_Step"]:
        """Time a step (recorded in :attr:`timings`) and draw its bar when it lasts
        longer than ``delay``. The step object's ``update(fraction)`` moves the bar."""
        s = _Step(self, name)
        if self.enabled:
            s.start_drawing()
        try:
            yield s
        finally:
            s.stop()
            self.timings[name] = self.timings.get(name, 0.0) + s.elapsed()


class _Step:
    def __init__(self, owner: Progress, name: str) -> None:
        self.owner, self.name = owner, name
        self.fraction: Optional[float] = None
        self.t0 = time.perf_counter()
        self.t1: Optional[float] = None
        self.drawn = False
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread: Optional[threading.Thread] = None

    def update(self, fraction: float) -> None:
        """The share of the step done, in [0, 1]."""
        self.fraction = min(max(float(fraction), 0.0), 1.0)

    def elapsed(self) -> float:
        return (self.t1 if self.t1 is not None else time.perf_counter()) - self.t0

    def start_drawing(self) -> None:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        if self._stop.wait(self.owner.delay):
            return
        while not self._stop.is_set():
            self._draw(final=False)
            self._stop.wait(0.1)

    def _draw(self, final: bool) -> None:
        with self._lock:
            w = self.owner.width
            if self.fraction is None and not final:
                bar = ""
            else:
                f = 1.0 if final else self.fraction
                done = int(round(f * w))
                bar = f" [{'#' * done}{'-' * (w - done)}] {100 * f:3.0f}%"
            end = "\n" if final else ""
            self.owner.stream.write(f"\r{self.name}{bar} {self.elapsed():6.1f} s{end}")
            self.owner.stream.flush()
            self.drawn = True

    def stop(self) -> None:
        self.t1 = time.perf_counter()
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            if self.drawn:
                self._draw(final=True)
