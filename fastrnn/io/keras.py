"""Read Keras model files into ``fastrnn.Sequential``, without TensorFlow or Keras.

Two formats:

- Keras 3 ``.keras``: a zip of ``config.json``, ``metadata.json`` and
  ``model.weights.h5``. In the weights file each layer's group is keyed by its
  *class* in snake_case, numbered on repeats in the order of ``model.layers``
  (``layers/dense``, ``layers/dense_1``, ...), not by the layer's name; a
  layer's own variables are ``vars/0``, ``vars/1``, ... and those of its
  sub-layers sit under the attribute name (``cell/vars`` for an RNN,
  ``forward_layer/cell/vars`` and ``backward_layer/cell/vars`` for
  Bidirectional, ``layer/vars`` for TimeDistributed).
- Legacy HDF5 ``.h5`` (Keras 2 style, also written by Keras 3): the JSON
  config in the ``model_config`` attribute, the weights under
  ``model_weights/<layer name>``, their order given by that group's
  ``weight_names`` attribute (never h5py's alphabetical order).

Functional configs list the mask operations that Keras records for Masking
and Embedding(mask_zero=True) (``NotEqual``, ``Any``) and pass their results
as ``mask=`` to later layers. The loader checks that every such explicit mask
is exactly the one Keras's mask propagation gives in a Sequential stack, so
the fastrnn model (which propagates masks itself) computes the same thing.

Examples
--------
>>> from fastrnn.io import keras
>>> "Bidirectional" in keras.SUPPORTED_LAYERS, "Conv1D" in keras.SUPPORTED_LAYERS
(True, False)
"""
import io
import math
import numbers
import os
import warnings

from .. import core_layers
from .. import layers as _layers
from ..bidirectional import Bidirectional
from ..layers import GRU, LSTM, SimpleRNN, TooLargeError
from ..models import Sequential, _model_weight_shapes
from . import _safe

__all__ = ["load_keras_model", "SUPPORTED_LAYERS", "UnsupportedLayerError", "require_h5py"]

SUPPORTED_LAYERS = ("InputLayer", "Masking", "Embedding", "SimpleRNN", "LSTM", "GRU",
                    "Bidirectional", "Dense", "TimeDistributed", "Dropout",
                    "SpatialDropout1D", "Activation", "Flatten", "Reshape")
_RNN_CLASSES = {"SimpleRNN": SimpleRNN, "LSTM": LSTM, "GRU": GRU}
_PASS_MASK = {"Dense", "Dropout", "SpatialDropout1D", "Activation", "TimeDistributed"}
_DROP_MASK = {"InputLayer", "Flatten", "Reshape"}
# Config keys that only describe how Keras builds or trains a layer.
_BUILD_KEYS = {"batch_input_shape", "input_shape", "batch_size", "build_config",
               "input_length"}


def require_h5py():
    """Return the ``h5py`` module, which reading Keras files needs.

    Returns
    -------
    module
        ``h5py``.

    Raises
    ------
    ImportError
        Naming the ``fastrnn[keras]`` extra, when h5py is not installed.

    Examples
    --------
    >>> from fastrnn.io.keras import require_h5py
    >>> try:
    ...     found = require_h5py().__name__ == "h5py"
    ... except ImportError as e:      # without the extra
    ...     found = "pip install 'fastrnn[keras]'" in str(e)
    >>> found
    True
    """
    try:
        import h5py
    except ImportError:
        raise ImportError(
            "Reading Keras model files (.keras, .h5) needs h5py, which fastrnn installs "
            "with its 'keras' extra: pip install 'fastrnn[keras]'") from None
    return h5py


class UnsupportedLayerError(NotImplementedError, ValueError):
    """A layer, layer setting or model structure fastrnn cannot run; the message names it.

    Raised by ``fastrnn.load_model`` for a Keras model containing such a
    layer: nothing is skipped silently. A ``NotImplementedError``, and a
    ``ValueError`` like every other refusal of a model file.

    Parameters
    ----------
    *args
        The message, as for any exception.

    Examples
    --------
    >>> from fastrnn.io.keras import UnsupportedLayerError
    >>> issubclass(UnsupportedLayerError, NotImplementedError)
    True
    >>> issubclass(UnsupportedLayerError, ValueError)
    True
    """


