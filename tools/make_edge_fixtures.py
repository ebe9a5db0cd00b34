#!/usr/bin/env python
"""Generate the Keras edge-case fixtures for fastrnn (tests/data/keras_edge).

Usage::

    python tools/make_edge_fixtures.py [--venv DIR] [--out DIR]
    python tools/make_edge_fixtures.py --venv /tmp/kerasvenv   # reuse a venv

Same conventions as tools/make_keras_fixtures.py: any Python runs it; it
makes sure ``DIR`` (default ``/tmp/fastrnn-keras-venv``) is a virtualenv
that can ``import tensorflow, keras`` (installing ``tensorflow-cpu==2.21.0
keras==3.15.1`` if not), then re-executes itself there with
``CUDA_VISIBLE_DEVICES=""``, ``TF_CPP_MIN_LOG_LEVEL=2`` and
``KERAS_BACKEND=tensorflow``. The child runs every case through real Keras,
deletes the old ``*.npz`` in the output directory and writes one
``<case_id>.npz`` per case, plus ``VERSIONS.json`` and ``probes.json``.
Deterministic: each case seeds numpy from the CRC32 of its id and the
archives are re-packed with fixed zip timestamps.

What is recorded: inputs at the edges of what the layers accept -- an empty
batch, zero timesteps, zero features, inputs of other dtypes and memory
layouts (float16, integers, bool, big-endian, Fortran order), NaN and
infinities in the input, the initial states or the weights, masks of every
numeric dtype and odd values (NaN, inf, -0.0, negative), initial states of
other dtypes -- and what Keras did: its outputs, or the error it raised.

Format (tests/test_edge_cases.py reads it): like tests/data/keras, with
``spec`` a JSON string::

    {"id", "group", "feature", "layer", "config",
     "bidirectional": null | {"merge_mode": ...},
     "calls": [{"mask": bool, "n_initial_state": int, "is_list": bool,
                "n_outputs": int}],          # n_outputs 0 when Keras raised
     "keras_error": null | {"call": i, "type": "InvalidArgumentError",
                            "message": "..."},
     "fastrnn": "match" | "ValueError" | "empty-outputs"}

``fastrnn`` is the policy (decided here, from what Keras did, by the rule
in ``policy``): "match" -- give Keras's outputs; "ValueError" -- Keras
cannot run it either (zero timesteps), fastrnn raises a clear ValueError;
"empty-outputs" -- Keras's LSTM fails on an empty batch (a Keras/TF bug:
"Biases must be 1D: [0, 4H]") where SimpleRNN and GRU return empty arrays;
fastrnn returns empty arrays for every cell. Arrays: ``weight_K`` (as set),
``call{i}_x`` (in its dtype and memory order), ``call{i}_mask`` (in its
dtype), ``call{i}_initial_state_{k}``, ``call{i}_output_{k}``.

``probes.json`` records small behaviours that are not arrays (does Keras
take a nested list, a (batch, T, 1) mask, ...) with fastrnn's documented
answer next to it.
"""

import os
import sys

from fixture_venv import keras_fixture_main, KERAS_PACKAGES, REPO_ROOT, child_env, ensure_venv, \
    rerun_in, save_npz

DEFAULT_OUT = os.path.join(REPO_ROOT, "tests", "data", "keras_edge")


def ensure_venv_and_reexec(args):
    py = ensure_venv(args.venv, "import tensorflow, keras", KERAS_PACKAGES,
                     "make_edge_fixtures")
    rerun_in(py, __file__, "--generate", "--venv", os.path.abspath(args.venv),
             "--out", os.path.abspath(args.out), tag="make_edge_fixtures")
    sys.exit(0)


# ---------------------------------------------------------------------------
# Child: everything below runs inside the Keras venv.
# ---------------------------------------------------------------------------

B, T, D = 4, 5, 3
UNITS = 3

CELLS = {
    "simplernn": ("SimpleRNN", {}),
    "lstm": ("LSTM", {}),
    "gru-ra1": ("GRU", {"reset_after": True}),
    "gru-ra0": ("GRU", {"reset_after": False}),
}

