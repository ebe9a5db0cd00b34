"""Validation at every public entry point (issue 5): each error path has a
test here naming the argument, what was given and what was expected; and
every input layout the layers accept gives the same bits as the plain one.
(Keras's own behaviour at the edges is in test_edge_cases.py.)"""
import io
import textwrap
import zipfile

import numpy as np
import pytest

import fastrnn
from fastrnn import layers as fl
from support import run_python

RNG = np.random.default_rng(11)
X = RNG.uniform(-1, 1, (3, 5, 4)).astype(np.float32)
MASK = RNG.random((3, 5)) < 0.7
CELLS = [fastrnn.SimpleRNN, fastrnn.LSTM, fastrnn.GRU]


def built(cls=fastrnn.LSTM, units=4, **kwargs):
    layer = cls(units, seed=3, return_sequences=True, return_state=True, **kwargs)
    layer.build(4)
    return layer


def states_for(layer, batch=3, dtype=np.float32):
    n = 2 if isinstance(layer, fastrnn.LSTM) else 1
    return [RNG.uniform(-0.5, 0.5, (batch, layer.units)).astype(dtype) for _ in range(n)]


def same(a, b):
    a = a if isinstance(a, list) else [a]
    b = b if isinstance(b, list) else [b]
    assert len(a) == len(b)
    for u, v in zip(a, b):
        assert u.dtype == v.dtype
        np.testing.assert_array_equal(u, v)


# ------------------------------------------------------------- sizes
def test_too_large_error_is_memory_and_value_error():
    assert issubclass(fl.TooLargeError, MemoryError)
    assert issubclass(fl.TooLargeError, ValueError)
    assert 2**20 < fl.MAX_BYTES <= 2**62


@pytest.mark.parametrize("cls", CELLS)
def test_absurd_units_refused_at_construction(cls):
    with pytest.raises(fl.TooLargeError, match=rf"{cls.__name__}\(units=1000000000000\) weights "
                                               r"would need .* GiB \(a \(1000000000000, \d+\) "
                                               r"float32 recurrent kernel\), more than "
                                               r"fastrnn.layers.MAX_BYTES"):
        cls(10**12)


def test_absurd_input_dim_refused_at_build():
    with pytest.raises(fl.TooLargeError, match=r"GRU.build\(1000000000000\) would need .* "
                                               r"\(kernel \(1000000000000, 12\) and recurrent "
                                               r"kernel \(4, 12\)\).*refused before allocating"):
        fastrnn.GRU(4).build(10**12)


def test_call_too_large_refused_before_converting():
    # A broadcast view: no memory behind it, but a copy would need terabytes.
    x = np.broadcast_to(np.float64(0.5), (10**6, 10**6, 4))
    with pytest.raises(fl.TooLargeError, match=r"LSTM call on x of shape \(1000000, 1000000, 4\) "
                                               r"would need .* GiB \(an input projection of "
                                               r"1000000\*1000000 rows of 4\*4 float32 values"):
        built()(x)


def test_call_size_limit_counts_the_projection(monkeypatch):
    layer = built(fastrnn.SimpleRNN, units=8)
    layer(X)  # fine under the real limit
    monkeypatch.setattr(fl, "MAX_BYTES", 4_000)
    with pytest.raises(MemoryError, match="refused before allocating"):
        layer(X.astype(np.float64))  # checked path: 15 rows of (8 + 64) floats = 4320 bytes
    with pytest.raises(MemoryError, match="refused before allocating"):
        layer(X, mask=MASK)


def test_zero_features_and_huge_steps_refused_on_the_checked_path():
    # x holds no data (0 features) but the projection would have 2**50 rows.
    x = np.zeros((1, 2**50, 0), np.float64)
    layer = fastrnn.LSTM(8)
    layer.build(0)
    with pytest.raises(fl.TooLargeError, match=r"LSTM call on x of shape \(1, 1125899906842624, 0\)"):
        layer(x)


