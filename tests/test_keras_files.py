"""fastrnn.load_model on real Keras 3 .keras and .h5 files (tests/data/models).

The files, inputs and expected outputs come from Keras 3.15.1 (TensorFlow 2.21
CPU) via tools/make_model_fixtures.py; never edit them by hand.
"""
import io
import json
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

import fastrnn
from support import run_python

DATA = Path(__file__).parent / "data" / "models"
MODELS = ["sentiment_seq", "sentiment_func", "stacked_gru_seq", "masking_rnn_seq",
          "masking_rnn_func", "reshape_flatten_func"]
RTOL, ATOL = 1e-4, 1e-5


@pytest.fixture
def h5py():
    return pytest.importorskip("h5py")


def expected(name):
    with np.load(DATA / f"{name}.npz", allow_pickle=False) as z:
        return z["x"], z["expected"]


@pytest.mark.parametrize("ext", [".keras", ".h5"])
@pytest.mark.parametrize("name", MODELS)
def test_model_file_matches_keras(h5py, name, ext):
    model = fastrnn.load_model(DATA / f"{name}{ext}")
    # keras.Sequential loads as a Sequential, a functional model as a Model
    assert type(model) is (fastrnn.Sequential if name.endswith("_seq") else fastrnn.Model)
    x, want = expected(name)
    got = model.predict(x, verbose=0)
    assert got.shape == want.shape and got.dtype == np.float32
    np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL)
    # batching does not change the result; nor does calling directly
    np.testing.assert_allclose(model.predict(x, batch_size=2, verbose=0), got, rtol=0, atol=1e-6)
    np.testing.assert_allclose(model(x), got, rtol=0, atol=1e-6)


@pytest.mark.parametrize("name", MODELS)
def test_keras_and_h5_give_the_same_model(h5py, name):
    a = fastrnn.load_model(DATA / f"{name}.keras")
    b = fastrnn.load_model(DATA / f"{name}.h5")
    assert [type(layer) for layer in a.layers] == [type(layer) for layer in b.layers]
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(wa, wb)


def test_functional_fixtures_hold_the_mask_ops():
    # The point of the functional fixtures: Keras records NotEqual / Any mask ops.
    ops = {}
    for name in ("sentiment_func", "masking_rnn_func"):
        with zipfile.ZipFile(DATA / f"{name}.keras") as zf:
            config = json.loads(zf.read("config.json"))
        ops[name] = [e["class_name"] for e in config["config"]["layers"]
                     if e.get("module", "").startswith("keras.src.ops")]
    assert ops == {"sentiment_func": ["NotEqual"], "masking_rnn_func": ["NotEqual", "Any"]}


def test_loaded_layers(h5py):
    model = fastrnn.load_model(DATA / "sentiment_seq.keras")
    kinds = [type(layer).__name__ for layer in model.layers]
    assert kinds == ["Embedding", "SpatialDropout1D", "Bidirectional", "Dropout", "Dense"]
    assert model.layers[0].mask_zero
    assert model.input_layer.dtype == "int32"
    model = fastrnn.load_model(DATA / "stacked_gru_seq.h5")
    assert [type(layer).__name__ for layer in model.layers] == ["GRU", "GRU", "TimeDistributed"]
    assert model.layers[1].reset_after is False
    assert type(model.layers[2].layer).__name__ == "Dense"


def _conv_renamed(config):
    """unsupported_conv1d's config with its Conv1D (which fastrnn now loads) renamed
    to a Keras class fastrnn does not have."""
    for entry in config["config"]["layers"]:
        if entry["class_name"] == "Conv1D":
            entry["class_name"] = "Conv3DTranspose"


def unsupported_copy(tmp_path, ext):
    import h5py

    dst = tmp_path / f"unsupported{ext}"
    if ext == ".keras":
        _rewrite_keras(DATA / "unsupported_conv1d.keras", dst, _conv_renamed)
    else:
        dst.write_bytes((DATA / "unsupported_conv1d.h5").read_bytes())
        with h5py.File(dst, "r+") as f:
            config = json.loads(f.attrs["model_config"])
            _conv_renamed(config)
            f.attrs["model_config"] = json.dumps(config)
    return dst


