#!/usr/bin/env python
"""Generate Keras-parity fixtures for fastrnn.

Usage::

    python tools/make_keras_fixtures.py [--venv DIR] [--out DIR]

Any Python can run this script.  It makes sure that ``DIR`` (default
``/tmp/fastrnn-keras-venv``) is a virtualenv whose python can
``import tensorflow, keras`` (creating it and pip-installing
``tensorflow-cpu==2.21.0 keras==3.15.1`` if not), then re-executes itself
with that python and the internal ``--generate`` flag.  The child runs every
case through real Keras 3 (TensorFlow backend, CPU) and writes one
``<case_id>.npz`` per case into the output directory (default
``tests/data/keras`` relative to the repository root), plus
``VERSIONS.json`` and ``activations.json``.  See tests/data/keras/README.md
for the file format.

Output is deterministic: every case draws its random numbers from a numpy
generator seeded with the CRC32 of its id, and the ``.npz`` archives are
written by ``np.savez_compressed`` and then re-packed with fixed zip
timestamps, so regenerating gives byte-identical files.
"""

import os
import sys

from fixture_venv import keras_fixture_main, KERAS_PACKAGES, REPO_ROOT, child_env, ensure_venv, \
    rerun_in, save_npz

DEFAULT_OUT = os.path.join(REPO_ROOT, "tests", "data", "keras")


def ensure_venv_and_reexec(args):
    py = ensure_venv(args.venv, "import tensorflow, keras", KERAS_PACKAGES,
                     "make_keras_fixtures")
    rerun_in(py, __file__, "--generate", "--venv", os.path.abspath(args.venv),
             "--out", os.path.abspath(args.out), tag="make_keras_fixtures")
    sys.exit(0)


# ---------------------------------------------------------------------------
# Child: everything below runs inside the Keras venv.
# ---------------------------------------------------------------------------

B, T, D = 4, 5, 3  # default batch, timesteps, features
UNITS = 3

CELLS = {
    # slug: (layer class name, extra config)
    "simplernn": ("SimpleRNN", {}),
    "lstm": ("LSTM", {}),
    "gru-ra1": ("GRU", {"reset_after": True}),
    "gru-ra0": ("GRU", {"reset_after": False}),
}

CELL_DESC = {
    "simplernn": "SimpleRNN",
    "lstm": "LSTM",
    "gru-ra1": "GRU(reset_after=True)",
    "gru-ra0": "GRU(reset_after=False)",
}

MASK_PATTERNS = {
    # row 0 leading-masked, row 1 trailing, row 2 middle, row 3 fully masked
    "mixed": [
        [0, 0, 1, 1, 1],
        [1, 1, 1, 0, 0],
        [1, 0, 0, 1, 1],
        [0, 0, 0, 0, 0],
    ],
    "leading": [
        [0, 0, 1, 1, 1],
        [0, 1, 1, 1, 1],
        [1, 1, 1, 1, 1],
        [0, 0, 0, 0, 1],
    ],
    "trailing": [
        [1, 1, 1, 0, 0],
        [1, 1, 1, 1, 0],
        [1, 1, 1, 1, 1],
        [1, 0, 0, 0, 0],
    ],
    "allvalid": [[1] * 5] * 4,
}

MASK_DTYPES = {
    # name: (numpy dtype, value used for "valid")
    "bool": ("bool", True),
    "int32-0-1": ("int32", 1),
    "int32-0-2": ("int32", 2),
    "float32-0-1": ("float32", 1.0),
    "float32-0-0.5": ("float32", 0.5),
}


def constant(v):
    return {"class_name": "Constant", "config": {"value": v}}


def full_config(layer, units=UNITS, **overrides):
    """All the constructor kwargs that matter, spelled out explicitly."""
    cfg = {
        "units": units,
        "activation": "tanh",
        "use_bias": True,
        "return_sequences": False,
        "return_state": False,
        "go_backwards": False,
        "stateful": False,
        "zero_output_for_mask": False,
        "dtype": "float32",
    }
    if layer in ("LSTM", "GRU"):
        cfg["recurrent_activation"] = "sigmoid"
    if layer == "LSTM":
        cfg["unit_forget_bias"] = True
    if layer == "GRU":
        cfg["reset_after"] = True
    cfg.update(overrides)
    return cfg