def test_zero_features_huge_steps_on_the_kernel_fast_path():
    """A C-contiguous float32 x with 0 features and 2**59 steps holds no data
    and takes the kernel's fast path; the kernel's scratch size
    batch*steps*width*sizeof overflows and the call writes out of bounds
    (SIGSEGV). Run in a subprocess; must end in a clean Python error."""
    code = textwrap.dedent("""
        import numpy as np, fastrnn
        layer = fastrnn.LSTM(8)
        layer.build(0)
        try:
            layer(np.zeros((1, 2**59, 0), np.float32))
        except (MemoryError, ValueError) as e:
            print("refused:", type(e).__name__)
    """)
    r = run_python(["-c", code], capture_output=True, text=True, timeout=120)
    assert "refused:" in r.stdout


# ------------------------------------------------------------- constructors
@pytest.mark.parametrize("seed", ["a", 1.5, True, [1]])
def test_seed_must_be_an_integer(seed):
    with pytest.raises(ValueError, match=r"Argument `seed` must be an integer. Received: seed="):
        fastrnn.LSTM(3, seed=seed)


def test_negative_seed_is_accepted_and_reproducible():
    a, b = fastrnn.GRU(3, seed=-5), fastrnn.GRU(3, seed=-5)
    a.build(2)
    b.build(2)
    same(a.get_weights(), b.get_weights())


@pytest.mark.parametrize("arg", ["return_sequences", "return_state", "go_backwards", "stateful",
                                 "use_bias", "zero_output_for_mask"])
def test_flag_without_truth_value_names_the_argument(arg):
    with pytest.raises(ValueError, match=rf"GRU expected a bool for argument `{arg}`, got array"):
        fastrnn.GRU(3, **{arg: np.array([True, False])})


@pytest.mark.parametrize("cls,arg", [(fastrnn.LSTM, "unit_forget_bias"), (fastrnn.GRU, "reset_after")])
def test_cell_flag_without_truth_value(cls, arg):
    with pytest.raises(ValueError, match=rf"expected a bool for argument `{arg}`"):
        cls(3, **{arg: np.array([1, 0])})


def test_name_must_be_a_string():
    with pytest.raises(ValueError, match=r"SimpleRNN expected a string for argument `name`, got 3"):
        fastrnn.SimpleRNN(3, name=3)
    with pytest.raises(ValueError, match=r"Bidirectional expected a string for argument `name`"):
        fastrnn.Bidirectional(fastrnn.GRU(2), name=["x"])


@pytest.mark.parametrize("dtype", ["float33", [("a", "f4")], object()])
def test_dtype_that_is_not_a_dtype(dtype):
    with pytest.raises(ValueError, match="dtype must be 'float32' or 'float64', got"):
        fastrnn.GRU(3, dtype=dtype)


# ------------------------------------------------------------- build
@pytest.mark.parametrize("shape", [(), [], None, 2.0, -1, (None, 5, None), "3"])
def test_build_needs_a_feature_count(shape):
    with pytest.raises(ValueError, match=r"LSTM.build expected a feature count \(an integer >= 0\) "
                                         r"or a shape ending in one, got"):
        fastrnn.LSTM(3).build(shape)


# ------------------------------------------------------------- set_weights
@pytest.mark.parametrize("weights,kind", [(None, "NoneType"), ("abc", "str"), (3, "int"),
                                          ({"kernel": 1}, "dict"),
                                          (np.zeros((3, 4)), r"ndarray \(one array: wrap it")])
def test_set_weights_needs_a_list(weights, kind):
    with pytest.raises(ValueError, match=rf"SimpleRNN.set_weights expected a list of arrays, got {kind}"):
        fastrnn.SimpleRNN(4).set_weights(weights)
    with pytest.raises(ValueError, match=rf"Bidirectional.set_weights expected a list of arrays, got {kind}"):
        fastrnn.Bidirectional(fastrnn.SimpleRNN(4)).set_weights(weights)


