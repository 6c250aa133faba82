"""Shared fixtures. BLE: a private D-Bus with a fake BlueZ (tests marked ``ble``)."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

_ROOT = Path(__file__).resolve().parents[1]
if str(_ROOT) not in sys.path:  # ``tests.fakebluez`` / ``tests.sensor.encoders`` importable
    sys.path.insert(0, str(_ROOT))

from tests.fakebluez import FakeBluetooth  # noqa: E402
from tests.fakebluez.device import FakeDevice  # noqa: E402
from tests.fakebluez.motion import SimulatedMotion  # noqa: E402


def _need_dbus() -> None:
    if shutil.which("dbus-daemon") is None and not Path("/usr/bin/dbus-daemon").exists():
        pytest.skip("dbus-daemon not installed (Debian package 'dbus')")


@pytest.fixture(scope="session")
def wearer_motion() -> SimulatedMotion:
    """Simulated wearer motion shared by all fake peripherals (generated once)."""
    return SimulatedMotion(seed=7)


@pytest.fixture
def fake_bluez() -> Iterator[Callable[..., FakeBluetooth]]:
    """Start a private bus + fake BlueZ with the given devices; ``DBUS_SYSTEM_BUS_ADDRESS``
    points at it until the test ends (then restored).

    Usage: ``bt = fake_bluez([make_peripheral("thingy52", ADDR)], adapter=True)``.
    """
    _need_dbus()
    started: list[FakeBluetooth] = []

    def start(devices: list[FakeDevice] | None = None, **kwargs: bool) -> FakeBluetooth:
        bt = FakeBluetooth(devices, **kwargs).start()
        started.append(bt)
        return bt

    yield start
    for bt in reversed(started):
        bt.stop()