def _unsupported(class_name, name, why=None):
    msg = f"fastrnn cannot load layer {name!r} of class {class_name}"
    if why:
        msg += f": {why}"
    else:
        msg += (f". Supported layers: {', '.join(SUPPORTED_LAYERS)} "
                "(plus the mask operations Keras records for them)")
    return UnsupportedLayerError(msg)


# --------------------------------------------------------------------------- files
def load_keras_model(path, kind):
    """Load ``path`` (kind "keras" for a .keras zip, "h5" for legacy HDF5).

    The Keras part of ``fastrnn.load_model``, which recognises the kind from
    the file's content; call that instead.

    Parameters
    ----------
    path : str
        The Keras model file.
    kind : {"keras", "h5"}
        "keras" for a Keras 3 ``.keras`` zip, "h5" for a legacy HDF5 file.

    Returns
    -------
    fastrnn.Sequential

    Raises
    ------
    UnsupportedLayerError
        Naming a layer fastrnn does not support.
    ValueError
        For a corrupt, truncated or non-model file.
    ImportError
        When h5py is not installed.

    Examples
    --------
    >>> from fastrnn.io.keras import load_keras_model
    >>> model = load_keras_model("sentiment.keras", "keras")   # doctest: +SKIP
    """
    h5py = require_h5py()
    try:
        if kind == "keras":
            return _load_keras_zip(path, h5py)
        return _load_legacy_h5(path, h5py)
    except ValueError as e:  # every refusal names the file, then the member
        keep = isinstance(e, (TooLargeError, UnsupportedLayerError))
        raise (type(e) if keep else ValueError)(f"{path!r}: {e}") from None


# Refusals that keep their class when named after their member.
_KEEP = (UnsupportedLayerError,)


def _load_keras_zip(path, h5py):
    # The members are read in this order, each checked before it is read: the JSON
    # members against a fixed cap, the weights against what the config implies.
    with _safe.member("the .keras file"):
        zf = _safe.open_zip(path)
    with zf:
        names = set(zf.namelist())
        if "config.json" not in names:
            raise ValueError("a zip archive without config.json: not a Keras .keras model")
        metadata = {}
        if "metadata.json" in names:
            with _safe.member("metadata.json"):
                metadata = _safe.parse_json(_safe.read_member(zf, "metadata.json",
                                                              _safe.MAX_JSON_BYTES))
                if not isinstance(metadata, dict):
                    raise ValueError(f"is not a JSON object (it holds a "
                                     f"{type(metadata).__name__})")
        with _safe.member("config.json", keep=_KEEP):
            config = _safe.parse_json(_safe.read_member(zf, "config.json",
                                                        _safe.MAX_JSON_BYTES))
            chain, model = _from_config(config, str(metadata.get("keras_version", "3")))
            shapes = _shapes_by_name(model)
        if "model.weights.h5" not in names:
            if "model.weights.json" in names:
                raise UnsupportedLayerError(
                    "it stores sharded weights (model.weights.json); fastrnn reads only "
                    "single-file weights (model.weights.h5)")
            raise ValueError("it has no model.weights.h5")
        with _safe.member("model.weights.h5", keep=_KEEP):
            data = _safe.read_member(zf, "model.weights.h5", _weights_cap(shapes))
    with _safe.member("model.weights.h5", keep=_KEEP):
        try:
            f = h5py.File(io.BytesIO(data), "r")
        except OSError as e:
            raise ValueError(f"is not a readable HDF5 file: {e}") from None
        with f:
            _safe.check_links(f)
            _Keras3Weights(f, shapes, len(data)).load(model, chain,
                                                      _model_class(config) == "Sequential")
    return model


def _weights_cap(shapes):
    """The most bytes model.weights.h5 may hold: 32 per weight value the config implies
    (float64 weights and up to three optimizer slots of each), plus 1 MiB and 256 KiB
    per layer of HDF5 structure. Unbounded (MAX_BYTES) when the config leaves a size
    open; each dataset is still checked."""
    values = 0
    for layer_shapes in shapes.values():
        for shape in layer_shapes:
            if None in shape:
                return _layers.MAX_BYTES
            values += math.prod(shape)
    return 32 * values + 2**20 + 2**18 * len(shapes)


