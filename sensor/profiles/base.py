"""The small interface every sensor profile implements.

A profile is pure protocol knowledge: how to recognise the device from its advertisement,
which characteristics to use, which bytes configure it, and how to turn notification bytes into
SI samples. It does no I/O; :mod:`sensor.ble` drives it with bleak.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Self

import numpy as np

__all__ = [
    "ConfigWrite",
    "DecodeError",
    "Decoded",
    "SensorProfile",
    "int16_frames",
    "notification_bytes",
]


class DecodeError(ValueError):
    """A notification could not be decoded (wrong length, bad header, unknown frame type)."""


def notification_bytes(data: bytes, what: str) -> bytes:
    """``data`` as bytes; :class:`DecodeError` naming ``what`` if it is not bytes-like."""
    try:
        return memoryview(data).tobytes()
    except (TypeError, ValueError) as exc:
        raise DecodeError(f"{what}: notification is not bytes: {type(data).__name__}") from exc


def int16_frames(data: bytes, frame_len: int, what: str) -> np.ndarray:
    """Fixed-length frames of little-endian int16 values.

    Returns
    -------
    ndarray, shape (N, frame_len // 2), float64
        One row per frame.

    Raises
    ------
    DecodeError
        If ``data`` is not bytes-like or its length is not a positive multiple of ``frame_len``.
    """
    b = notification_bytes(data, what)
    if not b or len(b) % frame_len:
        raise DecodeError(f"{what}: expected a multiple of {frame_len} bytes, got {len(b)}")
    return np.frombuffer(b, dtype="<i2").reshape(-1, frame_len // 2).astype(np.float64)


@dataclass(frozen=True)
class ConfigWrite:
    """One GATT write the client performs while configuring the sensor.

    Attributes
    ----------
    char_uuid : str
        Lower-case 128-bit UUID of the characteristic to write.
    data : bytes
        The exact bytes written.
    response : bool
        Write with response (``True``) or without (``False``).
    delay_s : float
        Pause after the write before the next step (some firmwares need it).
    """

    char_uuid: str
    data: bytes
    response: bool = True
    delay_s: float = 0.0


@dataclass
class Decoded:
    """Samples decoded from one notification (possibly none, if a record is still incomplete).

    Attributes
    ----------
    acc_mps2 : ndarray, shape (N, 3)
        Specific force in m/s².
    gyr_rads : ndarray, shape (N, 3) or None
        Angular rate in rad/s; ``None`` for accelerometer-only sensors.
    device_time_ns : ndarray, shape (N,), int64, or None
        Per-sample device timestamps where the device sends them (Polar H10), else ``None``.
    skipped_bytes : int
        Bytes discarded while re-synchronising (garbage); counted by the client.
    """

    acc_mps2: np.ndarray
    gyr_rads: np.ndarray | None
    device_time_ns: np.ndarray | None = None
    skipped_bytes: int = 0

    def __len__(self) -> int:
        return int(self.acc_mps2.shape[0])


class SensorProfile(ABC):
    """Protocol knowledge for one sensor model.

    A profile instance holds per-connection decoder state (e.g. a reassembly buffer); call
    :meth:`reset` after a reconnect.
    """

    #: Human-readable model name stored in the session record.
    model: str = ""
    #: Short key used on the command line and in tests (``witmotion``, ``thingy52`` ...).
    key: str = ""
    #: Whether the sensor has a gyroscope.
    has_gyroscope: bool = True
    #: Lower-case UUIDs of services that identify the device.
    service_uuids: tuple[str, ...] = ()
    #: Characteristic UUIDs to subscribe to, in order (data last).
    notify_uuids: tuple[str, ...] = ()
    #: The characteristic whose notifications carry samples.
    data_uuid: str = ""
    #: Supported output rates in Hz, ascending.
    rates_hz: tuple[float, ...] = ()
    #: Whether :meth:`decode` returns per-sample device timestamps (``Decoded.device_time_ns``).
    has_device_time: bool = False

    @classmethod
    def from_rate(cls, rate_hz: float | None = None) -> Self:
        """A fresh instance (per-connection decoder state) for output rate ``rate_hz``.

        Profiles that configure the rate per write ignore ``rate_hz`` here; those whose decoder
        needs the rate (Polar H10 timestamps) override this.
        """
        return cls()

    @classmethod
    @abstractmethod
    def matches(cls, name: str | None, service_uuids: list[str]) -> bool:
        """Whether an advertisement (name, advertised service UUIDs) belongs to this model."""

    def nearest_rate(self, rate_hz: float) -> float:
        """The supported rate closest to ``rate_hz``."""
        if not self.rates_hz:
            return rate_hz
        return float(min(self.rates_hz, key=lambda r: abs(r - rate_hz)))

    @abstractmethod
    def config_writes(self, rate_hz: float) -> list[ConfigWrite]:
        """The writes that set the output rate and start streaming (before/after subscribe
        as :meth:`writes_after_subscribe` says)."""

    def writes_after_subscribe(self) -> bool:
        """Whether :meth:`config_writes` must happen after notifications are enabled
        (Polar PMD requires it)."""
        return False

    def adapt_to_discovered(self, char_uuids: Iterable[str]) -> None:  # noqa: B027 - optional
        """Adjust characteristic UUIDs to those discovered on the connected unit.

        Parameters
        ----------
        char_uuids : iterable of str
            Every characteristic UUID the client discovered.

        Raises
        ------
        DecodeError
            If the unit lacks the characteristics this profile needs.
        """

    def stop_write(self) -> ConfigWrite | None:
        """The write that stops streaming when the recording ends, if the model has one."""
        return None

    def rate_query_write(self) -> ConfigWrite | None:
        """A write that makes the sensor report its rate in a data notification, if any
        (answered after notifications are on; see :meth:`find_rate_reply`)."""
        return None

    def find_rate_reply(self, data: bytes) -> float | None:
        """The rate in Hz reported by a data notification answering :meth:`rate_query_write`,
        or ``None`` if ``data`` holds no such reply."""
        return None

    def rate_readback_uuid(self) -> str | None:
        """Characteristic to read back after configuration to confirm the rate, if any."""
        return None

    def parse_rate_readback(self, data: bytes) -> float | None:
        """Rate in Hz from the read-back bytes, or ``None`` if not interpretable."""
        return None

    def check_config_reply(self, char_uuid: str, data: bytes) -> str | None:
        """Inspect a notification on a non-data characteristic (e.g. a control-point reply).
        Return an error message if the device rejected the configuration, else ``None``."""
        return None

    @abstractmethod
    def decode(self, data: bytes) -> Decoded:
        """Decode one data notification. Raise :class:`DecodeError` for bytes that cannot be
        samples; never any other exception."""

    def reset(self) -> None:  # noqa: B027 - optional hook; stateless profiles need nothing
        """Forget decoder state (call after a reconnect)."""
