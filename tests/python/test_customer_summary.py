"""sostac.customer.summary / rfm / rfm_segments / SummaryAccumulator: the CDNOW
acceptance check, the period and tie rules, every input form and every bad input."""

from __future__ import annotations

import doctest
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sostac import customer
from sostac._core import InputError
from sostac.customer import (DEFAULT_SEGMENTS, SummaryAccumulator, rfm, rfm_segments,
                             summary)
from sostac.customer import _summary as summary_module

ROOT = Path(__file__).resolve().parents[2]


def _shared_data() -> Path:
    for p in (os.environ.get("SOSTAC_SHARED_DATA"), ROOT.parent / "shared" / "data",
              "/work/shared/data"):
        if p and Path(p, "CDNOW_sample.txt").exists():
            return Path(p)
    pytest.skip("the shared CDNOW data (../shared/data, or SOSTAC_SHARED_DATA) is absent")


def _cdnow():
    data = _shared_data()
    log = pd.read_csv(data / "CDNOW_sample.txt", sep=r"\s+", header=None,
                      names=["master_id", "customer_id", "date", "cds", "amount"])
    return data, log


def _log():
    return pd.DataFrame({
        "customer_id": [7, 7, 7, 9, 7, 12],
        "timestamp": pd.to_datetime(["2027-01-01 09:00", "2027-01-01 18:00", "2027-01-08 00:00",
                                     "2027-01-03 00:00", "2027-01-22 00:00", "2027-01-29 00:00"]),
        "amount": [10.0, 5.0, 20.0, 8.0, 40.0, 3.0],
    })


# -- CDNOW ----------------------------------------------------------------------------

def test_cdnow_summary_equals_the_published_calibration_summary():
    data, log = _cdnow()
    cal = log[log["date"] <= 19970930]
    got = summary(cal, customer="customer_id", time="date", value="amount", end="1997-09-30")
    ref = pd.read_csv(data / "cdnow_customers_summary.csv").set_index("ID")
    assert len(got) == len(ref) == 2357
    assert (got.index.to_numpy() == ref.index.to_numpy()).all()
    # the period rule: same-day purchases merged, weeks = days / 7 (file: 2 decimals)
    assert (got["frequency"].to_numpy() == ref["frequency"].to_numpy()).all()
    np.testing.assert_allclose(got["recency"].round(2), ref["recency"], atol=1e-12)
    np.testing.assert_allclose(got["T"].round(2), ref["T"], atol=1e-12)
    assert np.abs(got["recency"] * 7 - np.round(got["recency"] * 7)).max() < 1e-9
    # monetary: mean repeat-day total, vs zbar (rounded half-up to cents in the file)
    z = pd.read_csv(data / "cdnow_customers_summary_with_transactions.csv").set_index("ID")
    assert (z["x"].to_numpy() == got["frequency"].to_numpy()).all()
    assert np.abs(got["monetary"].to_numpy() - z["zbar"].to_numpy()).max() <= 0.005 + 1e-9
    assert (got.loc[got["frequency"] == 0, "monetary"] == 0).all()
    assert (got["frequency"] > 0).sum() == 946  # Gamma-Gamma's repeat buyers


def test_cdnow_calibration_and_holdout():
    _, log = _cdnow()
    got = summary(log, time="date", value="amount", end="1997-09-30", holdout_end="1998-06-30")
    cal = summary(log[log["date"] <= 19970930], time="date", value="amount",
                  end="1997-09-30")
    pd.testing.assert_frame_equal(got[cal.columns], cal)
    assert got["duration_holdout"].iloc[0] == pytest.approx(273 / 7)
    hold = log[log["date"] > 19970930].groupby("customer_id")
    days = hold["date"].nunique().reindex(got.index, fill_value=0)
    assert (got["frequency_holdout"] == days).all()
    per_day = log[log["date"] > 19970930].groupby(["customer_id", "date"])["amount"].sum()
    mean = per_day.groupby(level=0).mean().reindex(got.index, fill_value=0.0)
    np.testing.assert_allclose(got["monetary_holdout"], mean, rtol=1e-12)
    assert got.attrs["holdout_only"] == 0  # the sample is one acquisition cohort
    with pytest.raises(InputError, match=r"date\[\d+\]: purchase on 199\d-\d\d-\d\d "
                                         r"is after end 1997-09-30"):
        summary(log, time="date", end="1997-09-30")


