"""The rules that keep ``load_model`` safe on hostile and damaged files.

One statement of each rule, used by the Keras ``.keras`` and legacy ``.h5``
readers and by fastrnn's ``.npz`` reader (TESTING.md, "Hostile and damaged
model files", lists them). Every check looks at metadata only (declared sizes,
shapes, dtypes, storage layouts, links) and runs before the data it guards is
read, so refusing a file costs what reading its directory costs.

Refusals are ``ValueError``s. The functions here name what they check below
the member (an HDF5 path, say); ``member`` adds the member's name.
"""
from __future__ import annotations

import contextlib
import json
import math
import os
import struct
import tokenize
import zipfile
import zlib
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import numpy as np

from .. import _validate
from ..layers import TooLargeError as TooLargeError  # (re-exported: models.py uses it)

__all__ = ["MAX_JSON_BYTES", "MAX_JSON_DEPTH", "MAX_ZIP_ENTRIES", "member", "check_size",
           "check_shape", "open_zip", "read_member", "parse_json", "check_links",
           "read_dataset", "read_attr", "read_npy"]

#: Largest JSON text read (config.json, metadata.json, model_config, fastrnn_config):
#: a Keras config takes about 2 KB per layer, so 4 MiB is some 2,000 layers; parsing
#: 4 MiB of JSON needs at most ~100 MB of Python objects.
MAX_JSON_BYTES = 4 * 2**20
#: Deepest JSON nesting read. Keras configs nest about 10 deep; the limit keeps the
#: parser and the loader's own recursion far from the interpreter's stack.
MAX_JSON_DEPTH = 64
#: Most entries a zip may list; zipfile keeps a few hundred bytes for each.
MAX_ZIP_ENTRIES = 65536

# Damaged input makes parsers (zipfile, zlib, h5py, numpy, the config walk) raise these.
_DAMAGE = (OSError, RuntimeError, KeyError, TypeError, IndexError, AttributeError,
           EOFError, RecursionError, OverflowError, zlib.error, struct.error,
           zipfile.BadZipFile)


# The messages here leave out the member they are about when they start with one of these.
_VERBS = ("is ", "holds ", "declares ", "has ", "uses ", "lists ", "would ")


def _h5py() -> ModuleType:
    global _H5PY
    if _H5PY is None:   # (the readers that call this imported h5py already)
        from .keras import require_h5py

        _H5PY = require_h5py()
    return _H5PY


_H5PY: ModuleType | None = None


def _mib(nbytes: int) -> str:
    return f"{nbytes / 2**20:.3g} MiB"


@contextlib.contextmanager
def member(name: str, keep: tuple[Any, ...] = ()) -> Iterator[None]:
    """Make every refusal inside name the member ``name``.

    ValueErrors get ``name`` in front (unless they start with it: a full HDF5
    path); the errors that parsers raise on damaged input become such
    ValueErrors. ``TooLargeError`` and the classes in ``keep`` keep their class.
    """
    try:
        yield
    except ValueError as e:
        cls = type(e) if isinstance(e, (TooLargeError,) + tuple(keep)) else ValueError
        msg = str(e)
        if not msg.startswith(name):  # "config.json is encrypted", "x.h5: layers/... is"
            msg = f"{name} {msg}" if msg.startswith(_VERBS) else f"{name}: {msg}"
        raise cls(msg) from None
    except _DAMAGE as e:
        raise ValueError(f"{name} is damaged ({type(e).__name__}: {e})") from None


def _say(what: str, rest: str) -> str:
    return f"{what} {rest}" if what else rest


def check_size(nbytes: int, what: str = "") -> None:
    """Refuse ``what`` needing more than ``fastrnn.layers.MAX_BYTES``: the one
    size check (fastrnn._validate), as a build would make it."""
    _validate.check_bytes(what or "its data", nbytes, "as declared in the file")


def _nbytes(shape: tuple[int, ...], dtype: np.dtype) -> int:
    return math.prod(int(n) for n in shape) * dtype.itemsize


