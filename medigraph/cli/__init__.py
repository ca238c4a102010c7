"""The command line: a thin click layer over the library. Each command lives in its own module,
imported only when that command runs (or when help lists them all), so that ``medigraph query``
does not pay for rdflib and pySHACL, which only ``validate`` needs."""

from __future__ import annotations

import difflib
import errno
import importlib
import io
import os
import signal
import sys
import threading

import click

from .._version import __version__

_MODULES = {
    "export": "export",
    "validate": "validate",
    "push": "push",
    "query": "query",
    "serve": "query",
}
"""Each command, and the module of this package that defines it (with ``@cli.command``)."""


class _LazyGroup(click.Group):
    """click's group, loading a command's module the first time the command is looked up."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(self.commands) | set(_MODULES))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in _MODULES:
            importlib.import_module(f"{__name__}.{_MODULES[cmd_name]}")
        return super().get_command(ctx, cmd_name)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        """click's, with a mistyped command's likely meaning (as click gives for options)."""
        try:
            return super().resolve_command(ctx, args)
        except click.UsageError as exc:
            name = args[0] if args and not args[0].startswith("-") else ""
            close = difflib.get_close_matches(name, self.list_commands(ctx), n=1)
            if not close or self.get_command(ctx, name) is not None:
                raise
            raise click.UsageError(f"{exc.message} (Did you mean {close[0]!r}?)", ctx) from None


@click.group(
    cls=_LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(__version__, prog_name="medigraph")
def cli() -> None:
    """Turn Medigy content (Markdown + YAML front matter) into a linked-data knowledge graph.

    Exit codes: 0 all good, 1 some documents rejected or violations found, 2 usage or
    fatal error, 130 interrupted (Ctrl-C).
    """


def all_commands() -> dict[str, click.Command]:
    """Every command, loaded (what ``medigraph --help`` lists)."""
    with click.Context(cli) as ctx:
        found = {name: cli.get_command(ctx, name) for name in cli.list_commands(ctx)}
    return {name: command for name, command in found.items() if command is not None}


THREAD_STACK_BYTES = 8 << 20
"""The stack of the command's threads: glibc's default, made sure of."""


def main() -> None:
    """The ``medigraph`` command: click's own handling, except for Ctrl-C, which ends the run
    with 130 (128 + SIGINT, as a shell reports it), not 1: a CI gate must not take an
    interrupted export for one that rejected documents, or validate for one that found
    violations."""
    if sys.stdout is None:  # started with standard output closed (`>&-`)
        sys.stdout = io.TextIOWrapper(_Closed(), encoding="utf-8", write_through=True)
    if sys.stderr is None:  # `2>&-`: what would be said there is said to nobody; the run goes on
        sys.stderr = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - for the whole run
    # Threads that parse or run a query (query's timed worker, serve's handlers) get the
    # stack the limits were measured on (sparql.MAX_NESTING, MAX_CHAINED), not a C
    # library's default: musl gives 128 KiB, where 70 nested COALESCE( already overflow.
    threading.stack_size(THREAD_STACK_BYTES)
    _stop_as_ctrl_c()
    try:
        code = cli.main(prog_name="medigraph", standalone_mode=False)
    except click.exceptions.Abort:  # Ctrl-C (click's form of KeyboardInterrupt)
        click.echo("medigraph: interrupted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except OSError as exc:  # standard output full (`> /dev/full`) or gone; click ends EPIPE
        where = exc.filename or "standard output"
        click.echo(f"Error: cannot write {where}: {exc.strerror or exc}", err=True)
        sys.exit(2)
    sys.exit(code if isinstance(code, int) else 0)


def _stop_as_ctrl_c() -> None:
    """``kill`` (SIGTERM: a CI job cancelled, ``timeout``, a service manager) and a closed
    terminal (SIGHUP) end the run as Ctrl-C does: its workers ended, its temporary dump
    removed, "medigraph: interrupted" and 130. By default they ended the main process alone,
    at once: the temporary dump was left, and each worker printed a BrokenPipeError
    traceback. A signal ignored when the run started (``nohup``) stays ignored; a process
    forked from this one (a worker) still dies of it as by default."""
    main = os.getpid()

    def stop(number: int, _frame: object) -> None:
        if os.getpid() != main:  # a worker forked with this handler: its default end
            signal.signal(number, signal.SIG_DFL)
            os.kill(os.getpid(), number)
            return
        raise KeyboardInterrupt

    for name in ("SIGTERM", "SIGHUP"):
        number = getattr(signal, name, None)
        if number is not None and signal.getsignal(number) is signal.SIG_DFL:
            signal.signal(number, stop)


class _Closed(io.RawIOBase):
    """Standard output for a run started without one: writing to it fails as writing to a pipe
    whose reader is gone, so a command with something to write ends quietly with exit 1 (as
    with ``| head``), and one that writes only files is not disturbed. Python gives such a run
    ``sys.stdout = None``, on which every command failed with a traceback, or lost its answer
    with exit 0."""

    def writable(self) -> bool:
        return True

    def write(self, data: object) -> int:
        raise BrokenPipeError(errno.EPIPE, "standard output is closed")
