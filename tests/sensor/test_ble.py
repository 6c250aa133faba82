"""sensor.ble through bleak's real BlueZ backend against the fake BlueZ (no mocks)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from sensor import ble
from sensor.batch import SampleBatch
from tests.fakebluez import FakeBluetooth, Faults, UnsupportedPeripheral, make_peripheral
from tests.fakebluez.motion import SimulatedMotion
from tests.fakebluez.streaming import StreamingPeripheral

pytestmark = pytest.mark.ble

FakeFactory = Callable[..., FakeBluetooth]
ADDR = "C0:FF:EE:00:00:01"


async def _first(address: str, timeout_s: float = 3.0) -> ble.FoundDevice:
    return await ble.find_device(address, timeout_s)


async def _collect(
    device: ble.FoundDevice, rate_hz: float, seconds: float, **kwargs: Any
) -> tuple[list[SampleBatch], ble.SensorStream]:
    stream = ble.SensorStream(device, rate_hz, **kwargs)
    batches: list[SampleBatch] = []
    async with stream:
        t_end = time.monotonic() + seconds
        async for batch in stream:
            batches.append(batch)
            if time.monotonic() > t_end:
                break
    return batches, stream


def _stack(batches: list[SampleBatch]) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    acc = np.concatenate([b.acc_mps2 for b in batches])
    gyr = None if batches[0].gyr_rads is None else np.concatenate([b.gyr_rads for b in batches])
    t = np.concatenate([b.t_ns for b in batches])
    return acc, gyr, t


def _assert_same_samples(batches: list[SampleBatch], dev: StreamingPeripheral) -> None:
    """Received samples == everything the fake sent (quantised), in order, none extra."""
    sent = dev.sent()
    acc, gyr, t = _stack(batches)
    # the stream may stop mid-way: everything received must be a prefix of what was sent,
    # and at most the last notification or two may be missing
    assert len(acc) <= len(sent)
    assert len(sent) - len(acc) <= 40, (len(sent), len(acc))
    np.testing.assert_allclose(acc, sent.acc_q[: len(acc)], atol=1e-9)
    if gyr is not None:
        np.testing.assert_allclose(gyr, sent.gyr_q[: len(acc)], atol=1e-9)
    assert np.all(np.diff(t) > 0)


def test_scan_recognises_every_model_and_lists_unsupported(fake_bluez: FakeFactory) -> None:
    devices = [
        make_peripheral(k, f"C0:FF:EE:00:00:0{i}")
        for i, k in enumerate(["witmotion", "thingy52", "microbit", "sensortag", "polar_h10"], 1)
    ]
    band = UnsupportedPeripheral("C0:FF:EE:00:00:99")
    fake_bluez([*devices, band])
    found = {d.address: d for d in asyncio.run(ble.scan(1.5))}
    assert {d.address: found[d.address].profile_key for d in devices} == {
        d.address: d.key for d in devices
    }
    other = found[band.address]
    assert other.model is None and not other.supported
    assert "0000180d-0000-1000-8000-00805f9b34fb" in other.service_uuids
    with pytest.raises(ble.UnsupportedDeviceError, match="it has services: 0000180d"):
        ble.SensorStream(other)


@pytest.mark.parametrize(
    ("key", "rate"), [("witmotion", 100.0), ("thingy52", 50.0), ("microbit", 50.0), ("sensortag", 10.0), ("polar_h10", 100.0)]
)
def test_stream_equals_what_the_fake_sent(
    fake_bluez: FakeFactory, wearer_motion: SimulatedMotion, key: str, rate: float
) -> None:
    dev = make_peripheral(key, ADDR, motion=wearer_motion)
    fake_bluez([dev])

    async def main() -> tuple[list[SampleBatch], ble.SensorStream]:
        return await _collect(await _first(ADDR), rate, 2.0)

    batches, stream = asyncio.run(main())
    _assert_same_samples(batches, dev)
    assert stream.info.rate_hz == rate
    if key in ("witmotion", "thingy52", "microbit", "sensortag"):  # they can say their rate
        assert stream.info.extra["rate_confirmed"] == "yes"
        assert "rate_note" not in stream.info.extra
    assert stream.stats.garbage == 0 and stream.stats.gaps == 0
    assert dev.connect_count == 1 and not dev.connected  # disconnected on close


def test_garbage_is_counted_logged_and_skipped(
    fake_bluez: FakeFactory, caplog: pytest.LogCaptureFixture
) -> None:
    thingy = make_peripheral("thingy52", ADDR, faults=Faults(garbage_every=7, short_every=11))
    fake_bluez([thingy])
    caplog.set_level(logging.WARNING, logger="sensor.ble")

    async def main() -> tuple[list[SampleBatch], ble.SensorStream]:
        return await _collect(await _first(ADDR), 100.0, 3.0)

    batches, stream = asyncio.run(main())
    _assert_same_samples(batches, thingy)
    assert thingy.garbage_sent > 10
    # every injected bad notification that reached the client was counted
    assert thingy.garbage_sent - 2 <= stream.stats.garbage <= thingy.garbage_sent
    assert "undecodable notification" in caplog.text
    assert stream.stats.gaps == 0


def test_witmotion_that_ignores_the_rate_is_warned_recorded_and_timed_at_its_rate(
    fake_bluez: FakeFactory, caplog: pytest.LogCaptureFixture
) -> None:
    wit = make_peripheral("witmotion", ADDR, faults=Faults(ignore_rate=True))
    fake_bluez([wit])
    caplog.set_level(logging.WARNING, logger="sensor.ble")

    async def main() -> tuple[list[SampleBatch], ble.SensorStream]:
        return await _collect(await _first(ADDR), 100.0, 2.5)

    batches, stream = asyncio.run(main())
    _assert_same_samples(batches, wit)
    assert wit.rate_hz == 10.0  # the fake kept its old rate
    assert stream.info.rate_hz == 10.0
    assert stream.info.extra["rate_confirmed"] == "no"
    assert stream.info.extra["rate_requested_hz"] == "100"
    assert stream.info.extra["rate_note"] == "sensor did not take 100 Hz; it runs at 10 Hz"
    assert "did not take 100 Hz" in caplog.text
    t = _stack(batches)[2]
    assert np.median(np.diff(t)) == pytest.approx(1e8, rel=0.05)  # timed at 10 Hz, not 100


def test_witmotion_split_records_and_garbage_resync(fake_bluez: FakeFactory) -> None:
    wit = make_peripheral("witmotion", ADDR, faults=Faults(split_records=True, garbage_every=5))
    fake_bluez([wit])

    async def main() -> tuple[list[SampleBatch], ble.SensorStream]:
        return await _collect(await _first(ADDR), 200.0, 3.0)

    batches, stream = asyncio.run(main())
    _assert_same_samples(batches, wit)
    assert stream.stats.skipped_bytes >= 6 * (wit.garbage_sent - 2)


def test_bursts_lose_nothing(fake_bluez: FakeFactory) -> None:
    dev = make_peripheral("thingy52", ADDR, faults=Faults(burst_every_s=0.7, burst_hold_s=0.25))
    fake_bluez([dev])

    async def main() -> tuple[list[SampleBatch], ble.SensorStream]:
        return await _collect(await _first(ADDR), 100.0, 3.0, batch_interval_s=0.0)

    batches, stream = asyncio.run(main())
    _assert_same_samples(batches, dev)
    assert stream.stats.max_queue > 10  # bursts really arrived bunched up
    _, _, t = _stack(batches)
    # times reconstructed at the nominal spacing despite bursty arrival
    assert np.median(np.diff(t)) == pytest.approx(1e7, rel=0.02)


def test_link_loss_reconnects_without_loss_or_duplicates(fake_bluez: FakeFactory) -> None:
    dev = make_peripheral("thingy52", ADDR, faults=Faults(drop_every_s=2.0, down_s=0.3))
    fake_bluez([dev])

    async def main() -> tuple[list[SampleBatch], ble.SensorStream]:
        return await _collect(await _first(ADDR), 100.0, 7.0, backoff_initial_s=0.1)

    batches, stream = asyncio.run(main())
    _assert_same_samples(batches, dev)
    assert dev.drops >= 2
    assert stream.stats.link_losses == dev.drops
    assert stream.stats.connects == dev.connect_count >= 3
    # one gap per reconnect that delivered data (a drop in the last moment may not have)
    received = sum(len(b) for b in batches)
    reconnects_seen = int(np.count_nonzero(np.diff(dev.sent().connection[:received])))
    assert reconnects_seen >= 2
    assert stream.stats.gaps == reconnects_seen
    assert [b.gap_before for b in batches].count(True) == reconnects_seen


def test_stale_client_deliveries_are_dropped(
    fake_bluez: FakeFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """bleak #2002: a client that was not disposed of keeps receiving; nothing doubles."""
    dev = make_peripheral("thingy52", ADDR, faults=Faults(stall_after_s=1.0, stall_s=2.0))
    fake_bluez([dev])
    leaked: list[Any] = []
    original = ble.SensorStream._dispose

    async def leaky_dispose(self: ble.SensorStream) -> None:
        # the first time, "forget" to disconnect the old client: it stays connected and its
        # notification callbacks stay registered, as in bleak issue #2002
        if not leaked and self._client is not None and not self._closing:
            leaked.append(self._client)
            self._client = None
            self._live_gen = None
            return
        await original(self)

    monkeypatch.setattr(ble.SensorStream, "_dispose", leaky_dispose)

    async def main() -> tuple[list[SampleBatch], ble.SensorStream]:
        try:
            return await _collect(await _first(ADDR), 50.0, 5.0, data_timeout_s=1.0, backoff_initial_s=0.1)
        finally:
            for client in leaked:
                await client.disconnect()

    batches, stream = asyncio.run(main())
    assert leaked, "the watchdog did not reconnect the stalled sensor"
    assert stream.stats.stale_dropped > 10  # the leaked client's deliveries were refused
    _assert_same_samples(batches, dev)
    assert stream.stats.gaps == 1


