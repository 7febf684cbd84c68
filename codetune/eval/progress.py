"""Live progress of batched generation: samples done, tokens/s and an ETA, updated every step.

A terminal gets a rich bar refreshed several times a second; otherwise (CI logs, ``nohup``) a plain
INFO line is logged every ``log_every_s`` seconds by a timer thread -- also while one long forward
pass (a batch's prefill) runs. The lines go to the run's ``run.log`` in both cases.
"""

from __future__ import annotations

import threading
import time

from codetune.console import console, is_quiet, log, progress


def _clock(seconds: float) -> str:
    seconds = max(int(seconds), 0)
    return f"{seconds // 3600:d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


class GenerationProgress:
    """Counts rows and tokens as ``generate`` runs; ``step`` is called once per decoding step."""

    def __init__(self, total: int, max_new_tokens: int, log_every_s: float = 20.0,
                 terminal: bool | None = None) -> None:
        self.total, self.max_new_tokens, self.log_every_s = total, max_new_tokens, log_every_s
        self.terminal = console.is_terminal if terminal is None else terminal
        self.done = 0  # rows of finished batches
        self.tokens = 0  # new tokens of live rows, all batches
        self.batch_rows = self.batch_done = self.batch_steps = 0
        self.start = time.perf_counter()
        self._bar = None
        self._task = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> GenerationProgress:
        if self.terminal and not is_quiet():
            self._bar = progress()
            self._bar.__enter__()
            self._task = self._bar.add_task("generating", total=self.total)
        self.start = time.perf_counter()
        if self.log_every_s > 0:
            self._thread = threading.Thread(target=self._log_periodically, daemon=True,
                                            name="generation-progress")
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if self._bar is not None:
            self._bar.__exit__(*exc)
        if exc[0] is None:
            self._log_line()

    def start_batch(self, rows: int) -> None:
        self.batch_rows, self.batch_done, self.batch_steps = rows, 0, 0

    def step(self, live_rows: int, finished_rows: int) -> None:
        """One decoding step produced a token for ``live_rows`` rows; ``finished_rows`` of this
        batch are done (stop sequence or end token)."""
        self.tokens += live_rows
        self.batch_steps += 1
        self.batch_done = finished_rows
        self._update()

    def end_batch(self) -> None:
        self.done += self.batch_rows
        self.batch_rows = self.batch_done = self.batch_steps = 0
        self._update()

    def fraction(self) -> float:
        """Finished rows plus each live row's share of its token budget, over all rows."""
        live = self.batch_rows - self.batch_done
        partial = live * min(1.0, self.batch_steps / max(self.max_new_tokens, 1))
        return min(1.0, (self.done + self.batch_done + partial) / max(self.total, 1))

    def line(self) -> str:
        elapsed = time.perf_counter() - self.start
        frac = self.fraction()
        eta = _clock(elapsed * (1 - frac) / frac) if frac > 0 else "?"
        return (f"generating: {self.done + self.batch_done}/{self.total} samples, "
                f"{self.tokens} tokens, {self.tokens / max(elapsed, 1e-9):.1f} tok/s, "
                f"elapsed {_clock(elapsed)}, ETA {eta}")

    def _update(self) -> None:
        if self._bar is not None:
            elapsed = time.perf_counter() - self.start
            self._bar.update(self._task, completed=self.done + self.batch_done,
                             description=f"generating ({self.tokens / max(elapsed, 1e-9):.0f} "
                                         "tok/s)")
        if self.log_every_s <= 0:  # every step (tests, debugging)
            self._log_line()

    def _log_periodically(self) -> None:
        while not self._stop.wait(self.log_every_s):
            self._log_line()

    def _log_line(self) -> None:
        # In a terminal the bar shows it: the line only goes to the log file (DEBUG).
        log.log(10 if self._bar is not None else 20, "%s", self.line())
