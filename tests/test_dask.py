"""Score a large dask array of sequences on worker processes (the README's Dask example).

The model is pickled to two worker processes of a dask.distributed LocalCluster;
their scores must equal a single-process run exactly. Skipped only when dask or
distributed is not installed (the `dask` extra).
"""
import os

import numpy as np
import pytest

import fastrnn

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")


def sentiment_model(vocab=1000, embed=16, units=32):
    model = fastrnn.Sequential([
        fastrnn.InputLayer(shape=(None,), dtype="int32"),
        fastrnn.Embedding(vocab, embed, mask_zero=True),
        fastrnn.Bidirectional(fastrnn.LSTM(units)),
        fastrnn.Dense(1, activation="sigmoid"),
    ])
    model.build((None, None))
    rng = np.random.default_rng(0)
    model.set_weights([rng.normal(0, 0.3, w.shape).astype(w.dtype) for w in model.get_weights()])
    return model


def padded_sequences(n, steps, vocab, chunk):
    """A dask array of token ids, post-padded with zeros, generated on the workers."""
    rng = da.random.RandomState(1)
    tokens = rng.randint(1, vocab, size=(n, steps), chunks=(chunk, steps)).astype(np.int32)
    lengths = rng.randint(1, steps + 1, size=(n,), chunks=(chunk,))
    return da.where(da.arange(steps)[None, :] < lengths[:, None], tokens, 0)


def test_map_blocks_on_worker_processes_equals_single_process():
    model = sentiment_model()
    x = padded_sequences(100_000, 50, 1000, chunk=10_000)
    scores = x.map_blocks(model.predict, batch_size=512, verbose=0,
                          dtype=np.float32, chunks=(x.chunks[0], (1,)))

    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        distributed_scores = scores.compute()
        # the work really ran in two other processes
        pids = client.run(os.getpid)
        assert len(pids) == 2 and os.getpid() not in pids.values()

    single = scores.compute(scheduler="synchronous")
    x_np = x.compute(scheduler="synchronous")
    assert (x_np == 0).any() and (x_np[:, 0] != 0).all()
    assert distributed_scores.shape == (100_000, 1) and distributed_scores.dtype == np.float32
    np.testing.assert_array_equal(distributed_scores, single)
    # and the same, up to float32 rounding, as one predict over everything
    np.testing.assert_allclose(single, model.predict(x_np, batch_size=512, verbose=0),
                               rtol=1e-6, atol=1e-7)