def test_silent_device_is_a_clear_error(fake_bluez: FakeFactory) -> None:
    fake_bluez([make_peripheral("thingy52", ADDR, faults=Faults(silent=True))])

    async def main() -> None:
        await _collect(await _first(ADDR), 50.0, 1.0, data_timeout_s=1.5)

    with pytest.raises(ble.NoDataError, match="sent no data"):
        asyncio.run(main())


@pytest.mark.parametrize(
    ("key", "faults", "error", "match"),
    [
        ("microbit", Faults(pairing_required=True), ble.PairingRequiredError, "pairing required"),  # write
        ("sensortag", Faults(pairing_required=True), ble.PairingRequiredError, "pairing required"),  # notify
        ("thingy52", Faults(reject_config=True), ble.ConfigurationRejectedError, "rejected configuration write e8 03"),
        ("polar_h10", Faults(reject_config=True), ble.ConfigurationRejectedError, "invalid parameter"),
    ],
)
def test_refusals_are_clear_errors(
    fake_bluez: FakeFactory, key: str, faults: Faults, error: type[Exception], match: str
) -> None:
    dev = make_peripheral(key, ADDR, faults=faults)
    fake_bluez([dev])

    async def main() -> None:
        await _collect(await _first(ADDR), 50.0, 1.0)

    with pytest.raises(error, match=match):
        asyncio.run(main())
    assert not dev.connected  # disposed of after the failure


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"adapter": False}, "No Bluetooth adapters found"), ({"powered": False}, "No powered Bluetooth adapters")],
)
def test_no_adapter_or_adapter_off_is_a_clear_error(
    fake_bluez: FakeFactory, kwargs: dict[str, bool], match: str
) -> None:
    fake_bluez([], **kwargs)
    with pytest.raises(ble.AdapterUnavailableError, match=match):
        asyncio.run(ble.scan(0.5))


def test_bluez_not_running_is_a_clear_error(fake_bluez: FakeFactory) -> None:
    fake_bluez([], bluez=False)
    with pytest.raises(ble.AdapterUnavailableError, match="BlueZ is not running"):
        asyncio.run(ble.scan(0.5))


def test_device_not_found_within_timeout(fake_bluez: FakeFactory) -> None:
    fake_bluez([make_peripheral("thingy52", ADDR)])
    with pytest.raises(ble.DeviceNotFoundError, match="not found within 1 s"):
        asyncio.run(ble.find_device("C0:FF:EE:00:00:42", 1.0))
