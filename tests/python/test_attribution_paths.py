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


# -- assists ------------------------------------------------------------------------------

from sostac.attribution import assists  # noqa: E402


def _assists_reference(table):
    """GA's counts by plain pandas: per (path, channel) whether it is last, first, or
    on the path at a position other than the last."""
    t = _touches(table)
    t["is_last"] = t["j"] == t["k"] - 1
    t["is_first"] = t["j"] == 0
    roles = t.groupby(["row", "channel"]).agg(
        last=("is_last", "any"), first=("is_first", "any"),
        assist=("is_last", lambda s: (~s).any()), conv=("conv", "first"), val=("val", "first"))
    out = pd.DataFrame({
        "last_interaction": (roles["last"] * roles["conv"]).groupby("channel").sum(),
        "assisted": (roles["assist"] * roles["conv"]).groupby("channel").sum(),
        "first_interaction": (roles["first"] * roles["conv"]).groupby("channel").sum(),
        "both": (roles["assist"] & roles["last"]).mul(roles["conv"]).groupby("channel").sum(),
        "last_interaction_value": (roles["last"] * roles["val"]).groupby("channel").sum(),
        "assisted_value": (roles["assist"] * roles["val"]).groupby("channel").sum(),
    })
    return out.sort_index()


def test_assists_match_a_pandas_reference(ca_raw):
    table = read_paths(ca_raw)
    a = assists(table, level=0.9)
    ref = _assists_reference(table)
    f = a.to_frame()
    assert list(f.columns) == ["channel", "last_interaction", "assisted", "first_interaction",
                               "assist_ratio", "assist_ratio_low", "assist_ratio_high",
                               "last_interaction_value", "assisted_value",
                               "first_interaction_value"]
    assert f["channel"].tolist() == ref.index.tolist()
    for c in ("last_interaction", "assisted", "first_interaction", "last_interaction_value",
              "assisted_value"):
        np.testing.assert_allclose(f[c], ref[c], rtol=1e-9, atol=1e-9)
    A, L, B = ref["assisted"].to_numpy(), ref["last_interaction"].to_numpy(), ref["both"].to_numpy()
    np.testing.assert_allclose(f["assist_ratio"], A / L, rtol=1e-12)
    se = np.sqrt((A + L - 2 * B) / (A * L))
    np.testing.assert_allclose(f["assist_ratio_low"], A / L * np.exp(-1.6448536269514722 * se),
                               rtol=1e-9)
    np.testing.assert_allclose(f["assist_ratio_high"], A / L * np.exp(1.6448536269514722 * se),
                               rtol=1e-9)
    # the last-interaction conversions are last touch: they sum to the total
    assert f["last_interaction"].sum() == pytest.approx(table["conversions"].sum())
    assert (f["assisted"] >= 0).all() and a.level == 0.9 and len(a) == len(f)
    assert a["assisted"].equals(f["assisted"]) and a.assist_ratio.equals(f["assist_ratio"])


def test_assist_interval_agrees_with_a_bootstrap_over_conversions(ca_raw):
    # Resampling the conversions (multinomial over paths): the spread of log(ratio)
    # matches the delta-method standard error within 10 % for the well-populated channels.
    table = read_paths(ca_raw)
    table = table[table["conversions"] > 0].reset_index(drop=True)
    a = assists(table).to_frame().set_index("channel")
    ref = _touches(table)
    roles = ref.assign(is_last=ref["j"] == ref["k"] - 1).groupby(["row", "channel"])["is_last"]
    last = roles.any().unstack(fill_value=False)
    assist = roles.agg(lambda s: (~s).any()).unstack(fill_value=False)
    conv = table["conversions"].to_numpy()
    big = a.index[(a["assisted"] > 200) & (a["last_interaction"] > 200)]
    assert len(big) >= 5
    rng = np.random.default_rng(20261203)
    draws = rng.multinomial(int(conv.sum()), conv / conv.sum(), size=400).astype(float)
    log_r = np.log((draws @ assist[big].to_numpy(dtype=float))
                   / (draws @ last[big].to_numpy(dtype=float)))
    boot = pd.Series(log_r.std(axis=0, ddof=1), index=big)
    se = np.log(a["assist_ratio_high"] / a["assist_ratio"]) / 1.959963984540054
    np.testing.assert_allclose(se[big], boot[big], rtol=0.1)


