"""docs/ has a reference entry for every public name.

Each name in ``fastrnn.__all__`` is written as ``fastrnn.NAME`` in a heading or a
code block of some page under docs/, and each name of ``fastrnn.initializers`` and
``fastrnn.activations`` on that module's page. Skipped where docs/ is absent (the
tests run against an installed wheel from a copy of tests/).
"""
import re
from pathlib import Path

import pytest

import fastrnn

DOCS = Path(__file__).resolve().parent.parent / "docs"
pytestmark = pytest.mark.skipif(not DOCS.is_dir(), reason="no docs/ beside tests/")


def pages():
    return {p.name: p.read_text() for p in sorted(DOCS.glob("*.md"))}


def documented(name, text):
    """``name`` heads a section or starts a signature in a code block."""
    pattern = rf"(^#+ .*`{re.escape(name)}[`(])|(^\s*{re.escape(name)}\()|(^class {re.escape(name)}\b)"
    return re.search(pattern, text, re.MULTILINE) is not None


@pytest.mark.parametrize("name", fastrnn.__all__)
def test_every_public_name_has_a_reference_entry(name):
    assert any(documented(f"fastrnn.{name}", text) for text in pages().values()), \
        f"no docs/*.md entry for fastrnn.{name}"


@pytest.mark.parametrize("module", ["initializers", "activations"])
def test_module_pages_cover_their_names(module):
    text = pages()[f"{module}.md"]
    names = getattr(fastrnn, module).__all__
    missing = [n for n in names
               if not (documented(n, text) or documented(f"fastrnn.{module}.{n}", text)
                       or re.search(rf"^\| `{n}\(", text, re.MULTILINE))]
    assert not missing, f"docs/{module}.md lacks {missing}"


def test_index_links_every_page():
    index = pages()["index.md"]
    for page in pages():
        if page != "index.md":
            assert f"({page})" in index, f"docs/index.md does not link {page}"
