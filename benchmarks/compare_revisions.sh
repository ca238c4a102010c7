#!/bin/bash
# Time this checkout against another revision on the same corpus, alternating, so that a
# slower or faster moment of the machine falls on both sides alike.
#
#   benchmarks/compare_revisions.sh REV [ROUNDS] [CORPUS]
#
# REV is checked out in a git worktree (under $TMPDIR) and run from this checkout's .venv
# with PYTHONPATH pointing at it. Each round runs, for each side: export (-j 2, no store, no
# cache), export with an empty cache, the same again (unchanged re-export), validate.
# Prints "SIDE STEP SECONDS s PEAK_KB KB" lines (GNU time).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
rev=${1:?usage: compare_revisions.sh REV [ROUNDS] [CORPUS]}
rounds=${2:-3}
corpus=${3:-$root/benchmarks/corpus/10000}
work=$(mktemp -d)
trap 'git -C "$root" worktree remove --force "$work/old" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
git -C "$root" worktree add -q --detach "$work/old" "$rev"
python="$root/.venv/bin/python"
run() {  # LABEL PYTHONPATH ARGS...
    local label=$1 path=$2
    shift 2
    /usr/bin/time -f "$label %e s %M KB" env PYTHONPATH="$path" "$python" \
        -c "from medigraph.cli import main; main()" "$@" >/dev/null 2>>"$work/times" || true
}
for _ in $(seq 1 "$rounds"); do
    for side in old new; do
        path=$work/old
        [ "$side" = new ] && path=$root
        out=$work/out-$side
        rm -rf "$out"
        mkdir -p "$out"
        run "$side export" "$path" export "$corpus" -o "$out/d.ttl" --no-store --no-cache -q
        run "$side export-cache-full" "$path" export "$corpus" -o "$out/c.ttl" --cache --no-store -q
        run "$side export-cache-again" "$path" export "$corpus" -o "$out/c.ttl" --cache --no-store -q
        run "$side validate" "$path" validate "$corpus" -q
    done
done
grep " s .* KB$" "$work/times" | sort