# row 0 leading-masked, row 1 trailing, row 2 middle, row 3 fully masked
MIXED = [[0, 0, 1, 1, 1], [1, 1, 1, 0, 0], [1, 0, 0, 1, 1], [0, 0, 0, 0, 0]]


def config(slug, **overrides):
    layer, extra = CELLS[slug]
    cfg = {"units": UNITS, "activation": "tanh", "use_bias": True,
           "return_sequences": True, "return_state": True, "go_backwards": False,
           "stateful": False, "zero_output_for_mask": False, "dtype": "float32"}
    if layer in ("LSTM", "GRU"):
        cfg["recurrent_activation"] = "sigmoid"
    cfg.update(extra)
    cfg.update(overrides)
    return layer, cfg


class Call:
    """One call. Each field is None (default) or a function of (np, rng, ...)
    returning the argument as the user passes it."""

    def __init__(self, x=None, mask=None, init=None):
        self.x = x          # f(np, x_float64) -> x
        self.mask = mask    # f(np, rng, batch, steps) -> mask
        self.init = init    # f(np, rng, shapes) -> list of states


class Case:
    def __init__(self, group, cid, feature, slug, cfg_overrides=None, shape=(B, T, D),
                 bidirectional=None, calls=None, weights=None):
        self.group, self.id, self.feature = group, cid, feature
        self.layer, self.config = config(slug, **(cfg_overrides or {}))
        self.shape = shape
        self.bidirectional = bidirectional      # None or {"merge_mode": ...}
        self.calls = calls or [Call()]
        self.weights = weights                  # f(np, list) -> list, or None


def mixed_mask(dtype="bool", valid=1, invalid=0):
    def make(np, rng, batch, steps):
        m = np.array(MIXED, bool)[:batch, :steps]
        return np.where(m, np.asarray(valid, dtype), np.asarray(invalid, dtype)).astype(dtype)
    return make


def random_states(transform):
    def make(np, rng, shapes):
        return [transform(np, rng.uniform(-0.8, 0.8, s)) for s in shapes]
    return make


def put(value, index):
    """x transform: float32 x with x[index] = value."""
    def make(np, x):
        x = x.astype(np.float32)
        x[index] = value
        return x
    return make


