"""The merge layers (fastrnn.merging), the shape layers (fastrnn.reshaping) and
BatchNormalization (fastrnn.normalization) against plain-numpy references
written here: values, masks (compute_mask and what a model passes on), shape
errors, symbolic use in a fastrnn.Model, and config round trips.

The mask rules are Keras 3's (keras/src/layers/merging/base_merge.py,
concatenate.py, multiply.py); they were checked once against Keras 3.15.1
with TensorFlow 2.21 in a throw-away script (no fixtures are committed).
"""
import numpy as np
import pytest

import fastrnn
from fastrnn import merging

RNG = np.random.default_rng(7)
B, T, F = 2, 4, 3


def normal(*shape):
    return RNG.normal(size=shape).astype(np.float32)


def random_mask(*shape):
    m = RNG.random(shape) < 0.6
    m[..., 0] = True
    return m


class ShowMask(fastrnn.Layer):
    """Returns the mask it is given as float32 (or -1 per sample for no mask)."""

    def call(self, x, mask=None):
        if mask is None:
            return np.full(x.shape[:1], -1.0, np.float32)
        return np.asarray(mask, np.float32)

    def compute_output_shape(self, input_shape):
        return (None,) * (len(input_shape) - 1)


def model_with_masks(layer, arrays, masked):
    """A model: Masking on the inputs marked in ``masked``, then ``layer``, then
    ShowMask; returns (output, the mask the next layer sees, or None)."""
    inputs = [fastrnn.Input(shape=a.shape[1:]) for a in arrays]
    xs = [fastrnn.Masking()(i) if m else i for i, m in zip(inputs, masked)]
    y = layer(xs) if isinstance(layer, merging._Merge) else layer(xs[0])
    out, mask = fastrnn.Model(inputs, [y, ShowMask()(y)]).predict(
        arrays if len(arrays) > 1 else arrays[0])
    return out, (None if np.all(mask == -1) and mask.ndim == 1 else mask.astype(bool))


def zero_steps(x, mask):
    """x with the timesteps where mask is False set to 0 (what Masking masks)."""
    return np.where(mask[..., None], x, 0).astype(x.dtype)


# ---------------------------------------------------------------- references
def ref_elementwise(name, xs):
    xs = [np.asarray(x, np.float32) for x in xs]
    top = max(x.ndim for x in xs)
    xs = [x.reshape(x.shape[:1] + (1,) * (top - x.ndim) + x.shape[1:]) for x in xs]
    if name == "Add":
        return sum(xs[1:], xs[0])
    if name == "Subtract":
        return xs[0] - xs[1]
    if name == "Multiply":
        return np.prod(np.broadcast_arrays(*xs), axis=0)
    if name == "Average":
        return sum(xs[1:], xs[0]) * (np.float32(1) / np.float32(len(xs)))
    return (np.max if name == "Maximum" else np.min)(np.broadcast_arrays(*xs), axis=0)


def ref_masked_extreme(fn, xs, masks):
    """Max/min over the inputs not masked at each position; the first input where
    all are masked (masks: None for an unmasked input)."""
    stack = np.stack(xs)
    keep = np.stack([np.ones(x.shape, bool) if m is None else
                     np.broadcast_to(m[..., None], x.shape) for x, m in zip(xs, masks)])
    fill = -np.inf if fn is np.max else np.inf
    out = fn(np.where(keep, stack, fill), axis=0)
    return np.where(keep.any(axis=0), out, xs[0]).astype(np.float32)


def ref_masked_product(xs, masks):
    keep = [None if m is None else np.broadcast_to(m[..., None], x.shape)
            for x, m in zip(xs, masks)]
    out = np.prod([x if k is None else np.where(k, x, 1) for x, k in zip(xs, keep)], axis=0)
    if all(k is not None for k in keep):
        out = np.where(np.any(keep, axis=0), out, 0)
    return out.astype(np.float32)


ELEMENTWISE = ["Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum"]


# ---------------------------------------------------------------- elementwise merges
@pytest.mark.parametrize("name", ELEMENTWISE)
@pytest.mark.parametrize("shapes", [[(B, T, F), (B, T, F)], [(B, T, F), (B, T, 1)],
                                    [(B, T, F), (B, F)], [(B, 1, F), (B, T, 1)]])