def test_assists_edge_rules():
    t = pd.DataFrame({"path": ["a > b", "c", "direct > direct"], "conversions": [2.0, 1.0, 3.0],
                      "value": [2.0, 1.0, 3.0], "nulls": [0.0, 0.0, 0.0]})
    f = assists(t).to_frame().set_index("channel")
    assert np.isnan(f.loc["a", "assist_ratio"])  # assists but never closes: undefined
    assert f.loc["b", "assist_ratio"] == 0 and np.isnan(f.loc["b", "assist_ratio_high"])
    assert f.loc["c", "assisted"] == 0
    # "direct > direct": direct closes and assists each of the 3 conversions (once each)
    assert f.loc["direct", "assisted"] == 3 and f.loc["direct", "last_interaction"] == 3
    assert f.loc["direct", "assist_ratio_low"] == f.loc["direct", "assist_ratio_high"] == 1
    with pytest.raises(InputError, match=r"level: expected a confidence level"):
        assists(t, level=1.0)
    with pytest.raises(InputError, match=r"paths: missing column"):
        assists(t.drop(columns="nulls"))
    assert "assist ratio" in repr(assists(t)) and "<table" in assists(t)._repr_html_()


def test_assists_plot(ca_raw):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    a = assists(read_paths(ca_raw))
    ax = a.plot()
    labels = [t.get_text() for t in ax.get_yticklabels()]
    ratio = a.to_frame().set_index("channel")["assist_ratio"]
    assert labels == ratio.dropna()[ratio.dropna() > 0].sort_values().index.tolist()
    assert ax.get_xscale() == "log"
    plt.close("all")


# -- the path builder ---------------------------------------------------------------------

from sostac import _core  # noqa: E402
from sostac.attribution import paths  # noqa: E402


def _paths_reference(log, lookback_days, max_length=None, collapse=False):
    """Independent statement of the rules: conversion i of a user (sorted by time, then
    value) gets the touches t with t_prev < t <= t_i and t >= t_i - lookback, t_prev the
    time of the user's previous conversion; the null path holds the touches after the
    last conversion within lookback of the last touch."""
    table, unattributed, unattributed_value, on_paths = {}, 0.0, 0.0, 0
    lb = np.inf if lookback_days is None else lookback_days

    def add(key, c, v, n):
        row = table.setdefault(key, [0.0, 0.0, 0.0])
        row[0] += c
        row[1] += v
        row[2] += n

    def shape(touches):
        chans = [ch for _, ch in sorted(touches)]
        if collapse:
            chans = [ch for i, ch in enumerate(chans) if i == 0 or chans[i - 1] != ch]
        if max_length is not None:
            chans = chans[-max_length:]
        return " > ".join(chans)

    for _, g in log.groupby("user_id", sort=False):
        touches = [(t, ch) for t, ch in zip(g["day"], g["channel"]) if isinstance(ch, str)]
        convs = sorted((t, v) for t, v, c in zip(g["day"], g["value"], g["conversion"]) if c)
        prev = -np.inf
        for t, v in convs:
            mine = [(s, ch) for s, ch in touches if prev < s <= t and s >= t - lb]
            prev = t
            if mine:
                add(shape(mine), 1.0, v, 0.0)
                on_paths += len(mine)
            else:
                unattributed += 1
                unattributed_value += v
        rest = [(s, ch) for s, ch in touches if s > prev]
        if rest:
            last = max(s for s, _ in rest)
            mine = [(s, ch) for s, ch in rest if s >= last - lb]
            add(shape(mine), 0.0, 0.0, 1.0)
            on_paths += len(mine)
    expired = sum(isinstance(ch, str) for ch in log["channel"]) - on_paths
    return table, unattributed, unattributed_value, expired


