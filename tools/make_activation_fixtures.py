#!/usr/bin/env python
"""Generate the activation special-value fixtures (tests/data/keras_activations).

Usage::

    python tools/make_activation_fixtures.py [--venv DIR] [--out DIR]

Same conventions as tools/make_edge_fixtures.py: any Python runs it; it
makes sure ``DIR`` (default ``/tmp/fastrnn-keras-venv``) can ``import
tensorflow, keras`` (installing ``tensorflow-cpu==2.21.0 keras==3.15.1`` if
not) and re-executes itself there with ``CUDA_VISIBLE_DEVICES=""``,
``TF_CPP_MIN_LOG_LEVEL=2`` and ``KERAS_BACKEND=tensorflow``. It runs the
child twice: once with TensorFlow's defaults (oneDNN on, as users run it),
once with ``TF_ENABLE_ONEDNN_OPTS=0`` (TensorFlow's own Eigen kernels).
The two agree everywhere but float32 softmax of rows holding NaN or +inf,
where oneDNN's JIT kernel leaves some entries finite and others NaN at
positions that follow the CPU's vector width (float64, and float32 without
oneDNN, give NaN for the whole row). Where they differ both are recorded
and fastrnn follows the Eigen one. Deterministic: no random numbers, and
the archives are re-packed with fixed zip timestamps.

What is recorded: every ``keras.activations`` name that Keras RNN layers
accept (as tests/data/keras/activations.json records them; the test checks
that list against fastrnn.activations.NAMES),
applied to special pre-activations -- NaN, +-inf, +-0, huge (+-1e30, +-3e38,
and for float64 +-1e200, +-1e300, +-1.7e308), tiny (1e-30, subnormals) and
the values where the piecewise rules switch (+-0.5, +-1, +-3, 6, ...) --
in float32 and float64, through

- ``Activation(name)`` on the values themselves;
- ``Dense(n, activation=name)`` with input 1 and the values as the (1, n)
  kernel, bias 0, so that the pre-activations are 1 * value + 0;
- recurrent layers, one step, input 1, recurrent kernel 0, bias 0, the
  values carried by the (1, gates * n) input kernel, so that every gate's
  pre-activation is exactly a chosen value (an identity kernel would not
  do: 0 * inf is NaN and would spill into every unit):

  ``simplernn``    SimpleRNN(activation=name): h = name(v);
  ``lstm-act``     LSTM(activation=name, recurrent_activation="linear"),
                   z_i = 1, z_f = 0, z_c = v, z_o = 1: c = name(v),
                   h = name(name(v));
  ``lstm-ract``    LSTM(activation="linear", recurrent_activation=name),
                   z_i = v, z_f = 0, z_c = 1, z_o = v: c = name(v),
                   h = name(v) ** 2;
  ``gru1-act`` / ``gru0-act``   GRU(reset_after=True / False,
                   activation=name, recurrent_activation="linear"),
                   z_z = z_r = 0, z_h = v: h = name(v);
  ``gru1-ract`` / ``gru0-ract``  GRU(activation="linear",
                   recurrent_activation=name), z_z = v, z_r = 0, z_h = 0,
                   initial state 1: h = name(v) (NaN where name(v) = inf:
                   (1 - inf) * 0).

Elementwise activations see one vector of all the values. ``softmax``,
``log_softmax`` and ``sparsemax`` normalize over the units, so they see a
list of short rows instead ([NaN, 0], [inf, 0], [1e20, 0], ties, rows of
20 that take TensorFlow's sort past its insertion-sort cut-off, ...), one
layer per row.

Format (tests/test_activation_fixtures.py reads it): one archive per dtype,
``float32.npz`` and ``float64.npz``, with ``spec`` a JSON string::

    {"dtype", "versions": {...},
     "groups": [{"id", "layer", "config", "slot", "names", "rows",
                 "n_weights", "initial_state": bool, "n_outputs",
                 "onednn_differs": [[name, row], ...]}]}

``slot`` is the config key the activation name goes to ("activation" or
"recurrent_activation"); ``rows`` counts the cases stacked in the group.
Arrays: ``<id>.x`` (rows, ...), ``<id>.weight_<k>`` (rows, ...),
``<id>.initial_state`` (rows, 1, units) when used, ``<id>.output``
(names, rows, n_outputs, 1, units): Keras's outputs (the default run), and
``<id>.eigen_output`` likewise, present when ``onednn_differs`` is not
empty.
"""

