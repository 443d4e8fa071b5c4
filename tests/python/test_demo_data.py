"""The demo plan and data shipped for ``sostac demo`` (python/sostac/data/demo_plan.yaml,
demo_daily.csv): reproducible from scripts/make_demo_data.py, valid, well formed, and
giving the verdicts the demo's story tells."""

from __future__ import annotations

import gzip
import importlib.resources as resources
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sostac import Plan

ROOT = Path(__file__).resolve().parents[2]
DATA = resources.files("sostac") / "data"
FILES = ["demo_plan.yaml", "demo_daily.csv"]
LOG = "demo_transactions.csv.gz"
TOUCHES = "demo_touchpoints.csv.gz"
MEASURES = ["impressions", "clicks", "visitors", "sessions", "bounces", "orders", "revenue",
            "cost", "customers", "repeat_customers"]
CHANNELS = {"seo", "content", "social", "site", "paid_search", "paid_social", "display",
            "email"}
STATUS = {"o-reach": "on_track", "o-act": "on_track", "o-convert": "at_risk",
          "o-save": "off_track", "o-roas": "off_track", "o-engage": "insufficient_data"}


@pytest.fixture(scope="module")
def plan():
    return Plan.load(DATA / "demo_plan.yaml")


@pytest.fixture(scope="module")
def daily():
    return pd.read_csv(DATA / "demo_daily.csv", parse_dates=["date"])


@pytest.fixture(scope="module")
def result(plan, daily):
    return plan.control(daily)


def test_the_generator_reproduces_the_shipped_files(tmp_path):
    subprocess.run([sys.executable, str(ROOT / "scripts" / "make_demo_data.py"),
                    "--out", str(tmp_path)], check=True, capture_output=True)
    for name in FILES:
        assert (tmp_path / name).read_bytes() == (DATA / name).read_bytes(), name
    # the log's compressed bytes depend on zlib's version; its content may not
    for name in (LOG, TOUCHES):
        made, shipped = (gzip.decompress((d / name).read_bytes()) for d in (tmp_path, DATA))
        assert made == shipped, name


@pytest.fixture(scope="module")
def log():
    return pd.read_csv(DATA / LOG, parse_dates=["timestamp"])


def test_the_transaction_log_agrees_with_the_daily_rows(log, daily):
    assert list(log.columns) == ["order_id", "customer_id", "timestamp", "channel", "amount"]
    assert log["order_id"].is_unique and log["timestamp"].is_monotonic_increasing
    assert (log["amount"] > 0).all()
    cents = log["amount"] * 100
    assert np.allclose(cents, cents.round(), atol=1e-6)
    assert log["timestamp"].min() >= pd.Timestamp("2026-07-01")
    assert log["timestamp"].max() < pd.Timestamp("2027-07-01")
    day = log["timestamp"].dt.normalize()
    first = day.groupby(log["customer_id"]).transform("min")
    y = log.assign(date=day, before=first < day)[day >= pd.Timestamp("2027-01-01")]
    got = y.groupby(["date", "channel"]).agg(
        orders=("order_id", "size"), revenue=("amount", "sum"),
        customers=("customer_id", "nunique"))
    got["repeat_customers"] = y[y["before"]].groupby(["date", "channel"])[
        "customer_id"].nunique()
    got = got.fillna({"repeat_customers": 0})
    want = daily.groupby(["date", "channel"])[
        ["orders", "revenue", "customers", "repeat_customers"]].sum()
    want = want[want["orders"] > 0]
    assert set(got.index) == set(want.index)
    got = got.loc[want.index]
    for c in ("orders", "customers", "repeat_customers"):
        assert (got[c].to_numpy() == want[c].to_numpy()).all(), c
    assert np.abs(got["revenue"].to_numpy() - want["revenue"].to_numpy()).max() < 5e-9
    # the customers the shop had before 2027 make the repeat purchases of January
    assert (first < pd.Timestamp("2027-01-01")).sum() > 5000
    # buy-till-you-die shaped: most buy once, a long tail buys often
    n = log.groupby("customer_id").size()
    assert 0.6 < (n == 1).mean() < 0.85 and n.max() >= 10
    assert (DATA / LOG).stat().st_size < 1_500_000