def _log(seed, users=40, rows=400, days=60):
    rng = np.random.default_rng(seed)
    user = rng.integers(0, users, rows)
    day = rng.integers(0, days, rows)  # many ties, and edges at whole days
    conversion = rng.random(rows) < 0.2
    channel = rng.choice(np.array(["a", "b", "c", "direct"], dtype=object), rows)
    # a third of the conversions carry no channel (bare conversions)
    channel[conversion & (rng.random(rows) < 0.35)] = None
    value = np.where(conversion, np.round(rng.gamma(2.0, 10.0, rows), 2), np.nan)
    return pd.DataFrame({"user_id": [f"u{u}" for u in user], "day": day,
                         "timestamp": pd.Timestamp("2027-01-01")
                         + pd.to_timedelta(day, unit="D"),
                         "channel": channel, "conversion": conversion.astype(int),
                         "value": value})


def _as_dict(table):
    return {p: [c, v, n] for p, c, v, n in table[["path", "conversions", "value", "nulls"]]
            .itertuples(index=False)}


@pytest.mark.parametrize("seed, lookback, max_length, collapse", [
    (1, 7, None, False), (2, 30, None, False), (3, 0, None, False), (4, None, None, False),
    (5, 10, 3, False), (6, 14, None, True), (7, 5, 2, True), (8, 1, None, False),
])
def test_paths_match_a_plain_pandas_reference(seed, lookback, max_length, collapse):
    log = _log(seed)
    got = paths(log, value="value", lookback=None if lookback is None else f"{lookback}D",
                max_length=max_length, collapse_repeats=collapse)
    table, unattributed, unattributed_value, expired = _paths_reference(
        log, lookback, max_length, collapse)
    assert got["path"].is_unique
    mine = _as_dict(got)
    assert mine.keys() == table.keys()
    for key, want in table.items():
        np.testing.assert_allclose(mine[key], want, rtol=1e-12, atol=1e-9)
    assert got.attrs["unattributed_conversions"] == unattributed
    assert got.attrs["unattributed_value"] == pytest.approx(unattributed_value)
    assert got.attrs["expired_touches"] == expired
    assert got.attrs["users"] == log["user_id"].nunique()
    assert got["conversions"].sum() + unattributed == log["conversion"].sum()


def test_paths_rules_by_hand():
    t0 = pd.Timestamp("2027-03-01")
    log = pd.DataFrame({
        "user_id": ["x"] * 6 + ["y"] * 2,
        "timestamp": [t0, t0 + pd.Timedelta("2D"), t0 + pd.Timedelta("2D"),
                      t0 + pd.Timedelta("2D"), t0 + pd.Timedelta("40D"),
                      t0 + pd.Timedelta("50D"), t0, t0 + pd.Timedelta("1D")],
        "channel": ["email", "search", None, None, "social", "social", None, "ads"],
        "conversion": [False, False, True, True, False, True, True, False],
        "value": [0, 0, 10.0, 4.0, 0, 6.0, 3.0, 0]})
    got = paths(log, value="value")
    # x: the search touch at the time of the first conversion is on its path; the second
    # conversion at that time (value 10 > 4 goes second) finds none; social@40 and the
    # converting social session@50 make the second path. y: a bare conversion without a
    # touch, then ads alone (a null).
    assert _as_dict(got) == {"email > search": [1.0, 4.0, 0.0],
                             "social > social": [1.0, 6.0, 0.0], "ads": [0.0, 0.0, 1.0]}
    assert got.attrs["unattributed_conversions"] == 2.0
    assert got.attrs["unattributed_value"] == 13.0
    short = paths(log, value="value", lookback="9D", collapse_repeats=True)
    assert _as_dict(short)["social"] == [1.0, 6.0, 0.0]  # social@40 is 10 days before 50
    assert short.attrs["expired_touches"] == 1