def build_cases():
    cases = []
    add = cases.append
    slugs = list(CELLS)

    # 1. empty batch: Keras returns empty arrays (SimpleRNN, GRU) or fails (LSTM)
    for slug in slugs:
        for rs, st in ((True, True), (False, False)):
            add(Case("1-empty-batch", f"{slug}_batch0_rs{int(rs)}_st{int(st)}",
                     f"{slug}: x of shape (0, {T}, {D}), return_sequences={rs}, "
                     f"return_state={st}", slug,
                     dict(return_sequences=rs, return_state=st), shape=(0, T, D)))
        add(Case("1-empty-batch", f"{slug}_batch0_mask", f"{slug}: batch 0 with a (0, {T}) mask",
                 slug, shape=(0, T, D), calls=[Call(mask=mixed_mask())]))
        add(Case("1-empty-batch", f"{slug}_batch0_init",
                 f"{slug}: batch 0 with (0, units) initial states", slug, shape=(0, T, D),
                 calls=[Call(init=random_states(lambda np, s: s.astype(np.float32)))]))
        add(Case("1-empty-batch", f"{slug}_batch0_stateful",
                 f"{slug}: stateful, two calls on batch 0", slug, dict(stateful=True),
                 shape=(0, T, D), calls=[Call(), Call()]))
        add(Case("1-empty-batch", f"bidi-{slug}_batch0",
                 f"Bidirectional({slug}) on batch 0", slug, shape=(0, T, D),
                 bidirectional={"merge_mode": "concat"}))

    # 2. zero timesteps: Keras raises
    for slug in slugs:
        for rs, st in ((True, True), (False, False)):
            add(Case("2-zero-timesteps", f"{slug}_steps0_rs{int(rs)}_st{int(st)}",
                     f"{slug}: x of shape ({B}, 0, {D})", slug,
                     dict(return_sequences=rs, return_state=st), shape=(B, 0, D)))
        add(Case("2-zero-timesteps", f"{slug}_batch0_steps0",
                 f"{slug}: x of shape (0, 0, {D})", slug, shape=(0, 0, D)))
        add(Case("2-zero-timesteps", f"bidi-{slug}_steps0",
                 f"Bidirectional({slug}): x of shape ({B}, 0, {D})", slug, shape=(B, 0, D),
                 bidirectional={"merge_mode": "concat"}))

    # 3. zero features: Keras runs on the recurrent part alone
    for slug in slugs:
        add(Case("3-zero-features", f"{slug}_features0",
                 f"{slug}: x of shape ({B}, {T}, 0), kernel (0, G*units), initial states given",
                 slug, shape=(B, T, 0),
                 calls=[Call(init=random_states(lambda np, s: s.astype(np.float32)),
                             mask=mixed_mask())]))
        add(Case("3-zero-features", f"bidi-{slug}_features0",
                 f"Bidirectional({slug}): x of shape ({B}, {T}, 0)", slug, shape=(B, T, 0),
                 bidirectional={"merge_mode": "sum"}))

    # 4. input dtypes and layouts (Keras casts to the layer's dtype)
    x_kinds = {
        "float16": ("x as float16", lambda np, x: x.astype(np.float16)),
        "float64": ("x as float64 into a float32 layer", lambda np, x: x.astype(np.float64)),
        "int32": ("x as int32 in -2..2", lambda np, x: np.round(2 * x).astype(np.int32)),
        "uint8": ("x as uint8 in 0..3", lambda np, x: np.round(1.5 * (x + 1)).astype(np.uint8)),
        "bool": ("x as bool", lambda np, x: x > 0),
        "bigendian-f4": ("x as big-endian float32", lambda np, x: x.astype(">f4")),
        "fortran-f4": ("x as a Fortran-ordered float32 array",
                       lambda np, x: np.asfortranarray(x.astype(np.float32))),
    }
    for slug in ("lstm", "gru-ra1"):
        for kind, (desc, fn) in x_kinds.items():
            add(Case("4-input-dtype", f"{slug}_x-{kind}", f"{slug}: {desc}", slug,
                     calls=[Call(x=fn, mask=mixed_mask())]))
    for slug in ("simplernn", "gru-ra0"):
        add(Case("4-input-dtype", f"{slug}_x-float16", f"{slug}: x as float16", slug,
                 calls=[Call(x=x_kinds["float16"][1])]))
    for slug in slugs:
        add(Case("4-input-dtype", f"{slug}_f64_x-bigendian-f8",
                 f"{slug} dtype=float64: x as big-endian float64", slug, dict(dtype="float64"),
                 calls=[Call(x=lambda np, x: x.astype(">f8"))]))
    add(Case("4-input-dtype", "bidi-lstm_x-float16", "Bidirectional(LSTM): x as float16",
             "lstm", bidirectional={"merge_mode": "concat"},
             calls=[Call(x=x_kinds["float16"][1], mask=mixed_mask())]))

    # 5. NaN and infinities (propagate exactly as Keras: masked steps stop them)
    nonfinite_x = {
        "nan": ("NaN at x[0, 1, 0]", put(np_nan, (0, 1, 0))),
        "inf": ("+inf at x[0, 1, 0]", put(np_inf, (0, 1, 0))),
        "neginf": ("-inf at x[2, 3, 1]", put(-np_inf, (2, 3, 1))),
        "inf-and-neginf": ("+inf and -inf in one step of row 1",
                           lambda np, x: _two(np, x)),
        "large": ("1e30 at x[1, 0, 2] (saturates tanh / sigmoid)", put(1e30, (1, 0, 2))),
        "nan-in-masked-step": ("NaN at x[1, 4, 0], a masked step of row 1, and in row 3 "
                               "(fully masked)", lambda np, x: _masked_nan(np, x)),
    }
    for slug in slugs:
        for kind, (desc, fn) in nonfinite_x.items():
            use_mask = kind == "nan-in-masked-step"
            add(Case("5-nonfinite", f"{slug}_x-{kind}", f"{slug}: {desc}", slug,
                     calls=[Call(x=fn, mask=mixed_mask() if use_mask else None)]))
        add(Case("5-nonfinite", f"{slug}_init-nan", f"{slug}: NaN in row 0 of the initial "
                 "states, mixed mask (row 0's first two steps masked)", slug,
                 calls=[Call(mask=mixed_mask(),
                             init=random_states(lambda np, s: _nan_row(np, s)))]))
        add(Case("5-nonfinite", f"{slug}_weight-nan",
                 f"{slug}: NaN at recurrent_kernel[0, 0]", slug,
                 weights=lambda np, w: _set(np, w, 1, (0, 0), np.nan)))
        add(Case("5-nonfinite", f"{slug}_weight-inf",
                 f"{slug}: +inf at kernel[1, 0] (a whole gate column saturates)", slug,
                 weights=lambda np, w: _set(np, w, 0, (1, 0), np.inf)))
        add(Case("5-nonfinite", f"{slug}_f64_x-nan-inf", f"{slug} float64: NaN at x[0, 1, 0], "
                 "+inf at x[2, 2, 2]", slug, dict(dtype="float64"),
                 calls=[Call(x=lambda np, x: _nan_inf64(np, x))]))
    for act in ("relu", "linear", "softplus"):
        add(Case("5-nonfinite", f"simplernn_act-{act}_x-inf",
                 f"SimpleRNN activation={act}: +inf at x[0, 1, 0] (the state becomes "
                 "infinite; inf - inf = NaN next step)", "simplernn", dict(activation=act),
                 calls=[Call(x=put(np_inf, (0, 1, 0)))]))
    for slug in ("lstm", "gru-ra1"):
        add(Case("5-nonfinite", f"bidi-{slug}_x-nan", f"Bidirectional({slug}): NaN at "
                 "x[0, 1, 0], mixed mask", slug, bidirectional={"merge_mode": "concat"},
                 calls=[Call(x=put(np_nan, (0, 1, 0)), mask=mixed_mask())]))

    # 6. masks of every numeric dtype and odd values
    masks = {
        "int8-neg": ("int8 mask, valid = -1", mixed_mask("int8", -1)),
        "uint8": ("uint8 mask, valid = 255", mixed_mask("uint8", 255)),
        "int64-2": ("int64 mask, valid = 2", mixed_mask("int64", 2)),
        "float16": ("float16 mask, valid = 0.25", mixed_mask("float16", 0.25)),
        "float64-nan": ("float64 mask, valid = NaN", mixed_mask("float64", np_nan)),
        "float32-inf": ("float32 mask, valid = +inf", mixed_mask("float32", np_inf)),
        "float32-negzero": ("float32 mask, valid = 1, masked = -0.0",
                            mixed_mask("float32", 1.0, -0.0)),
        "bigendian-f4": ("big-endian float32 mask", mixed_mask(">f4", 1.0)),
        "fortran-bool": ("Fortran-ordered bool mask",
                         lambda np, rng, b, s: np.asfortranarray(np.array(MIXED, bool))),
    }
    for slug in ("simplernn", "lstm"):
        for kind, (desc, fn) in masks.items():
            add(Case("6-mask", f"{slug}_mask-{kind}", f"{slug}: {desc}", slug,
                     calls=[Call(mask=fn)]))
    add(Case("6-mask", "gru-ra0_f64_mask-float32", "GRU(reset_after=False) float64 with a "
             "float32 0/1 mask", "gru-ra0", dict(dtype="float64"),
             calls=[Call(mask=mixed_mask("float32", 1.0))]))
    add(Case("6-mask", "bidi-gru-ra1_mask-int8-neg", "Bidirectional(GRU) with an int8 mask, "
             "valid = -1", "gru-ra1", bidirectional={"merge_mode": "ave"},
             calls=[Call(mask=mixed_mask("int8", -1))]))

    # 7. initial states of other dtypes
    states = {
        "float16": lambda np, s: s.astype(np.float16),
        "float64": lambda np, s: s,
        "int32": lambda np, s: np.round(s).astype(np.int32),
        "bool": lambda np, s: s > 0,
        "bigendian-f4": lambda np, s: s.astype(">f4"),
        "fortran-f4": lambda np, s: np.asfortranarray(s.astype(np.float32)),
    }
    for slug in ("lstm", "gru-ra1"):
        for kind, fn in states.items():
            add(Case("7-initial-state", f"{slug}_init-{kind}",
                     f"{slug}: initial states as {kind}", slug,
                     calls=[Call(init=random_states(fn), mask=mixed_mask())]))
    return cases