def cell_config(slug, **overrides):
    layer, extra = CELLS[slug]
    cfg = full_config(layer, **{**extra, **overrides})
    return layer, cfg


class Call:
    def __init__(self, mask=None, mask_dtype="bool", init=False,
                 reset_before=False, x=None):
        self.mask = mask  # None or a MASK_PATTERNS key
        self.mask_dtype = mask_dtype
        self.init = init
        self.reset_before = reset_before
        self.x = x  # fixed input (else random)


class Case:
    def __init__(self, group, case_id, feature, layer, config,
                 bidirectional=None, preset_weights=False, set_weights=True,
                 calls=None, shape=(B, T, D)):
        self.group = group
        self.id = case_id
        self.feature = feature
        self.layer = layer
        self.config = config
        self.bidirectional = bidirectional
        self.preset_weights = preset_weights
        self.set_weights = set_weights
        self.calls = calls if calls is not None else [Call()]
        self.shape = shape


def n_states(layer):
    return 2 if layer == "LSTM" else 1


def onoff(b):
    return 1 if b else 0


# ----------------------------------------------------------------- coverage


def build_cases(accepted_act, accepted_ract):
    cases = []
    add = cases.append

    # 1. full cross product per cell
    for slug, (layer, _) in CELLS.items():
        for rs in (False, True):
            for st in (False, True):
                for gb in (False, True):
                    for mask in (None, "mixed"):
                        for init in (False, True):
                            _, cfg = cell_config(
                                slug, return_sequences=rs, return_state=st,
                                go_backwards=gb)
                            cid = (f"{slug}_rs{onoff(rs)}_st{onoff(st)}"
                                   f"_gb{onoff(gb)}_mask-{mask or 'none'}"
                                   f"_init{onoff(init)}_bias1")
                            add(Case(
                                "1-cross-product", cid,
                                f"{CELL_DESC[slug]} return_sequences={rs} "
                                f"return_state={st} go_backwards={gb} "
                                f"mask={mask} initial_state="
                                f"{'given' if init else 'none'}",
                                layer, cfg, calls=[Call(mask=mask, init=init)]))
        # only-leading / only-trailing / all-valid masks (other unit counts)
        for i, mask in enumerate(("leading", "trailing", "allvalid")):
            for gb in (False, True):
                units = (2, 4, 3)[i]
                init = gb and mask != "allvalid"
                _, cfg = cell_config(slug, units=units, return_sequences=True,
                                     return_state=True, go_backwards=gb)
                cid = (f"{slug}_u{units}_rs1_st1_gb{onoff(gb)}_mask-{mask}"
                       f"_init{onoff(init)}_bias1")
                add(Case("1-mask-patterns", cid,
                         f"{CELL_DESC[slug]} units={units} {mask} mask, "
                         f"go_backwards={gb}, initial_state="
                         f"{'given' if init else 'none'}",
                         layer, cfg, calls=[Call(mask=mask, init=init)]))

    # 2. use_bias=False
    for slug, (layer, _) in CELLS.items():
        for rs, st, gb, mask, init in (
            (True, True, False, None, False),
            (True, True, True, "mixed", False),
            (False, True, True, "mixed", True),
        ):
            _, cfg = cell_config(slug, units=2, use_bias=False,
                                 return_sequences=rs, return_state=st,
                                 go_backwards=gb)
            cid = (f"{slug}_u2_rs{onoff(rs)}_st{onoff(st)}_gb{onoff(gb)}"
                   f"_mask-{mask or 'none'}_init{onoff(init)}_bias0")
            add(Case("2-use-bias-false", cid,
                     f"{CELL_DESC[slug]} use_bias=False rs={rs} st={st} "
                     f"go_backwards={gb} mask={mask} init={init}",
                     layer, cfg, calls=[Call(mask=mask, init=init)]))

    # 3. activations
    for slug, (layer, _) in CELLS.items():
        for name in accepted_act[layer] + [None]:
            _, cfg = cell_config(slug, activation=name,
                                 return_sequences=True, return_state=True)
            add(Case("3-activation", f"{slug}_act-{name or 'none'}",
                     f"{CELL_DESC[slug]} activation={name!r}, rs=True, st=True, "
                     "mixed mask",
                     layer, cfg, calls=[Call(mask="mixed")]))
        # recurrent_activation: LSTM and GRU(reset_after=True) only (the
        # reset_after=False gates use the same code path; keeps the size down)
        if slug in ("lstm", "gru-ra1"):
            for name in accepted_ract[layer]:
                _, cfg = cell_config(slug, recurrent_activation=name,
                                     return_sequences=True, return_state=True)
                add(Case("3-recurrent-activation", f"{slug}_ract-{name}",
                         f"{CELL_DESC[slug]} recurrent_activation={name!r}, rs=True, "
                         "st=True, mixed mask",
                         layer, cfg, calls=[Call(mask="mixed")]))

    # 4. mask dtypes
    for mname in MASK_DTYPES:
        layer, cfg = cell_config("lstm", return_sequences=True,
                                 return_state=True)
        add(Case("4-mask-dtype", f"lstm_maskdtype-{mname}",
                 f"LSTM mixed mask given as {mname} (valid value "
                 f"{MASK_DTYPES[mname][1]})",
                 layer, cfg, calls=[Call(mask="mixed", mask_dtype=mname)]))

    # 5. float64
    for slug, (layer, _) in CELLS.items():
        for rs, st, gb, mask in (
            (True, False, False, None),
            (True, True, False, "mixed"),
            (False, True, True, "mixed"),
            (True, True, True, None),
        ):
            _, cfg = cell_config(slug, dtype="float64", return_sequences=rs,
                                 return_state=st, go_backwards=gb)
            cid = (f"{slug}_f64_rs{onoff(rs)}_st{onoff(st)}_gb{onoff(gb)}"
                   f"_mask-{mask or 'none'}")
            add(Case("5-float64", cid,
                     f"{CELL_DESC[slug]} dtype=float64 rs={rs} st={st} "
                     f"go_backwards={gb} mask={mask}",
                     layer, cfg, calls=[Call(mask=mask, init=gb)]))

    # 6. stateful
    for slug, (layer, _) in CELLS.items():
        for mask in (None, "mixed"):
            _, cfg = cell_config(slug, stateful=True, return_sequences=True,
                                 return_state=True)
            add(Case("6-stateful", f"{slug}_stateful_mask-{mask or 'none'}",
                     f"{CELL_DESC[slug]} stateful=True, 3 calls (2nd continues state, "
                     f"3rd after reset_states()), mask={mask}",
                     layer, cfg,
                     calls=[Call(mask=mask), Call(mask=mask),
                            Call(mask=mask, reset_before=True)]))
        _, cfg = cell_config(slug, stateful=True, return_sequences=False,
                             return_state=True, go_backwards=True)
        add(Case("6-stateful", f"{slug}_stateful_gb1_init-first",
                 f"{CELL_DESC[slug]} stateful=True go_backwards=True, initial_state "
                 "given on 1st call, 2nd continues, 3rd after reset_states()",
                 layer, cfg,
                 calls=[Call(init=True), Call(mask="mixed"),
                        Call(reset_before=True)]))

    # 7. zero_output_for_mask
    for slug, (layer, _) in CELLS.items():
        for rs in (False, True):
            for gb in (False, True):
                _, cfg = cell_config(slug, zero_output_for_mask=True,
                                     return_sequences=rs, return_state=True,
                                     go_backwards=gb)
                add(Case("7-zero-output-for-mask",
                         f"{slug}_zofm1_rs{onoff(rs)}_gb{onoff(gb)}",
                         f"{CELL_DESC[slug]} zero_output_for_mask=True rs={rs} "
                         f"go_backwards={gb}, mixed mask",
                         layer, cfg, calls=[Call(mask="mixed")]))

    # 8. Bidirectional
    merge_modes = ("concat", "sum", "mul", "ave", None)
    for slug, (layer, _) in CELLS.items():
        for mm in merge_modes:
            for rs in (False, True):
                for st in (False, True):
                    for mask in (None, "mixed"):
                        _, cfg = cell_config(slug, return_sequences=rs,
                                             return_state=st)
                        cid = (f"bidi-{slug}_merge-{mm or 'none'}"
                               f"_rs{onoff(rs)}_st{onoff(st)}"
                               f"_mask-{mask or 'none'}")
                        add(Case("8-bidirectional", cid,
                                 f"Bidirectional({CELL_DESC[slug]}) merge_mode={mm} "
                                 f"rs={rs} st={st} mask={mask}",
                                 layer, cfg,
                                 bidirectional={"merge_mode": mm,
                                                "backward_layer": None},
                                 calls=[Call(mask=mask)]))
        extra = []
        for mask in (None, "mixed"):
            extra.append((f"init_mask-{mask or 'none'}",
                          f"initial_state given (forward + backward halves), "
                          f"mask={mask}",
                          dict(return_sequences=True, return_state=True),
                          "concat", [Call(mask=mask, init=True)]))
        extra.append(("init_rs0_st0_merge-none",
                      "initial_state given, rs=False st=False merge_mode=None",
                      dict(), None, [Call(mask="mixed", init=True)]))
        extra.append(("f64_rs1_st1_mask-mixed", "dtype=float64",
                      dict(dtype="float64", return_sequences=True,
                           return_state=True),
                      "concat", [Call(mask="mixed", init=True)]))
        extra.append(("f64_rs0_st0_mask-none_merge-ave",
                      "dtype=float64, merge ave",
                      dict(dtype="float64"), "ave", [Call()]))
        extra.append(("bias0_rs1_st1_mask-mixed", "use_bias=False",
                      dict(use_bias=False, return_sequences=True,
                           return_state=True), "sum", [Call(mask="mixed")]))
        extra.append(("zofm1_rs0_st1_mask-mixed",
                      "inner zero_output_for_mask=True with rs=False "
                      "(Bidirectional forces it to return_sequences)",
                      dict(zero_output_for_mask=True, return_state=True),
                      "concat", [Call(mask="mixed")]))
        extra.append(("zofm0_rs1_st0_mask-mixed",
                      "inner zero_output_for_mask=False with rs=True "
                      "(Bidirectional forces it to return_sequences)",
                      dict(zero_output_for_mask=False, return_sequences=True),
                      "concat", [Call(mask="mixed")]))
        for mask in (None, "mixed"):
            extra.append((f"stateful_rs1_st0_mask-{mask or 'none'}",
                          "stateful=True, 2 calls (2nd continues state)",
                          dict(stateful=True, return_sequences=True),
                          "concat", [Call(mask=mask), Call(mask=mask)]))
        extra.append(("stateful_rs0_st0_merge-none_reset",
                      "stateful=True, 2 calls then a reset_states() call",
                      dict(stateful=True), None,
                      [Call(mask="mixed"), Call(mask="mixed"),
                       Call(reset_before=True)]))
        # The wrapper's own dtype: Keras casts inputs and the merged output
        # to it, so float64 layers stay float64 only in a float64 wrapper.
        for mm in ("concat", None):
            extra.append((f"f64-wrapper_rs1_st1_mask-mixed_merge-{mm or 'none'}",
                          "dtype=float64 layers in Bidirectional(dtype=float64)",
                          dict(dtype="float64", return_sequences=True,
                               return_state=True),
                          mm, [Call(mask="mixed", init=True)], "float64"))
        for suffix, feat, over, mm, calls, *wrapper_dtype in extra:
            _, cfg = cell_config(slug, **over)
            bidi = {"merge_mode": mm, "backward_layer": None}
            if wrapper_dtype:
                bidi["dtype"] = wrapper_dtype[0]
            add(Case("8-bidirectional-extra", f"bidi-{slug}_{suffix}",
                     f"Bidirectional({CELL_DESC[slug]}) {feat}", layer, cfg,
                     bidirectional=bidi, calls=calls))

    # 9. explicit backward_layer
    for slug, (layer, _) in CELLS.items():
        other_act = "relu" if layer == "SimpleRNN" else "softsign"
        for variant, fgb in (("a", False), ("b", True)):
            for rs in (False, True):
                for mask in (None, "mixed"):
                    st = rs  # mix return_state in too
                    _, fcfg = cell_config(slug, return_sequences=rs,
                                          return_state=st, go_backwards=fgb)
                    _, bcfg = cell_config(slug, return_sequences=rs,
                                          return_state=st,
                                          go_backwards=not fgb,
                                          activation=other_act)
                    add(Case("9-backward-layer",
                             f"bidi-{slug}_bwl-{variant}_rs{onoff(rs)}"
                             f"_st{onoff(st)}_mask-{mask or 'none'}",
                             f"Bidirectional({CELL_DESC[slug]}, go_backwards={fgb}) with "
                             f"backward_layer ({other_act}, go_backwards="
                             f"{not fgb}), rs={rs} st={st} mask={mask}",
                             layer, fcfg,
                             bidirectional={
                                 "merge_mode": "concat",
                                 "backward_layer": {"layer": layer,
                                                    "config": bcfg}},
                             calls=[Call(mask=mask)]))
        # error cases
        errs = [
            ("err-same-gb", "backward_layer with the same go_backwards",
             dict(), dict(activation=other_act)),
            ("err-diff-rs", "backward_layer with different return_sequences",
             dict(), dict(go_backwards=True, return_sequences=True)),
            ("err-diff-st", "backward_layer with different return_state",
             dict(), dict(go_backwards=True, return_state=True)),
            ("err-diff-stateful", "backward_layer with different stateful",
             dict(), dict(go_backwards=True, stateful=True)),
        ]
        for suffix, feat, fover, bover in errs:
            _, fcfg = cell_config(slug, **fover)
            _, bcfg = cell_config(slug, **bover)
            add(Case("9-backward-layer-errors", f"bidi-{slug}_{suffix}",
                     f"Bidirectional({CELL_DESC[slug]}) {feat}", layer, fcfg,
                     bidirectional={"merge_mode": "concat",
                                    "backward_layer": {"layer": layer,
                                                       "config": bcfg}}))
        _, fcfg = cell_config(slug, go_backwards=True, return_sequences=True)
        add(Case("9-backward-layer-errors", f"bidi-{slug}_err-fwd-gb-no-bwl",
                 f"Bidirectional({CELL_DESC[slug]} with go_backwards=True) without "
                 "backward_layer", layer, fcfg,
                 bidirectional={"merge_mode": "concat",
                                "backward_layer": None}))

    # 10. rebuild from config (preset weights must be ignored)
    for slug in ("lstm", "gru-ra1", "gru-ra0"):
        layer = CELLS[slug][0]
        for mask in (None, "mixed"):
            _, cfg = cell_config(slug, return_sequences=True,
                                 return_state=True,
                                 kernel_initializer=constant(0.1),
                                 recurrent_initializer=constant(0.2),
                                 bias_initializer=constant(0.05))
            add(Case("10-rebuild-from-config",
                     f"bidi-{slug}_rebuild-from-config_mask-{mask or 'none'}",
                     f"{CELL_DESC[slug]} with Constant initializers, built and given "
                     "random weights, then wrapped in Bidirectional (which "
                     "rebuilds it from config, so the preset weights are NOT "
                     f"used); mask={mask}",
                     layer, cfg,
                     bidirectional={"merge_mode": "concat",
                                    "backward_layer": None},
                     preset_weights=True, set_weights=False,
                     calls=[Call(mask=mask)]))

    # 11. the notebook seed
    x = [[[0.1, 4.2, 1.5, 1.1, 2.8], [1.0, 3.1, 2.5, 0.7, 1.1],
          [0.3, 2.1, 1.5, 2.1, 0.1], [2.2, 1.4, 0.5, 0.9, 1.1]]]
    for rs in (False, True):
        cfg = {"units": 3,
               "kernel_initializer": constant(0.1),
               "recurrent_initializer": constant(0.1),
               "bias_initializer": constant(0),
               "return_state": True,
               "return_sequences": rs,
               "dtype": "float32"}
        add(Case("11-notebook", f"notebook_bidi-lstm_rs{onoff(rs)}",
                 "the original notebook example: Bidirectional(LSTM(3, "
                 "Constant initializers, return_state=True, "
                 f"return_sequences={rs})) on a fixed (1, 4, 5) input, "
                 "weights from the initializers",
                 "LSTM", cfg,
                 bidirectional={"merge_mode": "concat",
                                "backward_layer": None},
                 set_weights=False, calls=[Call(x=x)], shape=(1, 4, 5)))
    return cases