def test_paths_merge_equals_one_pass():
    log = _log(11, users=25, rows=600)
    codes, _ = pd.factorize(log["user_id"])
    ch, names = pd.factorize(log["channel"], sort=True)
    ticks = log["timestamp"].astype("datetime64[ns]").to_numpy().view("i8")
    conv = log["conversion"].to_numpy(np.uint8)
    val = log["value"].to_numpy(float)
    day = 86_400 * 10**9
    whole = _core.attribution.PathAccumulator()
    whole.add(codes.astype(np.int64), ticks, ch.astype(np.int32), conv, val)
    rng = np.random.default_rng(3)
    parts = np.array_split(rng.permutation(len(log)), 4)  # users in many pieces
    accs = []
    for idx in parts:
        a = _core.attribution.PathAccumulator()
        idx = np.sort(idx)
        a.add(codes[idx].astype(np.int64), ticks[idx], ch[idx].astype(np.int32), conv[idx],
              val[idx])
        accs.append(a)
    accs[2].merge(accs[0])
    accs[3].merge(accs[1])
    accs[3].merge(accs[2])
    assert accs[3].rows == whole.rows == len(log)
    one = whole.finish(list(names), 7 * day, 0, False)
    merged = accs[3].finish(list(names), 7 * day, 0, False)
    assert one["path"] == merged["path"]
    for k in ("offsets", "steps", "conversions", "value", "nulls"):
        np.testing.assert_array_equal(one[k], merged[k])
    assert one["expired_touches"] == merged["expired_touches"]
    # and the public function gives the same table
    pub = paths(log, value="value", lookback="7D")
    assert _as_dict(pub) == {p: [c, v, n] for p, c, v, n in zip(
        one["path"], one["conversions"], one["value"], one["nulls"])}


def test_paths_same_for_any_thread_count():
    import sostac

    log = _log(12, users=80000, rows=150000)  # 3 chunks of 32768 users
    try:
        sostac.set_num_threads(1)
        a = paths(log, value="value")
        sostac.set_num_threads(2)
        b = paths(log, value="value")
    finally:
        sostac.set_num_threads(0)
    pd.testing.assert_frame_equal(a, b)


def test_paths_feed_the_models():
    log = _log(13)
    t = paths(log, value="value", lookback="21D")
    h = heuristic(t, models=("last",))
    a = assists(t).to_frame()
    np.testing.assert_allclose(h["last_conversions"], a["last_interaction"])
    assert h["last_conversions"].sum() == pytest.approx(t["conversions"].sum())


@pytest.mark.parametrize("change, kwargs, match", [
    (lambda d: d.assign(user_id=d["user_id"].where(d.index != 3)), {},
     r"user_id\[3\]: missing user id"),
    (lambda d: d.assign(timestamp=d["timestamp"].where(d.index != 2)), {},
     r"timestamp\[2\]: missing time"),
    (lambda d: d, {"lookback": "30 fortnights"}, r"lookback: unknown duration"),
    (lambda d: d, {"lookback": "-3D"}, r"lookback: expected a duration >= 0"),
    (lambda d: d, {"lookback": 30}, r"lookback: expected a duration like"),
    (lambda d: d, {"max_length": 0}, r"max_length: expected a whole number >= 1"),
    (lambda d: d.assign(channel=["a", None, "b", "c"], conversion=[0, 0, 1, 0]), {},
     r"channel\[1\]: missing channel on a touch"),
    (lambda d: d.assign(channel=["a", " ", "b", "c"]), {}, r"channel\[1\]: blank channel"),
    (lambda d: d.assign(channel=["a", "x>y", "b", "c"]), {}, r"channel\[1\]: channel name with '>'"),
    (lambda d: d.assign(conversion=[0, 2, 1, 0]), {}, r"conversion\[1\]: expected a conversion flag"),
    (lambda d: d.assign(conversion=["no", "no", "yes", "no"]), {},
     r"conversion: expected a conversion flag"),
    (lambda d: d.assign(value=[0.0, 0.0, np.nan, 0.0]), {"value": "value"},
     r"value\[2\]: expected a finite conversion value"),
    (lambda d: d.iloc[:0], {}, r"user_id: the touchpoint log is empty"),
    (lambda d: d, {"channel": "source"}, r"channel: data has no column 'source'"),
])
def test_paths_errors(change, kwargs, match):
    log = pd.DataFrame({"user_id": ["u", "u", "u", "v"],
                        "timestamp": pd.to_datetime(["2027-01-01", "2027-01-02", "2027-01-03",
                                                     "2027-01-01"]),
                        "channel": ["a", "b", "c", "a"], "conversion": [0, 0, 1, 0],
                        "value": [0.0, 0.0, 5.0, 0.0]})
    with pytest.raises(InputError, match=match):
        paths(change(log), **kwargs)


