# Sourced by scripts/medigraph, scripts/test and scripts/check: make $venv with a Python of 3.11 or newer
# (make_venv's arguments go to `python -m venv`).

python_ok() {
    "$1" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null
}

make_venv() {
    py="${PYTHON:-python3}"
    if ! python_ok "$py"; then
        found=$("$py" --version 2>&1 || echo "not found")
        echo "medigraph: needs Python 3.11 or newer, and $py is $found;" \
            "give another with PYTHON=/path/to/python3.12" >&2
        exit 2
    fi
    if [ -x "$venv/bin/python" ] && ! python_ok "$venv/bin/python"; then
        # made by an older Python: `python -m venv` over it would keep that Python
        "$py" -m venv --clear "$@" "$venv"
    else
        "$py" -m venv "$@" "$venv"
    fi
}

dev_venv() {
    # $venv with medigraph and its test and development dependencies (scripts/test and
    # scripts/check; $root is the checkout): made on first use, again when pyproject.toml changes.
    stamp="$venv/.medigraph-dev-installed"
    if [ ! -f "$stamp" ] || [ "$root/pyproject.toml" -nt "$stamp" ]; then
        echo "medigraph: setting up $venv with test dependencies..." >&2
        make_venv
        "$venv/bin/python" -m pip install --quiet --upgrade pip >&2
        "$venv/bin/python" -m pip install --quiet -e "$root[dev]" >&2
        touch "$stamp" "$venv/.medigraph-installed"
    fi
}
