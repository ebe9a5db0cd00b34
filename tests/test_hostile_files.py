"""load_model on hostile and damaged model files (TESTING.md, "Hostile and damaged
model files").

The contract (docs API.md): ``load_model`` never reads a file other than the one
given, and refuses hostile or damaged files with a ``ValueError`` naming the member.
Loads that could hang or allocate a lot run in one child process (see
``child_results``) under a timeout and an address-space limit, so that a
regression fails the test instead of stalling or swapping the machine.
"""
import io
import json
import os
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pytest

import fastrnn
from support import run_python

DATA = Path(__file__).parent / "data" / "models"
MIB, GIB = 2**20, 2**30


@pytest.fixture(scope="module")
def h5py():
    return pytest.importorskip("h5py")


# --------------------------------------------------------------------------- builders
def keras_members(name="sentiment_seq"):
    """The members of a fixture .keras file, in order: {name: bytes}."""
    with zipfile.ZipFile(DATA / f"{name}.keras") as zf:
        return {info.filename: zf.read(info) for info in zf.infolist()}


def write_zip(path, members, method=zipfile.ZIP_STORED):
    with zipfile.ZipFile(path, "w", method) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def raw_zip(path, entries):
    """A zip written byte by byte: entries of (name, payload, method, crc, size, flags),
    where payload is the member as stored (compressed) and size the declared size."""
    out, central = bytearray(), bytearray()
    for name, payload, method, crc, size, flags in entries:
        n = name.encode()
        offset = len(out)
        out += struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, flags, method, 0, 0x21, crc,
                           len(payload), size, len(n), 0) + n + payload
        central += struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, flags, method, 0, 0x21,
                               crc, len(payload), size, len(n), 0, 0, 0, 0, 0, offset) + n
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(entries), len(entries),
                      len(central), len(out), 0)
    path.write_bytes(bytes(out + central + end))
    return path


def stored(name, data, flags=0):
    return (name, data, zipfile.ZIP_STORED, zlib.crc32(data), len(data), flags)


def _crc32_after_zeros(crc, n_mib):
    """zlib.crc32(bytes(n_mib * MIB), crc) without hashing the zeros: appending a zero
    byte is an affine map of the CRC over GF(2), so n MiB of them is a power of the map
    for one MiB (32 columns and a constant), taken by squaring."""
    def apply(m, x):
        const, cols = m
        for i in range(32):
            if x >> i & 1:
                const ^= cols[i]
        return const

    def compose(g, f):  # g after f
        const = apply(g, f[0])
        return const, [apply(g, f[0] ^ c) ^ const for c in f[1]]

    mib = bytes(MIB)
    zero = zlib.crc32(mib, 0)
    step = (zero, [zlib.crc32(mib, 1 << i) ^ zero for i in range(32)])
    result = (0, [1 << i for i in range(32)])            # the identity
    while n_mib:
        if n_mib & 1:
            result = compose(step, result)
        step, n_mib = compose(step, step), n_mib >> 1
    return apply(result, crc)


def deflated_zeros(n_mib, prefix=b"", zlib_header=False):
    """``prefix`` followed by ``n_mib`` MiB of zero bytes, deflated (~1 KB per MiB), and
    the CRC-32 of the whole. Repeated full-flush blocks of zeros are identical bytes, so
    a GiB costs a few ms to build, checksums included."""
    c = zlib.compressobj(9, zlib.DEFLATED, 15 if zlib_header else -15)
    mib = bytes(MIB)
    head = c.compress(prefix) + c.flush(zlib.Z_FULL_FLUSH)
    block = c.compress(mib) + c.flush(zlib.Z_FULL_FLUSH)
    assert c.compress(mib) + c.flush(zlib.Z_FULL_FLUSH) == block
    tail = c.flush()
    if zlib_header:  # the stream's own checksum covers what it says it holds: zeros
        adler = zlib.adler32(prefix)   # leave adler's sum A alone and add n*A to its B
        a, b = adler & 0xFFFF, (adler >> 16) + n_mib * MIB * (adler & 0xFFFF)
        tail = tail[:-4] + struct.pack(">I", (b % 65521) << 16 | a)
    return head + block * n_mib + tail, _crc32_after_zeros(zlib.crc32(prefix), n_mib)


def zip_bomb(path, members, bomb_name, n_mib=1024, prefix=b""):
    """``members`` stored, except ``bomb_name``: ``n_mib`` MiB of zeros (after ``prefix``),
    deflated to about 1 KB per MiB."""
    payload, crc = deflated_zeros(n_mib, prefix)
    entries = [stored(n, d) for n, d in members.items() if n != bomb_name]
    entries.insert(0, (bomb_name, payload, zipfile.ZIP_DEFLATED, crc,
                       len(prefix) + n_mib * MIB, 0))
    return raw_zip(path, entries)