np_nan = float("nan")
np_inf = float("inf")


def _two(np, x):
    x = x.astype(np.float32)
    x[1, 2, 0], x[1, 2, 1] = np.inf, -np.inf
    return x


def _masked_nan(np, x):
    x = x.astype(np.float32)
    x[1, 4, 0] = np.nan
    x[3, :, :] = np.nan
    return x


def _nan_row(np, s):
    s = s.astype(np.float32)
    s[0] = np.nan
    return s


def _nan_inf64(np, x):
    x = x.copy()
    x[0, 1, 0] = np.nan
    x[2, 2, 2] = np.inf
    return x


def _set(np, weights, k, index, value):
    weights = [w.copy() for w in weights]
    weights[k][index] = value
    if len(weights) > 3:  # Bidirectional: the backward layer too
        weights[k + 3][index] = value
    return weights


# ------------------------------------------------------------------ running


def short(msg, n=200):
    import re
    msg = re.sub(r"\x1b\[[0-9;]*m", "", msg)
    msg = re.sub(r" at 0x[0-9a-fA-F]+", "", msg)
    msg = re.sub(r"Exception encountered when calling \S+\.\s*", "", msg)
    msg = re.sub(r"\{\{function_node [^}]*\}\}", "", msg)
    msg = msg.split("Arguments received by")[0]
    msg = re.sub(r"\[Op:\w+\]( name: \S*)?", "", msg)   # op and layer names (counters)
    msg = " ".join(msg.split())
    return msg if len(msg) <= n else msg[: n - 3] + "..."


