"""One converter for arrays and weights, one dtype rule, one size check.

Every layer's ``set_weights``, calls and constructors, and the loaders
(``fastrnn.load_model`` for .keras, .h5 and .npz files, ``fastrnn.from_torch``)
convert and check through these functions, so that a value is accepted or
refused the same way wherever it is given:

- weights are real numbers: signed or unsigned integers or floats of any width
  and byte order (float16 and longdouble included). Refused, with a
  ValueError naming the weight: bool, complex (numpy would drop the imaginary
  part), strings (numeric ones too), objects, dates and times, and structured
  dtypes (one field too). Keras casts all of these; a weight of that kind is a
  mistake, not a value.
- x and initial states follow the same rule, except that bool is accepted
  too (Keras casts bool inputs and states).
- a dtype argument is "float32" or "float64", as a name, a numpy type
  (``np.float64``), a ``np.dtype``, a Keras DTypePolicy config dict or a torch
  dtype; None is float32.
- sizes: whatever would need more than ``fastrnn.layers.MAX_BYTES`` raises
  ``fastrnn.layers.TooLargeError`` before anything is allocated. The limit is
  read at every check, so assigning ``fastrnn.layers.MAX_BYTES`` takes effect.

Torch tensors are converted without importing torch; h5py datasets and .npz
members are checked (dtype and size) before their data is read.
"""
from __future__ import annotations

import math
import sys
from typing import Any

import numpy as np

# Kinds of numpy dtypes (dtype.kind) accepted for weights, and for x and
# initial states: see the module docstring.
WEIGHT_KINDS = "iuf"
INPUT_KINDS = "biuf"


def check_bytes(what: str, nbytes: int, detail: str | tuple[Any, ...]) -> None:
    """Raise ``TooLargeError`` if ``what`` would need more than MAX_BYTES.

    ``what`` names the thing (``"Dense.build(5)"``), ``nbytes`` is what it
    would allocate and ``detail`` says what that is made of: a string, or
    the shape of an array (formatted only if the error is raised).
    """
    # fastrnn.layers holds the public, assignable limit and the error; it
    # imports this module, and an import statement here would cost 0.4 us.
    layers = sys.modules["fastrnn.layers"]
    if nbytes > layers.MAX_BYTES:
        if isinstance(detail, tuple):
            detail = f"shape {detail}"
        raise layers.TooLargeError(
            f"{what} would need {nbytes / 2**30:.3g} GiB ({detail}), more than "
            f"fastrnn.layers.MAX_BYTES = {layers.MAX_BYTES / 2**30:.3g} GiB (the physical "
            "memory); refused before allocating")


def policy_name(dtype: Any) -> Any:
    """The dtype a Keras ``DTypePolicy`` config dict names (its ``config.name``);
    any other value as it is. Keras writes layer dtypes as such dicts."""
    if isinstance(dtype, dict):
        return dtype.get("config", {}).get("name")
    return dtype


def float_dtype(dtype: Any, what: str = "dtype") -> np.dtype:
    """The numpy dtype float32 or float64 that ``dtype`` names (None: float32).

    ``dtype`` may be a name, a numpy type or dtype, a Keras DTypePolicy
    config dict (its ``config.name``) or a torch dtype; anything else raises
    ValueError naming ``what``.
    """
    given = dtype
    dtype = policy_name(dtype)
    if type(dtype).__module__.startswith("torch"):  # torch.float64 is no numpy type
        dtype = str(dtype).rsplit(".", 1)[-1]
    if dtype is None:
        return np.dtype(np.float32)
    try:
        dt = np.dtype(dtype)
    except (TypeError, ValueError):
        dt = None
    if dt is None or dt not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise ValueError(f"{what} must be 'float32' or 'float64', got {given!r}")
    return dt


def weight_list(weights: Any, where: str) -> list[Any]:
    """``weights`` as a list, refusing what is not a sequence of arrays."""
    if weights is None or isinstance(weights, (str, bytes, dict, np.ndarray)):
        raise ValueError(
            f"{where} expected a list of arrays, got {type(weights).__name__}"
            + (" (one array: wrap it in a list)" if isinstance(weights, np.ndarray) else ""))
    try:
        return list(weights)
    except TypeError:
        raise ValueError(
            f"{where} expected a list of arrays, got {type(weights).__name__}") from None