def test_set_weights_from_a_generator():
    layer = built(fastrnn.SimpleRNN)
    clone = fastrnn.SimpleRNN(4)
    clone.set_weights(w for w in layer.get_weights())
    same(clone.get_weights(), layer.get_weights())


def test_ragged_weight():
    with pytest.raises(ValueError, match="LSTM could not convert weight 'kernel' to an array"):
        fastrnn.LSTM(2).set_weights([[[1.0, 2.0], [1.0]], np.zeros((2, 8)), np.zeros(8)])


@pytest.mark.parametrize("kernel", [np.zeros(8), np.zeros((3, 7)), np.zeros((3, 8, 1)), 0.5])
def test_unbuilt_layer_names_the_kernel_shape_it_takes(kernel):
    with pytest.raises(ValueError, match=r"LSTM weight 'kernel' expected shape \(input_dim, 8\), got shape"):
        fastrnn.LSTM(2).set_weights([kernel, np.zeros((2, 8)), np.zeros(8)])


@pytest.mark.parametrize("dtype", [bool, np.complex64, "m8[s]", object])
def test_weights_must_be_real_numbers(dtype):
    layer = built(fastrnn.SimpleRNN)
    weights = layer.get_weights()
    weights[1] = np.zeros((4, 4), dtype)
    with pytest.raises(ValueError, match=r"SimpleRNN expected weight 'recurrent_kernel' of real numbers \(integers or floats\), got dtype"):
        layer.set_weights(weights)


def test_failed_set_weights_keeps_the_old_weights():
    layer = built(fastrnn.GRU)
    before = layer(X)
    with pytest.raises(ValueError):
        layer.set_weights(layer.get_weights()[:2] + [np.zeros(3)])
    same(layer(X), before)


# ------------------------------------------------------------- x
@pytest.mark.parametrize("x,match", [
    (np.zeros((3, 5, 4), "m8[s]"), r"expected x of real numbers, got dtype timedelta64\[s\]"),
    (np.zeros((3, 5, 4), "M8[s]"), r"expected x of real numbers, got dtype datetime64\[s\]"),
    (np.array([[[1.0]], [[None]]], dtype=object), r"got dtype object \(a ragged or non-numeric"),
    ([[[1.0, 2.0, 3.0, 4.0]], [[1.0]]], "could not convert x to an array"),
])
def test_x_that_is_not_real_numbers(x, match):
    with pytest.raises(ValueError, match=match):
        built()(x)


def _unaligned(a):
    """a copy of ``a`` whose data starts one byte into a buffer."""
    buf = np.zeros(a.nbytes + 1, np.uint8)
    out = np.frombuffer(buf.data, a.dtype, a.size, offset=1).reshape(a.shape)
    out[...] = a
    assert not out.flags.aligned
    return out


def _readonly(a):
    a = a.copy()
    a.flags.writeable = False
    return a


LAYOUTS = {
    "fortran": np.asfortranarray,
    "strided": lambda a: np.repeat(a, 2, axis=-1)[..., ::2],
    "reversed": lambda a: a[::-1].copy()[::-1],
    "readonly": _readonly,
    "bigendian": lambda a: a.astype(a.dtype.newbyteorder(">")),
    "unaligned": _unaligned,
    "nested-list": lambda a: a.tolist(),
    "float16-exact": lambda a: a.astype(np.float16),
}


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
@pytest.mark.parametrize("cls", CELLS)
def test_x_layouts_give_the_same_bits(cls, layout):
    layer = built(cls)
    x = X.astype(np.float16).astype(np.float32) if layout == "float16-exact" else X
    want = layer(x)
    same(layer(LAYOUTS[layout](x)), want)
    same(layer(LAYOUTS[layout](x), mask=np.ones((3, 5), bool)), want)