def policy(case, error):
    """What fastrnn must do, from what Keras did (see the module docstring)."""
    if error is None:
        return "match"
    if case.shape[1] == 0:
        return "ValueError"
    if case.shape[0] == 0 and case.layer == "LSTM" and "Biases must be 1D" in error["message"]:
        return "empty-outputs"
    raise RuntimeError(f"{case.id}: Keras raised {error}; decide what fastrnn does")


def n_states(layer):
    return 2 if layer == "LSTM" else 1


def run_case(case, keras, np, zlib):
    seed = zlib.crc32(case.id.encode())
    rng = np.random.default_rng(seed)
    keras.utils.set_random_seed(seed % (2 ** 31))
    dtype = case.config["dtype"]
    batch, steps, feat = case.shape
    inner = getattr(keras.layers, case.layer)(**case.config)
    outer = inner
    if case.bidirectional is not None:
        outer = keras.layers.Bidirectional(inner, merge_mode=case.bidirectional["merge_mode"])
    outer.build((batch, steps, feat))
    weights = [rng.uniform(-0.5, 0.5, w.shape).astype(dtype) for w in outer.get_weights()]
    if case.weights is not None:
        weights = case.weights(np, weights)
    outer.set_weights(weights)
    arrays = {f"weight_{k}": w for k, w in enumerate(outer.get_weights())}

    units = case.config["units"]
    ns = n_states(case.layer) * (2 if case.bidirectional else 1)
    calls, error = [], None
    for i, c in enumerate(case.calls):
        x = rng.uniform(-1.0, 1.0, (batch, steps, feat))
        x = c.x(np, x) if c.x is not None else x.astype(dtype)
        arrays[f"call{i}_x"] = x
        kwargs = {}
        if c.mask is not None:
            m = c.mask(np, rng, batch, steps)
            arrays[f"call{i}_mask"] = m
            kwargs["mask"] = m
        if c.init is not None:
            states = c.init(np, rng, [(batch, units)] * ns)
            for k, s in enumerate(states):
                arrays[f"call{i}_initial_state_{k}"] = s
            kwargs["initial_state"] = list(states)
        spec = {"mask": c.mask is not None, "n_initial_state": ns if c.init else 0}
        try:
            # numpy in, as a user passes it: Keras converts (and casts) itself.
            res = outer(x, **kwargs)
        except Exception as e:  # noqa: BLE001 - recorded
            error = {"call": i, "type": type(e).__name__, "message": short(str(e))}
            calls.append(dict(spec, is_list=False, n_outputs=0))
            print(f"    {case.id}: call {i}: Keras raised {error['type']}: {error['message']}")
            break
        is_list = isinstance(res, (list, tuple))
        outs = keras.tree.flatten(res) if is_list else [res]
        for k, o in enumerate(outs):
            arrays[f"call{i}_output_{k}"] = keras.ops.convert_to_numpy(o)
        calls.append(dict(spec, is_list=is_list, n_outputs=len(outs)))
    spec = {
        "id": case.id, "group": case.group, "feature": case.feature,
        "layer": case.layer, "config": case.config, "bidirectional": case.bidirectional,
        "calls": calls, "keras_error": error, "fastrnn": policy(case, error),
    }
    return spec, arrays


