"""Distinct counts (visitors, customers, repeat customers) do not add across rows:
refused from an aggregate at a coarser period, counted exactly from a log (issue 13).
The CDNOW transaction log (tests/data/CDNOW_master.txt.gz, from lifetimes; see
tests/data/README.md) is read as a log and built into a daily aggregate."""

import gzip
import pathlib

import numpy as np
import pandas as pd
import pytest

import sostac
from sostac import InputError
from sostac.metrics import kpi_table

CDNOW = pathlib.Path(__file__).resolve().parents[1] / "data" / "CDNOW_master.txt.gz"


@pytest.fixture(scope="module")
def cdnow():
    with gzip.open(CDNOW, "rt") as f:
        log = pd.read_csv(f, sep=r"\s+", header=0,
                          names=["customer_id", "date", "cds", "revenue"])
    log["date"] = pd.to_datetime(log["date"].astype(str), format="%Y%m%d")
    assert len(log) == 69_659 and log["customer_id"].nunique() == 23_570
    return log


def _daily_aggregate(log):
    """What an export of daily counts holds: per day the distinct customers and the
    revenue; within one day nobody buys on two distinct days, so 0 repeat customers."""
    return (log.groupby("date")
               .agg(customers=("customer_id", "nunique"), revenue=("revenue", "sum"))
               .assign(repeat_customers=0).reset_index())


def test_catalogue_marks_distinct_kpis():
    cat = sostac.kpi_catalog().set_index("id")
    assert cat.loc["unique_visitors", "distinct"]
    assert cat.loc["repeat_purchase_rate", "distinct"]
    assert cat.loc["followers", "distinct"]
    assert not cat.loc["ctr", "distinct"] and not cat.loc["revenue", "distinct"]


def test_daily_aggregate_refused_at_a_coarser_period(cdnow):
    daily = _daily_aggregate(cdnow)
    # the observed fault: summed across days, the quarter's customers exceed the
    # number of distinct customers who bought in it
    q1 = daily[daily["date"] < "1997-04-01"]
    distinct_q1 = cdnow.loc[cdnow["date"] < "1997-04-01", "customer_id"].nunique()
    assert q1["customers"].sum() > distinct_q1
    with pytest.raises(InputError) as e:
        kpi_table(daily, "repeat_purchase_rate", by=(), period="quarter")
    msg = str(e.value)
    assert msg.startswith("repeat_purchase_rate: 'repeat_customers' and 'customers' count "
                          "distinct people and does not add across rows, but 90 rows fall "
                          "in the quarter starting 1997-01-01")
    assert "user column" in msg
    # at the aggregate's own period (one row per day) it is allowed
    day = kpi_table(daily, "repeat_purchase_rate", by=(), period="day")
    assert len(day) == daily["date"].nunique()
    # additive KPIs of the same aggregate still roll up
    assert np.isclose(kpi_table(daily, "revenue", by=(), period="quarter")["value"].sum(),
                      cdnow["revenue"].sum())


def test_transaction_log_counts_exactly(cdnow):
    t = kpi_table(cdnow, "repeat_purchase_rate", by=(), period="quarter",
                  time="date", user="customer_id")
    # an independent count: per quarter, customers and those buying on >= 2 days
    q = cdnow["date"].dt.to_period("Q").dt.start_time
    want_customers = cdnow.groupby(q)["customer_id"].nunique()
    days = cdnow.groupby([q, "customer_id"])["date"].nunique()
    want_repeat = (days >= 2).groupby(level=0).sum()
    assert list(t["period"]) == list(want_customers.index)
    assert t["denominator"].tolist() == want_customers.tolist()
    assert t["numerator"].tolist() == want_repeat.tolist()
    assert t["rows"].tolist() == cdnow.groupby(q).size().tolist()
    first = t.iloc[0]
    assert first["denominator"] <= cdnow.loc[cdnow["date"] < "1997-04-01", "customer_id"].nunique()
    assert 0 < first["value"] < 1 and first["interval"] == "wilson"
    assert first["low"] < first["value"] < first["high"]


def test_event_log_visitors_per_group_and_period():
    log = pd.DataFrame({
        "date": pd.to_datetime(["2027-01-04", "2027-01-05", "2027-01-05", "2027-01-06",
                                "2027-01-12", "2027-01-12"]),
        "channel": pd.array(["search", "search", "social", "search", "search", "search"],
                            dtype="str"),
        "user_id": ["a", "a", "a", "b", "a", "c"],
        "orders": [0, 1, 0, 1, 1, 1],
    })
    t = kpi_table(log, ["unique_visitors", "repeat_purchase_rate"], user="user_id")
    v = t[t["kpi"] == "unique_visitors"].set_index(["period", "channel"])["value"]
    assert v[(pd.Timestamp("2027-01-04"), "search")] == 2  # a on two days, b
    assert v[(pd.Timestamp("2027-01-04"), "social")] == 1
    assert v[(pd.Timestamp("2027-01-11"), "search")] == 2
    r = t[t["kpi"] == "repeat_purchase_rate"].set_index(["period", "channel"])
    # week 1, search: buyers a (one purchase day) and b: none repeat
    assert r.loc[(pd.Timestamp("2027-01-04"), "search"), "denominator"] == 2
    assert r.loc[(pd.Timestamp("2027-01-04"), "search"), "numerator"] == 0
    # without the user column the same log is refused: several rows per week
    with pytest.raises(InputError, match="unique_visitors: 'visitors' counts distinct people"):
        kpi_table(log.assign(visitors=1), "unique_visitors")


def test_log_errors_name_the_column():
    log = pd.DataFrame({"date": pd.to_datetime(["2027-01-04", "2027-01-05"]),
                        "user_id": ["a", None]})
    with pytest.raises(InputError, match=r"user_id\[1\]: missing user id"):
        kpi_table(log, "unique_visitors", by=(), user="user_id")
    with pytest.raises(InputError, match="'followers' cannot be counted from an event log"):
        kpi_table(log.dropna(), "followers", by=(), user="user_id")
    with pytest.raises(InputError, match="user: data has no column 'visitor'"):
        kpi_table(log, "unique_visitors", by=(), user="visitor")
