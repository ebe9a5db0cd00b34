"""The activation table: Keras 3 name -> kernel code, plus the NumPy formula.

The names are those ``keras.activations.get`` accepts that an RNN layer can
use (keras/src/activations/__init__.py). ``glu`` (halves the units) and
``threshold`` (needs two extra arguments) are rejected by Keras RNN layers
too. The NumPy formulas are the kernels' rules (fastrnn/_activations.pxi),
which are Keras's TensorFlow backend op for op, in the array's dtype;
tests/test_activation_fixtures.py checks both against real Keras on NaN,
infinities, huge and tiny values, and tests/reference.py runs the recurrences
with them.

``NAMES`` is the tuple of every accepted name, sorted: ``celu``, ``elu``,
``exponential``, ``gelu``, ``hard_shrink``, ``hard_sigmoid``, ``hard_silu``,
``hard_swish`` (alias of ``hard_silu``), ``hard_tanh``, ``leaky_relu``,
``linear``, ``log_sigmoid``, ``log_softmax``, ``mish``, ``relu``, ``relu6``,
``selu``, ``sigmoid``, ``silu``, ``soft_shrink``, ``softmax``, ``softplus``,
``softsign``, ``sparse_plus``, ``sparse_sigmoid``, ``sparsemax``,
``squareplus``, ``swish`` (alias of ``silu``), ``tanh``, ``tanh_shrink``.
``hard_sigmoid`` is Keras 3's ``relu6(x + 3) / 6``.

Examples
--------
>>> from fastrnn import activations
>>> len(activations.NAMES), "tanh" in activations.NAMES, "glu" in activations.NAMES
(30, True, False)
>>> activations.NAMES[:4]
('celu', 'elu', 'exponential', 'gelu')
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._kernels import Activation

__all__ = ["get", "serialize", "NAMES", "numpy_function"]

# The rules below are those of the kernels (fastrnn/_activations.pxi, which
# says which Keras and TensorFlow source each follows), op for op and in the
# array's dtype, so that Dense and Activation give what the recurrent layers
# give, and what Keras gives, on NaN, +-inf, overflow and underflow too.
# np.where(cond, a, b) takes b where cond is NaN, as tf.where does.
# TensorFlow's CPU kernels flush subnormals to zero; _ftz does that to the
# intermediates where it shows in a normal result.


def _ftz(v: np.ndarray) -> np.ndarray:
    # v >= 0 (exp, erfc, sigmoid), as in the kernels
    return np.where(v < np.finfo(v.dtype).tiny, 0, v)


def _exp(x: np.ndarray) -> np.ndarray:
    return _ftz(np.exp(x))


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return _ftz(1 / (1 + np.exp(-x)))


def _softplus(x: np.ndarray) -> np.ndarray:
    # tf.math.softplus (softplus_op.h): thresholds at log(epsilon) + 2.
    threshold = np.log(np.finfo(x.dtype).eps) + 2
    return np.where(x > -threshold, x, np.where(x < threshold, _exp(x), np.log1p(_exp(x))))


def _relu6(x: np.ndarray) -> np.ndarray:
    return np.where(x < 0, 0, np.where(x > 6, 6, x))


def _hard_sigmoid(x: np.ndarray) -> np.ndarray:
    # Keras 3: relu6(x + 3) / 6. (Keras 2 used clip(0.2 * x + 0.5, 0, 1).)
    return _relu6(x + 3) / 6


def _float32_constant(c: float, x: np.ndarray) -> Any:
    """c as TensorFlow has it when a Python float reaches x's dtype by way of a
    float32 tensor or attribute (leaky_relu's slope, gelu's sqrt(1/2))."""
    return x.dtype.type(np.float32(c))


def _leaky_relu(x: np.ndarray) -> np.ndarray:
    return np.where(x > 0, x, x * _float32_constant(0.2, x))


def _elu(x: np.ndarray) -> np.ndarray:
    return np.where(x < 0, _exp(x) - 1, x)           # exp(x) - 1, not expm1


def _selu(x: np.ndarray) -> np.ndarray:
    return np.where(x < 0, x.dtype.type(1.7580993408473768599402175208123) * (_exp(x) - 1),
                    x.dtype.type(1.0507009873554804934193349852946) * x)


def _celu(x: np.ndarray) -> np.ndarray:
    return np.where(x < 0, 0, x) + np.expm1(np.where(x > 0, 0, x))


def _gelu(x: np.ndarray) -> np.ndarray:
    from scipy.special import erfc  # scipy is a dependency (the kernels use its BLAS)

    return (0.5 * x) * _ftz(erfc(-x * _float32_constant(0.7071067811865476, x)))


def _softmax(x: np.ndarray) -> np.ndarray:
    # tf.nn.softmax: exp(x - max) / sum; NaN or +inf anywhere: a NaN row.
    e = _exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _log_softmax(x: np.ndarray) -> np.ndarray:
    shifted = x - x.max(axis=-1, keepdims=True)
    return shifted - np.log(_exp(shifted).sum(axis=-1, keepdims=True))


def _tf_sort_descending(row: np.ndarray) -> np.ndarray:
    """``row`` in the order tf.sort(direction="DESCENDING") gives it, NaN and all:
    libstdc++'s std::sort with comp(a, b) = b < a, step for step, as the
    kernels' _tf_sort (see there). Only rows holding NaN need it."""
    a = [v for v in row]
    n = len(a)

    def before(p: Any, q: Any) -> bool:
        return q < p

    def insert_left(last: int) -> None:
        value, prev = a[last], last - 1
        while prev >= 0 and before(value, a[prev]):
            a[last], last, prev = a[prev], prev, prev - 1
        a[last] = value

    def insertion_sort(end: int) -> None:
        for i in range(1, end):
            if before(a[i], a[0]):
                a[:i + 1] = [a[i]] + a[:i]
            else:
                insert_left(i)

    def adjust_heap(first: int, hole: int, length: int, value: Any) -> None:
        top = child = hole
        while child < (length - 1) // 2:
            child = 2 * (child + 1)
            if before(a[first + child], a[first + child - 1]):
                child -= 1
            a[first + hole], hole = a[first + child], child
        if length % 2 == 0 and child == (length - 2) // 2:
            child = 2 * (child + 1)
            a[first + hole], hole = a[first + child - 1], child - 1
        parent = (hole - 1) // 2
        while hole > top and before(a[first + parent], value):
            a[first + hole], hole = a[first + parent], parent
            parent = (hole - 1) // 2
        a[first + hole] = value

    def heap_sort(first: int, length: int) -> None:
        for parent in range((length - 2) // 2, -1, -1):
            adjust_heap(first, parent, length, a[first + parent])
        while length > 1:
            length -= 1
            value, a[first + length] = a[first + length], a[first]
            adjust_heap(first, 0, length, value)

    def introsort(first: int, last: int, depth: int) -> None:
        while last - first > 16:
            if depth == 0:
                heap_sort(first, last - first)
                return
            depth -= 1
            x, y, z = first + 1, first + (last - first) // 2, last - 1
            if before(a[x], a[y]):
                median = y if before(a[y], a[z]) else (z if before(a[x], a[z]) else x)
            elif before(a[x], a[z]):
                median = x
            else:
                median = z if before(a[y], a[z]) else y
            a[first], a[median] = a[median], a[first]
            lo, hi = first + 1, last
            while True:
                while lo < n - 1 and before(a[lo], a[first]):
                    lo += 1
                hi -= 1
                while before(a[first], a[hi]):
                    hi -= 1
                if not lo < hi:
                    break
                a[lo], a[hi] = a[hi], a[lo]
                lo += 1
            introsort(lo, last, depth)
            last = lo

    if n > 1:
        introsort(0, n, 2 * (n.bit_length() - 1))
        insertion_sort(min(n, 16))
        for i in range(16, n):
            insert_left(i)
    return np.array(a, dtype=np.asarray(row).dtype)


def _sparsemax(x: np.ndarray) -> np.ndarray:
    # Keras's TensorFlow sparsemax (keras/src/backend/tensorflow/nn.py), as the
    # kernels' _sparsemax: tau sums the prefix sums over the support; an
    # empty support makes tau -inf and the row inf.
    if x.size == 0:
        return x.copy()
    rows = x.reshape(-1, x.shape[-1])
    z = np.sort(rows, axis=-1)[:, ::-1]
    for r in np.flatnonzero(np.isnan(rows).any(axis=-1)):
        z[r] = _tf_sort_descending(rows[r])
    k = np.arange(1, x.shape[-1] + 1, dtype=x.dtype)
    prefix = np.cumsum(z, axis=-1)
    support = z - (prefix - 1) / k > 0
    tau = ((np.where(support, prefix, 0).sum(axis=-1, keepdims=True) - 1)
           / support.sum(axis=-1, keepdims=True).astype(x.dtype))
    d = rows - tau
    return np.where(d < 0, 0, d).reshape(x.shape)


# name -> (kernel code, NumPy formula)
_TABLE = {
    "linear": (Activation.LINEAR, lambda x: x),
    "tanh": (Activation.TANH, np.tanh),
    "sigmoid": (Activation.SIGMOID, _sigmoid),
    "hard_sigmoid": (Activation.HARD_SIGMOID, _hard_sigmoid),
    "relu": (Activation.RELU, lambda x: np.where(x < 0, 0, x)),
    "relu6": (Activation.RELU6, _relu6),
    "leaky_relu": (Activation.LEAKY_RELU, _leaky_relu),
    "elu": (Activation.ELU, _elu),
    "selu": (Activation.SELU, _selu),
    "celu": (Activation.CELU, _celu),
    "softplus": (Activation.SOFTPLUS, _softplus),
    "softsign": (Activation.SOFTSIGN, lambda x: x / (np.abs(x) + 1)),
    "silu": (Activation.SILU, lambda x: x * _sigmoid(x)),
    "hard_silu": (Activation.HARD_SILU, lambda x: x * _hard_sigmoid(x)),
    "gelu": (Activation.GELU, _gelu),
    "mish": (Activation.MISH, lambda x: x * np.tanh(_softplus(x))),
    "exponential": (Activation.EXPONENTIAL, _exp),
    "hard_tanh": (Activation.HARD_TANH, lambda x: np.where(x < -1, -1, np.where(x > 1, 1, x))),
    "tanh_shrink": (Activation.TANH_SHRINK, lambda x: x - np.tanh(x)),
    "soft_shrink": (
        Activation.SOFT_SHRINK,
        lambda x: np.where(x > 0.5, x - 0.5, np.where(x < -0.5, x + 0.5, 0)),
    ),
    "hard_shrink": (Activation.HARD_SHRINK, lambda x: np.where(np.abs(x) > 0.5, x, 0)),
    "sparse_plus": (
        Activation.SPARSE_PLUS,
        lambda x: np.where(x <= -1, 0, np.where(x < 1, (x + 1) * (x + 1) * 0.25, x)),
    ),
    "sparse_sigmoid": (
        Activation.SPARSE_SIGMOID,
        lambda x: np.where(x <= -1, 0, np.where(x >= 1, 1, 0.5 * (x + 1))),
    ),
    "squareplus": (Activation.SQUAREPLUS, lambda x: (x + np.sqrt(x * x + 4)) / 2),
    "log_sigmoid": (Activation.LOG_SIGMOID, lambda x: -_softplus(-x)),
    "softmax": (Activation.SOFTMAX, _softmax),
    "log_softmax": (Activation.LOG_SOFTMAX, _log_softmax),
    "sparsemax": (Activation.SPARSEMAX, _sparsemax),
}

# Keras registers these aliases; get_config reports the canonical name.
_ALIASES = {"swish": "silu", "hard_swish": "hard_silu"}

NAMES: tuple[str, ...] = tuple(sorted(set(_TABLE) | set(_ALIASES)))


def serialize(identifier: str | None) -> str:
    """The canonical Keras name for an activation identifier (None -> "linear").

    Raises ValueError, listing the accepted names, for anything else.
    This is the name a layer's ``get_config()`` reports.

    Parameters
    ----------
    identifier : str or None
        A name in ``NAMES`` (aliases included), or None for linear.

    Returns
    -------
    str
        The canonical name: None gives ``"linear"``, ``"swish"`` gives
        ``"silu"`` and ``"hard_swish"`` gives ``"hard_silu"``.

    Raises
    ------
    ValueError
        For anything else, listing the accepted names.

    Examples
    --------
    >>> from fastrnn import activations
    >>> activations.serialize(None), activations.serialize("swish"), activations.serialize("tanh")
    ('linear', 'silu', 'tanh')
    >>> activations.serialize("glu")
    Traceback (most recent call last):
        ...
    ValueError: Unknown activation 'glu'. fastrnn accepts None or one of the Keras 3 names: ...
    """
    if identifier is None:
        return "linear"
    if isinstance(identifier, str):
        name = _ALIASES.get(identifier, identifier)
        if name in _TABLE:
            return name
    raise ValueError(
        f"Unknown activation {identifier!r}. fastrnn accepts None or one of the "
        f"Keras 3 names: {', '.join(NAMES)}."
    )


def get(identifier: str | None) -> int:
    """Kernel code for an activation identifier (a Keras name or None).

    Parameters
    ----------
    identifier : str or None
        A name in ``NAMES``, or None for linear.

    Returns
    -------
    int
        The kernels' code for the activation (a ``fastrnn._kernels.Activation``
        value); aliases share their canonical name's code.

    Raises
    ------
    ValueError
        Like ``serialize``, for an unknown name.

    Examples
    --------
    >>> from fastrnn import activations
    >>> isinstance(activations.get("tanh"), int)
    True
    >>> activations.get("swish") == activations.get("silu")
    True
    >>> activations.get(None) == activations.get("linear")
    True
    """
    return int(_TABLE[serialize(identifier)][0])


def numpy_function(identifier: str | None) -> Callable[[NDArray[Any]], NDArray[Any]]:
    """The NumPy formula of an activation, applied over the last axis.

    Elementwise for every activation but ``softmax``, ``log_softmax`` and
    ``sparsemax``, which normalize over the last axis. Computed in the
    array's dtype (other dtypes in float64), as Keras does, NaN and
    infinities included, without NumPy's overflow warnings. ``Dense`` and
    ``Activation`` compute with these; the recurrent kernels follow the same
    rules.

    Parameters
    ----------
    identifier : str or None
        A name in ``NAMES``, or None for linear.

    Returns
    -------
    callable
        ``f(x: ndarray) -> ndarray``.

    Raises
    ------
    ValueError
        Like ``serialize``, for an unknown name.

    Examples
    --------
    >>> import numpy as np
    >>> from fastrnn import activations
    >>> x = np.array([-2.0, 0.0, 2.0])
    >>> print(activations.numpy_function("relu")(x))
    [0. 0. 2.]
    >>> print(activations.numpy_function("hard_sigmoid")(x))      # relu6(x + 3) / 6
    [0.16666667 0.5        0.83333333]
    >>> print(np.round(activations.numpy_function("softmax")(x), 4))
    [0.0159 0.1173 0.8668]
    """
    return _quiet(_TABLE[serialize(identifier)][1])


def _quiet(formula: Any) -> Callable[..., Any]:
    """``formula`` on a float array, without NumPy's overflow and invalid-value
    warnings (Keras gives inf and NaN silently too)."""
    def apply(x: ArrayLike) -> np.ndarray:
        x = np.asarray(x)
        if x.dtype.kind != "f":
            x = x.astype(np.float64)
        with np.errstate(all="ignore"):
            return formula(x)
    apply.__name__ = apply.__qualname__ = getattr(formula, "__name__", "activation")
    return apply