@pytest.mark.parametrize("layout", sorted(set(LAYOUTS) - {"float16-exact"}))
def test_mask_and_state_layouts_give_the_same_bits(layout):
    layer = built(fastrnn.LSTM, dtype="float64")
    states = states_for(layer, dtype=np.float64)
    want = layer(X, mask=MASK, initial_state=states)
    got = layer(X, mask=LAYOUTS[layout](MASK.astype(np.float64)),
                initial_state=[LAYOUTS[layout](s) for s in states])
    same(got, want)


def test_float16_input_is_cast_exactly():
    x16 = X.astype(np.float16)
    for cls in CELLS:
        layer = built(cls)
        same(layer(x16), layer(x16.astype(np.float32)))
        bi = fastrnn.Bidirectional(built(cls))
        same(bi(x16), bi(x16.astype(np.float32)))


def test_bool_initial_state_is_cast_as_keras_does():
    layer = built(fastrnn.GRU)
    h = RNG.random((3, 4)) < 0.5
    same(layer(X, initial_state=[h]), layer(X, initial_state=[h.astype(np.float32)]))


# ------------------------------------------------------------- mask and states
def test_ragged_mask():
    with pytest.raises(ValueError, match="LSTM could not convert mask to an array"):
        built()(X, mask=[[1, 0], [1], [1, 1]])


@pytest.mark.parametrize("mask", [np.zeros((3, 5), "m8[s]"), np.full((3, 5), None)])
def test_mask_that_is_not_numbers(mask):
    with pytest.raises(ValueError, match="LSTM expected a bool, int or float mask, got dtype"):
        built()(X, mask=mask)


def test_ragged_initial_state():
    with pytest.raises(ValueError, match="GRU could not convert initial_state 'h' to an array"):
        built(fastrnn.GRU)(X, initial_state=[[[0.0] * 4, [0.0]]])


@pytest.mark.parametrize("state", [np.zeros((3, 4), np.complex64), np.full((3, 4), "a")])
def test_initial_state_of_non_real_dtype(state):
    with pytest.raises(ValueError, match=r"GRU expected initial_state 'h' of real numbers, got dtype"):
        built(fastrnn.GRU)(X, initial_state=[state])


def test_stateful_states_survive_a_refused_call():
    layer = fastrnn.LSTM(4, stateful=True, seed=1)
    layer(X)
    before = layer.states
    with pytest.raises(ValueError):
        layer(X, mask=np.ones((2, 2)))
    with pytest.raises(ValueError):
        layer(X[:, :0].astype(np.float64))   # (float32 would take the kernel's fast path)
    with pytest.raises(ValueError):
        layer(X[:2].astype(np.float64))
    same(layer.states, before)


# ------------------------------------------------------------- Bidirectional
def test_bidirectional_initial_state_count():
    bi = fastrnn.Bidirectional(fastrnn.LSTM(4))
    with pytest.raises(ValueError, match=r"Bidirectional expected initial_state as a list of 4 arrays "
                                         r"\(forward h, forward c, then backward h, backward c\); got 3"):
        bi(X, initial_state=[np.zeros((3, 4))] * 3)
    with pytest.raises(ValueError, match=r"Bidirectional expected initial_state as a list: .*got ndarray"):
        bi(X, initial_state=np.zeros((4, 3, 4)))


def test_bidirectional_splits_states_by_the_forward_layer():
    # LSTM forward (h, c) and GRU backward (h): Keras would split 3 at 1.
    bi = fastrnn.Bidirectional(fastrnn.LSTM(4, return_state=True, seed=1),
                               backward_layer=fastrnn.GRU(2, go_backwards=True, return_state=True,
                                                          seed=2))
    states = [RNG.normal(size=(3, 4)), RNG.normal(size=(3, 4)), RNG.normal(size=(3, 2))]
    out, fh, fc, bh = bi(X, initial_state=states)
    assert out.shape == (3, 6) and fh.shape == fc.shape == (3, 4) and bh.shape == (3, 2)
    alone = bi.forward_layer(X, initial_state=states[:2])
    same([alone[0], *alone[1:]], [out[:, :4], fh, fc])


