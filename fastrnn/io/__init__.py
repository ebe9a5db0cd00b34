"""Model files in and out: ``load_model`` (Keras .keras / .h5 and fastrnn .npz)
and ``from_torch`` (PyTorch nn.RNN / nn.LSTM / nn.GRU or their state_dicts).

Neither imports TensorFlow, Keras or PyTorch: Keras files are read with h5py
(the ``fastrnn[keras]`` extra), fastrnn's own files with numpy alone, and
torch is imported only to read a torch module or tensors you pass in.
"""
from __future__ import annotations

import os
import stat
from typing import TYPE_CHECKING, Any

from ..models import CONFIG_KEY, Sequential
from . import _safe
from .torch import TorchRNN, from_torch

if TYPE_CHECKING:
    from ..models import Model

__all__ = ["load_model", "from_torch", "TorchRNN"]

_HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"


def _sniff(path: str) -> str:
    """"keras" (a .keras zip), "npz" (fastrnn), "h5" (HDF5) or a ValueError."""
    if os.path.isdir(path):
        raise ValueError(
            f"{path!r} is a directory: TensorFlow SavedModel directories are not supported; "
            "save the Keras model with model.save('model.keras') or model.save('model.h5')")
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):  # a FIFO or a device could block forever
            raise ValueError(f"{path!r} is not a regular file (a FIFO, socket or device): "
                             "not a model file")
        with open(path, "rb") as f:
            head = f.read(8)
            if head == _HDF5_SIGNATURE:
                return "h5"
            for offset in (512, 1024, 2048):  # HDF5 files may start after a user block
                f.seek(offset)
                if f.read(8) == _HDF5_SIGNATURE:
                    return "h5"
    except FileNotFoundError:
        raise FileNotFoundError(f"No such model file: {path!r}") from None
    if head[:2] == b"PK":
        try:
            with _safe.open_zip(path) as zf:
                names = set(zf.namelist())
        except ValueError as e:
            raise ValueError(f"{path!r} {e} (not a readable .keras or .npz model)") from None
        if "config.json" in names:
            return "keras"
        if CONFIG_KEY + ".npy" in names:
            return "npz"
        raise ValueError(f"{path!r} is a zip archive but neither a Keras .keras model "
                         "(no config.json) nor a fastrnn .npz model "
                         f"(no {CONFIG_KEY})")
    if not head:
        raise ValueError(f"{path!r} is empty: not a model file")
    raise ValueError(
        f"{path!r} is not a model file fastrnn can read: expected a Keras .keras zip, "
        "a Keras HDF5 .h5 file or a fastrnn .npz")


def load_model(path: os.PathLike[str] | bytes | str, custom_objects: dict[str, Any] | None = None
              ) -> Model:
    """Load a model file into a ``fastrnn.Sequential``.

    Reads Keras 3 ``.keras`` files, legacy Keras HDF5 ``.h5`` files (both need
    h5py: ``pip install 'fastrnn[keras]'``) and fastrnn's own ``.npz`` files
    (written by ``Sequential.save``; numpy only). The kind is recognised from
    the file's content, not its name. TensorFlow and Keras are never imported.

    The Keras model may be a ``keras.Sequential`` or a functional model that
    is a single chain of ``InputLayer``, ``Masking``, ``Embedding``,
    ``SimpleRNN``, ``LSTM``, ``GRU``, ``Bidirectional``, ``Dense``,
    ``TimeDistributed(Dense)``, ``Dropout``, ``SpatialDropout1D``,
    ``Activation``, ``Flatten`` and ``Reshape``; the mask operations Keras
    records in functional configs (``NotEqual``, ``Any``) are checked to be
    Keras's own mask propagation.

    Every member, dataset and entry is checked before it is read: its
    declared size against a cap (JSON members at most
    ``fastrnn.io._safe.MAX_JSON_BYTES``), the weights' shapes and dtypes
    against what the model config implies, and HDF5 storage and links so
    that no other file is read (external storage, external and soft links,
    virtual datasets are refused). TESTING.md, "Hostile and damaged model
    files", lists the rules.

    Parameters
    ----------
    path : str, bytes or os.PathLike
        The model file.
    custom_objects : dict, optional
        Maps a Keras class name in the file (its ``class_name`` or
        ``registered_name``, e.g. ``"MyLayer"`` or ``"my_package>MyLayer"``)
        to a ``fastrnn.Layer`` subclass you wrote with numpy; it is built from
        the layer's config with ``from_config`` and gets the file's weights.
        Nothing named by a file is ever imported or executed.

    Returns
    -------
    Sequential or Model
        The model, with its weights, computing what the Keras model computes:
        a ``Sequential`` for a keras.Sequential, a functional ``Model`` otherwise.

    Raises
    ------
    ValueError
        For a corrupt, truncated, hostile or non-model file (also a
        TensorFlow SavedModel directory, or a FIFO); the message names the
        file and the member (zip member, HDF5 dataset or .npz entry).
        ``fastrnn.layers.TooLargeError`` (a ValueError and a MemoryError)
        when a member or dataset declares more than
        ``fastrnn.layers.MAX_BYTES``.
    NotImplementedError
        (``fastrnn.io.keras.UnsupportedLayerError``, also a ValueError)
        naming the class and name of a layer fastrnn does not support;
        nothing is skipped silently.
    FileNotFoundError
        If ``path`` does not exist.
    ImportError
        Naming the ``fastrnn[keras]`` extra, when a Keras file needs h5py and
        it is not installed.

    See Also
    --------
    Sequential.save : Writes fastrnn's ``.npz`` format.
    from_torch : Runs a PyTorch recurrent module instead.

    Examples
    --------
    A Keras file loads the same way: ``fastrnn.load_model("sentiment.keras")``.
    Here, a model saved by fastrnn (numpy only):

    >>> import os
    >>> import tempfile
    >>> import numpy as np
    >>> import fastrnn
    >>> model = fastrnn.Sequential([
    ...     fastrnn.InputLayer(shape=(None, 3)),
    ...     fastrnn.Bidirectional(fastrnn.GRU(4, seed=0)),
    ...     fastrnn.Dense(1, activation="sigmoid"),
    ... ])
    >>> x = np.ones((2, 5, 3))
    >>> y = model(x)
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = os.path.join(tmp, "model.npz")
    ...     model.save(path)
    ...     loaded = fastrnn.load_model(path)
    >>> loaded.layers
    [<fastrnn.Bidirectional name=...>, <fastrnn.Dense name=...>]
    >>> np.array_equal(loaded(x), y)
    True
    >>> fastrnn.load_model(os.path.join(tempfile.gettempdir(), "no-such-model.keras"))
    Traceback (most recent call last):
        ...
    FileNotFoundError: No such model file: '...no-such-model.keras'
    """
    path = os.fsdecode(os.fspath(path))   # str, bytes or PathLike, as open() takes
    kind = _sniff(path)
    if kind == "npz":
        return Sequential.load(path, custom_objects)
    from .keras import load_keras_model

    return load_keras_model(path, kind, custom_objects)
