"""Keras 3 compatible weight initializers (keras/src/initializers/*.py).

The distributions and their parameters are Keras's; the random numbers come
from NumPy, so they are reproducible by seed but not equal to Keras's draws.
An initializer built with ``seed=`` draws from that seed; one without draws
from the generator the layer passes (seeded by the layer's ``seed``).
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeAlias

import numpy as np
from numpy.random import Generator
from numpy.typing import ArrayLike, DTypeLike, NDArray

from ._blas import one_blas_thread

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = [
    "Initializer", "Zeros", "Ones", "Constant", "RandomNormal", "RandomUniform",
    "TruncatedNormal", "VarianceScaling", "GlorotUniform", "GlorotNormal",
    "HeUniform", "HeNormal", "LecunUniform", "LecunNormal", "Orthogonal",
    "Identity", "get", "serialize",
]


class Initializer:
    """Base class: ``initializer(shape, dtype="float32", rng=None) -> ndarray``.

    Initializers are callables that draw the initial weights of a layer.
    Subclasses implement ``_draw(shape, rng)``; ``get_config`` lists the
    constructor arguments, and initializers compare equal when their class
    and config are equal.

    See Also
    --------
    get : An initializer from a Keras name or config dict.

    Examples
    --------
    >>> from fastrnn.initializers import Constant
    >>> init = Constant(0.5)
    >>> print(init((2, 3)))
    [[0.5 0.5 0.5]
     [0.5 0.5 0.5]]
    >>> init == Constant(0.5), init
    (True, Constant(value=0.5))
    """

    def __call__(self, shape: Sequence[int], dtype: DTypeLike = "float32",
                 rng: Generator | None = None) -> NDArray[Any]:
        """Return a new array of ``shape`` and ``dtype`` drawn from the initializer.

        Parameters
        ----------
        shape : tuple of int
            Shape of the array to draw.
        dtype : str or numpy dtype, default "float32"
            Its dtype.
        rng : numpy.random.Generator, optional
            The generator to draw from, unless the initializer has its own
            ``seed``; default a fresh unseeded one.

        Returns
        -------
        ndarray

        Examples
        --------
        >>> import numpy as np
        >>> from fastrnn.initializers import RandomNormal
        >>> init = RandomNormal(stddev=1.0)
        >>> a = init((2, 3), rng=np.random.default_rng(7))
        >>> b = init((2, 3), rng=np.random.default_rng(7))
        >>> a.dtype.name, np.array_equal(a, b)
        ('float32', True)
        """
        return np.asarray(self._draw(tuple(shape), self._rng(rng)), dtype=dtype)

    def _draw(self, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
        raise NotImplementedError

    def _rng(self, rng: Generator | None) -> Generator:
        seed = getattr(self, "seed", None)
        if seed is not None:
            return np.random.default_rng(seed)
        return rng if rng is not None else np.random.default_rng()

    def get_config(self) -> dict[str, Any]:
        """Return the constructor arguments as a dict (Keras's ``get_config``).

        Returns
        -------
        dict

        Examples
        --------
        >>> from fastrnn.initializers import RandomUniform
        >>> RandomUniform(maxval=1.0, seed=2).get_config()
        {'minval': -0.05, 'maxval': 1.0, 'seed': 2}
        """
        return {}

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Self:
        """Create an initializer from a ``get_config()`` dict.

        Parameters
        ----------
        config : dict

        Returns
        -------
        Initializer

        Examples
        --------
        >>> from fastrnn.initializers import Orthogonal
        >>> Orthogonal.from_config({"gain": 2.0, "seed": None})
        Orthogonal(gain=2.0, seed=None)
        """
        return cls(**config)

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self.get_config() == other.get_config()

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


#: What the layers accept as an initializer: a Keras name, a Keras config dict
#: ({"class_name": ..., "config": {...}}) or an Initializer object.
_InitializerLike: TypeAlias = str | Mapping[str, Any] | Initializer


class Constant(Initializer):
    """Initializer that generates tensors with constant values.

    Parameters
    ----------
    value : float or array-like, default 0.0
        The value of every entry (an array is broadcast to the shape).

    Examples
    --------
    >>> from fastrnn.initializers import Constant
    >>> print(Constant(0.1)((2, 2)))
    [[0.1 0.1]
     [0.1 0.1]]

    Constant weights make a layer's output easy to reproduce:

    >>> import numpy as np
    >>> import fastrnn
    >>> layer = fastrnn.SimpleRNN(2, kernel_initializer=Constant(0.5),
    ...                           recurrent_initializer=Constant(0.0))
    >>> print(np.round(layer(np.ones((1, 1, 3))), 4))      # tanh(1.5)
    [[0.9051 0.9051]]
    """

    def __init__(self, value: float | ArrayLike = 0.0) -> None:
        self.value = value

    def _draw(self, shape: tuple[int, ...], rng: Generator) -> np.ndarray:
        return np.broadcast_to(np.asarray(self.value, dtype=np.float64), shape)

    def get_config(self) -> dict[str, Any]:
        return {"value": self.value}


class Zeros(Initializer):
    """Initializer that generates tensors initialized to 0.

    Examples
    --------
    >>> from fastrnn.initializers import Zeros
    >>> print(Zeros()((2, 3)))
    [[0. 0. 0.]
     [0. 0. 0.]]
    """

    def _draw(self, shape: tuple[int, ...], rng: Generator) -> np.ndarray:
        return np.zeros(shape)


class Ones(Initializer):
    """Initializer that generates tensors initialized to 1.

    Examples
    --------
    >>> from fastrnn.initializers import Ones
    >>> print(Ones()((3,), dtype="float64"))
    [1. 1. 1.]
    """

    def _draw(self, shape: tuple[int, ...], rng: Generator) -> np.ndarray:
        return np.ones(shape)


class RandomNormal(Initializer):
    """Random normal initializer.

    Draws samples from a normal distribution for given parameters.

    Parameters
    ----------
    mean : float, default 0.0
        Mean of the random values to generate.
    stddev : float, default 0.05
        Standard deviation of the random values to generate.
    seed : int, optional
        A Python integer used to make the behavior of the initializer
        deterministic: every call draws from ``numpy.random.default_rng(seed)``
        afresh, so every call gives the same values. Without it the
        initializer draws from the generator passed as ``rng`` (a layer
        passes one seeded by its own ``seed``).

    Examples
    --------
    >>> import numpy as np
    >>> from fastrnn.initializers import RandomNormal
    >>> init = RandomNormal(mean=1.0, stddev=0.1, seed=0)
    >>> w = init((200, 50))
    >>> w.shape, bool(abs(w.mean() - 1.0) < 0.01)
    ((200, 50), True)
    >>> np.array_equal(w, init((200, 50)))     # seeded: the same values every call
    True
    """

    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed: int | None = None) -> None:
        self.mean, self.stddev, self.seed = mean, stddev, seed

    def _draw(self, shape: tuple[int, ...], rng: Generator) -> np.ndarray:
        return rng.normal(self.mean, self.stddev, shape)

    def get_config(self) -> dict[str, Any]:
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class RandomUniform(Initializer):
    """Random uniform initializer.

    Draws samples from a uniform distribution for given parameters.

    Parameters
    ----------
    minval : float, default -0.05
        Lower bound of the range of random values to generate (inclusive).
    maxval : float, default 0.05
        Upper bound of the range of random values to generate (exclusive).
    seed : int, optional
        A Python integer used to make the behavior of the initializer
        deterministic: every call draws from ``numpy.random.default_rng(seed)``
        afresh, so every call gives the same values. Without it the
        initializer draws from the generator passed as ``rng`` (a layer
        passes one seeded by its own ``seed``).

    Examples
    --------
    >>> from fastrnn.initializers import RandomUniform
    >>> w = RandomUniform(minval=0.0, maxval=1.0, seed=0)((4, 5))
    >>> w.shape, bool(w.min() >= 0.0 and w.max() < 1.0)
    ((4, 5), True)
    """

    def __init__(self, minval: float = -0.05, maxval: float = 0.05, seed: int | None = None
                ) -> None:
        self.minval, self.maxval, self.seed = minval, maxval, seed

    def _draw(self, shape: tuple[int, ...], rng: Generator) -> np.ndarray:
        return rng.uniform(self.minval, self.maxval, shape)

    def get_config(self) -> dict[str, Any]:
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


def _truncated_normal(rng: Generator, shape: tuple[int, ...], mean: float, stddev: float
                     ) -> np.ndarray:
    # Keras (like TF) redraws values beyond two standard deviations.
    out = rng.normal(size=shape)
    bad = np.abs(out) > 2
    while bad.any():
        out[bad] = rng.normal(size=int(bad.sum()))
        bad = np.abs(out) > 2
    return mean + stddev * out


class TruncatedNormal(Initializer):
    """Initializer that generates a truncated normal distribution.

    The values generated are similar to values from a ``RandomNormal``
    initializer, except that values more than two standard deviations from
    the mean are discarded and re-drawn.

    Parameters
    ----------
    mean : float, default 0.0
        Mean of the random values to generate.
    stddev : float, default 0.05
        Standard deviation of the random values to generate (before
        truncation).
    seed : int, optional
        A Python integer used to make the behavior of the initializer
        deterministic: every call draws from ``numpy.random.default_rng(seed)``
        afresh, so every call gives the same values. Without it the
        initializer draws from the generator passed as ``rng`` (a layer
        passes one seeded by its own ``seed``).

    Examples
    --------
    >>> import numpy as np
    >>> from fastrnn.initializers import TruncatedNormal
    >>> w = TruncatedNormal(stddev=1.0, seed=0)((100, 100))
    >>> bool(np.abs(w).max() <= 2.0)
    True
    """

    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed: int | None = None) -> None:
        self.mean, self.stddev, self.seed = mean, stddev, seed

    def _draw(self, shape: tuple[int, ...], rng: Generator) -> np.ndarray:
        return _truncated_normal(rng, shape, self.mean, self.stddev)

    def get_config(self) -> dict[str, Any]:
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


def _fans(shape: tuple[int, ...]) -> tuple[int, ...]:
    # keras/src/initializers/random_initializers.py compute_fans
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    receptive = math.prod(shape[:-2])
    return shape[-2] * receptive, shape[-1] * receptive


class VarianceScaling(Initializer):
    """Initializer that adapts its scale to the shape of its input tensors.

    With ``distribution="truncated_normal"`` or ``"untruncated_normal"``,
    samples are drawn from a truncated/untruncated normal distribution with a
    mean of zero and a standard deviation (after truncation, if used)
    ``stddev = sqrt(scale / n)``, where ``n`` is:

    - number of input units in the weight tensor, if ``mode="fan_in"``
    - number of output units, if ``mode="fan_out"``
    - average of the numbers of input and output units, if ``mode="fan_avg"``

    With ``distribution="uniform"``, samples are drawn from a uniform
    distribution within ``[-limit, limit]``, where ``limit = sqrt(3 * scale /
    n)``. For a kernel of shape (D, units), the input units are D and the
    output units ``units`` (as Keras counts them; ``n`` is at least 1).

    Parameters
    ----------
    scale : float, default 1.0
        Scaling factor (positive float).
    mode : {"fan_in", "fan_out", "fan_avg"}, default "fan_in"
        Which fan ``n`` is.
    distribution : {"truncated_normal", "untruncated_normal", "uniform"}, default "truncated_normal"
        Random distribution to use.
    seed : int, optional
        A Python integer used to make the behavior of the initializer
        deterministic: every call draws from ``numpy.random.default_rng(seed)``
        afresh, so every call gives the same values. Without it the
        initializer draws from the generator passed as ``rng`` (a layer
        passes one seeded by its own ``seed``).

    Raises
    ------
    ValueError
        For a ``scale`` that is not positive, or an unknown ``mode`` or
        ``distribution``.

    See Also
    --------
    GlorotUniform, GlorotNormal, HeUniform, HeNormal, LecunUniform, LecunNormal

    Examples
    --------
    >>> import numpy as np
    >>> from fastrnn.initializers import VarianceScaling
    >>> init = VarianceScaling(scale=2.0, mode="fan_in", distribution="uniform", seed=0)
    >>> w = init((8, 4))                  # fan_in = 8: limit = sqrt(3 * 2 / 8)
    >>> bool(np.abs(w).max() <= np.sqrt(0.75))
    True
    """

    def __init__(self, scale: float = 1.0, mode: str = "fan_in",
                 distribution: str = "truncated_normal", seed: int | None = None) -> None:
        if scale <= 0.0:
            raise ValueError(f"Argument `scale` must be positive float. Received: scale={scale}")
        if mode not in ("fan_in", "fan_out", "fan_avg"):
            raise ValueError(
                f"Invalid `mode` argument: {mode!r}; expected fan_in, fan_out or fan_avg")
        if distribution not in ("truncated_normal", "untruncated_normal", "uniform"):
            raise ValueError(f"Invalid `distribution` argument: {distribution!r}")
        self.scale, self.mode, self.distribution, self.seed = scale, mode, distribution, seed

    def _draw(self, shape: tuple[int, ...], rng: Generator) -> np.ndarray:
        fan_in, fan_out = _fans(shape)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[self.mode]
        scale = self.scale / max(1.0, n)
        if self.distribution == "truncated_normal":
            # 0.879... is the stddev of a unit normal truncated to [-2, 2].
            return _truncated_normal(rng, shape, 0.0, math.sqrt(scale) / 0.87962566103423978)
        if self.distribution == "untruncated_normal":
            return rng.normal(0.0, math.sqrt(scale), shape)
        limit = math.sqrt(3.0 * scale)
        return rng.uniform(-limit, limit, shape)

    def get_config(self) -> dict[str, Any]:
        return {"scale": self.scale, "mode": self.mode,
                "distribution": self.distribution, "seed": self.seed}


def _variance_scaling(name: str, scale: float, mode: str, distribution: str
                      ) -> type[VarianceScaling]:
    def __init__(self: VarianceScaling, seed: int | None = None) -> None:
        VarianceScaling.__init__(self, scale, mode, distribution, seed)

    def get_config(self: VarianceScaling) -> dict[str, Any]:
        return {"seed": self.seed}

    doc = f"""VarianceScaling({scale}, {mode!r}, {distribution!r}).

    Keras's ``{name}`` initializer: ``VarianceScaling(scale={scale},
    mode={mode!r}, distribution={distribution!r})``; see ``VarianceScaling``
    for the formula.

    Parameters
    ----------
    seed : int, optional
        A Python integer used to make the behavior of the initializer
        deterministic: every call draws from ``numpy.random.default_rng(seed)``
        afresh. Without it the initializer draws from the generator passed as
        ``rng`` (a layer passes one seeded by its own ``seed``).

    Examples
    --------
    >>> import numpy as np
    >>> from fastrnn.initializers import {name}
    >>> w = {name}(seed=0)((3, 4))
    >>> w.shape, w.dtype.name
    ((3, 4), 'float32')
    >>> np.array_equal(w, {name}(seed=0)((3, 4)))
    True
    >>> {name}(seed=0).get_config()
    {{'seed': 0}}
    """
    return type(name, (VarianceScaling,),
                {"__init__": __init__, "get_config": get_config, "__doc__": doc})


if TYPE_CHECKING:
    # What _variance_scaling makes, as classes mypy can see (and users can annotate with).
    class _Preset(VarianceScaling):
        def __init__(self, seed: int | None = None) -> None: ...

    class GlorotUniform(_Preset): ...
    class GlorotNormal(_Preset): ...
    class HeUniform(_Preset): ...
    class HeNormal(_Preset): ...
    class LecunUniform(_Preset): ...
    class LecunNormal(_Preset): ...
else:
    GlorotUniform = _variance_scaling("GlorotUniform", 1.0, "fan_avg", "uniform")
    GlorotNormal = _variance_scaling("GlorotNormal", 1.0, "fan_avg", "truncated_normal")
    HeUniform = _variance_scaling("HeUniform", 2.0, "fan_in", "uniform")
    HeNormal = _variance_scaling("HeNormal", 2.0, "fan_in", "truncated_normal")
    LecunUniform = _variance_scaling("LecunUniform", 1.0, "fan_in", "uniform")
    LecunNormal = _variance_scaling("LecunNormal", 1.0, "fan_in", "truncated_normal")


class Orthogonal(Initializer):
    """Initializer that generates an orthogonal matrix.

    If the shape of the tensor to initialize is two-dimensional, it is
    initialized with an orthogonal matrix obtained from the QR decomposition
    of a matrix of random numbers drawn from a normal distribution. If the
    matrix has fewer rows than columns then the output will have orthogonal
    rows. Otherwise, the output will have orthogonal columns.

    If the shape of the tensor to initialize is more than two-dimensional, a
    matrix of shape ``(shape[0] * ... * shape[n - 2], shape[n - 1])`` is
    initialized, where ``n`` is the length of the shape vector. The matrix is
    subsequently reshaped to give a tensor of the desired shape. It is the
    default ``recurrent_initializer`` of the recurrent layers.

    Parameters
    ----------
    gain : float, default 1.0
        Multiplicative factor to apply to the orthogonal matrix.
    seed : int, optional
        A Python integer used to make the behavior of the initializer
        deterministic: every call draws from ``numpy.random.default_rng(seed)``
        afresh, so every call gives the same values. Without it the
        initializer draws from the generator passed as ``rng`` (a layer
        passes one seeded by its own ``seed``).

    Raises
    ------
    ValueError
        When called with a shape of rank < 2.

    Examples
    --------
    >>> import numpy as np
    >>> from fastrnn.initializers import Orthogonal
    >>> w = Orthogonal(seed=0)((3, 5))
    >>> np.allclose(w @ w.T, np.eye(3), atol=1e-6)       # orthonormal rows
    True
    """

    def __init__(self, gain: float = 1.0, seed: int | None = None) -> None:
        self.gain, self.seed = gain, seed

    def _draw(self, shape: tuple[int, ...], rng: Generator) -> np.ndarray:
        if len(shape) < 2:
            raise ValueError(f"Orthogonal initializer needs a shape of rank >= 2, got {shape}")
        rows, cols = math.prod(shape[:-1]), shape[-1]
        a = rng.normal(size=(max(rows, cols), min(rows, cols)))
        # On one BLAS thread: a multi-threaded OpenBLAS leaves its idle
        # threads spinning for about 0.1 s, taking a core from the layer's
        # first calls (which then took twice as long).
        with one_blas_thread():
            q, r = np.linalg.qr(a)
        q = q * np.sign(np.diag(r))  # makes the decomposition unique
        if rows < cols:
            q = q.T
        return self.gain * q.reshape(shape)

    def get_config(self) -> dict[str, Any]:
        return {"gain": self.gain, "seed": self.seed}


class Identity(Initializer):
    """Initializer that generates the identity matrix.

    Only usable for generating 2D matrices (non-square ones get ones on the
    main diagonal).

    Parameters
    ----------
    gain : float, default 1.0
        Multiplicative factor to apply to the identity matrix.

    Raises
    ------
    ValueError
        When called with a shape that is not 2-D.

    Examples
    --------
    >>> from fastrnn.initializers import Identity
    >>> print(Identity(gain=2.0)((2, 3)))
    [[2. 0. 0.]
     [0. 2. 0.]]
    """

    def __init__(self, gain: float = 1.0) -> None:
        self.gain = gain

    def _draw(self, shape: tuple[int, ...], rng: Generator) -> np.ndarray:
        if len(shape) != 2:
            raise ValueError(f"Identity initializer needs a 2-D shape, got {shape}")
        return self.gain * np.eye(*shape)

    def get_config(self) -> dict[str, Any]:
        return {"gain": self.gain}


_CLASSES = {cls.__name__: cls for cls in (
    Zeros, Ones, Constant, RandomNormal, RandomUniform, TruncatedNormal,
    VarianceScaling, GlorotUniform, GlorotNormal, HeUniform, HeNormal,
    LecunUniform, LecunNormal, Orthogonal, Identity)}
# Keras's snake_case names for the same classes.
_NAMES = {
    "zeros": Zeros, "ones": Ones, "constant": Constant, "random_normal": RandomNormal,
    "random_uniform": RandomUniform, "truncated_normal": TruncatedNormal,
    "variance_scaling": VarianceScaling, "glorot_uniform": GlorotUniform,
    "glorot_normal": GlorotNormal, "he_uniform": HeUniform, "he_normal": HeNormal,
    "lecun_uniform": LecunUniform, "lecun_normal": LecunNormal,
    "orthogonal": Orthogonal, "identity": Identity,
    # Keras's short aliases (Embedding defaults to "uniform").
    "uniform": RandomUniform, "normal": RandomNormal
}


def get(identifier: _InitializerLike) -> Initializer:
    """An Initializer from a Keras name, a Keras config dict or an Initializer.

    Parameters
    ----------
    identifier : str, dict or Initializer
        A Keras name in snake_case (``"glorot_uniform"``, ``"orthogonal"``,
        ``"zeros"``, ...; also ``"uniform"`` and ``"normal"``) or a class name
        (``"GlorotUniform"``); a Keras config dict ``{"class_name": ...,
        "config": {...}}``; or an initializer, returned as it is.

    Returns
    -------
    Initializer

    Raises
    ------
    ValueError
        Listing the accepted names, for anything else.

    See Also
    --------
    serialize : The inverse, an initializer's Keras config dict.

    Examples
    --------
    >>> from fastrnn import initializers
    >>> initializers.get("glorot_uniform")
    GlorotUniform(seed=None)
    >>> initializers.get({"class_name": "RandomNormal", "config": {"stddev": 1.0, "seed": 3}})
    RandomNormal(mean=0.0, stddev=1.0, seed=3)
    >>> init = initializers.Ones()
    >>> initializers.get(init) is init
    True
    """
    if isinstance(identifier, Initializer):
        return identifier
    if isinstance(identifier, str):
        cls = _NAMES.get(identifier) or _CLASSES.get(identifier)
        if cls is not None:
            return cls()
    elif isinstance(identifier, dict) and identifier.get("class_name") in _CLASSES:
        return _CLASSES[identifier["class_name"]].from_config(dict(identifier.get("config") or {}))
    raise ValueError(
        f"Unknown initializer {identifier!r}. Use an object from fastrnn.initializers, "
        f"a Keras config dict, or one of: {', '.join(sorted(_NAMES))}."
    )


def serialize(initializer: Initializer) -> dict[str, Any]:
    """The Keras 3 config dict of an initializer.

    This is what the layers' ``get_config()`` holds for their initializers.

    Parameters
    ----------
    initializer : Initializer

    Returns
    -------
    dict
        ``{"module": "keras.initializers", "class_name": ..., "config": {...},
        "registered_name": None}``.

    See Also
    --------
    get : Accepts this dict back.

    Examples
    --------
    >>> from fastrnn import initializers
    >>> config = initializers.serialize(initializers.Constant(0.1))
    >>> config["class_name"], config["config"]
    ('Constant', {'value': 0.1})
    >>> initializers.get(config)
    Constant(value=0.1)
    """
    return {"module": "keras.initializers", "class_name": type(initializer).__name__,
            "config": initializer.get_config(), "registered_name": None}