def _check_values(shape: tuple[int, ...], dtype: np.dtype, expected: tuple[int, ...], what: str,
                  file_size: int) -> int:
    """The rules for one weight array, from its declared shape and dtype."""
    # The weight rule (fastrnn._validate), from the declared dtype; and no
    # wider than 8 bytes, which no framework writes.
    if dtype.kind not in _validate.WEIGHT_KINDS or not 0 < dtype.itemsize <= 8:
        raise ValueError(_say(what, "expected real numbers (integers or floats), "
                                    f"got dtype {dtype}"))
    nbytes = _nbytes(shape, dtype)
    check_size(nbytes, what)
    check_shape(shape, expected, what)
    if None in expected and nbytes > file_size:
        # A size the config leaves open cannot be checked against it: the data must at
        # least be in the file, so compression cannot turn it into a bomb.
        raise ValueError(_say(what, f"declares {nbytes} bytes of data in a file of "
                                    f"{file_size}"))
    return nbytes


def check_shape(shape: tuple[int, ...], expected: tuple[int, ...], what: str = "") -> None:
    """Refuse a weight whose shape is not what the model config implies (None: any size)."""
    shape = tuple(int(n) for n in shape)
    if len(shape) != len(expected) or any(e is not None and e != n
                                          for n, e in zip(shape, expected)):
        want = "(" + ", ".join("?" if e is None else str(e) for e in expected) + \
            ("," if len(expected) == 1 else "") + ")"
        raise ValueError(_say(what, f"has shape {shape}; the model config implies {want}"))


# --------------------------------------------------------------------------- zip
def open_zip(path: str | os.PathLike[str]) -> Any:
    """``zipfile.ZipFile(path)``; a damaged or oversized directory is a ValueError."""
    try:
        # The end record's entry count, before zipfile reads the whole directory
        # (zipfile's private reader of it, unchanged since Python 2; skipped if gone).
        end_record = getattr(zipfile, "_EndRecData", None)
        if end_record is not None:
            with open(path, "rb") as f:
                end = end_record(f)
            if end is not None and end[zipfile._ECD_ENTRIES_TOTAL] > MAX_ZIP_ENTRIES:  # type: ignore[attr-defined]
                raise ValueError(f"lists {end[zipfile._ECD_ENTRIES_TOTAL]} zip entries, "  # type: ignore[attr-defined]
                                 f"more than the {MAX_ZIP_ENTRIES} a model file may hold")
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, struct.error,
            NotImplementedError) as e:
        if isinstance(e, FileNotFoundError):
            raise
        raise ValueError(f"is a corrupt or truncated zip archive: {e}") from None


# Keras and numpy write stored and deflated members. zipfile inflates bzip2 and LZMA
# members without an output bound, so those would be decompression bombs.
_ZIP_METHODS = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflated"}
_ZIP_METHOD_NAMES = {zipfile.ZIP_BZIP2: "bzip2", zipfile.ZIP_LZMA: "LZMA", 9: "deflate64"}


def _open_member(zf: Any, name: str) -> tuple[Any, ...]:
    info = zf.getinfo(name)
    if info.flag_bits & 0x1:
        raise ValueError("is encrypted; model files are never encrypted")
    if info.compress_type not in _ZIP_METHODS:
        method = _ZIP_METHOD_NAMES.get(info.compress_type, "unknown")
        raise ValueError(f"uses zip compression method {info.compress_type} ({method}); "
                         "fastrnn reads stored and deflated members, as Keras and numpy "
                         "write them")
    return info, zf.open(info)


def read_member(zf: Any, name: str, cap: int) -> bytes:
    """The bytes of zip member ``name``, refused when it declares or holds more than ``cap``.

    The declared size is checked first, then the read is bounded: a member holding
    more than it declares fails on the checksum (zipfile stops at the declared size).
    """
    info = zf.getinfo(name)
    check_size(info.file_size)
    if info.file_size > cap:
        raise ValueError(f"declares {_mib(info.file_size)} uncompressed, more than the "
                         f"{_mib(cap)} it may hold")
    try:
        info, f = _open_member(zf, name)
        with f:
            data = f.read(cap + 1)     # deflate output is bounded by the size asked for
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError) as e:
        raise ValueError(f"is corrupt: {e}") from None
    if len(data) > cap:
        raise ValueError(f"holds more than the {_mib(cap)} it may hold")
    return data


