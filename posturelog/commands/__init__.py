"""The bodies of the ``posturelog`` commands, one module per topic.

:mod:`posturelog.cli` builds the typer app from them; :mod:`posturelog.commands.common` holds
what every command shares (the consoles, ``--data-dir``, opening and closing the store, and
:func:`~posturelog.commands.common.user_errors`).
"""
