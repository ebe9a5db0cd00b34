"""The packed path's gate update is vector code in every build.

GCC's loop vectorizer left the loops of the float32 sigmoid / tanh scalar in
the AVX2 and baseline builds: with -ftrapping-math (GCC's default) its PRE
pass folds the exp's clamp constants into the arithmetic that follows, and a
possibly trapping multiply on one arm of a branch cannot be if-converted
without AVX-512's masked operations; and the SSE build left them scalar
with -fno-trapping-math too. So the gate update calls vector forms
(_simd.h), which must give the scalar forms' bits.
These tests disassemble each compiled build and check that the gate
update has no scalar float arithmetic or conversion at all (the cells'
elementwise updates are vector forms too, and a partial last panel runs in
padded copies), and that its divisions and float-to-int conversions (the
sigmoid, tanh and exp) are packed instructions of the build's vector width.
"""
import importlib.util
import platform
import re
import shutil
import subprocess

import numpy as np
import pytest

from fastrnn import _dispatch

# The build -> the register of its FR_VL floats (see _simd.h).
REGISTER = {"baseline": "xmm", "avx2": "ymm", "avx512": "zmm"}

# The functions that hold the gate update, wherever GCC leaves them out of
# line (static functions may get .isra / .constprop / .part suffixes).
GATE_UPDATE = re.compile(r"(_step_packed|_lstm_cell|_gru_cell|_simple_cell|_activate_gates"
                         r"|_activate_f32|fr_sigmoid_n|fr_tanh_n|fr_expm1v|fr_sigmoidv|fr_tanhv"
                         r"|fr_lstm_state_n|fr_mul_n|fr_gru_state_n|fr_add_n|fr_gru_candidate_n)"
                         r"(\.[a-z]+\.\d+)*$")

# Scalar float arithmetic and conversions (SSE / AVX / AVX-512 forms): none
# of it belongs in the gate update, which works on whole vectors (a partial
# last panel in padded copies). Moves and broadcasts are not matched.
SCALAR = re.compile(r"^v?(add|sub|mul|div|sqrt|min|max|rcp|rsqrt|f?n?m(add|sub)\d*)s[sd]$"
                    r"|^v?cvtt?(ss|sd)2(si|sd|ss|usi)$|^v?cvt(si|usi)2s[sd]$")


def compiled_builds():
    found = []
    for build, module in _dispatch.MODULES.items():
        spec = importlib.util.find_spec(f"fastrnn.{module}")   # (does not import it)
        if spec is not None and spec.origin and spec.origin.endswith(".so"):
            found.append(pytest.param(build, spec.origin, id=build))
    return found


def disassemble(path):
    """{function name: [(address, instruction)]} of a shared object's text."""
    if shutil.which("objdump") is None:
        pytest.skip("objdump is not installed (binutils)")
    result = subprocess.run(["objdump", "-d", "--no-show-raw-insn", "-M", "att", path],
                            capture_output=True, text=True, check=True)
    functions, current = {}, None
    for line in result.stdout.splitlines():
        header = re.match(r"^[0-9a-f]+ <(.+)>:$", line)
        if header:
            current = functions.setdefault(header.group(1), [])
        elif current is not None and re.match(r"^\s+[0-9a-f]+:\t", line):
            address, insn = line.split("\t", 1)
            current.append((int(address.strip().rstrip(":"), 16), insn.strip()))
    return functions


def destination(insn):
    """The register class (xmm, ymm, zmm) of an AT&T instruction's last operand."""
    match = re.search(r"%([xyz]mm)\d+(\{%k\d\})?(\{z\})?$", insn)
    return match.group(1) if match else None


@pytest.mark.skipif(platform.machine().lower() not in ("x86_64", "amd64"),
                    reason="checks x86-64 instructions")
