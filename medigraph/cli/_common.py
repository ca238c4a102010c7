"""What every command shares: printing diagnostics, progress bars, exit codes."""

from __future__ import annotations

import logging
import math
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import click

from ..diagnostics import Diagnostic, visible
from ..mapping import DEFAULT_BASE, MappingError, check_base
from ..sparql import MAX_TIMEOUT_S

_F = TypeVar("_F", bound=Callable[..., Any])


class Fatal(click.ClickException):
    """An error that ends a command with exit code 2 (usage or fatal), as everywhere."""

    exit_code = 2


def _valid_base(_ctx: click.Context, _param: click.Parameter, value: str) -> str:
    try:
        return check_base(value)
    except MappingError as exc:
        raise click.BadParameter(str(exc)) from None


def base_option(help: str = "Base IRI for minted IRIs.") -> Callable[[_F], _F]:
    return click.option(
        "--base", default=DEFAULT_BASE, show_default=True, help=help, callback=_valid_base
    )


def file_option(name: str, help: str) -> Callable[[_F], _F]:
    """An option naming a file that must exist (``--mapping``, ``--shapes``, ``--ontology``)."""
    return click.option(name, type=click.Path(exists=True, dir_okay=False), help=help)


mapping_option = file_option("--mapping", "Use this mapping file instead of the bundled one.")


def jobs_option(help: str = "Worker processes (default: number of cores).") -> Callable[[_F], _F]:
    return click.option("-j", "--jobs", type=click.IntRange(min=1), help=help)


class Seconds(click.FloatRange):
    """A number of seconds: above ``min`` and at most a year, as the API takes them
    (:data:`~medigraph.sparql.MAX_TIMEOUT_S`: ``inf`` and ``nan`` are no time a clock can be
    set to; ``1e300`` overflows it)."""

    name = "seconds"

    def __init__(self, min: float = 0, min_open: bool = True) -> None:
        super().__init__(min=min, min_open=min_open, max=MAX_TIMEOUT_S)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a number of seconds", param, ctx)
        return number


def timeout_option(help: str, default: float) -> Callable[[_F], _F]:
    return click.option(
        "--timeout",
        type=Seconds(),
        default=default,
        show_default=True,
        help=help,
    )


def given(*names: str) -> list[str]:
    """Which of the current command's options (by parameter name) the user gave."""
    ctx = click.get_current_context()
    found = []
    for name in names:
        source = ctx.get_parameter_source(name)
        if source is not None and source is not click.core.ParameterSource.DEFAULT:
            found.append(name)
    return found


def refuse_unless(condition: bool, options: list[str], where: str) -> None:
    """A usage error naming ``options`` (given where they do nothing) unless ``condition``."""
    if options and not condition:
        shown = ", ".join(flag(name) for name in options)
        applies = "applies" if len(options) == 1 else "apply"
        raise click.UsageError(f"{shown} only {applies} {where}")


def flag(name: str) -> str:
    """The long option of the current command whose parameter is ``name`` (``--format`` for
    ``fmt``, ``--store`` for ``store_path``): the one the user typed, not the variable."""
    for param in click.get_current_context().command.params:
        if param.name == name and isinstance(param, click.Option):
            return max(param.opts, key=len)
    return "--" + name.replace("_", "-")


class _LogLine(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return f"medigraph: {record.levelname.lower()}: {visible(record.getMessage())}"


def log_to_stderr(quiet: bool) -> None:
    """medigraph's own log (an endpoint retried, …) on stderr as ``medigraph: warning: …``;
    with ``--quiet`` errors only."""
    logger = logging.getLogger("medigraph")
    if not any(isinstance(h.formatter, _LogLine) for h in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(_LogLine())
        logger.addHandler(handler)
        logger.propagate = False
    logger.setLevel(logging.ERROR if quiet else logging.WARNING)


def echo_diagnostics(diagnostics: Iterable[Diagnostic], quiet: bool = False) -> None:
    """Diagnostics go to stderr, one ``path:line: severity: key: message`` a line."""
    for diagnostic in diagnostics:
        if quiet and diagnostic.severity.label != "error":
            continue
        click.echo(diagnostic.format(), err=True)


@contextmanager
def progress(
    label: str, quiet: bool = False, writes_stdout: bool = False
) -> Iterator[tuple[Callable[[int], None], Callable[[], None]]]:
    """(start(total), advance()) — a rich progress bar on a terminal unless quiet.

    ``writes_stdout``: the run writes its output to standard output as it goes (``export -o
    -``); when that is a terminal too, the bar would be drawn into the text, so none is."""
    show = not quiet and sys.stderr.isatty() and not (writes_stdout and sys.stdout.isatty())
    if not show:
        yield (lambda total: None), (lambda: None)
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    bar = Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    task: list[Any] = []

    def start(total: int) -> None:
        task.append(bar.add_task(label, total=total))

    def advance() -> None:
        if task:
            bar.advance(task[0])

    with bar:
        yield start, advance


def parse_shard(value: str | None) -> tuple[int, int] | None:
    if value is None:
        return None
    try:
        index, count = (int(part) for part in value.split("/"))
    except ValueError:
        raise click.BadParameter("use K/N, for example 2/8", param_hint="--shard") from None
    if not 1 <= index <= count:
        raise click.BadParameter("K must be between 1 and N", param_hint="--shard")
    return index, count