import json
import os
import sys
import tempfile

from fixture_venv import keras_fixture_main, KERAS_PACKAGES, REPO_ROOT, ensure_venv, rerun_in, \
    save_npz

DEFAULT_OUT = os.path.join(REPO_ROOT, "tests", "data", "keras_activations")
TAG = "make_activation_fixtures"
ROWWISE = ("softmax", "log_softmax", "sparsemax")


def ensure_venv_and_reexec(args):
    py = ensure_venv(args.venv, "import tensorflow, keras", KERAS_PACKAGES, TAG)
    with tempfile.TemporaryDirectory() as tmp:
        eigen = os.path.join(tmp, "eigen.npz")
        rerun_in(py, __file__, "--generate", "--onednn", "0", "--raw", eigen, tag=TAG)
        rerun_in(py, __file__, "--generate", "--eigen", eigen, "--out",
                 os.path.abspath(args.out), tag=TAG)
    sys.exit(0)


# ---------------------------------------------------------------------------
# Child: everything below runs inside the Keras venv.
# ---------------------------------------------------------------------------

def values(np, dtype):
    """The elementwise pre-activations, in ``dtype``."""
    f = np.finfo(dtype)
    v = [np.nan, np.inf, -np.inf, 0.0, -0.0, 1e30, -1e30, 3e38, -3e38, 1e-30, -1e-30,
         f.smallest_subnormal, -f.smallest_subnormal, f.tiny / 4, -f.tiny / 4,
         0.5, -0.5, 1.0, -1.0, 3.0, -3.0, 6.0, 20.0, -20.0, 100.0, -100.0]
    if dtype == "float32":
        v += [88.8, -88.8]            # expf overflows, sigmoid(-88.8) is subnormal
    else:
        v += [800.0, -800.0, 1e200, -1e200, 1e300, -1e300, 1.7e308, -1.7e308]
    return np.array(v, dtype)


def rows(np, dtype):
    """Rows for the activations that normalize over the units."""
    nan, inf = np.nan, np.inf
    r = [[nan, 0], [0, nan], [nan, nan], [nan, inf], [inf, nan], [inf, 0], [0, inf],
         [-inf, 0], [0, -inf], [inf, inf], [-inf, -inf], [inf, -inf],
         [1e20, 0], [0, 1e20], [1e30, 0], [-1e30, 0], [3e38, -3e38], [3e38, 3e38],
         [0.2, 0.2], [1, 1], [0, -0.0], [1e-30, 0], [float(np.finfo(dtype).smallest_subnormal), 0],
         [nan, 1, 2], [1, nan, 2], [1, 2, nan], [0.2, 0.2, -1], [1, 2, 3], [inf, 1, 2]]
    ramp = [float(i) for i in range(1, 20)]
    r += [[nan] + ramp, ramp + [nan], ramp[:9] + [nan] + ramp[9:], [inf] + ramp,
          [-inf] + ramp, ramp[:5] + [nan] + ramp[5:12] + [nan] + ramp[12:]]
    if dtype == "float64":
        r += [[1e300, -1e300], [1.7e308, 1.7e308], [1e200, 0]]
    return [np.array(x, dtype) for x in r]


