"""Sensor profiles: exact configuration bytes, decoders (round trips, any bytes), lookup."""

from __future__ import annotations

import importlib
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sensor.profiles import (
    PROFILES,
    DecodeError,
    MicrobitProfile,
    PolarH10Profile,
    SensorProfile,
    SensorTagProfile,
    Thingy52Profile,
    WitMotionProfile,
    find_characteristic,
    profile_by_key,
    profile_for_advertisement,
)
from sensor.profiles.polar_h10 import POLAR_PMD_CONTROL_UUID, POLAR_PMD_DATA_UUID
from sensor.profiles.sensortag import (
    SENSORTAG_MOVEMENT_CONFIG_UUID,
    SENSORTAG_MOVEMENT_PERIOD_UUID,
)
from sensor.profiles.thingy52 import THINGY_CONFIG_UUID
from sensor.profiles.witmotion import WITMOTION_WRITE_UUID

try:  # tests/ importable as a package (the fake-BlueZ harness imports it this way)
    from tests.sensor import encoders as enc
except ModuleNotFoundError:  # pytest put this directory itself on sys.path
    enc = importlib.import_module("encoders")

H = bytes.fromhex
SIG_BASE = "-0000-1000-8000-00805f9b34fb"


def _assert_close(a: np.ndarray | None, b: np.ndarray | None) -> None:
    assert (a is None) == (b is None)
    if a is not None and b is not None:
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


# --------------------------------------------------------------------------- registry
def test_registry_keys_and_classes() -> None:
    assert list(PROFILES) == ["polar_h10", "thingy52", "microbit", "sensortag", "witmotion"]
    for key, cls in PROFILES.items():
        assert cls.key == key
        assert issubclass(cls, SensorProfile)
        assert profile_by_key(key) is cls
        p = cls()
        assert p.data_uuid == p.notify_uuids[-1]
        assert p.rates_hz == tuple(sorted(p.rates_hz))
        assert all(u == u.lower() for u in (*p.service_uuids, *p.notify_uuids))
    assert profile_by_key(" WitMotion ") is WitMotionProfile
    with pytest.raises(ValueError, match="known"):
        profile_by_key("movesense")


def test_interface_defaults_and_constructors() -> None:
    """Everything the client uses is on the base class: no probing for optional methods."""
    for key, cls in PROFILES.items():
        p = cls.from_rate(50.0)
        assert isinstance(p, cls)
        assert p.has_device_time is (key == "polar_h10")
        p.adapt_to_discovered([*p.notify_uuids, p.data_uuid])
        assert (p.stop_write() is not None) is (key == "polar_h10")
        assert (p.rate_query_write() is not None) is (key == "witmotion")
        assert p.find_rate_reply(b"\x00" * 20) is None
    polar = PolarH10Profile.from_rate(25.0)
    assert polar.rate_hz == 25.0
    assert PolarH10Profile.from_rate().rate_hz == 200.0


@pytest.mark.parametrize(
    ("name", "uuids", "expected"),
    [
        ("WT901BLE67", [], WitMotionProfile),
        (None, ["0000ffe5" + SIG_BASE], WitMotionProfile),
        ("Thingy", [], Thingy52Profile),
        (None, ["ef680100-9b35-4933-9b10-52ffa9740042"], Thingy52Profile),
        ("BBC micro:bit [tegip]", [], MicrobitProfile),
        ("CC2650 SensorTag", [], SensorTagProfile),
        ("SensorTag", [], SensorTagProfile),
        ("Polar H10 A1B2C3D4", ["fb005c80-02e7-f387-1cad-8acd2d8df0c8"], PolarH10Profile),
        ("Polar OH1 12345678", ["fb005c80-02e7-f387-1cad-8acd2d8df0c8"], None),
        ("Some headphones", ["0000180f" + SIG_BASE], None),
        (None, [], None),
    ],
)
def test_profile_for_advertisement(
    name: str | None, uuids: list[str], expected: type[SensorProfile] | None
) -> None:
    assert profile_for_advertisement(name, uuids) is expected
    assert profile_for_advertisement(name, [u.upper() for u in uuids]) is expected