def _load_legacy_h5(path, h5py):
    try:
        f = h5py.File(path, "r")
    except OSError as e:
        raise ValueError(f"is a corrupt or truncated HDF5 file: {e}") from None
    with f:
        with _safe.member("the HDF5 file"):
            _safe.check_links(f)   # before any lookup: a lookup follows links
            has_weights = "model_weights" in f
            raw_file = _safe.RawFile(f)
        with _safe.member("keras_version"):
            version = _safe.read_attr(f, "keras_version", raw_file)
        with _safe.member("model_config", keep=_KEEP):
            raw = _safe.read_attr(f, "model_config", raw_file)
            if raw is None:
                raise ValueError(
                    "is missing: an HDF5 file without a 'model_config' attribute is not a "
                    "Keras model (a weights-only file from save_weights has no architecture)")
            if not isinstance(raw, str):
                raise ValueError(f"is not JSON text (it holds {type(raw).__name__})")
            config = _safe.parse_json(raw)
            chain, model = _from_config(config, version if isinstance(version, str) else "")
            shapes = _shapes_by_name(model)
        if not has_weights:
            raise ValueError("it has a model config but no 'model_weights' group")
        with _safe.member("model_weights", keep=_KEEP):
            _LegacyH5Weights(f["model_weights"], shapes, os.path.getsize(path), raw_file).load(
                model, chain, _model_class(config) == "Sequential")
    return model


def _from_config(config, keras_version):
    """(chain, model) from a model config; the errors of a malformed config are
    ValueErrors (the caller names the member)."""
    try:
        chain = _parse_model(config)
        return chain, _to_sequential(config, chain, keras_version)
    except (KeyError, TypeError, IndexError, AttributeError) as e:
        raise ValueError(f"is not a valid Keras model config "
                         f"({type(e).__name__}: {e})") from None
    except RecursionError:
        raise ValueError("is not a valid Keras model config (its layers refer to each "
                         "other too deeply)") from None


def _shapes_by_name(model):
    """{layer name: the shapes of its weights the config implies (None: open)}."""
    return {layer.name: shapes
            for layer, shapes in zip(model._layers, _model_weight_shapes(model))}


# --------------------------------------------------------------------------- config
class _Entry:
    """One layer of the chain: its Keras class, name, config and mask kwarg."""

    def __init__(self, class_name, name, config, mask=None):
        self.class_name = class_name
        self.name = name
        self.config = config
        self.mask = mask          # symbolic explicit mask (functional configs) or None


def _model_class(config):
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError("the model config has no class_name: not a Keras model")
    return config["class_name"]


def _parse_model(config):
    cls = _model_class(config)
    inner = config.get("config", {})
    if cls == "Sequential":
        layers = inner["layers"] if isinstance(inner, dict) else inner  # Keras 2.0: a list
        return [_Entry(e["class_name"], e["config"].get("name", "?"), e["config"])
                for e in layers]
    if cls in ("Functional", "Model"):
        return _parse_functional(inner)
    raise UnsupportedLayerError(
        f"fastrnn loads keras.Sequential and functional models, not a {cls!r} model "
        "(subclassed models have no loadable architecture)")


def _single_ref(refs, what):
    # input_layers / output_layers: [name, node, tensor] or [[name, node, tensor], ...]
    if isinstance(refs, dict):
        refs = list(refs.values())
    if refs and isinstance(refs[0], str):
        refs = [refs]
    if len(refs) != 1:
        raise UnsupportedLayerError(
            f"fastrnn loads models with one input and one output; this model has "
            f"{len(refs)} {what}s")
    return refs[0]


def _tensor_ref(obj):
    """(layer name, tensor index) of a serialized Keras tensor, else None."""
    if isinstance(obj, dict) and obj.get("class_name") == "__keras_tensor__":
        history = obj["config"]["keras_history"]
        return history[0], history[2]
    return None


