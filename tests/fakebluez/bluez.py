"""A fake ``org.bluez`` service on a private D-Bus, good enough for bleak's real BlueZ backend.

It implements the parts of the BlueZ D-Bus API that bleak 3.1 uses (see
``docs/ble.md``): the object manager, one adapter with discovery, devices with
``Connect``/``Disconnect``, and GATT services, characteristics and descriptors with
``ReadValue``/``WriteValue``/``StartNotify``/``StopNotify``. Notifications are
``PropertiesChanged`` signals on the characteristic, one per notification.

Behaviour of each device (what it answers, what it streams) lives in a
:class:`~tests.fakebluez.device.FakeDevice` subclass (see :mod:`tests.fakebluez.peripherals`);
its GATT database is made of :mod:`tests.fakebluez.gatt` objects, shown on D-Bus as
:mod:`tests.fakebluez.objects` describes. The service runs on an asyncio loop, either the
caller's (:meth:`FakeBlueZ.start`) or a background thread's
(:class:`~tests.fakebluez.thread.FakeBlueZThread`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Coroutine
from typing import Any

from dbus_fast import Message, MessageType, Variant
from dbus_fast.aio import MessageBus

from tests.fakebluez.device import ADAPTER_PATH, FakeDevice
from tests.fakebluez.gatt import GattCharacteristic, GattError, WriteRecord
from tests.fakebluez.objects import (
    ADAPTER_IFACE,
    CHAR_IFACE,
    DEVICE_IFACE,
    OBJECT_MANAGER,
    PROPERTIES,
    adapter_interfaces,
    device_properties,
    device_uuids,
    gatt_objects,
)

__all__ = ["FakeBlueZ"]

logger = logging.getLogger(__name__)


class _AlreadyAnswered(GattError):
    """Raised by a handler that has sent its reply itself (``Connect``)."""

    def __init__(self) -> None:
        super().__init__("org.bluez.Error.Failed", "")


class FakeBlueZ:
    """The fake ``org.bluez`` service.

    Parameters
    ----------
    bus_address : str
        Address of the private bus.
    devices : list[FakeDevice]
        Peripherals in radio range.
    adapter : bool
        Export an adapter at all (``False`` simulates a machine without Bluetooth).
    powered : bool
        The adapter's ``Powered`` property.
    """

    def __init__(
        self,
        bus_address: str,
        devices: list[FakeDevice] | None = None,
        adapter: bool = True,
        powered: bool = True,
    ) -> None:
        self.bus_address = bus_address
        self.devices: dict[str, FakeDevice] = {}
        self.has_adapter = adapter
        self.powered = powered
        self.discovering = False
        self.discovery_filter: dict[str, Any] = {}
        self.known: set[str] = set()  # device paths exported (seen while scanning)
        self.bus: MessageBus | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._rssi_task: asyncio.Task[None] | None = None
        self.signals_sent = 0
        for device in devices or []:
            self.add_device(device)

    def add_device(self, device: FakeDevice) -> None:
        """Put a device in radio range (it becomes visible with the next discovery)."""
        device.bluez = self
        self.devices[device.path] = device
        handle = 1
        for service in device.services:
            service.path = f"{device.path}/service{handle:04x}"
            handle += 1
            for char in service.characteristics:
                char.path = f"{service.path}/char{handle:04x}"
                handle += 2
                for desc in char.descriptors:
                    desc.path = f"{char.path}/desc{handle:04x}"
                    handle += 1

    # --- lifecycle ------------------------------------------------------------------------
    async def start(self) -> None:
        """Connect to the bus, own ``org.bluez`` and announce the adapter."""
        self.bus = await MessageBus(bus_address=self.bus_address).connect()
        self.bus.add_message_handler(self._on_message)
        await self.bus.request_name("org.bluez")
        if self.has_adapter:
            await self._signal(
                "/", OBJECT_MANAGER, "InterfacesAdded", "oa{sa{sv}}", [ADAPTER_PATH, self._adapter_ifaces()]
            )

    async def stop(self) -> None:
        """Remove every object (so a long-lived bleak manager forgets them) and disconnect."""
        for task in list(self._tasks):
            task.cancel()
        if self._rssi_task is not None:
            self._rssi_task.cancel()
        for device in self.devices.values():
            if device.connected:
                device.connected = False
                device.on_disconnect()
        if self.bus is None:
            return
        try:
            for path in sorted(self.known):
                device = self.devices[path]
                for obj_path, ifaces in gatt_objects(device):
                    await self._signal("/", OBJECT_MANAGER, "InterfacesRemoved", "oas", [obj_path, list(ifaces)])
                await self._signal("/", OBJECT_MANAGER, "InterfacesRemoved", "oas", [path, [DEVICE_IFACE]])
            if self.has_adapter:
                await self._signal("/", OBJECT_MANAGER, "InterfacesRemoved", "oas", [ADAPTER_PATH, [ADAPTER_IFACE]])
        except Exception:  # noqa: BLE001 - teardown must not raise
            logger.debug("error removing objects", exc_info=True)
        bus, self.bus = self.bus, None
        bus.disconnect()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(bus.wait_for_disconnect(), timeout=2)

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        """Run a coroutine as a task owned by the fake (cancelled on stop)."""
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.error("fake task failed", exc_info=task.exception())

    # --- objects --------------------------------------------------------------------------
    def _adapter_ifaces(self) -> dict[str, dict[str, Variant]]:
        return adapter_interfaces(self.powered, self.discovering)

    def _managed_objects(self) -> dict[str, dict[str, dict[str, Variant]]]:
        objects: dict[str, dict[str, dict[str, Variant]]] = {}
        if self.has_adapter:
            objects[ADAPTER_PATH] = self._adapter_ifaces()
        for path in self.known:
            device = self.devices[path]
            objects[path] = {DEVICE_IFACE: device_properties(device)}
            if device.connected:
                objects.update(dict(gatt_objects(device)))
        return objects

    # --- signals --------------------------------------------------------------------------
    async def _signal(self, path: str, iface: str, member: str, signature: str, body: list[Any]) -> None:
        if self.bus is None:
            return
        await self.bus.send(Message.new_signal(path, iface, member, signature, body))
        self.signals_sent += 1

    async def _props_changed(self, path: str, iface: str, changed: dict[str, Variant]) -> None:
        await self._signal(path, PROPERTIES, "PropertiesChanged", "sa{sv}as", [iface, changed, []])

    async def send_value(self, char: GattCharacteristic, data: bytes) -> None:
        """Emit one notification (``Value`` change) on a characteristic."""
        await self.queue_value(char, data)

    def queue_value(self, char: GattCharacteristic, data: bytes) -> asyncio.Future[Any]:
        """Hand one notification to the bus now; the future resolves once it is written.

        Awaiting it before the next one keeps the send queue short, which avoids dbus-fast's
        EAGAIN trap (a full socket buffer treated as fatal).
        """
        char.value = bytes(data)
        if self.bus is None:
            done: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
            done.set_result(None)
            return done
        self.signals_sent += 1
        return self.bus.send(
            Message.new_signal(
                char.path,
                PROPERTIES,
                "PropertiesChanged",
                "sa{sv}as",
                [CHAR_IFACE, {"Value": Variant("ay", char.value)}, []],
            )
        )

    async def _advertise(self) -> None:
        for path, device in self.devices.items():
            if device.connected or not device.reachable:
                continue
            if path not in self.known:
                self.known.add(path)
                await self._signal(
                    "/", OBJECT_MANAGER, "InterfacesAdded", "oa{sa{sv}}", [path, {DEVICE_IFACE: device_properties(device)}]
                )
            else:
                await self._props_changed(path, DEVICE_IFACE, {"RSSI": Variant("n", device.rssi)})

    async def _advertise_loop(self) -> None:
        while self.discovering:
            await self._advertise()
            await asyncio.sleep(0.25)

    async def disconnect_device(self, device: FakeDevice, reason: str = "") -> None:
        """Take a device's link down: stop notifications, announce, remove GATT objects."""
        if not device.connected:
            return
        logger.debug("disconnect %s (%s)", device.address, reason)
        device.connected = False
        device.on_disconnect()
        for service in device.services:
            for char in service.characteristics:
                char.notifying = False
        await self._props_changed(device.path, DEVICE_IFACE, {"ServicesResolved": Variant("b", False)})
        await self._props_changed(device.path, DEVICE_IFACE, {"Connected": Variant("b", False)})
        for obj_path, ifaces in reversed(gatt_objects(device)):
            await self._signal("/", OBJECT_MANAGER, "InterfacesRemoved", "oas", [obj_path, list(ifaces)])

    async def _resolve_services(self, device: FakeDevice) -> None:
        for obj_path, ifaces in gatt_objects(device):
            await self._signal("/", OBJECT_MANAGER, "InterfacesAdded", "oa{sa{sv}}", [obj_path, ifaces])
        await self._props_changed(
            device.path,
            DEVICE_IFACE,
            {"UUIDs": Variant("as", device_uuids(device)), "ServicesResolved": Variant("b", True)},
        )
        device.on_connect()

    # --- method calls ---------------------------------------------------------------------
    def _on_message(self, msg: Message) -> bool:
        if msg.message_type != MessageType.METHOD_CALL:
            return False
        if msg.interface in ("org.freedesktop.DBus.Introspectable", "org.freedesktop.DBus.Peer"):
            return False
        asyncio.get_running_loop().create_task(self._answer(msg))
        return True

    async def _answer(self, msg: Message) -> None:
        assert self.bus is not None
        try:
            reply = await self._dispatch(msg)
        except _AlreadyAnswered:
            return
        except GattError as e:
            reply = Message.new_error(msg, e.name, e.text)
        except Exception as e:  # noqa: BLE001 - a fake must answer every call
            logger.exception("fake BlueZ failed on %s.%s", msg.interface, msg.member)
            reply = Message.new_error(msg, "org.bluez.Error.Failed", str(e))
        if self.bus is not None:
            await self.bus.send(reply)

    def _find(self, path: str) -> tuple[str, Any, FakeDevice | None]:
        if path == ADAPTER_PATH and self.has_adapter:
            return "adapter", None, None
        for dev_path, device in self.devices.items():
            if path == dev_path and dev_path in self.known:
                return "device", device, device
            if not path.startswith(dev_path + "/") or not device.connected:
                continue
            for service in device.services:
                if service.path == path:
                    return "service", service, device
                for char in service.characteristics:
                    if char.path == path:
                        return "char", char, device
                    for desc in char.descriptors:
                        if desc.path == path:
                            return "desc", desc, device
        raise GattError("org.freedesktop.DBus.Error.UnknownObject", f"no object {path}")

    async def _dispatch(self, msg: Message) -> Message:
        path = msg.path or ""
        member = msg.member or ""
        if msg.interface == OBJECT_MANAGER and member == "GetManagedObjects":
            return Message.new_method_return(msg, "a{oa{sa{sv}}}", [self._managed_objects()])
        kind, obj, device = self._find(path)
        if msg.interface == PROPERTIES:
            return self._properties_call(msg, kind, obj, device)
        if kind == "adapter":
            return await self._adapter_call(msg)
        assert device is not None
        if kind == "device":
            return await self._device_call(msg, device)
        if kind == "char":
            return await self._char_call(msg, obj, device)
        if kind == "desc" and member == "ReadValue":
            return Message.new_method_return(msg, "ay", [bytes(obj.value)])
        if kind == "desc" and member == "WriteValue":
            obj.value = bytes(msg.body[0])
            return Message.new_method_return(msg)
        raise GattError("org.freedesktop.DBus.Error.UnknownMethod", f"{msg.interface}.{member}")

    def _properties_call(self, msg: Message, kind: str, obj: Any, device: FakeDevice | None) -> Message:
        if kind == "adapter":
            props = self._adapter_ifaces()[ADAPTER_IFACE]
        elif kind == "device" and device is not None:
            props = device_properties(device)
        else:
            ifaces = dict(gatt_objects(device)).get(obj.path, {}) if device else {}
            props = next(iter(ifaces.values()), {})
        if msg.member == "GetAll":
            return Message.new_method_return(msg, "a{sv}", [props])
        if msg.member == "Get":
            name = msg.body[1]
            if name not in props:
                raise GattError("org.freedesktop.DBus.Error.InvalidArgs", f"no property {name}")
            return Message.new_method_return(msg, "v", [props[name]])
        if msg.member == "Set":
            return Message.new_method_return(msg)
        raise GattError("org.freedesktop.DBus.Error.UnknownMethod", str(msg.member))

    async def _adapter_call(self, msg: Message) -> Message:
        member = msg.member
        if member == "SetDiscoveryFilter":
            self.discovery_filter = dict(msg.body[0])
            return Message.new_method_return(msg)
        if member == "StartDiscovery":
            if not self.powered:
                raise GattError("org.bluez.Error.NotReady", "Resource Not Ready")
            reply = Message.new_method_return(msg)
            if not self.discovering:
                self.discovering = True
                self.spawn(self._start_discovery_soon())
            return reply
        if member == "StopDiscovery":
            self.discovering = False
            self.spawn(self._props_changed(ADAPTER_PATH, ADAPTER_IFACE, {"Discovering": Variant("b", False)}))
            return Message.new_method_return(msg)
        if member == "RemoveDevice":
            return Message.new_method_return(msg)
        if member == "GetDiscoveryFilters":
            return Message.new_method_return(msg, "as", [["UUIDs", "RSSI", "Transport", "DuplicateData"]])
        raise GattError("org.freedesktop.DBus.Error.UnknownMethod", str(member))

    async def _start_discovery_soon(self) -> None:
        # devices count only when they appear *after* StartDiscovery has been answered
        await asyncio.sleep(0.01)
        await self._props_changed(ADAPTER_PATH, ADAPTER_IFACE, {"Discovering": Variant("b", True)})
        await self._advertise_loop()

    async def _device_call(self, msg: Message, device: FakeDevice) -> Message:
        member = msg.member
        if member == "Connect":
            if device.connected:
                return Message.new_method_return(msg)
            if not device.reachable:
                await asyncio.sleep(0.2)
                raise GattError("org.bluez.Error.Failed", "le-connection-abort-by-remote")
            await asyncio.sleep(0.02)
            assert self.bus is not None
            # like BlueZ: Connected goes true before Connect returns; GATT objects and
            # ServicesResolved follow
            device.connected = True
            device.connect_count += 1
            await self._props_changed(device.path, DEVICE_IFACE, {"Connected": Variant("b", True)})
            await asyncio.sleep(0.01)
            await self.bus.send(Message.new_method_return(msg))
            await self._resolve_services(device)
            # the reply was sent already; answer nothing more
            raise _AlreadyAnswered
        if member == "Disconnect":
            if device.connected:
                self.spawn(self.disconnect_device(device, reason="host request"))
            return Message.new_method_return(msg)
        if member in ("Pair", "CancelPairing"):
            raise GattError("org.bluez.Error.AuthenticationFailed", "pairing not simulated")
        raise GattError("org.freedesktop.DBus.Error.UnknownMethod", str(member))

    async def _char_call(self, msg: Message, char: GattCharacteristic, device: FakeDevice) -> Message:
        member = msg.member
        if member == "ReadValue":
            if "read" not in char.flags:
                raise GattError("org.bluez.Error.NotPermitted", "Read not permitted")
            value = device.on_read(char)
            return Message.new_method_return(msg, "ay", [bytes(value)])
        if member == "WriteValue":
            data = bytes(msg.body[0])
            options = msg.body[1] if len(msg.body) > 1 else {}
            kind = options["type"].value if "type" in options else "request"
            allowed = {"write", "write-without-response"} & set(char.flags)
            if not allowed:
                raise GattError("org.bluez.Error.NotPermitted", "Write not permitted")
            device.writes.append(
                WriteRecord(time.time_ns(), device.address, char.uuid, data, kind != "command")
            )
            device.on_write(char, data, kind != "command")
            return Message.new_method_return(msg)
        if member == "StartNotify":
            if not ({"notify", "indicate"} & set(char.flags)):
                raise GattError("org.bluez.Error.NotSupported", "Operation is not supported")
            device.on_notify(char, True)
            char.notifying = True
            self.spawn(self._props_changed(char.path, CHAR_IFACE, {"Notifying": Variant("b", True)}))
            return Message.new_method_return(msg)
        if member == "StopNotify":
            char.notifying = False
            device.on_notify(char, False)
            return Message.new_method_return(msg)
        if member in ("AcquireNotify", "AcquireWrite"):
            raise GattError("org.bluez.Error.NotSupported", "Operation is not supported")
        raise GattError("org.freedesktop.DBus.Error.UnknownMethod", str(member))