def test_elementwise_values_and_broadcasting(name, shapes):
    xs = [normal(*s) for s in shapes]
    layer = getattr(fastrnn, name)()
    got = layer(xs)
    want = ref_elementwise(name, xs)
    assert got.dtype == np.float32 and got.shape == want.shape
    np.testing.assert_array_equal(got, want)
    assert layer.compute_output_shape([(None,) + s[1:] for s in shapes]) == (None,) + want.shape[1:]


@pytest.mark.parametrize("name", ["Add", "Multiply", "Average", "Maximum", "Minimum"])
def test_elementwise_three_inputs(name):
    xs = [normal(B, T, F) for _ in range(3)]
    np.testing.assert_array_equal(getattr(fastrnn, name)()(xs), ref_elementwise(name, xs))


def test_average_uses_the_float32_reciprocal():
    # Inside a model TensorFlow computes Keras's sum / 3 as sum * float32(1/3).
    xs = [normal(50, 7) for _ in range(3)]
    total = xs[0] + xs[1] + xs[2]
    got = fastrnn.Average()(xs)
    np.testing.assert_array_equal(got, total * np.float32(1 / 3))
    assert not np.array_equal(got, total / np.float32(3))


@pytest.mark.parametrize("name", ELEMENTWISE)
@pytest.mark.parametrize("which", [(True, True), (True, False), (False, True)])
def test_elementwise_mask_rules(name, which):
    a, b = normal(B, T, F), normal(B, T, F)
    masks = [random_mask(B, T) if w else None for w in which]
    layer = getattr(fastrnn, name)()
    got = layer([a, b], mask=masks)
    if name in ("Maximum", "Minimum"):
        want = ref_masked_extreme(np.max if name == "Maximum" else np.min, [a, b], masks)
    elif name == "Multiply":
        want = ref_masked_product([a, b], masks)
    else:   # Add, Subtract and Average ignore the masks
        want = ref_elementwise(name, [a, b])
    np.testing.assert_array_equal(got, want)
    out_mask = layer.compute_mask([a, b], masks)
    if all(which):
        np.testing.assert_array_equal(out_mask, masks[0] | masks[1])
    else:
        assert out_mask is None
    assert layer.compute_mask([a, b], None) is None


@pytest.mark.parametrize("name", ["Maximum", "Minimum", "Multiply"])
def test_masked_merges_in_a_model(name):
    a, b = normal(B, T, F), normal(B, T, F)
    ma, mb = random_mask(B, T), random_mask(B, T)
    ma[0, 1] = mb[0, 1] = False   # a position masked in both
    a, b = zero_steps(a, ma), zero_steps(b, mb)
    for masked in [(True, True), (True, False), (False, False)]:
        out, mask = model_with_masks(getattr(fastrnn, name)(), [a, b], masked)
        masks = [m if use else None for m, use in zip((ma, mb), masked)]
        if name == "Multiply":
            want = ref_masked_product([a, b], masks)
        else:
            want = ref_masked_extreme(np.max if name == "Maximum" else np.min, [a, b], masks)
        np.testing.assert_array_equal(out, want)
        if all(masked):
            np.testing.assert_array_equal(mask, ma | mb)
        else:
            assert mask is None


def test_masked_maximum_small_case():
    # Checked against Keras: masked values are skipped; all masked -> first input.
    a = np.array([[[1.0], [9.0], [5.0]]])
    b = np.array([[[4.0], [2.0], [7.0]]])
    masks = [np.array([[True, False, False]]), np.array([[True, True, False]])]
    assert fastrnn.Maximum()([a, b], mask=masks)[0, :, 0].tolist() == [4.0, 2.0, 5.0]
    assert fastrnn.Minimum()([a, b], mask=masks)[0, :, 0].tolist() == [1.0, 2.0, 5.0]
    assert fastrnn.Multiply()([a, b], mask=masks)[0, :, 0].tolist() == [4.0, 2.0, 0.0]
    assert fastrnn.Multiply()([a, b], mask=[masks[0], None])[0, :, 0].tolist() == [4.0, 2.0, 7.0]


def test_lower_rank_input_loses_its_mask():
    # Keras expands a lower-rank input at axis 1: a new tensor, without the mask.
    a, v = normal(B, T, F), normal(B, F)
    ma = random_mask(B, T)
    mv = np.array([False, False])
    got = fastrnn.Maximum()([a, v], mask=[ma, mv])
    want = ref_masked_extreme(np.max, [a, np.broadcast_to(v[:, None], a.shape)], [ma, None])
    np.testing.assert_array_equal(got, want)


