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
>>> "Bidirectional" in keras.SUPPORTED_LAYERS, "Conv3DTranspose" in keras.SUPPORTED_LAYERS
(True, False)
"""
from __future__ import annotations

import io
import math
import os
import warnings
from collections.abc import Iterator, Mapping
from types import ModuleType
from typing import TYPE_CHECKING, Any

from .. import layers as _layers
from ..layers import TooLargeError
from . import _safe, keras_config
from .keras_config import UnsupportedLayerError

if TYPE_CHECKING:
    import numpy as np
    from ..layer import Layer
    from ..models import Model
    from ._safe import RawFile

__all__ = ["load_keras_model", "SUPPORTED_LAYERS", "UnsupportedLayerError", "require_h5py"]

SUPPORTED_LAYERS: tuple[str, ...] = keras_config.supported_layers()


def require_h5py() -> ModuleType:
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


# --------------------------------------------------------------------------- files
def load_keras_model(path: str, kind: str, custom_objects: dict[str, Any] | None = None) -> Model:
    """Load ``path`` (kind "keras" for a .keras zip, "h5" for legacy HDF5).

    The Keras part of ``fastrnn.load_model``, which recognises the kind from
    the file's content; call that instead.

    Parameters
    ----------
    path : str
        The Keras model file.
    kind : {"keras", "h5"}
        "keras" for a Keras 3 ``.keras`` zip, "h5" for a legacy HDF5 file.
    custom_objects : dict, optional
        Keras class name -> fastrnn ``Layer`` subclass, for the file's custom layers.

    Returns
    -------
    fastrnn.Sequential or fastrnn.Model

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
            return _load_keras_zip(path, h5py, custom_objects)
        return _load_legacy_h5(path, h5py, custom_objects)
    except ValueError as e:  # every refusal names the file, then the member
        keep = isinstance(e, (TooLargeError, UnsupportedLayerError))
        raise (type(e) if keep else ValueError)(f"{path!r}: {e}") from None


# Refusals that keep their class when named after their member.
_KEEP = (UnsupportedLayerError,)


def _load_keras_zip(path: str | os.PathLike[str], h5py: ModuleType,
                    custom_objects: Mapping[str, Any] | None) -> Model:
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
            model = _from_config(config, str(metadata.get("keras_version", "3")),
                                 custom_objects)
            shapes = _shapes_by_layer(model)
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
            _load_keras3_weights(f, model, shapes, len(data))
    return model


def _weights_cap(shapes: list[Any]) -> int:
    """The most bytes model.weights.h5 may hold: 32 per weight value the config implies
    (float64 weights and up to three optimizer slots of each), plus 1 MiB and 256 KiB
    per layer of HDF5 structure. Unbounded (MAX_BYTES) when the config leaves a size
    open; each dataset is still checked."""
    values = 0
    for _, layer_shapes in shapes:
        for shape in layer_shapes:
            if None in shape:
                return _layers.MAX_BYTES
            values += math.prod(shape)
    return 32 * values + 2**20 + 2**18 * len(shapes)


def _load_legacy_h5(path: str | os.PathLike[str], h5py: ModuleType,
                    custom_objects: Mapping[str, Any] | None) -> Model:
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
            model = _from_config(config, version if isinstance(version, str) else "",
                                 custom_objects)
            shapes = _shapes_by_layer(model)
        if not has_weights:
            raise ValueError("it has a model config but no 'model_weights' group")
        with _safe.member("model_weights", keep=_KEEP):
            _load_legacy_weights(f["model_weights"], model, shapes, os.path.getsize(path),
                                 raw_file)
    return model


def _from_config(config: Mapping[str, Any], keras_version: str,
                 custom_objects: Mapping[str, Any] | None) -> Model:
    """The model of a config; the errors of a malformed config are ValueErrors
    (the caller names the member)."""
    try:
        model = keras_config.model_from_config(config, custom_objects)  # type: ignore[arg-type]
    except (KeyError, TypeError, IndexError, AttributeError) as e:
        raise ValueError(f"is not a valid Keras model config "
                         f"({type(e).__name__}: {e})") from None
    except RecursionError:
        raise ValueError("is not a valid Keras model config (its layers refer to each "
                         "other too deeply)") from None
    if keras_version.startswith(("1.", "2.")):
        _warn_keras2_hard_sigmoid(model)
    return model


def _shapes_by_layer(model: Model) -> list[Any]:
    """[(layer, the shapes of its weights the config implies (None: open))] of the
    model's own layers (nested models whole)."""
    return [(layer, layer._weight_shapes_to_read()) for layer in model._weighted_layers()]


def _warn_keras2_hard_sigmoid(model: Layer) -> None:
    for layer in _all_layers(model):
        acts = [getattr(layer, "activation", None), getattr(layer, "recurrent_activation", None)]
        if "hard_sigmoid" in acts:
            warnings.warn(
                f"layer {layer.name!r} uses hard_sigmoid, saved by Keras 2: fastrnn computes "
                "Keras 3's hard_sigmoid (relu6(x + 3) / 6), as Keras 3 does when it loads "
                "this file; Keras 2 computed clip(0.2 x + 0.5, 0, 1)", stacklevel=5)


