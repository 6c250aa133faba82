"""The record-side wiring of alerts: channels, dispatcher (alert log, sensor cue), snooze re-read."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from posturelog.alert_config import set_snooze
from posturelog.alertlog import read_alerts
from posturelog.alerts import Alert, AlertPolicy, AlertSettings
from posturelog.live_alerts import AlertDispatcher, SnoozeWatcher, active_channels
from posturelog.notify import sensor_cue
from posturelog.store import Store


class FakeClient:
    def __init__(self) -> None:
        self.writes: list[tuple[str, bytes, bool | None]] = []

    async def write_gatt_char(self, char: Any, data: Any, response: bool | None = None) -> None:
        self.writes.append((str(char), bytes(data), response))


def test_active_channels() -> None:
    s = AlertSettings()
    assert s.channels == ("terminal", "desktop", "sensor")
    assert active_channels(s, "BBC micro:bit", session_bus=False) == ("terminal", "sensor")
    assert active_channels(s, "WitMotion WT901BLE", session_bus=True) == ("terminal", "desktop")
    assert active_channels(AlertSettings(channels=("desktop",)), "x", session_bus=False) == ("terminal",)


def test_dispatcher_logs_and_cues(tmp_path: Path) -> None:
    client = FakeClient()

    async def run() -> None:
        with Store(tmp_path / "data") as store:
            d = AlertDispatcher(store, ("terminal", "sensor"), "Nordic Thingy:52", client=lambda: client,
                                loop=asyncio.get_running_loop())
            a = Alert(1_790_000_000.0, "slouch", ("terminal", "desktop", "sensor"))
            d(a, False)
            await d.drain()
            a.seconds_to_correct = 7.0
            d(a, True)
            df = read_alerts(store)
        assert list(df["channel"]) == ["terminal,sensor"] and list(df["seconds_to_correct"]) == [7.0]

    asyncio.run(run())
    expected = [(w.uuid, w.data, w.response) for w in sensor_cue("Nordic Thingy:52", "slouch")]
    assert client.writes == expected


def test_snooze_is_re_read(tmp_path: Path) -> None:
    with Store(tmp_path / "data") as store:
        policy = AlertPolicy(AlertSettings())
        watcher = SnoozeWatcher(store, policy, every_s=3.0)
        watcher.poll(100.0)
        assert policy.snooze_until_s is None
        set_snooze(store, 1_790_000_000 * 10**9, 1800)  # "posturelog snooze 30m" elsewhere
        watcher.poll(101.0)  # too soon: not read again yet
        assert policy.snooze_until_s is None
        watcher.poll(103.5)
        assert policy.snooze_until_s == 1_790_000_000 + 1800
        assert policy.suppressed(1_790_000_000 + 60) == "snoozed"
        store.set_setting("alerts_snooze_until_ns", "")  # "snooze off"
        watcher.poll(107.0)
        assert policy.snooze_until_s is None


def test_no_slouch_alert_while_lying_down_even_with_a_short_alert_after() -> None:
    import numpy as np

    from analysis.calibration import Mounting
    from analysis.live import LiveEngine
    from posturelog.live_state import LiveFeedback
    from tests.posturelog.test_record_live import ScriptedPosture

    def alerts_for(phases: list[tuple[float, str, float]]) -> list[Alert]:
        motion = ScriptedPosture(phases)
        engine = LiveEngine(50.0, Mounting.from_axes([0, 0, 1], [-1, 0, 0], "routine"), with_gyroscope=False)
        policy = AlertPolicy(AlertSettings(alert_after_s=5.0))
        got: list[Alert] = []
        fb = LiveFeedback(engine, policy, on_alert=lambda a, corrected: got.append(a) if not corrected else None)
        t0 = 1_790_000_000
        for k in range(60):
            acc, _ = motion.samples(k * 50, 50, 50.0)
            t = ((t0 + k + np.arange(50) / 50) * 1e9).astype(np.int64)
            fb._handle(engine.update(t, acc, None))
        return got

    assert alerts_for([(60.0, "lie", 0.0)]) == []
    assert [a.kind for a in alerts_for([(8.0, "sit", 2.0), (52.0, "sit", 35.0)])] == ["slouch"]