# -- the rules on small logs ----------------------------------------------------------

def test_period_rule_and_monetary_on_a_hand_checked_log():
    got = summary(_log(), value="amount", end="2027-01-29", period="D")
    assert got.index.tolist() == [7, 9, 12]
    assert got.loc[7].tolist() == [2.0, 21.0, 28.0, 30.0]  # days 1 (15), 8 (20), 22 (40)
    assert got.loc[9].tolist() == [0.0, 0.0, 26.0, 0.0]
    w = summary(_log(), value="amount", end="2027-01-29")
    assert w.loc[7, "recency"] == pytest.approx(3.0) and w.loc[7, "T"] == pytest.approx(4.0)
    m = summary(_log(), end="2027-01-29", period="M")
    assert m.loc[7, "T"] == pytest.approx(28 / 30.4375)
    assert "monetary" not in m.columns
    assert summary(_log()).attrs["end"] == "2027-01-29"  # default end: the last day


def test_rfm_values_scores_and_tie_rule():
    got = rfm(_log(), end="2027-01-31", bins=3, segments=None)
    assert got["recency"].tolist() == [9.0, 28.0, 2.0]
    assert got["frequency"].tolist() == [4, 1, 1]
    assert got["monetary"].tolist() == [75.0, 8.0, 3.0]
    # 1 + floor(k * L / n), L = customers strictly worse
    assert got["r_score"].tolist() == [2, 1, 3]
    assert got["f_score"].tolist() == [3, 1, 1]  # the tie at 1 shares the lowest score
    assert got["m_score"].tolist() == [3, 2, 1]
    assert got["rfm"].astype(str).tolist() == ["233", "112", "311"]