def edit_h5(data, edit):
    """The bytes of HDF5 file ``data`` after ``edit(h5py.File)``."""
    import h5py

    buf = io.BytesIO(data)
    with h5py.File(buf, "r+") as f:
        edit(f)
    return buf.getvalue()


def keras_with_weights(path, edit, name="sentiment_seq"):
    members = keras_members(name)
    members["model.weights.h5"] = edit_h5(members["model.weights.h5"], edit)
    return write_zip(path, members)


def legacy_copy(path, edit, name="sentiment_seq"):
    import h5py

    path.write_bytes((DATA / f"{name}.h5").read_bytes())
    with h5py.File(path, "r+") as f:
        edit(f)
    return path


EMB = "layers/embedding/vars/0"                                 # (30, 4) float32
LEGACY_EMB = "model_weights/embedding/sentiment_seq/embedding/embeddings"


def replace(f, where, **create):
    del f[where]
    f.create_dataset(where, **create)


def npz_model(tmp_path):
    model = fastrnn.Sequential([fastrnn.InputLayer(shape=(None, 3)),
                                fastrnn.LSTM(4, seed=0, return_sequences=True),
                                fastrnn.GRU(2, seed=1), fastrnn.Dense(1)])
    model(np.zeros((1, 2, 3)))                                  # builds the weights
    path = tmp_path / "model.npz"
    model.save(path)
    with zipfile.ZipFile(path) as zf:
        members = {i.filename: zf.read(i) for i in zf.infolist()}
    return model, members


def npy_header(shape, dtype="<f4"):
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        buf, {"descr": dtype, "fortran_order": False, "shape": tuple(shape)})
    return buf.getvalue()


# --------------------------------------------------------------------------- child loads
# Each case: a builder(dir) -> path. Loaded in one child process under a time limit and
# an address-space limit (+512 MiB over the child's start), as the reproductions.
CHILD = r"""
import json, os, resource, sys
os.environ.update(OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
import numpy, h5py, fastrnn

def vm_size():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024

limit = vm_size() + int(sys.argv[2])
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
with open(sys.argv[1], "a") as out:
    for case, path in zip(sys.argv[3::2], sys.argv[4::2]):
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        try:
            fastrnn.load_model(path)
            res = {"error": None, "message": "loaded"}
        except BaseException as e:
            res = {"error": type(e).__name__, "value_error": isinstance(e, ValueError),
                   "too_large": isinstance(e, fastrnn.layers.TooLargeError),
                   "message": str(e)}
        res["case"] = case
        res["rss_growth"] = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) * 1024
        out.write(json.dumps(res) + "\n")
        out.flush()
"""


def _bomb_config(d):
    return zip_bomb(d / "config_bomb.keras", keras_members(), "config.json")


def _bomb_metadata(d):
    return zip_bomb(d / "metadata_bomb.keras", keras_members(), "metadata.json")


def _bomb_weights(d):
    members = keras_members()
    return zip_bomb(d / "weights_bomb.keras", members, "model.weights.h5",
                    prefix=members["model.weights.h5"])


def _unwritten_dataset(d):  # 33 KB: a (2**26, 4) float32 dataset never written (fill only)
    return keras_with_weights(d / "unwritten.keras",
                              lambda f: replace(f, EMB, shape=(2**26, 4), dtype="f4"))


def _gzip_dataset(d):  # 1 MB: a (2**26, 4) float32 dataset of gzip-compressed zeros
    chunk, _ = deflated_zeros(1, zlib_header=True)

    def edit(f):
        del f[EMB]
        dset = f.create_dataset(EMB, shape=(2**26, 4), dtype="f4", chunks=(2**16, 4),
                                compression="gzip")
        for i in range(2**10):
            dset.id.write_direct_chunk((i * 2**16, 0), chunk)
    return keras_with_weights(d / "gzip.keras", edit)


def _gzip_chunk_bomb(d):  # the right shape (30, 4), but its one chunk inflates to 1 GiB
    chunk, _ = deflated_zeros(1024, zlib_header=True)

    def edit(f):
        del f[EMB]
        dset = f.create_dataset(EMB, shape=(30, 4), dtype="f4", chunks=(30, 4),
                                compression="gzip")
        dset.id.write_direct_chunk((0, 0), chunk)
    return keras_with_weights(d / "chunk_bomb.keras", edit)


def _four_tib_dataset(d):
    return keras_with_weights(d / "4tib.keras",
                              lambda f: replace(f, EMB, shape=(2**40, 1), dtype="f4"))


def _legacy_four_tib_dataset(d):
    return legacy_copy(d / "4tib.h5", lambda f: replace(f, LEGACY_EMB, shape=(2**40, 1),
                                                        dtype="f4"))