def weight_array(value: Any, who: str, what: str,
                 dtype: str | None = None) -> np.ndarray:
    """One weight as a numpy array, by the weight rule (``WEIGHT_KINDS``).

    Parameters
    ----------
    value : array-like
        An array, nested list, torch tensor or h5py dataset (whose dtype and
        size are checked before its data is read).
    who, what : str
        Name the owner and the weight in errors: ``"LSTM"``, ``"weight 'kernel'"``.
    dtype : str or numpy dtype, optional
        With a dtype: a new, aligned, C-contiguous array of that dtype (the
        copy a layer keeps). Without: ``value`` as an array, copied only if
        it is not one.

    Raises
    ------
    ValueError
        If ``value`` is not an array of real numbers (bool is refused).
    fastrnn.layers.TooLargeError
        If the array would need more than ``fastrnn.layers.MAX_BYTES``.
    """
    value = _from_torch(value, who, what)
    known, shape = getattr(value, "dtype", None), getattr(value, "shape", None)
    if not (isinstance(known, np.dtype) and isinstance(shape, tuple)):
        # A nested list, say: only converting it tells its dtype and shape.
        value = real_array(value, who, what, WEIGHT_KINDS)
        known, shape = value.dtype, value.shape
    _check_kind(value, known, who, what, WEIGHT_KINDS)
    itemsize = max(known.itemsize, 0 if dtype is None else np.dtype(dtype).itemsize)
    check_bytes(f"{who} {what}", math.prod(shape) * itemsize, shape)
    arr = _asarray(value, who, what)  # (reads an h5py dataset)
    return arr if dtype is None else np.array(arr, dtype=dtype, order="C")


def real_array(value: Any, who: str, what: str, kinds: str = INPUT_KINDS) -> np.ndarray:
    """``value`` as a numpy array (not copied if it is one) of one of
    ``kinds``: by default the rule of x and initial states (bool included)."""
    value = _from_torch(value, who, what)
    arr = _asarray(value, who, what)
    _check_kind(value, arr.dtype, who, what, kinds)
    return arr


def kernel_array(arr: np.ndarray, dtype: np.dtype, who: str, what: str) -> np.ndarray:
    """The array ``arr`` as the kernels read it: aligned, C-contiguous, native
    byte order, of ``dtype``; copied only when needed, after the size check."""
    check_bytes(f"{who} {what}", arr.size * dtype.itemsize, arr.shape)
    out = np.ascontiguousarray(arr, dtype=dtype)
    # ascontiguousarray keeps a misaligned array (a view into a bytes
    # buffer at an odd offset, say); the kernels need aligned data.
    return out if out.flags.aligned else out.copy()


def _from_torch(value: Any, who: str, what: str) -> Any:
    """A torch tensor as a numpy array (torch is not imported); anything else as is."""
    if not (hasattr(value, "detach") and hasattr(value, "numpy")):
        return value
    value = value.detach().cpu()
    if str(value.dtype) == "torch.bfloat16":  # numpy has no bfloat16; float32 holds it exactly
        value = value.float()
    try:
        return value.resolve_conj().resolve_neg().numpy()
    except (TypeError, RuntimeError) as e:   # a dtype numpy lacks (float8, quantized, ...)
        raise ValueError(f"{who} could not convert {what} to an array: {e}") from None


def _asarray(value: Any, who: str, what: str) -> np.ndarray:
    try:
        return np.asarray(value)
    except (TypeError, ValueError, OverflowError) as e:
        raise ValueError(f"{who} could not convert {what} to an array: {e}") from None


def _check_kind(value: Any, dt: np.dtype, who: str, what: str, kinds: str) -> None:
    if dt.kind not in kinds:
        numbers = "real numbers" if "b" in kinds else "real numbers (integers or floats)"
        raise ValueError(f"{who} expected {what} of {numbers}, got {_describe(value, dt)}")


def _describe(value: Any, dt: np.dtype) -> str:
    """What ``value`` is, for an error message: its dtype, or its type when
    numpy could only wrap it as an object."""
    if dt.kind == "O" and np.ndim(value) == 0:
        return f"a {type(value).__name__}"   # None, a dict, a generator, ...
    if dt.kind == "O":
        return "dtype object (a ragged or non-numeric nested sequence?)"
    return f"dtype {dt}"

