"""Only user input problems become one-line errors; a bug keeps its traceback (issue 8)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

import posturelog.painlog
from posturelog.cli import app
from posturelog.errors import InputError, UserError
from posturelog.painlog import parse_score

runner = CliRunner()


def test_a_value_error_from_a_bug_is_not_a_user_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise ValueError("internal bug, not the user's input")

    monkeypatch.setattr(posturelog.painlog, "log_remedy", broken)
    result = runner.invoke(app, ["remedy", "stretch", "--data-dir", str(tmp_path / "data")])
    assert isinstance(result.exception, ValueError)
    assert not isinstance(result.exception, UserError)
    assert "internal bug" not in result.stderr


def test_bad_user_input_is_one_line(tmp_path: Path) -> None:
    result = runner.invoke(app, ["remedy", "dance", "--data-dir", str(tmp_path / "data")])
    assert result.exit_code == 1
    assert result.stderr.strip().count("\n") == 0
    assert "unknown remedy" in result.stderr


def test_input_errors_are_user_errors_and_value_errors() -> None:
    with pytest.raises(InputError) as exc:
        parse_score("11")
    assert isinstance(exc.value, UserError)
    assert isinstance(exc.value, ValueError)