# ------------------------------------------------------------ activations


def probe_activations(keras, np):
    """Which registered activation names do the RNN layers accept?"""
    from keras.src.activations import ALL_OBJECTS_DICT

    names = sorted(ALL_OBJECTS_DICT)
    rng = np.random.default_rng(12345)
    x = rng.uniform(-1.0, 1.0, (B, T, D)).astype("float32")
    probes = {
        "SimpleRNN": [("SimpleRNN", {})],
        "LSTM": [("LSTM", {})],
        "GRU": [("GRU", {"reset_after": True}),
                ("GRU", {"reset_after": False})],
    }

    def try_one(layer, extra, kwarg, name):
        for units in (3, 4):
            cls = getattr(keras.layers, layer)
            try:
                lyr = cls(units, return_sequences=True, return_state=True,
                          **extra, **{kwarg: name})
                out = lyr(x)
            except Exception as e:  # noqa: BLE001 - we record everything
                return f"{type(e).__name__}: {short(str(e))}"
            shapes = [tuple(o.shape) for o in out]
            want = [(B, T, units)] + [(B, units)] * (len(out) - 1)
            if shapes != want:
                return f"wrong output shapes {shapes}, expected {want}"
        return None

    result = {}
    for kwarg, layers in (("activation", ("SimpleRNN", "LSTM", "GRU")),
                          ("recurrent_activation", ("LSTM", "GRU"))):
        accepted = {lyr: [] for lyr in layers}
        rejected = {}
        for name in names:
            for layer in layers:
                errs = [try_one(lyr, extra, kwarg, name)
                        for lyr, extra in probes[layer]]
                errs = [e for e in errs if e]
                if errs:
                    # keep the first layer's message (they only differ in
                    # the cell class name)
                    rejected.setdefault(name, errs[0])
                else:
                    accepted[layer].append(name)
        result[kwarg] = {"accepted": accepted, "rejected": rejected}
    return result


