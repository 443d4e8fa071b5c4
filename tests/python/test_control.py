"""sostac.control charts: the formulas by hand on small series, the false-alarm rate
and detection speed by simulation against R's spc (tests/golden/r/control_arl.csv)
and exact binomial/Poisson probabilities, invariants (Hypothesis), and every
bad-input rule."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st
from scipy import stats as sps

from sostac import control

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "r" / "control_arl.csv"


# ------------------------------------------------------------------ by hand

def test_p_chart_by_hand():
    x = np.array([10, 12, 30, 8])
    n = np.array([500, 480, 510, 505])
    c = control.p_chart(x, n, periods=["w1", "w2", "w3", "w4"])
    p0 = x.sum() / n.sum()
    sd = np.sqrt(p0 * (1 - p0) / n)
    np.testing.assert_allclose(c.value, x / n, rtol=1e-15)
    np.testing.assert_allclose(c.centre, p0, rtol=1e-15)
    np.testing.assert_allclose(c.lower, np.maximum(0, p0 - 3 * sd), rtol=1e-13)
    np.testing.assert_allclose(c.upper, np.minimum(1, p0 + 3 * sd), rtol=1e-13)
    np.testing.assert_allclose(c.shift, (x / n - p0) / sd, rtol=1e-13)
    assert c.signal.tolist() == [0, 0, 1, 0]
    a = c.alerts
    assert a.to_dict("records") == [{"period": "w3", "direction": "above", "value": 30 / 510,
                                     "limit": c.upper[2], "shift": c.shift[2]}]
    # the exact false-alarm probability of each period: binomial tails beyond the limits
    for i in range(4):
        k = np.arange(n[i] + 1)
        outside = (k / n[i] > c.upper[i]) | (k / n[i] < c.lower[i])
        want = sps.binom.pmf(k[outside], n[i], p0).sum()
        assert c.false_alarm[i] == pytest.approx(want, rel=1e-10)


def test_p_chart_target_and_cut_limits():
    c = control.p_chart([0, 3], [10, 10], target=0.05)
    assert c.lower.tolist() == [0.0, 0.0]  # p0 - 3 sd < 0: cut at 0
    assert c.centre.tolist() == [0.05, 0.05]
    assert c.signal.tolist() == [0, 1]  # 0.3 > 0.05 + 3 sqrt(0.0475 / 10) = 0.2568
    # a target of 0 or 1: no spread, any other rate is an infinite shift
    z = control.p_chart([0, 1], [10, 10], target=0.0)
    assert z.signal.tolist() == [0, 1] and z.shift[1] == math.inf
    assert z.false_alarm.tolist() == [0.0, 0.0]


def test_u_chart_by_hand():
    count = np.array([12, 9, 36, 14])
    n = np.array([10.0, 8.0, 12.0, 11.5])
    c = control.u_chart(count, n)
    u0 = count.sum() / n.sum()
    sd = np.sqrt(u0 / n)
    np.testing.assert_allclose(c.upper, u0 + 3 * sd, rtol=1e-13)
    np.testing.assert_allclose(c.lower, np.maximum(0, u0 - 3 * sd), rtol=1e-13)
    assert c.signal.tolist() == [0, 0, 1, 0]
    for i in range(4):
        k = np.arange(200)
        outside = (k / n[i] > c.upper[i]) | (k / n[i] < c.lower[i])
        assert c.false_alarm[i] == pytest.approx(sps.poisson.pmf(k[outside], u0 * n[i]).sum(),
                                                 rel=1e-10)


def test_ewma_by_hand():
    x = np.array([0.3, -0.4, 1.1, 1.6, 1.2, 1.9, 0.2])
    mu0, sd, lam, L = 0.1, 0.8, 0.25, 2.5
    c = control.ewma_chart(x, mu0=mu0, sd=sd, lam=lam, sigma=L)
    z, want_z, want_hw = mu0, [], []
    for i, v in enumerate(x, start=1):
        z = lam * v + (1 - lam) * z
        want_z.append(z)
        want_hw.append(L * sd * math.sqrt(lam / (2 - lam) * (1 - (1 - lam) ** (2 * i))))
    np.testing.assert_allclose(c.value, want_z, rtol=1e-14)
    np.testing.assert_allclose(c.upper - mu0, want_hw, rtol=1e-12)
    np.testing.assert_allclose(mu0 - c.lower, want_hw, rtol=1e-12)
    np.testing.assert_allclose(c.shift, (np.array(want_z) - mu0) / sd, rtol=1e-13)
    want_signal = [1 if a > h else (-1 if a < -h else 0)
                   for a, h in zip(np.array(want_z) - mu0, want_hw)]
    assert c.signal.tolist() == want_signal and any(want_signal)


def test_cusum_by_hand_and_its_shift_estimate():
    x = np.array([10.2, 9.7, 11.4, 11.1, 11.6, 10.9, 11.8, 7.0, 6.5, 6.9])
    mu0, sd, k, h = 10.0, 0.5, 0.5, 4.0
    c = control.cusum_chart(pd.Series(x, index=pd.date_range("2027-01-04", periods=10)),
                            mu0=mu0, sd=sd, k=k, h=h)
    up = down = 0.0
    n_up = n_down = 0
    for i, v in enumerate(x):
        up = max(0.0, v - mu0 - k * sd + up)
        down = max(0.0, mu0 - k * sd - v + down)
        n_up = n_up + 1 if up > 0 else 0
        n_down = n_down + 1 if down > 0 else 0
        assert c.value[i] == pytest.approx(up, abs=1e-12)
        assert c.value_low[i] == pytest.approx(down, abs=1e-12)
        # both sums beyond h (no reset after a signal): the larger excess decides
        if up > h * sd and up >= down:
            assert c.signal[i] == 1
            assert c.shift[i] == pytest.approx(k + up / (n_up * sd))
        elif down > h * sd:
            assert c.signal[i] == -1
            assert c.shift[i] == pytest.approx(-(k + down / (n_down * sd)))
        else:
            assert c.signal[i] == 0
    a = c.alerts
    assert a["period"].iloc[0] == pd.Timestamp("2027-01-08")  # the index names periods
    assert set(a["direction"]) == {"above", "below"}
    # the new mean after the upward shift is about 11.4: (11.4 - 10) / 0.5 = 2.8 sd
    assert 2.0 < a["shift"].iloc[0] < 3.5


def test_results_render_and_plot():
    c = control.p_chart([20, 22, 41, 19], [1000] * 4, target=0.02, periods=list("abcd"))
    assert "p-chart (target=0.02, sigma=3): 4 periods, 1 alert(s)" in repr(c)
    assert "c: above the limit" in repr(c)
    assert "<table" in c._repr_html_()
    f = c.to_frame()
    assert list(f.columns) == ["period", "value", "centre", "lower", "upper", "signal",
                               "shift", "false_alarm"]
    d = control.cusum_chart([1.0, 2.0], mu0=0, sd=1).to_dict()
    assert d["kind"] == "cusum" and d["false_alarm"] == [None, None] and "value_low" in d
    import matplotlib

    matplotlib.use("Agg")
    for chart in (c, control.cusum_chart(np.r_[np.zeros(5), np.ones(10) * 2], mu0=0, sd=1)):
        assert chart.plot() is not None


# ------------------------------------------------------------------ by simulation

def _run_lengths(make_chart, shift, reps, rng, horizon):
    """Periods until the first signal of each of `reps` streams of N(shift, 1), each
    stream extended until it signals (zero state: a longer stream has the same
    start)."""
    out = np.empty(reps)
    for r in range(reps):
        x = rng.normal(shift, 1.0, horizon)
        while True:
            hits = np.flatnonzero(make_chart(x).signal)
            if len(hits):
                out[r] = hits[0] + 1
                break
            x = np.concatenate([x, rng.normal(shift, 1.0, horizon)])
    return out


@pytest.mark.parametrize("row", pd.read_csv(GOLDEN).to_dict("records"),
                         ids=lambda r: f"{r['chart']}-{r['p1']:g}-{r['p2']:g}-shift{r['shift']:g}")
def test_average_run_length_matches_r_spc(row):
    # in control (shift 0) the mean run length is the reciprocal false-alarm rate;
    # with a 1-sd shift it is the detection delay
    rng = np.random.default_rng(int(row["p1"] * 1000 + row["p2"] * 10 + row["shift"]))
    if row["chart"] == "cusum":
        make = lambda x: control.cusum_chart(x, mu0=0, sd=1, k=row["p1"], h=row["p2"])  # noqa: E731
    else:
        make = lambda x: control.ewma_chart(x, mu0=0, sd=1, lam=row["p1"], sigma=row["p2"])  # noqa: E731
    reps = 1500 if row["shift"] == 0 else 3000
    rl = _run_lengths(make, row["shift"], reps, rng, horizon=int(3 * row["arl"]) + 20)
    se = rl.std(ddof=1) / math.sqrt(reps)
    assert abs(rl.mean() - row["arl"]) < 4 * se, (rl.mean(), row["arl"], se)


def test_p_chart_false_alarm_rate_by_simulation():
    # in-control binomial periods signal at the stated (exact) rate
    rng = np.random.default_rng(7)
    n = rng.integers(200, 2000, 40_000)
    x = rng.binomial(n, 0.03)
    c = control.p_chart(x, n, target=0.03)
    expected = c.false_alarm.sum()
    observed = np.count_nonzero(c.signal)
    assert abs(observed - expected) < 4 * math.sqrt(c.false_alarm @ (1 - c.false_alarm))
    assert 0.001 < c.false_alarm.mean() < 0.006  # near the normal theory's 0.0027


def test_u_chart_false_alarm_rate_by_simulation():
    rng = np.random.default_rng(8)
    n = rng.uniform(5, 50, 40_000)
    count = rng.poisson(2.5 * n)
    c = control.u_chart(count, n, target=2.5)
    expected = c.false_alarm.sum()
    assert abs(np.count_nonzero(c.signal) - expected) < 4 * math.sqrt(
        c.false_alarm @ (1 - c.false_alarm))


# ------------------------------------------------------------------ invariants

@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 500), st.integers(1, 500)), min_size=1, max_size=30),
       st.one_of(st.none(), st.floats(0.001, 0.999)))
def test_p_chart_invariants(pairs, target):
    x = np.array([min(a, b) for a, b in pairs], dtype=float)
    n = np.array([b for _, b in pairs], dtype=float)
    c = control.p_chart(x, n, target=target)
    assert ((0 <= c.lower) & (c.lower <= c.centre) & (c.centre <= c.upper) & (c.upper <= 1)).all()
    assert ((c.false_alarm >= 0) & (c.false_alarm <= 1)).all()
    inside = (c.value >= c.lower) & (c.value <= c.upper)
    assert ((c.signal == 0) == inside).all()
    # a signal's direction agrees with its shift
    assert (np.sign(c.shift[c.signal != 0]) == c.signal[c.signal != 0]).all()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(-50, 50), min_size=1, max_size=40), st.floats(0.05, 1.0),
       st.floats(0.5, 4.0))
def test_ewma_and_cusum_are_mirror_symmetric(xs, lam, h):
    x = np.array(xs)
    e1 = control.ewma_chart(x, mu0=1.0, sd=2.0, lam=lam)
    e2 = control.ewma_chart(2.0 - x, mu0=1.0, sd=2.0, lam=lam)  # reflected about mu0
    np.testing.assert_allclose(e1.value - 1.0, -(e2.value - 1.0), atol=1e-9)
    assert (e1.signal == -e2.signal).all()
    c1 = control.cusum_chart(x, mu0=1.0, sd=2.0, h=h)
    c2 = control.cusum_chart(2.0 - x, mu0=1.0, sd=2.0, h=h)
    np.testing.assert_allclose(c1.value, c2.value_low, atol=1e-9)
    np.testing.assert_allclose(c1.value_low, c2.value, atol=1e-9)
    assert ((c1.value >= 0) & (c1.value_low >= 0)).all()


# ------------------------------------------------------------------ bad input

@pytest.mark.parametrize("call, message", [
    (lambda: control.p_chart([1, 2], [10]), r"^n: expected 2 values \(one per x\), got 1"),
    (lambda: control.p_chart([1, 12], [10, 10]), r"^x\[1\]: expected at most n\[1\] = 10, got 12"),
    (lambda: control.p_chart([1, -1], [10, 10]), r"^x\[1\]: expected a whole non-negative count"),
    (lambda: control.p_chart([1.5], [10]), r"^x\[0\]: expected a whole non-negative count"),
    (lambda: control.p_chart([1, np.nan], [10, 10]), r"^x\[1\]: expected a whole non-negative count, got nan"),
    (lambda: control.p_chart([1], [0]), r"^n\[0\]: expected a whole positive number of trials"),
    (lambda: control.p_chart([1], [10], target=1.5), r"^target: expected a rate in \[0, 1\]"),
    (lambda: control.p_chart([1], [10], sigma=0), r"^sigma: expected a positive finite number"),
    (lambda: control.p_chart([1], [10], laney="yes"), r"^laney: expected True or False"),
    (lambda: control.u_chart([1], [10], laney=1), r"^laney: expected True or False"),
    (lambda: control.p_chart([[1]], [[10]]), r"^x: expected a 1-d series"),
    (lambda: control.p_chart(["a"], [10]), r"^x: expected numbers"),
    (lambda: control.p_chart([1], [10], periods=["a", "b"]), r"^periods: expected 1 labels"),
    (lambda: control.u_chart([3], [-1.0]), r"^n\[0\]: expected a positive finite exposure"),
    (lambda: control.u_chart([3], [1.0], target=-2), r"^target: expected a non-negative finite rate"),
    (lambda: control.ewma_chart([1, np.inf], mu0=0, sd=1), r"^x\[1\]: expected a finite number, got inf"),
    (lambda: control.ewma_chart([1], mu0=0, sd=0), r"^sd: expected a positive finite number"),
    (lambda: control.ewma_chart([1], mu0=0, sd=1, lam=0), r"^lam: expected a weight in \(0, 1\]"),
    (lambda: control.ewma_chart([1], mu0=np.nan, sd=1), r"^mu0: expected a finite number"),
    (lambda: control.ewma_chart([1], mu0="0", sd=1), r"^mu0: expected a number"),
    (lambda: control.cusum_chart([1], mu0=0, sd=1, k=-1), r"^k: expected a non-negative finite number"),
    (lambda: control.cusum_chart([1], mu0=0, sd=1, h=0), r"^h: expected a positive finite number"),
])
def test_bad_input_names_the_argument(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_empty_series_give_empty_charts():
    c = control.p_chart([], [])
    assert len(c) == 0 and c.alerts.empty and c.to_frame().empty
    assert len(control.cusum_chart([], mu0=0, sd=1)) == 0


def test_control_doc_examples_print_what_the_page_says(capsys):
    import re

    text = (Path(__file__).resolve().parents[2] / "docs" / "control.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```\n\n```\n(.*?)```", text, flags=re.S)
    assert len(blocks) == 5
    for code, printed in blocks:
        exec(compile(code, "docs/control.md", "exec"), {})
        out = capsys.readouterr().out.splitlines()
        for line in printed.splitlines():
            if line.strip() != "...":
                assert line in out, line



def test_laney_charts_keep_their_false_alarm_rate_when_rates_wander():
    # web-scale samples (n = 200,000 a period) whose true rate wanders from period to
    # period (Beta around 2 %, sd 0.1 pp): the plain p-chart signals in most periods,
    # Laney's p'-chart at about its nominal rate (2 Phi(-3) = 0.27 %, plus the noise
    # of estimating sigma_z from 20 moving ranges)
    rng = np.random.default_rng(5)
    reps, m, n = 2000, 20, 200_000
    mean, sd = 0.02, 0.001
    k = mean * (1 - mean) / sd**2 - 1
    plain = laney = 0
    for _ in range(reps):
        x = rng.binomial(n, rng.beta(mean * k, (1 - mean) * k, m))
        plain += np.count_nonzero(control.p_chart(x, [n] * m).signal)
        c = control.p_chart(x, [n] * m, laney=True)
        laney += np.count_nonzero(c.signal)
        assert np.isnan(c.false_alarm).all() and c.sigma_z > 1
    assert plain / (reps * m) > 0.3
    assert laney / (reps * m) < 0.01
    # binomial data: sigma_z stays near 1 and the p'-chart near the p-chart
    x = rng.binomial(n, mean, (reps, m))
    zs = [control.p_chart(row, [n] * m, laney=True).sigma_z for row in x[:400]]
    assert abs(np.mean(zs) - 1) < 0.03
