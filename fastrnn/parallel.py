"""How many threads fastrnn uses.

A call that is large enough splits its batch (or, for small batches, its
units) across threads, and Bidirectional runs its two directions at once.
By default fastrnn follows OpenMP's setting, so ``OMP_NUM_THREADS`` and
``threadpoolctl.threadpool_limits(n)`` (which also limits BLAS, used by the
float64 path) apply; ``set_num_threads`` overrides it for fastrnn alone.

Idle OpenMP threads wait passively: unless ``OMP_WAIT_POLICY`` or
``GOMP_SPINCOUNT`` is set, importing fastrnn sets ``OMP_WAIT_POLICY=PASSIVE``
(before libgomp loads), as libgomp's default spinning after each call took
the cores that the caller, numpy or another process needed.

After ``fork()`` (multiprocessing's fork start method, prefork servers), a
child of a process that had run fastrnn's OpenMP threads computes on one
thread and warns once: GNU libgomp's threads do not survive a fork, and its
next parallel region would wait for them forever.
"""
from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from . import _dispatch

__all__ = ["set_num_threads", "get_num_threads", "num_threads"]


def set_num_threads(n: int) -> None:
    """Use at most ``n`` threads per call; 0 goes back to OpenMP's setting.

    A call that is large enough splits its batch (or, for small batches, its
    units) across threads, and ``Bidirectional`` runs its two directions at
    once. By default fastrnn follows OpenMP's setting (``OMP_NUM_THREADS``,
    ``threadpoolctl.threadpool_limits``); this overrides it for fastrnn
    alone. The setting is process-wide.

    Parameters
    ----------
    n : int
        The most threads a call may use, an integer >= 1; or 0 to follow
        OpenMP's setting again.

    Raises
    ------
    ValueError
        For anything but an integer >= 0.

    See Also
    --------
    get_num_threads : The number of threads a large call uses now.
    num_threads : The same, for a ``with`` block.

    Examples
    --------
    >>> import fastrnn
    >>> fastrnn.set_num_threads(1)
    >>> fastrnn.get_num_threads()
    1
    >>> fastrnn.set_num_threads(0)          # back to OpenMP's setting
    >>> fastrnn.set_num_threads(-1)
    Traceback (most recent call last):
        ...
    ValueError: set_num_threads expected an integer >= 0, got -1
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError(f"set_num_threads expected an integer >= 0, got {n!r}")
    _dispatch.kernels.set_num_threads(n)


def get_num_threads() -> int:
    """Return the number of threads a large call uses.

    Returns
    -------
    int
        The ``set_num_threads`` value, or OpenMP's ``omp_get_max_threads()``
        when that is 0 (the default).

    See Also
    --------
    set_num_threads, num_threads

    Examples
    --------
    >>> import fastrnn
    >>> fastrnn.get_num_threads() >= 1
    True
    >>> with fastrnn.num_threads(1):
    ...     fastrnn.get_num_threads()
    1
    """
    return _dispatch.kernels.get_num_threads()


@contextmanager
def num_threads(n: int) -> Iterator[None]:
    """``with fastrnn.num_threads(1): ...`` -- set_num_threads for a block.

    A context manager: ``set_num_threads(n)`` on entry, and the previous
    setting back on exit (also when the block raises).

    Parameters
    ----------
    n : int
        As for ``set_num_threads``: the most threads a call may use, or 0
        for OpenMP's setting.

    Raises
    ------
    ValueError
        For anything but an integer >= 0 (on entry).

    See Also
    --------
    set_num_threads, get_num_threads

    Examples
    --------
    >>> import numpy as np
    >>> import fastrnn
    >>> layer = fastrnn.GRU(8, seed=0)
    >>> before = fastrnn.get_num_threads()
    >>> with fastrnn.num_threads(1):
    ...     y = layer(np.ones((4, 3, 2)))         # one thread
    ...     fastrnn.get_num_threads()
    1
    >>> fastrnn.get_num_threads() == before
    True
    """
    previous = _dispatch.kernels.get_num_threads_setting()
    set_num_threads(n)
    try:
        yield
    finally:
        _dispatch.kernels.set_num_threads(previous)


def _after_fork_in_child() -> None:
    # Each kernel build records the OpenMP threads it ran (in C, at fork
    # time), but all builds share one libgomp: a child may use none of them.
    loaded = [sys.modules[f"fastrnn.{name}"] for name in _dispatch.MODULES.values()
              if f"fastrnn.{name}" in sys.modules]
    if any(module.threads_started() for module in loaded):
        for module in loaded:
            module.forbid_threads()


os.register_at_fork(after_in_child=_after_fork_in_child)
