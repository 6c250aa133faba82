"""A private ``dbus-daemon`` for tests: the fake BlueZ owns ``org.bluez`` on it.

The daemon listens on a Unix socket in a temporary directory, with a configuration that lets
every local client own, send to and receive from any name. Nothing touches the real system bus.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

__all__ = ["DBUS_DAEMON", "PrivateBus", "write_fake_bluetoothctl"]

logger = logging.getLogger(__name__)

#: Where Debian's ``dbus`` package puts the daemon (``PATH`` is searched as well).
DBUS_DAEMON = "/usr/bin/dbus-daemon"

_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow receive_sender="*"/>
    <allow send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_type="method_return"/>
    <allow send_type="error"/>
  </policy>
  <limit name="max_incoming_bytes">1000000000</limit>
  <limit name="max_outgoing_bytes">1000000000</limit>
  <limit name="max_message_size">1000000000</limit>
  <limit name="max_replies_per_connection">100000</limit>
</busconfig>
"""


def write_fake_bluetoothctl(directory: Path, version: str = "5.66") -> Path:
    """Write an executable ``bluetoothctl`` that only answers ``--version``.

    bleak runs ``bluetoothctl --version`` before connecting and refuses BlueZ older than 5.55;
    putting this directory first on ``PATH`` keeps an old system ``bluetoothctl`` out of tests.

    Parameters
    ----------
    directory : Path
        Directory to write into (created if missing).
    version : str
        Version string to print.

    Returns
    -------
    Path
        The directory, for prepending to ``PATH``.
    """
    directory.mkdir(parents=True, exist_ok=True)
    script = directory / "bluetoothctl"
    script.write_text(f"#!/bin/sh\necho 'bluetoothctl: {version}'\n")
    script.chmod(0o755)
    return directory


class PrivateBus:
    """A ``dbus-daemon`` on a private socket, for the lifetime of a ``with`` block.

    Attributes
    ----------
    address : str
        The bus address (``unix:path=...``) to put into ``DBUS_SYSTEM_BUS_ADDRESS``.
    directory : Path
        Temporary directory holding the socket and the configuration.
    """

    def __init__(self, directory: Path | None = None) -> None:
        self._own_dir = directory is None
        self.directory = Path(tempfile.mkdtemp(prefix="fakebus-")) if directory is None else directory
        self.address = ""
        self._proc: subprocess.Popen[bytes] | None = None

    def start(self) -> str:
        """Start the daemon and wait until it prints its address.

        Returns
        -------
        str
            The bus address.

        Raises
        ------
        RuntimeError
            If ``dbus-daemon`` is not installed or does not start.
        """
        daemon = shutil.which("dbus-daemon") or DBUS_DAEMON
        if not os.path.exists(daemon):
            raise RuntimeError("dbus-daemon not found: install the 'dbus' package")
        self.directory.mkdir(parents=True, exist_ok=True)
        socket_path = self.directory / "bus"
        config = self.directory / "bus.conf"
        config.write_text(_CONFIG.format(socket=socket_path))
        read_fd, write_fd = os.pipe()
        try:
            self._proc = subprocess.Popen(
                [daemon, f"--config-file={config}", "--nofork", f"--print-address={write_fd}"],
                pass_fds=(write_fd,),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        finally:
            os.close(write_fd)
        with os.fdopen(read_fd, "rb") as reader:
            line = reader.readline().decode().strip()
        if not line:
            self.stop()
            raise RuntimeError("dbus-daemon exited before printing its address")
        self.address = line.split(",")[0]
        logger.debug("private bus at %s", self.address)
        return self.address

    def stop(self) -> None:
        """Stop the daemon and remove the temporary directory."""
        if self._proc is not None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
            self._proc = None
        if self._own_dir:
            shutil.rmtree(self.directory, ignore_errors=True)

    def __enter__(self) -> PrivateBus:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