def short(msg, n=160):
    import re
    msg = re.sub(r"\x1b\[[0-9;]*m", "", msg)  # ANSI colours
    msg = re.sub(r" at 0x[0-9a-fA-F]+", "", msg)
    msg = re.sub(r"Exception encountered when calling \S+\.\s*", "", msg)
    msg = msg.split("Arguments received by")[0]
    msg = " ".join(msg.split())
    return msg if len(msg) <= n else msg[: n - 3] + "..."


# -------------------------------------------------------------- execution


def make_mask(np, pattern, mask_dtype, batch, steps):
    m = np.array(MASK_PATTERNS[pattern], dtype=bool)
    assert m.shape == (batch, steps), (m.shape, batch, steps)
    dt, valid = MASK_DTYPES[mask_dtype]
    if dt == "bool":
        return m
    return (m.astype(dt) * np.asarray(valid, dtype=dt)).astype(dt)


def run_case(case, keras, np, zlib, scale):
    """Run one case in Keras; returns (spec, arrays)."""
    layers = keras.layers
    seed = zlib.crc32(case.id.encode()) ^ int(scale * 1000)
    rng = np.random.default_rng(seed)
    keras.utils.set_random_seed(seed % (2 ** 31))
    dtype = case.config.get("dtype", "float32")
    arrays = {}
    expect_error = None
    batch, steps, feat = case.shape

    def rand(shape, lo, hi):
        return rng.uniform(lo, hi, shape).astype(dtype)

    def make(layer, cfg):
        return getattr(layers, layer)(**cfg)

    outer = None
    try:
        inner = make(case.layer, dict(case.config))
        if case.preset_weights:
            inner.build(case.shape)
            inner.set_weights([rand(w.shape, -scale, scale)
                               for w in inner.get_weights()])
            for k, w in enumerate(inner.get_weights()):
                arrays[f"preset_weight_{k}"] = w
        if case.bidirectional is not None:
            bl = case.bidirectional["backward_layer"]
            bl = make(bl["layer"], dict(bl["config"])) if bl else None
            wrapper = ({"dtype": case.bidirectional["dtype"]}
                       if case.bidirectional.get("dtype") else {})
            outer = layers.Bidirectional(
                inner, merge_mode=case.bidirectional["merge_mode"],
                backward_layer=bl, **wrapper)
        else:
            outer = inner
    except ValueError as e:
        expect_error = "ValueError"
        print(f"    {case.id}: Keras raised ValueError: {short(str(e), 200)}")
        arrays = {k: v for k, v in arrays.items()
                  if k.startswith("preset_weight_")}

    calls_spec = []
    if expect_error is None:
        outer.build(case.shape)
        if case.set_weights:
            outer.set_weights([rand(w.shape, -scale, scale)
                               for w in outer.get_weights()])
        for k, w in enumerate(outer.get_weights()):
            arrays[f"weight_{k}"] = w
        ns = n_states(case.layer) * (2 if case.bidirectional else 1)
        units = case.config["units"]
        call_arrays = {}
        for i, c in enumerate(case.calls):
            if c.x is not None:
                x = np.asarray(c.x, dtype=dtype)
            else:
                x = rand((batch, steps, feat), -1.0, 1.0)
            assert x.shape == (batch, steps, feat)
            call_arrays[f"call{i}_x"] = x
            kwargs = {}
            if c.mask is not None:
                m = make_mask(np, c.mask, c.mask_dtype, batch, steps)
                call_arrays[f"call{i}_mask"] = m
                kwargs["mask"] = keras.ops.convert_to_tensor(m)
            if c.init:
                states = [rand((batch, units), -0.8, 0.8) for _ in range(ns)]
                for k, s in enumerate(states):
                    call_arrays[f"call{i}_initial_state_{k}"] = s
                kwargs["initial_state"] = [keras.ops.convert_to_tensor(s)
                                           for s in states]
            if c.reset_before:
                outer.reset_states()
            try:
                res = outer(keras.ops.convert_to_tensor(x), **kwargs)
            except ValueError as e:
                expect_error = "ValueError"
                print(f"    {case.id}: call {i} raised ValueError: "
                      f"{short(str(e), 200)}")
                calls_spec = []
                call_arrays = {}
                break
            is_list = isinstance(res, (list, tuple))
            outs = keras.tree.flatten(res) if is_list else [res]
            for k, o in enumerate(outs):
                call_arrays[f"call{i}_output_{k}"] = keras.ops.convert_to_numpy(o)
            calls_spec.append({
                "mask": c.mask is not None,
                "n_initial_state": ns if c.init else 0,
                "reset_before": bool(c.reset_before),
                "is_list": is_list,
                "n_outputs": len(outs),
            })
        arrays.update(call_arrays)

    bidi = None
    if case.bidirectional is not None:
        bidi = {"merge_mode": case.bidirectional["merge_mode"],
                "backward_layer": case.bidirectional["backward_layer"]}
        if case.bidirectional.get("dtype"):
            bidi["dtype"] = case.bidirectional["dtype"]
    spec = {
        "id": case.id,
        "feature": case.feature,
        "layer": case.layer,
        "config": case.config,
        "bidirectional": bidi,
        "preset_weights": bool(case.preset_weights),
        "set_weights": bool(case.set_weights),
        "calls": calls_spec,
        "expect_error": expect_error,
    }
    return spec, arrays