@pytest.mark.parametrize("build,path", compiled_builds())
def test_gate_update_is_vector_code(build, path):
    functions = disassemble(path)
    gate = {name: body for name, body in functions.items() if GATE_UPDATE.search(name)}
    assert any("_step_packed" in name for name in gate), \
        f"no _step_packed symbol in {path}: {sorted(functions)[:20]} ..."
    code = [insn for body in gate.values() for _, insn in body]
    mnemonic = [insn.split()[0] for insn in code]
    register = REGISTER[build]

    scalar = [insn for insn, m in zip(code, mnemonic) if SCALAR.match(m)]
    assert not scalar, f"{build}: scalar float math in the gate update: {scalar[:5]}"

    # Sigmoid and tanh each divide once and exp converts to int once per
    # vector: at least one of each, all at the build's full width.
    for name in ("divps", "cvttps2dq"):
        packed = [insn for insn, m in zip(code, mnemonic) if m in (name, "v" + name)]
        assert len(packed) >= 2, f"{build}: expected packed {name} in the gate update"
        narrow = [insn for insn in packed if destination(insn) != register]
        assert not narrow, f"{build}: {name} narrower than {register}: {narrow[:5]}"


def special_floats():
    rng = np.random.default_rng(0)
    bits = rng.integers(0, 2**32, 200_000, dtype=np.uint64).astype(np.uint32)
    edges = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, -np.nan, 1e-45, -1e-45, 1.1754942e-38,
                      88.3762626647949, 88.38, -87.3365447504, -87.34, 44.19, -44.19, 9.0, -9.0,
                      1e-7, -1e-7, 0.5, -0.5, 1.0, -1.0, 3.4028235e38, -3.4028235e38], np.float32)
    values = np.concatenate([edges, bits.view(np.float32),
                             np.linspace(-100, 100, 200_001, dtype=np.float32)])
    return values


@pytest.mark.parametrize("build", _dispatch.available())
def test_vector_math_gives_the_scalar_bits(build):
    kernels = _dispatch.load(build)
    x = special_floats()
    # Lengths that are not a multiple of the vector width exercise the padded tail.
    for n in (x.size, x.size - 1, kernels.VECTOR_FLOATS - 1, 1):
        out = kernels._vector_math(np.ascontiguousarray(x[:n]))
        for scalar, vector, what in ((out[0], out[1], "sigmoid"), (out[2], out[3], "tanh")):
            same = (scalar.view(np.uint32) == vector.view(np.uint32)) \
                | (np.isnan(scalar) & np.isnan(vector))      # (a NaN's sign may differ)
            assert same.all(), (f"{build} {what}: vector and scalar differ at "
                                f"x={x[:n][~same][:5]}: {scalar[~same][:5]} vs {vector[~same][:5]}")


def k_loop(body, multiplies):
    """The shortest loop (jump target to backward jump) of a function that
    has at least ``multiplies`` multiplies: a tile's k loop."""
    addresses = [address for address, _ in body]
    best = None
    for i, (_, insn) in enumerate(body):
        jump = re.match(r"j\w+\s+([0-9a-f]+)\b", insn)
        if jump and int(jump.group(1), 16) in addresses[:i]:
            loop = [x for _, x in body[addresses.index(int(jump.group(1), 16)):i + 1]]
            if (sum("mul" in x or "fmadd" in x for x in loop) >= multiplies
                    and (best is None or len(loop) < len(best))):
                best = loop
    return best


@pytest.mark.skipif(platform.machine().lower() not in ("x86_64", "amd64"),
                    reason="checks x86-64 instructions")
@pytest.mark.parametrize("build", _dispatch.available())
def test_register_tiles_do_not_spill(build):
    # (Unrolling the AVX2 3 x 4 tile's k loop made GCC keep an accumulator
    # on the stack: a load and a store per k, 50 % slower.)
    kernels = _dispatch.load(build)
    functions = disassemble(importlib.util.find_spec(f"fastrnn.{_dispatch.MODULES[build]}").origin)
    # LSTM's and SimpleRNN's 4-vector panels run as two 2-vector tiles, or
    # up to 3 rows as one 4-vector tile.
    for name, multiplies in ((f"fr_tile_{kernels.TILE_ROWS}_2_2", kernels.TILE_ROWS * 2),
                             ("fr_tile_3_4", 12), ("fr_tile_2_4", 8),
                             (f"fr_tile_{kernels.GRU_TILE_ROWS}_3_3", kernels.GRU_TILE_ROWS * 3)):
        assert name in functions, f"{build}: no {name}"
        loop = k_loop(functions[name], multiplies)
        assert loop, f"{build} {name}: no k loop found"
        stack = [x for x in loop if "(%rsp)" in x or "(%rbp)" in x]
        assert not stack, f"{build} {name}: the k loop spills: {stack[:4]}"
