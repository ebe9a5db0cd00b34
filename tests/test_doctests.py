"""The docstrings: every public name has a numpydoc docstring with a runnable example.

Each public module's examples run as doctests (one test per module), with
NORMALIZE_WHITESPACE and ELLIPSIS; none may fail and every module has at least
one. Every class and function of ``fastrnn.__all__`` (and of
``fastrnn.initializers`` and ``fastrnn.activations``) has a docstring with a
Parameters section naming each constructor or function argument (Returns for a
function without arguments) and an Examples section.
"""
import doctest
import importlib
import inspect
import re

import numpy as np
import pytest

import fastrnn
from fastrnn import _dispatch

MODULES = ["fastrnn.layers", "fastrnn.cells", "fastrnn.rnn", "fastrnn.bidirectional",
           "fastrnn.core_layers", "fastrnn.models",
           "fastrnn.merging", "fastrnn.reshaping", "fastrnn.normalization",
           "fastrnn.pooling", "fastrnn.activation_layers",
           "fastrnn.convolutional",
           "fastrnn.conv_lstm",
           "fastrnn.parallel", "fastrnn.io", "fastrnn.io.keras", "fastrnn.io.torch",
           "fastrnn.initializers", "fastrnn.activations"]
FLAGS = doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS


@pytest.mark.parametrize("module_name", MODULES)
def test_module_doctests(module_name):
    module = importlib.import_module(module_name)
    tests = doctest.DocTestFinder(exclude_empty=True).find(module, module_name)
    report = []
    runner = doctest.DocTestRunner(optionflags=FLAGS, verbose=False)
    threads = _dispatch.kernels.get_num_threads_setting()
    try:
        # numpy's default print options, whatever another test may have set.
        with np.printoptions(precision=8, threshold=1000, edgeitems=3, linewidth=75,
                             suppress=False, nanstr="nan", infstr="inf", sign="-",
                             floatmode="maxprec", legacy=False):
            for test in sorted(tests, key=lambda t: t.name):
                runner.run(test, out=report.append)
    finally:
        fastrnn.set_num_threads(threads)   # the examples of fastrnn.parallel change it
    results = runner.summarize(verbose=False)
    assert results.attempted > 0, f"{module_name} has no examples"
    assert results.failed == 0, "".join(report)


def _callables():
    """(qualified name, object) of the public classes and functions."""
    found = []
    for name in fastrnn.__all__:
        obj = getattr(fastrnn, name)
        if inspect.isclass(obj) or inspect.isfunction(obj):
            found.append((f"fastrnn.{name}", obj))
    for module, names in ((fastrnn.initializers, fastrnn.initializers.__all__),
                          (fastrnn.activations, ["get", "serialize", "numpy_function"])):
        for name in names:
            found.append((f"{module.__name__}.{name}", getattr(module, name)))
    return found


def _section(doc, title):
    """The lines of a numpydoc section (None when the docstring has none)."""
    match = re.search(rf"^{re.escape(title)}\n-+\n(.*?)(?=^\S[^\n]*\n-+\n|\Z)", doc,
                      re.MULTILINE | re.DOTALL)
    return None if match is None else match.group(1)


def _documented_parameters(section):
    names = set()
    for line in section.splitlines():
        if line and not line[0].isspace():
            for name in line.split(" : ")[0].split(","):
                names.add(name.strip())
    return names


def _arguments(obj):
    params = inspect.signature(obj).parameters.values()
    return [("**" if p.kind is p.VAR_KEYWORD else "*" if p.kind is p.VAR_POSITIONAL else "")
            + p.name for p in params]


@pytest.mark.parametrize("qualname,obj", _callables(), ids=[q for q, _ in _callables()])
def test_public_name_has_numpydoc_docstring(qualname, obj):
    doc = inspect.getdoc(obj)
    assert doc, f"{qualname} has no docstring"
    assert _section(doc, "Examples") is not None and ">>> " in _section(doc, "Examples"), \
        f"{qualname}: no Examples section with an example"
    arguments = _arguments(obj)
    if not arguments:
        if inspect.isfunction(obj):
            assert _section(doc, "Returns") is not None, f"{qualname}: no Returns section"
        return
    parameters = _section(doc, "Parameters")
    assert parameters is not None, f"{qualname}: no Parameters section"
    missing = [a for a in arguments if a not in _documented_parameters(parameters)]
    assert not missing, f"{qualname}: Parameters does not describe {missing}"
    if inspect.isfunction(obj) and obj not in (fastrnn.set_num_threads, fastrnn.num_threads):
        assert _section(doc, "Returns") is not None, f"{qualname}: no Returns section"


@pytest.mark.parametrize("cls", [fastrnn.SimpleRNN, fastrnn.LSTM, fastrnn.GRU,
                                 fastrnn.Bidirectional])
def test_recurrent_layers_document_calling(cls):
    doc = inspect.getdoc(cls)
    for title in ("Parameters", "Call arguments", "Returns", "Notes", "See Also", "Examples"):
        assert _section(doc, title) is not None, f"{cls.__name__}: no {title} section"
    call = _documented_parameters(_section(doc, "Call arguments"))
    assert {"x", "mask", "initial_state", "training"} <= call
    for method in ("__call__", "build", "get_weights", "set_weights", "reset_states",
                   "get_config", "from_config"):
        assert inspect.getdoc(getattr(cls, method)), f"{cls.__name__}.{method} has no docstring"
