"""Which kernel build runs: never one the CPU cannot execute.

The AVX-512 build executes AVX-512 instructions as soon as it is imported, so
on an AVX2-only CPU importing it kills the process with SIGILL. These tests
hide CPU features from numpy's table in a child interpreter (the table is what
fastrnn._dispatch reads) and check that nothing imports a build the CPU lacks.
The real CPUs are checked by tools/check_cpus.sh under qemu (see TESTING.md).
"""
import json
import textwrap
from pathlib import Path

import pytest

from fastrnn import _dispatch
from support import run_python

TESTS = Path(__file__).parent


def child(code, hide=()):
    """Run ``code`` in a fresh interpreter whose CPU lacks the features ``hide``."""
    prelude = textwrap.dedent(f"""\
        try:
            from numpy._core._multiarray_umath import __cpu_features__
        except ImportError:
            from numpy.core._multiarray_umath import __cpu_features__
        for name in {list(hide)!r}:
            __cpu_features__[name] = False
        import json, sys
        """)
    result = run_python(["-c", prelude + textwrap.dedent(code)], capture_output=True, text=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("hide, best", [
    (("AVX512F",), "avx2"),
    (("AVX512BW",), "avx2"),
    (("AVX2",), "baseline"),
    (("FMA3",), "baseline"),
    (("F16C",), "baseline"),
])
def test_a_build_whose_features_are_missing_is_never_imported(hide, best):
    if best not in _dispatch.available():
        pytest.skip(f"this installation has no {best} build")
    got = child("""
        import fastrnn
        from fastrnn import _dispatch
        errors = {}
        for build in _dispatch.BUILDS:
            if build not in _dispatch.available():
                try:
                    _dispatch.load(build)
                except ImportError as error:
                    errors[build] = str(error)
        print(json.dumps({"build": _dispatch.build, "available": _dispatch.available(),
                          "errors": errors,
                          "imported": sorted(m for m in sys.modules
                                             if m.startswith("fastrnn._kernels"))}))
        """, hide)
    assert got["build"] == best
    assert got["available"][0] == best
    refused = [b for b in _dispatch.BUILDS if b not in got["available"]]
    assert refused and set(got["errors"]) == set(refused)
    for build in refused:
        assert any(name in got["errors"][build] for name in hide), got["errors"][build]
        assert f"fastrnn.{_dispatch.MODULES[build]}" not in got["imported"]
    # The baseline build runs everywhere (activations.py takes its enums from it).
    assert f"fastrnn.{_dispatch.MODULES[best]}" in got["imported"]
    assert set(got["imported"]) <= {f"fastrnn.{_dispatch.MODULES[b]}" for b in (best, "baseline")}


def test_forcing_a_build_the_cpu_lacks_is_an_import_error():
    if "avx512" not in _dispatch.BUILDS:
        pytest.skip("no avx512 build")
    got = child("""
        import os
        os.environ["FASTRNN_KERNELS"] = "avx512"
        try:
            import fastrnn
        except ImportError as error:
            print(json.dumps({"error": str(error),
                              "imported": [m for m in sys.modules if m == "fastrnn._kernels_avx512"]}))
        else:
            print(json.dumps({"error": None}))
        """, ("AVX512F",))
    assert got["error"] and "avx512" in got["error"]
    assert got["imported"] == []


def test_unknown_build_is_an_import_error():
    with pytest.raises(ImportError, match="unknown kernel build"):
        _dispatch.load("sse9")


# One fixture per cell (and Bidirectional, masks, states) under every build
# this CPU runs, each in its own interpreter with FASTRNN_KERNELS set, so a
# build that the best one shadows is still checked against Keras.
PARITY_SUBSET = ["simplernn_rs1_st1_gb1_mask-mixed_init1_bias1",
                 "lstm_rs1_st1_gb1_mask-mixed_init1_bias1",
                 "gru-ra1_rs1_st1_gb1_mask-mixed_init1_bias1",
                 "gru-ra0_rs1_st1_gb1_mask-mixed_init1_bias1",
                 "bidi-lstm_merge-concat_rs1_st1_mask-mixed", "lstm_f64_rs1_st1_gb0_mask-mixed"]


@pytest.mark.parametrize("build", _dispatch.available())
def test_keras_parity_subset_under_every_build(build):
    paths = [TESTS / "data" / "keras" / f"{name}.npz" for name in PARITY_SUBSET]
    missing = [p.name for p in paths if not p.exists()]
    assert not missing, f"parity subset names fixtures that do not exist: {missing}"
    got = child(f"""
        import os
        os.environ["FASTRNN_KERNELS"] = {build!r}
        sys.path.insert(0, {str(TESTS)!r})
        from fastrnn import _dispatch
        import test_keras_parity
        for path in {[str(p) for p in paths]!r}:
            test_keras_parity.test_keras_parity(test_keras_parity.Path(path))
        print(json.dumps({{"build": _dispatch.build}}))
        """)
    assert got["build"] == build


def test_openmp_waits_passively_unless_the_user_chose(tmp_path):
    # Idle OpenMP threads must not spin on cores others need (see _dispatch). The child
    # runs from outside the checkout (its fastrnn/ may have no compiled kernels) on the
    # fastrnn these tests imported, as support.run_python does.
    import os
    import subprocess
    import sys
    from pathlib import Path
    import fastrnn
    code = "import os, fastrnn; print(os.environ.get('OMP_WAIT_POLICY'))"
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT")}
    env["PYTHONPATH"] = os.pathsep.join(
        [str(Path(fastrnn.__file__).parent.parent)] + [p for p in [env.get("PYTHONPATH")] if p])
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True, cwd=tmp_path).stdout.strip()
    assert out == "PASSIVE"
    env["OMP_WAIT_POLICY"] = "ACTIVE"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True, cwd=tmp_path).stdout.strip()
    assert out == "ACTIVE"