def _npz_weight_bomb(d):
    _, members = npz_model(d)
    name = "layer001_weight000.npy"
    return zip_bomb(d / "weight_bomb.npz", members, name, prefix=npy_header((2**28,)))


def _npz_config_bomb(d):
    _, members = npz_model(d)
    return zip_bomb(d / "config_bomb.npz", members, "fastrnn_config.npy",
                    prefix=npy_header((), "<U268435456"))


def _npz_four_tib_entry(d):
    _, members = npz_model(d)
    members["layer001_weight000.npy"] = npy_header((2**40,)) + bytes(64)
    return write_zip(d / "4tib.npz", members)


def _layer_cycle(d):  # a layer fed by its own output: the walk back from the output looped
    members = keras_members("sentiment_func")
    config = json.loads(members["config.json"])
    dense = next(e for e in config["config"]["layers"] if e["class_name"] == "Dense")
    dense["inbound_nodes"][0]["args"][0]["config"]["keras_history"][0] = dense["name"]
    members["config.json"] = json.dumps(config).encode()
    return write_zip(d / "loop.keras", members)


def _global_heap(data, holding):
    """(address, {index: (offset, size)}) of the global-heap collection of HDF5 file
    ``data`` whose objects include the bytes ``holding`` (8-byte lengths)."""
    at = data.find(b"GCOL\x01")
    while at >= 0:
        size = struct.unpack_from("<Q", data, at + 8)[0]
        objects, p = {}, 16
        while p + 16 <= size:
            index, _, osize = struct.unpack_from("<HHxxxxQ", data, at + p)
            objects[index] = (at + p, osize)
            p += osize if index == 0 else 16 + -(-osize // 8) * 8
        if any(data[o + 16:o + 16 + n] == holding for o, n in objects.values()):
            return at, objects
        at = data.find(b"GCOL\x01", at + 1)
    raise AssertionError(f"no global heap holds {holding!r}")


def _heap_loop(d):  # a global-heap object of size 0: libhdf5 walked the heap forever
    data = bytearray((DATA / "sentiment_seq.h5").read_bytes())
    _, objects = _global_heap(bytes(data), b"embedding")
    offset, _ = objects[0]                       # the free space at the collection's end
    data[offset + 8:offset + 16] = bytes(8)
    path = d / "heap_loop.h5"
    path.write_bytes(bytes(data))
    return path


def _string_length_bomb(d):  # a string's descriptor states 2 GiB: libhdf5 zeroed 2 GiB
    data = (DATA / "sentiment_seq.h5").read_bytes()
    heap, objects = _global_heap(data, b"embedding")
    index = next(i for i, (o, n) in objects.items() if data[o + 16:o + 16 + n] == b"embedding")
    descriptor = struct.pack("<IQI", 9, heap, index)     # length, collection, index
    assert data.count(descriptor) == 1
    path = d / "string_bomb.h5"
    path.write_bytes(data.replace(descriptor, struct.pack("<IQI", 2**31, heap, index)))
    return path


def _fifo(d):
    fifo = d / "fifo"
    if not fifo.exists():
        os.mkfifo(fifo)
    return str(fifo)


def _external_storage_fifo(d):
    fifo = _fifo(d)
    return keras_with_weights(d / "ext_fifo.keras", lambda f: replace(
        f, EMB, shape=(30, 4), dtype="f4", external=[(fifo, 0, 480)]))


def _virtual_fifo(d):
    import h5py

    fifo = _fifo(d)

    def edit(f):
        layout = h5py.VirtualLayout(shape=(30, 4), dtype="f4")
        layout[:] = h5py.VirtualSource(fifo, "data", shape=(30, 4))
        del f[EMB]
        f.create_virtual_dataset(EMB, layout)
    return keras_with_weights(d / "vds_fifo.keras", edit)


def _external_link_fifo(d):
    import h5py

    fifo = _fifo(d)

    def edit(f):
        del f[LEGACY_EMB]
        f[LEGACY_EMB] = h5py.ExternalLink(fifo, "/data")
    return legacy_copy(d / "extlink_fifo.h5", edit)


def _path_is_fifo(d):
    return _fifo(d)


# case: (builder, regex the message must match, must be TooLargeError)
CHILD_CASES = {
    "config.json inflates to 1 GiB": (_bomb_config, r"config\.json", False),
    "metadata.json inflates to 1 GiB": (_bomb_metadata, r"metadata\.json", False),
    "model.weights.h5 inflates to 1 GiB": (_bomb_weights, r"model\.weights\.h5", False),
    "unwritten (2**26, 4) dataset": (_unwritten_dataset, r"layers/embedding/vars/0", False),
    "gzip (2**26, 4) dataset": (_gzip_dataset, r"layers/embedding/vars/0", False),
    "gzip chunk inflating to 1 GiB": (_gzip_chunk_bomb,
                                      r"layers/embedding/vars/0.*inflates", False),
    "4 TiB dataset (.keras)": (_four_tib_dataset, r"layers/embedding/vars/0", True),
    "4 TiB dataset (.h5)": (_legacy_four_tib_dataset, "model_weights/embedding", True),
    ".npz weight inflates to 1 GiB": (_npz_weight_bomb, "layer001_weight000", False),
    ".npz config inflates to 1 GiB": (_npz_config_bomb, "fastrnn_config", False),
    ".npz entry declares 4 TiB": (_npz_four_tib_entry, "layer001_weight000", True),
    "layer graph with a cycle": (_layer_cycle, r"config\.json.*cycle", False),
    "string stating 2 GiB (.h5)": (_string_length_bomb, "model_weights/layer_names holds more",
                                   False),
    "global heap that loops (.h5)": (_heap_loop, "keras_version.*damaged global heap", False),
    # Last: before the fix, each of these blocked forever on the FIFO.
    "external storage on a FIFO": (_external_storage_fifo, r"layers/embedding/vars/0.*"
                                                           r"external", False),
    "virtual dataset of a FIFO": (_virtual_fifo, r"layers/embedding/vars/0.*virtual", False),
    "external link to a FIFO": (_external_link_fifo, r"model_weights/embedding.*external "
                                                     r"link", False),
    "the path is a FIFO": (_path_is_fifo, "not a regular file", False),
}
CHILD_EXTRA_BYTES = 512 * MIB
CHILD_TIMEOUT = 120


@pytest.fixture(scope="module")
def child_results(h5py, tmp_path_factory):
    if not sys.platform.startswith("linux"):
        pytest.skip("the child measures its memory through /proc (Linux)")
    d = tmp_path_factory.mktemp("hostile")
    args = []
    for case, (build, _, _) in CHILD_CASES.items():
        args += [case, str(build(d))]
    results_file = d / "results.jsonl"
    try:
        run_python(["-c", CHILD, str(results_file), str(CHILD_EXTRA_BYTES), *args],
                   timeout=CHILD_TIMEOUT, capture_output=True)
    except (subprocess.TimeoutExpired, subprocess.CalledProcessError):
        pass  # the cases that did not finish fail below
    lines = results_file.read_text().splitlines() if results_file.exists() else []
    return {r["case"]: r for r in map(json.loads, lines)}


@pytest.mark.parametrize("case", list(CHILD_CASES))
def test_bombs_and_hangs_are_refused_cheaply(child_results, case):
    _, match, too_large = CHILD_CASES[case]
    if case not in child_results:
        pytest.fail(f"{case}: the load did not finish within {CHILD_TIMEOUT} s "
                    "(it hung, or crashed the child)")
    r = child_results[case]
    assert r["error"] is not None and r["value_error"], \
        f"{case}: expected a ValueError, got {r['error']}: {r['message'][:300]}"
    assert r["too_large"] == too_large, f"{case}: {r['error']}: {r['message'][:300]}"
    import re

    assert re.search(match, r["message"]), f"{case}: {r['message'][:300]}"
    assert r["rss_growth"] < 100 * MIB, f"{case}: peak RSS grew by {r['rss_growth']} bytes"


# --------------------------------------------------------------------------- HDF5
def test_external_storage_is_refused(h5py, tmp_path):
    secret = tmp_path / "secret"
    secret.write_bytes(np.arange(120, dtype="<f4").tobytes())
    path = keras_with_weights(tmp_path / "ext.keras", lambda f: replace(
        f, EMB, shape=(30, 4), dtype="<f4", external=[(str(secret), 0, 480)]))
    with pytest.raises(ValueError, match=r"model\.weights\.h5.*layers/embedding/vars/0.*"
                                         r"external"):
        fastrnn.load_model(path)


def test_external_storage_in_a_legacy_file_is_refused(h5py, tmp_path):
    secret = tmp_path / "secret"
    secret.write_bytes(np.arange(120, dtype="<f4").tobytes())
    path = legacy_copy(tmp_path / "ext.h5", lambda f: replace(
        f, LEGACY_EMB, shape=(30, 4), dtype="<f4", external=[(str(secret), 0, 480)]))
    with pytest.raises(ValueError, match=f"{LEGACY_EMB}.*external"):
        fastrnn.load_model(path)


def _source_file(tmp_path, h5py):
    source = tmp_path / "source.h5"
    with h5py.File(source, "w") as f:
        f["data"] = np.arange(120, dtype="f4").reshape(30, 4)
    return source


@pytest.mark.parametrize("where", ["dataset", "group"])
def test_external_link_is_refused(h5py, tmp_path, where):
    source = _source_file(tmp_path, h5py)
    with h5py.File(DATA / "sentiment_seq.h5", "r") as orig, h5py.File(source, "a") as f:
        orig.copy("model_weights/embedding", f, name="grp")   # weight_names included

    def edit(f):
        if where == "dataset":
            del f[LEGACY_EMB]
            f[LEGACY_EMB] = h5py.ExternalLink(str(source), "/data")
        else:
            del f["model_weights/embedding"]
            f["model_weights/embedding"] = h5py.ExternalLink(str(source), "/grp")
    path = legacy_copy(tmp_path / "extlink.h5", edit)
    with pytest.raises(ValueError, match=r"model_weights/embedding.*external link"):
        fastrnn.load_model(path)


def test_external_link_in_keras_weights_is_refused(h5py, tmp_path):
    source = _source_file(tmp_path, h5py)

    def edit(f):
        del f[EMB]
        f[EMB] = h5py.ExternalLink(str(source), "/data")
    path = keras_with_weights(tmp_path / "extlink.keras", edit)
    with pytest.raises(ValueError, match=r"model\.weights\.h5.*layers/embedding/vars/0.*"
                                         r"external link"):
        fastrnn.load_model(path)


@pytest.mark.parametrize("source_exists", [True, False])
def test_virtual_dataset_is_refused(h5py, tmp_path, source_exists):
    source = _source_file(tmp_path, h5py) if source_exists else tmp_path / "missing.h5"

    def edit(f):
        layout = h5py.VirtualLayout(shape=(30, 4), dtype="f4")
        layout[:] = h5py.VirtualSource(str(source), "data", shape=(30, 4))
        del f[EMB]
        f.create_virtual_dataset(EMB, layout, fillvalue=0)
    path = keras_with_weights(tmp_path / "vds.keras", edit)
    with pytest.raises(ValueError, match=r"layers/embedding/vars/0.*virtual"):
        fastrnn.load_model(path)


def test_soft_link_is_refused(h5py, tmp_path):
    def edit(f):
        f.move("layers/embedding", "elsewhere")
        f["layers/embedding"] = h5py.SoftLink("/elsewhere")
    path = keras_with_weights(tmp_path / "soft.keras", edit)
    with pytest.raises(ValueError, match=r"layers/embedding.*soft link"):
        fastrnn.load_model(path)


def test_unwritten_dataset_of_the_right_shape_is_refused(h5py, tmp_path):
    # It would read as fill values (zeros): a damaged file, not a model.
    path = keras_with_weights(tmp_path / "unwritten.keras",
                              lambda f: replace(f, EMB, shape=(30, 4), dtype="f4"))
    with pytest.raises(ValueError, match=r"layers/embedding/vars/0.*no data"):
        fastrnn.load_model(path)


def test_dataset_of_the_wrong_shape_or_dtype_is_refused_before_reading(h5py, tmp_path):
    cases = {
        "shape": dict(data=np.zeros((31, 4), "f4")),
        "dtype": dict(data=np.zeros((30, 4), "S4")),
    }
    for what, create in cases.items():
        path = keras_with_weights(tmp_path / f"{what}.keras",
                                  lambda f, c=create: replace(f, EMB, **c))
        with pytest.raises(ValueError, match=r"layers/embedding/vars/0.*"
                                             r"(\(30, 4\)|real numbers)"):
            fastrnn.load_model(path)


def test_compressed_datasets_of_the_right_shape_load(h5py, tmp_path):
    # h5repack-style gzip + shuffle + fletcher32 datasets are still models.
    def edit(f):
        names = []
        f["layers"].visititems(lambda name, obj: names.append("layers/" + name)
                               if isinstance(obj, h5py.Dataset) and obj.size > 1 else None)
        for name in names:
            data = f[name][()]
            del f[name]
            f.create_dataset(name, data=data, compression="gzip", shuffle=True,
                             fletcher32=True, chunks=data.shape)
    path = keras_with_weights(tmp_path / "gzip.keras", edit)
    a, b = fastrnn.load_model(path), fastrnn.load_model(DATA / "sentiment_seq.keras")
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(wa, wb)


# --------------------------------------------------------------------------- JSON, zip, paths
def _deep_json(depth):
    return "[" * depth + "]" * depth


def test_deeply_nested_json_is_refused(h5py, tmp_path):
    members = keras_members()
    members["config.json"] = _deep_json(1000).encode()
    with pytest.raises(ValueError, match=r"config\.json.*nested"):
        fastrnn.load_model(write_zip(tmp_path / "deep.keras", members))
    members = keras_members()
    members["metadata.json"] = ('{"a": ' + _deep_json(1000) + "}").encode()
    with pytest.raises(ValueError, match=r"metadata\.json.*nested"):
        fastrnn.load_model(write_zip(tmp_path / "deep_meta.keras", members))
    path = legacy_copy(tmp_path / "deep.h5",
                       lambda f: f.attrs.__setitem__("model_config", _deep_json(1000)))
    with pytest.raises(ValueError, match=r"model_config.*nested"):
        fastrnn.load_model(path)


def test_deeply_nested_npz_config_is_refused(tmp_path):
    _, members = npz_model(tmp_path)
    buf = io.BytesIO()
    np.save(buf, np.array(_deep_json(1000)))
    members["fastrnn_config.npy"] = buf.getvalue()
    with pytest.raises(ValueError, match=r"fastrnn_config.*nested"):
        fastrnn.load_model(write_zip(tmp_path / "deep.npz", members))


def test_mask_ops_that_refer_to_themselves_are_refused(h5py, tmp_path):
    # A cycle among the mask operations used to recurse until RecursionError.
    members = keras_members("sentiment_func")
    config = json.loads(members["config.json"])
    for entry in config["config"]["layers"]:
        if entry["class_name"] == "NotEqual":
            entry["inbound_nodes"][0]["args"][0]["config"]["keras_history"][0] = \
                entry["name"]
    members["config.json"] = json.dumps(config).encode()
    with pytest.raises(ValueError, match=r"config\.json.*cycle"):
        fastrnn.load_model(write_zip(tmp_path / "cycle.keras", members))


@pytest.mark.parametrize("metadata", [b"[]", b"null", b"3", b'"x"'])
def test_metadata_that_is_not_an_object_is_refused(h5py, tmp_path, metadata):
    members = keras_members()
    members["metadata.json"] = metadata
    with pytest.raises(ValueError, match=r"metadata\.json.*JSON object"):
        fastrnn.load_model(write_zip(tmp_path / "meta.keras", members))


def test_invalid_bytes_in_metadata_name_metadata(h5py, tmp_path):
    members = keras_members()
    members["metadata.json"] = b'{"keras_version": "3\xff"}'
    with pytest.raises(ValueError, match=r"metadata\.json") as info:
        fastrnn.load_model(write_zip(tmp_path / "meta.keras", members))
    assert "config.json" not in str(info.value)


@pytest.mark.parametrize("ext", [".keras", ".h5", ".npz"])
def test_bytes_path_works_as_open_accepts_it(h5py, tmp_path, ext):
    if ext == ".npz":
        model, _ = npz_model(tmp_path)
        path = tmp_path / "bytes.npz"
        model.save(os.fsencode(path))           # save takes a bytes path too
        want = model
    else:
        path = DATA / f"sentiment_seq{ext}"
        want = fastrnn.load_model(path)
    assert fastrnn.load_model(os.fsencode(path)) == want


def test_encrypted_member_is_refused(h5py, tmp_path):
    members = keras_members()
    entries = [stored(n, d, flags=0x1 if n == "config.json" else 0)
               for n, d in members.items()]
    with pytest.raises(ValueError, match=r"config\.json.*encrypted"):
        fastrnn.load_model(raw_zip(tmp_path / "enc.keras", entries))


def test_unknown_compression_method_is_refused(h5py, tmp_path):
    members = keras_members()
    entries = [stored(n, d) for n, d in members.items()]
    name, data, _, crc, size, flags = entries[1]
    assert name == "config.json"
    entries[1] = (name, data, 99, crc, size, flags)
    with pytest.raises(ValueError, match=r"config\.json.*compression method 99") as info:
        fastrnn.load_model(raw_zip(tmp_path / "m99.keras", entries))
    assert not isinstance(info.value, NotImplementedError)


def test_broken_deflate_stream_is_refused(h5py, tmp_path):
    members = keras_members()
    entries = [stored(n, d) for n, d in members.items()]
    entries[1] = ("config.json", b"\xff" * 200, zipfile.ZIP_DEFLATED,
                  zlib.crc32(members["config.json"]), len(members["config.json"]), 0)
    with pytest.raises(ValueError, match=r"config\.json.*corrupt"):
        fastrnn.load_model(raw_zip(tmp_path / "zlib.keras", entries))


def test_member_larger_than_declared_is_refused(h5py, tmp_path):
    # The declared size is not trusted: a member holding more than it says fails.
    members = keras_members()
    payload, crc = deflated_zeros(64)
    entries = [stored(n, d) for n, d in members.items() if n != "config.json"]
    entries.append(("config.json", payload, zipfile.ZIP_DEFLATED, crc, 100, 0))
    with pytest.raises(ValueError, match=r"config\.json"):
        fastrnn.load_model(raw_zip(tmp_path / "liar.keras", entries))


def test_json_member_over_the_cap_is_refused(h5py, tmp_path):
    from fastrnn.io import _safe

    members = keras_members()
    members["config.json"] = b" " * (_safe.MAX_JSON_BYTES + 1)
    with pytest.raises(ValueError, match=r"config\.json.*MiB"):
        fastrnn.load_model(write_zip(tmp_path / "big.keras", members))


def test_legacy_model_config_over_the_cap_is_refused(h5py, tmp_path):
    from fastrnn.io import _safe

    big = "{}" + " " * _safe.MAX_JSON_BYTES    # a str: a variable-length string, as Keras
    path = legacy_copy(tmp_path / "big.h5", lambda f: f.attrs.__setitem__("model_config", big))
    with pytest.raises(ValueError, match=r"model_config.*MiB"):
        fastrnn.load_model(path)


def test_unsupported_layers_are_value_errors_too(h5py, tmp_path):
    # Still NotImplementedError, as documented; also a ValueError, as every refusal.
    from test_keras_files import unsupported_copy

    with pytest.raises(ValueError, match=r"'my_conv'.*Conv3DTranspose") as info:
        fastrnn.load_model(unsupported_copy(tmp_path, ".keras"))
    assert isinstance(info.value, NotImplementedError)


# --------------------------------------------------------------------------- fastrnn .npz
def test_npz_with_a_weight_entry_removed_is_refused(tmp_path):
    _, members = npz_model(tmp_path)
    del members["layer002_weight001.npy"]
    with pytest.raises(ValueError, match="layer002_weight001"):
        fastrnn.load_model(write_zip(tmp_path / "missing.npz", members))


def test_npz_with_all_weights_of_a_built_layer_removed_is_refused(tmp_path):
    _, members = npz_model(tmp_path)
    for j in range(3):
        del members[f"layer002_weight{j:03d}.npy"]
    with pytest.raises(ValueError, match="layer002_weight000"):
        fastrnn.load_model(write_zip(tmp_path / "missing.npz", members))


@pytest.mark.parametrize("extra", ["layer009_weight000.npy", "layer001_weight003.npy",
                                   "notes.npy"])
def test_npz_with_an_entry_of_no_layer_is_refused(tmp_path, extra):
    _, members = npz_model(tmp_path)
    members[extra] = members["layer001_weight002.npy"]
    with pytest.raises(ValueError, match=extra.removesuffix(".npy")):
        fastrnn.load_model(write_zip(tmp_path / "extra.npz", members))


def test_npz_entry_of_the_wrong_shape_or_dtype_is_refused(tmp_path):
    _, members = npz_model(tmp_path)
    for what, array in {"shape": np.zeros((4, 17), "f4"),
                        "dtype": np.array([["a"] * 16] * 3)}.items():
        buf = io.BytesIO()
        np.save(buf, array)
        bad = dict(members, **{"layer001_weight000.npy": buf.getvalue()})
        with pytest.raises(ValueError, match=r"layer001_weight000.*(\(3, 16\)|real numbers)"):
            fastrnn.load_model(write_zip(tmp_path / f"{what}.npz", bad))


def test_npz_with_pickled_entry_is_refused(tmp_path):
    _, members = npz_model(tmp_path)
    buf = io.BytesIO()
    np.save(buf, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    members["layer001_weight000.npy"] = buf.getvalue()
    with pytest.raises(ValueError, match="layer001_weight000"):
        fastrnn.load_model(write_zip(tmp_path / "pickle.npz", members))


def test_unbuilt_layers_still_save_and_load(tmp_path):
    model = fastrnn.Sequential([fastrnn.LSTM(3), fastrnn.Dense(2)])
    model.save(tmp_path / "unbuilt.npz")
    again = fastrnn.load_model(tmp_path / "unbuilt.npz")
    assert again == model and not again.layers[0].built


# --------------------------------------------------------------------------- fuzz
def _damaged(data, rng, n):
    for _ in range(n):
        damaged = bytearray(data)
        kind = rng.integers(3)
        if kind == 0:     # overwrite a run of bytes
            start = int(rng.integers(0, len(data) - 16))
            size = int(rng.integers(1, 48))
            damaged[start:start + size] = rng.integers(0, 256, size, dtype=np.uint8).tobytes()
        elif kind == 1:   # flip one bit
            i = int(rng.integers(len(data)))
            damaged[i] ^= 1 << int(rng.integers(8))
        else:             # truncate
            del damaged[int(rng.integers(len(data))):]
        yield bytes(damaged)


def _fuzz(tmp_path, rng, per_member, per_file):
    """Load damaged copies of model files; return (refused, loaded, wrong, slow).

    Damage inside each zip member with the zip's checksums kept right, so that it
    reaches the JSON, HDF5 and .npy readers (``per_member`` copies of each member; 4x
    for the JSON and HDF5 members), and damage anywhere in legacy .h5 files
    (``per_file`` copies). ``wrong`` lists the failures that are not ValueErrors,
    ``slow`` the loads that took more than 2 s (a hang or a bomb in the making)."""
    import time

    sources = {f"{name}.keras": keras_members(name)
               for name in ("sentiment_func", "masking_rnn_seq", "reshape_flatten_func")}
    sources["model.npz"] = npz_model(tmp_path)[1]
    cases = []
    for source, members in sources.items():
        for name, data in members.items():
            n = per_member * (4 if name.endswith((".h5", ".json")) else 1)
            cases += [(source, members, name, damaged) for damaged in _damaged(data, rng, n)]
    for source in ("sentiment_func.h5", "masking_rnn_seq.h5", "stacked_gru_seq.h5"):
        data = (DATA / source).read_bytes()
        cases += [(source, None, None, damaged) for damaged in _damaged(data, rng, per_file)]
    refused = loaded = 0
    wrong, slow = [], []
    for source, members, name, damaged in cases:
        path = tmp_path / f"damaged{Path(source).suffix}"
        if members is None:
            path.write_bytes(damaged)
        else:
            write_zip(path, dict(members, **{name: damaged}))
        start = time.monotonic()
        try:
            fastrnn.load_model(path)
            loaded += 1
        except ValueError:
            refused += 1
        except Exception as e:  # noqa: BLE001 -- the point: anything else is a bug
            wrong.append(f"{source} ({name}): {type(e).__name__}: {e}")
        if time.monotonic() - start > 2:
            slow.append(f"{source} ({name}): {time.monotonic() - start:.1f} s")
    return refused, loaded, wrong, slow


def test_damaged_files_fail_with_value_error(h5py, tmp_path):
    """About 400 damaged files: every failure is a ValueError (anything else fails)."""
    refused, loaded, wrong, slow = _fuzz(tmp_path, np.random.default_rng(12), 6, 40)
    assert not wrong, wrong[:5]
    assert not slow, slow[:5]
    assert refused > 200


@pytest.mark.fuzz
def test_damaged_files_fuzz_long(h5py, tmp_path):
    """The same, 25x (about 10,000 files, about a minute). A run like this one found
    libhdf5's global-heap loop and string-length bomb (TESTING.md)."""
    refused, loaded, wrong, slow = _fuzz(tmp_path, np.random.default_rng(2026), 150, 900)
    assert not wrong, wrong[:5]
    assert not slow, slow[:5]


# ---------------------------------------------------------------- damaged graph configs
GRAPHS = Path(__file__).parent / "data" / "graphs"
GRAPHS_CONV = Path(__file__).parent / "data" / "graphs_conv"
_GRAPH_SOURCES = [GRAPHS / "multi_io_dict.keras", GRAPHS / "nested_seq_in_func.keras",
                  GRAPHS / "cell_stacked.keras", GRAPHS / "states_bidirectional.keras",
                  GRAPHS / "masked_merge_concat.keras", GRAPHS / "shared_layers.keras",
                  GRAPHS_CONV / "kerasio_conv_lstm.keras",
                  GRAPHS_CONV / "time_distributed_conv2d.keras"]
_ODD_VALUES = [None, -1, 0, 2**40, 3.5, "x", "", [], {}, True, [None], {"class_name": "x"},
               ["input_layer", 9, 9]]


def _paths(value, prefix=()):
    """Every (path, value) of a JSON tree."""
    yield prefix, value
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _paths(v, prefix + (i,))


def _mutated(config, rng):
    """A copy of ``config`` with one value replaced by an odd one, or deleted."""
    import copy

    config = copy.deepcopy(config)
    paths = [p for p, _ in _paths(config) if p]
    path = paths[int(rng.integers(len(paths)))]
    parent = config
    for key in path[:-1]:
        parent = parent[key]
    if rng.random() < 0.25:
        del parent[path[-1]]
    else:
        parent[path[-1]] = _ODD_VALUES[int(rng.integers(len(_ODD_VALUES)))]
    return config


def _graph_fuzz(tmp_path, rng, per_source):
    refused = loaded = 0
    wrong = []
    for source in _GRAPH_SOURCES:
        with zipfile.ZipFile(source) as zf:
            members = {n: zf.read(n) for n in zf.namelist()}
        config = json.loads(members["config.json"])
        for _ in range(per_source):
            bad = _mutated(config, rng)
            path = tmp_path / "mutated.keras"
            write_zip(path, dict(members, **{"config.json": json.dumps(bad).encode()}))
            try:
                fastrnn.load_model(path)
                loaded += 1
            except ValueError:
                refused += 1
            except Exception as e:  # noqa: BLE001 -- the point: anything else is a bug
                wrong.append(f"{source.name}: {type(e).__name__}: {e}")
    return refused, loaded, wrong


def test_mutated_graph_configs_fail_with_value_error(h5py, tmp_path):
    """About 600 graph configs (functional, nested, cells, merges, ConvLSTM,
    TimeDistributed(Conv2D)) with one value replaced or removed: each loads or raises
    ValueError naming the member, never another exception."""
    refused, loaded, wrong = _graph_fuzz(tmp_path, np.random.default_rng(7), 75)
    assert not wrong, wrong[:5]
    assert refused > 100
