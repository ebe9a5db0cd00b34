#!/usr/bin/env bash
# Cheap static checks: ruff (Python + stubs), cython-lint (kernel sources), mypy on the
# package (types inline, [tool.mypy]) and on tests/typing/user_script.py (--strict), and
# mypy's stubtest on the compiled kernels (fastrnn/_kernels.pyi against each importable
# build; the Python modules need no stubtest: mypy reads their own annotations).
# Configuration: [tool.ruff], [tool.cython-lint] and [tool.mypy] in pyproject.toml;
# tools/stubtest-allowlist.txt.
#
# Usage: tools/check.sh            (from anywhere; runs every check, exits 1 if any fails)
# Needs: pip install ruff cython-lint mypy   in the Python that runs it ($PYTHON, default
# python3), and for stubtest the compiled kernels (pip install -e . or
# python3 setup.py build_ext --inplace -j 3)
set -uo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
# cython-lint runs pycodestyle as a program: put the interpreter's scripts first on PATH.
PATH="$(dirname "$("$PYTHON" -c 'import sys; print(sys.executable)')"):$PATH"
export PATH

missing=$("$PYTHON" - <<'EOF2'
import importlib.util
print(" ".join(p for m, p in [("ruff", "ruff"), ("cython_lint", "cython-lint"), ("mypy", "mypy")]
               if importlib.util.find_spec(m) is None))
EOF2
)
if [ -n "$missing" ]; then
    echo "tools/check.sh needs: $PYTHON -m pip install $missing" >&2
    exit 2
fi

failed=()
run() {  # label command...
    local label="$1"
    shift
    printf '\n=== %s\n' "$label"
    if "$@"; then echo "ok"; else failed+=("$label"); fi
}

run "ruff" "$PYTHON" -m ruff check .
run "cython-lint" cython-lint fastrnn/*.pyx fastrnn/*.pxi
run "mypy: package" "$PYTHON" -m mypy --config-file pyproject.toml -p fastrnn
# The user script as a user's project checks it: --strict for the script, fastrnn read as
# an installed library (its types used, its own errors not reported).
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '[mypy]\n[mypy-fastrnn,fastrnn.*]\nfollow_imports = silent\n' > "$tmp/mypy.ini"
run "mypy: typed user script" "$PYTHON" -m mypy --strict --config-file "$tmp/mypy.ini" \
    --cache-dir "$tmp/cache" tests/typing/user_script.py
# Only the builds this CPU runs: importing another could die of SIGILL.
kernels=$("$PYTHON" -c 'from fastrnn import _dispatch
print(" ".join("fastrnn." + _dispatch.MODULES[b] for b in _dispatch.available()))' 2>/dev/null)
if [ -n "$kernels" ]; then
    # shellcheck disable=SC2086
    run "stubtest: kernels" "$PYTHON" -m mypy.stubtest --mypy-config-file pyproject.toml \
        --allowlist tools/stubtest-allowlist.txt $kernels
else
    echo; echo "=== stubtest: skipped (no compiled kernels: python3 setup.py build_ext --inplace)"
fi

echo
if [ ${#failed[@]} -eq 0 ]; then
    echo "all checks passed"
else
    echo "failed: ${failed[*]}"
    exit 1
fi
