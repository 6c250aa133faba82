"""What the command-line tests share: run a command in this process (or through the console-script
entry point), check that it ended with one error line, write a samples CSV in the import format."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.typing import ArrayLike
from typer.testing import CliRunner

from posturelog.cli import app, main

__all__ = ["one_line_error", "run", "run_main", "write_example_csv", "write_samples_csv"]

runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    """Run ``posturelog <args>`` in this process: exit code, stdout, stderr.

    An exception that is not an exit (a bug, not bad input) is raised, not turned into exit
    code 1.
    """
    result = runner.invoke(app, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def run_main(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run the console-script entry point (which also turns usage errors into one line)."""
    with pytest.raises(SystemExit) as exc:
        main(list(args))
    out, err = capsys.readouterr()
    return int(exc.value.code or 0), out, err


def one_line_error(code: int, err: str, *needles: str) -> str:
    """Check that a command failed as bad input does: exit code 1 and one line on stderr (no
    traceback, no usage box) that holds every one of ``needles``; that line."""
    assert code == 1, err
    lines = [line for line in err.strip().splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err and "Usage:" not in err
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def write_samples_csv(
    path: Path,
    times: pd.DatetimeIndex,
    acc: ArrayLike,
    gyr: ArrayLike | None = None,
    *,
    offset: str = "",
) -> pd.DataFrame:
    """Write samples as ``posturelog import`` reads them: ``time`` (ISO 8601, microseconds, then
    ``offset``), ``acc_x, acc_y, acc_z`` and, with ``gyr``, ``gyr_x, gyr_y, gyr_z``.

    Returns
    -------
    DataFrame
        What was written.
    """
    df = pd.DataFrame({"time": [ts.strftime("%Y-%m-%dT%H:%M:%S.%f") + offset for ts in times]})
    df[["acc_x", "acc_y", "acc_z"]] = np.asarray(acc)
    if gyr is not None:
        df[["gyr_x", "gyr_y", "gyr_z"]] = np.asarray(gyr)
    df.to_csv(path, index=False)
    return df


def write_example_csv(path: Path, n: int = 200, start: str = "2026-11-18T09:00:00", offset: str = "+00:00") -> None:
    """A samples CSV in the import format: ``n`` samples at 50 Hz, from ``start``, of a sensor
    lying still (noise only)."""
    rng = np.random.default_rng(3)
    t = pd.date_range(start, periods=n, freq="20ms")
    write_samples_csv(path, t, rng.normal([0.3, 0.1, 9.78], 0.05, size=(n, 3)).round(4), offset=offset)
