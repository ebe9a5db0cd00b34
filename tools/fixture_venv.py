"""What the fixture generators (tools/make_*_fixtures.py) share: the pinned
reference frameworks, the throw-away venv each runs in, and reproducible
.npz files.

A generator runs with any Python: ``ensure_venv`` makes (or reuses) a venv
that can import the framework, and the generator re-executes itself there.
"""
import argparse
import os
import subprocess
import sys

TF_VERSION = "2.21.0"
KERAS_VERSION = "3.15.1"
TORCH_VERSION = "2.13.0"   # exactly: a bare `torch` pulls a multi-GB CUDA build
KERAS_VENV = "/tmp/fastrnn-keras-venv"
TORCH_VENV = "/tmp/fastrnn-torch-venv"
KERAS_PACKAGES = [f"tensorflow-cpu=={TF_VERSION}", f"keras=={KERAS_VERSION}", "h5py"]
TORCH_PACKAGES = [f"torch=={TORCH_VERSION}", "numpy"]
REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def child_env():
    """The environment of a generator's child: TensorFlow on the CPU, quiet."""
    env = dict(os.environ)
    env.update({"CUDA_VISIBLE_DEVICES": "", "TF_CPP_MIN_LOG_LEVEL": "2",
                "KERAS_BACKEND": "tensorflow"})
    return env


def venv_python(venv):
    if os.name == "nt":
        return os.path.join(venv, "Scripts", "python.exe")
    return os.path.join(venv, "bin", "python")


def ensure_venv(venv, probe, packages, tag):
    """The python of ``venv``, created and given ``packages`` unless it can
    already run ``probe`` (e.g. "import tensorflow, keras")."""
    py = venv_python(os.path.abspath(venv))

    def works():
        return os.path.exists(py) and subprocess.run(
            [py, "-c", probe], env=child_env(), stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL).returncode == 0

    if not works():
        print(f"[{tag}] preparing venv {venv}", flush=True)
        if not os.path.exists(py):
            subprocess.run([sys.executable, "-m", "venv", venv], check=True)
        subprocess.run([py, "-m", "pip", "install", "--upgrade", "pip"], check=True)
        subprocess.run([py, "-m", "pip", "install", *packages], check=True)
        if not works():
            sys.exit(f"venv {venv} still cannot run: {probe}")
    return py


def rerun_in(py, script, *args, tag):
    """Run ``script`` with ``py`` and the child environment; exit on failure."""
    cmd = [py, os.path.abspath(script), *args]
    print(f"[{tag}] running:", " ".join(cmd), flush=True)
    code = subprocess.run(cmd, env=child_env()).returncode
    if code:
        sys.exit(code)


def save_npz(path, arrays):
    """np.savez_compressed, re-packed with fixed timestamps, so that
    regenerating a fixture gives the same bytes."""
    import io
    import zipfile

    import numpy as np

    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    buf.seek(0)
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(path, "w") as dst:
        for info in src.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            dst.writestr(zi, src.read(info.filename))


def keras_fixture_main(doc, default_out, generate, parent, hidden=()):
    """The command line the Keras fixture generators share: ``--venv`` and
    ``--out``; the hidden ``--generate`` (and the ``hidden`` options, each
    a string defaulting to None) that a parent passes to its child in the
    venv. Runs ``generate(args)`` in the child, else ``parent(args)``."""
    p = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    p.add_argument("--venv", default=KERAS_VENV,
                   help=f"virtualenv with tensorflow+keras (default {KERAS_VENV})")
    p.add_argument("--out", default=default_out,
                   help=f"output directory (default {os.path.relpath(default_out, REPO_ROOT)})")
    p.add_argument("--generate", action="store_true", help=argparse.SUPPRESS)
    for name in hidden:
        p.add_argument(name, default=None, help=argparse.SUPPRESS)
    args = p.parse_args()
    (generate if args.generate else parent)(args)
