"""Confirming the rate a sensor runs at after configuring, where it can say.

Two ways, tried in this order: a query answered among the data notifications (WitMotion; the
stream offers every data notification to :meth:`RateConfirmation.offer`), and a read-back
characteristic. The answer is recorded in the stream's :class:`~sensor.batch.SourceInfo`
(:func:`record_rate`); a sensor that did not take the requested rate is timed at the rate it
reports.
"""

from __future__ import annotations

import asyncio
import logging

from bleak import BleakClient

from sensor.batch import SourceInfo
from sensor.ble.errors import is_pairing_error
from sensor.ble.gatt import pairing_error, write_config
from sensor.ble.scan import FoundDevice
from sensor.profiles.base import ConfigWrite, SensorProfile

__all__ = ["RateConfirmation", "read_rate", "record_rate"]

logger = logging.getLogger(__name__)


class RateConfirmation:
    """Asks one stream's sensor which rate it runs at and records the answer.

    Parameters
    ----------
    profile : SensorProfile
        The stream's profile (how to ask, how to read the answer).
    info : SourceInfo
        The stream's source information, updated by :meth:`confirm`.
    requested_hz : float
        The rate configured, Hz.
    reply_timeout_s : float
        How long to wait for the answer to a query among the data notifications, s.
    """

    def __init__(
        self,
        profile: SensorProfile,
        info: SourceInfo,
        requested_hz: float,
        reply_timeout_s: float,
    ) -> None:
        self.profile = profile
        self.info = info
        self.requested_hz = requested_hz
        self.reply_timeout_s = reply_timeout_s
        self._reply: asyncio.Future[float] | None = None

    def offer(self, payload: bytes) -> None:
        """A data notification: the answer, if a query is waiting and this holds it."""
        waiting = self._reply
        if waiting is not None and not waiting.done():
            reported = self.profile.find_rate_reply(payload)
            if reported is not None:
                waiting.set_result(reported)

    async def confirm(
        self, client: BleakClient, char_uuids: list[str], device: FoundDevice
    ) -> float:
        """Ask the sensor which rate it runs at, where it can say; record the answer in
        :attr:`info` and return the rate the clock should use, Hz."""
        query = self.profile.rate_query_write()
        readback = self.profile.rate_readback_uuid()
        if query is None and (readback is None or readback not in char_uuids):
            return self.requested_hz
        actual = None
        if query is not None:
            actual = await self._ask(client, query, device)
        if actual is None:
            actual = await read_rate(client, char_uuids, self.profile, device)
        return record_rate(self.info, self.requested_hz, actual)

    async def _ask(
        self, client: BleakClient, query: ConfigWrite, device: FoundDevice
    ) -> float | None:
        """Send the rate query and wait for the reply among the data notifications."""
        self._reply = asyncio.get_running_loop().create_future()
        try:
            await write_config(client, [query], device)
            return await asyncio.wait_for(
                asyncio.shield(self._reply), timeout=self.reply_timeout_s
            )
        except TimeoutError:
            return None
        finally:
            self._reply = None


async def read_rate(
    client: BleakClient, char_uuids: list[str], profile: SensorProfile, device: FoundDevice
) -> float | None:
    """The rate the sensor reports on its read-back characteristic, or ``None`` if it has none
    or the answer was not readable (confirmation is best effort)."""
    uuid = profile.rate_readback_uuid()
    if uuid is None or uuid not in char_uuids:
        return None
    try:
        raw = await asyncio.wait_for(client.read_gatt_char(uuid), timeout=5)
    except Exception as exc:  # noqa: BLE001 - confirmation is best effort
        if is_pairing_error(exc):
            raise pairing_error(device) from exc
        logger.info("could not read the rate back: %r", exc)
        return None
    actual = profile.parse_rate_readback(bytes(raw))
    if actual is None:
        logger.info("rate read-back %s not interpretable", bytes(raw).hex(" "))
    return actual


def record_rate(info: SourceInfo, requested_hz: float, actual_hz: float | None) -> float:
    """Note in ``info`` whether the sensor confirmed the requested rate; the rate to use.

    Parameters
    ----------
    info : SourceInfo
        Updated in place: ``rate_hz`` becomes the rate to use; ``extra["rate_confirmed"]`` is
        ``"yes"``, ``"no"`` (the sensor runs at another rate) or ``"unknown"`` (no answer); when
        the sensor did not take the rate, ``extra["rate_note"]`` says so in one sentence.
    requested_hz : float
        The rate configured.
    actual_hz : float or None
        The rate the sensor reported, ``None`` if it did not say.

    Returns
    -------
    float
        ``actual_hz`` when known, else ``requested_hz``.
    """
    if actual_hz is None:
        logger.warning("%s did not report its rate; assuming %g Hz", info.address, requested_hz)
        info.extra["rate_confirmed"] = "unknown"
        info.rate_hz = requested_hz
        return requested_hz
    if abs(actual_hz - requested_hz) > 1e-6 * requested_hz:
        note = f"sensor did not take {requested_hz:g} Hz; it runs at {actual_hz:g} Hz"
        logger.warning("%s (%s)", note, info.address)
        info.extra["rate_confirmed"] = "no"
        info.extra["rate_requested_hz"] = f"{requested_hz:g}"
        info.extra["rate_note"] = note
    else:
        info.extra["rate_confirmed"] = "yes"
        info.extra.pop("rate_note", None)
        info.extra.pop("rate_requested_hz", None)
    info.rate_hz = float(actual_hz)
    return float(actual_hz)
