"""The ``posturelog`` command line: the typer app over the commands of
:mod:`posturelog.commands`, and :func:`main`, the console script.

Every command takes ``--data-dir``; bad input ends with one line on stderr and exit code 1.
"""

from __future__ import annotations

import sys

import typer
from typer.exceptions import TyperException

from posturelog.commands import devices, logbook, reports, samples, sessions
from posturelog.commands.common import err_console, error_line

__all__ = ["app", "main"]

app = typer.Typer(
    name="posturelog",
    help="Log upper-back posture from a back-worn IMU and write an honest weekly report.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
log_app = typer.Typer(help="List, edit, delete, import and export pain and remedy entries.", no_args_is_help=True)
sessions_app = typer.Typer(help="List and delete recording and import sessions.", no_args_is_help=True)

# Arguments that start with "-" are values here: "pain -1" is a bad score, not an option.
_DASH_VALUES = {"ignore_unknown_options": True}

app.add_typer(log_app, name="log")
app.command()(reports.demo)
app.command()(devices.scan)
app.command()(devices.record)
app.command("import")(samples.import_)
app.command()(samples.export)
app.command(context_settings=_DASH_VALUES)(logbook.pain)
app.command()(logbook.remedy)
app.command()(devices.snooze)
app.command()(devices.stretch)
log_app.command("list")(logbook.log_list)
log_app.command("edit")(logbook.log_edit)
log_app.command("delete")(logbook.log_delete)
log_app.command("import")(logbook.log_import)
log_app.command("export")(logbook.log_export)
app.command()(devices.calibrate)
app.command()(reports.report)
app.add_typer(sessions_app, name="sessions")
sessions_app.command("list")(sessions.sessions_list)
sessions_app.command("delete", context_settings=_DASH_VALUES)(sessions.sessions_delete)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``posturelog`` console script.

    Usage mistakes (a wrong option, a value of the wrong type or range) end like every other bad
    input: one line on stderr and exit code 1, not a usage box with exit code 2.
    """
    try:
        code = app(args=argv, standalone_mode=False)
    except typer.Abort:
        err_console.print("stopped")
        code = 130
    except TyperException as exc:  # click's UsageError, BadParameter, NoSuchOption, ...
        if type(exc).__name__ == "NoArgsIsHelpError":  # a bare command group: show its help
            exc.show()  # type: ignore[attr-defined]
            code = 0
        else:
            error_line(exc.format_message())
            code = 1
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