def _parse_functional(inner):
    entries = {e["name"]: e for e in inner["layers"]}
    in_name = _single_ref(inner["input_layers"], "input")[0]
    out_ref = _single_ref(inner["output_layers"], "output")

    def node_of(entry):
        nodes = entry.get("inbound_nodes") or []
        if len(nodes) > 1:
            raise UnsupportedLayerError(
                f"layer {entry['name']!r} ({entry['class_name']}) is called "
                f"{len(nodes)} times; fastrnn loads only a linear chain of layers")
        return nodes[0] if nodes else None

    def parse_node(entry):
        """(positional args, kwargs) with tensors as ("ref", name, index)."""
        node = node_of(entry)
        if node is None:
            return [], {}
        if isinstance(node, list):  # Keras 2: [[name, node_index, tensor_index, kwargs], ...]
            args = [("ref", item[0], item[2]) for item in node]
            kwargs = dict(node[0][3]) if node and len(node[0]) > 3 and node[0][3] else {}
            return args, kwargs

        def conv(v):
            ref = _tensor_ref(v)
            if ref is not None:
                return ("ref",) + tuple(ref)
            if isinstance(v, list):
                return [conv(i) for i in v]
            if isinstance(v, dict):
                return {k: conv(i) for k, i in v.items()}
            return v
        return [conv(a) for a in node.get("args", [])], \
            {k: conv(v) for k, v in node.get("kwargs", {}).items()}

    def is_op(entry):
        return str(entry.get("module", "")).startswith("keras.src.ops") or \
            entry.get("class_name") in _MASK_OPS

    # Walk the data path back from the output.
    chain, used = [], set()
    ref = ("ref", out_ref[0], out_ref[2])
    while True:
        name, index = ref[1], ref[2]
        entry = entries.get(name)
        if entry is None:
            raise ValueError(f"the config refers to an unknown layer {name!r}")
        if index != 0:
            raise UnsupportedLayerError(
                f"the model uses output {index} of layer {name!r} ({entry['class_name']}); "
                "fastrnn loads a chain where each layer feeds the next its only output")
        if is_op(entry):
            raise _unsupported(entry["class_name"], name,
                               "operations on the data path are not supported (only the "
                               "mask operations Keras records for masking layers)")
        if name in used:  # (the walk would never end)
            raise ValueError(f"the layer graph has a cycle: layer {name!r} feeds itself")
        used.add(name)
        args, kwargs = parse_node(entry)
        chain.append((entry, args, kwargs))
        if entry["class_name"] == "InputLayer" or not args:
            break
        tensor_args = [a for a in args if isinstance(a, tuple) and a[0] == "ref"]
        if len(args) != 1 or len(tensor_args) != 1:
            raise UnsupportedLayerError(
                f"layer {name!r} ({entry['class_name']}) takes {len(args)} inputs; fastrnn "
                "loads a linear chain where each layer takes one input")
        ref = tensor_args[0]
    chain.reverse()
    if chain[0][0]["name"] != in_name:
        raise UnsupportedLayerError("the model's output does not depend on its input "
                                    "through a single chain of layers")

    # Explicit masks: symbolic expressions over mask ops and chain tensors. Each op is
    # expanded once (memo); a cycle, or an expression of more than _MAX_MASK_TERMS terms
    # once written out (ops can share inputs: 40 ops can stand for 2**40 terms), is refused.
    memo, active = {}, set()

    def expr(v):
        if isinstance(v, tuple) and v and v[0] == "ref":
            name = v[1]
            if name in used:
                return ("tensor", name, v[2]), 1
            if name in memo:
                return memo[name]
            if name in active:
                raise ValueError(f"the mask operations have a cycle through {name!r}")
            entry = entries.get(name)
            if entry is None:
                raise ValueError(f"the config refers to an unknown layer {name!r}")
            if not is_op(entry):
                raise UnsupportedLayerError(
                    f"a mask comes from layer {name!r} ({entry['class_name']}), which is "
                    "not on the model's chain of layers")
            mask_ops.add(name)
            active.add(name)
            args, kwargs = parse_node(entry)
            conf = {k: _norm(c) for k, c in entry.get("config", {}).items() if k != "name"}
            terms = 1
            for k, c in kwargs.items():
                value, n = expr(c)
                conf[k] = _norm(value)
                terms += n
            parts = []
            for a in args:
                value, n = expr(a)
                parts.append(_norm(value))
                terms += n
            if terms > _MAX_MASK_TERMS:
                raise UnsupportedLayerError(
                    f"the mask computed by {name!r} has more than {_MAX_MASK_TERMS} terms; "
                    "fastrnn supports only Keras's own mask propagation")
            active.discard(name)
            memo[name] = (entry["class_name"], tuple(parts), tuple(sorted(conf.items()))), \
                terms
            return memo[name]
        if isinstance(v, list):
            values = [expr(i) for i in v]
            return tuple(x for x, _ in values), 1 + sum(n for _, n in values)
        return v, 1

    mask_ops = set()
    result = []
    for entry, _args, kwargs in chain:
        explicit = None
        for key, value in kwargs.items():
            if key == "mask":
                explicit = None if value is None else expr(value)[0]
            elif key == "training":
                continue
            elif value is not None:
                raise UnsupportedLayerError(
                    f"layer {entry['name']!r} ({entry['class_name']}) is called with "
                    f"{key}=...; fastrnn loads layers called on their input alone")
        if entry["class_name"] in ("Sequential", "Functional", "Model"):
            raise _unsupported(entry["class_name"], entry["name"],
                               "nested models are not supported; flatten them into one model")
        result.append(_Entry(entry["class_name"], entry["name"], entry["config"], explicit))
    left = set(entries) - used - mask_ops
    if left:
        extra = sorted(left)[0]
        raise UnsupportedLayerError(
            f"layer {extra!r} ({entries[extra]['class_name']}) is not on the chain from the "
            "model's input to its output; fastrnn loads only a linear chain of layers")
    return result


