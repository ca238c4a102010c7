"""The README documents every command and every option, so the docs cannot drift."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from medigraph.cli import all_commands, cli

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def _commands() -> list[tuple[str, click.Command]]:
    return sorted(all_commands().items())


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


@pytest.mark.parametrize("command", ["query", "export"])
def test_a_command_loads_only_what_it_needs(command: str, tmp_path: Path) -> None:
    """``medigraph query`` and ``medigraph export`` run without importing rdflib and pySHACL
    (only validation needs them), in a fresh interpreter."""
    examples = Path(__file__).resolve().parent.parent / "examples" / "content"
    args = {
        "query": ["query", "--list"],
        "export": ["export", str(examples), "-o", str(tmp_path / "d.ttl"), "--no-store", "-q"],
    }[command]
    probe = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from medigraph.cli import cli\n"
        f"result = CliRunner().invoke(cli, {args!r})\n"
        "assert result.exit_code == 0, result.output\n"
        "print(sorted(m for m in ('rdflib', 'pyshacl', 'medigraph.validation') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
    assert command != "export" or (tmp_path / "d.ttl").stat().st_size > 10_000


def test_group_help_lists_every_command() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    listed = re.findall(r"^  (\w+) ", result.output.split("Commands:", 1)[1], re.MULTILINE)
    assert listed == sorted(all_commands()) == ["export", "push", "query", "serve", "validate"]


STUB_PYTHON = """#!/bin/sh
# A Python for the checkout scripts' tests: passes the version check, makes a venv of itself,
# and "installs" (records pip's arguments, and makes ruff and mypy that record theirs).
here=$(cd "$(dirname "$0")" && pwd)
case "$1" in
  -c) exit 0 ;;
  -m) case "$2" in
        venv) for last; do :; done; mkdir -p "$last/bin"; cp "$0" "$last/bin/python"; exit 0 ;;
        pip) echo "pip $*" >> "$here/../ran.log"
             for tool in ruff mypy; do
               printf '#!/bin/sh\\necho %s "$@" >> "%s/../ran.log"\\n' "$tool" "$here" > "$here/$tool"
               chmod +x "$here/$tool"
             done
             exit 0 ;;
      esac ;;
esac
exit 1
"""


def test_scripts_check_sets_up_the_venv_as_scripts_test_does(tmp_path: Path) -> None:
    """The README's Development section lists ./scripts/check beside ./scripts/test; in a
    fresh clone, or one set up by scripts/medigraph (no dev dependencies), it failed with
    ".venv/bin/ruff: not found" (exit 127) instead of installing them as scripts/test does."""
    import os
    import shutil

    checkout = tmp_path / "checkout"
    shutil.copytree(Path(__file__).resolve().parent.parent / "scripts", checkout / "scripts")
    (checkout / "pyproject.toml").write_text("", encoding="utf-8")
    python = tmp_path / "python3"
    python.write_text(STUB_PYTHON, encoding="utf-8")
    python.chmod(0o755)
    done = subprocess.run(
        ["sh", str(checkout / "scripts" / "check")],
        env={**os.environ, "PYTHON": str(python)},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    ran = (checkout / ".venv" / "ran.log").read_text(encoding="utf-8").splitlines()
    assert any(line.endswith(f"-e {checkout}[dev]") for line in ran), ran
    assert ran[-3:] == [
        "ruff format --check medigraph tests benchmarks",
        "ruff check medigraph tests benchmarks",
        "mypy",
    ]
    assert (checkout / ".venv" / ".medigraph-dev-installed").is_file()


def test_the_checkout_scripts_refuse_an_old_python_and_replace_a_venv_made_by_one(
    tmp_path: Path,
) -> None:
    """On a machine whose python3 is older than 3.11, the quick start said only what pip
    said, and after PYTHON=python3.12 `python -m venv` kept the old .venv's interpreter."""
    import os

    old = tmp_path / "python3.10"
    old.write_text(
        '#!/bin/sh\nif [ "$1" = "--version" ]; then echo "Python 3.10.13"; exit 0; fi\nexit 1\n',
        encoding="utf-8",
    )
    old.chmod(0o755)
    helper = Path(__file__).resolve().parent.parent / "scripts" / "_venv.sh"
    venv = tmp_path / ".venv"

    def make(python: Path | str) -> subprocess.CompletedProcess[str]:
        script = f'venv="{venv}"; . "{helper}"; make_venv --without-pip'
        environment = {**os.environ, "PYTHON": str(python)}
        return subprocess.run(["sh", "-c", script], env=environment, capture_output=True, text=True)

    refused = make(old)
    assert refused.returncode == 2 and "needs Python 3.11 or newer" in refused.stderr
    assert "Python 3.10.13" in refused.stderr and not venv.exists()
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").symlink_to(old)  # a .venv an old Python made
    done = make(sys.executable)
    assert done.returncode == 0, done.stderr
    version = subprocess.run(
        [venv / "bin" / "python", "-c", "import sys; print(sys.version_info >= (3, 11))"],
        capture_output=True,
        text=True,
    )
    assert version.stdout.strip() == "True"


def test_every_converter_and_key_option_of_a_mapping_is_documented() -> None:
    """A mapping's converters (`as: integer-pair`, `json-list`, `hugo-boolean`…) and key
    options (`same_as`, `relative_to`, `variant_of`…) are used by the bundled mapping but were
    documented nowhere: a mapping could only be written by reading medigraph's Python."""
    from medigraph.convert import CONVERTERS
    from medigraph.mapping import KEY_OPTIONS

    section = README.split("#### Writing a mapping", 1)[1].split("\n### ", 1)[0]
    table = {m.group(1) for m in re.finditer(r"^\| `([\w-]+)", section, re.M)}
    names = {m.group(1) for m in re.finditer(r"`([\w-]+)(?=[`:])", section)}
    assert not (set(CONVERTERS) - {"variant"}) - names, "converters missing"
    assert not (KEY_OPTIONS - names), f"key options missing: {sorted(KEY_OPTIONS - names)}"
    assert {"prefixes", "document", "classes", "fallbacks", "nodes", "keys", "kinds"} <= {
        t.rstrip(":") for t in table
    } | names
