"""sostac.attribution (paths part): read_paths, heuristics, assists, the path builder."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sostac import InputError
from sostac.attribution import read_paths

ROOT = Path(__file__).resolve().parents[2]


def _shared_data() -> Path:
    for d in (os.environ.get("SOSTAC_SHARED_DATA"), ROOT.parent / "shared" / "data",
              "/work/shared/data"):
        if d and (Path(d) / "ChannelAttribution_Data.csv").exists():
            return Path(d)
    pytest.skip("ChannelAttribution_Data.csv not found (set SOSTAC_SHARED_DATA to the "
                "folder of the shared reference data)")


@pytest.fixture(scope="module")
def ca_raw():
    return pd.read_csv(_shared_data() / "ChannelAttribution_Data.csv", sep=";")


def _raw(paths, conv=None, value=None, nulls=None):
    n = len(paths)
    return pd.DataFrame({"path": paths,
                         "total_conversions": conv if conv is not None else [1.0] * n,
                         "total_conversion_value": value if value is not None else [2.0] * n,
                         "total_null": nulls if nulls is not None else [0.0] * n})


# -- read_paths ---------------------------------------------------------------------------

def test_read_paths_normalises_and_merges():
    t = read_paths(_raw(["a>b", " a >  b ", "c", "b>a"], conv=[1, 2, 0, 1],
                        value=[1.0, 2.5, 0.0, 4.0], nulls=[1, 2, 3, 0]))
    assert list(t.columns) == ["path", "conversions", "value", "nulls"]
    assert t["path"].tolist() == ["a > b", "c", "b > a"]
    assert t["conversions"].tolist() == [3.0, 0.0, 1.0]
    assert t["value"].tolist() == [3.5, 0.0, 4.0]
    assert t["nulls"].tolist() == [3.0, 3.0, 0.0]


def test_read_paths_other_separator_and_optional_columns():
    raw = pd.DataFrame({"p": ["x >>> y", "y"], "c": [1, 2]})
    t = read_paths(raw, path="p", conversions="c", value=None, nulls=None, sep=">>>")
    assert t["path"].tolist() == ["x > y", "y"]
    assert t["value"].tolist() == [0.0, 0.0] and t["nulls"].tolist() == [0.0, 0.0]
    # a separator found in no path: every path is one touch
    t = read_paths(raw.assign(p=["x", "y"]), path="p", conversions="c", value=None,
                   nulls=None, sep="|")
    assert t["path"].tolist() == ["x", "y"]


def test_read_paths_reads_the_reference_file(ca_raw):
    t = read_paths(ca_raw)
    assert t["conversions"].sum() == pytest.approx(ca_raw["total_conversions"].sum())
    assert t["value"].sum() == pytest.approx(ca_raw["total_conversion_value"].sum())
    assert t["path"].is_unique
    assert len(t) == ca_raw["path"].str.replace(r"\s*>\s*", " > ", regex=True).nunique()


@pytest.mark.parametrize("raw, kwargs, match", [
    (_raw([]), {}, r"path: the path table is empty"),
    (_raw([None, None]), {}, r"path: every path is missing"),
    (_raw(["a", None]), {}, r"path\[1\]: missing path"),
    (_raw(["a", "  "]), {}, r"path\[1\]: empty path"),
    (_raw(["a", "a > > b"]), {}, r"path\[1\]: empty channel name"),
    (_raw(["a >", "b"]), {}, r"path\[0\]: empty channel name"),
    (_raw(["a", "> b"]), {}, r"path\[1\]: empty channel name"),
    (_raw(["a", "b"], conv=[1, -1]), {}, r"total_conversions\[1\]: expected a count >= 0"),
    (_raw(["a", "b"], nulls=[-2, 0]), {}, r"total_null\[0\]: expected a count >= 0"),
    (_raw(["a", "b"], conv=[1, np.nan]), {}, r"total_conversions\[1\]: expected a finite"),
    (_raw(["a", "b"], value=[np.nan, 1]), {},
     r"total_conversion_value\[0\]: expected a finite"),
    (_raw(["a", "b"]), {"sep": ""}, r"sep: expected a non-empty separator"),
    (_raw(["a", "b"]), {"conversions": "conv"}, r"conversions: data has no column 'conv'"),
    (_raw(["a|b", "c>d"]), {"sep": "|"}, r"path\[1\]: channel name with '>'"),
])
def test_read_paths_errors(raw, kwargs, match):
    with pytest.raises(InputError, match=match):
        read_paths(raw, **kwargs)


# -- heuristics ---------------------------------------------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from sostac.attribution import heuristic  # noqa: E402


def _touches(table):
    """One row per touch: path row, channel, position j (0 = first), length k."""
    parts = table["path"].str.split(" > ", regex=False)
    t = pd.DataFrame({"row": np.repeat(np.arange(len(table)), parts.str.len()),
                      "channel": np.concatenate(parts.to_numpy())})
    t["j"] = t.groupby("row").cumcount()
    t["k"] = t.groupby("row")["j"].transform("size")
    t["conv"] = table["conversions"].to_numpy()[t["row"]]
    t["val"] = table["value"].to_numpy()[t["row"]]
    return t


def _reference(table, model, *, direct="direct", half_life=1.0, w=(0.4, 0.2, 0.4)):
    """Plain pandas shares per touch, summed per channel."""
    t = _touches(table)
    j, k = t["j"].to_numpy(), t["k"].to_numpy()
    if model == "first":
        share = (j == 0) * 1.0
    elif model == "last":
        share = (j == k - 1) * 1.0
    elif model == "linear":
        share = 1.0 / k
    elif model == "time_decay":
        raw = 0.5 ** ((k - 1 - j) / half_life)
        share = raw / pd.Series(raw).groupby(t["row"]).transform("sum").to_numpy()
    elif model == "position":
        mid = np.where(k > 2, w[1] / np.maximum(k - 2, 1), 0.0)
        two = np.where(j == 0, w[0] / (w[0] + w[2]), w[2] / (w[0] + w[2]))
        share = np.where(k == 1, 1.0, np.where(k == 2, two,
                         np.where(j == 0, w[0], np.where(j == k - 1, w[2], mid))))
    elif model == "last_non_direct":
        nd = t["channel"].to_numpy() != direct
        last_nd = pd.Series(np.where(nd, j, -1)).groupby(t["row"]).transform("max").to_numpy()
        target = np.where(last_nd >= 0, last_nd, k - 1)
        share = (j == target) * 1.0
    t["c"] = share * t["conv"]
    t["v"] = share * t["val"]
    return t.groupby("channel")[["c", "v"]].sum().sort_index()


ALL = ("first", "last", "last_non_direct", "linear", "time_decay", "position")


def test_heuristics_match_a_pandas_reference_on_the_reference_file(ca_raw):
    table = read_paths(ca_raw)
    got = heuristic(table, models=ALL, direct="alpha", half_life=1.5)
    assert got["channel"].tolist() == sorted(got["channel"])
    for m in ALL:
        ref = _reference(table, m, direct="alpha", half_life=1.5)
        assert got["channel"].tolist() == ref.index.tolist()
        np.testing.assert_allclose(got[f"{m}_conversions"], ref["c"], rtol=1e-9, atol=1e-9)
        np.testing.assert_allclose(got[f"{m}_value"], ref["v"], rtol=1e-9, atol=1e-9)
        assert got[f"{m}_conversions"].sum() == pytest.approx(table["conversions"].sum(),
                                                              rel=1e-12)


def test_heuristic_channelattribution_definitions_by_hand():
    # ChannelAttribution's linear_touch counts repeats: "a > b > a" gives a 2/3, b 1/3.
    t = pd.DataFrame({"path": ["a > b > a", "b"], "conversions": [3.0, 1.0],
                      "value": [6.0, 1.0], "nulls": [0.0, 0.0]})
    h = heuristic(t, models=("first", "last", "linear")).set_index("channel")
    assert h.loc["a", "first_conversions"] == 3 and h.loc["b", "first_conversions"] == 1
    assert h.loc["a", "last_conversions"] == 3
    assert h.loc["a", "linear_conversions"] == pytest.approx(2.0)
    assert h.loc["b", "linear_conversions"] == pytest.approx(2.0)
    assert h.loc["a", "linear_value"] == pytest.approx(4.0)


def test_position_and_last_non_direct_rules():
    t = pd.DataFrame({"path": ["a", "a > b", "a > b > c > d", "x > direct",
                               "direct > direct"],
                      "conversions": [1.0, 1.0, 1.0, 1.0, 1.0], "value": [0.0] * 5,
                      "nulls": [0.0] * 5})
    p = heuristic(t.iloc[:3], models=("position",)).set_index("channel")["position_conversions"]
    assert p["a"] == pytest.approx(1 + 0.5 + 0.4)
    assert p["b"] == pytest.approx(0.5 + 0.1)
    assert p["c"] == pytest.approx(0.1) and p["d"] == pytest.approx(0.4)
    p = heuristic(t.iloc[1:2], models=("position",), position_weights=(0.3, 0.6, 0.1))
    assert p["position_conversions"].tolist() == pytest.approx([0.75, 0.25])
    d = heuristic(t.iloc[3:], models=("last", "last_non_direct")).set_index("channel")
    assert d.loc["direct", "last_conversions"] == 2
    assert d.loc["x", "last_non_direct_conversions"] == 1  # the last touch that is not direct
    assert d.loc["direct", "last_non_direct_conversions"] == 1  # a path of direct only


def test_time_decay_by_position_halves_per_half_life():
    t = pd.DataFrame({"path": ["a > b > c"], "conversions": [1.0], "value": [0.0],
                      "nulls": [0.0]})
    h = heuristic(t, models=("time_decay",), half_life=1.0)["time_decay_conversions"]
    assert h.tolist() == pytest.approx([1 / 7, 2 / 7, 4 / 7])
    h = heuristic(t, models=("time_decay",), half_life=2.0)["time_decay_conversions"]
    r = 2 ** -0.5
    assert h.tolist() == pytest.approx(np.array([r * r, r, 1]) / (1 + r + r * r))


@pytest.mark.parametrize("kwargs, match", [
    ({"models": ("first", "shapley")}, r"models: unknown model 'shapley'"),
    ({"models": ()}, r"models: expected one or more"),
    ({"models": ("first", "first")}, r"models: a model is listed twice"),
    ({"half_life": 0.0}, r"half_life: expected a finite number of touches > 0"),
    ({"position_weights": (0.5, 0.5, 0.5)}, r"position_weights: expected shares summing to 1"),
    ({"position_weights": (1.2, -0.2, 0.0)}, r"position_weights: expected shares >= 0"),
    ({"position_weights": (0.5, 0.5)}, r"position_weights: expected \(first, middle, last\)"),
])
def test_heuristic_errors(kwargs, match):
    t = pd.DataFrame({"path": ["a > b"], "conversions": [1.0], "value": [0.0], "nulls": [0.0]})
    with pytest.raises(InputError, match=match):
        heuristic(t, **kwargs)


@st.composite
def _tables(draw):
    n = draw(st.integers(1, 30))
    names = ["a", "b", "c", "direct"]
    paths = [" > ".join(draw(st.lists(st.sampled_from(names), min_size=1, max_size=7)))
             for _ in range(n)]
    conv = draw(st.lists(st.floats(0, 50, allow_nan=False), min_size=n, max_size=n))
    val = draw(st.lists(st.floats(-100, 100, allow_nan=False), min_size=n, max_size=n))
    return pd.DataFrame({"path": paths, "conversions": conv, "value": val,
                         "nulls": [1.0] * n})


@settings(max_examples=40, deadline=None)
@given(_tables(), st.floats(0.1, 10), st.floats(0, 1), st.floats(0, 1))
def test_heuristics_conserve_the_totals(table, half_life, a, b):
    w = (a * (1 - b), (1 - a) * (1 - b), b)  # any shares summing to 1
    w = (w[0], w[1], 1.0 - w[0] - w[1])
    h = heuristic(table, models=ALL, half_life=half_life, position_weights=w)
    total, value = table["conversions"].sum(), table["value"].sum()
    for m in ALL:
        assert h[f"{m}_conversions"].sum() == pytest.approx(total, rel=1e-9, abs=1e-9)
        assert h[f"{m}_value"].sum() == pytest.approx(value, rel=1e-9, abs=1e-7)
        assert (h[f"{m}_conversions"] >= -1e-12).all()
