"""Docstring parts that several layer modules share (pooling, normalization,
activation layers): written once, filled into the class docstrings where a
``<<key>>`` placeholder stands."""
from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

KWARGS = """\
    **kwargs
        The arguments of every layer (see ``fastrnn.Layer``): ``name``
        (default the class name in snake_case, numbered on repeats),
        ``dtype`` ("float32", the default, or "float64": the inputs are
        cast to it and the output has it), ``trainable``, and Keras's
        ignored build-only keywords. Any other keyword raises ValueError
        naming it."""


def documenter(parts: dict[str, str]) -> Callable[[T], T]:
    """A class decorator replacing each ``<<key>>`` of the docstring by
    ``parts[key]`` (``<<kwargs>>`` is always known)."""
    parts = {"kwargs": KWARGS, **parts}

    def document(cls: T) -> T:
        doc = cls.__doc__ or ""
        for key, text in parts.items():
            doc = doc.replace(f"<<{key}>>", text.strip("\n").lstrip())
        cls.__doc__ = doc
        return cls
    return document