# --------------------------------------------------------------------------- JSON
def _json_depth(raw: bytes) -> int:
    """How deep brackets nest in JSON text ``raw`` (bytes), outside strings."""
    a = np.frombuffer(raw, np.uint8)
    quote = a == 0x22
    if quote.any():
        backslash = a == 0x5C
        if backslash.any():  # a quote after an odd run of backslashes is escaped
            idx = np.arange(a.size, dtype=np.int64)
            last_other = np.maximum.accumulate(np.where(backslash, -1, idx))
            run = idx - 1 - np.concatenate(([-1], last_other[:-1]))
            quote &= run % 2 == 0
        outside = np.cumsum(quote, dtype=np.int64) % 2 == 0
    else:
        outside = np.ones(a.size, bool)
    step = (((a == 0x5B) | (a == 0x7B)) & outside).astype(np.int32) \
        - (((a == 0x5D) | (a == 0x7D)) & outside)
    return int(np.cumsum(step, dtype=np.int64).max(initial=0))


def parse_json(data: bytes | str) -> Any:
    """Parse JSON text (bytes or str, UTF-8), refusing more than MAX_JSON_BYTES or nesting
    deeper than MAX_JSON_DEPTH before the parser (which recurses) sees it."""
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else bytes(data)
    if len(raw) > MAX_JSON_BYTES:
        raise ValueError(f"holds {_mib(len(raw))} of JSON, more than the "
                         f"{_mib(MAX_JSON_BYTES)} fastrnn reads")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ValueError(f"is not valid JSON (not UTF-8 text: {e})") from None
    depth = _json_depth(raw)
    if depth > MAX_JSON_DEPTH:
        raise ValueError(f"is not a model config: its JSON is nested {depth} deep, more than "
                         f"{MAX_JSON_DEPTH}")
    try:
        return json.loads(text)
    except RecursionError:  # (a deep stack already; the depth check keeps this rare)
        raise ValueError("is not a model config: its JSON is nested too deeply") from None
    except ValueError as e:  # JSONDecodeError, or an integer of too many digits
        raise ValueError(f"is not valid JSON: {e}") from None


# --------------------------------------------------------------------------- HDF5
def check_links(f: Any) -> None:
    """Refuse every link but a hard one anywhere in HDF5 file ``f``, before any lookup.

    External links open other files; soft and user-defined links can lead through
    them, or make one layer read another's weights. Keras writes hard links only.
    """
    h5py = _h5py()

    def visit(name: str, info: Any) -> str | None:
        return name if info.type != h5py.h5l.TYPE_HARD else None

    bad = f.id.links.visit(visit, info=True)
    if bad is None:
        return
    link = f.get(bad, getlink=True)   # (the link itself: nothing is followed)
    bad = bad.decode("utf-8", "replace")
    if isinstance(link, h5py.ExternalLink):
        what = f"an external link (to {link.filename!r}, {link.path!r})"
    elif isinstance(link, h5py.SoftLink):
        what = f"a soft link (to {link.path!r})"
    else:
        what = "a user-defined link"
    raise ValueError(f"{bad} is {what}; fastrnn reads only a file's own objects "
                     "(hard links), so that it reads no other file")


