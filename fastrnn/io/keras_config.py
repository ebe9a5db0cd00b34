"""Keras 3 model configs in and out: layers from their config dicts, functional
graphs rebuilt by calling the layers on symbolic tensors (as
keras/src/models/functional.py ``functional_from_config`` does), and the
configs fastrnn writes for Keras to read.

Nothing named by a config is imported or executed: a class name maps to a
fastrnn class (or to one the caller gave in ``custom_objects``), or the load
stops with UnsupportedLayerError naming it.
"""
from __future__ import annotations

import importlib
from typing import Any

from .. import _validate, core_layers, graph
from ..graph import KerasTensor
from ..layer import Layer
from . import keras_ops

__all__ = ["model_from_config", "layer_from_config", "functional_config", "serialize",
           "UnsupportedLayerError", "supported_layers"]

# Modules whose public Layer classes a Keras config may name.
_LAYER_MODULES = ("core_layers", "layers", "bidirectional", "merging", "reshaping",
                  "normalization", "cells", "rnn", "pooling", "activation_layers",
                  "convolutional", "conv_lstm")
# Config keys that only describe how Keras builds or trains a layer.
_BUILD_KEYS = {"batch_input_shape", "input_shape", "batch_size", "build_config",
               "input_length", "compile_config"}
_MODELS = ("Sequential", "Functional", "Model")


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


def _registry() -> dict:
    found = {}
    for name in _LAYER_MODULES:
        try:
            module = importlib.import_module(f"fastrnn.{name}")
        except ImportError:
            continue
        for attr in getattr(module, "__all__", ()):
            cls = getattr(module, attr)
            if isinstance(cls, type) and issubclass(cls, Layer) and cls is not Layer:
                found[attr] = cls
    return found


def supported_layers() -> tuple:
    """The Keras layer classes fastrnn builds from a config, sorted."""
    return tuple(sorted(set(_registry()) | set(_MODELS[:2])))


def unsupported(class_name: Any, name: Any, why: str | None = None) -> UnsupportedLayerError:
    msg = f"fastrnn cannot load layer {name!r} of class {class_name}"
    if why:
        msg += f": {why}"
    else:
        msg += f". Supported layers: {', '.join(supported_layers())}"
    return UnsupportedLayerError(msg)


def _dtype_name(config: dict, class_name: str, name: Any) -> Any:
    dtype = _validate.policy_name(config.get("dtype"))
    if dtype is None:
        return None
    if class_name not in ("InputLayer",) and dtype not in ("float32", "float64"):
        raise unsupported(class_name, name,
                          f"dtype policy {dtype!r} (fastrnn computes in float32 or float64)")
    return dtype


def _clean(config: dict, class_name: str, name: Any) -> dict:
    config = {k: v for k, v in config.items() if k not in _BUILD_KEYS}
    if "dtype" in config:
        config["dtype"] = _dtype_name(config, class_name, name)
    for key in [k for k in config if k.endswith("_initializer")]:
        try:
            core_layers.get_initializer(config[key])
        except (ValueError, TypeError, KeyError):
            del config[key]  # a custom initializer: irrelevant once weights are loaded
    for key in ("activation", "recurrent_activation"):
        if isinstance(config.get(key), dict):
            raise unsupported(class_name, name, f"custom {key} {config[key]!r}")
    if config.get("time_major"):
        raise unsupported(class_name, name, "time_major=True is not supported")
    config.pop("time_major", None)
    if config.get("lora_rank"):
        raise unsupported(class_name, name, "LoRA weights are not supported")
    if config.pop("quantization_config", None) is not None:
        raise unsupported(class_name, name, "quantized weights are not supported")
    if "lora_rank" in config or "lora_alpha" in config:
        config.pop("lora_rank", None)
        config.pop("lora_alpha", None)
    return config


def _custom(entry: dict, custom_objects: dict) -> Any:
    # Keras 3 names a registered class "package>Class" in registered_name (in a
    # legacy .h5 config, in class_name); custom_objects may use either name.
    name = str(entry.get("class_name"))
    for key in (entry.get("registered_name"), name, name.split(">")[-1]):
        if key is not None and key in custom_objects:
            return custom_objects[key]
    return None