def _all_layers(layer: Layer) -> Iterator[Layer]:
    for sub in getattr(layer, "layers", None) or []:
        yield from _all_layers(sub)
    for attr in ("forward_layer", "backward_layer", "layer"):
        sub = getattr(layer, attr, None)
        if sub is not None and not isinstance(sub, (list, str)):
            yield from _all_layers(sub)
    yield layer


# --------------------------------------------------------------------------- weights
# Both readers check, before reading a dataset, that the file holds exactly the arrays
# the config implies, each of the implied shape (_safe.read_dataset); links were checked
# when the file was opened (_safe.check_links).
def _numbered(group: Any, where: str, shapes: list[tuple[int, ...]], file_size: int
             ) -> list[np.ndarray]:
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


def _count_datasets(group: Any) -> int:
    import h5py

    n = []
    group.visititems(lambda _name, obj: n.append(1) if isinstance(obj, h5py.Dataset) else None)
    return len(n)


def _set(layer: Layer, arrays: list[np.ndarray], where: str) -> None:
    try:
        layer.set_weights(arrays)
    except ValueError as e:
        raise ValueError(f"weights of layer {layer.name!r} ({where}) do not fit: {e}") from None


def _load_keras3_weights(f: Any, model: Model, shapes: list[Any], file_size: int) -> None:
    """Keras 3's model.weights.h5: each layer's arrays at the paths its
    ``_weight_groups`` names (the layout keras/src/saving/saving_lib.py writes)."""
    import h5py

    flat_shapes = [s for _, layer_shapes in shapes for s in layer_shapes]
    groups = model._weight_groups()
    arrays, k = [], 0
    for path, n in groups:
        group = f.get(path)
        if group is not None and not isinstance(group, h5py.Group):
            raise ValueError(f"{path} is not a group")
        if n == 0:
            if group is not None and _count_datasets(group):
                raise ValueError(f"weights group {path!r} holds {_count_datasets(group)} "
                                 "arrays but its layer has none")
            continue
        if group is None:
            raise ValueError(f"no weights at {path!r} (the model config implies {n})")
        arrays += _numbered(group, path, flat_shapes[k:k + n], file_size)
        k += n
    expected = sum(n for _, n in groups)
    stored = _count_datasets(f["layers"]) if "layers" in f else 0
    if stored != expected:
        taken = {p for p, n in groups if n}
        for key in (f["layers"].keys() if "layers" in f else []):
            if not any(p == f"layers/{key}" or p.startswith(f"layers/{key}/") for p in taken) \
                    and isinstance(f["layers"][key], h5py.Group) \
                    and _count_datasets(f["layers"][key]):
                raise ValueError(f"weights group 'layers/{key}' belongs to no layer of the "
                                 "model config")
        raise ValueError(f"model.weights.h5 holds {stored} arrays under 'layers'; the model "
                         f"config implies {expected}")
    start = 0
    for layer, layer_shapes in shapes:
        part = arrays[start:start + len(layer_shapes)]
        start += len(layer_shapes)
        if part:
            _set(layer, part, "model.weights.h5")


def _names(value: Any) -> list[Any]:
    """A names attribute (layer_names, weight_names) as a list of str (None if absent)."""
    if value is None or isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value  # type: ignore[return-value]
    if isinstance(value, str):
        return [value]
    if getattr(value, "size", None) == 0:  # (Keras writes an empty float array for none)
        return []
    raise ValueError(f"holds {getattr(value, 'dtype', type(value).__name__)} values, "
                     "not names")


def _load_legacy_weights(group: Any, model: Model, shapes: list[Any], file_size: int,
                         raw_file: RawFile) -> None:
    """Legacy HDF5: ``model_weights/<layer name>``, in the order of its
    ``weight_names`` attribute (never h5py's alphabetical order)."""
    import h5py

    with _safe.member("model_weights/layer_names"):
        saved = _names(_safe.read_attr(group, "layer_names", raw_file))
    if saved is None:
        saved = list(group.keys())
    for layer, layer_shapes in shapes:
        where = f"model_weights/{layer.name}"
        if layer.name not in group:
            if layer_shapes:
                raise ValueError(f"no weights for layer {layer.name!r} in model_weights")
            continue
        g = group[layer.name]
        if not isinstance(g, h5py.Group):
            raise ValueError(f"{where} is not a group")
        with _safe.member(f"{where}/weight_names"):
            wnames = _names(_safe.read_attr(g, "weight_names", raw_file)) or []
        if not wnames and not layer_shapes:
            continue
        if len(wnames) != len(layer_shapes):
            raise ValueError(f"{where} lists {len(wnames)} weights; layer {layer.name!r} "
                             f"({type(layer).__name__}) takes {len(layer_shapes)}")
        arrays = []
        for wname, shape in zip(wnames, layer_shapes):
            if wname not in g:
                raise ValueError(f"{where}/{wname} is missing (a weight of layer "
                                 f"{layer.name!r})")
            arrays.append(_safe.read_dataset(g[wname], f"{where}/{wname}", shape, file_size))
        _set(layer, arrays, where)
    names = {layer.name for layer in getattr(model, "layers", [])}
    for n in saved:
        if n not in names and n != "top_level_model_weights" and n in group \
                and _count_datasets(group[n]):
            raise ValueError(f"model_weights/{n} belongs to no layer of the model config")
