"""fastrnn.from_torch against real PyTorch 2.13 outputs (tests/data/models/torch-*.npz).

The state_dicts, inputs and expected outputs were saved by
tools/make_model_fixtures.py from real nn.LSTM / nn.GRU / nn.RNN modules; these
tests need no torch. The test at the end runs only where torch is installed.
"""
import json
import pickle
from pathlib import Path

import numpy as np
import pytest

import fastrnn
from support import run_python

DATA = Path(__file__).parent / "data" / "models"
CASES = sorted(p.stem[len("torch-"):] for p in DATA.glob("torch-*.npz"))
RTOL, ATOL = 1e-4, 1e-5


def load_case(name):
    with np.load(DATA / f"torch-{name}.npz", allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    spec = json.loads(str(arrays.pop("spec")))
    sd = {k[3:]: arrays.pop(k) for k in list(arrays) if k.startswith("sd/")}
    return spec, sd, arrays


def build(spec, sd):
    kwargs = dict(spec["kwargs"])
    return fastrnn.from_torch(sd, mode=spec["mode"], **kwargs)


def check(result, arrays, suffix, lstm):
    output, state = result
    np.testing.assert_allclose(output, arrays["output" + suffix], rtol=RTOL, atol=ATOL)
    if lstm:
        h_n, c_n = state
        np.testing.assert_allclose(c_n, arrays["c_n" + suffix], rtol=RTOL, atol=ATOL)
    else:
        h_n = state
    np.testing.assert_allclose(h_n, arrays["h_n" + suffix], rtol=RTOL, atol=ATOL)


def test_the_cases_are_there():
    assert {"lstm2_bidir", "gru", "rnn_relu"} <= set(CASES)


@pytest.mark.parametrize("name", CASES)
def test_matches_torch(name):
    spec, sd, arrays = load_case(name)
    model = build(spec, sd)
    lstm = spec["mode"] == "LSTM"
    x = arrays["x"]
    if "h0" in arrays:
        hx = (arrays["h0"], arrays["c0"]) if lstm else arrays["h0"]
        check(model(x, hx), arrays, "", lstm)
        check(model(x, hx=hx), arrays, "", lstm)
    check(model(x), arrays, "_nohx", lstm)
    x1 = x[0] if spec["kwargs"].get("batch_first") else x[:, 0]
    check(model(x1), arrays, "_unbatched", lstm)


@pytest.mark.parametrize("name", CASES)
def test_state_dict_round_trip_and_pickle(name):
    spec, sd, arrays = load_case(name)
    model = build(spec, sd)
    again = fastrnn.from_torch(model.state_dict(), mode=spec["mode"],
                               batch_first=spec["kwargs"].get("batch_first", False))
    x = arrays["x"]
    np.testing.assert_allclose(again(x)[0], model(x)[0], rtol=1e-6, atol=1e-7)
    clone = pickle.loads(pickle.dumps(model))
    assert clone == model
    np.testing.assert_array_equal(clone(x)[0], model(x)[0])


def test_layouts_and_structure():
    spec, sd, arrays = load_case("lstm2_bidir")
    model = build(spec, sd)
    assert model.num_layers == 2 and model.bidirectional and model.batch_first
    assert all(isinstance(layer, fastrnn.Bidirectional) for layer in model.layers)
    out, (h, c) = model(arrays["x"])
    batch, steps = arrays["x"].shape[:2]
    assert out.shape == (batch, steps, 2 * 4) and h.shape == c.shape == (4, batch, 4)
    # the forward layer's last output is h_n of the top layer's forward direction
    np.testing.assert_allclose(out[:, -1, :4], h[2], rtol=1e-6)
    np.testing.assert_allclose(out[:, 0, 4:], h[3], rtol=1e-6)
    # torch's GRU bias rows go to Keras's (2, 3H) bias, gates reordered r,z,n -> z,r,h
    spec, sd, _ = load_case("gru")
    gru = build(spec, sd).layers[0]
    assert isinstance(gru, fastrnn.GRU) and gru.reset_after
    kernel, recurrent, bias = gru.get_weights()
    H = 5
    np.testing.assert_array_equal(kernel[:, :H], sd["weight_ih_l0"][H:2 * H].T)    # z
    np.testing.assert_array_equal(kernel[:, H:2 * H], sd["weight_ih_l0"][:H].T)    # r
    np.testing.assert_array_equal(recurrent[:, 2 * H:], sd["weight_hh_l0"][2 * H:].T)  # n/h
    np.testing.assert_array_equal(bias[1, :H], sd["bias_hh_l0"][H:2 * H])
    spec, sd, _ = load_case("rnn_relu")
    rnn = build(spec, sd).layers[0]
    assert rnn.activation == "relu"
    np.testing.assert_allclose(rnn.get_weights()[2], sd["bias_ih_l0"] + sd["bias_hh_l0"])


def test_mode_rnn_with_nonlinearity_and_inferred_sizes():
    spec, sd, arrays = load_case("rnn_relu")
    a = fastrnn.from_torch(sd, mode="RNN", nonlinearity="relu")
    b = fastrnn.from_torch(sd, mode="RNN_RELU", input_size=3, hidden_size=4, num_layers=2)
    np.testing.assert_array_equal(a(arrays["x"])[0], b(arrays["x"])[0])
    with pytest.raises(ValueError, match="contradicts"):
        fastrnn.from_torch(sd, mode="RNN_TANH", nonlinearity="relu")


def test_errors():
    spec, sd, arrays = load_case("lstm2_bidir")
    with pytest.raises(ValueError, match="mode"):
        fastrnn.from_torch(sd)
    with pytest.raises(ValueError, match="hidden_size=5 does not match"):
        fastrnn.from_torch(sd, mode="LSTM", hidden_size=5)
    with pytest.raises(ValueError, match="does not fit mode"):
        fastrnn.from_torch(sd, mode="GRU")
    with pytest.raises(TypeError, match="unexpected arguments"):
        fastrnn.from_torch(sd, mode="LSTM", hiden_size=4)
    with pytest.raises(TypeError, match="state_dict"):
        fastrnn.from_torch([1, 2, 3])
    broken = dict(sd)
    del broken["bias_hh_l1_reverse"]
    with pytest.raises(ValueError, match="missing keys.*bias_hh_l1_reverse"):
        fastrnn.from_torch(broken, mode="LSTM")
    broken = dict(sd)
    broken["weight_hh_l1"] = broken["weight_hh_l1"][:, :3]
    with pytest.raises(ValueError, match="weight_hh_l1.*shape"):
        fastrnn.from_torch(broken, mode="LSTM")
    model = fastrnn.from_torch(sd, mode="LSTM", batch_first=True)
    x = arrays["x"]
    with pytest.raises(ValueError, match=r"tuple \(h_0, c_0\)"):
        model(x, arrays["h0"])
    with pytest.raises(ValueError, match="h_0 of shape"):
        model(x, (arrays["h0"][:2], arrays["c0"]))
    with pytest.raises(ValueError, match="input_size=3"):
        model(x[..., :2])
    with pytest.raises(ValueError, match="rank"):
        model(x[0, 0])


def test_projections_are_refused_not_approximated():
    spec, sd, _ = load_case("lstm_nobias_seqfirst")
    with pytest.raises(NotImplementedError, match="proj_size"):
        fastrnn.from_torch(sd, mode="LSTM", proj_size=2)
    with_proj = dict(sd, weight_hr_l0=np.zeros((2, 3), np.float32))
    with pytest.raises(NotImplementedError, match="projection"):
        fastrnn.from_torch(with_proj, mode="LSTM")
    with pytest.raises(NotImplementedError, match="proj_size"):
        fastrnn.TorchRNN("LSTM", 2, 3, proj_size=1)


def test_float64_state_dict():
    spec, sd, arrays = load_case("gru")
    sd64 = {k: v.astype(np.float64) for k, v in sd.items()}
    model = fastrnn.from_torch(sd64, mode="GRU")
    out, h = model(arrays["x"].astype(np.float64), arrays["h0"])
    assert out.dtype == np.float64 and h.dtype == np.float64
    np.testing.assert_allclose(out, arrays["output"], rtol=RTOL, atol=ATOL)


def test_plain_dicts_never_import_torch():
    code = (
        "import sys, numpy as np, fastrnn\n"
        f"z = np.load({str(DATA / 'torch-gru.npz')!r})\n"
        "sd = {k[3:]: z[k] for k in z.files if k.startswith('sd/')}\n"
        "m = fastrnn.from_torch(sd, mode='GRU')\n"
        "m(z['x'])\n"
        "assert 'torch' not in sys.modules\n")
    run_python(["-c", code])


def test_real_torch_modules():
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    modules = [torch.nn.LSTM(3, 4, num_layers=2, bidirectional=True, batch_first=True),
               torch.nn.GRU(3, 5, bias=False),
               torch.nn.RNN(3, 4, nonlinearity="relu", num_layers=2, bidirectional=True)]
    for module in modules:
        module.eval()
        model = fastrnn.from_torch(module)
        x = rng.normal(size=(2, 6, 3)).astype(np.float32)
        n = module.num_layers * (2 if module.bidirectional else 1)
        h0 = rng.normal(size=(n, 2 if module.batch_first else 6, module.hidden_size))
        h0 = h0.astype(np.float32)
        hx = (h0, h0 * 0.5) if module.mode == "LSTM" else h0
        with torch.no_grad():
            thx = tuple(torch.from_numpy(h) for h in hx) if module.mode == "LSTM" \
                else torch.from_numpy(hx)
            want_out, want_state = module(torch.from_numpy(x), thx)
        got_out, got_state = model(torch.from_numpy(x), thx)  # torch tensors are accepted too
        np.testing.assert_allclose(got_out, want_out.numpy(), rtol=RTOL, atol=ATOL)
        if module.mode == "LSTM":
            for g, w in zip(got_state, want_state):
                np.testing.assert_allclose(g, w.numpy(), rtol=RTOL, atol=ATOL)
        else:
            np.testing.assert_allclose(got_state, want_state.numpy(), rtol=RTOL, atol=ATOL)
    with pytest.raises(TypeError, match="nn.RNN, nn.LSTM or nn.GRU"):
        fastrnn.from_torch(torch.nn.Linear(2, 3))
    with pytest.raises(NotImplementedError, match="proj_size"):
        fastrnn.from_torch(torch.nn.LSTM(3, 4, proj_size=2))