def probes(keras, np):
    """Behaviours that are not arrays: Keras's answer, and fastrnn's."""
    rng = np.random.default_rng(7)
    x = rng.uniform(-1, 1, (2, 4, 3)).astype(np.float32)

    def outcome(fn):
        try:
            out = fn()
            out = keras.tree.flatten(out) if isinstance(out, (list, tuple)) else [out]
            return "ok " + " ".join(str(tuple(o.shape)) for o in out)
        except Exception as e:  # noqa: BLE001 - recorded
            return f"{type(e).__name__}: {short(str(e), 120)}"

    L = keras.layers
    table = {
        "x as a nested list": (
            lambda: L.GRU(2)(x.tolist()),
            "accepted (API: x is array-like)"),
        "mask of shape (batch, T, 1)": (
            lambda: L.GRU(2)(x, mask=np.ones((2, 4, 1), bool)),
            "ValueError: mask must be (batch, timesteps)"),
        "mask of shape (1, T)": (
            lambda: L.GRU(2)(x, mask=np.ones((1, 4), bool)),
            "ValueError: mask must be (batch, timesteps)"),
        "mask of shape (batch,)": (
            lambda: L.GRU(2)(x, mask=np.ones((2,), bool)),
            "ValueError: mask must be (batch, timesteps)"),
        "mask of strings": (
            lambda: L.GRU(2)(x, mask=np.full((2, 4), "a")),
            "ValueError: bool, int or float mask"),
        "mask complex64": (
            lambda: L.GRU(2)(x, mask=np.ones((2, 4), np.complex64)),
            "accepted (nonzero is valid)"),
        "x complex64": (
            lambda: L.GRU(2)(x.astype(np.complex64)),
            "ValueError: x of real numbers"),
        "x of rank 2": (
            lambda: L.GRU(2)(x[0]),
            "ValueError: x of rank 3"),
        "initial_state of shape (1, units)": (
            lambda: L.GRU(2)(x, initial_state=[np.zeros((1, 2), np.float32)]),
            "ValueError: initial_state must be (batch, units)"),
        "initial_state with the wrong batch": (
            lambda: L.GRU(2)(x, initial_state=[np.zeros((3, 2), np.float32)]),
            "ValueError: initial_state must be (batch, units)"),
        "initial_state = []": (
            lambda: L.GRU(2)(x, initial_state=[]),
            "ValueError: list of 1 array(s)"),
        "initial_state one array (not a list) for GRU": (
            lambda: L.GRU(2)(x, initial_state=np.zeros((2, 2), np.float32)),
            "accepted"),
        "units=0": (lambda: L.GRU(0), "ValueError: units"),
        "units=3.0": (lambda: L.GRU(3.0)(x), "ValueError: units"),
        "units=10**12 (construction only)": (
            lambda: [np.zeros(1)] if L.GRU(10 ** 12) else None,
            "TooLargeError (MemoryError, ValueError): refused before allocating"),
        "seed=-1": (lambda: L.GRU(2, seed=-1)(x), "accepted"),
        "seed='a'": (lambda: L.GRU(2, seed="a"), "ValueError: seed must be an integer"),
        "return_sequences='no' (truthy)": (
            lambda: L.GRU(2, return_sequences="no")(x), "accepted as True (as Keras)"),
        "Bidirectional, backward GRU(1) under LSTM(3), merge sum (broadcasts)": (
            lambda: L.Bidirectional(L.LSTM(3), backward_layer=L.GRU(1, go_backwards=True),
                                    merge_mode="sum")(x),
            "accepted (numpy broadcasts the same way)"),
    }
    return {name: {"keras": outcome(fn), "fastrnn": answer}
            for name, (fn, answer) in table.items()}