def layer_from_config(entry: Any, custom_objects: dict | None = None) -> Any:
    """A fastrnn layer (unbuilt) from a Keras ``{"class_name", "config", ...}`` dict."""
    custom_objects = custom_objects or {}
    if not isinstance(entry, dict) or "class_name" not in entry:
        raise ValueError(f"a layer entry without class_name: {str(entry)[:80]!r}")
    cls_name = entry["class_name"]
    config = entry.get("config") or {}
    if not isinstance(config, dict):
        raise ValueError(f"layer {cls_name!r} has a config that is not an object")
    name = config.get("name", "?")
    cls = _custom(entry, custom_objects)
    if cls is not None:
        if not (isinstance(cls, type) and issubclass(cls, Layer)):
            raise ValueError(f"custom_objects[{cls_name!r}] must be a fastrnn.Layer subclass, "
                             f"got {cls!r}")
        config = {k: v for k, v in config.items() if k not in _BUILD_KEYS}
        try:
            layer = cls.from_config(_nested(config, custom_objects))
        except TypeError as e:
            raise ValueError(f"custom layer {name!r} ({cls.__name__}) rejects its config: "
                             f"{e}") from None
        _build_from_config(layer, entry)
        # Saved again, the layer keeps the names Keras registered it under.
        layer._keras_registered_name = entry.get("registered_name") or cls_name
        layer._keras_module = entry.get("module")
        return layer
    if cls_name in _MODELS:
        return model_from_config(entry, custom_objects)
    module = str(entry.get("module") or "")
    registered = entry.get("registered_name")
    own = _registry()
    # (legacy .h5 configs name the recorded ops without a module)
    if module.startswith("keras.src.ops") or not module and cls_name in keras_ops.OPS \
            and cls_name not in own:
        return keras_ops.from_config(cls_name, config, module or "keras.src.ops.numpy")
    # A class of the user's own: registered under another name ("package>Class", in
    # registered_name, or in a legacy config's class_name), or from a non-Keras module.
    custom = registered not in (None, cls_name) or ">" in cls_name or bool(
        module and not module.startswith("keras"))
    if custom:
        short = cls_name.split(">")[-1]
        raise UnsupportedLayerError(
            f"layer {name!r} is of the custom class {registered or cls_name!r} (module "
            f"{module or '?'}); fastrnn never imports code named by a file: write the layer "
            f"as a fastrnn.Layer subclass and pass custom_objects={{{short!r}: YourLayer}} "
            "to load_model")
    if cls_name not in own:
        raise unsupported(cls_name, name)
    config = _clean(config, cls_name, name)
    try:
        layer = own[cls_name].from_config(_nested(config, custom_objects))
    except UnsupportedLayerError:
        raise
    except ValueError as e:
        if "Unknown activation" in str(e):
            raise unsupported(cls_name, name, str(e)) from None
        error = type(e) if type(e).__name__ == "TooLargeError" else ValueError
        raise error(f"cannot rebuild layer {name!r} ({cls_name}) from its config: {e}") \
            from None
    except TypeError as e:
        raise ValueError(f"cannot rebuild layer {name!r} ({cls_name}) from its config: "
                         f"{e}") from None
    return layer


def _nested(config: dict, custom_objects: dict) -> dict:
    """The config with its wrapped layers (Bidirectional's, TimeDistributed's,
    an RNN's cell, StackedRNNCells' cells) rebuilt as fastrnn objects."""
    out = dict(config)
    for key in ("layer", "backward_layer", "cell"):
        if isinstance(out.get(key), dict) and "class_name" in out[key]:
            out[key] = layer_from_config(out[key], custom_objects)
    if isinstance(out.get("cells"), list):
        out["cells"] = [layer_from_config(c, custom_objects) if isinstance(c, dict) else c
                        for c in out["cells"]]
    if isinstance(out.get("cell"), list):   # RNN([cells]): Keras stacks them
        out["cell"] = [layer_from_config(c, custom_objects) if isinstance(c, dict) else c
                       for c in out["cell"]]
    return out


def _build_from_config(layer: Any, entry: dict) -> None:
    """Keras's build_from_config: build a layer for its recorded input shape."""
    shape = (entry.get("build_config") or {}).get("input_shape")
    if shape is not None and not layer.built:
        layer._maybe_build(_shape(shape))