_MAX_MASK_TERMS = 1000
_MASK_OPS = {"NotEqual", "Equal", "Any", "All", "LogicalAnd", "LogicalOr", "LogicalNot",
             "Squeeze", "ExpandDims", "Cast"}


def _norm(v):
    """Numbers compare by value (0 == 0.0); lists become tuples (hashable, comparable)."""
    if isinstance(v, bool):
        return v
    if isinstance(v, numbers.Real):
        return float(v)
    if isinstance(v, list):
        return tuple(_norm(i) for i in v)
    if isinstance(v, dict):
        return tuple(sorted((k, _norm(i)) for k, i in v.items()))
    return v


def _expected_mask(entry, input_name, mask):
    """The symbolic mask Keras propagates past ``entry`` (given the incoming ``mask``)."""
    cls, config = entry.class_name, entry.config
    if cls == "Masking":
        value = _norm(config.get("mask_value", 0.0))
        not_equal = ("NotEqual", (("tensor", input_name, 0), value), ())
        return ("Any", (not_equal,), (("axis", -1.0), ("keepdims", False)))
    if cls == "Embedding":
        if not config.get("mask_zero", False):
            return None
        return ("NotEqual", (("tensor", input_name, 0), 0.0), ())
    if cls in _RNN_CLASSES or cls == "Bidirectional":
        inner = config.get("layer", {}).get("config", {}) if cls == "Bidirectional" else config
        return mask if inner.get("return_sequences", False) else None
    if cls in _PASS_MASK:
        return mask
    return None


# --------------------------------------------------------------------------- layers
def _dtype_name(config, class_name, name):
    dtype = config.get("dtype")
    if isinstance(dtype, dict):
        dtype = dtype.get("config", {}).get("name")
    if dtype is None:
        return None
    if dtype not in ("float32", "float64"):
        raise _unsupported(class_name, name,
                           f"dtype policy {dtype!r} (fastrnn computes in float32 or float64)")
    return dtype


def _clean(config, class_name, name):
    config = {k: v for k, v in config.items() if k not in _BUILD_KEYS}
    if "dtype" in config:
        config["dtype"] = _dtype_name(config, class_name, name)
    for key in [k for k in config if k.endswith("_initializer")]:
        try:
            core_layers.get_initializer(config[key])
        except (ValueError, TypeError, KeyError):
            del config[key]  # a custom initializer: irrelevant once weights are loaded
    return config


def _rnn_from_config(class_name, config, name):
    config = _clean(config, class_name, name)
    if config.pop("time_major", False):
        raise _unsupported(class_name, name, "time_major=True is not supported")
    if config.get("return_state"):
        raise _unsupported(class_name, name,
                           "return_state=True: the model must be a chain of single outputs")
    for key in ("activation", "recurrent_activation"):
        if isinstance(config.get(key), dict):
            raise _unsupported(class_name, name, f"custom {key} {config[key]!r}")
    return _RNN_CLASSES[class_name](**config)


