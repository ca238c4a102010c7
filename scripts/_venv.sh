# Sourced by scripts/medigraph and scripts/test: make $venv with a Python of 3.11 or newer
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
