"""The reconnect policy of a stream: which failed connection attempts end it, and how long to
wait before the next attempt (capped exponential backoff)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sensor.ble.errors import (
    ConnectionFailedError,
    NoDataError,
    SensorError,
    adapter_error,
    one_line,
)
from sensor.ble.scan import FoundDevice

__all__ = ["Backoff", "fatal_error"]

logger = logging.getLogger(__name__)


@dataclass
class Backoff:
    """Capped exponential delay between connection attempts.

    Parameters
    ----------
    initial_s : float
        First delay, s; also the delay after a connection that came up (:meth:`reset`).
    max_s : float
        The delay doubles after each wait (:meth:`grow`) up to this, s.

    Attributes
    ----------
    delay_s : float
        The delay before the next attempt, s.
    """

    initial_s: float
    max_s: float
    delay_s: float = field(init=False)

    def __post_init__(self) -> None:
        self.delay_s = self.initial_s

    def reset(self) -> None:
        """Back to the initial delay (a connection came up)."""
        self.delay_s = self.initial_s

    def grow(self) -> None:
        """Double the delay, up to :attr:`max_s` (after waiting it)."""
        self.delay_s = min(self.max_s, self.delay_s * 2)


def fatal_error(
    exc: BaseException,
    device: FoundDevice,
    *,
    first: bool,
    out_of_time: bool,
    connect_timeout_s: float,
) -> BaseException | None:
    """The error that ends the stream after a failed connection attempt, or None to retry.

    The first connection fails on any sensor error, or when the connect timeout is spent;
    later, only a lost link that yields no data (``NoDataError``) and transient BLE errors
    are retried. Adapter / BlueZ problems always end the stream.

    Parameters
    ----------
    exc : BaseException
        What the attempt raised (a :class:`SensorError`, or a bleak / OS / timeout error).
    device : FoundDevice
        The sensor, for the message.
    first : bool
        Whether no connection has come up yet.
    out_of_time : bool
        Whether waiting for one more attempt would pass the first connection's deadline.
    connect_timeout_s : float
        The first connection's time limit, s (for the message).
    """
    if isinstance(exc, SensorError):
        return exc if first or not isinstance(exc, NoDataError) else None
    mapped = adapter_error(exc)
    if mapped is not None:
        return mapped
    logger.info("connect to %s failed: %r", device.address, exc)
    if first and out_of_time:
        return ConnectionFailedError(
            f"could not connect to {device.name or device.address} "
            f"({device.address}) within {connect_timeout_s:g} s: {one_line(exc)}"
        )
    return None