def _reference_scores(x: pd.Series, k: int, lower: bool) -> np.ndarray:
    """The documented tie rule in pandas: 1 + floor(k * (rank_min - 1) / n)."""
    rank = (-x if lower else x).rank(method="min").to_numpy()
    return (1 + (k * (rank - 1)) // len(x)).astype(int)


@pytest.mark.parametrize("k", [2, 5, 7])
def test_rfm_scores_equal_the_pandas_rank_min_formula(k):
    rng = np.random.default_rng(k)
    n = 2000
    log = pd.DataFrame({"customer_id": rng.integers(0, 400, n),
                        "timestamp": pd.Timestamp("2027-01-01")
                        + pd.to_timedelta(rng.integers(0, 90, n), "D"),
                        "amount": rng.integers(1, 20, n).astype(float)})
    got = rfm(log, bins=k, segments=None)
    for col, score, lower in (("recency", "r_score", True), ("frequency", "f_score", False),
                              ("monetary", "m_score", False)):
        assert (got[score].to_numpy() == _reference_scores(got[col], k, lower)).all()
    # row order does not matter (ties are never split by position)
    shuffled = rfm(log.sample(frac=1.0, random_state=1), bins=k, segments=None)
    pd.testing.assert_frame_equal(shuffled.sort_index(), got.sort_index())


def test_default_segment_map_covers_every_cell_once():
    table, names = summary_module._segment_table(
        summary_module._segment_rules("default", 5), 5)
    assert "Other" not in names and set(names) == set(DEFAULT_SEGMENTS)
    assert len(DEFAULT_SEGMENTS) == 11
    used = {names[i] for i in table}
    assert used == set(DEFAULT_SEGMENTS)  # every segment reachable
    code = lambda r, f, m: table[((r - 1) * 5 + f - 1) * 5 + m - 1]  # noqa: E731
    assert names[code(5, 5, 1)] == "Champions"
    assert names[code(1, 1, 5)] == "Lost"
    assert names[code(2, 1, 3)] == "Hibernating"
    assert names[code(1, 5, 5)] == "Cannot lose them"
    assert names[code(5, 1, 1)] == "New"
    # M does not enter the default map
    assert all(code(r, f, 1) == code(r, f, 5) for r in range(1, 6) for f in range(1, 6))


def test_user_segments_first_match_wins_and_other():
    rules = {"VIP": {"r": (2, 3), "m": 3}, "Frequent": {"f": 3}}
    got = rfm(_log(), end="2027-01-31", bins=3, segments=rules)
    assert got["segment"].astype(str).tolist() == ["VIP", "Other", "Other"]
    got = rfm(_log(), end="2027-01-31", bins=3,
              segments=[("Frequent", {"f": 3}), ("Rest", {})])
    assert got["segment"].astype(str).tolist() == ["Frequent", "Rest", "Rest"]


def test_segment_table():
    log = _log()
    got = rfm(log, end="2027-01-31", bins=3, segments={"Top": {"r": (2, 3)}, "Rest": {}})
    table = rfm_segments(got)
    assert table.index.tolist() == ["Top", "Rest"]
    assert table["customers"].tolist() == [2, 1]
    assert table["share"].sum() == pytest.approx(1.0)
    assert table["revenue"].tolist() == [78.0, 8.0]
    assert table["revenue_share"].tolist() == pytest.approx([78 / 86, 8 / 86])
    assert table.loc["Top", "recency"] == pytest.approx(5.5)
    assert table.loc["Top", "frequency"] == pytest.approx(2.5)
    default = rfm_segments(rfm(log))
    assert default["customers"].sum() == 3
    with pytest.raises(InputError, match="segment column"):
        rfm_segments(rfm(log, segments=None))


# -- input forms ----------------------------------------------------------------------

def test_string_ids_arrow_polars_dicts_and_zones_agree():
    base = summary(_log(), value="amount", end="2027-01-29")
    log = _log()
    s = log.assign(customer_id=log["customer_id"].map(lambda i: f"c{i}").astype("str"))
    got = summary(s, value="amount", end="2027-01-29")
    assert got.index.tolist() == ["c7", "c9", "c12"]
    np.testing.assert_array_equal(got.to_numpy(), base.to_numpy())
    arrow = s.astype({"customer_id": "string[pyarrow]"})
    np.testing.assert_array_equal(summary(arrow, value="amount", end="2027-01-29").to_numpy(),
                                  base.to_numpy())
    import polars as pl
    import pyarrow as pa

    for frame in (pl.from_pandas(log), pa.Table.from_pandas(log, preserve_index=False),
                  {c: log[c].to_numpy() for c in log.columns}):
        np.testing.assert_array_equal(
            summary(frame, value="amount", end="2027-01-29").to_numpy(), base.to_numpy())
    # a zone: times converted to UTC before the day cut
    zoned = log.assign(timestamp=log["timestamp"].dt.tz_localize("UTC")
                       .dt.tz_convert("America/New_York"))
    np.testing.assert_array_equal(summary(zoned, value="amount", end="2027-01-29").to_numpy(),
                                  base.to_numpy())
    # YYYYMMDD numbers and ISO text
    ymd = log.assign(timestamp=log["timestamp"].dt.strftime("%Y%m%d").astype(int))
    np.testing.assert_array_equal(summary(ymd, value="amount", end=20270129).to_numpy(),
                                  base.to_numpy())
    iso = log.assign(timestamp=log["timestamp"].dt.strftime("%Y-%m-%d %H:%M"))
    np.testing.assert_array_equal(summary(iso, value="amount", end="2027-01-29").to_numpy(),
                                  base.to_numpy())
    sec = log.assign(timestamp=log["timestamp"].astype("M8[s]"))
    np.testing.assert_array_equal(summary(sec, value="amount", end="2027-01-29").to_numpy(),
                                  base.to_numpy())
    sparse = log.assign(customer_id=log["customer_id"] * 10**12)
    assert summary(sparse, end="2027-01-29").index.tolist() == [7 * 10**12, 9 * 10**12,
                                                                12 * 10**12]


# -- bad input ------------------------------------------------------------------------

def test_bad_input_names_the_column_or_row():
    log = _log()
    ids = log.assign(customer_id=pd.array([1, None, 2, 3, 4, 5], dtype="Int64"))
    with pytest.raises(InputError, match=r"customer_id\[1\]: missing customer id"):
        summary(ids)
    txt = log.assign(customer_id=["a", "b", None, "c", "d", "e"])
    with pytest.raises(InputError, match=r"customer_id\[2\]: missing customer id"):
        summary(txt)
    with pytest.raises(InputError, match=r"customer_id\[0\]: blank"):
        summary(log.assign(customer_id=[" ", "b", "c", "c", "d", "e"]))
    with pytest.raises(InputError, match=r"timestamp\[3\]: missing time"):
        summary(log.assign(timestamp=log["timestamp"].where(log.index != 3)))
    with pytest.raises(InputError, match=r"timestamp\[1\]: expected a date or time"):
        summary(log.assign(timestamp=["2027-01-01", "soon", "2027-01-02", "2027-01-02",
                                      "2027-01-02", "2027-01-02"]))
    with pytest.raises(InputError, match=r"timestamp\[5\]: purchase on 2027-01-29 is after "
                                         r"end 2027-01-28"):
        summary(log, end="2027-01-28")
    with pytest.raises(InputError, match=r"amount\[2\]: missing or NaN amount"):
        summary(log.assign(amount=[1, 2, np.nan, 4, 5, 6]), value="amount")
    with pytest.raises(InputError, match=r"amount\[4\]: negative amount -5 \(pass refunds=True"):
        summary(log.assign(amount=[1, 2, 3, 4, -5, 6]), value="amount")
    ok = summary(log.assign(amount=[1, 2, 3, 4, -5, 6]), value="amount", refunds=True)
    assert ok.loc[7, "monetary"] == pytest.approx((3 - 5) / 2)
    with pytest.raises(InputError, match=r"amount\[1\]: expected a number"):
        summary(log.assign(amount=["1", "x", "3", "4", "5", "6"]), value="amount")
    with pytest.raises(InputError, match="period: expected 'D', 'W' or 'M', got 'Q'"):
        summary(log, period="Q")
    with pytest.raises(InputError, match="amount: expected 6 values like 'customer_id', got 5"):
        summary({"customer_id": log["customer_id"].to_numpy(),
                 "timestamp": log["timestamp"].to_numpy(), "amount": np.ones(5)},
                value="amount")
    with pytest.raises(InputError, match=r"holdout_end: expected a day after end \(2027-01-29\)"):
        summary(log, end="2027-01-29", holdout_end="2027-01-29")
    with pytest.raises(InputError, match="holdout_end: needs end"):
        summary(log, holdout_end="2027-02-28")
    with pytest.raises(InputError, match="customer: data has no column 'user'"):
        summary(log, customer="user")
    with pytest.raises(InputError, match="end: expected a date or time"):
        summary(log, end="someday")
    with pytest.raises(InputError, match="bins: expected a whole number 1..9"):
        rfm(log, bins=0)
    with pytest.raises(InputError, match="default map is for bins=5"):
        rfm(log, bins=4)
    with pytest.raises(InputError, match=r"segments\['X'\]\['r'\]: expected 1 <= low"):
        rfm(log, segments={"X": {"r": (0, 9)}})
    with pytest.raises(InputError, match=r"segments\['X'\]: expected a dict"):
        rfm(log, segments={"X": {"q": 1}})
    with pytest.raises(InputError, match="value: data has no column 'amount'"):
        rfm(log.drop(columns="amount"))


# -- the accumulator ------------------------------------------------------------------

def test_accumulator_by_time_and_by_customer_equals_one_pass():
    _, log = _cdnow()
    whole = summary(log, time="date", value="amount", end="1997-09-30",
                    holdout_end="1998-06-30")
    kw = dict(time="date", value="amount", end="1997-09-30", holdout_end="1998-06-30")
    by_time = log.sort_values("date", kind="stable")
    parts = np.array_split(np.arange(len(by_time)), 5)
    accs = [SummaryAccumulator(**kw).add(by_time.iloc[p]) for p in parts]
    # a tree of merges of parts adjacent in time, the later part first at the top
    acc = accs[3].merge(accs[4])
    acc = accs[2].merge(acc).merge(accs[0].merge(accs[1]))
    got = acc.finish().sort_index()
    pd.testing.assert_frame_equal(got, whole, check_exact=False, rtol=1e-12)
    assert acc.rows == len(log)
    by_customer = SummaryAccumulator(**kw)
    for _, part in log.groupby(log["customer_id"] % 3):
        by_customer.add(part)
    pd.testing.assert_frame_equal(by_customer.finish().sort_index(), whole,
                                  check_exact=False, rtol=1e-12)
    r1 = SummaryAccumulator(time="date", value="amount", end="1998-06-30")
    r1.add(log.iloc[:3000]).add(log.iloc[3000:])
    pd.testing.assert_frame_equal(r1.rfm(), rfm(log, time="date", end="1998-06-30"))


def test_accumulator_interleaved_parts_raise_naming_the_customer():
    log = _log()
    a = SummaryAccumulator(end="2027-01-29").add(log.iloc[[0, 4]])
    b = SummaryAccumulator(end="2027-01-29").add(log.iloc[[2]])
    with pytest.raises(InputError, match="customer_id 7: its purchase days in the two parts "
                                         "interleave"):
        a.merge(b)
    with pytest.raises(InputError, match="same period, end"):
        a.merge(SummaryAccumulator(end="2027-01-30"))
    with pytest.raises(InputError, match="nothing added"):
        SummaryAccumulator().finish()
    with pytest.raises(InputError, match="rfm needs the amount"):
        SummaryAccumulator().add(log).rfm()


def test_docstring_examples():
    result = doctest.testmod(summary_module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
    assert set(summary_module.__all__) <= set(customer.__all__)


# -- properties -----------------------------------------------------------------------

@st.composite
def _logs(draw):
    n = draw(st.integers(1, 60))
    ids = draw(st.lists(st.integers(0, 8), min_size=n, max_size=n))
    days = draw(st.lists(st.integers(0, 40), min_size=n, max_size=n))
    hours = draw(st.lists(st.integers(0, 23), min_size=n, max_size=n))
    amounts = draw(st.lists(st.integers(0, 50), min_size=n, max_size=n))
    t = (pd.Timestamp("2027-01-01") + pd.to_timedelta(days, "D")
         + pd.to_timedelta(hours, "h"))
    return pd.DataFrame({"customer_id": ids, "timestamp": t,
                         "amount": np.asarray(amounts, dtype=float)})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_logs(), st.integers(0, 60), st.sampled_from(["D", "W", "M"]))
def test_property_merge_by_time_equals_one_pass(log, cut, period):
    log = log.sort_values("timestamp", kind="stable").reset_index(drop=True)
    kw = dict(value="amount", period=period, end="2027-02-15")
    whole = summary(log, **kw)
    a, b = SummaryAccumulator(**kw), SummaryAccumulator(**kw)
    if cut:
        a.add(log.iloc[:cut])
    if cut < len(log):
        b.add(log.iloc[cut:])
    acc = b.merge(a)  # the later part first
    got = acc.finish().sort_index()
    pd.testing.assert_frame_equal(got, whole.sort_index(), check_exact=False, rtol=1e-12,
                                  check_index_type=False)
    # by customer: any order of the parts (here the second part first)
    odd = log["customer_id"] % 2 == 1
    c, d = SummaryAccumulator(**kw), SummaryAccumulator(**kw)
    if (~odd).any():
        c.add(log[~odd])
    if odd.any():
        d.add(log[odd])
    pd.testing.assert_frame_equal(d.merge(c).finish().sort_index(), whole.sort_index(),
                                  check_exact=False, rtol=1e-12, check_index_type=False)
    assert (whole["recency"] <= whole["T"]).all()
    assert (whole["frequency"] >= 0).all() and (whole["recency"] >= 0).all()
    assert ((whole["frequency"] == 0) == (whole["recency"] == 0)).all()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_logs(), st.integers(1, 9))
