"""Large matrix products of the Python layers (the convolutions' im2col GEMMs) on
fastrnn's threads: row blocks, each a single-threaded BLAS call, one per thread.

Why: numpy's OpenBLAS spreads one product over its own threads, which spin and
wait for cores; with another process busy, a product of 90 MFLOP took 71 ms on
2 threads and 19 ms on one (7 ms in row blocks: the output stays in cache).
Splitting rows over fastrnn's threads (``fastrnn.set_num_threads``) with BLAS
kept to one thread each gave 5.6 ms on the same machine. threadpoolctl (a
dependency) sets OpenBLAS's thread count for the duration of the call.
"""
from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from . import parallel

__all__ = ["matmul_rows", "one_blas_thread"]

# Below this many multiply-adds a product is not worth the limit call (19 us).
_SPLIT_MACS = 1 << 18
# Rows per BLAS call: the block's output stays in cache.
_BLOCK_ROWS = 1 << 15

_lock = threading.Lock()
_active = 0            # products running with BLAS limited to one thread
_limit: Any = None     # threadpoolctl's limiter while _active > 0
_controller: Any = None  # threadpoolctl's view of the loaded BLAS (found once: it is slow)


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """BLAS on one thread while any product of this module runs. Counted, so that
    concurrent callers neither restore too early nor keep a limit forever."""
    global _active, _limit, _controller
    with _lock:
        if _active == 0:
            if _controller is None:
                try:
                    from threadpoolctl import ThreadpoolController
                except ImportError:   # (then numpy's BLAS keeps its own threads)
                    _controller = False
                else:
                    _controller = ThreadpoolController()
            _limit = _controller.limit(limits=1, user_api="blas") if _controller else None
        _active += 1
    try:
        yield
    finally:
        with _lock:
            _active -= 1
            if _active == 0 and _limit is not None:
                _limit.restore_original_limits()
                _limit = None


def matmul_rows(a: np.ndarray, b: np.ndarray, out: np.ndarray) -> np.ndarray:
    """``out[...] = a @ b`` for a (rows, k) and b (k, n), in row blocks on fastrnn's
    threads (one BLAS thread each) when the product is large."""
    rows, k = a.shape
    if rows * k * b.shape[1] < _SPLIT_MACS:
        return np.matmul(a, b, out=out)
    threads = max(1, min(parallel.get_num_threads(), -(-rows // _BLOCK_ROWS)))
    starts = list(range(0, rows, _BLOCK_ROWS))

    def work(first: int) -> None:
        for s in starts[first::threads]:
            np.matmul(a[s:s + _BLOCK_ROWS], b, out=out[s:s + _BLOCK_ROWS])

    with one_blas_thread():
        helpers = [threading.Thread(target=work, args=(i,)) for i in range(1, threads)]
        for t in helpers:
            t.start()
        try:
            work(0)
        finally:
            for t in helpers:
                t.join()
    return out
