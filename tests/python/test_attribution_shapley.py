"""sostac.attribution.shapley(..., ordered=True): the ordered Shapley value of Zhao,
Mahboobi and Bagheri (2018, arXiv:1804.05327) against a direct evaluation of the
paper's formula written here (a sum over every coalition S of the channels, over the
journeys whose channel set is exactly S), a case worked by hand, and its properties by
Hypothesis: efficiency (every credit adds up to the total conversions) and the
relation the paper's construction gives, a channel's credits over the positions add up
to its (unordered) Shapley value of the conversions game, itself checked against
brute-force averaging over all orderings of the channels."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sostac.attribution as attribution
from sostac import InputError


# --- independent references ----------------------------------------------------------

def _touches(path: str) -> list[str]:
    return [s.strip() for s in str(path).split(">")]


def ref_ordered(table: pd.DataFrame, column: str = "conversions"):
    """The paper's ordered Shapley value by enumeration: for channel i and touch j,
    phi_i^j = sum over the coalitions S containing i of 1/|S| times the sum, over the
    journeys u whose channel set is exactly S and whose j-th touch is i, of
    r(u) / N_i(u) (N_i(u): the touches of i on u). Returns {channel: [phi^1, ...]}."""
    paths = [_touches(p) for p in table["path"]]
    r = table[column].to_numpy(float)
    channels = sorted({c for p in paths for c in p})
    k = max(len(p) for p in paths)
    out = {c: [0.0] * k for c in channels}
    for size in range(1, len(channels) + 1):
        for coalition in itertools.combinations(channels, size):
            s = frozenset(coalition)
            members = [u for u, p in enumerate(paths) if frozenset(p) == s]
            for i in coalition:
                for j in range(k):
                    out[i][j] += sum(r[u] / paths[u].count(i) for u in members
                                     if j < len(paths[u]) and paths[u][j] == i) / size
    return out


def ref_unordered(table: pd.DataFrame, column: str = "conversions"):
    """Brute force: the conversions game's Shapley value as the average of the
    marginal contributions over all orderings of the channels."""
    sets = [frozenset(_touches(p)) for p in table["path"]]
    x = table[column].to_numpy(float)
    channels = sorted(set().union(*sets))

    def v(coalition):
        return float(sum(x[u] for u, s in enumerate(sets) if s <= coalition))

    phi = dict.fromkeys(channels, 0.0)
    for perm in itertools.permutations(channels):
        have = frozenset()
        for ch in perm:
            phi[ch] += v(have | {ch}) - v(have)
            have = have | {ch}
    return {c: phi[c] / math.factorial(len(channels)) for c in channels}


def positions(frame: pd.DataFrame, prefix: str = "position_") -> np.ndarray:
    cols = [c for c in frame.columns if c.startswith(prefix)]
    assert cols == [f"{prefix}{j + 1}" for j in range(len(cols))]
    return frame[cols].to_numpy(float)


def random_table(rng: np.random.Generator, n_paths: int, n_channels: int,
                 max_len: int) -> pd.DataFrame:
    """Distinct paths with repeated channels allowed (a > b > a), some without
    conversions, value not proportional to conversions."""
    names = [f"c{i}" for i in range(n_channels)]
    paths = set()
    for _ in range(20 * n_paths):
        paths.add(" > ".join(rng.choice(names, size=int(rng.integers(1, max_len + 1)))))
        if len(paths) == n_paths:
            break
    paths = sorted(paths)
    conv = rng.integers(0, 6, size=len(paths)).astype(float)
    conv[0] = max(conv[0], 1.0)
    value = np.round(rng.uniform(0, 80, size=len(paths)), 2) * (conv > 0)
    nulls = rng.integers(0, 8, size=len(paths)).astype(float)
    return pd.DataFrame({"path": paths, "conversions": conv, "value": value,
                         "nulls": nulls})


tables = st.builds(
    lambda seed, n, c, m: random_table(np.random.default_rng(seed), n, c, m),
    st.integers(0, 2**32 - 1), st.integers(1, 30), st.integers(1, 6), st.integers(1, 8))


# --- the definition ------------------------------------------------------------------

def test_ordered_worked_by_hand():
    # a > b > a (6 conversions): {a, b}, 3 each; a's 3 over its 2 touches (1.5 at 1 and
    # 3), b's 3 at touch 2. b > c (4): 2 to b at 1, 2 to c at 2. c (2): 2 to c at 1.
    # The non-converting b > b > b > c only sets the width (4 positions) and earns 0.
    t = pd.DataFrame({"path": ["a > b > a", "b > c", "c", "b > b > b > c"],
                      "conversions": [6, 4, 2, 0], "value": [60.0, 20.0, 30.0, 0.0],
                      "nulls": [3, 5, 9, 4]})
    r = attribution.shapley(t, ordered=True)
    assert r["channel"].tolist() == ["a", "b", "c"]
    assert positions(r).tolist() == [[1.5, 0.0, 1.5, 0.0], [2.0, 3.0, 0.0, 0.0],
                                     [2.0, 2.0, 0.0, 0.0]]
    assert positions(r, "value_position_").tolist() == [
        [15.0, 0.0, 15.0, 0.0], [10.0, 30.0, 0.0, 0.0], [30.0, 10.0, 0.0, 0.0]]
    assert r["conversions"].tolist() == [3.0, 5.0, 4.0]
    assert r["shapley_value"].tolist() == [3.0, 5.0, 4.0]
    assert r["value"].tolist() == [30.0, 40.0, 40.0]
    # the contract's columns come first, then the breakdown
    assert list(r.columns[:4]) == ["channel", "shapley_value", "conversions", "value"]


@pytest.mark.parametrize("seed", range(10))
def test_ordered_matches_the_papers_formula(seed):
    rng = np.random.default_rng(seed)
    t = random_table(rng, int(rng.integers(2, 40)), int(rng.integers(1, 6)),
                     int(rng.integers(1, 7)))
    r = attribution.shapley(t, ordered=True).set_index("channel")
    for column, prefix in (("conversions", "position_"), ("value", "value_position_")):
        exp = ref_ordered(t, column)
        got = positions(r, prefix)
        assert list(r.index) == sorted(exp)
        np.testing.assert_allclose(got, np.array([exp[c] for c in r.index]),
                                   rtol=1e-12, atol=1e-12, err_msg=column)


# --- properties ----------------------------------------------------------------------

@settings(max_examples=80, deadline=None)
@given(tables)
def test_ordered_efficiency(t):
    r = attribution.shapley(t, ordered=True)
    assert positions(r).sum() == pytest.approx(t["conversions"].sum(), rel=1e-12)
    assert positions(r, "value_position_").sum() == pytest.approx(t["value"].sum(),
                                                                   rel=1e-12, abs=1e-9)
    assert r["conversions"].sum() == pytest.approx(t["conversions"].sum(), rel=1e-12)
    # one column per touch of the longest path; no credit past a channel's last touch
    assert positions(r).shape == (r.shape[0], max(len(_touches(p)) for p in t["path"]))


@settings(max_examples=80, deadline=None)
@given(tables)
def test_ordered_positions_add_up_to_the_unordered_value(t):
    ordered = attribution.shapley(t, ordered=True).set_index("channel")
    plain = attribution.shapley(t).set_index("channel")
    assert list(ordered.index) == list(plain.index)
    np.testing.assert_allclose(positions(ordered).sum(axis=1), plain["conversions"],
                               rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(positions(ordered, "value_position_").sum(axis=1),
                               plain["value"], rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(ordered["shapley_value"], plain["shapley_value"],
                               rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("seed", range(6))
def test_unordered_value_is_the_average_over_orderings(seed):
    # closes the loop: the positions add up to phi, and phi is the Shapley value
    rng = np.random.default_rng(100 + seed)
    t = random_table(rng, int(rng.integers(2, 25)), int(rng.integers(1, 6)), 5)
    ordered = attribution.shapley(t, ordered=True).set_index("channel")
    exp = ref_unordered(t)
    np.testing.assert_allclose(positions(ordered).sum(axis=1),
                               [exp[c] for c in ordered.index], rtol=1e-12, atol=1e-12)


@given(st.integers(1, 12), st.floats(0.5, 1e6))
def test_ordered_single_channel_paths_credit_every_touch_evenly(m, c):
    # a path of one channel touched m times gives c / m to each of its m positions
    one = pd.DataFrame({"path": [" > ".join(["c0"] * m)], "conversions": [c],
                        "value": [0.0], "nulls": [0.0]})
    r = attribution.shapley(one, ordered=True)
    np.testing.assert_allclose(positions(r), [[c / m] * m], rtol=1e-15)


# --- bad input -----------------------------------------------------------------------

def test_ordered_position_limit():
    long = " > ".join(["a", "b"] * 500)  # 1000 touches: allowed
    ok = pd.DataFrame({"path": ["a", long], "conversions": [1, 2], "value": [1.0, 2.0],
                       "nulls": [0, 0]})
    r = attribution.shapley(ok, ordered=True)
    assert positions(r).shape == (2, 1000)
    assert positions(r).sum() == pytest.approx(3.0)
    too_long = ok.assign(path=["a", long + " > a"])  # 1001 touches
    with pytest.raises(InputError, match=r"path\[1\].*at most 1000.*1001 touches.*"
                                         r"max_length.*ordered=False"):
        attribution.shapley(too_long, ordered=True)
    # the unordered game has no position limit
    assert attribution.shapley(too_long)["conversions"].sum() == pytest.approx(3.0)


def test_ordered_bad_options_and_tables():
    t = pd.DataFrame({"path": ["a > b", "b"], "conversions": [2, 1],
                      "value": [2.0, 1.0], "nulls": [1, 1]})
    with pytest.raises(InputError, match=r"worth.*conversions.*only"):
        attribution.shapley(t, ordered=True, worth="rate")
    with pytest.raises(InputError, match="ordered"):
        attribution.shapley(t, ordered="yes")
    with pytest.raises(InputError, match="no conversions"):
        attribution.shapley(t.assign(conversions=[0, 0]), ordered=True)
    with pytest.raises(InputError, match=r"conversions\[1\]"):
        attribution.shapley(t.assign(conversions=[1, -1]), ordered=True)
    with pytest.raises(InputError, match="empty"):
        attribution.shapley(t.iloc[:0], ordered=True)
    # the ordered variant needs no cap on channels (the rate game stops at 20)
    many = pd.DataFrame({"path": [" > ".join(f"c{i:02d}" for i in range(25))],
                         "conversions": [5.0], "value": [0.0], "nulls": [1.0]})
    with pytest.raises(InputError, match="at most 20 channels"):
        attribution.shapley(many, worth="rate")
    r = attribution.shapley(many, ordered=True)
    np.testing.assert_allclose(np.diag(positions(r)), 0.2)