def _shape(value: Any) -> Any:
    if isinstance(value, list) and value and all(isinstance(v, list) for v in value):
        return [_shape(v) for v in value]
    return tuple(None if d is None else int(d) for d in value)


# --------------------------------------------------------------------------- models
def model_from_config(config: Any, custom_objects: dict | None = None) -> Any:
    """A fastrnn Sequential or Model from a Keras model config (layers unbuilt
    only where the config leaves the input shape open)."""
    from ..models import Sequential

    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError("the model config has no class_name: not a Keras model")
    cls = config["class_name"]
    inner = config.get("config", {})
    if cls == "Sequential":
        layers_conf = inner["layers"] if isinstance(inner, dict) else inner  # Keras 2.0: list
        layers = [layer_from_config(e, custom_objects) for e in layers_conf]
        build_shape = inner.get("build_input_shape") if isinstance(inner, dict) else None
        if layers and not isinstance(layers[0], core_layers.InputLayer):
            first = layers_conf[0].get("config", {})
            shape = first.get("batch_input_shape") or first.get("batch_shape")
            if shape is not None:   # a Keras 2 Sequential: the first layer carries the input
                layers.insert(0, core_layers.InputLayer(
                    batch_shape=shape, dtype=first.get("dtype")
                    if layers_conf[0]["class_name"] != "Embedding" else "float32"))
        model = Sequential(layers, name=inner.get("name") if isinstance(inner, dict) else None,
                           trainable=inner.get("trainable", True) if isinstance(inner, dict)
                           else True,
                           build_input_shape=build_shape if not layers or not isinstance(
                               layers[0], core_layers.InputLayer) else None)
        if model.input_shape is not None:
            model.build(model.input_shape)
        return model
    if cls in ("Functional", "Model"):
        return _functional_from_config(inner, custom_objects or {})
    raise UnsupportedLayerError(
        f"fastrnn loads keras.Sequential and functional models, not a {cls!r} model "
        "(subclassed models have no loadable architecture)")


