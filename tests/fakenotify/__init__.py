"""A fake ``org.freedesktop.Notifications`` server on a private D-Bus, for the desktop channel.

It implements the methods of the Desktop Notifications Specification that clients call
(``Notify``, ``CloseNotification``, ``GetCapabilities``, ``GetServerInformation``) and records
every notification. The bus is :class:`tests.fakebluez.bus.PrivateBus` (a private
``dbus-daemon``); its address goes to the client as ``DBUS_SESSION_BUS_ADDRESS``.
"""

# dbus-fast reads D-Bus signatures from the annotations: no "from __future__ import annotations".
from dataclasses import dataclass, field
from typing import Any

from dbus_fast.aio import MessageBus
from dbus_fast.service import ServiceInterface, method

__all__ = ["FakeNotifications", "Notification", "start_fake_notifications"]

NAME = "org.freedesktop.Notifications"
PATH = "/org/freedesktop/Notifications"


@dataclass
class Notification:
    """One received ``Notify`` call."""

    id: int
    app_name: str
    replaces_id: int
    app_icon: str
    summary: str
    body: str
    actions: list[str]
    hints: dict[str, Any]
    expire_timeout: int


@dataclass
class _Log:
    received: list[Notification] = field(default_factory=list)
    closed: list[int] = field(default_factory=list)


class FakeNotifications(ServiceInterface):
    """The ``org.freedesktop.Notifications`` interface, recording what it is sent."""

    def __init__(self) -> None:
        super().__init__(NAME)
        self.log = _Log()
        self._next = 1

    @method()
    def Notify(self, app_name: "s", replaces_id: "u", app_icon: "s", summary: "s",  # type: ignore[name-defined]  # noqa: F821, N802
               body: "s", actions: "as", hints: "a{sv}", expire_timeout: "i") -> "u":  # type: ignore[name-defined, valid-type]  # noqa: F821, F722
        nid = replaces_id or self._next
        self._next += 1
        self.log.received.append(Notification(
            nid, app_name, replaces_id, app_icon, summary, body, list(actions),
            {k: v.value for k, v in hints.items()}, expire_timeout))
        return nid

    @method()
    def CloseNotification(self, id: "u"):  # type: ignore[name-defined]  # noqa: F821, N802, A002, ANN201
        self.log.closed.append(id)

    @method()
    def GetCapabilities(self) -> "as":  # type: ignore[valid-type]  # noqa: F821, F722, N802
        return ["body"]

    @method()
    def GetServerInformation(self) -> "ssss":  # type: ignore[name-defined]  # noqa: F821, N802
        return ["fakenotify", "posturelog tests", "0.1", "1.2"]


async def start_fake_notifications(address: str) -> tuple[MessageBus, FakeNotifications]:
    """Connect to the bus at ``address``, export the fake and own the well-known name."""
    bus = await MessageBus(bus_address=address).connect()
    server = FakeNotifications()
    bus.export(PATH, server)
    await bus.request_name(NAME)
    return bus, server
