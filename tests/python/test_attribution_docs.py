"""docs/attribution.md's examples run as written, in order and in one session as in a
notebook, from the repository root; a block followed by an output block prints it."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT.parent / "shared" / "data"
TEXT = (ROOT / "docs" / "attribution.md").read_text()
# a python block, and the plain block right after it (its printed output), if any
BLOCKS = re.findall(r"```python\n(.*?)```\n(?:\n```\n(.*?)```)?", TEXT, flags=re.S)


def _norm(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip().splitlines())


@pytest.mark.skipif(not DATA.exists(), reason=f"needs the reference data in {DATA}")
def test_examples_run_as_written(monkeypatch):
    assert len(BLOCKS) >= 3
    monkeypatch.chdir(ROOT)
    session: dict = {}
    for i, (code, expected) in enumerate(BLOCKS):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(code, f"docs/attribution.md, example {i}", "exec"), session)
        if expected:
            assert _norm(out.getvalue()) == _norm(expected), f"example {i}"