def test_property_rfm_scores_in_range_and_order_free(log, k):
    got = rfm(log, bins=k, segments=None, end="2027-02-15")
    for col in ("r_score", "f_score", "m_score"):
        assert got[col].between(1, k).all()
    assert (got["f_score"].to_numpy() == _reference_scores(got["frequency"], k, False)).all()
    assert (got["r_score"].to_numpy() == _reference_scores(got["recency"], k, True)).all()
    shuffled = rfm(log.iloc[::-1], bins=k, segments=None, end="2027-02-15")
    pd.testing.assert_frame_equal(shuffled.sort_index(), got.sort_index())


def test_accumulator_dense_ids_then_strings_and_mixed_merges():
    log = _log()
    whole = summary(log, value="amount", end="2027-01-29")
    a = SummaryAccumulator(value="amount", end="2027-01-29").add(log.iloc[:3])
    b = SummaryAccumulator(value="amount", end="2027-01-29")
    b.add(log.iloc[3:].assign(customer_id=log["customer_id"].iloc[3:].to_numpy()))
    a.merge(b)
    pd.testing.assert_frame_equal(a.finish().sort_index(), whole, check_index_type=False)
    # a dense accumulator that then sees string ids keeps every customer apart
    c = SummaryAccumulator(end="2027-01-29").add(log.iloc[:3])
    c.add(pd.DataFrame({"customer_id": ["x"], "timestamp": [pd.Timestamp("2027-01-20")]}))
    assert c.finish().index.tolist() == [7, "x"]
    # merging a label-coded accumulator into a dense one
    d = SummaryAccumulator(end="2027-01-29").add(log.iloc[:3])
    e = SummaryAccumulator(end="2027-01-29").add(
        pd.DataFrame({"customer_id": ["y"], "timestamp": [pd.Timestamp("2027-01-21")]}))
    d.merge(e)
    assert d.finish()["frequency"].to_dict() == {7: 1.0, "y": 0.0}
    with pytest.raises(InputError, match="customer_id 7: its purchase days"):
        late = SummaryAccumulator(end="2027-01-29").add(log.iloc[[0, 4]])
        late.add(log.iloc[[2]])


