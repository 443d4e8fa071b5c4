"""docs/customer.md's model examples (CDNOW, donations) run as written, in order and
in one session as in a notebook, from the repository root (the summary section's
examples are doctests, checked in tests/python/test_customer_summary.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT.parent / "shared" / "data"
TEXT = (ROOT / "docs" / "customer.md").read_text()
MODELS = TEXT.split("## Transaction models", 1)[1].split("## Engage in the Control stage")[0]
BLOCKS = re.findall(r"```python\n(.*?)```", MODELS, flags=re.S)


@pytest.mark.skipif(not DATA.exists(), reason=f"needs the reference data in {DATA}")
def test_model_examples_run_as_written(monkeypatch):
    assert len(BLOCKS) >= 4
    monkeypatch.chdir(ROOT)
    session: dict = {}
    for i, block in enumerate(BLOCKS):
        exec(compile(block, f"docs/customer.md, model example {i}", "exec"), session)
    # the numbers the comments quote
    assert round(session["bg"].params_["r"], 4) == 0.2426
    assert round(session["pn"].params_["beta"], 4) == 11.6679
    assert round(session["bb"].params_["alpha"], 4) == 1.2035
