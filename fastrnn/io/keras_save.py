"""``model.save("m.keras")``: a Keras 3 ``.keras`` file real Keras loads.

The layout keras/src/saving/saving_lib.py writes: a zip of ``config.json``
(the model's ``serialize_keras_object`` dict), ``metadata.json`` and
``model.weights.h5`` (each layer's arrays as ``<path>/vars/<i>``, the paths
its ``_weight_groups`` names). tools/check_keras_roundtrip.py loads such files
with real Keras and compares the outputs.
"""
from __future__ import annotations

import datetime
import io
import json
import zipfile
from typing import Any

from . import keras_config

__all__ = ["save_keras", "KERAS_VERSION"]

# The Keras version whose format fastrnn writes (and its fixtures come from).
KERAS_VERSION = "3.15.1"


def save_keras(model: Any, path: str) -> None:
    """Write ``model`` (a fastrnn Sequential or Model) to ``path`` as a .keras zip."""
    from .keras import require_h5py

    h5py = require_h5py()
    if not model.built and getattr(model, "input_shape", None) is not None \
            and hasattr(model, "add"):   # a Sequential of known input: Keras builds it on add
        model.build(model.input_shape)
    if not model.built:
        raise ValueError(f"model {model.name!r} has layers without weights: build it (or call "
                         "it once) before saving, so that the file holds every weight")
    config = keras_config.serialize(model)
    config["compile_config"] = {}
    metadata = {"keras_version": KERAS_VERSION,
                "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S")}
    buffer = io.BytesIO()
    weights = model.get_weights()
    with h5py.File(buffer, "w") as f:
        f.create_group("vars")                  # the model's own variables: none
        start = 0
        for group_path, n in model._weight_groups():
            group = f.require_group(group_path)
            for i in range(n):
                group.create_dataset(str(i), data=weights[start + i])
            start += n
        if start != len(weights):
            raise RuntimeError(f"fastrnn wrote {start} of the model's {len(weights)} weights")
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as zf:
        zf.writestr("metadata.json", json.dumps(metadata))
        zf.writestr("config.json", json.dumps(config))
        zf.writestr("model.weights.h5", buffer.getvalue())
