"""Self-checks of the pure-pandas metrics reference (tests/python/metrics_reference.py).

The reference is the yardstick for ``sostac.metrics``, so it is itself checked here
against tiny examples whose expected values were worked out by hand from the written
contract (the reasoning is in the comments), and its two independent funnel-level
implementations are checked against each other on random event logs.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import metrics_reference as ref

Z = 1.959963984540054  # norm.ppf(0.975)
MIN = pd.Timedelta(minutes=1)
STEPS = ["visit", "signup", "cart", "purchase"]


def ts(text):
    return pd.Timestamp(text)


# ----------------------------------------------------------------------------- periods


def test_period_start_examples():
    s = pd.Series(
        pd.to_datetime(
            ["2027-01-06 15:00", "2027-05-17 13:45", "2027-01-10 23:30", "2027-12-31 23:59"]
        )
    )
    # Wed 2027-01-06 -> Monday 2027-01-04; Sun 2027-01-10 -> Monday 2027-01-04
    assert ref.period_start(s, "day").tolist() == [
        ts("2027-01-06"), ts("2027-05-17"), ts("2027-01-10"), ts("2027-12-31"),
    ]
    assert ref.period_start(s, "week").tolist() == [
        ts("2027-01-04"), ts("2027-05-17"), ts("2027-01-04"), ts("2027-12-27"),
    ]
    assert ref.period_start(s, "month").tolist() == [
        ts("2027-01-01"), ts("2027-05-01"), ts("2027-01-01"), ts("2027-12-01"),
    ]
    assert ref.period_start(s, "quarter").tolist() == [
        ts("2027-01-01"), ts("2027-04-01"), ts("2027-01-01"), ts("2027-10-01"),
    ]
    # +1 h moves Sunday 23:30 into Monday 2027-01-11, and New Year's Eve into
    # Saturday 2028-01-01, which is still in the ISO week of Monday 2027-12-27
    plus = ref.period_start(s, "week", utc_offset=pd.Timedelta(hours=1))
    assert plus.tolist()[2:] == [ts("2027-01-11"), ts("2027-12-27")]
    assert ref.period_start(s, "quarter", pd.Timedelta(hours=1))[3] == ts("2028-01-01")
    assert ref.period_start(s, "day", pd.Timedelta(hours=1))[3] == ts("2028-01-01")
    assert str(ref.period_start(s, "week").dtype) == "datetime64[ns]"


def test_period_start_timezones_and_epoch_seconds():
    # 00:30 at +02:00 is Sunday 22:30 UTC, so the ISO week is the previous one
    aware = pd.Series(pd.to_datetime(["2027-01-04 00:30"]).tz_localize("Etc/GMT-2"))
    assert ref.period_start(aware, "week")[0] == ts("2026-12-28")
    assert ref.period_start(aware, "day")[0] == ts("2027-01-03")
    # 1.8e9 s = 2027-01-01 (1_798_761_600) + 14 days 8 h = Fri 2027-01-15 08:00 UTC
    epoch = pd.Series([1_800_000_000.0])
    assert ref.to_utc_naive(epoch)[0] == ts("2027-01-15 08:00")
    assert ref.period_start(epoch, "week")[0] == ts("2027-01-11")
    assert ref.period_start(epoch, "month", utc_offset=-9 * 3600)[0] == ts("2027-01-01")


def test_period_numbers():
    starts = pd.Series([ts("2026-11-01"), ts("2027-02-01")])
    months = ref.period_number(starts, "month")
    assert months[1] - months[0] == 3
    quarters = ref.period_number(pd.Series([ts("2026-10-01"), ts("2027-04-01")]), "quarter")
    assert quarters[1] - quarters[0] == 2
    weeks = ref.period_number(pd.Series([ts("2026-12-28"), ts("2027-01-11")]), "week")
    assert weeks[1] - weeks[0] == 2


# ----------------------------------------------------------------------------- KPIs


def test_catalogue_interval_methods():
    got = {k: ref.interval_method(d) for k, d in ref.CATALOGUE.items()}
    expected = {
        "ctr": "wilson", "cpc": "poisson-gamma", "cpm": "poisson-gamma",
        "bounce_rate": "wilson", "time_on_site": "delta",
        "lead_conversion_rate": "wilson", "cpl": "poisson-gamma",
        "conversion_rate": "wilson", "cpa": "poisson-gamma", "revenue": "normal",
        "aov": "delta", "revenue_per_visit": "delta", "roas": "delta", "roi": "delta",
        "impressions": "poisson", "repeat_purchase_rate": "wilson",
        "churn_rate": "wilson", "unique_visitors": "poisson", "followers": "poisson",
        "shares": "poisson", "clv": "delta",
    }
    assert got == expected
    assert ref.parse_expression("revenue - cost") == [(1.0, "revenue"), (-1.0, "cost")]
    assert ref.parse_expression("") == []
    # a custom KPI: an expression numerator without denominator is "normal", and
    # 2 * clicks is not a single +1 count so is not Wilson
    assert ref.interval_method(ref.KpiDef("p", "revenue - cost")) == "normal"
    assert ref.interval_method(ref.KpiDef("q", "clicks + clicks", "impressions")) == "delta"
    with pytest.raises(ValueError):
        ref.parse_expression("revenue cost")


def test_interval_helpers_match_published_values():
    # Wilson 95% for 2/10 is (0.0567, 0.5098); Garwood 95% for 0 is (0, 3.689)
    # and for 5 is (1.6235, 11.6683) (standard tables)
    lo, hi = ref.wilson_interval([2], [10])
    assert lo[0] == pytest.approx(0.0567, abs=5e-5)
    assert hi[0] == pytest.approx(0.5098, abs=5e-5)
    k_lo, k_hi = ref.garwood_interval([0, 5])
    assert k_lo[0] == 0.0 and k_hi[0] == pytest.approx(3.6889, abs=5e-5)
    assert k_lo[1] == pytest.approx(1.6235, abs=5e-5)
    assert k_hi[1] == pytest.approx(11.6683, abs=5e-5)
    # x = 0: lower bound exactly 0, upper z^2 / (n + z^2)
    lo, hi = ref.wilson_interval([0], [5])
    assert lo[0] == 0.0 and hi[0] == pytest.approx(Z * Z / (5 + Z * Z), rel=1e-12)


def _kpi_data():
    """Three groups. (week 2027-01-04, search): r1..r3; (2027-01-11, search): r4;
    (2027-01-04, email): r5, r6. r3 is Sunday 23:00, so +2 h moves it to 01-11."""
    rows = [
        # date,                channel, imp, clicks, cost, orders, sessions, revenue
        ("2027-01-04 00:00", "search", 4, 1, 5.0, 1, 5, 10.0),
        ("2027-01-06 00:00", "search", 3, 1, 5.0, 2, 5, 20.0),
        ("2027-01-10 23:00", "search", 3, 0, 10.0, 2, 10, 30.0),
        ("2027-01-11 00:00", "search", 5, 0, 3.0, 0, 0, 0.0),
        ("2027-01-05 00:00", "email", 6, 6, 0.0, 2, 10, 0.0),
        ("2027-01-07 00:00", "email", 4, 4, 0.0, 3, 10, 0.0),
    ]
    cols = ["date", "channel", "impressions", "clicks", "cost", "orders", "sessions",
            "revenue"]
    df = pd.DataFrame(rows, columns=cols)
    df["date"] = pd.to_datetime(df["date"])
    return df.iloc[[5, 3, 0, 4, 2, 1]].reset_index(drop=True)  # any row order


KPIS = ["ctr", "cpa", "conversion_rate", "roas", "revenue", "impressions"]


def test_kpi_table_hand_example():
    out = ref.kpi_table(_kpi_data(), KPIS, by=("channel",), period="week", time="date")
    assert list(out.columns) == [
        "period", "channel", "kpi", "value", "low", "high", "numerator",
        "denominator", "rows", "interval",
    ]
    nan, inf = np.nan, np.inf
    w2_10 = (0.056682151454375274, 0.5098375284633583)  # Wilson 2 of 10
    w5_20 = (0.11186170140766571, 0.468700877618744)  # Wilson 5 of 20
    g5 = (1.6234863901184207, 11.66833207932267)  # Garwood k = 5
    g10 = (4.7953886961324335, 18.39035604201778)  # Garwood k = 10
    g0_hi = 3.6888794541139354  # Garwood k = 0 upper = -ln(0.025)
    # roas (search, 01-04): y = revenue (10, 20, 30), x = cost (5, 5, 10), R = 60/20 = 3,
    # d = y - 3x = (-5, 5, 0), var = 50 / (3*2) / (20/3)^2 = 0.1875
    roas_half = Z * math.sqrt(0.1875)
    # revenue (search, 01-04): S = 60, s^2 = 100, half = z sqrt(3 * 100)
    rev_half = Z * math.sqrt(300.0)
    expected = [
        # period,  channel, kpi, value, low, high, num, den, rows, interval
        ("2027-01-04", "email", "ctr", 1.0, 10 / (10 + Z * Z), 1.0, 10, 10, 2, "wilson"),
        ("2027-01-04", "email", "cpa", 0.0, 0.0, 0.0, 0, 5, 2, "poisson-gamma"),
        ("2027-01-04", "email", "conversion_rate", 0.25, *w5_20, 5, 20, 2, "wilson"),
        ("2027-01-04", "email", "roas", nan, nan, nan, 0, 0, 2, "delta"),
        ("2027-01-04", "email", "revenue", 0.0, 0.0, 0.0, 0, nan, 2, "normal"),
        ("2027-01-04", "email", "impressions", 10.0, *g10, 10, nan, 2, "poisson"),
        ("2027-01-04", "search", "ctr", 0.2, *w2_10, 2, 10, 3, "wilson"),
        ("2027-01-04", "search", "cpa", 4.0, 20 / g5[1], 20 / g5[0], 20, 5, 3,
         "poisson-gamma"),
        ("2027-01-04", "search", "conversion_rate", 0.25, *w5_20, 5, 20, 3, "wilson"),
        ("2027-01-04", "search", "roas", 3.0, 3 - roas_half, 3 + roas_half, 60, 20, 3,
         "delta"),
        ("2027-01-04", "search", "revenue", 60.0, 60 - rev_half, 60 + rev_half, 60, nan,
         3, "normal"),
        ("2027-01-04", "search", "impressions", 10.0, *g10, 10, nan, 3, "poisson"),
        # single row: x = 0 of n = 5 -> [0, z^2/(5+z^2)]; cpa with 0 orders -> value NaN,
        # low = cost / k_hi(0), high = inf; 0 sessions -> NaN; n = 1 -> no delta/normal
        ("2027-01-11", "search", "ctr", 0.0, 0.0, Z * Z / (5 + Z * Z), 0, 5, 1, "wilson"),
        ("2027-01-11", "search", "cpa", nan, 3 / g0_hi, inf, 3, 0, 1, "poisson-gamma"),
        ("2027-01-11", "search", "conversion_rate", nan, nan, nan, 0, 0, 1, "wilson"),
        ("2027-01-11", "search", "roas", 0.0, nan, nan, 0, 3, 1, "delta"),
        ("2027-01-11", "search", "revenue", 0.0, nan, nan, 0, nan, 1, "normal"),
        ("2027-01-11", "search", "impressions", 5.0, *g5, 5, nan, 1, "poisson"),
    ]
    exp = pd.DataFrame(expected, columns=out.columns)
    assert out["period"].tolist() == pd.to_datetime(exp["period"]).tolist()
    assert out["channel"].tolist() == exp["channel"].tolist()
    assert out["kpi"].tolist() == exp["kpi"].tolist()
    assert out["interval"].tolist() == exp["interval"].tolist()
    assert out["rows"].tolist() == exp["rows"].tolist()
    for col in ["value", "low", "high", "numerator", "denominator"]:
        np.testing.assert_allclose(
            out[col].to_numpy(float), exp[col].to_numpy(float), rtol=1e-12, atol=1e-15,
            err_msg=col,
        )


def test_kpi_table_offset_timezone_and_grouping():
    data = _kpi_data()
    # +2 h moves r3 (Sunday 23:00) into week 2027-01-11
    shifted = ref.kpi_table(data, ["ctr"], period="week", utc_offset=pd.Timedelta(hours=2))
    assert shifted["rows"].tolist() == [2, 2, 2]
    assert shifted["numerator"].tolist() == [10, 2, 0]
    # the same instants as tz-aware timestamps give the same table
    aware = data.assign(date=data["date"].dt.tz_localize("UTC").dt.tz_convert("Asia/Tokyo"))
    pd.testing.assert_frame_equal(
        ref.kpi_table(aware, KPIS), ref.kpi_table(data, KPIS), check_exact=True
    )
    # no by columns, monthly: one group of all six rows
    month = ref.kpi_table(data, ["ctr", "revenue"], by=(), period="month")
    assert list(month.columns[:2]) == ["period", "kpi"]
    assert month["rows"].tolist() == [6, 6]
    assert month["numerator"].tolist() == [12, 60]
    # categorical by column: only observed combinations appear
    cat = data.assign(channel=pd.Categorical(data["channel"], ["email", "search", "tv"]))
    out = ref.kpi_table(cat, ["ctr"])
    assert len(out) == 3 and "tv" not in set(out["channel"].astype(str))


def test_kpi_table_random_sanity():
    data = ref.make_daily(3000, seed=7)
    out = ref.kpi_table(data, list(ref.CATALOGUE), by=("channel",), period="month")
    groups = data.groupby([ref.period_start(data["date"], "month"), "channel"],
                          observed=True).size()
    assert len(out) == len(groups) * len(ref.CATALOGUE)
    assert out.groupby("kpi", sort=False)["rows"].sum().eq(len(data)).all()
    finite = out.dropna(subset=["value", "low", "high"])
    assert (finite["low"] <= finite["value"] + 1e-12).all()
    assert (finite["value"] <= finite["high"] + 1e-12).all()
    wilson = out[out["interval"] == "wilson"].dropna(subset=["value"])
    assert ((wilson["low"] >= 0) & (wilson["high"] <= 1 + 1e-12)).all()


# ----------------------------------------------------------------------------- funnels

D = "2027-01-04 "
E = "2027-01-05 "


def _funnel_events():
    """Hand-built log, steps visit/signup/cart/purchase, window 1 h (reasoning in
    test_funnel_levels_hand_example)."""
    rows = [
        # user, time, event, channel
        (20, D + "09:00", "cart", "search"),
        (10, D + "11:10", "purchase", "search"),
        (30, D + "08:00", "signup", "organic"),
        (10, D + "10:00", "visit", "organic"),
        (20, D + "09:00", "signup", "email"),
        (10, D + "09:50", "page_view", "organic"),
        (40, D + "07:00", "page_view", "organic"),
        (10, D + "10:20", "signup", "organic"),
        (50, D + "23:45", "cart", "email"),
        (10, D + "10:25", "page_view", "organic"),
        (20, D + "09:00", "visit", "email"),
        (10, D + "10:30", "visit", "organic"),
        (60, D + "13:00", "visit", "search"),
        (10, D + "10:50", "cart", "organic"),
        (50, D + "23:30", "visit", "email"),
        (70, E + "15:00", "visit", "search"),
        (10, D + "10:55", "signup", "organic"),
        (60, D + "14:00:01", "signup", "search"),
        (10, D + "11:00", "cart", "organic"),
        (20, D + "10:00", "purchase", "email"),
        (30, D + "08:10", "cart", "organic"),
        (50, D + "23:35", "cart", "email"),
        (70, E + "15:10", "signup", "search"),
        (60, D + "14:00:02", "cart", "search"),
        (50, D + "23:40", "signup", "email"),
        (70, E + "15:20", "visit", "organic"),
        (60, D + "16:00", "page_view", "email"),
        (70, E + "15:25", "purchase", "organic"),
        (70, E + "15:30", "cart", "email"),
    ]
    df = pd.DataFrame(rows, columns=["user_id", "timestamp", "event", "channel"])
    df["timestamp"] = pd.to_datetime(df["timestamp"], format="ISO8601").astype(
        "datetime64[ns]"
    )
    df["event"] = df["event"].astype("category")
    df["channel"] = pd.Categorical(df["channel"], ["email", "organic", "search", "tv"])
    return df


FIRST_SEEN = [20, 10, 30, 40, 50, 60, 70]


def test_funnel_levels_hand_example():
    ev = _funnel_events()
    # 10: v10:00 s10:20 v10:30 c10:50 s10:55 c11:00 p11:10. The 10:00 chain reaches
    #     cart at 10:50, but purchase would be 70 min after 10:00; the restart at
    #     10:30 rebuilds signup (10:55), cart (11:00), purchase (11:10, 40 min) -> 4.
    # 20: cart, signup, visit all at 09:00 (input order reversed) sort as visit,
    #     signup, cart; purchase at 10:00 is exactly 1 h after: inclusive -> 4.
    # 30: no visit -> 0.   40: only page_view -> 0.
    # 50: v23:30, c23:35 (no signup yet: ignored), s23:40, c23:45 -> 3.
    # 60: v13:00, s14:00:01 is 1 h 1 s later -> 1.
    # 70: v15:00 s15:10 v15:20, purchase 15:25 before any cart (ignored), c15:30 is
    #     30 min after 15:00 -> 3.
    window = pd.Timedelta(hours=1)
    lv = ref.funnel_levels(ev, STEPS, window=window)
    expected = pd.Series([4, 4, 0, 0, 3, 1, 3], index=FIRST_SEEN, name="level")
    assert lv.index.tolist() == FIRST_SEEN and lv.name == "level"
    assert lv.index.name == "user_id" and lv.dtype == np.int64
    assert lv.tolist() == expected.tolist()
    greedy = ref.funnel_levels_greedy(ev, STEPS, window=window)
    assert greedy.tolist() == expected.tolist() and greedy.index.tolist() == FIRST_SEEN
    # strict: 50 breaks at the 23:35 cart (signup not reached yet) -> 1;
    # 70 breaks at the 15:25 purchase -> 2; 30 never started, so no break -> 0;
    # 60's cart after the out-of-window signup breaks, but level 1 is kept.
    strict = ref.funnel_levels(ev, STEPS, window=window, mode="strict")
    assert strict.tolist() == [4, 4, 0, 0, 1, 1, 2]
    # windows: 59 min loses 20's purchase; 30 min also loses 10's purchase (40 min)
    assert ref.funnel_levels(ev, STEPS, window=59 * MIN).tolist() == [3, 4, 0, 0, 3, 1, 3]
    assert ref.funnel_levels(ev, STEPS, window=30 * MIN).tolist() == [3, 3, 0, 0, 3, 1, 3]


def test_funnel_chains_hand_example():
    ch = ref.funnel_chains(_funnel_events(), STEPS, window=pd.Timedelta(hours=1))
    assert ch.columns.tolist() == ["level", *STEPS]
    assert ch.loc[10, STEPS].tolist() == [
        ts(D + "10:30"), ts(D + "10:55"), ts(D + "11:00"), ts(D + "11:10"),
    ]
    assert ch.loc[20, STEPS].tolist() == [ts(D + "09:00")] * 3 + [ts(D + "10:00")]
    assert ch.loc[70, STEPS[:3]].tolist() == [ts(E + "15:00"), ts(E + "15:10"),
                                              ts(E + "15:30")]
    assert pd.isna(ch.loc[70, "purchase"]) and ch.loc[30, STEPS].isna().all()


def test_funnel_levels_inputs_numeric_time_and_string_ids():
    ev = _funnel_events()
    secs = ev.assign(
        timestamp=(ev["timestamp"] - pd.Timestamp("1970-01-01")).dt.total_seconds(),
        user_id="u" + ev["user_id"].astype(str),
        event=ev["event"].astype(str),
    )
    for window in (pd.Timedelta(hours=1), 3600, 3600.0):
        lv = ref.funnel_levels(secs, STEPS, window=window)
        assert lv.index.tolist() == [f"u{u}" for u in FIRST_SEEN]
        assert lv.tolist() == [4, 4, 0, 0, 3, 1, 3]
    # tz-aware input: same instants, same levels
    eastern = ev["timestamp"].dt.tz_localize("UTC").dt.tz_convert("US/Eastern")
    aware = ev.assign(timestamp=eastern)
    assert ref.funnel_levels(aware, STEPS, window="1h").tolist() == [4, 4, 0, 0, 3, 1, 3]


def _td(minutes):
    return pd.NaT if minutes is None else pd.Timedelta(minutes=minutes)


def _check_funnel(out, keys, expected):
    """expected: list of (key values..., users list, from_prev list, drop list, medians)"""
    assert out.columns.tolist() == [
        *keys, "step", "step_index", "users", "conversion_from_previous",
        "conversion_overall", "drop_off", "median_time_from_previous",
    ]
    assert len(out) == 4 * len(expected)
    for g, (key, users, from_prev, drop, medians) in enumerate(expected):
        part = out.iloc[4 * g: 4 * g + 4]
        for name, value in zip(keys, key):
            assert part[name].astype(object).tolist() == [value] * 4, name
        assert part["step"].tolist() == STEPS
        assert part["step_index"].tolist() == [1, 2, 3, 4]
        assert part["users"].tolist() == users
        np.testing.assert_allclose(part["conversion_from_previous"], from_prev, rtol=1e-12)
        np.testing.assert_allclose(
            part["conversion_overall"], [u / users[0] for u in users], rtol=1e-12
        )
        assert part["drop_off"].tolist() == drop
        got = part["median_time_from_previous"].tolist()
        want = [pd.NaT] + [_td(m) for m in medians]
        assert [str(x) for x in got] == [str(x) for x in want], (key, got)


def test_funnel_overall_hand_example():
    # levels: 10:4, 20:4, 50:3, 60:1, 70:3 (30 and 40 are 0)
    # chains: 10 [10:30, 10:55, 11:00, 11:10] gaps 25, 5, 10 min
    #         20 [9:00, 9:00, 9:00, 10:00] gaps 0, 0, 60; 50 [23:30, 23:40, 23:45]
    #         gaps 10, 5; 70 [15:00, 15:10, 15:30] gaps 10, 20
    # step 2 median of (25, 0, 10, 10) = 10; step 3 of (5, 0, 5, 20) = 5;
    # step 4 of (10, 60) = 35
    out = ref.funnel(_funnel_events(), STEPS, window=pd.Timedelta(hours=1))
    _check_funnel(out, [], [((), [5, 4, 4, 2], [1, 0.8, 1, 0.5], [0, 1, 0, 2],
                             [10, 5, 35])])
    assert out["median_time_from_previous"].dtype == "timedelta64[ns]"


def test_funnel_by_channel_touch_first_and_last():
    ev = _funnel_events()
    # first touch (any event): 10 -> organic (page_view 09:50); 20 -> search (the
    # 09:00 tie goes to the earliest input row, the cart); 50 -> email;
    # 60 -> search; 70 -> search.
    first = ref.funnel(ev, STEPS, window=pd.Timedelta(hours=1), by="channel")
    _check_funnel(first, ["channel"], [
        (("email",), [1, 1, 1, 0], [1, 1, 1, 0], [0, 0, 0, 1], [10, 5, None]),
        (("organic",), [1, 1, 1, 1], [1, 1, 1, 1], [0, 0, 0, 0], [25, 5, 10]),
        # 20 (4), 60 (1), 70 (3): step 2 gaps (0, 10) -> 5; step 3 (0, 20) -> 10
        (("search",), [3, 2, 2, 1], [1, 2 / 3, 1, 0.5], [0, 1, 0, 1], [5, 10, 60]),
    ])
    # last touch: 10 -> search (purchase 11:10); 20 -> email; 50 -> email;
    # 60 -> email (page_view 16:00); 70 -> email (cart 15:30). organic keeps only
    # 30 and 40, both level 0, so that group is left out.
    last = ref.funnel(ev, STEPS, window=pd.Timedelta(hours=1), by="channel", touch="last")
    _check_funnel(last, ["channel"], [
        # 20 (4), 50 (3), 60 (1), 70 (3): step 2 (0, 10, 10) -> 10; step 3
        # (0, 5, 20) -> 5; step 4 (60) -> 60
        (("email",), [4, 3, 3, 1], [1, 0.75, 1, 1 / 3], [0, 1, 0, 2], [10, 5, 60]),
        (("search",), [1, 1, 1, 1], [1, 1, 1, 1], [0, 0, 0, 0], [25, 5, 10]),
    ])
    assert isinstance(last["channel"].dtype, pd.CategoricalDtype)


def test_funnel_by_period_with_offset():
    ev = _funnel_events()
    # period of the first visit: 10, 20, 50 (23:30), 60 on 2027-01-04; 70 on 01-05
    day = ref.funnel(ev, STEPS, window=pd.Timedelta(hours=1), period="day")
    _check_funnel(day, ["period"], [
        # 10 (4), 20 (4), 50 (3), 60 (1): step 2 (25, 0, 10) -> 10;
        # step 3 (5, 0, 5) -> 5; step 4 (10, 60) -> 35
        ((ts("2027-01-04"),), [4, 3, 3, 2], [1, 0.75, 1, 2 / 3], [0, 1, 0, 1],
         [10, 5, 35]),
        ((ts("2027-01-05"),), [1, 1, 1, 0], [1, 1, 1, 0], [0, 0, 0, 1], [10, 20, None]),
    ])
    # +1 h moves 50's 23:30 visit to 2027-01-05
    shifted = ref.funnel(
        ev, STEPS, window=pd.Timedelta(hours=1), period="day", by="channel",
        utc_offset=pd.Timedelta(hours=1),
    )
    _check_funnel(shifted, ["period", "channel"], [
        # 01-04: organic 10 (4); search 20 (4), 60 (1)
        ((ts("2027-01-04"), "organic"), [1, 1, 1, 1], [1, 1, 1, 1], [0, 0, 0, 0],
         [25, 5, 10]),
        ((ts("2027-01-04"), "search"), [2, 1, 1, 1], [1, 0.5, 1, 1], [0, 1, 0, 0],
         [0, 0, 60]),
        # 01-05: email 50 (3); search 70 (3)
        ((ts("2027-01-05"), "email"), [1, 1, 1, 0], [1, 1, 1, 0], [0, 0, 0, 1],
         [10, 5, None]),
        ((ts("2027-01-05"), "search"), [1, 1, 1, 0], [1, 1, 1, 0], [0, 0, 0, 1],
         [10, 20, None]),
    ])


def test_funnel_numeric_time_gives_float_seconds():
    ev = _funnel_events()
    secs = ev.assign(
        timestamp=(ev["timestamp"] - pd.Timestamp("1970-01-01")).dt.total_seconds()
    )
    out = ref.funnel(secs, STEPS, window=3600)
    med = out["median_time_from_previous"]
    assert med.dtype == np.float64 and np.isnan(med.iloc[0])
    assert med.iloc[1:].tolist() == [600.0, 300.0, 2100.0]


@pytest.mark.parametrize("seed", range(6))
def test_two_funnel_references_agree_on_random_logs(seed):
    rng = np.random.default_rng(seed)
    ev = ref.make_events(
        n_events=4000, n_users=500, seed=seed, tie_rate=0.35, string_ids=seed % 2 == 1,
        mean_gap_hours=float(rng.choice([0.5, 2.0, 6.0])),
    )
    steps = list(ref.DEFAULT_STEPS)
    assert ev.duplicated(["user_id", "timestamp"]).sum() > 100  # plenty of ties
    for window in (pd.Timedelta(minutes=30), pd.Timedelta(hours=6), pd.Timedelta("1D"),
                   pd.Timedelta(0)):
        a = ref.funnel_levels(ev, steps, window=window)
        b = ref.funnel_levels_greedy(ev, steps, window=window)
        pd.testing.assert_series_equal(a, b)
        assert a.index.tolist() == pd.unique(ev["user_id"]).tolist()
    # row order does not matter (beyond the order of the index)
    shuffled = ev.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    a = ref.funnel_levels(shuffled, steps, window="6h")
    b = ref.funnel_levels(ev, steps, window="6h")
    pd.testing.assert_series_equal(a.sort_index(), b.sort_index())
    # numeric epoch seconds: same levels
    secs = ev.assign(timestamp=ev["timestamp"].astype("int64") / 1e9)
    pd.testing.assert_series_equal(
        ref.funnel_levels(secs, steps, window=6 * 3600),
        ref.funnel_levels_greedy(secs, steps, window=6 * 3600),
    )
    pd.testing.assert_series_equal(ref.funnel_levels(secs, steps, window=6 * 3600), b)


def test_funnel_references_agree_with_many_step_events_at_one_instant():
    # every step, several times, at a handful of instants: the (timestamp, step)
    # order decides everything
    rng = np.random.default_rng(11)
    n = 3000
    ev = pd.DataFrame({
        "user_id": rng.integers(0, 150, n),
        "timestamp": pd.Timestamp("2027-01-01") + pd.to_timedelta(
            rng.integers(0, 6, n) * 600, unit="s"),
        "event": rng.choice(STEPS + ["other"], n),
    })
    for minutes in (0, 10, 25, 60):
        w = pd.Timedelta(minutes=minutes)
        pd.testing.assert_series_equal(
            ref.funnel_levels(ev, STEPS, window=w),
            ref.funnel_levels_greedy(ev, STEPS, window=w),
        )


# ----------------------------------------------------------------------------- cohorts


def _cohort_events():
    rows = [
        ("A", "2027-01-05", 10.0), ("B", "2027-01-20", 20.0), ("C", "2027-02-02", 3.0),
        ("A", "2027-02-10", np.nan), ("C", "2027-02-28 23:30", np.nan),
        ("A", "2027-03-01", 5.0), ("B", "2027-03-15", np.nan), ("B", "2027-03-20", 7.0),
    ]
    df = pd.DataFrame(rows, columns=["user_id", "timestamp", "value"])
    df["timestamp"] = pd.to_datetime(df["timestamp"], format="ISO8601").astype(
        "datetime64[ns]"
    )
    return df


def test_cohorts_months_hand_example():
    # periods Jan..Mar, so ages 0..2. Jan cohort = A, B: age 0 both, age 1 A (Feb),
    # age 2 A and B (B twice, counted once). Feb cohort = C: age 1 (Mar) observed
    # but inactive -> 0, age 2 (Apr) past the data -> NaN.
    # revenue Jan: 10 + 20, 0 (A's Feb value is missing), 5 + 7; Feb: 3, 0, NaN.
    out = ref.cohorts(_cohort_events(), period="month", value="value")
    nan = np.nan
    assert out.index.tolist() == [ts("2027-01-01"), ts("2027-02-01")]
    assert out.index.name == "cohort"
    assert out.columns.names == ["metric", "age"]
    assert out.columns.get_level_values(0).unique().tolist() == [
        "users", "retention", "revenue", "revenue_per_user",
    ]
    expected = {
        "users": [[2, 1, 2], [1, 0, nan]],
        "retention": [[1, 0.5, 1], [1, 0, nan]],
        "revenue": [[30, 0, 12], [3, 0, nan]],
        "revenue_per_user": [[15, 0, 6], [3, 0, nan]],
    }
    for metric, values in expected.items():
        assert out[metric].columns.tolist() == [0, 1, 2]
        np.testing.assert_allclose(out[metric].to_numpy(float), values, rtol=1e-12,
                                   err_msg=metric)
    plain = ref.cohorts(_cohort_events(), period="month")
    assert plain.columns.get_level_values(0).unique().tolist() == ["users", "retention"]
    # +1 h puts C's 02-28 23:30 event in March: Feb cohort active at age 1
    shifted = ref.cohorts(_cohort_events(), period="month", utc_offset=pd.Timedelta("1h"))
    np.testing.assert_allclose(shifted["users"].to_numpy(float), [[2, 1, 2], [1, 1, nan]])


def test_cohorts_weeks_hand_example():
    # A: Mon 01-04 (week 01-04) and Sun 01-17 (week 01-11, age 1); B: Wed 01-13
    # (cohort 01-11). Last data week 01-11, so ages 0..1 and (01-11, age 1) is NaN.
    df = pd.DataFrame({
        "user_id": [1, 2, 1],
        "timestamp": pd.to_datetime(
            ["2027-01-04 08:00", "2027-01-13 00:00", "2027-01-17 22:00"]
        ),
    })
    out = ref.cohorts(df, period="week")
    assert out.index.tolist() == [ts("2027-01-04"), ts("2027-01-11")]
    np.testing.assert_allclose(out["users"].to_numpy(float), [[1, 1], [1, np.nan]])
    np.testing.assert_allclose(out["retention"].to_numpy(float), [[1, 1], [1, np.nan]])


# ----------------------------------------------------------------------------- generators


def test_make_daily_is_consistent():
    df = ref.make_daily(20_000, seed=3)
    assert str(df["date"].dtype) == "datetime64[ns]"
    assert isinstance(df["channel"].dtype, pd.CategoricalDtype)
    assert (df["date"] == df["date"].dt.normalize()).all()
    assert (df["impressions"] >= df["clicks"]).all()
    assert (df["clicks"] >= df["sessions"]).all()
    assert (df["sessions"] >= df["orders"]).all()
    for m in ("leads", "bounces", "visitors"):
        assert (df["sessions"] >= df[m]).all()
    assert (df["orders"] >= df["customers"]).all()
    assert (df["customers"] >= df["repeat_customers"]).all()
    assert (df["customers"] >= df["churned_customers"]).all()
    assert (df["impressions"] == 0).any() and (df["sessions"] == 0).any()
    assert (df[["cost", "revenue", "session_seconds"]] >= 0).all().all()
    again = ref.make_daily(20_000, seed=3)
    pd.testing.assert_frame_equal(df, again)


def test_make_events_shapes():
    ev = ref.make_events(20_000, 2_000, seed=5)
    assert ev.columns.tolist() == ["user_id", "timestamp", "event", "channel", "value"]
    assert str(ev["timestamp"].dtype) == "datetime64[ns]"
    assert ev["user_id"].nunique() == 2_000
    counts = ev.groupby("user_id").size()
    assert (counts == 1).sum() > 50  # single-event users
    assert ev.duplicated(["user_id", "timestamp"]).any()  # ties
    assert set(ev["event"].cat.categories) >= set(ref.DEFAULT_STEPS)
    assert (~ev["event"].isin(ref.DEFAULT_STEPS)).any()  # noise events
    unused = set(ev["channel"].cat.categories) - set(ev["channel"].astype(str))
    assert unused  # some categories never occur
    purchase = ev["event"] == ref.DEFAULT_STEPS[-1]
    assert ev.loc[purchase, "value"].notna().all()
    assert ev.loc[~purchase, "value"].isna().all()
    # out-of-order steps: some user does a later step before their first visit
    steps = ev[ev["event"].isin(ref.DEFAULT_STEPS)].sort_values("timestamp")
    first = steps.groupby("user_id", sort=False)["event"].first()
    assert (first.astype(str) != ref.DEFAULT_STEPS[0]).any()
    ids = ref.make_events(500, 100, seed=1, string_ids=True)["user_id"]
    assert ids.map(type).eq(str).all()
