"""A remote peripheral as the fake BlueZ presents it: :class:`FakeDevice`.

It holds the advertisement, the GATT database exported after ``Connect`` and the link state,
and has the behaviour hooks (connect, disconnect, read, write, notify) that the fake sensors in
:mod:`tests.fakebluez.peripherals` override.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from tests.fakebluez.gatt import GattCharacteristic, GattService, WriteRecord

if TYPE_CHECKING:
    from tests.fakebluez.bluez import FakeBlueZ

__all__ = ["ADAPTER_PATH", "FakeDevice"]

#: Object path of the one adapter the fake exports; device paths lie below it.
ADAPTER_PATH = "/org/bluez/hci0"


class FakeDevice:
    """A remote peripheral as the fake BlueZ presents it. Subclasses add behaviour.

    Attributes
    ----------
    address, name : str
        Bluetooth address (``AA:BB:...``) and advertised name.
    rssi : int
        Advertised RSSI (dBm).
    adv_uuids : list[str]
        Service UUIDs in the advertisement.
    services : list[GattService]
        The GATT database exported after ``Connect``.
    writes : list[WriteRecord]
        Every write received, in order.
    connected : bool
        Link state.
    reachable : bool
        Whether ``Connect`` succeeds (``False`` while a simulated link loss lasts).
    """

    def __init__(
        self, address: str, name: str, rssi: int = -60, adv_uuids: list[str] | None = None
    ) -> None:
        self.address = address.upper()
        self.name = name
        self.rssi = rssi
        self.adv_uuids = list(adv_uuids or [])
        self.services: list[GattService] = []
        self.writes: list[WriteRecord] = []
        self.connected = False
        self.reachable = True
        self.connect_count = 0
        self.bluez: FakeBlueZ | None = None
        self.path = f"{ADAPTER_PATH}/dev_{self.address.replace(':', '_')}"

    # --- behaviour hooks (override) -------------------------------------------------------
    def on_connect(self) -> None:
        """Called after the link is up and the GATT objects are exported."""

    def on_disconnect(self) -> None:
        """Called when the link goes down (either side)."""

    def on_read(self, char: GattCharacteristic) -> bytes:
        """Answer a ``ReadValue``; raise :class:`GattError` to refuse."""
        return char.value

    def on_write(self, char: GattCharacteristic, data: bytes, response: bool) -> None:
        """Handle a ``WriteValue``; raise :class:`GattError` to refuse."""
        char.value = data

    def on_notify(self, char: GattCharacteristic, enabled: bool) -> None:
        """Called on ``StartNotify``/``StopNotify``; raise :class:`GattError` to refuse."""

    # --- helpers for subclasses -----------------------------------------------------------
    def char(self, uuid: str) -> GattCharacteristic:
        """The characteristic with this UUID."""
        for service in self.services:
            for char in service.characteristics:
                if char.uuid == uuid:
                    return char
        raise KeyError(uuid)

    async def notify(self, uuid: str, data: bytes) -> bool:
        """Send one notification if the characteristic is notifying; return whether sent."""
        char = self.char(uuid)
        if self.bluez is None or not self.connected or not char.notifying:
            return False
        await self.bluez.send_value(char, data)
        return True

    async def drop_link(self, down_s: float = 0.5) -> None:
        """Simulate link loss from the device side; unreachable for ``down_s`` seconds."""
        if self.bluez is None or not self.connected:
            return
        self.reachable = False
        await self.bluez.disconnect_device(self, reason="link loss")
        loop = asyncio.get_running_loop()
        loop.call_later(down_s, self._make_reachable)

    def _make_reachable(self) -> None:
        self.reachable = True