def read_dataset(dset: Any, where: str, expected: tuple[int, ...], file_size: int) -> np.ndarray:
    """Read one weight dataset, after checking from its metadata alone that it holds
    what the config implies (``expected``: a shape, None where any size goes), that
    its data is in this file (``file_size`` bytes) and that reading it allocates no
    more than its own size."""
    h5py = _h5py()

    if not isinstance(dset, h5py.Dataset):
        raise ValueError(f"{where} is not a dataset")
    try:
        shape, dtype = dset.shape, dset.dtype
        plist = dset.id.get_create_plist()
        layout = plist.get_layout()
    except (ValueError,) + _DAMAGE as e:   # a damaged datatype or dataspace, say
        raise ValueError(f"{where} has unreadable metadata: {e}") from None
    if shape is None:
        raise ValueError(f"{where} is an empty (null) dataset")
    nbytes = _check_values(shape, dtype, expected, where, file_size)
    # Data from other files: refused before anything is read (a FIFO would block).
    if layout == h5py.h5d.VIRTUAL:
        raise ValueError(f"{where} is a virtual dataset: its data would come from other "
                         "files; fastrnn reads only the file given")
    if plist.get_external_count():
        raise ValueError(f"{where} keeps its data in external file "
                         f"{plist.get_external(0)[0].decode('utf-8', 'replace')!r}; fastrnn "
                         "reads only the file given")
    if nbytes:
        if layout in (h5py.h5d.CONTIGUOUS, h5py.h5d.COMPACT):
            if dset.id.get_storage_size() != nbytes:  # never written: fill values only
                raise ValueError(f"{where} holds no data (only fill values), or not all of "
                                 "it: the file is damaged")
            offset = dset.id.get_offset()
            if layout == h5py.h5d.CONTIGUOUS and (offset is None or
                                                  offset + nbytes > file_size):
                raise ValueError(f"{where}'s data lies beyond the end of the file")
        elif layout == h5py.h5d.CHUNKED:
            _check_chunks(dset, plist, where, nbytes, file_size)
        else:
            raise ValueError(f"{where} has an unknown storage layout ({layout})")
    try:
        return dset[()]
    except _DAMAGE as e:
        raise ValueError(f"{where} cannot be read: {e}") from None


_FILTERS = {1: "gzip", 2: "shuffle", 3: "fletcher32"}