def test_the_plan_validates(plan):
    errors = [f for f in plan.validate() if f.severity == "error"]
    assert errors == []
    doc = plan.to_dict()
    assert doc["plan"]["horizon"] == {"start": "2027-01-01", "end": "2027-12-31"}
    assert {o["five_s"] for o in doc["objectives"]} == {"sell", "serve", "speak", "save",
                                                         "sizzle"}
    # one KPI of every kind plan.control tests differently
    assert {o["kpi"] for o in doc["objectives"]} == {
        "visits", "bounce_rate", "conversion_rate", "cpa", "roas",
        "repeat_purchase_rate"}
    # reach is counted in visits (sessions), which add up across days
    assert doc["kpis"] == [{"id": "visits", "numerator": "sessions", "unit": "count",
                            "direction": "higher", "race": "reach"}]
    assert {t["channel"] for t in doc["tactics"]} == CHANNELS


def test_the_data_are_two_quarters_of_daily_rows_per_channel(daily):
    assert list(daily.columns) == ["date", "channel", "variant", *MEASURES]
    days = pd.date_range("2027-01-01", "2027-06-30", freq="D")
    assert set(daily["channel"]) == CHANNELS
    for ch, g in daily.groupby("channel"):
        assert (pd.DatetimeIndex(g["date"].unique()).sort_values() == days).all(), ch
    # one row per day, channel and variant; variants only where an experiment runs
    key = daily[["date", "channel", "variant"]].fillna("")
    assert not key.duplicated().any()
    arms = daily.dropna(subset=["variant"])
    assert set(zip(arms["channel"], arms["variant"])) == {
        ("site", "control"), ("site", "one-page"), ("paid_social", "static"),
        ("paid_social", "video")}
    assert (arms.groupby(["channel", "date"]).size() == 2).all()
    assert (DATA / "demo_daily.csv").stat().st_size < 1_000_000


def test_the_measures_are_consistent(daily):
    counts = [m for m in MEASURES if m not in ("revenue", "cost")]
    for m in counts:
        assert daily[m].dtype == np.int64, m
    for m in MEASURES:
        assert (daily[m] >= 0).all(), m
    for m in ("revenue", "cost"):  # money to the penny
        cents = daily[m] * 100
        assert np.allclose(cents, cents.round(), atol=1e-6), m
    assert (daily["clicks"] <= daily["impressions"]).all()
    assert (daily["bounces"] <= daily["sessions"]).all()
    assert (daily["orders"] <= daily["sessions"] - daily["bounces"]).all()
    assert (daily["visitors"] <= daily["sessions"]).all()
    assert (daily["customers"] <= daily["orders"]).all()
    assert (daily["repeat_customers"] <= daily["customers"]).all()
    assert ((daily["revenue"] > 0) == (daily["orders"] > 0)).all()
    # media cost only on the paid channels, with a few paused days
    paid = daily["channel"].isin(["paid_search", "paid_social", "display"])
    assert (daily.loc[~paid, "cost"] == 0).all()
    assert 0 < (daily.loc[paid, "cost"] == 0).sum() <= 10


def test_the_verdicts_are_a_mix(result):
    # the repeat-purchase rate counts distinct customers: daily rows cannot give a
    # month's, so the Control stage refuses to add them up and says what would answer
    (f,) = result.findings
    assert f["objective"] == "o-engage" and f["message"].startswith(
        "repeat_purchase_rate: 'repeat_customers' and 'customers' count distinct people")
    assert "give the event or transaction log with its user column" in f["message"]
    assert dict(zip(result.kpis["objective"], result.kpis["status"])) == STATUS
    k = result.kpis.set_index("objective").drop("o-engage")
    # short of every target today; the projections to the deadlines decide
    inc = k["direction"] == "increase"
    assert not ((inc & (k["value"] >= k["target"])) | (~inc & (k["value"] <= k["target"]))).any()
    # the demo's day-to-day variation is overdispersed for every rate, cost per count
    # and count, so the quasi tests apply; credibly short except the visits, whose
    # monthly counts vary hundreds of times more than the Poisson allows: 62,990
    # against 64,000 is no evidence (the plain Poisson test: p ~ 1e-22, issue 13)
    tested = k["test"] != "z"
    assert (k.loc[tested, "dispersion"] > 1).all()
    assert k.loc[tested, "test"].str.startswith("quasi").all()
    assert (k.drop("o-reach")["p_value"] < 1e-4).all()
    assert k.loc["o-reach", "p_value"] > 0.05 and k.loc["o-reach", "dispersion"] > 100
    for oid, status in STATUS.items():
        if status == "insufficient_data":
            continue
        r = k.loc[oid]
        lo, hi = sorted([r["projected_low"], r["projected_high"]])
        pessimistic = lo if r["direction"] == "increase" else hi
        optimistic = hi if r["direction"] == "increase" else lo
        width = hi - lo
        if status == "on_track":   # the pessimistic bound clears the target well
            assert abs(pessimistic - r["target"]) > 0.1 * width, oid
        elif status == "off_track":
            assert abs(optimistic - r["target"]) > 0.1 * width, oid
        else:                      # the target lies well inside the interval
            assert lo + 0.2 * width < r["target"] < hi - 0.2 * width, oid
    assert set(result.scoreboard["status"]) == {"on_track", "at_risk", "off_track",
                                                "insufficient_data"}


