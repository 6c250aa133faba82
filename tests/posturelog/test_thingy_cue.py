"""The Thingy:52 alert cue end to end: ``record --alert-after 5`` against a fake Thingy:52 with
the UI and Sound services, a scripted slouch, and exactly the bytes of ``sensor_cue``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from analysis.calibration import Mounting
from posturelog.alertlog import read_alerts
from posturelog.live_state import save_live_mounting
from posturelog.notify import (
    THINGY_LED_UUID,
    THINGY_SOUND_CONFIG_UUID,
    THINGY_SPEAKER_DATA_UUID,
    sensor_cue,
)
from posturelog.store import Store
from sensor.profiles.thingy52 import Thingy52Profile
from tests.fakebluez.cues import ThingyCuePeripheral
from tests.fakebluez.gatt import GattError
from tests.fakebluez.motion import MotionSource
from tests.posturelog.test_record import OURS, FakeFactory, cli

pytestmark = pytest.mark.ble

_G = 9.80665
_CUE_UUIDS = (THINGY_LED_UUID, THINGY_SOUND_CONFIG_UUID, THINGY_SPEAKER_DATA_UUID)


class SmoothSlouch(MotionSource):
    """Upright (2°), a slouch to 35° from ``start_s`` to ``end_s`` with 1-s smoothstep ramps,
    breathing (1°, 0.25 Hz), and a gyroscope that agrees with the motion (a Thingy:52 has one).

    Flexion tips the sensor about its y axis: up = (sin f, 0, cos f), so ω_y = −df/dt.
    """

    def __init__(self, start_s: float = 8.0, end_s: float = 28.0, seed: int = 3) -> None:
        super().__init__(seed)
        self.start_s, self.end_s = start_s, end_s

    def _flexion(self, t: np.ndarray) -> np.ndarray:
        def ramp(x: np.ndarray) -> np.ndarray:
            x = np.clip(x, 0.0, 1.0)
            return x * x * (3.0 - 2.0 * x)

        deg = 2.0 + 33.0 * (ramp(t - self.start_s) - ramp(t - self.end_s))
        return np.radians(deg + np.sin(2 * np.pi * 0.25 * t))

    def samples(self, k0: int, n: int, rate_hz: float) -> tuple[np.ndarray, np.ndarray]:
        t = (k0 + np.arange(n, dtype=np.float64)) / rate_hz
        f = self._flexion(t)
        dfdt = (self._flexion(t + 1e-3) - self._flexion(t - 1e-3)) / 2e-3
        acc = _G * np.stack([np.sin(f), np.zeros_like(t), np.cos(f)], axis=1)
        gyr = np.zeros_like(acc)
        gyr[:, 1] = -dfdt
        acc += 0.03 * self.noise_rng.standard_normal(acc.shape)
        gyr += 0.002 * self.noise_rng.standard_normal(gyr.shape)
        return acc, gyr


def test_thingy_fake_refuses_what_the_firmware_refuses() -> None:
    dev = ThingyCuePeripheral(OURS)
    led = dev.char(THINGY_LED_UUID)
    for good in (bytes([0]), bytes([1, 255, 0, 0]), bytes([3, 1, 80]), bytes([2, 6, 20, 0xAC, 0x0D])):
        dev.on_write(led, good, True)
    for bad in (bytes([3, 1]), bytes([3, 8, 80]), bytes([3, 1, 0]), bytes([2, 6, 20, 10, 0]), b""):
        with pytest.raises(GattError, match="not permitted"):
            dev.on_write(led, bad, True)
    with pytest.raises(GattError, match="not permitted"):
        dev.on_write(dev.char(THINGY_SOUND_CONFIG_UUID), bytes([4, 1]), True)
    dev.on_write(dev.char(THINGY_SOUND_CONFIG_UUID), bytes([3, 1]), True)  # sample mode
    with pytest.raises(GattError, match="not permitted"):
        dev.on_write(dev.char(THINGY_SPEAKER_DATA_UUID), bytes(5), False)
    assert len(dev.cue_writes) == 5


def test_slouch_sends_the_thingy_cue(fake_bluez: FakeFactory, tmp_path: Path) -> None:
    dev = ThingyCuePeripheral(OURS, motion=SmoothSlouch())
    bt = fake_bluez([dev])
    data = tmp_path / "data"
    with Store(data) as store:  # the scripted sensor: z up when upright (as test_record_live)
        save_live_mounting(store, Mounting.from_axes([0, 0, 1], [-1, 0, 0], "routine"))
    proc = cli(bt, data, "record", "--device", OURS, "--duration", "34", "--rate", "50",
               "--alert-after", "5")
    assert proc.returncode == 0, proc.stderr
    with Store(data) as store:
        alerts = read_alerts(store)
    assert list(alerts["kind"]) == ["slouch"], alerts
    assert alerts["channel"].iloc[0] == "terminal,sensor"
    sent = dev.sent()
    latency_s = (alerts["time"].iloc[0].value - int(sent.send_ns[int(8.0 * 50)])) / 1e9
    print(f"Thingy:52 alert latency from slouch start: {latency_s:.2f} s (alert_after 5 s)")
    assert 5.0 <= latency_s <= 9.0, latency_s
    cue = [(w.char_uuid, w.data, w.response) for w in dev.writes if w.char_uuid in _CUE_UUIDS]
    expected = sensor_cue(Thingy52Profile.model, "slouch")
    assert cue == [(g.uuid, g.data, g.response) for g in expected]
    assert dev.cue_writes == [(g.uuid, g.data) for g in expected]
