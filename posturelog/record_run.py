"""One ``record`` run, from a connected sensor stream to the stored session.

:class:`RecordRun` holds the steps of a run that :func:`posturelog.live.run_record` puts in
order: the live session (engine, alert policy and channels, :mod:`posturelog.live_alerts`),
the rich status line (:class:`RecordStatus`: achieved rate, samples, gaps, battery, link, and
under it the live posture), the snooze keys, the flushing of the recorder at least every
second, the batches pumped from the stream into the recorder, and what the stream learnt
about the sensor for the session row.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass

from rich.console import Console
from rich.live import Live
from rich.text import Text

from posturelog.live_alerts import LiveSession, start_live_session
from posturelog.live_keys import SnoozeKeys, TerminalKeys
from posturelog.recorder import Recorder
from posturelog.store import Store
from sensor.batch import SourceInfo
from sensor.ble import SensorError, SensorStream

__all__ = ["LiveOptions", "RecordRun", "RecordStatus"]

_FLUSH_EVERY_S = 0.5


@dataclass(frozen=True)
class LiveOptions:
    """Live view switches of one ``record`` run."""

    enabled: bool = True
    alert_after_s: float | None = None
    #: how the sensor is worn (``--up-axis`` / ``[sensor] up_axis``), stored with the session
    up_axis: str = ""


class RecordStatus:
    """Live status: achieved rate over the last seconds, samples, gaps, battery."""

    def __init__(self, stream: SensorStream, started: float, live: LiveSession | None = None) -> None:
        self.stream = stream
        self.live = live
        self.started = started
        self.samples = 0
        self.gaps = 0
        self.window: deque[tuple[float, int]] = deque()

    def add(self, n: int, gap: bool) -> None:
        """Count ``n`` samples received (``gap``: a gap came before them)."""
        self.samples += n
        self.gaps += int(gap)
        now = time.monotonic()
        self.window.append((now, self.samples))
        while self.window and now - self.window[0][0] > 5.0:
            self.window.popleft()

    def rate(self) -> float:
        """Achieved rate over the last 5 s (samples/s; 0 before two batches)."""
        if len(self.window) < 2:
            return 0.0
        (t0, n0), (t1, n1) = self.window[0], self.window[-1]
        return (n1 - n0) / (t1 - t0) if t1 > t0 else 0.0

    def render(self) -> Text:
        """The status line, and under it the live posture and key hint when there are."""
        stats = self.stream.stats
        info = self.stream.info
        elapsed = time.monotonic() - self.started
        battery = "—" if stats.battery_pct is None else f"{stats.battery_pct}%"
        link = "stopping" if self.stream.closing else "connected" if self.stream.connected else "reconnecting…"
        return Text.assemble(
            ("● REC ", "bold red"),
            f"{info.name or info.address} · {self.rate():5.1f}/{info.rate_hz:g} Hz · "
            f"{self.samples:,} samples · {self.gaps} gap(s) · battery {battery} · {link} · "
            f"{int(elapsed) // 3600:02d}:{int(elapsed) % 3600 // 60:02d}:{int(elapsed) % 60:02d}",
            *((("\n  ", ""), (self.live.status(), "bold")) if self.live is not None else ()),
            *((("\n  ", ""), (self.live.key_hint, "dim")) if self.live is not None and self.live.key_hint else ()),
        )


@dataclass
class RecordRun:
    """One ``record`` run from a connected stream to the stored session (split into steps)."""

    store: Store
    console: Console
    stream: SensorStream
    info: SourceInfo
    session: LiveSession | None = None
    status: RecordStatus | None = None
    live: Live | None = None
    error: SensorError | None = None

    def start_live(self, live_opts: LiveOptions, loop: asyncio.AbstractEventLoop) -> None:
        """The live session (engine, policy, channels), the status and the rich live view."""
        if live_opts.enabled:
            stream = self.stream
            self.session = start_live_session(self.store, self.info, self.store.timezone(),
                                              alert_after_s=live_opts.alert_after_s, console=self.console,
                                              client=lambda: stream.client, loop=loop)
        self.status = RecordStatus(self.stream, time.monotonic(), self.session)
        if self.console.is_terminal:
            self.live = Live(self.status.render(), console=self.console, refresh_per_second=2,
                             transient=False)

    @contextlib.contextmanager
    def keys(self, loop: asyncio.AbstractEventLoop) -> Iterator[None]:
        """Read the snooze keys from a terminal stdin while the live view shows (else nothing)."""
        session = self.session
        if session is None or self.live is None or session.feedback.policy is None:
            yield
            return
        keys = SnoozeKeys(self.store, session.feedback.policy, session.settings.snooze_s)

        def on_key(key: str) -> None:
            message = keys(key)
            if message is not None:
                self.console.print(message, markup=False)

        with TerminalKeys(on_key, loop) as reader:
            session.key_hint = keys.hint if reader.active else ""
            try:
                yield
            finally:
                session.key_hint = ""

    async def flusher(self, rec: Recorder) -> None:
        """Flush at least every second even when no batch arrives (link down); refresh the view."""
        assert self.status is not None
        last_print = time.monotonic()
        while True:
            await asyncio.sleep(_FLUSH_EVERY_S)
            rec.flush()
            if self.live is not None:
                self.live.update(self.status.render())
            elif time.monotonic() - last_print >= 10:
                last_print = time.monotonic()
                self.console.print(self.status.render())

    async def pump(self, rec: Recorder) -> None:
        """Batches from the stream into the recorder until the stream ends or fails."""
        assert self.status is not None
        try:
            async for batch in self.stream:
                rec.add(batch)
                self.status.add(len(batch), batch.gap_before)
        except SensorError as exc:
            self.error = exc

    async def finish_live(self) -> None:
        """Close the last live second, wait for pending alert sends, stop the view."""
        if self.session is not None:
            self.session.finish()
            await self.session.dispatcher.drain()
        if self.live is not None:
            assert self.status is not None
            self.live.update(self.status.render())
            self.live.stop()

    def session_fields(self) -> dict[str, object]:
        """What the stream learnt about the sensor, for the session row."""
        info = self.stream.info
        fields: dict[str, object] = {"rate_hz": float(info.rate_hz)}
        if info.battery_pct is not None:
            fields["battery_pct"] = info.battery_pct
        if info.firmware:
            fields["firmware"] = info.firmware
        return fields