def recurrent_weights(np, kind, v):
    """(kernel, recurrent, bias) for one case of the recurrent ``kind``, the
    pre-activations carried by the input kernel (see the module docstring)."""
    n, dtype = v.shape[0], v.dtype
    one, zero = np.ones(n, dtype), np.zeros(n, dtype)
    if kind == "simplernn":
        gates = [v]
    elif kind == "lstm-act":
        gates = [one, zero, v, one]
    elif kind == "lstm-ract":
        gates = [v, zero, one, v]
    elif kind.endswith("-act"):           # GRU: z, r, h
        gates = [zero, zero, v]
    else:
        gates = [v, zero, zero]
    kernel = np.concatenate(gates)[None, :]
    recurrent = np.zeros((n, kernel.shape[1]), dtype)
    bias_shape = (2, kernel.shape[1]) if kind.startswith("gru1") else (kernel.shape[1],)
    return [kernel, recurrent, np.zeros(bias_shape, dtype)]


KINDS = {
    # kind: (layer, fixed config, slot of the name)
    "activation": ("Activation", {}, "activation"),
    "dense": ("Dense", {"use_bias": True}, "activation"),
    "simplernn": ("SimpleRNN", {}, "activation"),
    "lstm-act": ("LSTM", {"recurrent_activation": "linear"}, "activation"),
    "lstm-ract": ("LSTM", {"activation": "linear"}, "recurrent_activation"),
    "gru1-act": ("GRU", {"reset_after": True, "recurrent_activation": "linear"}, "activation"),
    "gru0-act": ("GRU", {"reset_after": False, "recurrent_activation": "linear"}, "activation"),
    "gru1-ract": ("GRU", {"reset_after": True, "activation": "linear"}, "recurrent_activation"),
    "gru0-ract": ("GRU", {"reset_after": False, "activation": "linear"}, "recurrent_activation"),
}


def case_inputs(np, kind, v):
    """(x, weights, initial_state or None) for one case."""
    dtype = v.dtype
    if kind == "activation":
        return v[None, :], [], None
    if kind == "dense":
        return np.ones((1, 1), dtype), [v[None, :], np.zeros_like(v)], None
    init = np.ones((1, v.shape[0]), dtype) if kind.endswith("-ract") and "gru" in kind else None
    return np.ones((1, 1, 1), dtype), recurrent_weights(np, kind, v), init


def build_groups(np, dtype, names):
    groups = []
    elementwise = [n for n in names if n not in ROWWISE]
    rowwise = [n for n in names if n in ROWWISE]
    by_length = {}
    for r in rows(np, dtype):
        by_length.setdefault(r.shape[0], []).append(r)
    for kind, (layer, fixed, slot) in KINDS.items():
        cases = [("values", elementwise, [values(np, dtype)])]
        cases += [(f"rows{n}", rowwise, rs) for n, rs in sorted(by_length.items())]
        for label, group_names, group_rows in cases:
            config = dict(fixed, dtype=dtype)
            if layer in ("SimpleRNN", "LSTM", "GRU"):
                config.update(return_sequences=False, return_state=True, use_bias=True)
            if layer != "Activation":
                config["units"] = int(group_rows[0].shape[0])
            groups.append({"id": f"{kind}_{label}", "kind": kind, "layer": layer,
                           "config": config, "slot": slot, "names": group_names,
                           "cases": group_rows})
    return groups


def run_keras(keras, np, group, name, v):
    layer_cls = getattr(keras.layers, group["layer"])
    config = dict(group["config"])
    config[group["slot"]] = name
    x, weights, init = case_inputs(np, group["kind"], v)
    if group["layer"] == "Activation":
        layer = layer_cls(config.pop("activation"), **config)
    else:
        layer = layer_cls(**config)
    layer.build(x.shape)
    if weights:
        layer.set_weights(weights)
    out = layer(x, initial_state=[init]) if init is not None else layer(x)
    out = out if isinstance(out, (list, tuple)) else [out]
    return x, weights, init, [np.asarray(o) for o in out]