@pytest.mark.parametrize("ext", [".keras", ".h5"])
def test_unsupported_layer_is_named(h5py, ext, tmp_path):
    with pytest.raises(NotImplementedError, match=r"'my_conv'.*Conv3DTranspose"):
        fastrnn.load_model(unsupported_copy(tmp_path, ext))


@pytest.mark.parametrize("ext", [".keras", ".h5"])
def test_conv1d_lstm_model_loads(h5py, ext):
    model = fastrnn.load_model(DATA / f"unsupported_conv1d{ext}")
    assert [type(layer).__name__ for layer in model.layers] == ["Conv1D", "LSTM"]
    assert model(np.ones((1, 7, 3), np.float32)).shape == (1, 2)


def _rewrite_keras(src, dst, edit):
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "config.json":
                config = json.loads(data)
                edit(config)
                data = json.dumps(config).encode()
            zout.writestr(item, data)


def test_explicit_mask_in_the_config_is_computed_as_written(h5py, tmp_path):
    # A functional config passes the NotEqual op's result as mask=; the graph
    # runs that op, so an edited op (tokens != 5) is what the model computes.
    def edit(config):
        for entry in config["config"]["layers"]:
            if entry["class_name"] == "NotEqual":
                entry["inbound_nodes"][0]["args"][1] = 5   # mask = tokens != 5
    dst = tmp_path / "mask5.keras"
    _rewrite_keras(DATA / "sentiment_func.keras", dst, edit)
    edited = fastrnn.load_model(dst)
    original = fastrnn.load_model(DATA / "sentiment_func.keras")
    padded5, short = np.array([[3, 1, 4, 5, 5]]), np.array([[3, 1, 4]])
    # trailing 5s are masked steps: they change nothing in the edited model
    np.testing.assert_allclose(edited(padded5), edited(short), rtol=0, atol=1e-6)
    assert not np.allclose(original(padded5), original(short), rtol=0, atol=1e-6)
    padded0 = np.array([[3, 1, 4, 0, 0]])
    np.testing.assert_allclose(original(padded0), original(short), rtol=0, atol=1e-6)
    assert not np.allclose(edited(padded0), edited(short), rtol=0, atol=1e-6)


def test_unknown_op_on_data_path_is_named(h5py, tmp_path):
    def edit(config):
        for entry in config["config"]["layers"]:
            if entry["class_name"] == "Dropout":
                entry["class_name"] = "GaussianNoise"
    dst = tmp_path / "noise.keras"
    _rewrite_keras(DATA / "sentiment_func.keras", dst, edit)
    with pytest.raises(NotImplementedError, match=r"'dropout_\d+'.*GaussianNoise"):
        fastrnn.load_model(dst)


def test_return_state_and_mixed_precision_are_refused(h5py, tmp_path):
    def state(config):
        for entry in config["config"]["layers"]:
            if entry["class_name"] == "Bidirectional":
                entry["config"]["layer"]["config"]["return_state"] = True
                entry["config"]["backward_layer"]["config"]["return_state"] = True
    dst = tmp_path / "state.keras"
    _rewrite_keras(DATA / "sentiment_seq.keras", dst, state)
    with pytest.raises(ValueError, match="Sequential cannot hold.*return_state"):
        fastrnn.load_model(dst)

    def mixed(config):
        for entry in config["config"]["layers"]:
            if entry["class_name"] == "Dense":
                entry["config"]["dtype"]["config"]["name"] = "mixed_float16"
    dst = tmp_path / "mixed.keras"
    _rewrite_keras(DATA / "sentiment_seq.keras", dst, mixed)
    with pytest.raises(NotImplementedError, match="mixed_float16"):
        fastrnn.load_model(dst)



