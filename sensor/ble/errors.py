"""Failures a person can act on, and the mapping of bleak / D-Bus errors onto them.

Every :class:`SensorError` has a one-line ``str`` for the CLI.
"""

from __future__ import annotations

from bleak.exc import (
    BleakBluetoothNotAvailableError,
    BleakDBusError,
    BleakError,
    BleakGATTProtocolError,
    BleakGATTProtocolErrorCode,
)

__all__ = [
    "AdapterUnavailableError",
    "ConfigurationRejectedError",
    "ConnectionFailedError",
    "DeviceNotFoundError",
    "NoDataError",
    "PairingRequiredError",
    "SensorError",
    "UnsupportedDeviceError",
    "adapter_error",
    "is_pairing_error",
    "one_line",
    "pairing_message",
]

_PAIRING_CODES = {
    BleakGATTProtocolErrorCode.INSUFFICIENT_AUTHENTICATION,
    BleakGATTProtocolErrorCode.INSUFFICIENT_AUTHORIZATION,
    BleakGATTProtocolErrorCode.INSUFFICIENT_ENCRYPTION,
    BleakGATTProtocolErrorCode.INSUFFICIENT_ENCRYPTION_KEY_SIZE,
}


class SensorError(Exception):
    """A BLE failure a person can act on; ``str(error)`` is one line for the CLI."""


class AdapterUnavailableError(SensorError):
    """No usable Bluetooth adapter, or BlueZ / the system D-Bus is not running."""


class DeviceNotFoundError(SensorError):
    """The wanted sensor did not show up within the scan timeout."""


class UnsupportedDeviceError(SensorError):
    """The device was found but is not a supported sensor model."""


class PairingRequiredError(SensorError):
    """The sensor refused access until it is paired (micro:bit with default firmware)."""


class ConfigurationRejectedError(SensorError):
    """The sensor rejected a configuration write or answered with an error reply."""


class ConnectionFailedError(SensorError):
    """The first connection could not be established within the connect timeout."""


class NoDataError(SensorError):
    """The sensor connected and was configured but sent no data."""


def adapter_error(exc: BaseException) -> AdapterUnavailableError | None:
    """Map 'no Bluetooth here' failures to one clear error, else ``None``."""
    if isinstance(exc, BleakBluetoothNotAvailableError):
        return AdapterUnavailableError(f"no usable Bluetooth adapter: {exc}")
    if isinstance(exc, BleakDBusError) and exc.dbus_error in (
        "org.freedesktop.DBus.Error.ServiceUnknown",
        "org.freedesktop.DBus.Error.NameHasNoOwner",
    ):
        return AdapterUnavailableError(
            "BlueZ is not running (no org.bluez on the system D-Bus); start the bluetooth service"
        )
    if isinstance(exc, (FileNotFoundError, ConnectionRefusedError, ConnectionResetError)):
        return AdapterUnavailableError(
            f"cannot reach the system D-Bus ({exc.__class__.__name__}); is D-Bus/BlueZ running?"
        )
    if (
        isinstance(exc, BleakError)
        and "adapter" in str(exc).lower()
        and "not found" in str(exc).lower()
    ):
        return AdapterUnavailableError(f"no usable Bluetooth adapter: {exc}")
    return None


def is_pairing_error(exc: BaseException) -> bool:
    """Whether ``exc`` means the sensor wants to be paired (ATT or BlueZ authorisation errors)."""
    if isinstance(exc, BleakGATTProtocolError):
        return exc.code in _PAIRING_CODES
    if isinstance(exc, BleakDBusError):
        details = (exc.dbus_error_details or "").lower()
        if exc.dbus_error == "org.bluez.Error.NotAuthorized":
            return True
        if exc.dbus_error == "org.bluez.Error.NotPermitted" and (
            "pair" in details or "auth" in details or "encrypt" in details
        ):
            return True
        if exc.dbus_error == "org.bluez.Error.AuthenticationFailed":
            return True
    return False


def one_line(exc: BaseException) -> str:
    """``exc`` as one line of at most 200 characters."""
    text = " ".join(str(exc).split()) or exc.__class__.__name__
    return text[:200]


def pairing_message(name: str, address: str) -> str:
    """The one-line message of :class:`PairingRequiredError` for a sensor."""
    return (
        f"pairing required: {name or address} ({address}) refused access; "
        "pair it first (bluetoothctl pair) or flash a program with open pairing"
    )