def _make_layer(entry):
    cls, name = entry.class_name, entry.name
    config = dict(entry.config)
    try:
        if cls == "InputLayer":
            config = {k: v for k, v in config.items()
                      if k in ("batch_shape", "batch_input_shape", "dtype", "name", "sparse",
                               "ragged", "optional")}
            if isinstance(config.get("dtype"), dict):
                config["dtype"] = config["dtype"].get("config", {}).get("name")
            return core_layers.InputLayer(**config)
        if cls in _RNN_CLASSES:
            return _rnn_from_config(cls, config, name)
        if cls == "Bidirectional":
            if config.get("merge_mode", "concat") is None:
                raise _unsupported(cls, name, "merge_mode=None returns two outputs; fastrnn "
                                              "loads a chain of single outputs")
            inner = config.get("layer", {})
            if inner.get("class_name") not in _RNN_CLASSES:
                raise _unsupported(inner.get("class_name"), f"{name}/layer")
            layer = _rnn_from_config(inner["class_name"], inner["config"], name)
            backward = config.get("backward_layer")
            if backward is not None:
                if backward.get("class_name") not in _RNN_CLASSES:
                    raise _unsupported(backward.get("class_name"), f"{name}/backward_layer")
                backward = _rnn_from_config(backward["class_name"], backward["config"], name)
            return Bidirectional(layer, merge_mode=config.get("merge_mode", "concat"),
                                 backward_layer=backward,
                                 dtype=_dtype_name(config, cls, name), name=name)
        if cls == "TimeDistributed":
            inner = config.pop("layer")
            inner_layer = _make_layer(_Entry(inner["class_name"],
                                             inner["config"].get("name", name),
                                             inner["config"]))
            if type(inner_layer).__name__ not in core_layers._TIME_DISTRIBUTABLE:
                raise _unsupported("TimeDistributed", name,
                                   f"it wraps a {inner['class_name']} layer")
            config = _clean(config, cls, name)
            return core_layers.TimeDistributed(inner_layer, **config)
        if cls in ("Dense", "Embedding", "Masking", "Dropout", "SpatialDropout1D",
                   "Activation", "Flatten", "Reshape"):
            config = _clean(config, cls, name)
            if cls in ("Dense", "Embedding"):
                if config.get("lora_rank"):
                    raise _unsupported(cls, name, "LoRA weights are not supported")
                if config.pop("quantization_config", None) is not None:
                    raise _unsupported(cls, name, "quantized weights are not supported")
                config.pop("lora_alpha", None)
                config.pop("lora_rank", None)
            if isinstance(config.get("activation"), dict):
                raise _unsupported(cls, name, f"custom activation {config['activation']!r}")
            if cls == "Masking" and isinstance(config.get("mask_value"), dict):
                raise _unsupported(cls, name, "a tensor mask_value is not supported")
            return getattr(core_layers, cls)(**config)
    except UnsupportedLayerError:
        raise
    except ValueError as e:
        if "Unknown activation" in str(e):
            raise _unsupported(cls, name, str(e)) from None
        error = TooLargeError if isinstance(e, TooLargeError) else ValueError
        raise error(f"cannot rebuild layer {name!r} ({cls}) from its config: {e}") from None
    raise _unsupported(cls, name)


def _to_sequential(config, chain, keras_version):
    inner = config.get("config", {})
    name = inner.get("name") if isinstance(inner, dict) else None
    layers, mask, prev = [], None, None
    for i, entry in enumerate(chain):
        if entry.class_name not in SUPPORTED_LAYERS:
            raise _unsupported(entry.class_name, entry.name)
        if i == 0 and entry.class_name != "InputLayer":
            shape = entry.config.get("batch_input_shape") or entry.config.get("batch_shape")
            if shape is not None:  # Keras 2 Sequential: the first layer carries the input
                layers.append(core_layers.InputLayer(batch_shape=shape,
                                                     dtype=entry.config.get("dtype")
                                                     if entry.class_name != "Embedding"
                                                     else "float32"))
        if entry.mask is not None and entry.mask != mask:
            raise UnsupportedLayerError(
                f"layer {entry.name!r} ({entry.class_name}) is called with an explicit mask "
                f"that is not the one Keras propagates to it ({entry.mask!r} instead of "
                f"{mask!r}); fastrnn supports only Keras's own mask propagation")
        layers.append(_make_layer(entry))
        mask = _expected_mask(entry, prev, mask) if entry.class_name != "InputLayer" else None
        prev = entry.name
    if keras_version.startswith(("1.", "2.")):
        _warn_keras2_hard_sigmoid(layers)
    build_shape = inner.get("build_input_shape") if isinstance(inner, dict) else None
    model = Sequential(layers, name=name,
                       build_input_shape=build_shape if not layers or not isinstance(
                           layers[0], core_layers.InputLayer) else None)
    return model