def all_finite(np, arrays):
    return all(np.all(np.isfinite(v)) for k, v in arrays.items()
               if v.dtype.kind == "f")


def verify(np, json, path):
    with np.load(path, allow_pickle=False) as z:
        keys = set(z.files)
        spec_arr = z["spec"]
        assert spec_arr.shape == () and spec_arr.dtype.kind == "U", path
        text = str(spec_arr[()])
        spec = json.loads(text)
        assert json.loads(json.dumps(spec)) == spec
        assert spec["id"] == os.path.basename(path)[:-4]
        assert "dtype" in spec["config"]
        if spec["expect_error"]:
            assert spec["calls"] == []
        for i, c in enumerate(spec["calls"]):
            need = [f"call{i}_x"]
            need += [f"call{i}_output_{k}" for k in range(c["n_outputs"])]
            need += [f"call{i}_initial_state_{k}"
                     for k in range(c["n_initial_state"])]
            if c["mask"]:
                need.append(f"call{i}_mask")
            missing = [k for k in need if k not in keys]
            assert not missing, (path, missing)
            assert f"call{i}_output_{c['n_outputs']}" not in keys
            x = z[f"call{i}_x"]
            assert x.dtype == np.dtype(spec["config"]["dtype"]), (path, x.dtype)
        for k in range(len(spec["calls"]), len(spec["calls"]) + 1):
            assert f"call{k}_x" not in keys
        if spec["preset_weights"]:
            assert "preset_weight_0" in keys
    return spec


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

    versions = {
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
        "keras_backend": keras.backend.backend(),
    }
    with open(os.path.join(out, "VERSIONS.json"), "w") as f:
        json.dump(versions, f, indent=2, sort_keys=True)
        f.write("\n")
    print("[make_keras_fixtures] versions:", versions)

    print("[make_keras_fixtures] probing activation names ...", flush=True)
    acts = probe_activations(keras, np)
    act_json = {
        "accepted": acts["activation"]["accepted"],
        "rejected": acts["activation"]["rejected"],
        "recurrent_activation": acts["recurrent_activation"],
        "note": "names from keras.src.activations.ALL_OBJECTS_DICT; "
                "accepted = constructing and calling the layer "
                "(units 3 and 4, return_sequences=True, return_state=True; "
                "GRU with reset_after True and False) raised nothing and "
                "gave the expected output shapes. activation=None is also "
                "accepted (-> linear).",
    }
    with open(os.path.join(out, "activations.json"), "w") as f:
        json.dump(act_json, f, indent=2, sort_keys=True)
        f.write("\n")

    cases = build_cases(acts["activation"]["accepted"],
                        acts["recurrent_activation"]["accepted"])
    ids = [c.id for c in cases]
    dup = [i for i, n in collections.Counter(ids).items() if n > 1]
    assert not dup, f"duplicate case ids: {dup}"

    groups = collections.Counter()
    errors = []
    for case in cases:
        for scale in (0.7, 0.35, 0.15, 0.05):
            spec, arrays = run_case(case, keras, np, zlib, scale)
            if all_finite(np, arrays):
                break
            print(f"    {case.id}: non-finite values with weight scale "
                  f"{scale}, retrying smaller")
        else:
            raise RuntimeError(f"{case.id}: non-finite outputs")
        if spec["expect_error"]:
            errors.append(case.id)
        payload = {"spec": np.array(json.dumps(spec, sort_keys=True,
                                                   separators=(",", ":")))}
        payload.update(arrays)
        path = os.path.join(out, f"{case.id}.npz")
        save_npz(path, payload)
        verify(np, json, path)
        groups[case.group] += 1

    print("[make_keras_fixtures] cases per group:")
    for g in sorted(groups):
        print(f"    {g:32s} {groups[g]}")
    print(f"    {'TOTAL':32s} {sum(groups.values())}")
    print(f"[make_keras_fixtures] expect_error cases: {len(errors)}")
    total = sum(os.path.getsize(p) for p in glob.glob(os.path.join(out, "*")))
    print(f"[make_keras_fixtures] wrote {out} ({total / 1e6:.2f} MB apparent)")


def main():
    keras_fixture_main(__doc__, DEFAULT_OUT, generate, ensure_venv_and_reexec)


if __name__ == "__main__":
    main()