@pytest.mark.parametrize("mode", [["concat"], np.array(["sum", "mul"]), 1, "Concat"])
def test_bidirectional_merge_mode_of_another_type(mode):
    with pytest.raises(ValueError, match="Invalid merge mode. Received"):
        fastrnn.Bidirectional(fastrnn.GRU(2), merge_mode=mode)


def test_bidirectional_ragged_x_and_state():
    bi = fastrnn.Bidirectional(fastrnn.GRU(2))
    with pytest.raises(ValueError, match="Bidirectional could not convert x to an array"):
        bi([[[1.0, 2.0]], [[1.0]]])
    with pytest.raises(ValueError, match="Bidirectional could not convert initial_state to an array"):
        bi(X, initial_state=[[[0.0, 1.0], [0.0]], np.zeros((3, 2))])


def test_bidirectional_zero_timesteps():
    with pytest.raises(ValueError, match=r"Bidirectional expected x with at least one timestep, "
                                         r"got shape \(3, 0, 4\)"):
        fastrnn.Bidirectional(fastrnn.GRU(2))(X[:, :0])


def test_bidirectional_weights_argument():
    source = fastrnn.Bidirectional(fastrnn.GRU(2, seed=4))
    source.build(4)
    bi = fastrnn.Bidirectional(fastrnn.GRU(2), weights=source.get_weights())
    same(bi(X), source(X))
    assert not fastrnn.Bidirectional(fastrnn.GRU(2), weights=[]).built
    with pytest.raises(ValueError, match="Bidirectional.set_weights expected a list of arrays, got ndarray"):
        fastrnn.Bidirectional(fastrnn.GRU(2), weights=np.zeros((2, 6)))


@pytest.mark.parametrize("mode", ["sum", "mul", "ave"])
def test_bidirectional_elementwise_merge_needs_equal_units(mode):
    with pytest.raises(ValueError, match=rf"Bidirectional merge_mode='{mode}' combines the two outputs "
                                         r"elementwise: expected layers of the same units, got 3 "
                                         r"\(forward\) and 2 \(backward\)"):
        fastrnn.Bidirectional(fastrnn.LSTM(3), merge_mode=mode,
                              backward_layer=fastrnn.GRU(2, go_backwards=True))
    # concat and None take any widths; one unit broadcasts (as in Keras).
    fastrnn.Bidirectional(fastrnn.LSTM(3), backward_layer=fastrnn.GRU(2, go_backwards=True))
    fastrnn.Bidirectional(fastrnn.LSTM(3), merge_mode=mode,
                          backward_layer=fastrnn.GRU(1, go_backwards=True))


@pytest.mark.parametrize("x,kind", [(None, "NoneType"), ({"x": 1}, "dict"), (object(), "object"),
                                    ((v for v in X), "generator")])
def test_x_of_another_type_is_named(x, kind):
    with pytest.raises(ValueError, match=rf"LSTM expected x of real numbers, got a {kind}"):
        built()(x)


def test_initial_state_of_another_type_is_named():
    with pytest.raises(ValueError, match=r"GRU expected initial_state as a list of 1 array\(s\) \(h\), "
                                         r"got dict"):
        built(fastrnn.GRU)(X, initial_state={"h": np.zeros((3, 4))})
    with pytest.raises(ValueError, match=r"LSTM expected initial_state 'h' of real numbers, got a NoneType"):
        built()(X, initial_state=[None, None])


def test_weight_of_another_type_is_named():
    with pytest.raises(ValueError, match=r"GRU expected weight 'kernel' of real numbers \(integers or floats\), got a NoneType"):
        fastrnn.GRU(2).set_weights([None, None, None])


