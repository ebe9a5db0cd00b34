#!/usr/bin/env python
"""Check that real Keras loads the .keras files fastrnn writes, and computes the same.

Usage::

    python tools/check_keras_roundtrip.py [--venv DIR] [--data tests/data/graphs_conv]

Developer-only (CI checks the files' structure without Keras, in
tests/test_keras_save.py). For every case of tests/data/graphs, fastrnn (in this
interpreter) loads Keras's file, saves it again with ``model.save("m.keras")`` and
records its outputs; then the script re-executes itself in the Keras venv
(default /tmp/fastrnn-keras-venv), where ``keras.saving.load_model`` loads each
fastrnn file and its ``predict`` is compared with fastrnn's (rtol 1e-4, atol
1e-5). The custom layers are registered there from the Keras sources in
tests/data/graphs/README.md. Exits non-zero if any case fails.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DATA = os.path.join(ROOT, "tests", "data", "graphs")
sys.path.insert(0, HERE)


def write_files(out, data):
    import numpy as np

    import fastrnn

    sys.path.insert(0, os.path.join(ROOT, "tests"))
    from test_graph_fixtures import CUSTOM, fixture, flat_outputs

    from pathlib import Path

    cases = sorted(json.load(open(os.path.join(data, "cases.json"))))
    done = []
    for case in cases:
        if "stateful" in case:
            continue
        model = fastrnn.load_model(os.path.join(data, f"{case}.keras"), custom_objects=CUSTOM)
        names, ins, _ = fixture(case, data=Path(data))
        got = flat_outputs(model.predict(ins[0] if len(ins) == 1 else ins, verbose=0), names)
        model.save(os.path.join(out, f"{case}.keras"))
        np.savez(os.path.join(out, f"{case}.npz"),
                 **{f"in/{i}": a for i, a in enumerate(ins)},
                 **{f"out/{i}": a for i, a in enumerate(got)}, names=json.dumps(names))
        done.append(case)
    return done


def check_in_keras(out, cases):
    import numpy as np

    import keras

    readme = open(os.path.join(DATA, "README.md")).read()
    source = re.search(r"## Custom classes.*?```python\n(.*?)```", readme, re.S).group(1)
    namespace = {"keras": keras, "ops": keras.ops,
                 "register": keras.saving.register_keras_serializable(package="fixtures")}
    exec(source, namespace)   # the fixture classes, as tools/make_graph_fixtures.py has them
    failed = []
    for case in cases:
        z = np.load(os.path.join(out, f"{case}.npz"))
        names = json.loads(str(z["names"]))
        ins = [z[f"in/{i}"] for i in range(len(names["inputs"]))]
        try:
            model = keras.saving.load_model(os.path.join(out, f"{case}.keras"))
            got = model.predict(ins[0] if len(ins) == 1 else ins, verbose=0)
            if isinstance(got, dict):
                got = [got[k] for k in names["outputs"]]
            elif not isinstance(got, (list, tuple)):
                got = [got]
            flat = []
            for g in got:
                flat += list(g) if isinstance(g, (list, tuple)) else [g]
            for i, g in enumerate(flat):
                np.testing.assert_allclose(np.asarray(g), z[f"out/{i}"], rtol=1e-4, atol=1e-5)
            print(f"ok    {case}")
        except Exception as e:  # noqa: BLE001 - report every case
            failed.append(case)
            print(f"FAIL  {case}: {type(e).__name__}: {str(e)[:300]}")
    print(f"{len(cases) - len(failed)} of {len(cases)} fastrnn-written files load in Keras "
          "and match")
    return failed


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--venv", default="/tmp/fastrnn-keras-venv")
    p.add_argument("--data", default=DATA, help="fixture directory (default tests/data/graphs)")
    p.add_argument("--check", default=None, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.check:
        cases = json.load(open(os.path.join(args.check, "cases.json")))
        sys.exit(1 if check_in_keras(args.check, cases) else 0)
    from fixture_venv import KERAS_PACKAGES, ensure_venv

    out = tempfile.mkdtemp(prefix="fastrnn-roundtrip-")
    cases = write_files(out, os.path.abspath(args.data))
    json.dump(cases, open(os.path.join(out, "cases.json"), "w"))
    py = ensure_venv(args.venv, "import tensorflow, keras, h5py", KERAS_PACKAGES,
                     "check_keras_roundtrip")
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH="")
    sys.exit(subprocess.run([py, __file__, "--check", out], env=env).returncode)


if __name__ == "__main__":
    main()
