"""Fake BlueZ test harness: a private D-Bus, a fake ``org.bluez`` and fake sensor peripherals.

bleak runs **unpatched** against it: its real BlueZ backend talks D-Bus to the fake exactly as
it would to ``bluetoothd``. Typical use (the ``fake_bluez`` fixture in ``tests/conftest.py``
does this)::

    with FakeBluetooth([make_peripheral("thingy52", "C0:FF:EE:00:00:01")]) as bt:
        # DBUS_SYSTEM_BUS_ADDRESS now points at the private bus (restored on exit);
        # run bleak here, or a subprocess with bt.env()
        ...

Run ``python -m tests.fakebluez`` to start a bus with one fake per model for manual tries.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from tests.fakebluez.bluez import FakeBlueZ
from tests.fakebluez.bus import PrivateBus, write_fake_bluetoothctl
from tests.fakebluez.device import FakeDevice
from tests.fakebluez.peripherals import UnsupportedPeripheral, make_peripheral
from tests.fakebluez.streaming import Faults, StreamingPeripheral
from tests.fakebluez.thread import FakeBlueZThread

__all__ = [
    "FakeBluetooth",
    "Faults",
    "StreamingPeripheral",
    "UnsupportedPeripheral",
    "make_peripheral",
]


class FakeBluetooth:
    """Private bus + fake BlueZ (in a background thread) + environment for bleak.

    Parameters
    ----------
    devices : list of FakeDevice
        Peripherals in range.
    adapter : bool
        Whether an adapter exists.
    bluez : bool
        Whether the fake ``org.bluez`` runs at all (``False``: "BlueZ not running").
    powered : bool
        The adapter's power state.
    set_env : bool
        Point this process's ``DBUS_SYSTEM_BUS_ADDRESS``/``PATH`` at the fake while it runs
        (``False`` for a fake used only by subprocesses, via :meth:`env`).
    """

    def __init__(
        self,
        devices: list[FakeDevice] | None = None,
        *,
        adapter: bool = True,
        bluez: bool = True,
        powered: bool = True,
        set_env: bool = True,
    ) -> None:
        self.devices = list(devices or [])
        self.tmp = Path(tempfile.mkdtemp(prefix="fakebt-"))
        self.bus = PrivateBus(self.tmp / "bus")
        self.fake: FakeBlueZThread | None = None
        self._run_bluez = bluez
        self._adapter = adapter
        self._powered = powered
        self._set_env = set_env
        self._saved: dict[str, str | None] = {}
        self.bin_dir = write_fake_bluetoothctl(self.tmp / "bin")

    @property
    def address(self) -> str:
        """The private bus address."""
        return self.bus.address

    def env(self, base: dict[str, str] | None = None) -> dict[str, str]:
        """Environment for a subprocess that should use the fake (bus address, PATH)."""
        env = dict(os.environ if base is None else base)
        env["DBUS_SYSTEM_BUS_ADDRESS"] = self.address
        env["PATH"] = f"{self.bin_dir}{os.pathsep}{env.get('PATH', '')}"
        return env

    def start(self) -> FakeBluetooth:
        """Start bus and fake, and point this process's environment at them."""
        self.bus.start()
        if self._run_bluez:
            service = FakeBlueZ(self.address, self.devices, adapter=self._adapter, powered=self._powered)
            self.fake = FakeBlueZThread(service).start()
        for key, value in self.env().items():
            if self._set_env and key in ("DBUS_SYSTEM_BUS_ADDRESS", "PATH"):
                self._saved[key] = os.environ.get(key)
                os.environ[key] = value
        return self

    def stop(self) -> None:
        """Stop everything and restore the environment."""
        try:
            if self.fake is not None:
                self.fake.stop()
                self.fake = None
        finally:
            self.bus.stop()
            for key, value in self._saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
            self._saved.clear()
            shutil.rmtree(self.tmp, ignore_errors=True)

    def device(self, address: str) -> FakeDevice:
        """The fake device with this address."""
        for device in self.devices:
            if device.address == address.upper():
                return device
        raise KeyError(address)

    def drop_link(self, address: str, down_s: float = 0.5) -> None:
        """Take a device's link down from the device side (blocks until announced)."""
        assert self.fake is not None
        device = self.device(address)
        self.fake.call(lambda: device.drop_link(down_s))

    def __enter__(self) -> FakeBluetooth:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