def test_loaded_input_with_a_batch_size_takes_any_batch(h5py, tmp_path):
    def edit(config):
        config["config"]["layers"][0]["config"]["batch_shape"][0] = 4
    dst = tmp_path / "batch4.keras"
    _rewrite_keras(DATA / "masking_rnn_seq.keras", dst, edit)
    model = fastrnn.load_model(dst)
    assert model.input_shape == (4, 7, 3)
    x, want = expected("masking_rnn_seq")          # 6 samples
    np.testing.assert_allclose(model.predict(x, verbose=0), want, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(model(x[:1]), want[:1], rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("ext", [".keras", ".h5"])
def test_weights_of_another_dtype_or_too_large_in_a_file(h5py, tmp_path, ext, monkeypatch):
    """A weight dataset is checked (dtype, size) before its data is read; the
    size check used to come after h5py's raw MemoryError."""
    def replace(path, make):
        with h5py.File(path, "r+") as f:
            names = []
            f.visititems(lambda n, o: names.append(n) if isinstance(o, h5py.Dataset) else None)
            name = next(n for n in names if n.endswith(("vars/0", "/kernel")))
            del f[name]
            make(f, name)

    def run(make):
        dst = tmp_path / f"m{ext}"
        if ext == ".keras":
            with zipfile.ZipFile(DATA / f"masking_rnn_seq{ext}") as zin:
                weights = tmp_path / "w.h5"
                weights.write_bytes(zin.read("model.weights.h5"))
                replace(weights, make)
                with zipfile.ZipFile(dst, "w") as zout:
                    for item in zin.infolist():
                        data = weights.read_bytes() if item.filename == "model.weights.h5" \
                            else zin.read(item.filename)
                        zout.writestr(item, data)
        else:
            dst.write_bytes((DATA / f"masking_rnn_seq{ext}").read_bytes())
            replace(dst, make)
        return fastrnn.load_model(dst)

    with pytest.raises(ValueError, match=r"real numbers.*, got dtype complex64"):
        run(lambda f, name: f.create_dataset(name, data=np.ones((3, 8), np.complex64)))
    # 2**40 float32 (4 TiB), never written: a few bytes in the file.
    with pytest.raises(fastrnn.layers.TooLargeError,
                       match=r"would need 4.1e\+03 GiB .*refused before allocating"):
        run(lambda f, name: f.create_dataset(name, shape=(2**40,), dtype="f4", chunks=(1024,)))

@pytest.mark.parametrize("ext", [".keras", ".h5"])
def test_truncated_file(h5py, tmp_path, ext):
    data = (DATA / f"sentiment_func{ext}").read_bytes()
    for cut in (len(data) // 2, len(data) - 100, 600):
        path = tmp_path / f"trunc{ext}"
        path.write_bytes(data[:cut])
        with pytest.raises(ValueError, match="corrupt|truncated"):
            fastrnn.load_model(path)


@pytest.mark.parametrize("ext", [".keras", ".h5"])
def test_corrupt_files_fail_cleanly(h5py, tmp_path, ext):
    """Random damage gives ValueError (or loads), never another error. (The unsupported-layer
    error, which damage to a class name gives, is a ValueError too.)"""
    data = (DATA / f"masking_rnn_func{ext}").read_bytes()
    rng = np.random.default_rng(7)
    path = tmp_path / f"damaged{ext}"
    failures = 0
    for _ in range(60):
        damaged = bytearray(data)
        start = int(rng.integers(0, len(data) - 64))
        damaged[start:start + 48] = rng.integers(0, 256, 48, dtype=np.uint8).tobytes()
        path.write_bytes(bytes(damaged))
        try:
            fastrnn.load_model(path)
        except ValueError:
            failures += 1
    assert failures > 0


def test_corrupt_keras_zip(h5py, tmp_path):
    data = bytearray((DATA / "sentiment_func.keras").read_bytes())
    mid = len(data) // 2
    data[mid:mid + 1000] = bytes(1000)
    path = tmp_path / "bad.keras"
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="corrupt"):
        fastrnn.load_model(path)


def test_files_that_are_not_models(h5py, tmp_path):
    cases = {}
    (tmp_path / "text.keras").write_text("not a model")
    cases["text.keras"] = "not a model file"
    (tmp_path / "empty.h5").write_bytes(b"")
    cases["empty.h5"] = "empty"
    with zipfile.ZipFile(tmp_path / "other.keras", "w") as zf:
        zf.writestr("readme.txt", "hello")
    cases["other.keras"] = "neither"
    np.savez(tmp_path / "arrays.npz", a=np.zeros(3))
    cases["arrays.npz"] = "neither"
    with h5py.File(tmp_path / "weights.h5", "w") as f:
        f["kernel"] = np.zeros((2, 2))
    cases["weights.h5"] = "model_config"
    for name, match in cases.items():
        with pytest.raises(ValueError, match=match):
            fastrnn.load_model(tmp_path / name)
    with pytest.raises(ValueError, match="directory"):
        fastrnn.load_model(tmp_path)
    with pytest.raises(FileNotFoundError):
        fastrnn.load_model(tmp_path / "missing.keras")


def test_subclassed_model_config_is_refused(h5py, tmp_path):
    def edit(config):
        config["class_name"] = "MyModel"
    dst = tmp_path / "sub.keras"
    _rewrite_keras(DATA / "sentiment_seq.keras", dst, edit)
    with pytest.raises(NotImplementedError, match="MyModel"):
        fastrnn.load_model(dst)


def test_without_h5py_the_error_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "h5py", None)  # makes `import h5py` fail
    for ext in (".keras", ".h5"):
        with pytest.raises(ImportError, match=r"fastrnn\[keras\]"):
            fastrnn.load_model(DATA / f"sentiment_seq{ext}")


def test_fastrnn_npz_needs_no_h5py(h5py, tmp_path, monkeypatch):
    model = fastrnn.load_model(DATA / "masking_rnn_seq.keras")
    model.save(tmp_path / "m.npz")
    monkeypatch.setitem(sys.modules, "h5py", None)
    again = fastrnn.load_model(tmp_path / "m.npz")
    assert again == model
    x, want = expected("masking_rnn_seq")
    np.testing.assert_allclose(again.predict(x, verbose=0), want, rtol=RTOL, atol=ATOL)


def test_loading_imports_no_framework(h5py):
    code = (
        "import sys, fastrnn\n"
        f"fastrnn.load_model({str(DATA / 'sentiment_func.keras')!r})\n"
        f"fastrnn.load_model({str(DATA / 'sentiment_func.h5')!r})\n"
        "bad = [m for m in ('tensorflow', 'keras', 'torch', 'jax') if m in sys.modules]\n"
        "assert not bad, bad\n")
    run_python(["-c", code])


def test_loaded_model_pickles(h5py):
    import pickle

    model = fastrnn.load_model(DATA / "sentiment_func.keras")
    again = pickle.loads(pickle.dumps(model))
    assert again == model
    x, want = expected("sentiment_func")
    np.testing.assert_array_equal(again(x), model(x))


def test_h5_weight_order_comes_from_weight_names(h5py, tmp_path):
    """Reorder the datasets' creation and names: the loader must follow weight_names."""
    src = DATA / "masking_rnn_seq.h5"
    dst = tmp_path / "copy.h5"
    dst.write_bytes(src.read_bytes())
    with h5py.File(dst, "r+") as f:
        g = f["model_weights"]
        for layer_name in g.attrs["layer_names"]:
            layer_name = layer_name.decode() if isinstance(layer_name, bytes) else layer_name
            names = [n.decode() if isinstance(n, bytes) else n
                     for n in g[layer_name].attrs["weight_names"]]
            if len(names) < 2:
                continue
            # rename every dataset to an alphabetically reversed name, keep the order
            new = [f"{layer_name}/z{len(names) - i:02d}" for i in range(len(names))]
            for old, nw in zip(names, new):
                g[layer_name].move(old, nw)
            g[layer_name].attrs["weight_names"] = np.array(new, dtype=object)
    x, want = expected("masking_rnn_seq")
    np.testing.assert_allclose(fastrnn.load_model(dst).predict(x, verbose=0), want,
                               rtol=RTOL, atol=ATOL)


def test_keras_version_file_bytes_in_memory(h5py):
    # the weights file inside a .keras zip is read from memory, not extracted
    with zipfile.ZipFile(DATA / "stacked_gru_seq.keras") as zf:
        with h5py.File(io.BytesIO(zf.read("model.weights.h5")), "r") as f:
            assert "layers/gru_1/cell/vars/2" in f  # keyed by class, numbered on repeats
