"""How many threads fastrnn uses.

A call that is large enough splits its batch (or, for small batches, its
units) across threads, and Bidirectional runs its two directions at once.
By default fastrnn follows OpenMP's setting, so ``OMP_NUM_THREADS`` and
``threadpoolctl.threadpool_limits(n)`` (which also limits BLAS, used by the
float64 path) apply; ``set_num_threads`` overrides it for fastrnn alone.
"""
from contextlib import contextmanager

from . import _dispatch

__all__ = ["set_num_threads", "get_num_threads", "num_threads"]


def set_num_threads(n):
    """Use at most ``n`` threads per call; 0 goes back to OpenMP's setting."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError(f"set_num_threads expected an integer >= 0, got {n!r}")
    _dispatch.kernels.set_num_threads(n)


def get_num_threads():
    """The number of threads a large call uses."""
    return _dispatch.kernels.get_num_threads()


@contextmanager
def num_threads(n):
    """``with fastrnn.num_threads(1): ...`` -- set_num_threads for a block."""
    previous = _dispatch.kernels.get_num_threads_setting()
    set_num_threads(n)
    try:
        yield
    finally:
        _dispatch.kernels.set_num_threads(previous)