# ------------------------------------------------------------- one converter for weights
def _weight_entry_points():
    """Every way a weight gets in, each given a function of one array: the
    (3, 8) kernel of an LSTM(2) on 3 features, or the layer's own first weight."""
    lstm = [np.zeros((2, 8)), np.zeros(8)]
    torch_rest = {"weight_hh_l0": np.zeros((8, 2)), "bias_ih_l0": np.zeros(8),
                  "bias_hh_l0": np.zeros(8)}

    return {
        "LSTM.set_weights": lambda k: fastrnn.LSTM(2).set_weights([k, *lstm]),
        "Bidirectional.set_weights":
            lambda k: fastrnn.Bidirectional(fastrnn.LSTM(2)).set_weights([k, *lstm] * 2),
        "Sequential.set_weights":
            lambda k: fastrnn.Sequential([fastrnn.LSTM(2)]).set_weights([k, *lstm]),
        "Dense.set_weights": lambda k: fastrnn.Dense(8).set_weights([k, np.zeros(8)]),
        "TimeDistributed.set_weights":
            lambda k: fastrnn.TimeDistributed(fastrnn.Dense(8)).set_weights([k, np.zeros(8)]),
        "Embedding.set_weights": lambda k: fastrnn.Embedding(3, 8).set_weights([k]),
        "Embedding(weights=)": lambda k: fastrnn.Embedding(3, 8, weights=[k]),
        "from_torch": lambda k: fastrnn.from_torch({"weight_ih_l0": k.T, **torch_rest},
                                                   mode="LSTM"),
        "TorchRNN.load_state_dict": lambda k: fastrnn.TorchRNN("LSTM", 3, 2).load_state_dict(
            {"weight_ih_l0": k.T, **torch_rest}),
    }


WEIGHT_ENTRY_POINTS = _weight_entry_points()
REFUSED_WEIGHTS = {
    "bool": np.ones((3, 8), bool),
    "complex": np.ones((3, 8), np.complex64),
    "datetime": np.ones((3, 8), "M8[s]"),
    "timedelta": np.ones((3, 8), "m8[s]"),
    "numeric strings": np.full((3, 8), "1.5"),
    "bytes": np.full((3, 8), b"1"),
    "one-field structured": np.ones((3, 8), [("a", "f4")]),
    "object": np.ones((3, 8), object),
}
ACCEPTED_WEIGHTS = {
    "float16": np.float16, "float32": np.float32, "big-endian float64": ">f8",
    "longdouble": np.longdouble, "int8": np.int8, "uint64": np.uint64, "int64": np.int64,
}


@pytest.mark.parametrize("kind", list(REFUSED_WEIGHTS))
@pytest.mark.parametrize("entry", list(WEIGHT_ENTRY_POINTS))
def test_every_weight_entry_point_refuses_the_same_dtypes(entry, kind):
    # from_torch used to take all of these (complex with only a warning,
    # datetimes as epoch seconds); Dense and Embedding took timedelta64.
    with pytest.raises(ValueError, match=r"'\w+' .*real numbers.*, got dtype"):
        WEIGHT_ENTRY_POINTS[entry](REFUSED_WEIGHTS[kind])


@pytest.mark.parametrize("kind", list(ACCEPTED_WEIGHTS))
@pytest.mark.parametrize("entry", list(WEIGHT_ENTRY_POINTS))
def test_every_weight_entry_point_takes_the_same_dtypes(entry, kind):
    # from_torch used to refuse integers and float16, which set_weights takes.
    WEIGHT_ENTRY_POINTS[entry](np.arange(24).reshape(3, 8).astype(ACCEPTED_WEIGHTS[kind]))


def test_npz_loader_refuses_what_set_weights_refuses(tmp_path):
    model = fastrnn.Sequential([fastrnn.Dense(8)])
    model.build((None, 3))
    model.save(tmp_path / "m.npz")
    with np.load(tmp_path / "m.npz") as z:
        arrays = dict(z)
    arrays["layer000_weight000"] = np.ones((3, 8), np.complex64)
    np.savez(tmp_path / "bad.npz", **arrays)
    with pytest.raises(ValueError, match=r"layer000_weight000.*real numbers"):
        fastrnn.load_model(tmp_path / "bad.npz")


