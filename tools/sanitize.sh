#!/usr/bin/env bash
# Build fastrnn with AddressSanitizer (and Cython bounds checks) in a
# throw-away copy and run the whole test suite, then tools/bad_inputs.py,
# under it. Any invalid read or write aborts the process with an ASan
# report (abort_on_error=1), so a clean run means none was seen.
#
#   tools/sanitize.sh [WORKDIR]         # default /tmp/fastrnn-asan
#   SKIP_BAD_INPUTS=1 tools/sanitize.sh
#   PYTEST_ARGS="-x tests/test_fuzz.py" tools/sanitize.sh
#
# The copy gets a venv with --system-site-packages (numpy, scipy, Cython,
# pytest and hypothesis come from the Python running this script); nothing
# is installed. Python itself is not instrumented: libasan is LD_PRELOADed,
# PYTHONMALLOC=malloc sends Python's small objects through ASan's malloc
# too, and leak detection is off (the interpreter "leaks" by design at exit).
# allocator_may_return_null=1 makes oversized allocations return NULL (a
# MemoryError in Python) as without ASan, instead of aborting.
set -euo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"
WORK="${1:-/tmp/fastrnn-asan}"
PY="${PYTHON:-python3}"
LOG="$WORK.log"

echo "[sanitize] copying $REPO to $WORK"
rm -rf "$WORK"
mkdir -p "$WORK"
for f in fastrnn tests tools setup.py pyproject.toml README.md; do
    cp -r "$REPO/$f" "$WORK/"
done
# Generated and compiled files are rebuilt below.
find "$WORK/fastrnn" \( -name '*.so' -o -name '_kernels*.c' -o -name '*.html' \) -delete
find "$WORK" -name __pycache__ -prune -exec rm -rf {} +

"$PY" -m venv --system-site-packages "$WORK/venv"
VPY="$WORK/venv/bin/python"

LIBASAN="$(gcc -print-file-name=libasan.so)"
if [ ! -e "$LIBASAN" ]; then
    echo "[sanitize] libasan not found (gcc -print-file-name=libasan.so)" >&2
    exit 2
fi

echo "[sanitize] building with -fsanitize=address (FASTRNN_BOUNDSCHECK=1)"
(
    cd "$WORK"
    FASTRNN_BOUNDSCHECK=1 \
    CFLAGS="-fsanitize=address -fno-omit-frame-pointer -g" \
    LDFLAGS="-fsanitize=address" \
    "$VPY" setup.py build_ext --inplace -j 2 > "$WORK/build.log" 2>&1
) || { tail -30 "$WORK/build.log"; exit 2; }
ldd "$WORK"/fastrnn/_kernels*.so > "$WORK/ldd.txt"
grep -q libasan "$WORK/ldd.txt" || { echo "[sanitize] not instrumented" >&2; exit 2; }

export LD_PRELOAD="$LIBASAN"
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:allocator_may_return_null=1:verify_asan_link_order=0:halt_on_error=1:detect_stack_use_after_return=0"
export PYTHONMALLOC=malloc
export PYTHONPATH="$WORK"

status=0
echo "[sanitize] pytest under ASan (log: $LOG)"
(cd "$WORK" && "$VPY" -m pytest -q -p no:cacheprovider ${PYTEST_ARGS:-tests}) 2>&1 | tee "$LOG" | tail -15 \
    || status=$?

if [ -z "${SKIP_BAD_INPUTS:-}" ]; then
    echo "[sanitize] tools/bad_inputs.py under ASan"
    (cd "$WORK" && "$VPY" tools/bad_inputs.py --json "$WORK/bad_inputs.json") > "$WORK/bad_inputs.log" 2>&1 || true
    grep -v '^ok ' "$WORK/bad_inputs.log" || true
fi

echo "[sanitize] ASan reports in the pytest log:"
grep -c "ERROR: AddressSanitizer" "$LOG" || true
exit $status