def test_subtract_takes_exactly_two_inputs():
    with pytest.raises(ValueError, match="exactly 2 inputs"):
        fastrnn.Subtract()([normal(B, F)] * 3)
    with pytest.raises(ValueError, match="exactly 2 inputs"):
        fastrnn.Subtract()([fastrnn.Input(shape=(F,))] * 3)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_elementwise_shape_errors(name):
    layer = getattr(fastrnn, name)(name="merge_me")
    with pytest.raises(ValueError, match="merge_me.*incompatible shapes"):
        layer([normal(B, T, F), normal(B, T, F + 1)])
    with pytest.raises(ValueError, match="different batch sizes"):
        getattr(fastrnn, name)()([normal(B, F), normal(B + 1, F)])
    with pytest.raises(ValueError, match="list"):
        getattr(fastrnn, name)()(normal(B, F))
    with pytest.raises(ValueError, match="incompatible shapes"):
        getattr(fastrnn, name)()([fastrnn.Input(shape=(T, F)), fastrnn.Input(shape=(T, 2))])


def test_mask_list_must_match_the_inputs():
    with pytest.raises(ValueError, match="same length"):
        fastrnn.Add().compute_mask([normal(B, T, F)] * 2, [random_mask(B, T)])


# ---------------------------------------------------------------- Concatenate
@pytest.mark.parametrize("axis", [-1, 1, 2, -2])
def test_concatenate_values(axis):
    shapes = {-1: [(B, T, F), (B, T, 5)], 2: [(B, T, F), (B, T, 5)],
              1: [(B, T, F), (B, 6, F)], -2: [(B, T, F), (B, 6, F)]}[axis]
    xs = [normal(*s) for s in shapes]
    layer = fastrnn.Concatenate(axis=axis)
    got = layer(xs)
    np.testing.assert_array_equal(got, np.concatenate(xs, axis=axis))
    assert layer.compute_output_shape(shapes) == got.shape
    unknown = [(None,) + s[1:] for s in shapes]
    assert layer.compute_output_shape(unknown) == (None,) + got.shape[1:]
    if axis in (1, -2):   # an unknown size along the axis makes the sum unknown
        assert layer.compute_output_shape([(None, None, F), (None, 6, F)]) == (None, None, F)


def ref_concat_mask(xs, masks, axis):
    full = [np.ones(x.shape, bool) if m is None else
            np.broadcast_to(m[..., None], x.shape) for x, m in zip(xs, masks)]
    return np.concatenate(full, axis=axis).any(axis=-1)


@pytest.mark.parametrize("axis", [-1, 1])
@pytest.mark.parametrize("which", [(True, True), (True, False), (False, True), (False, False)])
def test_concatenate_mask(axis, which):
    a, b = normal(B, T, F), normal(B, T, F)
    masks = [random_mask(B, T) if w else None for w in which]
    got = fastrnn.Concatenate(axis=axis).compute_mask([a, b], masks)
    if not any(which):
        assert got is None
        return
    np.testing.assert_array_equal(got, ref_concat_mask([a, b], masks, axis))
    if axis == 1:   # along time: the masks (ones for an unmasked input) side by side
        want = np.concatenate([np.ones((B, T), bool) if m is None else m for m in masks], 1)
        np.testing.assert_array_equal(got, want)
    elif not all(which):   # along features with one unmasked input: all True
        assert got.all() and got.shape == (B, T)


def test_concatenate_mask_in_a_model():
    a, b = normal(B, T, F), normal(B, T, 2)
    ma = random_mask(B, T)
    ma[1, 2] = False
    a = zero_steps(a, ma)
    out, mask = model_with_masks(fastrnn.Concatenate(axis=1), [a, zero_steps(normal(B, T, F), ma)],
                                 (True, False))
    np.testing.assert_array_equal(mask, np.concatenate([ma, np.ones((B, T), bool)], axis=1))
    out, mask = model_with_masks(fastrnn.Concatenate(), [a, b], (True, False))
    np.testing.assert_array_equal(out, np.concatenate([a, b], axis=-1))
    assert mask.shape == (B, T) and mask.all()
    out, mask = model_with_masks(fastrnn.Concatenate(), [a, b], (False, False))
    assert mask is None