def test_npz_loader_checks_the_size_before_reading(tmp_path):
    # A member whose header declares 2**40 float32 (4 TiB) and holds no data:
    # numpy would allocate it all before finding the data missing.
    model = fastrnn.Sequential([fastrnn.Dense(8)])
    model.build((None, 3))
    model.save(tmp_path / "m.npz")
    with zipfile.ZipFile(tmp_path / "m.npz") as zin, \
            zipfile.ZipFile(tmp_path / "huge.npz", "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "layer000_weight000.npy":
                header = io.BytesIO()
                np.lib.format.write_array_header_1_0(
                    header, {"descr": "<f4", "fortran_order": False, "shape": (2**40,)})
                data = header.getvalue()  # (the magic included)
            zout.writestr(item, data)
    with pytest.raises(fastrnn.layers.TooLargeError,
                       match=r"layer000_weight000: .*would need 4.1e\+03 GiB"):
        fastrnn.load_model(tmp_path / "huge.npz")


@pytest.mark.parametrize("dtype", [np.float64, "float64", np.dtype("float64")])
def test_float64_given_any_way_is_accepted_everywhere(dtype):
    sd = {"weight_ih_l0": np.ones((3, 2)), "weight_hh_l0": np.ones((3, 3)),
          "bias_ih_l0": np.ones(3), "bias_hh_l0": np.ones(3)}
    models = [fastrnn.from_torch(sd, mode="RNN", dtype=dtype),   # used to raise TypeError
              fastrnn.TorchRNN("GRU", 2, 3, dtype=dtype)]
    assert [m.dtype for m in models] == ["float64", "float64"]
    layers = [fastrnn.LSTM(2, dtype=dtype), fastrnn.Dense(2, dtype=dtype),
              fastrnn.Embedding(3, 2, dtype=dtype), fastrnn.Masking(dtype=dtype),
              fastrnn.Bidirectional(fastrnn.GRU(2, dtype=dtype), dtype=dtype)]
    assert [layer.dtype for layer in layers] == ["float64"] * len(layers)
    assert fastrnn.InputLayer(shape=(3,), dtype=dtype).dtype == "float64"


def test_from_torch_dtype_that_is_not_float32_or_64():
    sd = {"weight_ih_l0": np.ones((3, 2)), "weight_hh_l0": np.ones((3, 3))}
    with pytest.raises(ValueError, match=r"dtype must be 'float32' or 'float64', got 'int8'"):
        fastrnn.from_torch(sd, mode="RNN", dtype="int8")


# ------------------------------------------------------------- one size check
def test_embedding_and_dense_too_large_raise_too_large_error():
    # Both used to raise numpy's raw MemoryError while allocating.
    with pytest.raises(fl.TooLargeError, match=r"Embedding\(1000000000000, 64\) weights would "
                                               r"need .* refused before allocating"):
        fastrnn.Embedding(10**12, 64).build()
    with pytest.raises(fl.TooLargeError, match=r"Dense.build\(4\) would need"):
        fastrnn.Dense(10**12).build((None, 4))
    with pytest.raises(fl.TooLargeError, match=r"Dense.build\(4\) would need"):
        fastrnn.Dense(10**12)(np.ones((1, 4)))


def test_set_weights_of_a_huge_view_is_refused_before_copying():
    # A broadcast view holds no memory; its float32 copy would need 256 TiB.
    huge = np.broadcast_to(np.float64(0.5), (10**12, 64))
    with pytest.raises(fl.TooLargeError, match=r"Dense weight 'kernel' would need"):
        fastrnn.Dense(64).set_weights([huge, np.zeros(64)])
    with pytest.raises(fl.TooLargeError, match=r"GRU weight 'kernel' would need"):
        fastrnn.GRU(64).set_weights([np.broadcast_to(0.5, (10**12, 192)), np.zeros((64, 192)),
                                     np.zeros((2, 192))])


def test_dense_and_embedding_calls_too_large(monkeypatch):
    dense, embedding = fastrnn.Dense(1000), fastrnn.Embedding(10, 1000)
    dense.build(4)
    embedding.build()
    monkeypatch.setattr(fl, "MAX_BYTES", 10 * 2**20)
    x = np.broadcast_to(np.float32(1), (10**4, 4))   # a 40 MB output
    with pytest.raises(fl.TooLargeError, match=r"Dense call on x of shape \(10000, 4\)"):
        dense(x)
    with pytest.raises(fl.TooLargeError, match=r"Embedding call on x of shape \(10000,\)"):
        embedding(np.zeros(10**4, np.int32))
    dense(x[:100]), embedding(np.zeros(100, np.int32))


def test_torch_rnn_checks_num_layers_up_front():
    """num_layers=2**63 used to run until killed (and 10**6 took 1.5 GB):
    the layers' total size is checked before any is made."""
    code = textwrap.dedent("""
        import numpy as np, fastrnn
        from fastrnn import layers
        for n in (2**63, 10**6):
            layers.MAX_BYTES = 100 * 2**20
            try:
                fastrnn.TorchRNN("LSTM", 2, 3, num_layers=n)
            except layers.TooLargeError as e:
                print("refused:", e)
    """)
    r = run_python(["-c", code], capture_output=True, text=True, timeout=60)
    assert r.stdout.count("refused: TorchRNN(LSTM, 2, 3, num_layers=") == 2, r.stdout + r.stderr


# ------------------------------------------------------------- the fast path
def test_size_limit_holds_on_the_fast_path_too(monkeypatch):
    # 100*100 rows of 4*(256+64)+256+1 floats: about 59 MiB in float32.
    layer = fastrnn.LSTM(256, seed=0)
    layer.build(1)
    monkeypatch.setattr(fl, "MAX_BYTES", 10 * 2**20)
    for dtype in (np.float32, np.float64):     # float32 (the fast path) used to run
        with pytest.raises(fl.TooLargeError, match=r"LSTM call on x of shape \(100, 100, 1\)"):
            layer(np.zeros((100, 100, 1), dtype))


class _CountingRecurrence:
    """Stands in for a layer's kernel entry, counting the calls to prepare."""

    def __init__(self, recurrence):
        self.recurrence, self.calls = recurrence, 0

    def __getattr__(self, name):
        return getattr(self.recurrence, name)

    def prepare(self, *args):
        self.calls += 1
        return self.recurrence.prepare(*args)


@pytest.mark.parametrize("x", [X.astype(np.float64), X.astype(">f4"), np.asfortranarray(X),
                               X[:, ::-1], X.tolist(), X])
def test_the_path_is_chosen_before_the_kernel_is_called(x):
    # It used to try the kernel entry and fall back on its ValueError.
    layer = built()
    counting = layer._recurrence = _CountingRecurrence(layer._recurrence)
    same(layer(x), built()(np.array(x, np.float32)))
    assert counting.calls == 1


@pytest.mark.parametrize("x", [np.zeros((3, 5, 7), np.float32), np.zeros((3, 0, 4), np.float32),
                               np.zeros((5, 4), np.float32)])
def test_bad_x_on_the_fast_path_never_reaches_the_kernel(x):
    layer = built()
    counting = layer._recurrence = _CountingRecurrence(layer._recurrence)
    with pytest.raises(ValueError, match=r"LSTM expected x (with|of rank)"):
        layer(x)
    assert counting.calls == 0


def test_stateful_batch_size_on_the_fast_path_is_explained_before_the_kernel():
    layer = built(stateful=True)
    layer(X)
    counting = layer._recurrence = _CountingRecurrence(layer._recurrence)
    with pytest.raises(ValueError, match=r"LSTM is stateful with batch size 3; got x with "
                                         r"batch size 2"):
        layer(X[:2])
    assert counting.calls == 0
