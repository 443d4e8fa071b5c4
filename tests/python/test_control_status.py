"""Plan.control: each objective's KPI against its target, checked against independent
computations (scipy's normal and Poisson tails, statsmodels' OLS prediction interval)
on a small plan and daily data built so that each status arises; bad data gives
findings, not errors."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats as sps

from sostac import Plan, control


def _plan():
    p = Plan(id="p", name="Control test", start="2027-01-01", end="2027-12-31")
    p.add_objective("o-conv", kpi="conversion_rate", target=0.022, direction="increase",
                    deadline="2027-06-30", scope={"channel": "site"})
    p.add_objective("o-cpa", kpi="cpa", target=20, direction="decrease",
                    deadline="2027-06-30", scope={"channel": "paid_social"})
    p.add_objective("o-roas", kpi="roas", target=4.0, direction="increase",
                    deadline="2027-06-30", scope={"channel": "email"})
    # visits add up across days (unique visitors would not: a finding, test_distinct.py)
    p.add_kpi("visits", numerator="visits", unit="count", direction="higher")
    p.add_objective("o-visitors", kpi="visits", target=5000, direction="increase",
                    deadline="2027-06-30", scope={"channel": "site"})
    p.add_objective("o-tv", kpi="ctr", target=0.01, deadline="2027-06-30",
                    scope={"channel": "tv"})
    p.add_objective("o-repeat", kpi="repeat_purchase_rate", target=0.3, deadline="2027-06-30",
                    scope={"channel": "site"})
    return p


def _data():
    rng = np.random.default_rng(3)
    days = pd.date_range("2027-01-04", "2027-03-28")  # 12 ISO weeks
    rows = []
    for i, d in enumerate(days):
        sessions = 20000
        rows.append({"date": d, "channel": "site", "sessions": sessions,
                     "orders": rng.binomial(sessions, 0.018), "visits": rng.poisson(570),
                     "cost": 0.0, "revenue": 0.0})
        cost = 500.0
        rows.append({"date": d, "channel": "paid_social", "sessions": 900,
                     "orders": rng.poisson(cost / 18), "visits": 0, "cost": cost,
                     "revenue": 0.0})
        cost = 300.0
        roas = 3.0 + 0.9 * i / len(days) + rng.normal(0, 0.15)
        rows.append({"date": d, "channel": "email", "sessions": 400, "orders": 10,
                     "visits": 0, "cost": cost, "revenue": cost * roas})
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def result():
    return _plan().control(_data())


def _series(data, channel, num, den):
    part = data[data["channel"] == channel]
    week = part["date"] - pd.to_timedelta(part["date"].dt.day_of_week, unit="D")
    g = part.groupby(week)[[num, den]].sum() if den else part.groupby(week)[[num]].sum()
    x = ((g.index - pd.Timestamp("1970-01-01")) / pd.Timedelta(days=1)).to_numpy(float)
    y = (g[num] / g[den]).to_numpy() if den else g[num].to_numpy(float)
    return x, y, g


def _prediction(x, y, deadline="2027-06-30"):
    fit = sm.OLS(y, sm.add_constant(x)).fit()
    x0 = (pd.Timestamp(deadline) - pd.Timestamp("1970-01-01")) / pd.Timedelta(days=1)
    f = fit.get_prediction(np.array([[1.0, x0]])).summary_frame(alpha=0.05)
    return f["mean"].iloc[0], f["obs_ci_lower"].iloc[0], f["obs_ci_upper"].iloc[0]


def _pearson(x, n, binomial):
    """(phi, df) of counts x over trials / exposures n, as numpy sums."""
    x, n = np.asarray(x, float), np.asarray(n, float)
    r = x.sum() / n.sum()
    v = r * (1 - r) if binomial else r
    return float(((x - n * r) ** 2 / (n * v)).sum() / (len(x) - 1)), len(x) - 1


def _expected(z, plain_p, phi, df, side):
    """The statistic and p-value of the rule: the plain test unless phi > 1, then
    z / sqrt(phi) against t(df), the p-value never below the plain one."""
    if phi <= 1:
        return None, plain_p
    t = z / np.sqrt(phi)
    return t, max(plain_p, sps.t.cdf(t, df) if side == "less" else sps.t.sf(t, df))


def test_kpis_table_has_the_contract_columns(result):
    assert list(result.kpis.columns[:13]) == [
        "objective", "kpi", "period", "value", "low", "high", "target", "status", "rule",
        "p_value", "projected", "projected_low", "projected_high"]
    assert set(result.kpis["status"]) <= set(control.STATUSES)


def test_conversion_rate_score_test_and_projection(result):
    data = _data()
    row = result.kpis.set_index("objective").loc["o-conv"]
    x, y, g = _series(data, "site", "orders", "sessions")
    k, n = g["orders"].sum(), g["sessions"].sum()
    z = (k - n * 0.022) / np.sqrt(n * 0.022 * 0.978)
    phi, df = _pearson(g["orders"], g["sessions"], True)
    t, p = _expected(z, sps.norm.cdf(z), phi, df, "less")
    assert row["dispersion"] == pytest.approx(phi, rel=1e-12) and row["df"] == df
    assert row["test"] == ("quasi-binomial" if phi > 1 else "score")
    assert row["statistic"] == pytest.approx(z if t is None else t, rel=1e-12)
    assert row["p_value"] == pytest.approx(p, rel=1e-9, abs=1e-300)
    est, lo, hi = _prediction(x, y)
    assert row["projected"] == pytest.approx(est, rel=1e-9)
    assert row["projected_low"] == pytest.approx(lo, rel=1e-9)
    assert row["projected_high"] == pytest.approx(hi, rel=1e-9)
    # 1.8% against 2.2%: credibly short, and the projection's best case misses too
    assert row["p_value"] < 0.05 and hi < 0.022
    assert row["status"] == "off_track"
    assert "score test" in row["rule"] or "quasi-binomial t test" in row["rule"]
    assert "off_track" in row["rule"] and f"dispersion {phi:.4g}" in row["rule"]
    assert row["period"] == pd.Timestamp("2027-03-22") and row["periods"] == 12


def test_cpa_exact_poisson_test(result):
    data = _data()
    row = result.kpis.set_index("objective").loc["o-cpa"]
    part = data[data["channel"] == "paid_social"]
    cost, orders = part["cost"].sum(), part["orders"].sum()
    assert row["value"] == pytest.approx(cost / orders, rel=1e-12)
    # CPA <= 20 is orders >= cost / 20: the evidence against it is few orders; the
    # dispersion is that of the weekly orders over the weekly cost
    _, _, g = _series(data, "paid_social", "orders", "cost")
    phi, df = _pearson(g["orders"], g["cost"], False)
    z = (orders - cost / 20) / np.sqrt(cost / 20)
    _, p = _expected(z, sps.poisson.cdf(orders, cost / 20), phi, df, "less")
    assert row["dispersion"] == pytest.approx(phi, rel=1e-12)
    assert row["p_value"] == pytest.approx(p, rel=1e-9)
    assert row["value"] < 20 and row["status"] == "on_track"


def test_roas_z_test_and_rising_projection(result):
    data = _data()
    row = result.kpis.set_index("objective").loc["o-roas"]
    x, y, _ = _series(data, "email", "revenue", "cost")
    est, lo, hi = _prediction(x, y)
    assert row["projected_low"] == pytest.approx(lo, rel=1e-9)
    se = (row["high"] - row["low"]) / (2 * sps.norm.ppf(0.975))
    assert row["statistic"] == pytest.approx((row["value"] - 4.0) / se, rel=1e-9)
    # below 4 to date, but rising: the projection's low end at the deadline decides
    assert row["value"] < 4.0
    assert row["status"] == ("on_track" if lo >= 4.0 else
                             "off_track" if row["p_value"] < 0.05 and hi < 4.0 else "at_risk")


def test_visitors_per_period_poisson_test(result):
    data = _data()
    row = result.kpis.set_index("objective").loc["o-visitors"]
    _, _, g = _series(data, "site", "visits", None)
    total = g["visits"].sum()
    phi, df = _pearson(g["visits"], np.ones(12), False)
    z = (total - 12 * 5000) / np.sqrt(12 * 5000)
    _, p = _expected(z, sps.poisson.cdf(total, 12 * 5000), phi, df, "less")
    assert row["dispersion"] == pytest.approx(phi, rel=1e-12)
    assert row["p_value"] == pytest.approx(p, rel=1e-9, abs=1e-300)
    assert row["value"] == pytest.approx(total / 12, rel=1e-12)  # per week, as the target
    assert "per period" in row["rule"]
    assert row["status"] == "off_track"  # ~4,000 a week against 5,000
    # a p-value below 0.001 reads "p < 0.001", not "p = 0" nor "p = 2.55e-179"
    assert row["p_value"] < 0.001
    assert f"statistic {row['statistic']:.4g}, p < 0.001;" in row["rule"]
    assert "p = 0;" not in row["rule"] and "e-" not in row["rule"]


def test_bad_data_gives_findings_not_errors(result):
    k = result.kpis.set_index("objective")
    assert k.loc["o-tv", "status"] == "insufficient_data"
    assert k.loc["o-repeat", "status"] == "insufficient_data"
    messages = {f["objective"]: f["message"] for f in result.findings}
    assert "no rows for channel 'tv'" in messages["o-tv"]
    assert "repeat_customers" in messages["o-repeat"]
    # no channel column at all, and a KPI the plan does not know
    p = Plan(id="q", name="Q").add_objective("o", kpi="ctr", target=0.01,
                                             scope={"channel": "x"})
    r = p.control(pd.DataFrame({"date": pd.to_datetime(["2027-01-04"]), "clicks": [1],
                                "impressions": [10]}))
    assert r.kpis["status"].tolist() == ["insufficient_data"]
    assert "no 'channel' column" in r.findings[0]["message"]
    q = Plan(id="q", name="Q").add_objective("o", kpi="nps", target=50)
    r = q.control(_data())
    assert "neither in the catalogue nor defined in the plan" in r.findings[0]["message"]


def test_as_of_and_after_the_deadline():
    data = _data()
    early = _plan().control(data, as_of="2027-01-17")  # two weeks: too few to project
    row = early.kpis.set_index("objective").loc["o-conv"]
    assert row["periods"] == 2 and row["status"] == "insufficient_data"
    assert np.isnan(row["projected"])
    late = Plan(id="p", name="P").add_objective(
        "o", kpi="conversion_rate", target=0.022, deadline="2027-02-28",
        scope={"channel": "site"}).control(data)
    # past the deadline the test alone decides: credibly below -> off_track
    assert late.kpis["status"].tolist() == ["off_track"]


def test_outputs(result):
    d = json.loads(result.to_json())
    assert d["as_of"] == "2027-03-28" and len(d["kpis"]) == 6
    assert d["kpis"][0]["objective"] == "o-conv" and d["kpis"][0]["status"] == "off_track"
    md = result.to_markdown()
    assert md.startswith("# KPI status as of 2027-03-28") and "| o-conv | conversion_rate |" in md
    assert "off_track" in repr(result) and "<table" in result._repr_html_()
    assert set(result.series["objective"]) == {"o-conv", "o-cpa", "o-roas", "o-visitors"}
    with pytest.raises(ValueError, match=r"^alpha: expected a level in \(0, 1\)"):
        _plan().control(_data(), alpha=2.0)


def test_alerts_name_the_unusual_periods_and_the_kpis_move():
    data = _data()
    bad = (data["channel"] == "site") & data["date"].between("2027-02-15", "2027-02-21")
    data.loc[bad, "orders"] = (data.loc[bad, "orders"] * 0.7).astype(int)
    spike = (data["channel"] == "paid_social") & data["date"].between("2027-03-01", "2027-03-07")
    data.loc[spike, "orders"] = 5  # CPA of 100 that week
    r = _plan().control(data)
    a = r.alerts
    conv = a[a["objective"] == "o-conv"].set_index("period")
    week = pd.Timestamp("2027-02-15")
    assert conv.loc[week, "chart"] == "p'" and conv.loc[week, "move"] == "down"
    # Laney's p'-chart by hand: the week's rate against the limit from the series,
    # the binomial sd scaled by sigma_z = mean moving range of the z-scores / 1.128
    s = r.series[r.series["objective"] == "o-conv"]
    p0 = s["numerator"].sum() / s["denominator"].sum()
    sd = np.sqrt(p0 * (1 - p0) / s["denominator"].to_numpy())
    z = (s["value"].to_numpy() - p0) / sd
    sigma_z = np.abs(np.diff(z)).mean() / (2 / np.sqrt(np.pi))
    assert r.charts["o-conv"][2].sigma_z == pytest.approx(sigma_z, rel=1e-12)
    n = s.set_index("period").loc[week, "denominator"]
    assert conv.loc[week, "limit"] == pytest.approx(
        p0 - 3 * sigma_z * np.sqrt(p0 * (1 - p0) / n), rel=1e-12)
    cpa = a[a["objective"] == "o-cpa"].set_index("period")
    # fewer orders per unit of cost is a CPA that moved up
    assert cpa.loc[pd.Timestamp("2027-03-01"), "move"] == "up"
    assert cpa.loc[pd.Timestamp("2027-03-01"), "chart"] == "u'"
    assert set(r.charts) == {"o-conv", "o-cpa", "o-roas", "o-visitors"}
    assert list(a.columns) == ["objective", "kpi", "chart", "period", "move", "value", "limit",
                               "shift"]


def test_what_works_ranks_channels_against_break_even_cpa():
    p = Plan(id="p", name="P", start="2027-01-01", end="2027-12-31", average_order_value=60,
             margin=0.35)  # break-even CPA 21
    p.add_objective("o", kpi="cpa", target=20, scope={"channel": "paid_social"})
    p.add_tactic("t-social", channel="paid_social")
    data = _data()
    w = p.control(data).what_works.set_index("channel")
    assert list(w.index) == ["paid_social", "email", "site"]  # best CPA first, no spend last
    for ch in ("paid_social", "email"):
        part = data[data["channel"] == ch]
        cost, k = part["cost"].sum(), part["orders"].sum()
        assert w.loc[ch, "cpa"] == pytest.approx(cost / k, rel=1e-12)
        # Garwood: the count's exact Poisson interval, inverted
        k_hi = sps.chi2.ppf(0.975, 2 * k + 2) / 2
        k_lo = sps.chi2.ppf(0.025, 2 * k) / 2
        assert w.loc[ch, "cpa_low"] == pytest.approx(cost / k_hi, rel=1e-9)
        assert w.loc[ch, "cpa_high"] == pytest.approx(cost / k_lo, rel=1e-9)
        assert w.loc[ch, "break_even_cpa"] == pytest.approx(21.0)
    assert w.loc["paid_social", "verdict"] == "profitable"  # CPA ~18, high end below 21
    assert w.loc["email", "verdict"] == "losing"  # CPA 30
    assert w.loc["site", "verdict"] == "no spend"
    assert w.loc["paid_social", "tactics"] == "t-social"
    assert w.loc["email", "roas"] == pytest.approx(
        data.loc[data.channel == "email", "revenue"].sum() / 25200, rel=1e-12)
    # without economics there is no break-even to judge by
    assert set(_plan().control(data).what_works["verdict"]) == {"no break-even", "no spend"}
    assert "What works" in p.control(data).to_markdown()


def test_review_opens_the_next_revision_with_the_control_findings():
    p = Plan(id="p", name="P", start="2027-01-01", end="2027-12-31", average_order_value=60,
             margin=0.35)
    p.add_objective("o-conv", kpi="conversion_rate", target=0.022, deadline="2027-06-30",
                    scope={"channel": "site"})
    p.add_objective("o-cpa", kpi="cpa", target=20, direction="decrease",
                    deadline="2027-06-30", scope={"channel": "paid_social"})
    result = p.control(_data())
    nxt = p.review(result)
    doc = nxt.to_dict()
    assert nxt.stage == "situation" and doc["plan"]["revision"] == 2
    base = {b["kpi"]: b for b in doc["situation"]["baselines"]}
    row = result.kpis.set_index("objective")
    assert base["conversion_rate"]["value"] == pytest.approx(row.loc["o-conv", "value"])
    assert base["cpa"]["as_of"] == "2027-03-28"
    assert base["cpa"]["source"] == "sostac control as of 2027-03-28"
    weak = doc["situation"]["swot"]["weaknesses"]
    strong = doc["situation"]["swot"]["strengths"]
    assert any(w.startswith("o-conv: conversion_rate 0.01798 against a target of 0.022 "
                            "(off track") for w in weak)
    assert any(w.startswith("channel email: CPA 30") and "losing" in w for w in weak)
    assert any(s.startswith("o-cpa: cpa") and "on track" in s for s in strong)
    # the CPA target (20) is already beaten (19.1): the next revision asks for a new one
    errors = [f for f in nxt.validate() if f.severity == "error"]
    assert [(f.path, f.code) for f in errors] == [("objectives[1].target", "smart.direction")]
    # a control result without any KPI data cannot be reviewed
    empty = Plan(id="q", name="Q").add_objective("o", kpi="ctr", target=0.01,
                                                 scope={"channel": "tv"}).control(_data())
    with pytest.raises(ValueError, match="no KPI with data to review"):
        Plan(id="q", name="Q").review(empty)


def test_experiments_from_the_plan_with_srm_winners_and_inconclusive_ones():
    from sostac import stats

    p = Plan(id="p", name="P", start="2027-01-01", end="2027-12-31")
    p.add_objective("o", kpi="conversion_rate", target=0.02, scope={"channel": "site"})
    p.add_tactic("t-ux", channel="site")
    p.add_experiment("e-checkout", kpi="conversion_rate", tactic="t-ux", variants=["A", "B"])
    p.add_experiment("e-banner", kpi="conversion_rate", tactic="t-ux", variants=["A", "C"])
    p.add_experiment("e-broken", kpi="conversion_rate", tactic="t-ux", variants=["D", "E"])
    p.add_experiment("e-roas", kpi="roas", tactic="t-ux", variants=["A", "B"])
    rng = np.random.default_rng(11)
    rows = []
    for d in pd.date_range("2027-02-01", periods=28):
        for v, n, rate in [("A", 5000, 0.02), ("B", 5000, 0.024), ("C", 5000, 0.02),
                           ("D", 5000, 0.02), ("E", 2500, 0.02)]:
            rows.append({"date": d, "channel": "site", "variant": v, "sessions": n,
                         "orders": rng.binomial(n, rate)})
        rows.append({"date": d, "channel": "email", "variant": "B", "sessions": 99999,
                     "orders": 0})  # another channel: not the tactic's, left out
    data = pd.DataFrame(rows)
    e = p.control(data).experiments
    ab = e[e["experiment"] == "e-checkout"].set_index("variant")
    site = data[(data["channel"] == "site") & data["variant"].isin(["A", "B"])]
    sums = site.groupby("variant")[["orders", "sessions"]].sum()
    want = stats.multi_proportion_test(sums["orders"].to_numpy(), sums["sessions"].to_numpy())
    assert ab.loc["B", "trials"] == sums.loc["B", "sessions"]
    assert ab.loc["B", "lift"] == pytest.approx(want.comparisons["lift"][0], rel=1e-12)
    assert ab.loc["B", "p_value_adjusted"] == pytest.approx(
        want.comparisons["pvalue_adjusted"][0], rel=1e-12)
    assert ab.loc["A", "prob_best"] + ab.loc["B", "prob_best"] == pytest.approx(1, abs=1e-9)
    assert ab["verdict"].iloc[0].startswith("winner: B (+")
    assert e[e["experiment"] == "e-banner"]["verdict"].iloc[0].startswith("inconclusive")
    assert e[e["experiment"] == "e-broken"]["verdict"].iloc[0].startswith("sample ratio mismatch")
    assert "e-roas" not in set(e["experiment"])
    r = p.control(data)
    assert any("experiment e-roas: the KPI 'roas' is not a rate of two counts" in f["message"]
               for f in r.findings)
    assert "e-checkout (conversion_rate): winner: B" in r.to_markdown()
    # no variant column: a finding per experiment, no error
    r2 = p.control(data.drop(columns="variant"))
    assert r2.experiments.empty and sum("experiment" in f["message"] for f in r2.findings) == 4


def example_daily(seed: int) -> pd.DataFrame:
    """12 weeks of daily data for the channels of examples/plans/ecommerce_race.yaml."""
    rng = np.random.default_rng(seed)
    rows = []
    for d in pd.date_range("2027-01-04", periods=84):
        for ch in ["site", "seo", "paid_social", "email"]:
            s = 3000
            rows.append({"date": d, "channel": ch, "visitors": 2500, "sessions": s,
                         "bounces": rng.binomial(s, 0.45), "orders": rng.binomial(s, 0.02),
                         "customers": 50, "repeat_customers": rng.binomial(50, 0.25),
                         "cost": 400.0 if ch == "paid_social" else 0.0})
    return pd.DataFrame(rows)


def test_scoreboard_and_race_funnel_on_the_example_plan():
    from pathlib import Path

    plan = Plan.load(Path(__file__).resolve().parents[2] / "examples" / "plans" /
                     "ecommerce_race.yaml")
    data = example_daily(seed=1)
    r = plan.control(data)
    status = dict(zip(r.kpis["objective"], r.kpis["status"]))
    board = r.scoreboard.set_index("five_s")
    assert list(board.index) == ["sell", "serve", "speak", "save", "sizzle"]
    # one objective per S in the example: the S takes its objective's status
    for s5, obj in [("sell", "o-convert"), ("serve", "o-act"), ("speak", "o-reach"),
                    ("save", "o-save"), ("sizzle", "o-engage")]:
        assert board.loc[s5, "objectives"] == obj
        assert board.loc[s5, "status"] == status[obj]
        assert board.loc[s5, status[obj]] == 1
    funnel = r.race_funnel.set_index("stage")
    assert list(funnel.index) == ["reach", "act", "convert", "engage"]
    # reach in visits (sessions add up across days; daily visitors would not)
    assert funnel.loc["reach", "count"] == data["sessions"].sum()
    assert funnel.loc["reach", "measure"] == "sessions"
    assert funnel.loc["act", "count"] == data["sessions"].sum() - data["bounces"].sum()
    assert funnel.loc["convert", "rate_from_previous"] == pytest.approx(
        data["orders"].sum() / (data["sessions"].sum() - data["bounces"].sum()))
    assert funnel.loc["convert", "objectives"] == (
        f"o-convert ({status['o-convert']}), o-save ({status['o-save']})")
    d = json.loads(r.to_json())
    assert [x["five_s"] for x in d["scoreboard"]] == ["sell", "serve", "speak", "save", "sizzle"]
    assert [x["stage"] for x in d["race_funnel"]] == ["reach", "act", "convert", "engage"]


def test_recommendations_move_unspent_budget_from_losing_to_profitable_channels():
    p = Plan(id="p", name="P", start="2027-01-01", end="2027-12-31", average_order_value=60,
             margin=0.35)  # break-even CPA 21
    p.add_objective("o", kpi="cpa", target=20, scope={"channel": "paid_social"})
    p.add_tactic("t-social", channel="paid_social", budget=60000)
    p.add_tactic("t-mail", channel="email", budget=30000)
    p.add_tactic("t-mail-2", channel="email", budget=10000)
    data = _data()
    r = p.control(data)
    rec = r.recommendations
    spent = data.loc[data["channel"] == "email", "cost"].sum()  # 25,200
    assert rec[["from_channel", "to_channel"]].values.tolist() == [["email", "paid_social"]]
    assert rec["amount"].iloc[0] == pytest.approx(40000 - spent)  # planned minus spent
    assert rec["from_tactics"].iloc[0] == "t-mail,t-mail-2"
    ev = rec["evidence"].iloc[0]
    assert "above the break-even 21" in ev and "14800 of email's planned budget" in ev
    assert "move 14,800 from email to paid_social" in r.to_markdown()
    # nothing unspent, or nothing profitable: no move
    q = Plan(id="p", name="P", average_order_value=60, margin=0.35)
    q.add_tactic("t-mail", channel="email", budget=20000)
    assert q.control(data).recommendations.empty


def test_recommendations_respect_tactic_minimums():
    data = _data()
    spent = data.loc[data["channel"] == "email", "cost"].sum()  # 25,200

    def moved(*tactics):
        p = Plan(id="p", name="P", start="2027-01-01", end="2027-12-31",
                 average_order_value=60, margin=0.35)
        p.add_objective("o", kpi="cpa", target=20, scope={"channel": "paid_social"})
        p.add_tactic("t-social", channel="paid_social", budget=60000)
        for i, (budget, least) in enumerate(tactics):
            p.add_tactic(f"t-mail-{i}", channel="email", budget=budget, min_budget=least)
        assert not [f for f in p.validate() if f.severity == "error"]
        rec = p.control(data).recommendations
        return 0.0 if rec.empty else float(rec["amount"].sum())

    # one tactic: it keeps the larger of its spend and its minimum
    assert moved((40000, 0)) == pytest.approx(40000 - spent)
    assert moved((40000, 20000)) == pytest.approx(40000 - spent)  # spend above minimum
    assert moved((40000, 30000)) == pytest.approx(10000)           # minimum above spend
    assert moved((40000, 40000)) == 0.0
    # several tactics: the spend and every minimum stay (whose spend it was is unknown)
    assert moved((30000, 5000), (10000, 2000)) == pytest.approx(40000 - spent - 7000)
    assert moved((30000, 10000), (10000, 10000)) == 0.0
    # a minimum above the budget is an error of the plan
    p = Plan(id="p", name="P").add_tactic("t", channel="email", budget=100, min_budget=200)
    f = [x for x in p.validate() if x.code == "budget.minimum-above-budget"]
    assert len(f) == 1 and f[0].path == "tactics[0].min_budget"


def test_to_html_is_self_contained_and_escapes_every_text():
    p = Plan(id="p", name="P", start="2027-01-01", end="2027-12-31", average_order_value=60,
             margin=0.35)
    p.add_objective("o", kpi="cpa", target=20, scope={"channel": "<script>alert(1)</script>"})
    data = _data()
    data.loc[data["channel"] == "email", "channel"] = "<script>alert(1)</script>"
    page = p.control(data).to_html()
    assert page.startswith("<!DOCTYPE html>") and page.endswith("</html>")
    assert "<script" not in page.lower() and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "http://" not in page and "https://" not in page
    for title in ("KPIs against their targets", "5S scoreboard", "RACE funnel", "What works",
                  "Recommendations", "Experiments", "Alerts", "Findings"):
        assert f"<h2>{title}</h2>" in page


def test_periods_outside_the_data_and_incomplete_objectives_give_findings():
    data = _data()
    r = _plan().control(data, as_of="2026-12-01")  # before the first day of data
    assert set(r.kpis["status"]) == {"insufficient_data"}
    assert all("no rows up to 2026-12-01" in f["message"] for f in r.findings
               if f["objective"] in ("o-conv", "o-cpa"))
    p = Plan(id="p", name="P")
    p.add_objective("o", kpi="conversion_rate", target=0.02, scope={"channel": "site"})
    p.add_target("o", cadence="weekly")
    assert p.control(data).kpis["status"].tolist() in (["on_track"], ["at_risk"], ["off_track"])
    with pytest.raises(ValueError, match=r"^data: no rows to evaluate"):
        p.control(data.iloc[:0])
    with pytest.raises(ValueError, match=r"^as_of: "):
        p.control(data, as_of="not a day")


@pytest.mark.parametrize("make", [
    lambda v: pd.Series(v, dtype=object),
    lambda v: pd.Series(v, dtype="category"),
    lambda v: pd.Series([str(x) for x in v], dtype="string"),
    lambda v: pd.Series([str(x) for x in v], dtype="category"),
])
def test_channel_filter_matches_the_text_of_every_dtype(make):
    # the fast filter behind scope channels and experiments: rows whose value, as
    # text, is one of the wanted ones, whatever the column's dtype
    values = ["site", "email", 1, "1", "site", None, 2.5, "seo"]
    column = make(values)
    for wanted in (["site"], ["1"], ["2.5", "seo"], ["absent"], []):
        naive = column.astype(str).isin([str(w) for w in wanted]).to_numpy()
        assert control._text_in(column, wanted).tolist() == naive.tolist(), wanted


def test_large_logs_give_the_same_result_whatever_the_channel_dtype():
    # above 100,000 rows a string channel column is made categorical once (faster
    # filters); the result must not change
    base = _data()
    big = pd.concat([base] * (100_000 // len(base) + 1), ignore_index=True)
    assert len(big) > 100_000
    results = []
    for dtype in (object, "string", "category", "str"):
        frame = big.assign(channel=big["channel"].astype(dtype))
        results.append(_plan().control(frame).to_json())
    assert all(r == results[0] for r in results[1:])