def verify(np, json, path, arrays):
    with np.load(path, allow_pickle=False) as z:
        spec = json.loads(str(z["spec"][()]))
        assert spec["id"] == os.path.basename(path)[:-4]
        for k, v in arrays.items():
            got = z[k]
            # dtype (byte order included) and memory order survive the round trip
            assert got.dtype == v.dtype and got.shape == v.shape, (path, k)
            assert got.flags.f_contiguous == v.flags.f_contiguous or v.ndim < 2, (path, k)
            assert np.array_equal(got, v, equal_nan=got.dtype.kind in "fc"), (path, k)


def generate(args):
    for k, v in child_env().items():
        os.environ.setdefault(k, v)
    import collections
    import glob
    import json
    import platform
    import zlib

    import numpy as np
    import tensorflow as tf
    import keras

    out = os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)
    for f in glob.glob(os.path.join(out, "*.npz")):
        os.remove(f)
    versions = {"tensorflow": tf.__version__, "keras": keras.__version__,
                "numpy": np.__version__, "python": platform.python_version(),
                "keras_backend": keras.backend.backend()}
    with open(os.path.join(out, "VERSIONS.json"), "w") as f:
        json.dump(versions, f, indent=2, sort_keys=True)
        f.write("\n")
    print("[make_edge_fixtures] versions:", versions)

    cases = build_cases()
    ids = [c.id for c in cases]
    dup = [i for i, n in collections.Counter(ids).items() if n > 1]
    assert not dup, f"duplicate case ids: {dup}"
    groups, policies = collections.Counter(), collections.Counter()
    for case in cases:
        spec, arrays = run_case(case, keras, np, zlib)
        payload = {"spec": np.array(json.dumps(spec, sort_keys=True, separators=(",", ":")))}
        payload.update(arrays)
        path = os.path.join(out, f"{case.id}.npz")
        save_npz(path, payload)
        verify(np, json, path, arrays)
        groups[case.group] += 1
        policies[spec["fastrnn"]] += 1

    with open(os.path.join(out, "probes.json"), "w") as f:
        json.dump(probes(keras, np), f, indent=2, sort_keys=True)
        f.write("\n")
    print("[make_edge_fixtures] cases per group:")
    for g in sorted(groups):
        print(f"    {g:24s} {groups[g]}")
    print(f"    {'TOTAL':24s} {sum(groups.values())}")
    print(f"[make_edge_fixtures] fastrnn policies: {dict(policies)}")


def main():
    keras_fixture_main(__doc__, DEFAULT_OUT, generate, ensure_venv_and_reexec)


if __name__ == "__main__":
    main()
