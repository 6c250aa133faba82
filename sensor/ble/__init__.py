"""The BLE client, built on bleak: find a sensor, then stream :class:`SampleBatch` objects.

Protocol knowledge comes from :mod:`sensor.profiles`, sample times from
:class:`sensor.clock.SampleClock`.

Modules
-------
* :mod:`sensor.ble.errors` — :class:`SensorError` and its subclasses (one-line messages), and the
  mapping of bleak / D-Bus failures onto them.
* :mod:`sensor.ble.scan` — :class:`FoundDevice`, :func:`scan`, :func:`find_device`.
* :mod:`sensor.ble.gatt` — one connection's GATT steps (device information, subscribe,
  configuration writes, configuration replies).
* :mod:`sensor.ble.rate` — confirming the rate the sensor runs at (query or read-back).
* :mod:`sensor.ble.batching` — notifications → batches (:class:`StreamStats`).
* :mod:`sensor.ble.feed` — the queue between the callbacks and the consumer.
* :mod:`sensor.ble.reconnect` — which failed attempts end a stream; backoff between attempts.
* :mod:`sensor.ble.stream` — :class:`SensorStream`: connect, configure, stream, reconnect.
"""

from sensor.ble.batching import StreamStats
from sensor.ble.errors import (
    AdapterUnavailableError,
    ConfigurationRejectedError,
    ConnectionFailedError,
    DeviceNotFoundError,
    NoDataError,
    PairingRequiredError,
    SensorError,
    UnsupportedDeviceError,
)
from sensor.ble.gatt import BATTERY_LEVEL_UUID, FIRMWARE_REVISION_UUID, MODEL_NUMBER_UUID
from sensor.ble.scan import FoundDevice, find_device, gatt_services, scan, unsupported_message
from sensor.ble.stream import SensorStream

__all__ = [
    "AdapterUnavailableError",
    "BATTERY_LEVEL_UUID",
    "ConfigurationRejectedError",
    "ConnectionFailedError",
    "DeviceNotFoundError",
    "FIRMWARE_REVISION_UUID",
    "FoundDevice",
    "MODEL_NUMBER_UUID",
    "NoDataError",
    "PairingRequiredError",
    "SensorError",
    "SensorStream",
    "StreamStats",
    "UnsupportedDeviceError",
    "find_device",
    "gatt_services",
    "scan",
    "unsupported_message",
]