def _functional_from_config(inner: dict, custom_objects: dict) -> Any:
    """keras/src/models/functional.py functional_from_config: make every layer,
    then call each on its inbound tensors once they exist, until none is left."""
    from ..models import Model

    created: dict[str, Any] = {}
    pending: list[tuple[Any, list]] = []
    for entry in inner["layers"]:
        layer = layer_from_config(entry, custom_objects)
        name = entry.get("name", entry.get("config", {}).get("name"))
        if name in created:
            raise ValueError(f"the config has two layers named {name!r}")
        created[name] = layer
        pending.append((layer, list(entry.get("inbound_nodes") or [])))

    def node_tensor(ref: Any, model_io: bool = False) -> Any:
        """The tensor of a [layer name, node index, tensor index] reference, or
        None while that node has not been made yet."""
        name, node_index, tensor_index = ref[0], int(ref[1]), int(ref[2])
        layer = created.get(name)
        if layer is None:
            raise ValueError(f"the config refers to an unknown layer {name!r}")
        if model_io and isinstance(layer, Model) and not isinstance(layer, _sequential()):
            node_index -= 1   # input/output_layers count a nested functional model's own node
        nodes = layer.__dict__.get("_inbound_nodes", [])
        if node_index < 0 or isinstance(layer, core_layers.InputLayer) and node_index > 0:
            raise ValueError(f"the config refers to node {ref[1]} of layer {name!r}, "
                             "which it does not have")
        if node_index >= len(nodes):
            return None
        outputs = nodes[node_index].outputs
        if not 0 <= tensor_index < len(outputs):
            raise ValueError(f"the config refers to output {tensor_index} of layer {name!r}, "
                             f"which returns {len(outputs)}")
        return outputs[tensor_index]

    def revive(value: Any) -> tuple[Any, bool]:
        """(value with tensors for references, whether all exist yet)."""
        if isinstance(value, dict) and value.get("class_name") == "__keras_tensor__":
            t = node_tensor(value["config"]["keras_history"])
            return t, t is not None
        if isinstance(value, dict) and "class_name" in value and "config" in value and \
                value.get("class_name") in ("__tensor__", "__numpy__"):
            raise UnsupportedLayerError("a layer is called with a constant tensor argument; "
                                        "fastrnn loads layers called on model tensors")
        if isinstance(value, list):
            items = [revive(v) for v in value]
            return [v for v, _ in items], all(ok for _, ok in items)
        if isinstance(value, dict):
            items = {k: revive(v) for k, v in value.items()}  # type: ignore[assignment]
            return {k: v for k, (v, _) in items.items()}, all(ok for _, ok in items.values())  # type: ignore[attr-defined]
        return value, True

    def call_args(node: Any) -> tuple[Any, Any, bool]:
        if isinstance(node, list):   # legacy: [[name, node, tensor, kwargs], ...]
            tensors = [node_tensor(item) for item in node]
            kwargs = dict(node[0][3]) if node and len(node[0]) > 3 and node[0][3] else {}
            kwargs, ok = revive(kwargs)
            args = [tensors[0] if len(tensors) == 1 else tensors]
            return args, kwargs, ok and all(t is not None for t in tensors)
        args, ok_a = revive(node.get("args", []))
        kwargs, ok_k = revive(node.get("kwargs", {}))
        return args, kwargs, ok_a and ok_k

    while pending:
        progress = False
        still = []
        for layer, nodes in pending:
            while nodes:
                args, kwargs, ready = call_args(nodes[0])
                if not ready:
                    break
                kwargs = {k: v for k, v in kwargs.items() if k != "training"}
                if not args:
                    raise ValueError(f"layer {layer.name!r} is called without inputs")
                if not graph.is_symbolic(args, kwargs):
                    raise UnsupportedLayerError(
                        f"layer {layer.name!r} is called on constants, not model tensors")
                layer(*args, **kwargs)
                nodes.pop(0)
                progress = True
            if nodes:
                still.append((layer, nodes))
        if still and not progress:
            names = ", ".join(repr(layer.name) for layer, _ in still[:5])
            raise ValueError(f"the layer graph has a cycle or a disconnected node: layers "
                             f"{names} wait for inputs that never exist")
        pending = still

    def tensors(refs: Any) -> Any:
        if isinstance(refs, list) and len(refs) == 3 and isinstance(refs[0], str):
            t = node_tensor(refs, model_io=True)
            if t is None:
                raise ValueError(f"the model's input or output {refs!r} is never computed")
            return t
        if isinstance(refs, dict):
            return {k: tensors(v) for k, v in refs.items()}
        if isinstance(refs, list):
            return [tensors(v) for v in refs]
        raise ValueError(f"a malformed input or output reference {refs!r}")

    return Model(tensors(inner["input_layers"]), tensors(inner["output_layers"]),
                 name=inner.get("name"), trainable=inner.get("trainable", True))


def _sequential() -> type:
    from ..models import Sequential

    return Sequential


# --------------------------------------------------------------------------- out
def serialize(layer: Any) -> dict:
    """The Keras 3 ``serialize_keras_object`` dict of a fastrnn layer or model."""
    from ..models import Model, Sequential

    if isinstance(layer, Sequential):
        config = {"name": layer.name, "trainable": layer.trainable,
                  "dtype": _policy("float32"),
                  "layers": [serialize(sub) for sub in layer._layers]}
        if layer.input_layer is None and layer._build_input_shape is not None:
            config["build_input_shape"] = list(layer._build_input_shape)
        out = {"module": "keras", "class_name": "Sequential", "config": config,
               "registered_name": None}
        if layer.input_shape is not None:
            out["build_config"] = {"input_shape": list(layer.input_shape)}
        return out
    if isinstance(layer, Model):
        return {"module": "keras.src.models.functional", "class_name": "Functional",
                "config": functional_config(layer), "registered_name": "Functional",
                "build_config": {"input_shape": None}}
    if getattr(layer, "_is_op", False):
        return {"module": layer._keras_module, "class_name": type(layer).__name__,
                "config": layer.get_config(), "registered_name": type(layer).__name__}
    config = dict(layer.get_config())
    # Wrapped layers as full serialized objects (Keras deserializes them by module).
    wrapped = {"layer": getattr(layer, "forward_layer", None) or getattr(layer, "layer", None),
               "backward_layer": getattr(layer, "backward_layer", None),
               "cell": getattr(layer, "cell", None)}
    for key, sub in wrapped.items():
        if isinstance(config.get(key), dict) and isinstance(sub, Layer):
            config[key] = {k: v for k, v in serialize(sub).items() if k != "build_config"}
    if isinstance(config.get("cells"), list) and isinstance(getattr(layer, "cells", None), list):
        config["cells"] = [serialize(c) for c in layer.cells]
    if isinstance(config.get("dtype"), str) and type(layer).__name__ != "InputLayer":
        config["dtype"] = _policy(config["dtype"])  # type: ignore[arg-type]
    cls = type(layer).__name__
    module = type(layer).__module__
    if not module.startswith("fastrnn.") or module == "fastrnn.io.keras_ops":
        registered = getattr(layer, "_keras_registered_name", None) or cls
        out = {"module": getattr(layer, "_keras_module", None), "class_name": cls,
               "config": config, "registered_name": registered}
    else:
        out = {"module": "keras.layers", "class_name": cls, "config": config,
               "registered_name": None}
    shape = getattr(layer, "_build_shape", None)
    if shape is not None:
        out["build_config"] = {"input_shape": _jsonable(shape)}
    return out