def accepted_names():
    """The names Keras RNN layers accept, as make_keras_fixtures.py found them
    by trying every keras.activations name (tests/data/keras/activations.json)."""
    with open(os.path.join(REPO_ROOT, "tests", "data", "keras", "activations.json")) as f:
        recorded = json.load(f)
    names = sorted(recorded["accepted"]["SimpleRNN"])
    for layer in ("LSTM", "GRU"):
        assert sorted(recorded["accepted"][layer]) == names, layer
        assert sorted(recorded["recurrent_activation"]["accepted"][layer]) == names, layer
    return names


def generate(args):
    if args.onednn is not None:
        os.environ["TF_ENABLE_ONEDNN_OPTS"] = args.onednn
    import platform

    import keras
    import numpy as np
    import tensorflow as tf

    names = accepted_names()
    print(f"[{TAG}] oneDNN={os.environ.get('TF_ENABLE_ONEDNN_OPTS', 'default')};"
          f" {len(names)} activations: {', '.join(names)}", flush=True)
    versions = {"tensorflow": tf.__version__, "keras": keras.__version__,
                "numpy": np.__version__, "python": platform.python_version(),
                "keras_backend": keras.backend.backend()}
    raw = {}
    eigen = dict(np.load(args.eigen)) if args.eigen else None
    for dtype in ("float32", "float64"):
        payload, spec_groups = {}, []
        for group in build_groups(np, dtype, names):
            gid = group["id"]
            outputs, differs = [], []
            xs, weights, inits = [], [], []
            for i, name in enumerate(group["names"]):
                per_name = []
                for v in group["cases"]:
                    x, w, init, out = run_keras(keras, np, group, name, v)
                    per_name.append(np.stack(out))
                    if i == 0:
                        xs.append(x)
                        weights.append(w)
                        inits.append(init)
                outputs.append(np.stack(per_name))
            output = np.stack(outputs)
            key = f"{dtype}.{gid}"
            raw[key] = output
            if eigen is not None:
                other = eigen[key]
                for i, name in enumerate(group["names"]):
                    for r in range(len(group["cases"])):
                        if not np.array_equal(other[i, r], output[i, r], equal_nan=True):
                            differs.append([name, r])
                if differs:
                    payload[f"{gid}.eigen_output"] = other
            payload[f"{gid}.x"] = np.stack(xs)
            for k in range(len(weights[0])):
                payload[f"{gid}.weight_{k}"] = np.stack([w[k] for w in weights])
            if inits[0] is not None:
                payload[f"{gid}.initial_state"] = np.stack(inits)
            payload[f"{gid}.output"] = output
            spec_groups.append({"id": gid, "layer": group["layer"], "config": group["config"],
                                "slot": group["slot"], "names": group["names"],
                                "rows": len(group["cases"]), "n_weights": len(weights[0]),
                                "initial_state": inits[0] is not None,
                                "n_outputs": int(output.shape[2]), "onednn_differs": differs})
            print(f"[{TAG}] {dtype} {gid}: {len(group['names'])} x {len(group['cases'])}"
                  + (f", oneDNN differs at {differs}" if differs else ""), flush=True)
        if eigen is not None:
            spec = {"dtype": dtype, "versions": versions, "groups": spec_groups}
            payload["spec"] = np.array(json.dumps(spec, sort_keys=True, separators=(",", ":")))
            os.makedirs(args.out, exist_ok=True)
            save_npz(os.path.join(args.out, f"{dtype}.npz"), payload)
    if eigen is None:
        save_npz(args.raw, raw)
    else:
        with open(os.path.join(args.out, "VERSIONS.json"), "w") as f:
            json.dump(versions, f, indent=2, sort_keys=True)
            f.write("\n")
        print(f"[{TAG}] wrote {args.out}: versions {versions}")


def main():
    keras_fixture_main(__doc__, DEFAULT_OUT, generate, ensure_venv_and_reexec,
                       hidden=('--onednn', '--raw', '--eigen'))


if __name__ == "__main__":
    main()