def test_docs_customer_md_summary_examples_run_as_written():
    text = (ROOT / "docs" / "customer.md").read_text()
    section = text.split("## Summary and RFM", 1)[1].split("\n## ", 1)[0]
    blocks = [b.split("```", 1)[0] for b in section.split("```python")[1:]]
    doc = "\n".join(b for b in blocks if ">>>" in b)
    assert doc
    test = doctest.DocTestParser().get_doctest(doc, {"pd": pd, "customer": customer},
                                               "docs/customer.md", None, 0)
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    assert runner.failures == 0 and runner.tries > 0


def test_degenerate_logs_give_documented_results():
    empty = pd.DataFrame({"customer_id": pd.Series([], dtype="int64"),
                          "timestamp": pd.Series([], dtype="M8[ns]"),
                          "amount": pd.Series([], dtype=float)})
    assert summary(empty, value="amount").empty
    assert rfm(empty).empty
    one = pd.DataFrame({"customer_id": [5], "timestamp": pd.to_datetime(["2027-01-01"]),
                        "amount": [3.0]})
    s = summary(one, value="amount")
    assert s.loc[5].tolist() == [0.0, 0.0, 0.0, 0.0]  # end = the only day: T = 0
    r = rfm(one)
    # everyone tied: all share the lowest rank's score, 1 (the tie rule), so "Lost"
    assert r.loc[5, ["r_score", "f_score", "m_score"]].tolist() == [1, 1, 1]
    assert r.loc[5, "segment"] == "Lost"
    assert rfm_segments(r)["customers"].tolist() == [1]
    same_day = pd.DataFrame({"customer_id": ["a", "a", "b"],
                             "timestamp": pd.to_datetime(["2027-01-01 08:00",
                                                          "2027-01-01 20:00",
                                                          "2027-01-02 00:00"]),
                             "amount": [1.0, 2.0, 4.0]})
    s = summary(same_day, value="amount", period="D")
    assert s["frequency"].tolist() == [0.0, 0.0]  # a's two purchases are one day
    assert s["monetary"].tolist() == [0.0, 0.0]
    assert rfm(same_day, segments=None)["frequency"].tolist() == [2, 1]  # RFM counts rows


