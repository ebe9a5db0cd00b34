#!/usr/bin/env bash
# Run the test suite as other CPUs: qemu-x86_64 user-mode emulation of an
# AVX2-only CPU (Haswell) and of a baseline x86-64 CPU (Nehalem), so a build
# that this machine's CPU shadows, and the dispatch that avoids builds a CPU
# lacks, are checked here too. qemu cannot emulate AVX-512; on a CPU without
# it the native run is the AVX2 check.
#
#   tools/check_cpus.sh PYTHON [pytest args...]
#
# PYTHON is a venv's interpreter with fastrnn[test] installed, e.g.
# .venv/bin/python. Needs Debian's qemu-user (apt-get install qemu-user).
# Children the tests start (sys.executable) run natively: qemu-user does not
# follow exec.
set -euo pipefail
# qemu 7.2 does not suppress faults of masked-off lanes of AVX2 gathers,
# which numpy's own AVX2 tanh uses on strided arrays (tests/reference.py):
# numpy runs its baseline loops here. fastrnn's dispatch reads the CPU's
# feature table, which this leaves as it is.
export NPY_DISABLE_CPU_FEATURES="X86_V3 X86_V4 AVX512_ICL AVX512_SPR"
python=$(command -v "${1:?usage: tools/check_cpus.sh PYTHON [pytest args...]}")
shift
for cpu in Haswell Nehalem; do
    echo "== qemu-x86_64 -cpu $cpu"
    qemu-x86_64 -cpu "$cpu" "$python" -c \
        'import fastrnn._dispatch as d; print("kernels:", d.build, "available:", d.available())' \
        2> >(grep -v "TCG doesn't support" >&2)
    qemu-x86_64 -cpu "$cpu" "$python" -m pytest -q -p no:cacheprovider "$@" \
        2> >(grep -v "TCG doesn't support" >&2)
done