def test_concatenate_shape_errors():
    with pytest.raises(ValueError, match="'joiner'.*matching shapes"):
        fastrnn.Concatenate(name="joiner")([normal(B, T, F), normal(B, T + 1, 2)])
    with pytest.raises(ValueError, match="matching shapes"):
        fastrnn.Concatenate()([normal(B, T, F), normal(B, F)])
    with pytest.raises(ValueError, match="matching shapes"):
        fastrnn.Concatenate()([fastrnn.Input(shape=(T, F)), fastrnn.Input(shape=(T + 1, F))])
    # An unknown size matches any size.
    y = fastrnn.Concatenate()([fastrnn.Input(shape=(None, F)), fastrnn.Input(shape=(T, 2))])
    assert y.shape == (None, None, F + 2)
    with pytest.raises(ValueError, match="list"):
        fastrnn.Concatenate()(normal(B, F))


# ---------------------------------------------------------------- Dot
def ref_dot(x, y, axes, normalize=False):
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    a0, a1 = (axes, axes) if isinstance(axes, int) else axes
    a0, a1 = a0 % x.ndim, a1 % y.ndim
    if normalize:
        x = x / np.maximum(np.linalg.norm(x, axis=a0, keepdims=True), 1e-7)
        y = y / np.maximum(np.linalg.norm(y, axis=a1, keepdims=True), 1e-7)
    out = np.stack([np.tensordot(x[i], y[i], axes=(a0 - 1, a1 - 1)) for i in range(len(x))])
    return out.reshape(len(x), 1) if out.ndim == 1 else out


@pytest.mark.parametrize("shapes,axes", [
    ([(B, F), (B, F)], 1), ([(B, F), (B, F)], -1), ([(B, T, F), (B, T, F)], -1),
    ([(B, T, F), (B, T, F)], 1), ([(B, T, F), (B, 5, T)], (1, 2)),
    ([(B, T, F), (B, F, 5)], (-1, -2)), ([(B, F), (B, T, F)], (1, 2)),
    ([(B, T, F), (B, F)], (2, 1)), ([(B, 2, 3, 4), (B, 4, 5, 2)], (3, 1)),
    ([(B, 2, 3, 4), (B, 4, 5, 2)], (1, 3)),
])
@pytest.mark.parametrize("normalize", [False, True])
def test_dot(shapes, axes, normalize):
    x, y = (normal(*s) for s in shapes)
    if normalize:
        x[0] = 0.0   # a zero vector: normalized by the epsilon, not NaN
    layer = fastrnn.Dot(axes=axes, normalize=normalize)
    got = layer([x, y])
    want = ref_dot(x, y, axes, normalize)
    assert got.dtype == np.float32 and got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    assert layer.compute_output_shape(shapes) == want.shape
    assert layer.compute_mask([x, y], [random_mask(*x.shape[:2])] * 2) is None


def test_dot_normalize_matches_keras_ops_normalize():
    x = np.array([[3.0, 4.0], [0.0, 0.0], [1e-9, 0.0]], np.float32)
    s = np.sum(np.square(x), axis=1, keepdims=True)
    with np.errstate(divide="ignore"):
        inv = np.minimum(np.float32(1) / np.sqrt(s), np.float32(1e7))
    want = np.sum((x * inv) * (x * inv), axis=1, keepdims=True)
    np.testing.assert_array_equal(fastrnn.Dot(axes=1, normalize=True)([x, x]), want)


def test_dot_errors():
    with pytest.raises(ValueError, match="'dotty'.*incompatible input shapes"):
        fastrnn.Dot(axes=-1, name="dotty")([normal(B, F), normal(B, F + 1)])
    with pytest.raises(ValueError, match="list of 2 inputs"):
        fastrnn.Dot(axes=1)([normal(B, F)] * 3)
    with pytest.raises(ValueError, match="axis 0"):
        fastrnn.Dot(axes=0)([normal(B, F), normal(B, F)])
    with pytest.raises(ValueError, match="two elements"):
        fastrnn.Dot(axes=(1, 2, 3))
    with pytest.raises(TypeError, match="list or an int"):
        fastrnn.Dot(axes="1")
    with pytest.raises(ValueError, match="incompatible input shapes"):
        fastrnn.Dot(axes=(1, 2))([fastrnn.Input(shape=(F,)), fastrnn.Input(shape=(T, F + 1))])


