"""A fake ``org.bluez`` service on a private D-Bus, good enough for bleak's real BlueZ backend.

It implements the parts of the BlueZ D-Bus API that bleak 3.1 uses (see
``docs/ble.md``): the object manager, one adapter with discovery, devices with
``Connect``/``Disconnect``, and GATT services, characteristics and descriptors with
``ReadValue``/``WriteValue``/``StartNotify``/``StopNotify``. Notifications are
``PropertiesChanged`` signals on the characteristic, one per notification.

Behaviour of each device (what it answers, what it streams) lives in a :class:`FakeDevice`
subclass (see :mod:`tests.fakebluez.peripherals`). The service runs on an asyncio loop, either
the caller's (:meth:`FakeBlueZ.start`) or a background thread's (:class:`FakeBlueZThread`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, TypeVar

from dbus_fast import Message, MessageType, Variant
from dbus_fast.aio import MessageBus

__all__ = [
    "ADAPTER_PATH",
    "FakeBlueZ",
    "FakeBlueZThread",
    "FakeDevice",
    "GattCharacteristic",
    "GattDescriptor",
    "GattError",
    "GattService",
    "WriteRecord",
    "sig_uuid",
]

logger = logging.getLogger(__name__)

ADAPTER_PATH = "/org/bluez/hci0"
_OM = "org.freedesktop.DBus.ObjectManager"
_PROPS = "org.freedesktop.DBus.Properties"
_ADAPTER = "org.bluez.Adapter1"
_DEVICE = "org.bluez.Device1"
_SERVICE = "org.bluez.GattService1"
_CHAR = "org.bluez.GattCharacteristic1"
_DESC = "org.bluez.GattDescriptor1"

T = TypeVar("T")


class GattError(Exception):
    """A D-Bus error the fake answers with (e.g. ``org.bluez.Error.NotPermitted``)."""

    def __init__(self, name: str, text: str = "") -> None:
        super().__init__(f"{name}: {text}")
        self.name = name
        self.text = text


@dataclass
class GattDescriptor:
    """A GATT descriptor (``uuid`` lower-case, 128-bit)."""

    uuid: str
    value: bytes = b""
    path: str = ""


@dataclass
class GattCharacteristic:
    """A GATT characteristic; ``flags`` as BlueZ spells them (``read``, ``notify`` ...)."""

    uuid: str
    flags: tuple[str, ...]
    value: bytes = b""
    descriptors: list[GattDescriptor] = field(default_factory=list)
    path: str = ""
    notifying: bool = False


@dataclass
class GattService:
    """A primary GATT service."""

    uuid: str
    characteristics: list[GattCharacteristic]
    path: str = ""


@dataclass(frozen=True)
class WriteRecord:
    """One ``WriteValue`` the fake received."""

    t_ns: int
    address: str
    char_uuid: str
    data: bytes
    response: bool


class _AlreadyAnswered(GattError):
    """Raised by a handler that has sent its reply itself (``Connect``)."""

    def __init__(self) -> None:
        super().__init__("org.bluez.Error.Failed", "")


def sig_uuid(short: int) -> str:
    """Full 128-bit UUID of a 16-bit SIG UUID."""
    return f"{short:08x}-0000-1000-8000-00805f9b34fb"


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
                "/", _OM, "InterfacesAdded", "oa{sa{sv}}", [ADAPTER_PATH, self._adapter_ifaces()]
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
                for obj_path, ifaces in self._gatt_objects(device):
                    await self._signal("/", _OM, "InterfacesRemoved", "oas", [obj_path, list(ifaces)])
                await self._signal("/", _OM, "InterfacesRemoved", "oas", [path, [_DEVICE]])
            if self.has_adapter:
                await self._signal("/", _OM, "InterfacesRemoved", "oas", [ADAPTER_PATH, [_ADAPTER]])
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

    # --- properties -----------------------------------------------------------------------
    def _adapter_ifaces(self) -> dict[str, dict[str, Variant]]:
        return {
            _ADAPTER: {
                "Address": Variant("s", "00:1A:7D:DA:71:13"),
                "AddressType": Variant("s", "public"),
                "Name": Variant("s", "fakehost"),
                "Alias": Variant("s", "fakehost"),
                "Powered": Variant("b", self.powered),
                "Discoverable": Variant("b", False),
                "Pairable": Variant("b", True),
                "Discovering": Variant("b", self.discovering),
                "UUIDs": Variant("as", []),
                "Roles": Variant("as", ["central", "peripheral"]),
            }
        }

    def _device_props(self, device: FakeDevice) -> dict[str, Variant]:
        return {
            "Address": Variant("s", device.address),
            "AddressType": Variant("s", "random"),
            "Name": Variant("s", device.name),
            "Alias": Variant("s", device.name),
            "Adapter": Variant("o", ADAPTER_PATH),
            "Paired": Variant("b", False),
            "Bonded": Variant("b", False),
            "Trusted": Variant("b", False),
            "Blocked": Variant("b", False),
            "LegacyPairing": Variant("b", False),
            "Connected": Variant("b", device.connected),
            "ServicesResolved": Variant("b", device.connected),
            "UUIDs": Variant("as", self._device_uuids(device)),
            "RSSI": Variant("n", device.rssi),
            "ManufacturerData": Variant("a{qv}", {}),
            "ServiceData": Variant("a{sv}", {}),
        }

    @staticmethod
    def _device_uuids(device: FakeDevice) -> list[str]:
        """Advertised UUIDs; once connected, BlueZ adds every GATT service UUID."""
        uuids = list(device.adv_uuids)
        if device.connect_count:
            uuids += [s.uuid for s in device.services if s.uuid not in uuids]
        return uuids

    def _gatt_objects(self, device: FakeDevice) -> list[tuple[str, dict[str, dict[str, Variant]]]]:
        objects: list[tuple[str, dict[str, dict[str, Variant]]]] = []
        for service in device.services:
            objects.append(
                (
                    service.path,
                    {
                        _SERVICE: {
                            "UUID": Variant("s", service.uuid),
                            "Device": Variant("o", device.path),
                            "Primary": Variant("b", True),
                        }
                    },
                )
            )
            for char in service.characteristics:
                objects.append(
                    (
                        char.path,
                        {
                            _CHAR: {
                                "UUID": Variant("s", char.uuid),
                                "Service": Variant("o", service.path),
                                "Flags": Variant("as", list(char.flags)),
                                "Value": Variant("ay", bytes(char.value)),
                                "Notifying": Variant("b", char.notifying),
                                "MTU": Variant("q", 247),
                            }
                        },
                    )
                )
                for desc in char.descriptors:
                    objects.append(
                        (
                            desc.path,
                            {
                                _DESC: {
                                    "UUID": Variant("s", desc.uuid),
                                    "Characteristic": Variant("o", char.path),
                                }
                            },
                        )
                    )
        return objects

    def _managed_objects(self) -> dict[str, dict[str, dict[str, Variant]]]:
        objects: dict[str, dict[str, dict[str, Variant]]] = {}
        if self.has_adapter:
            objects[ADAPTER_PATH] = self._adapter_ifaces()
        for path in self.known:
            device = self.devices[path]
            objects[path] = {_DEVICE: self._device_props(device)}
            if device.connected:
                objects.update(dict(self._gatt_objects(device)))
        return objects

    # --- signals --------------------------------------------------------------------------
    async def _signal(self, path: str, iface: str, member: str, signature: str, body: list[Any]) -> None:
        if self.bus is None:
            return
        await self.bus.send(Message.new_signal(path, iface, member, signature, body))
        self.signals_sent += 1

    async def _props_changed(self, path: str, iface: str, changed: dict[str, Variant]) -> None:
        await self._signal(path, _PROPS, "PropertiesChanged", "sa{sv}as", [iface, changed, []])

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
                _PROPS,
                "PropertiesChanged",
                "sa{sv}as",
                [_CHAR, {"Value": Variant("ay", char.value)}, []],
            )
        )

    async def _advertise(self) -> None:
        for path, device in self.devices.items():
            if device.connected or not device.reachable:
                continue
            if path not in self.known:
                self.known.add(path)
                await self._signal(
                    "/", _OM, "InterfacesAdded", "oa{sa{sv}}", [path, {_DEVICE: self._device_props(device)}]
                )
            else:
                await self._props_changed(path, _DEVICE, {"RSSI": Variant("n", device.rssi)})

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
        await self._props_changed(device.path, _DEVICE, {"ServicesResolved": Variant("b", False)})
        await self._props_changed(device.path, _DEVICE, {"Connected": Variant("b", False)})
        for obj_path, ifaces in reversed(self._gatt_objects(device)):
            await self._signal("/", _OM, "InterfacesRemoved", "oas", [obj_path, list(ifaces)])

    async def _resolve_services(self, device: FakeDevice) -> None:
        for obj_path, ifaces in self._gatt_objects(device):
            await self._signal("/", _OM, "InterfacesAdded", "oa{sa{sv}}", [obj_path, ifaces])
        await self._props_changed(
            device.path,
            _DEVICE,
            {"UUIDs": Variant("as", self._device_uuids(device)), "ServicesResolved": Variant("b", True)},
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
        if msg.interface == _OM and member == "GetManagedObjects":
            return Message.new_method_return(msg, "a{oa{sa{sv}}}", [self._managed_objects()])
        kind, obj, device = self._find(path)
        if msg.interface == _PROPS:
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
            props = self._adapter_ifaces()[_ADAPTER]
        elif kind == "device" and device is not None:
            props = self._device_props(device)
        else:
            ifaces = dict(self._gatt_objects(device)).get(obj.path, {}) if device else {}
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
            self.spawn(self._props_changed(ADAPTER_PATH, _ADAPTER, {"Discovering": Variant("b", False)}))
            return Message.new_method_return(msg)
        if member == "RemoveDevice":
            return Message.new_method_return(msg)
        if member == "GetDiscoveryFilters":
            return Message.new_method_return(msg, "as", [["UUIDs", "RSSI", "Transport", "DuplicateData"]])
        raise GattError("org.freedesktop.DBus.Error.UnknownMethod", str(member))

    async def _start_discovery_soon(self) -> None:
        # devices count only when they appear *after* StartDiscovery has been answered
        await asyncio.sleep(0.01)
        await self._props_changed(ADAPTER_PATH, _ADAPTER, {"Discovering": Variant("b", True)})
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
            await self._props_changed(device.path, _DEVICE, {"Connected": Variant("b", True)})
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
            self.spawn(self._props_changed(char.path, _CHAR, {"Notifying": Variant("b", True)}))
            return Message.new_method_return(msg)
        if member == "StopNotify":
            char.notifying = False
            device.on_notify(char, False)
            return Message.new_method_return(msg)
        if member in ("AcquireNotify", "AcquireWrite"):
            raise GattError("org.bluez.Error.NotSupported", "Operation is not supported")
        raise GattError("org.freedesktop.DBus.Error.UnknownMethod", str(member))


class FakeBlueZThread:
    """Run a :class:`FakeBlueZ` on its own event loop in a daemon thread.

    Tests and benchmarks drive it with :meth:`call` (a coroutine function run on the fake's
    loop) while bleak or a recorder subprocess talks to it over the private bus.
    """

    def __init__(self, bluez: FakeBlueZ) -> None:
        self.bluez = bluez
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="fake-bluez", daemon=True)
        self._started = threading.Event()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    def start(self) -> FakeBlueZThread:
        """Start the thread and the service; returns when ``org.bluez`` is owned."""
        self._thread.start()
        self.call(self.bluez.start)
        return self

    def call(self, fn: Callable[[], Awaitable[T]], timeout: float = 30.0) -> T:
        """Run ``fn()`` on the fake's loop and return its result."""

        async def runner() -> T:
            return await fn()

        return asyncio.run_coroutine_threadsafe(runner(), self.loop).result(timeout)

    def stop(self) -> None:
        """Stop the service and the thread."""
        if not self._thread.is_alive():
            return
        try:
            self.call(self.bluez.stop, timeout=10)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(timeout=10)
            if not self._thread.is_alive():
                self.loop.close()