def test_encode_splits_whole_columns():
    from sostac.attribution import _table

    t = pd.DataFrame({"path": ["b > a > b", " c", "a>é > c  "], "conversions": [1.0, 2.0, 0.0],
                      "value": [0.0, 1.0, -2.0], "nulls": [0.0, 0.0, 1.0]})
    e = _table.encode(t)
    assert e.channels == ["a", "b", "c", "é"]
    assert e.offsets.tolist() == [0, 3, 4, 7]
    assert e.steps.tolist() == [1, 0, 1, 2, 0, 3, 2]
    assert e.steps.dtype == np.int32 and e.offsets.dtype == np.uint64
    with pytest.raises(InputError, match=r"path\[2\]: empty channel name"):
        _table.encode(t.assign(path=["a", "b", "a > > c"]))
    with pytest.raises(InputError, match=r"a path contains a line break"):
        _table.encode(t.assign(path=["a", "b\nc", "c"]))


def test_polars_and_arrow_inputs():
    pl = pytest.importorskip("polars")
    pa = pytest.importorskip("pyarrow")
    log = _log(21)
    want = paths(log, value="value", lookback="10D")
    slim = log.drop(columns="day")
    for frame in (pl.from_pandas(slim), pa.Table.from_pandas(slim, preserve_index=False)):
        got = paths(frame, value="value", lookback="10D")
        assert _as_dict(got) == _as_dict(want)
    raw = _raw(["a>b", "b"], conv=[1, 2])
    assert read_paths(pl.from_pandas(raw)).equals(read_paths(raw))
    assert read_paths(pa.Table.from_pandas(raw)).equals(read_paths(raw))


@st.composite
def _small_logs(draw):
    n = draw(st.integers(1, 25))
    rows = draw(st.lists(st.tuples(st.integers(0, 2), st.integers(0, 6),
                                   st.sampled_from(["a", "b", "direct", None]),
                                   st.booleans(), st.sampled_from([1.0, 2.5, 7.0])),
                         min_size=n, max_size=n))
    user, day, channel, conv, value = map(list, zip(*rows))
    channel = [c if (c is not None or v) else "a" for c, v in zip(channel, conv)]
    return pd.DataFrame({"user_id": user, "day": day,
                         "timestamp": pd.Timestamp("2027-01-01")
                         + pd.to_timedelta(day, unit="D"),
                         "channel": channel, "conversion": [int(c) for c in conv],
                         "value": [v if c else np.nan for v, c in zip(value, conv)]})


@settings(max_examples=80, deadline=None)
@given(_small_logs(), st.sampled_from([None, 0, 1, 3]), st.sampled_from([None, 1, 2]),
       st.booleans())
def test_paths_match_the_reference_on_small_logs(log, lookback, max_length, collapse):
    got = paths(log, value="value", lookback=None if lookback is None else f"{lookback}D",
                max_length=max_length, collapse_repeats=collapse)
    table, unattributed, unattributed_value, expired = _paths_reference(
        log, lookback, max_length, collapse)
    assert _as_dict(got).keys() == table.keys()
    for key, want in table.items():
        np.testing.assert_allclose(_as_dict(got)[key], want, atol=1e-9)
    assert got.attrs["unattributed_conversions"] == unattributed
    assert got.attrs["unattributed_value"] == pytest.approx(unattributed_value)
    assert got.attrs["expired_touches"] == expired