def _policy(dtype: str) -> dict:
    return {"module": "keras", "class_name": "DTypePolicy", "config": {"name": dtype},
            "registered_name": None}


def _jsonable(shape: Any) -> Any:
    if isinstance(shape, list):
        return [_jsonable(s) for s in shape]
    return list(shape)


def functional_config(model: Any) -> dict:
    """Keras 3's functional config of a fastrnn Model: every layer with the
    calls it takes part in (``inbound_nodes``), numbered per layer in call
    order, and the model's input and output references."""
    from ..models import Model, Sequential

    g = model._graph
    nodes_of: dict[int, list] = {}
    for node in sorted(g.nodes, key=lambda n: n.serial):
        if node.inputs:   # (an InputLayer's own node is not serialized, as in Keras)
            nodes_of.setdefault(id(node.layer), []).append(node)

    def index_of(tensor: KerasTensor, model_io: bool = False) -> tuple[Any, int, int]:
        node = tensor._node
        layer = node.layer  # type: ignore[union-attr]
        if isinstance(layer, core_layers.InputLayer):
            return layer, 0, 0
        k = nodes_of[id(layer)].index(node)
        if model_io and isinstance(layer, Model) and not isinstance(layer, Sequential):
            k += 1   # Keras's get_config counts a nested functional model's own node
        return layer, k, next(i for i, t in enumerate(node.outputs) if t is tensor)  # type: ignore[union-attr]

    def ser(value: Any) -> Any:
        if isinstance(value, KerasTensor):
            layer, k, i = index_of(value)
            return {"class_name": "__keras_tensor__",
                    "config": {"shape": list(value.shape), "dtype": value.dtype,
                               "keras_history": [layer.name, k, i]}}
        if isinstance(value, (list, tuple)):
            return [ser(v) for v in value]
        if isinstance(value, dict):
            return {k: ser(v) for k, v in value.items() if v is not None}
        return value

    layers = []
    for layer in g._layers:   # (the ops too: Keras lists its operations)
        entry = serialize(layer)
        entry["name"] = layer.name
        entry["inbound_nodes"] = [
            {"args": ser(list(n.args)), "kwargs": ser(n.kwargs)}
            for n in nodes_of.get(id(layer), [])]
        if not isinstance(layer, (core_layers.InputLayer, Model)) and \
                not getattr(layer, "_is_op", False):
            first = nodes_of.get(id(layer), [None])[0]
            if first is not None and first.args:
                shapes = graph.map_structure(lambda t: list(t.shape), first.args[0])
                entry["build_config"] = {"input_shape": shapes}
        layers.append(entry)

    def refs(struct: Any) -> Any:
        if isinstance(struct, KerasTensor):
            layer, k, i = index_of(struct, model_io=True)
            return [layer.name, k, i]
        if isinstance(struct, dict):
            return {key: refs(v) for key, v in struct.items()}
        return [refs(v) for v in struct]

    ins = model._inputs_struct
    outs = model._outputs_struct
    return {"name": model.name, "trainable": model.trainable, "layers": layers,
            "input_layers": refs(ins), "output_layers": refs(outs)}