def test_without_pandas_one_line(monkeypatch):
    import sys

    from sostac._optional import MissingExtraError

    data = {"customer_id": [1], "timestamp": ["2027-01-01"]}
    monkeypatch.setitem(sys.modules, "pandas", None)
    for call in (lambda: summary(data), lambda: rfm(data),
                 lambda: SummaryAccumulator(end="2027-01-02")):
        with pytest.raises(MissingExtraError, match=r'pip install "sostac\[pandas\]"'):
            call()


# -- thread count ----------------------------------------------------------------------

def _big_log(rng, rows=300_000, customers=20_000, order="time"):
    t = np.sort(rng.integers(0, 200 * 86_400 * 10**9, rows))
    log = pd.DataFrame({
        "customer_id": rng.integers(0, customers, rows),
        "timestamp": (t + np.datetime64("2027-01-01", "ns").astype(np.int64)).view("M8[ns]"),
        "amount": np.round(rng.gamma(2.0, 20.0, rows), 2),
    })
    if order == "shuffled":
        log = log.iloc[rng.permutation(rows)].reset_index(drop=True)
    elif order == "one_back":  # in time order but for one row near the end (sorted path)
        i = rows - 10
        c = log["customer_id"].iloc[i]
        log.loc[i, "timestamp"] = log.loc[log["customer_id"] == c, "timestamp"].iloc[0]
    return log