@pytest.mark.parametrize("seed, lookback, half", [(31, 30, 7.0), (32, None, 2.5), (33, 3, 0.5)])
def test_real_time_decay_matches_a_reference(seed, lookback, half):
    log = _log(seed, users=30, rows=300)
    t = paths(log, value="value", lookback=None if lookback is None else f"{lookback}D",
              half_life=pd.Timedelta(days=half))
    assert t.attrs["half_life"] is not None
    got = heuristic(t, models=("time_decay", "last")).set_index("channel")
    # the reference: each conversion's touches (the rules of _paths_reference), weights
    # 2^(-(T - t) / half) normalised
    lb = np.inf if lookback is None else lookback
    credit, credit_value = {}, {}
    for _, g in log.groupby("user_id", sort=False):
        touches = [(d, ch) for d, ch in zip(g["day"], g["channel"]) if isinstance(ch, str)]
        prev = -np.inf
        for T, v in sorted((d, v) for d, v, c in zip(g["day"], g["value"], g["conversion"])
                           if c):
            mine = [(d, ch) for d, ch in touches if prev < d <= T and d >= T - lb]
            prev = T
            if not mine:
                continue
            w = np.array([0.5 ** ((T - d) / half) for d, _ in mine])
            w /= w.sum()
            for (d, ch), x in zip(mine, w):
                credit[ch] = credit.get(ch, 0.0) + x
                credit_value[ch] = credit_value.get(ch, 0.0) + x * v
    ref = pd.DataFrame({"c": credit, "v": credit_value}).reindex(got.index).fillna(0.0)
    np.testing.assert_allclose(got["time_decay_conversions"], ref["c"], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(got["time_decay_value"], ref["v"], rtol=1e-9, atol=1e-9)
    assert got["time_decay_conversions"].sum() == pytest.approx(t["conversions"].sum())
    with pytest.raises(InputError, match=r"half_life: this path table carries real-time"):
        heuristic(t, models=("time_decay",), half_life=2.0)
    # without the columns: decay by position again
    pos = heuristic(t.drop(columns=["time_decay", "time_decay_value"]), models=("time_decay",))
    assert not np.allclose(pos["time_decay_conversions"], got["time_decay_conversions"])


def test_real_time_decay_collapse_takes_the_latest_touch():
    t0 = pd.Timestamp("2027-05-01")
    log = pd.DataFrame({"user_id": [1, 1, 1, 1],
                        "timestamp": [t0, t0 + pd.Timedelta("2D"), t0 + pd.Timedelta("8D"),
                                      t0 + pd.Timedelta("9D")],
                        "channel": ["a", "b", "b", None], "conversion": [0, 0, 0, 1]})
    t = paths(log, collapse_repeats=True, half_life="1D")
    assert t["path"].tolist() == ["a > b"]
    w = np.array([0.5 ** 9, 0.5 ** 1])  # a 9 days before, the b run's latest 1 day before
    np.testing.assert_allclose(t["time_decay"].iloc[0], w / w.sum())
    with pytest.raises(InputError, match=r"half_life: expected a duration > 0"):
        paths(log, half_life="0D")
    with pytest.raises(InputError, match=r"half_life: unknown duration"):
        paths(log, half_life="a week")


def test_docstring_examples_and_sections():
    import doctest
    import inspect

    from sostac.attribution import _paths as module

    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
    for name in ("paths", "read_paths", "heuristic", "assists"):
        doc = inspect.getdoc(getattr(module, name)) or ""
        for section in ("Parameters", "Returns", "Examples"):
            assert f"{section}\n---" in doc, f"{name}: no {section} section"


def test_a_log_of_bare_conversions_only():
    log = pd.DataFrame({"user_id": [1, 2], "timestamp": pd.to_datetime(["2027-01-01"] * 2),
                        "channel": [None, None], "conversion": [1, 1]})
    t = paths(log)
    assert len(t) == 0 and list(t.columns) == ["path", "conversions", "value", "nulls"]
    assert t.attrs["unattributed_conversions"] == 2.0


# -- presorted input, the grouped fast path, views --------------------------------------------

def _sorted(log):
    return log.sort_values(["user_id", "timestamp"], kind="stable").reset_index(drop=True)


@settings(max_examples=60, deadline=None)
@given(_small_logs(), st.sampled_from([None, 0, 2]), st.booleans(), st.randoms())
def test_presorted_equals_the_default_and_names_the_first_unsorted_row(log, lookback, collapse,
                                                                       rnd):
    kw = dict(value="value", lookback=None if lookback is None else f"{lookback}D",
              collapse_repeats=collapse)
    s = _sorted(log)
    a = paths(s, **kw)
    pd.testing.assert_frame_equal(paths(s, presorted=True, **kw), a)
    # the default gives the same table for any row order (dense integer ids: same codes)
    order = list(range(len(log)))
    rnd.shuffle(order)
    shuffled = s.iloc[order].reset_index(drop=True)
    got, want = _as_dict(paths(shuffled, **kw)), _as_dict(a)
    assert got.keys() == want.keys()
    for k in want:
        np.testing.assert_allclose(got[k], want[k], rtol=1e-12, atol=1e-12)
    # the first row that breaks (grouped by user, time non-decreasing), by a plain loop
    u, t = shuffled["user_id"].tolist(), shuffled["timestamp"].tolist()
    seen, bad = set(), None
    for i in range(len(u)):
        if i and u[i] == u[i - 1]:
            if t[i] < t[i - 1]:
                bad = (i, "time")
                break
        else:
            if u[i] in seen:
                bad = (i, "user")
                break
            seen.add(u[i])
    if bad is None:
        pd.testing.assert_frame_equal(paths(shuffled, presorted=True, **kw),
                                      paths(shuffled, **kw))
    elif bad[1] == "time":
        with pytest.raises(InputError, match=rf"^timestamp\[{bad[0]}\]: touchpoints not in time "
                                             rf"order for user {u[bad[0]]!r}.*presorted=True"):
            paths(shuffled, presorted=True, **kw)
    else:
        with pytest.raises(InputError, match=rf"^user_id\[{bad[0]}\]: the rows of user "
                                             rf"{u[bad[0]]!r} resume after other users' rows"):
            paths(shuffled, presorted=True, **kw)


def test_presorted_errors_by_hand():
    log = pd.DataFrame({"user_id": ["u1", "u1", "u9", "u9", "u9"],
                        "timestamp": pd.to_datetime(["2027-01-01", "2027-01-02", "2027-01-05",
                                                     "2027-01-03", "2027-01-06"]),
                        "channel": ["a", "b", "a", "b", "c"], "conversion": [0, 1, 0, 0, 1]})
    with pytest.raises(InputError, match=r"timestamp\[3\]: touchpoints not in time order for "
                                         r"user 'u9'.*\(presorted=True"):
        paths(log, presorted=True)
    regrouped = log.iloc[[0, 2, 1, 3, 4]].reset_index(drop=True)
    with pytest.raises(InputError, match=r"user_id\[2\]: the rows of user 'u1' resume"):
        paths(regrouped, presorted=True)
    with pytest.raises(InputError, match=r"presorted: expected True or False"):
        paths(log, presorted="yes")
    # sorted: equal to the default; ties at one time may come in any order
    tie = pd.DataFrame({"user_id": [3, 3, 3, 5], "timestamp": pd.to_datetime(["2027-01-01"] * 4),
                        "channel": ["b", None, "a", "c"], "conversion": [0, 1, 0, 0]})
    assert _as_dict(paths(tie, presorted=True)) == {"a > b": [1.0, 0.0, 0.0],
                                                    "c": [0.0, 0.0, 1.0]}


def test_grouped_and_sorting_paths_agree_over_many_chunks_and_threads():
    import sostac

    log = _log(41, users=90000, rows=200000)  # 3 chunks of 32768 users
    s = _sorted(log.assign(user_id=log["user_id"].str[1:].astype(np.int64)))
    shuffled = s.sample(frac=1.0, random_state=5).reset_index(drop=True)
    try:
        out = {}
        for threads in (1, 2, 3):
            sostac.set_num_threads(threads)
            out[threads] = (paths(s, value="value", lookback="9D"),
                            paths(s, value="value", lookback="9D", presorted=True),
                            paths(shuffled, value="value", lookback="9D"))
    finally:
        sostac.set_num_threads(0)
    for threads in (2, 3):
        for a, b in zip(out[1], out[threads]):
            pd.testing.assert_frame_equal(a, b)
    # dense integer ids give the same user codes in any row order: the same table,
    # bit for bit, grouped or sorted
    pd.testing.assert_frame_equal(out[1][0], out[1][1])
    pd.testing.assert_frame_equal(out[1][0], out[1][2])


def test_accumulator_views_int32_codes_and_offsets():
    log = _sorted(_log(42, users=30, rows=300))
    codes, _ = pd.factorize(log["user_id"])
    ch, names = pd.factorize(log["channel"], sort=True)
    ticks = log["timestamp"].astype("datetime64[ns]").to_numpy().view("i8")
    conv = log["conversion"].to_numpy(np.uint8)
    val = log["value"].to_numpy(float)
    ref = _core.attribution.PathAccumulator()
    ref.add(codes.astype(np.int64), ticks, ch.astype(np.int32), conv, val)
    want = ref.finish(list(names), None, 0, False)
    views = _core.attribution.PathAccumulator()
    half = len(log) // 2
    # int32 codes as a view, then int64 ids with an offset copied
    views.add(codes[:half].astype(np.int32), ticks[:half], ch[:half].astype(np.int32),
              conv[:half], val[:half], copy=False)
    views.add(codes[half:].astype(np.int64) + 1000, ticks[half:], ch[half:].astype(np.int32),
              conv[half:], val[half:], user_offset=1000)
    assert views.rows == len(log)
    for presorted in (False, True):
        got = views.finish(list(names), None, 0, False, presorted=presorted)
        assert got["path"] == want["path"]
        for k in ("offsets", "steps", "conversions", "value", "nulls"):
            np.testing.assert_array_equal(got[k], want[k])
    broken = _core.attribution.PathAccumulator()
    broken.add(codes[::-1].astype(np.int64), ticks[::-1], ch[::-1].astype(np.int32),
               conv[::-1], val[::-1], copy=False)
    r = broken.finish(list(names), None, 0, False, presorted=True)
    assert set(r) == {"order_break", "order_user", "order_regrouped", "order_message"}
    assert "presorted=True" in r["order_message"]


def test_arrow_encoding_in_slices_equals_factorize(monkeypatch):
    import sostac
    from sostac.attribution import _paths as module

    log = _log(43, users=50, rows=500)
    arrow = log.assign(user_id=log["user_id"].astype("str"),
                       channel=log["channel"].astype("str"))
    assert hasattr(arrow["channel"].array, "_pa_array")
    want = paths(log.assign(user_id=log["user_id"].astype(object),
                            channel=log["channel"].astype(object)), value="value")
    codes, uniques = pd.factorize(arrow["user_id"])
    try:
        sostac.set_num_threads(3)
        for rows in (1_000_000, 7):
            monkeypatch.setattr(module, "_SLICE_ROWS", rows)
            got_codes, got_uniques = module._arrow_codes(arrow["user_id"])
            np.testing.assert_array_equal(got_codes, codes)
            assert got_uniques == list(uniques)
            ch_codes, _ = module._arrow_codes(arrow["channel"])
            got_ch, got_names = module._channel_codes(arrow["channel"], "channel")
            want_ch, want_names = module._channel_codes(arrow["channel"].astype(object), "channel")
            np.testing.assert_array_equal(got_ch, want_ch)
            assert got_names == want_names
            np.testing.assert_array_equal(ch_codes, pd.factorize(arrow["channel"])[0])
            pd.testing.assert_frame_equal(paths(arrow, value="value"), want)
    finally:
        sostac.set_num_threads(0)