def test_profiles_do_not_import_bleak() -> None:
    code = (
        "import sys, sensor.profiles, sensor.clock; "
        "bad = [m for m in ('bleak', 'pandas', 'analysis', 'posturelog') if m in sys.modules]; "
        "sys.exit(1 if bad else 0)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


# --------------------------------------------------------------------------- config bytes
@pytest.mark.parametrize(
    ("rate", "code"), [(10, 0x06), (20, 0x07), (50, 0x08), (100, 0x09), (200, 0x0A), (60, 0x08)]
)
def test_witmotion_config_writes(rate: float, code: int) -> None:
    writes = WitMotionProfile().config_writes(rate)
    assert [w.data for w in writes] == [
        H("ffaa6988b5"),
        bytes([0xFF, 0xAA, 3, code, 0]),
        H("ffaa000000"),
    ]
    assert {w.char_uuid for w in writes} == {WITMOTION_WRITE_UUID}
    assert not WitMotionProfile().writes_after_subscribe()


def test_witmotion_100hz_exact() -> None:
    writes = WitMotionProfile().config_writes(100)
    assert [w.data.hex(" ").upper() for w in writes] == [
        "FF AA 69 88 B5",
        "FF AA 03 09 00",
        "FF AA 00 00 00",
    ]


def test_witmotion_characteristic_matching_either_base() -> None:
    discovered = ["0000ffe4" + SIG_BASE, "0000FFE9" + SIG_BASE.upper(), "00002a19" + SIG_BASE]
    assert find_characteristic(discovered, "0000ffe4-0000-1000-8000-00805f9a34fb") == discovered[0]
    assert find_characteristic(discovered, "ffe9") == discovered[1]
    assert find_characteristic(discovered, "0000ffe1-0000-1000-8000-00805f9a34fb") is None
    assert find_characteristic(discovered, "f000aa81-0451-4000-b000-000000000000") is None
    p = WitMotionProfile()
    p.adapt_to_discovered(discovered)
    assert p.data_uuid == "0000ffe4" + SIG_BASE
    assert p.notify_uuids == (p.data_uuid,)
    assert {w.char_uuid for w in p.config_writes(50)} == {"0000ffe9" + SIG_BASE}
    with pytest.raises(DecodeError):
        WitMotionProfile().adapt_to_discovered(["00002a19" + SIG_BASE])


def test_witmotion_rate_readback() -> None:
    p = WitMotionProfile()
    query = p.rate_query_write()
    assert query is not None and query.data == H("ffaa270300")
    reply = enc.encode_witmotion_rate_reply(0x09)
    assert len(reply) == 20
    assert p.parse_rate_readback(reply) == 100.0
    # the reply arrives on the data characteristic, mixed with samples: not a sample
    acc = np.array([[0.1, 0.2, 9.8], [0.0, -1.0, 9.7]])
    mixed = enc.encode_witmotion(acc[0]) + reply + enc.encode_witmotion(acc[1])
    d = p.decode(mixed)
    assert len(d) == 2
    assert p.find_rate_reply(mixed) == 100.0
    assert p.find_rate_reply(enc.encode_witmotion(acc)) is None
    assert p.find_rate_reply(reply[:5]) is None  # cut short: not interpretable
    assert p.parse_rate_readback(b"\x55\x61" + bytes(18)) is None


def test_thingy_config_and_readback() -> None:
    p = Thingy52Profile()
    (w,) = p.config_writes(50)
    assert w.char_uuid == THINGY_CONFIG_UUID and w.response
    assert w.data == H("e803 f401 f401 3200 01".replace(" ", ""))
    assert w.data == enc.encode_thingy_config(motion_hz=50)
    assert p.config_writes(500)[0].data == enc.encode_thingy_config(motion_hz=200)
    assert p.config_writes(0.2)[0].data == enc.encode_thingy_config(motion_hz=1)
    assert p.rate_readback_uuid() == THINGY_CONFIG_UUID
    assert p.parse_rate_readback(enc.encode_thingy_config(motion_hz=100)) == 100.0
    assert p.parse_rate_readback(b"\x01\x02") is None


def test_microbit_config_and_readback() -> None:
    p = MicrobitProfile()
    (w,) = p.config_writes(50)
    assert w.data == H("1400") == enc.encode_microbit_period(20)
    assert p.config_writes(10)[0].data == H("6400")
    assert p.parse_rate_readback(enc.encode_microbit_period(80)) == 12.5
    assert p.parse_rate_readback(b"\x00\x00") is None
    assert p.rate_readback_uuid() == w.char_uuid


def test_sensortag_config_order_and_bytes() -> None:
    p = SensorTagProfile()
    writes = p.config_writes(10)
    assert [(w.char_uuid, w.data) for w in writes] == [
        (SENSORTAG_MOVEMENT_CONFIG_UUID, H("7f02")),
        (SENSORTAG_MOVEMENT_PERIOD_UUID, H("0a")),
    ]
    assert p.config_writes(50)[1].data == H("0a")  # 100 ms minimum
    assert p.config_writes(5)[1].data == H("14") == enc.encode_sensortag_period(5)
    assert SensorTagProfile(acc_range_g=2).config_writes(10)[0].data == H("7f00")
    assert SensorTagProfile(acc_range_g=16).config_writes(10)[0].data == H("7f03")
    assert p.parse_rate_readback(H("14")) == 5.0
    with pytest.raises(ValueError):
        SensorTagProfile(acc_range_g=3)


@pytest.mark.parametrize(
    ("rate", "lo", "hi"), [(200, 0xC8, 0), (100, 100, 0), (50, 50, 0), (25, 25, 0)]
)
def test_polar_start_command(rate: int, lo: int, hi: int) -> None:
    p = PolarH10Profile()
    (w,) = p.config_writes(rate)
    assert w.char_uuid == POLAR_PMD_CONTROL_UUID
    expected = bytes(
        [0x02, 0x02, 0x00, 0x01, lo, hi, 0x01, 0x01, 0x10, 0x00, 0x02, 0x01, 0x02, 0x00]
    )
    assert w.data == expected
    assert p.writes_after_subscribe()
    assert p.notify_uuids == (POLAR_PMD_CONTROL_UUID, POLAR_PMD_DATA_UUID)
    stop = p.stop_write()
    assert stop is not None and stop.data == H("0302")


def test_polar_200hz_exact() -> None:
    (w,) = PolarH10Profile().config_writes(200)
    assert w.data.hex(" ").upper() == "02 02 00 01 C8 00 01 01 10 00 02 01 02 00"


def test_polar_config_reply() -> None:
    p = PolarH10Profile()
    cp = POLAR_PMD_CONTROL_UUID
    assert p.check_config_reply(cp, enc.encode_polar_control_reply(0)) is None
    assert p.check_config_reply(cp, enc.encode_polar_control_reply(6)) is None  # already started
    msg = p.check_config_reply(cp.upper(), enc.encode_polar_control_reply(8))
    assert msg is not None and "invalid sample rate" in msg
    assert p.check_config_reply(cp, H("f00202")) is not None
    assert p.check_config_reply(cp, enc.encode_polar_control_reply(5, op=0x01)) is None  # other op
    assert p.check_config_reply(POLAR_PMD_DATA_UUID, enc.encode_polar_control_reply(8)) is None


# --------------------------------------------------------------------------- round trips
def _acc(limit: float) -> st.SearchStrategy[np.ndarray]:
    return arrays(
        np.float64,
        st.tuples(st.integers(1, 12), st.just(3)),
        elements=st.floats(-limit, limit, allow_nan=False, allow_infinity=False),
    )


def _gyr_like(acc: np.ndarray, limit: float, data: st.DataObject) -> np.ndarray:
    return data.draw(
        arrays(
            np.float64,
            acc.shape,
            elements=st.floats(-limit, limit, allow_nan=False, allow_infinity=False),
        )
    )


@settings(max_examples=60, deadline=None)
@given(acc=_acc(200.0), data=st.data())
def test_witmotion_round_trip(acc: np.ndarray, data: st.DataObject) -> None:
    gyr = _gyr_like(acc, 40.0, data)  # beyond ±2000 °/s too: saturates
    d = WitMotionProfile().decode(enc.encode_witmotion(acc, gyr))
    exp_acc, exp_gyr = enc.quantise("witmotion", acc, gyr)
    _assert_close(d.acc_mps2, exp_acc)
    _assert_close(d.gyr_rads, exp_gyr)
    assert d.skipped_bytes == 0 and d.device_time_ns is None


def test_witmotion_scale_uses_g_9_8() -> None:
    d = WitMotionProfile().decode(
        b"\x55\x61" + (2048).to_bytes(2, "little", signed=True) + bytes(16)
    )
    assert d.acc_mps2[0, 0] == pytest.approx(9.8)  # 2048 LSB = 1 g (±16 g full scale)


@settings(max_examples=60, deadline=None)
@given(acc=_acc(400.0), data=st.data())
def test_thingy_round_trip(acc: np.ndarray, data: st.DataObject) -> None:
    gyr = _gyr_like(acc, 30.0, data)
    p = Thingy52Profile()
    frames = enc.split_frames(enc.encode_thingy_raw(acc, gyr), 18)
    ds = [p.decode(f) for f in frames]
    exp_acc, exp_gyr = enc.quantise("thingy52", acc, gyr)
    _assert_close(np.vstack([d.acc_mps2 for d in ds]), exp_acc)
    _assert_close(np.vstack([d.gyr_rads for d in ds if d.gyr_rads is not None]), exp_gyr)


@settings(max_examples=60, deadline=None)
@given(acc=_acc(400.0))
def test_microbit_round_trip(acc: np.ndarray) -> None:
    p = MicrobitProfile()
    ds = [p.decode(f) for f in enc.split_frames(enc.encode_microbit(acc), 6)]
    exp_acc, exp_gyr = enc.quantise("microbit", acc)
    _assert_close(np.vstack([d.acc_mps2 for d in ds]), exp_acc)
    assert exp_gyr is None and all(d.gyr_rads is None for d in ds)


@settings(max_examples=60, deadline=None)
@given(acc=_acc(200.0), rng_g=st.sampled_from([2, 4, 8, 16]), data=st.data())
def test_sensortag_round_trip(acc: np.ndarray, rng_g: int, data: st.DataObject) -> None:
    gyr = _gyr_like(acc, 10.0, data)
    p = SensorTagProfile(acc_range_g=rng_g)
    d = p.decode(enc.encode_sensortag(acc, gyr, acc_range_g=rng_g))
    exp_acc, exp_gyr = enc.quantise("sensortag", acc, gyr, acc_range_g=rng_g)
    _assert_close(d.acc_mps2, exp_acc)
    _assert_close(d.gyr_rads, exp_gyr)


@settings(max_examples=60, deadline=None)
@given(
    acc=_acc(400.0),
    ts=st.integers(10**12, 2**62),
    rate=st.sampled_from([25, 50, 100, 200]),
)
def test_polar_round_trip(acc: np.ndarray, ts: int, rate: int) -> None:
    p = PolarH10Profile()
    p.config_writes(rate)
    d = p.decode(enc.encode_polar_acc_frame(acc, ts))
    exp_acc, _ = enc.quantise("polar_h10", acc)
    _assert_close(d.acc_mps2, exp_acc)
    assert d.gyr_rads is None
    assert d.device_time_ns is not None and d.device_time_ns.dtype == np.int64
    assert int(d.device_time_ns[-1]) == ts
    assert np.all(np.diff(d.device_time_ns) == round(1e9 / rate))


def test_polar_frames_helper_times_match_decoder() -> None:
    p = PolarH10Profile(rate_hz=50)
    acc = np.tile([0.0, 0.0, 9.81], (25, 1))
    for frame, times in enc.polar_acc_frames(acc, 5_000_000_000, 50, 10):
        d = p.decode(frame)
        assert d.device_time_ns is not None
        np.testing.assert_array_equal(d.device_time_ns, times)


def test_polar_rejects_bad_frames() -> None:
    p = PolarH10Profile()
    good = enc.encode_polar_acc_frame(np.zeros((2, 3)), 10**15)
    for bad in (good[:9], b"\x00" + good[1:], good[:9] + b"\x81" + good[10:], good[:-1]):
        with pytest.raises(DecodeError):
            p.decode(bad)
    with pytest.raises(DecodeError):
        p.decode(b"\x02" + (2**64 - 1).to_bytes(8, "little") + b"\x01" + bytes(6))


@pytest.mark.parametrize("cls", [Thingy52Profile, MicrobitProfile, SensorTagProfile])
def test_fixed_frame_decoders_reject_wrong_length(cls: type[SensorProfile]) -> None:
    p = cls()
    for bad in (b"", b"\x01", bytes(7), bytes(19)):
        with pytest.raises(DecodeError):
            p.decode(bad)


# --------------------------------------------------------------------------- any bytes
@pytest.mark.parametrize("key", list(PROFILES))
@settings(max_examples=150, deadline=None)
@given(chunks=st.lists(st.binary(max_size=80), min_size=1, max_size=6))
def test_any_bytes_give_samples_or_decode_error(key: str, chunks: list[bytes]) -> None:
    p = PROFILES[key]()
    for chunk in chunks:
        try:
            d = p.decode(chunk)
        except DecodeError:
            continue
        n = len(d)
        assert d.acc_mps2.shape == (n, 3) and d.acc_mps2.dtype == np.float64
        assert np.all(np.isfinite(d.acc_mps2))
        if p.has_gyroscope:
            assert d.gyr_rads is not None and d.gyr_rads.shape == (n, 3)
        else:
            assert d.gyr_rads is None
        if d.device_time_ns is not None:
            assert d.device_time_ns.shape == (n,)
        assert d.skipped_bytes >= 0


@pytest.mark.parametrize("key", list(PROFILES))
def test_non_bytes_raise_decode_error(key: str) -> None:
    with pytest.raises(DecodeError):
        PROFILES[key]().decode(12345)  # type: ignore[arg-type]


def test_bytearray_and_memoryview_accepted() -> None:
    frame = enc.encode_microbit([0.0, 0.0, 9.80665])
    p = MicrobitProfile()
    assert len(p.decode(bytearray(frame))) == 1  # type: ignore[arg-type]
    assert len(p.decode(memoryview(frame))) == 1  # type: ignore[arg-type]


# --------------------------------------------------------------------------- WitMotion stream
_garbage = st.binary(max_size=25).map(lambda b: b.replace(b"\x55", b"\x54"))


@settings(max_examples=120, deadline=None)
@given(
    acc=_acc(150.0),
    data=st.data(),
)
def test_witmotion_reassembly_with_garbage_and_random_chunking(
    acc: np.ndarray, data: st.DataObject
) -> None:
    gyr = _gyr_like(acc, 30.0, data)
    records = [enc.encode_witmotion(a, g) for a, g in zip(acc, gyr, strict=True)]
    garbage = [data.draw(_garbage) for _ in range(len(records) + 1)]
    stream = b"".join(g + r for g, r in zip(garbage, records, strict=False)) + garbage[-1]
    sizes = data.draw(st.lists(st.integers(1, 64), min_size=1, max_size=200))
    p = WitMotionProfile()
    decoded = [p.decode(c) for c in enc.chunk_stream(stream, sizes)]
    exp_acc, exp_gyr = enc.quantise("witmotion", acc, gyr)
    _assert_close(np.vstack([d.acc_mps2 for d in decoded]), exp_acc)
    _assert_close(np.vstack([d.gyr_rads for d in decoded if d.gyr_rads is not None]), exp_gyr)
    assert sum(d.skipped_bytes for d in decoded) == sum(len(g) for g in garbage)


def test_witmotion_several_records_per_notification_and_split() -> None:
    rng = np.random.default_rng(1)
    acc = rng.normal(0, 5, (30, 3))
    gyr = rng.normal(0, 1, (30, 3))
    exp_acc, _ = enc.quantise("witmotion", acc, gyr)
    for notes in (
        enc.witmotion_notifications(acc, gyr, records_per_notification=4),
        enc.witmotion_notifications(acc, gyr, max_notification_bytes=27),
        enc.witmotion_notifications(acc, gyr, max_notification_bytes=1),
    ):
        p = WitMotionProfile()
        got = np.vstack([p.decode(n).acc_mps2 for n in notes])
        _assert_close(got, exp_acc)


def test_witmotion_reset_drops_partial_record() -> None:
    rec = enc.encode_witmotion([1.0, 2.0, 3.0])
    p = WitMotionProfile()
    assert len(p.decode(rec[:12])) == 0
    p.reset()
    d = p.decode(rec[12:] + rec)
    assert len(d) == 1 and d.skipped_bytes == 8
