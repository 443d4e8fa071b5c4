"""sostac.attribution.compare: every model side by side, equal to each model's own
function, conversions summing to the total; bad model lists."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sostac import InputError
from sostac import attribution as at


@pytest.fixture(scope="module")
def table():
    rng = np.random.default_rng(4)
    chans = list("abcde")
    rows = []
    for _ in range(300):
        k = int(rng.integers(1, 6))
        rows.append({"path": " > ".join(rng.choice(chans, size=k)),
                     "conversions": float(rng.integers(0, 5)),
                     "value": float(rng.integers(0, 500)), "nulls": float(rng.integers(0, 9))})
    t = pd.DataFrame(rows)
    t.loc[0, "conversions"] = 3.0
    return at.read_paths(t, conversions="conversions", value="value", nulls="nulls")


def test_compare_equals_each_model_and_sums_to_the_total(table):
    c = at.compare(table)
    f = c.to_frame()
    assert list(c.models) == ["last", "first", "linear", "position", "time_decay", "markov",
                              "shapley"]
    total = table["conversions"].sum()
    for m in c.models:
        assert f[f"{m}_conversions"].sum() == pytest.approx(total, rel=1e-12)
        assert f[f"{m}_value"].sum() == pytest.approx(table["value"].sum(), rel=1e-12)
    h = at.heuristic(table, models=("last", "linear"))
    assert np.array_equal(f["linear_conversions"], h["linear_conversions"])
    mk = at.markov(table).removal_effects
    assert np.array_equal(f["markov_conversions"], mk["conversions"])
    mk2 = at.markov(table, order=2).removal_effects
    assert np.array_equal(at.compare(table, models=["markov"], order=2)["markov_conversions"],
                          mk2["conversions"])
    sh = at.shapley(table)
    assert np.array_equal(f["shapley_conversions"], sh["conversions"])
    assert "markov" in repr(c) and "<table" in c._repr_html_()
    assert c.to_dict()["models"] == list(c.models)


def test_compare_rejects_bad_model_lists(table):
    for bad, needle in ((["magic"], "unknown model 'magic'"), ([], "one or more"),
                        (["last", "last"], "twice")):
        with pytest.raises(InputError, match=needle):
            at.compare(table, models=bad)


def test_compare_plot(table):
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    ax = at.compare(table, models=("last", "markov")).plot()
    assert ax.get_title().startswith("Conversions per channel")
    assert len(ax.patches) == 2 * 5