def _check_chunks(dset: Any, plist: Any, where: str, nbytes: int, file_size: int) -> None:
    """Chunked storage: all chunks present, in the file, and (when filtered) each
    decoding to exactly its size. HDF5's own gzip filter grows its buffer without
    bound, so every chunk is inflated here first, to at most its size."""
    shape, chunks, itemsize = dset.shape, dset.chunks, dset.dtype.itemsize
    chunk_bytes = math.prod(chunks) * itemsize
    if chunk_bytes > max(nbytes, 2**20):
        raise ValueError(f"{where} has chunks of {chunk_bytes} bytes, larger than its data")
    filters = [plist.get_filter(i)[0] for i in range(plist.get_nfilters())]
    for code in filters:
        if code not in _FILTERS:
            raise ValueError(f"{where} uses HDF5 filter {code}; fastrnn reads datasets "
                             f"filtered with {', '.join(_FILTERS.values())} only")
    n_expected = math.prod(-(-n // c) for n, c in zip(shape, chunks))
    limit = chunk_bytes + 4 * len(filters)   # fletcher32 adds a 4-byte checksum
    stored = []

    def visit(info: Any) -> None:
        stored.append((info.chunk_offset, info.byte_offset, info.size))
        if len(stored) > n_expected:
            return 1  # type: ignore[return-value]  # (more chunks than the shape has: stop, refused below)
        return None

    if hasattr(dset.id, "chunk_iter"):
        dset.id.chunk_iter(visit)
    else:  # HDF5 < 1.12.3; get_chunk_info(i) walks the index, so quadratic, but rare
        for i in range(min(dset.id.get_num_chunks(), n_expected + 1)):
            visit(dset.id.get_chunk_info(i))
    if len(stored) != n_expected:
        raise ValueError(f"{where} has {len(stored)} of its {n_expected} chunks: the rest "
                         "would read as fill values; the file is damaged")
    for offset, byte_offset, size in stored:
        if byte_offset is None or byte_offset + size > file_size:
            raise ValueError(f"{where}'s chunk at {offset} lies beyond the end of the file")
        if not filters:
            if size != chunk_bytes:
                raise ValueError(f"{where}'s chunk at {offset} stores {size} bytes, "
                                 f"not {chunk_bytes}")
            continue
        mask, data = dset.id.read_direct_chunk(offset)
        for i in reversed(range(len(filters))):   # the filters undo in reverse order
            if mask & (1 << i):
                continue                            # (this filter skipped this chunk)
            if filters[i] == 1:
                inflate = zlib.decompressobj()
                try:
                    data = inflate.decompress(data, limit + 1)
                except zlib.error as e:
                    raise ValueError(f"{where}'s chunk at {offset} is corrupt: {e}") from None
                if len(data) > limit:
                    raise ValueError(f"{where}'s chunk at {offset} inflates to more than its "
                                     f"{chunk_bytes} bytes (a decompression bomb)")
            elif filters[i] == 3:
                data = data[:-4]
        if len(data) != chunk_bytes:
            raise ValueError(f"{where}'s chunk at {offset} decodes to {len(data)} bytes, "
                             f"not {chunk_bytes}")


def read_attr(obj: Any, name: str, raw: RawFile, max_bytes: int = MAX_JSON_BYTES
             ) -> list[str] | str | np.ndarray | None:
    """Attribute ``name`` of HDF5 object ``obj`` (None if absent), strings decoded.

    Refused before reading when its values need more than ``max_bytes``. The
    lengths of variable-length strings are read from the file first, through
    ``raw`` (the file's ``RawFile``): libhdf5 trusts them."""
    h5py = _h5py()

    if name not in obj.attrs:
        return None
    aid = h5py.h5a.open(obj.id, name.encode())
    dtype, shape = aid.dtype, aid.shape
    count = math.prod(shape) if shape else 1
    string = h5py.check_string_dtype(dtype)
    if dtype.kind == "O" and (string is None or string.length is not None):
        raise ValueError(f"holds variable-length {dtype} values, not text")
    size = count * dtype.itemsize
    if dtype.kind == "O":
        size = _check_vlen_strings(obj, name, max_bytes, raw)
    if size > max_bytes:
        raise ValueError(f"holds {_mib(size)}, more than the {_mib(max_bytes)} fastrnn reads")
    value = obj.attrs[name]

    def text(v: Any) -> Any:
        return v.decode("utf-8") if isinstance(v, bytes) else v

    if isinstance(value, np.ndarray):
        value = [text(v.item() if isinstance(v, np.generic) else v) for v in value.ravel()] \
            if value.dtype.kind in "OSU" else value
    else:
        value = text(value.item() if isinstance(value, np.generic) else value)
    return value


# ---- variable-length strings, read from the file before libhdf5 reads them
# libhdf5 (2.0) reads a variable-length string by allocating and zeroing the length
# its descriptor states (up to 4 GiB) before it looks at the data, and loops forever
# on a global-heap collection holding an object of size 0. So for an attribute of
# such strings, the attribute's message is found in its object's header, and each
# descriptor's length and heap object are checked (HDF5 file format spec, sections
# III.C "Global Heap", IV.A "Object Headers", IV.A.2.m "Attribute Message").
_MAX_HEADER_BLOCKS = 256     # object-header continuation blocks followed
_HEAP_SIZE_MIN = 4096


class RawFile:
    """Bounded reads of an HDF5 file's bytes (addresses relative to its base), for the
    checks libhdf5 does not make. One per open file: it caches the heaps it walked."""

    def __init__(self, f: Any) -> None:
        plist = f.id.get_create_plist()
        self.offset_size, self.length_size = plist.get_sizes()
        if self.offset_size not in (4, 8) or self.length_size not in (4, 8):
            raise ValueError(f"has {self.offset_size}-byte addresses and "
                             f"{self.length_size}-byte lengths, which fastrnn cannot check")
        self.base = plist.get_userblock()
        self.fd = f.id.get_vfd_handle()
        self.size = f.id.get_filesize()
        self.o = "<I" if self.offset_size == 4 else "<Q"
        self.l = "<I" if self.length_size == 4 else "<Q"
        # address: {index: size} of the global heaps walked
        self.heaps: dict[int, dict[int, int]] = {}

    def read(self, addr: int, n: int) -> bytes:
        import os

        if addr < 0 or n < 0 or self.base + addr + n > self.size:
            raise ValueError(f"refers to bytes {addr}..{addr + n} past the end of the file")
        data = os.pread(self.fd, n, self.base + addr)
        if len(data) != n:
            raise ValueError("is truncated")
        return data


def _header_messages(raw: RawFile, addr: int, version: int) -> Iterator[tuple[Any, ...]]:
    """(type, flags, data) of every message in the object header at ``addr``."""
    blocks: list[tuple[Any, Any]] = [(addr, None)]
    seen: set[Any] = set()
    while blocks:
        start, size = blocks.pop()
        if start in seen or len(seen) >= _MAX_HEADER_BLOCKS:
            raise ValueError("has an object header whose blocks loop or never end")
        seen.add(start)
        if version == 1:
            if size is None:  # the prefix: version, reserved, count, refcount, size
                size = struct.unpack("<I", raw.read(start + 8, 4))[0]
                start += 16
            block, p, head = raw.read(start, size), 0, 8
        else:
            if size is None:
                prefix = raw.read(start, 6)
                flags = prefix[5]
                if prefix[:4] != b"OHDR":
                    raise ValueError("has a damaged object header")
                p = 6 + (16 if flags & 0x20 else 0) + (4 if flags & 0x10 else 0)
                width = 1 << (flags & 0x3)
                size = int.from_bytes(raw.read(start + p, width), "little")
                start, size = start + p + width, size
                block, p = raw.read(start, size), 0
            else:                      # "OCHK", messages, checksum
                block = raw.read(start, size)
                if block[:4] != b"OCHK":
                    raise ValueError("has a damaged object header")
                block, p = block[:-4], 4
            head = 4 + (2 if flags & 0x04 else 0)   # type, size, flags[, order]
        while p + head <= len(block):
            if version == 1:
                mtype, msize, mflags = struct.unpack_from("<HHB", block, p)
            else:
                mtype, msize, mflags = struct.unpack_from("<BHB", block, p)
            data = block[p + head:p + head + msize]
            if len(data) != msize:
                raise ValueError("has a damaged object header")
            if mtype == 0x10:          # continuation: offset, length
                off = struct.unpack_from(raw.o, data)[0]
                length = struct.unpack_from(raw.l, data, raw.offset_size)[0]
                blocks.append((off, length))
            yield mtype, mflags, data
            p += head + msize


def _pad8(n: int, version: int) -> int:
    return -(-n // 8) * 8 if version == 1 else n


def _check_vlen_strings(obj: Any, name: str, max_bytes: int, raw: RawFile) -> int:
    """Check the descriptors of attribute ``name`` (variable-length strings) of ``obj``
    against the heap objects they name; return their total length."""
    h5py = _h5py()

    info = h5py.h5o.get_info(obj.id)
    if info.hdr.version not in (1, 2):
        raise ValueError(f"has an object header of version {info.hdr.version}")
    want = name.encode()
    for mtype, mflags, data in _header_messages(raw, info.addr, info.hdr.version):
        if mtype == 0x15:              # attribute info: attributes in dense storage
            heap = struct.unpack_from(raw.o, data, 2 + (2 if data[1] & 0x1 else 0))[0]
            if heap != (1 << 8 * raw.offset_size) - 1:
                raise ValueError("is stored in dense attribute storage, which fastrnn "
                                 "cannot check (Keras never writes it)")
        if mtype != 0x0C:
            continue
        version, aflags, name_size, dt_size, ds_size = struct.unpack_from("<BBHHH", data)
        p = 8 + (1 if version == 3 else 0)
        if data[p:p + name_size].rstrip(b"\0") != want:
            continue
        if mflags & 0x02 or (version > 1 and aflags & 0x3):
            raise ValueError("is a shared attribute message, which fastrnn cannot check")
        p += _pad8(name_size, version)
        dt = data[p:p + dt_size]
        p += _pad8(dt_size, version)
        ds = data[p:p + ds_size]
        p += _pad8(ds_size, version)
        if len(dt) < 8 or dt[0] & 0x0F != 9 or dt[1] & 0x0F != 1:
            raise ValueError("is not stored as variable-length strings")
        if len(ds) < 4:
            raise ValueError("has a damaged dataspace")
        rank = ds[1]
        if ds[0] == 2 and ds[3] == 2:
            count = 0                  # a null dataspace
        else:
            dims_at = 8 if ds[0] == 1 else 4
            dims = [struct.unpack_from(raw.l, ds, dims_at + i * raw.length_size)[0]
                    for i in range(rank)]
            count = math.prod(dims)
        element = 4 + raw.offset_size + 4
        values = data[p:p + count * element]
        if len(values) != count * element:
            raise ValueError("has a damaged value")
        total = 0
        for i in range(count):
            length = struct.unpack_from("<I", values, i * element)[0]
            heap = struct.unpack_from(raw.o, values, i * element + 4)[0]
            index = struct.unpack_from("<I", values, i * element + 4 + raw.offset_size)[0]
            total += length
            if total > max_bytes:
                raise ValueError(f"holds more than the {_mib(max_bytes)} fastrnn reads")
            if length == 0:
                continue               # (libhdf5 reads nothing for an empty string)
            if heap not in raw.heaps:
                raw.heaps[heap] = _heap_objects(raw, heap)
            if raw.heaps[heap].get(index) != length:
                raise ValueError(f"string {i} states {length} bytes, but its heap object "
                                 f"holds {raw.heaps[heap].get(index)}: the file is damaged")
        return total
    raise ValueError("is missing from its object's header: the file is damaged")


def _heap_objects(raw: RawFile, addr: int) -> dict[Any, Any]:
    """{index: size} of the global-heap collection at ``addr``, walked as libhdf5
    walks it; refused where libhdf5 would loop or run past the collection."""
    head = 8 + raw.length_size
    prefix = raw.read(addr, head)
    if prefix[:5] != b"GCOL\x01":
        raise ValueError(f"refers to a damaged global heap at {addr}")
    size = struct.unpack_from(raw.l, prefix, 8)[0]
    if size < _HEAP_SIZE_MIN:
        raise ValueError(f"refers to a damaged global heap at {addr}")
    heap = raw.read(addr, size)
    objects, p = {}, head
    while p < size:
        if p + head > size:
            break                      # too small for an object: free space
        index = struct.unpack_from("<H", heap, p)[0]
        osize = struct.unpack_from(raw.l, heap, p + 8)[0]
        need = osize if index == 0 else head + -(-osize // 8) * 8
        if need == 0 or need > size - p:
            raise ValueError(f"refers to a damaged global heap at {addr} (an object of "
                             f"{osize} bytes at {p})")
        if index:
            objects[index] = osize
        p += need
    return objects


# --------------------------------------------------------------------------- .npy
_NPY_BLOCK = 16 * 2**20


def read_npy(zf: Any, name: str, expected: tuple[int, ...] | None, file_size: int,
             config: bool = False) -> np.ndarray:
    """Read ``.npy`` member ``name`` of a zip: a weight array of shape ``expected`` (None
    where any size goes), or with ``config`` the 0-d string holding JSON. Its header is
    checked before any data is read, and exactly the bytes it declares are read."""
    info, f = _open_member(zf, name)
    try:
        with f:
            version = np.lib.format.read_magic(f)
            if version == (1, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
            elif version == (2, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_2_0(f)
            else:
                raise ValueError(f"is a .npy of version {version}, which fastrnn does not "
                                 "write")
            if dtype.hasobject:
                raise ValueError("holds Python objects (pickles), which fastrnn never loads")
            if config:
                if shape != () or dtype.kind != "U":
                    raise ValueError(f"is a {dtype} array of shape {shape}, not JSON text")
                if dtype.itemsize > 4 * MAX_JSON_BYTES:   # UTF-32: 4 bytes a character
                    raise ValueError(f"holds {_mib(dtype.itemsize)} of text, more than "
                                     f"the {_mib(4 * MAX_JSON_BYTES)} fastrnn reads")
                nbytes = dtype.itemsize
            else:
                nbytes = _check_values(shape, dtype, expected, "", file_size)  # type: ignore[arg-type]
            if info.file_size != f.tell() + nbytes:
                raise ValueError(f"declares {info.file_size} bytes, but its header "
                                 f"{f.tell()} and data {nbytes}")
            out = np.empty(math.prod(shape), dtype)
            view = out.view(np.uint8)
            done = 0
            while done < nbytes:   # in blocks, as np.load: no second copy of the data
                block = f.read(min(_NPY_BLOCK, nbytes - done))
                if not block:
                    raise ValueError(f"is truncated: {done} of {nbytes} bytes")
                view[done:done + len(block)] = np.frombuffer(block, np.uint8)
                done += len(block)
            if f.read(1):
                raise ValueError("holds more data than its header declares")
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError, struct.error,
            SyntaxError, tokenize.TokenError) as e:   # (numpy parses the header as Python)
        raise ValueError(f"is corrupt: {e}") from None
    return out.reshape(shape, order="F" if fortran else "C")