def _warn_keras2_hard_sigmoid(layers):
    def rnns(layer):
        if isinstance(layer, Bidirectional):
            return [layer.forward_layer, layer.backward_layer]
        return [layer]
    for layer in layers:
        for sub in rnns(layer):
            acts = [getattr(sub, "activation", None), getattr(sub, "recurrent_activation", None)]
            if "hard_sigmoid" in acts:
                warnings.warn(
                    f"layer {layer.name!r} uses hard_sigmoid, saved by Keras 2: fastrnn computes "
                    "Keras 3's hard_sigmoid (relu6(x + 3) / 6), as Keras 3 does when it loads "
                    "this file; Keras 2 computed clip(0.2 x + 0.5, 0, 1)", stacklevel=4)


# --------------------------------------------------------------------------- weights
# Both readers check, before reading a dataset, that the file holds exactly the arrays
# the config implies, each of the implied shape (_safe.read_dataset); links were checked
# when the file was opened (_safe.check_links).
_WEIGHTED = (SimpleRNN, LSTM, GRU, Bidirectional)


def _has_weights(layer):
    return isinstance(layer, _WEIGHTED) or getattr(layer, "has_weights", False)


def _numbered(group, where, shapes, file_size):
    """Datasets ``0``, ``1``, ... of an h5 group, in numeric order, of ``shapes``."""
    keys = [] if group is None else list(group.keys())
    try:
        order = sorted(keys, key=int)
    except ValueError:
        raise ValueError(f"unexpected entries {keys} in weights group {where!r}") from None
    if [int(k) for k in order] != list(range(len(order))):
        raise ValueError(f"weights group {where!r} has entries {order}, expected 0..n-1")
    if len(order) != len(shapes):
        raise ValueError(f"weights group {where!r} holds {len(order)} arrays, the model "
                         f"config implies {len(shapes)}")
    return [_safe.read_dataset(group[k], f"{where}/{k}", shape, file_size)
            for k, shape in zip(order, shapes)]


def _count_datasets(group):
    import h5py

    n = []
    group.visititems(lambda _name, obj: n.append(1) if isinstance(obj, h5py.Dataset) else None)
    return len(n)


def _set(layer, arrays, where):
    try:
        layer.set_weights(arrays)
    except ValueError as e:
        raise ValueError(f"weights of layer {layer.name!r} ({where}) do not fit: {e}") from None


