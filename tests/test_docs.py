"""The README documents every command and every option, so the docs cannot drift."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from medigraph.cli import cli

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def _commands() -> list[tuple[str, click.Command]]:
    return sorted(cli.commands.items())


@pytest.mark.parametrize(("name", "command"), _commands(), ids=[n for n, _ in _commands()])
def test_every_command_has_a_readme_section(name: str, command: click.Command) -> None:
    assert f"### `medigraph {name}" in README


@pytest.mark.parametrize(("name", "command"), _commands(), ids=[n for n, _ in _commands()])
def test_every_option_is_documented(name: str, command: click.Command) -> None:
    section = README.split(f"### `medigraph {name}", 1)[1].split("\n### ", 1)[0]
    missing = [
        opt
        for param in command.params
        if isinstance(param, click.Option) and "--help" not in param.opts
        for opt in [*param.opts, *param.secondary_opts]
        if opt.startswith("--") and not re.search(rf"(?<![\w-]){re.escape(opt)}(?![\w-])", section)
    ]
    assert not missing, f"medigraph {name}: options missing from the README: {missing}"


@pytest.mark.parametrize(("name", "command"), _commands(), ids=[n for n, _ in _commands()])
def test_every_command_has_help(name: str, command: click.Command) -> None:
    assert command.help and len(command.help.split()) > 5