def test_the_experiments(result):
    e = result.experiments.set_index(["experiment", "variant"])
    verdicts = result.experiments.groupby("experiment")["verdict"].first()
    assert verdicts["x-checkout"].startswith("winner: one-page")
    assert verdicts["x-creative"].startswith("inconclusive")
    assert e.loc[("x-checkout", "one-page"), "p_value_adjusted"] < 1e-4
    assert 0.08 < e.loc[("x-checkout", "one-page"), "lift"] < 0.22  # the truth: +15 %
    assert e.loc[("x-creative", "video"), "p_value_adjusted"] > 0.2
    assert (result.experiments["srm_p_value"] > 0.05).all()  # equal splits


def test_display_loses_money_and_its_budget_moves(result):
    w = result.what_works.set_index("channel")
    assert w.loc["display", "verdict"] == "losing"
    assert w.loc["display", "cpa_low"] > 1.5 * w.loc["display", "break_even_cpa"]
    assert w.loc["paid_search", "verdict"] == "profitable"
    assert w.loc["paid_social", "verdict"] == "profitable"
    recs = result.recommendations
    assert len(recs) > 0
    assert set(recs["from_channel"]) == {"display"}
    assert set(recs["to_channel"]) <= {"paid_search", "paid_social"}
    unspent = 90000 - w.loc["display", "cost"]
    assert recs["amount"].sum() == pytest.approx(unspent)


@pytest.fixture(scope="module")
def touches():
    return pd.read_csv(DATA / TOUCHES, parse_dates=["timestamp"])


def test_the_touchpoints_give_the_daily_orders_under_last_touch(touches, daily, log):
    assert list(touches.columns) == ["user_id", "timestamp", "channel", "conversion", "value"]
    assert touches["timestamp"].is_monotonic_increasing
    assert set(touches["channel"]) == CHANNELS and set(touches["conversion"]) == {0, 1}
    conv = touches[touches["conversion"] == 1]
    # each 2027 order is one converting touch: its customer, time, channel and amount
    orders = log[log["timestamp"] >= pd.Timestamp("2027-01-01")]
    assert len(conv) == len(orders)
    mine = conv.assign(date=conv["timestamp"].dt.normalize()).groupby(["date", "channel"])
    theirs = daily.groupby(["date", "channel"])[["orders", "revenue"]].sum()
    got = pd.DataFrame({"orders": mine.size(), "revenue": mine["value"].sum()})
    joined = theirs[theirs["orders"] > 0].join(got.add_suffix("_touch"), how="outer").fillna(0)
    assert (joined["orders"] == joined["orders_touch"]).all()
    assert np.allclose(joined["revenue"], joined["revenue_touch"], atol=1e-6)
    assert (touches.loc[touches["conversion"] == 0, "value"] == 0).all()


def test_the_touchpoints_precede_their_conversion_and_display_mostly_assists(touches):
    conv = touches[touches["conversion"] == 1]
    earlier = touches[(touches["conversion"] == 0) & touches["user_id"].str.startswith("c")]
    # every earlier touch of a customer is followed by one of their orders within 30 days
    nxt = conv[["user_id", "timestamp"]].rename(columns={"timestamp": "order_time"})
    m = pd.merge_asof(earlier.sort_values("timestamp"), nxt.sort_values("order_time"),
                      left_on="timestamp", right_on="order_time", by="user_id",
                      direction="forward", allow_exact_matches=False)
    gap = m["order_time"] - m["timestamp"]
    assert m["order_time"].notna().all() and (gap < pd.Timedelta(days=30)).all()
    # display: several times more earlier touches than closing ones
    assists = (earlier["channel"] == "display").sum()
    closes = (conv["channel"] == "display").sum()
    assert assists > 3 * closes > 0
    nulls = touches[touches["user_id"].str.startswith("v")]
    assert nulls["user_id"].nunique() == 60000 and (nulls["conversion"] == 0).all()