class _Keras3Weights:
    def __init__(self, f, shapes, file_size):
        self.f = f
        self.shapes = shapes          # {layer name: expected weight shapes}
        self.file_size = file_size

    def _group(self, path):
        return self.f[path] if path in self.f else None

    def load(self, model, chain, sequential):
        import h5py

        root = self._group("layers")
        # Keras's order of model.layers: all layers of a functional model (InputLayer
        # included), a Sequential's layers without its InputLayer.
        keras_layers = [e for e in chain if not (e.class_name == "InputLayer" and sequential)]
        fast = {layer.name: layer for layer in model._layers}
        used, taken = {}, set()
        for entry in keras_layers:
            base = _snake(entry.class_name)
            if base in used:
                used[base] += 1
                key = f"{base}_{used[base]}"
            else:
                used[base] = 0
                key = base
            path = f"layers/{key}"
            group = self.f.get(path) if root is not None else None
            layer = fast.get(entry.name)
            if layer is None:  # the InputLayer made for a Keras 2 Sequential
                continue
            taken.add(key)
            if group is not None and not isinstance(group, h5py.Group):
                raise ValueError(f"{path} is not a group")
            shapes = self.shapes[entry.name]
            if group is None or not shapes:
                n_stored = 0 if group is None else _count_datasets(group)
                if n_stored:
                    raise ValueError(f"weights group {path!r} holds {n_stored} arrays but "
                                     f"layer {entry.name!r} ({entry.class_name}) has none")
                if shapes or _has_weights(layer):
                    raise ValueError(f"no weights for layer {entry.name!r} "
                                     f"({entry.class_name}) at {path!r}")
                continue
            parts = self._parts(entry, layer, shapes)
            n_stored = _count_datasets(group)
            if n_stored != len(shapes):
                raise ValueError(
                    f"weights group {path!r} holds {n_stored} arrays but layer "
                    f"{entry.name!r} ({entry.class_name}) reads {len(shapes)}")
            arrays = []
            for sub, sub_shapes in parts:
                arrays += _numbered(group.get(sub), f"{path}/{sub}", sub_shapes,
                                    self.file_size)
            _set(layer, arrays, path)
        if root is not None:
            for key in root.keys():
                if key not in taken and isinstance(root[key], h5py.Group) \
                        and _count_datasets(root[key]):
                    raise ValueError(f"weights group 'layers/{key}' belongs to no layer of "
                                     "the model config")

    @staticmethod
    def _parts(entry, layer, shapes):
        """[(subgroup, its shapes)]: where Keras keeps the layer's variables."""
        cls = entry.class_name
        if cls in _RNN_CLASSES:
            return [("cell/vars", shapes)]
        if cls == "Bidirectional":
            n = len(layer.forward_layer._weight_shapes(0))
            return [("forward_layer/cell/vars", shapes[:n]),
                    ("backward_layer/cell/vars", shapes[n:])]
        if cls == "TimeDistributed":
            return [("layer/vars", shapes)]
        return [("vars", shapes)]


def _snake(name):
    import re

    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def _names(value):
    """A names attribute (layer_names, weight_names) as a list of str (None if absent)."""
    if value is None or isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    if isinstance(value, str):
        return [value]
    if getattr(value, "size", None) == 0:  # (Keras writes an empty float array for none)
        return []
    raise ValueError(f"holds {getattr(value, 'dtype', type(value).__name__)} values, "
                     "not names")


class _LegacyH5Weights:
    def __init__(self, group, shapes, file_size, raw_file):
        self.group = group
        self.shapes = shapes          # {layer name: expected weight shapes}
        self.file_size = file_size
        self.raw_file = raw_file      # for the attributes' string checks

    def load(self, model, chain, sequential):
        import h5py

        with _safe.member("model_weights/layer_names"):
            saved = _names(_safe.read_attr(self.group, "layer_names", self.raw_file))
        if saved is None:
            saved = list(self.group.keys())
        fast = {layer.name: layer for layer in model._layers}
        for entry in chain:
            layer = fast.get(entry.name)
            if layer is None:
                continue
            where = f"model_weights/{entry.name}"
            shapes = self.shapes[entry.name]
            if entry.name not in self.group:
                if shapes or _has_weights(layer):
                    raise ValueError(f"no weights for layer {entry.name!r} in model_weights")
                continue
            g = self.group[entry.name]
            if not isinstance(g, h5py.Group):
                raise ValueError(f"{where} is not a group")
            with _safe.member(f"{where}/weight_names"):
                wnames = _names(_safe.read_attr(g, "weight_names", self.raw_file)) or []
            if not wnames and not shapes:
                if _has_weights(layer):
                    raise ValueError(f"no weights for layer {entry.name!r} in model_weights")
                continue
            if len(wnames) != len(shapes):
                raise ValueError(f"{where} lists {len(wnames)} weights; layer {entry.name!r} "
                                 f"({entry.class_name}) takes {len(shapes)}")
            arrays = []
            for wname, shape in zip(wnames, shapes):
                if wname not in g:
                    raise ValueError(f"{where}/{wname} is missing (a weight of layer "
                                     f"{entry.name!r})")
                arrays.append(_safe.read_dataset(g[wname], f"{where}/{wname}", shape,
                                                 self.file_size))
            _set(layer, arrays, where)
        chain_names = {e.name for e in chain}
        for n in saved:
            if n not in chain_names and n != "top_level_model_weights" and n in self.group \
                    and _count_datasets(self.group[n]):
                raise ValueError(f"model_weights/{n} belongs to no layer of the model config")
