"""fastrnn/_blas.py: the convolutions' big products on fastrnn's threads, BLAS kept to
one thread while they run, and numpy's own BLAS thread count restored afterwards (also
when several threads call at once)."""
import threading

import numpy as np
import pytest

import fastrnn
from fastrnn import _blas

threadpoolctl = pytest.importorskip("threadpoolctl")


def blas_threads():
    return {i["filepath"]: i["num_threads"]
            for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"}


@pytest.mark.parametrize("rows", [7, 5000, 100_003])
@pytest.mark.parametrize("threads", [1, 2])
def test_matmul_rows_is_the_product(rows, threads):
    rng = np.random.default_rng(rows)
    a = rng.normal(size=(rows, 37)).astype(np.float32)
    b = rng.normal(size=(37, 19)).astype(np.float32)
    out = np.empty((rows, 19), np.float32)
    with fastrnn.num_threads(threads):
        _blas.matmul_rows(a, b, out)
    # Row blocks of one BLAS call each: the same sums as one product, row by row.
    for s in range(0, rows, 32768):
        np.testing.assert_array_equal(out[s:s + 32768], a[s:s + 32768] @ b)


def test_blas_runs_on_one_thread_during_and_is_restored_after():
    before = blas_threads()
    seen = []
    a = np.ones((300_000, 9), np.float32)
    b = np.ones((9, 32), np.float32)
    out = np.empty((300_000, 32), np.float32)
    with _blas.one_blas_thread():
        seen.append(blas_threads())
    _blas.matmul_rows(a, b, out)
    assert all(n == 1 for n in seen[0].values())
    assert blas_threads() == before


def test_concurrent_products_restore_the_thread_count():
    before = blas_threads()
    a = np.ones((200_000, 16), np.float32)
    b = np.ones((16, 16), np.float32)
    errors = []

    def work():
        try:
            for _ in range(5):
                _blas.matmul_rows(a, b, np.empty((200_000, 16), np.float32))
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)
    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert blas_threads() == before


def test_conv_results_do_not_depend_on_the_thread_count():
    layer = fastrnn.Conv2D(8, 3, padding="same")
    x = np.random.default_rng(0).normal(size=(40, 60, 30, 3)).astype(np.float32)
    with fastrnn.num_threads(1):
        one = layer(x)
    with fastrnn.num_threads(2):
        two = layer(x)
    np.testing.assert_array_equal(one, two)