def _reference(log, end, holdout_end=None):
    """pandas: per (customer, day) then per customer (lifetimes' rule)."""
    d = pd.DataFrame({"c": log["customer_id"], "d": log["timestamp"].dt.floor("D"),
                      "a": log["amount"]})
    cut = pd.Timestamp(end)
    cal = d[d["d"] <= cut]
    day = cal.groupby(["c", "d"])["a"].sum().reset_index()
    g = day.groupby("c")
    freq = g.size() - 1
    out = pd.DataFrame({
        "frequency": freq.astype(float),
        "recency": (g["d"].max() - g["d"].min()).dt.days / 7.0,
        "T": (cut - g["d"].min()).dt.days / 7.0,
        "monetary": ((g["a"].sum() - g["a"].first()) / freq.where(freq > 0)).fillna(0.0),
    })
    if holdout_end is not None:
        hold = d[d["d"] > cut].groupby(["c", "d"])["a"].sum().reset_index().groupby("c")
        out["frequency_holdout"] = hold.size().reindex(out.index, fill_value=0).astype(float)
        mean = (hold["a"].sum() / hold.size()).reindex(out.index, fill_value=0.0)
        out["monetary_holdout"] = mean
    out.index.name = "customer_id"
    return out


@pytest.mark.parametrize("order", ["time", "shuffled", "one_back"])
@pytest.mark.parametrize("holdout", [False, True])
def test_same_answer_for_any_thread_count(order, holdout):
    import sostac
    rng = np.random.default_rng(14 + holdout)
    log = _big_log(rng, order=order)
    kw = dict(value="amount", end="2027-05-31") if holdout else \
        dict(value="amount", end="2027-07-31")
    if holdout:
        kw["holdout_end"] = "2027-07-31"
    before = sostac.get_num_threads()
    try:
        got = {}
        for threads in (1, 2, 3):
            sostac.set_num_threads(threads)
            acc = SummaryAccumulator(**kw).add(log)
            got[threads] = (acc.finish(), acc.rfm() if not holdout else None,
                            summary(log, **kw))
    finally:
        sostac.set_num_threads(before)
    for threads in (2, 3):  # bit for bit, not to a tolerance
        pd.testing.assert_frame_equal(got[threads][0], got[1][0], check_exact=True)
        pd.testing.assert_frame_equal(got[threads][2], got[1][0], check_exact=True)
        if not holdout:
            pd.testing.assert_frame_equal(got[threads][1], got[1][1], check_exact=True)
    ref = _reference(log, kw["end"], kw.get("holdout_end"))
    frame = got[1][0]
    if holdout:
        frame = frame.drop(columns="duration_holdout")
    pd.testing.assert_frame_equal(frame, ref.loc[frame.index], check_exact=False, rtol=1e-12,
                                  check_dtype=False)
    assert len(frame) == len(ref)


def test_first_bad_row_named_for_any_thread_count():
    # Two bad rows in different threads' customer ranges: the earlier row is named.
    import sostac
    log = _big_log(np.random.default_rng(3))
    log.loc[100_000, "customer_id"] = 19_999  # the last range's customer
    log.loc[100_000, "amount"] = np.nan
    log.loc[200_000, "customer_id"] = 0  # the first range's customer
    log.loc[200_000, "amount"] = -1.0
    fixed = log.copy()
    fixed.loc[100_000, "amount"] = 1.0  # then row 200,000 is the first bad one
    before = sostac.get_num_threads()
    try:
        for threads in (1, 2, 3):
            sostac.set_num_threads(threads)
            with pytest.raises(InputError, match=r"^amount\[100000\]: missing or NaN"):
                SummaryAccumulator(value="amount", end="2027-07-31").add(log)
            with pytest.raises(InputError, match=r"^amount\[200000\]: negative amount"):
                summary(fixed, value="amount", end="2027-07-31")
    finally:
        sostac.set_num_threads(before)