# ---------------------------------------------------------------- symbolic use and configs
def test_merges_in_a_functional_model():
    a_in, b_in = fastrnn.Input(shape=(T, F)), fastrnn.Input(shape=(T, F))
    joined = fastrnn.Concatenate()([a_in, b_in])
    summed = fastrnn.Add()([a_in, b_in])
    y = merging.concatenate([joined, fastrnn.Dense(2)(summed)], axis=-1)
    assert joined.shape == (None, T, 2 * F) and y.shape == (None, T, 2 * F + 2)
    model = fastrnn.Model([a_in, b_in], y)
    a, b = normal(5, T, F), normal(5, T, F)
    dense = model.layers[-2] if isinstance(model.layers[-2], fastrnn.Dense) else next(
        layer for layer in model.layers if isinstance(layer, fastrnn.Dense))
    got = model.predict([a, b])
    w, bias = dense.get_weights()
    want = np.concatenate([a, b, (a + b) @ w + bias], axis=-1)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)
    dot = merging.dot([a_in, b_in], axes=(1, 1))
    assert dot.shape == (None, F, F)
    np.testing.assert_allclose(fastrnn.Model([a_in, b_in], dot).predict([a, b]),
                               np.einsum("btf,btg->bfg", a, b), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("fn,cls", [(merging.add, "Add"), (merging.subtract, "Subtract"),
                                    (merging.multiply, "Multiply"), (merging.average, "Average"),
                                    (merging.maximum, "Maximum"), (merging.minimum, "Minimum")])
def test_functional_forms(fn, cls):
    xs = [normal(B, F), normal(B, F)]
    np.testing.assert_array_equal(fn(xs), ref_elementwise(cls, xs))
    assert fn([fastrnn.Input(shape=(F,))] * 2, name=f"fn_{cls}").shape == (None, F)


LAYERS = [
    fastrnn.Concatenate(axis=1), fastrnn.Add(), fastrnn.Subtract(), fastrnn.Multiply(),
    fastrnn.Average(), fastrnn.Maximum(), fastrnn.Minimum(),
    fastrnn.Dot(axes=(1, 2), normalize=True), fastrnn.Dot(axes=-1),
    fastrnn.RepeatVector(3), fastrnn.Permute((2, 1)), fastrnn.Cropping1D((0, 2)),
    fastrnn.ZeroPadding1D(3, data_format="channels_first"), fastrnn.UpSampling1D(4),
    fastrnn.BatchNormalization(axis=1, momentum=0.9, epsilon=0.01, center=False,
                               gamma_initializer="he_normal", renorm=True),
]


@pytest.mark.parametrize("layer", LAYERS, ids=lambda layer: type(layer).__name__)
def test_config_round_trip(layer):
    config = layer.get_config()
    clone = type(layer).from_config(config)
    assert clone.get_config() == config and clone == layer
    from fastrnn.io import keras_config
    assert keras_config.layer_from_config(
        {"class_name": type(layer).__name__, "config": config}) == layer


def test_keras_config_keys():
    assert fastrnn.Concatenate().get_config()["axis"] == -1
    assert fastrnn.Dot(axes=(1, 2)).get_config()["axes"] == (1, 2)
    assert fastrnn.Dot(axes=1).get_config()["normalize"] is False
    assert fastrnn.Permute([2, 1]).get_config()["dims"] == (2, 1)
    assert fastrnn.Cropping1D().get_config()["cropping"] == (1, 1)
    zp = fastrnn.ZeroPadding1D().get_config()
    assert (zp["padding"], zp["data_format"]) == ((1, 1), "channels_last")
    assert fastrnn.UpSampling1D().get_config()["size"] == 2
    bn = fastrnn.BatchNormalization().get_config()
    assert {k: bn[k] for k in ("axis", "momentum", "epsilon", "center", "scale", "synchronized",
                               "renorm", "renorm_clipping", "renorm_momentum")} == {
        "axis": -1, "momentum": 0.99, "epsilon": 0.001, "center": True, "scale": True,
        "synchronized": False, "renorm": False, "renorm_clipping": None,
        "renorm_momentum": 0.99}
    assert bn["gamma_initializer"]["class_name"] == "Ones"
    assert bn["moving_variance_initializer"]["class_name"] == "Ones"
    assert bn["beta_regularizer"] is None and bn["gamma_constraint"] is None
    assert set(fastrnn.Add().get_config()) == {"name", "trainable", "dtype"}


# ---------------------------------------------------------------- shape layers
SHAPE_CASES = [
    (lambda: fastrnn.RepeatVector(3), (B, F), lambda x: np.repeat(x[:, None], 3, axis=1)),
    (lambda: fastrnn.Permute((2, 1)), (B, T, F), lambda x: x.transpose(0, 2, 1)),
    (lambda: fastrnn.Permute((3, 1, 2)), (B, T, F, 2), lambda x: x.transpose(0, 3, 1, 2)),
    (lambda: fastrnn.Cropping1D(), (B, T, F), lambda x: x[:, 1:-1]),
    (lambda: fastrnn.Cropping1D((2, 0)), (B, T, F), lambda x: x[:, 2:]),
    (lambda: fastrnn.Cropping1D(1), (B, T, F), lambda x: x[:, 1:T - 1]),
    (lambda: fastrnn.ZeroPadding1D(), (B, T, F),
     lambda x: np.concatenate([np.zeros((B, 1, F)), x, np.zeros((B, 1, F))], axis=1)),
    (lambda: fastrnn.ZeroPadding1D((0, 2), data_format="channels_first"), (B, T, F),
     lambda x: np.concatenate([x, np.zeros((B, T, 2))], axis=2)),
    (lambda: fastrnn.UpSampling1D(), (B, T, F), lambda x: x[:, np.arange(2 * T) // 2]),
    (lambda: fastrnn.UpSampling1D(3), (B, T, F), lambda x: x[:, np.arange(3 * T) // 3]),
]


@pytest.mark.parametrize("make,shape,ref", SHAPE_CASES)
def test_shape_layers(make, shape, ref):
    x = normal(*shape)
    layer = make()
    got = layer(x)
    want = ref(x).astype(np.float32)
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, want)
    assert layer.compute_output_shape(shape) == want.shape
    assert layer.supports_masking is False
    ints = layer(np.arange(np.prod(shape)).reshape(shape))
    assert ints.dtype.kind == "i"
    np.testing.assert_array_equal(ints, ref(np.arange(np.prod(shape)).reshape(shape)))
    sym = layer(fastrnn.Input(shape=shape[1:]))
    assert sym.shape == (None,) + want.shape[1:]


@pytest.mark.parametrize("make,shape,ref", [c for c in SHAPE_CASES if len(c[1]) == 3])
def test_shape_layers_drop_the_mask(make, shape, ref):
    x = normal(*shape)
    x[0, 1] = 0.0
    out, mask = model_with_masks(make(), [x], (True,))
    np.testing.assert_array_equal(out, ref(zero_steps(x, np.any(x != 0, axis=-1))))
    assert mask is None


def test_shape_layers_unknown_steps():
    assert fastrnn.Cropping1D().compute_output_shape((None, None, F)) == (None, None, F)
    assert fastrnn.UpSampling1D().compute_output_shape((None, None, F)) == (None, None, F)
    assert fastrnn.ZeroPadding1D().compute_output_shape((None, None, F)) == (None, None, F)


def test_shape_layer_errors():
    with pytest.raises(ValueError, match="expected ndim=2, found ndim=3"):
        fastrnn.RepeatVector(2)(normal(B, T, F))
    with pytest.raises(ValueError, match="expected ndim=3, found ndim=2"):
        fastrnn.UpSampling1D()(normal(B, F))
    with pytest.raises(ValueError, match="expected ndim=3"):
        fastrnn.Permute((2, 1))(normal(B, T, F, 1))
    with pytest.raises(ValueError, match="smaller than the input length"):
        fastrnn.Cropping1D((2, 2))(normal(B, T, F))
    with pytest.raises(ValueError, match="smaller than the input length"):
        fastrnn.Cropping1D((2, 2))(fastrnn.Input(shape=(T, F)))
    with pytest.raises(ValueError, match="consecutive"):
        fastrnn.Permute((0, 1))
    with pytest.raises(TypeError, match="integer value for `n`"):
        fastrnn.RepeatVector(2.0)
    with pytest.raises(ValueError, match="positive integer"):
        fastrnn.UpSampling1D(0)
    with pytest.raises(ValueError, match="tuple of 2 integers"):
        fastrnn.ZeroPadding1D((1, 2, 3))
    with pytest.raises(ValueError, match="value >= 0"):
        fastrnn.Cropping1D(-1)
    with pytest.raises(ValueError, match="data_format"):
        fastrnn.ZeroPadding1D(data_format="channels_middle")


# ---------------------------------------------------------------- BatchNormalization
def tf_order(x, mean, var, gamma, beta, eps, axis):
    """tf.nn.batch_normalization's order: inv = rsqrt(var + eps) * gamma;
    x * inv + (beta - mean * inv), in float32."""
    shape = [1] * x.ndim
    shape[axis] = -1
    inv = np.float32(1) / np.sqrt(var + np.float32(eps))
    if gamma is not None:
        inv = inv * gamma
    shift = -mean * inv if beta is None else beta - mean * inv
    return x * inv.reshape(shape) + shift.reshape(shape)


@pytest.mark.parametrize("kwargs", [{}, {"axis": 1}, {"center": False}, {"scale": False},
                                    {"center": False, "scale": False, "epsilon": 0.1}])
def test_batch_normalization(kwargs):
    x = normal(B, T, F) * 3 + 1
    layer = fastrnn.BatchNormalization(**kwargs)
    axis = kwargs.get("axis", -1)
    n = x.shape[axis]
    names = ([["gamma"]] if kwargs.get("scale", True) else []) + \
        ([["beta"]] if kwargs.get("center", True) else [])
    weights = [RNG.uniform(0.2, 2.0, n).astype(np.float32) for _ in range(len(names) + 2)]
    layer.set_weights(weights)
    assert [w.shape for w in layer.get_weights()] == [(n,)] * (len(names) + 2)
    w = list(weights)
    gamma = w.pop(0) if kwargs.get("scale", True) else None
    beta = w.pop(0) if kwargs.get("center", True) else None
    mean, var = w
    eps = kwargs.get("epsilon", 1e-3)
    got = layer(x)
    np.testing.assert_array_equal(got, tf_order(x, mean, var, gamma, beta, eps, axis))
    # The textbook formula, in float64.
    shape = [1] * 3
    shape[axis] = -1
    textbook = (x - mean.reshape(shape)) / np.sqrt(var.reshape(shape).astype(np.float64) + eps)
    textbook = textbook * (1 if gamma is None else gamma.reshape(shape)) + (
        0 if beta is None else beta.reshape(shape))
    np.testing.assert_allclose(got, textbook, rtol=1e-5, atol=1e-5)


def test_batch_normalization_weights_and_build():
    layer = fastrnn.BatchNormalization()
    assert not layer.built and layer.get_weights() == []
    layer.build((None, T, 5))
    gamma, beta, mean, var = layer.get_weights()
    assert [w.tolist() for w in (gamma, beta, mean, var)] == [[1.0] * 5, [0.0] * 5,
                                                              [0.0] * 5, [1.0] * 5]
    assert layer.count_params() == 20
    renorm = fastrnn.BatchNormalization(renorm=True)
    renorm.build((None, 5))
    assert len(renorm.get_weights()) == 7
    np.testing.assert_array_equal(renorm.get_weights()[4], np.ones(5))   # moving_stddev
    with pytest.raises(ValueError, match="expected 4 weights"):
        fastrnn.BatchNormalization().set_weights([np.ones(3)] * 3)
    with pytest.raises(ValueError, match="incompatible"):
        layer(normal(B, T, 4))
    sym = fastrnn.BatchNormalization(axis=1)(fastrnn.Input(shape=(T, None)))
    assert sym.shape == (None, T, None)


def test_batch_normalization_mask_and_training():
    x = normal(B, T, F)
    x[1, 2] = 0.0
    layer = fastrnn.BatchNormalization()
    layer.build(x.shape)
    out, mask = model_with_masks(layer, [x], (True,))
    np.testing.assert_array_equal(mask, np.any(x != 0, axis=-1))
    np.testing.assert_array_equal(out, layer(zero_steps(x, mask)))
    with pytest.raises(ValueError, match="one dimension less"):
        layer(x, mask=np.ones((B, T, F), bool))
    with pytest.raises(ValueError, match="inference only"):
        layer(x, training=True)
    assert layer.supports_masking


def test_new_layers_are_exported():
    for name in ["Concatenate", "Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum",
                 "Dot", "RepeatVector", "Permute", "Cropping1D", "ZeroPadding1D",
                 "UpSampling1D", "BatchNormalization"]:
        assert name in fastrnn.__all__ and issubclass(getattr(fastrnn, name), fastrnn.Layer)
