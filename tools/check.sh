#!/usr/bin/env bash
# Cheap static checks: ruff (Python + stubs), cython-lint (kernel sources), mypy on the
# shipped stubs and on tests/typing/user_script.py, and mypy's stubtest (the stubs against
# the compiled, importable package). Configuration: [tool.ruff], [tool.cython-lint] and
# [tool.mypy] in pyproject.toml; tools/stubtest-allowlist.txt.
#
# Usage: tools/check.sh            (from anywhere; runs every check, exits 1 if any fails)
# Needs: pip install ruff cython-lint mypy   in the Python that runs it ($PYTHON, default
# python3), and for stubtest an in-place build: python3 setup.py build_ext --inplace -j 3
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
run "mypy: stubs" "$PYTHON" -m mypy --strict --config-file pyproject.toml \
    fastrnn/__init__.pyi fastrnn/_version.pyi fastrnn/_kernels.pyi fastrnn/layers.pyi \
    fastrnn/bidirectional.pyi fastrnn/core_layers.pyi fastrnn/models.pyi \
    fastrnn/merging.pyi fastrnn/reshaping.pyi fastrnn/normalization.pyi \
    fastrnn/activations.pyi fastrnn/initializers.pyi fastrnn/parallel.pyi \
    fastrnn/io/__init__.pyi fastrnn/io/torch.pyi fastrnn/io/keras.pyi
run "mypy: typed user script" "$PYTHON" -m mypy --strict --config-file pyproject.toml \
    tests/typing/user_script.py
if "$PYTHON" -c "import fastrnn._kernels" 2>/dev/null; then
    run "stubtest" "$PYTHON" -m mypy.stubtest --mypy-config-file pyproject.toml \
        --allowlist tools/stubtest-allowlist.txt fastrnn
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
