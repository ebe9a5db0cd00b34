"""``model.save("m.keras")`` writes what Keras 3 writes (without Keras: CI never has it).

For every real-Keras fixture in tests/data/graphs, fastrnn loads Keras's file and saves
it again; the file must hold what Keras's holds: the same weight arrays at the same
``model.weights.h5`` paths, and a config.json naming the same classes (module,
class_name, registered_name) with the same calls between layers. That real Keras 3
loads these files and computes the same is checked by tools/check_keras_roundtrip.py
(76 of 76 cases of tests/data/graphs, 16 of 16 of tests/data/graphs_conv).
"""
import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

import fastrnn
from test_graph_fixtures import CASES, CUSTOM

h5py = pytest.importorskip("h5py")
DATA = Path(__file__).parent / "data" / "graphs"
CONV = Path(__file__).parent / "data" / "graphs_conv"
SAVED = [DATA / c for c in sorted(CASES) if "stateful" not in c] + \
    [CONV / c for c in sorted(json.loads((CONV / "cases.json").read_text()))]


def datasets(path):
    with zipfile.ZipFile(path) as zf:
        f = h5py.File(io.BytesIO(zf.read("model.weights.h5")), "r")
    out = {}
    f.visititems(lambda name, obj: out.__setitem__(name, obj[()])
                 if isinstance(obj, h5py.Dataset) else None)
    return out


def config(path):
    with zipfile.ZipFile(path) as zf:
        return json.loads(zf.read("config.json")), json.loads(zf.read("metadata.json"))


def history(value):
    """The tensor references of a node, as (layer, node, tensor) triples."""
    if isinstance(value, dict) and value.get("class_name") == "__keras_tensor__":
        return [tuple(value["config"]["keras_history"])]
    if isinstance(value, dict):
        return [h for k in sorted(value) for h in history(value[k])]
    if isinstance(value, list):
        return [h for v in value for h in history(v)]
    return []


def layers_by_name(conf):
    inner = conf["config"]
    return {entry.get("name", entry["config"].get("name")): entry for entry in inner["layers"]}


@pytest.mark.parametrize("case", SAVED, ids=[f"{p.parent.name}/{p.name}" for p in SAVED])
def test_saved_file_holds_what_keras_writes(case, tmp_path):
    theirs = case.with_suffix(".keras")
    ours = tmp_path / "m.keras"
    fastrnn.load_model(theirs, custom_objects=CUSTOM).save(ours)
    want, got = datasets(theirs), datasets(ours)
    # A compiled model's file also holds its optimizer's variables: fastrnn does not
    # train, so it saves none (Keras loads such a file without them, with a warning).
    want = {k: v for k, v in want.items() if not k.startswith("optimizer/")}
    assert sorted(got) == sorted(want)
    for key in want:
        assert got[key].shape == want[key].shape and got[key].dtype == want[key].dtype, key
        np.testing.assert_array_equal(got[key], want[key], err_msg=key)
    (want_conf, _), (got_conf, meta) = config(theirs), config(ours)
    assert meta["keras_version"].startswith("3.")
    for key in ("module", "class_name", "registered_name"):
        assert got_conf[key] == want_conf[key]
    if want_conf["class_name"] == "Functional":
        for key in ("input_layers", "output_layers"):
            assert got_conf["config"][key] == want_conf["config"][key]
    want_layers, got_layers = layers_by_name(want_conf), layers_by_name(got_conf)
    assert sorted(got_layers) == sorted(want_layers)
    for name, entry in want_layers.items():
        mine = got_layers[name]
        for key in ("module", "class_name", "registered_name"):
            assert mine.get(key) == entry.get(key), (name, key)
        if "inbound_nodes" in entry:
            assert [history(n) for n in mine["inbound_nodes"]] == \
                [history(n) for n in entry["inbound_nodes"]], name


def test_saving_an_unbuilt_model_says_so(tmp_path):
    model = fastrnn.Sequential([fastrnn.LSTM(3), fastrnn.Dense(1)])
    with pytest.raises(ValueError, match="build it"):
        model.save(tmp_path / "m.keras")
