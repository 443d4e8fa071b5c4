"""sostac.metrics against the independent pandas reference (tests/python/
metrics_reference.py) on generated data with ties, single-event users, steps out of
order, unused categories and missing channels; input formats; merge == one pass; and
every bad-input rule."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

import metrics_reference as ref
from sostac import metrics

STEPS = list(ref.DEFAULT_STEPS)
KPIS = ["ctr", "cpc", "cpm", "cpa", "conversion_rate", "roas", "roi", "aov",
        "revenue_per_visit", "revenue", "impressions", "bounce_rate", "time_on_site"]


@pytest.fixture(scope="module")
def daily():
    return ref.make_daily(3000, seed=7)


@pytest.fixture(scope="module")
def events():
    return ref.make_events(6000, 700, seed=11)


def assert_frames_match(ours: pd.DataFrame, theirs: pd.DataFrame, rtol=1e-9):
    assert list(ours.columns) == list(theirs.columns)
    assert len(ours) == len(theirs)
    for c in ours.columns:
        a, b = ours[c].reset_index(drop=True), theirs[c].reset_index(drop=True)
        if pd.api.types.is_float_dtype(a) or pd.api.types.is_float_dtype(b):
            np.testing.assert_allclose(a.to_numpy(float), b.to_numpy(float), rtol=rtol, atol=0,
                                       equal_nan=True, err_msg=c)
        elif pd.api.types.is_timedelta64_dtype(a):
            diff = (a - b).abs().dropna()
            assert (diff <= pd.Timedelta(1, "ns")).all(), c
            assert a.isna().equals(b.isna()), c
        else:
            assert a.astype(str).tolist() == b.astype(str).tolist(), c


@pytest.mark.parametrize("period", ["day", "week", "month", "quarter"])
@pytest.mark.parametrize("by", [("channel",), ("channel", "campaign"), ()])
def test_kpi_table_equals_the_pandas_reference(daily, period, by):
    ours = metrics.kpi_table(daily, KPIS, by=by, period=period, time="date")
    theirs = ref.kpi_table(daily, KPIS, by=by, period=period, time="date")
    assert_frames_match(ours, theirs)


def test_kpi_table_levels_and_offsets(daily):
    ours = metrics.kpi_table(daily, ["ctr", "cpa", "roas"], level=0.8, utc_offset="5h")
    theirs = ref.kpi_table(daily, ["ctr", "cpa", "roas"], level=0.8, utc_offset=pd.Timedelta("5h"))
    assert_frames_match(ours, theirs)


@pytest.mark.parametrize("mode", ["window", "strict"])
@pytest.mark.parametrize("window", ["30min", "6h", "2D"])
def test_funnel_levels_equal_the_reference(events, mode, window):
    ours = metrics.funnel_levels(events, STEPS, window=window, mode=mode)
    theirs = ref.funnel_levels(events, STEPS, window=window, mode=mode)
    assert ours.index.tolist() == theirs.index.tolist()
    assert ours.tolist() == theirs.tolist()
    if mode == "window":
        greedy = ref.funnel_levels_greedy(events, STEPS, window=window)
        assert ours.tolist() == greedy.reindex(ours.index).tolist()


@pytest.mark.parametrize("kw", [
    {}, {"by": "channel"}, {"by": "channel", "touch": "last"}, {"period": "week"},
    {"by": "channel", "period": "month", "mode": "strict"},
])
def test_funnel_table_equals_the_reference(events, kw):
    ours = metrics.funnel(events, STEPS, window="1D", **kw)
    theirs = ref.funnel(events, STEPS, window="1D", **kw)
    assert_frames_match(ours, theirs)


@pytest.mark.parametrize("period", ["week", "month"])
def test_cohorts_equal_the_reference(events, period):
    ours = metrics.cohorts(events, period=period, value="value")
    theirs = ref.cohorts(events, period=period, value="value")
    assert ours.index.equals(theirs.index)
    assert list(ours.columns) == list(theirs.columns)
    np.testing.assert_allclose(ours.to_numpy(float), theirs.to_numpy(float), rtol=1e-12,
                               equal_nan=True)


def test_row_order_and_id_types_do_not_matter(events):
    shuffled = events.sample(frac=1.0, random_state=3)
    assert_frames_match(metrics.funnel(shuffled, STEPS, window="1D", period="week"),
                        metrics.funnel(events, STEPS, window="1D", period="week"))
    # with `by`, a user's first-touch tie (two events at one time) goes to the earlier
    # row, so shuffling may move users between channels -- as in the reference
    assert_frames_match(metrics.funnel(shuffled, STEPS, window="1D", by="channel"),
                        ref.funnel(shuffled, STEPS, window="1D", by="channel"))
    expected = metrics.funnel(events, STEPS, window="1D", by="channel")
    as_strings = events.assign(user_id=events.user_id.astype(str),
                               channel=events.channel.astype(str), event=events.event.astype(str))
    def by_name(df):  # categories sort in category order, strings alphabetically
        return df.assign(channel=df.channel.astype(str)).sort_values(
            ["channel", "step_index"]).reset_index(drop=True)

    assert_frames_match(by_name(metrics.funnel(as_strings, STEPS, window="1D", by="channel")),
                        by_name(expected))
    epoch = events.assign(timestamp=events.timestamp.astype("int64") / 1e9)
    with pytest.raises(ValueError, match=r"^timestamp: numbers such as .* are not YYYYMMDD "
                                         r"dates; .* time_unit='s'"):
        metrics.funnel(epoch, STEPS, window=86400, by="channel")
    got = metrics.funnel(epoch, STEPS, window=86400, by="channel", time_unit="s")
    assert got["users"].tolist() == expected["users"].tolist()


def test_polars_arrow_and_dicts_give_the_pandas_answer(daily, events):
    pl = pytest.importorskip("polars")
    pa = pytest.importorskip("pyarrow")
    expected = metrics.kpi_table(daily, ["ctr", "roas"])
    for other in (pl.from_pandas(daily), pa.Table.from_pandas(daily)):
        assert_frames_match(metrics.kpi_table(other, ["ctr", "roas"]), expected, rtol=0)
    levels = metrics.funnel_levels(events, STEPS, window="1D")
    for other in (pl.from_pandas(events), pa.Table.from_pandas(events),
                  {c: events[c].to_numpy() for c in events.columns}):
        assert metrics.funnel_levels(other, STEPS, window="1D").tolist() == levels.tolist()


def _chunks(n, cuts):
    edges = sorted({0, n, *[c % (n + 1) for c in cuts]})
    return list(zip(edges[:-1], edges[1:]))


@settings(max_examples=25, deadline=None)
@given(cuts=st.lists(st.integers(0, 10**6), max_size=5), split=st.integers(0, 10**6))
def test_chunks_and_merges_equal_one_pass(daily, events, cuts, split):
    # KPIs: add chunk by chunk into two accumulators, merge them
    parts = _chunks(len(daily), cuts)
    k = split % (len(parts) + 1)
    a = metrics.KpiAccumulator(KPIS, by=("channel", "campaign"))
    b = metrics.KpiAccumulator(KPIS, by=("channel", "campaign"))
    for i, (lo, hi) in enumerate(parts):
        (a if i < k else b).add(daily.iloc[lo:hi])
    assert_frames_match(a.merge(b).finish(),
                        metrics.kpi_table(daily, KPIS, by=("channel", "campaign")), rtol=1e-12)
    # funnels and cohorts the same way
    parts = _chunks(len(events), cuts)
    k = split % (len(parts) + 1)
    fa = metrics.FunnelAccumulator(STEPS, window="1D", by="channel", period="week")
    fb = metrics.FunnelAccumulator(STEPS, window="1D", by="channel", period="week")
    ca = metrics.CohortAccumulator(value="value")
    cb = metrics.CohortAccumulator(value="value")
    for i, (lo, hi) in enumerate(parts):
        (fa if i < k else fb).add(events.iloc[lo:hi])
        (ca if i < k else cb).add(events.iloc[lo:hi])
    assert_frames_match(fa.merge(fb).table(),
                        metrics.funnel(events, STEPS, window="1D", by="channel", period="week"),
                        rtol=0)
    np.testing.assert_allclose(ca.merge(cb).finish().to_numpy(float),
                               metrics.cohorts(events, value="value").to_numpy(float),
                               rtol=1e-12, equal_nan=True)


def test_edge_cases_single_event_users_ties_and_empty_groups():
    ev = pd.DataFrame({
        "user_id": [1, 2, 2, 3, 3, 3],
        "event": pd.Categorical(["view", "cart", "view", "view", "cart", "buy"],
                                categories=["view", "cart", "buy", "refund"]),
        "timestamp": pd.to_datetime(["2027-01-01 10:00"] * 3 + ["2027-01-02 09:00"] * 3),
        "channel": pd.Categorical(["a", "b", "b", "c", "c", "c"], categories=["a", "b", "c", "unused"]),
    })
    # ties at one time count in step order: user 2 (cart, view at once) reaches cart
    assert metrics.funnel_levels(ev, ["view", "cart", "buy"], window=0).to_dict() == {1: 1, 2: 2, 3: 3}
    table = metrics.funnel(ev, ["view", "cart", "buy"], window=0, by="channel")
    assert sorted(set(table["channel"])) == ["a", "b", "c"]  # the unused category has no rows
    assert_frames_match(table, ref.funnel(ev, ["view", "cart", "buy"], window=0, by="channel"))


def test_bad_input_is_named():
    ev = pd.DataFrame({"user_id": [1, 2], "event": ["view", "buy"],
                       "timestamp": pd.to_datetime(["2027-01-01", "2027-01-02"])})
    with pytest.raises(ValueError, match=r"^steps\[1\]: 'bye' does not occur in column 'event'; did you mean 'buy'"):
        metrics.funnel(ev, ["view", "bye"], window="1D")
    with pytest.raises(ValueError, match=r"^steps\[1\]: 'view' is listed twice"):
        metrics.funnel_levels(ev, ["view", "view"], window="1D")
    with pytest.raises(ValueError, match=r"^steps: expected a list of event names"):
        metrics.funnel_levels(ev, "view", window="1D")
    with pytest.raises(ValueError, match=r"^user: data has no column 'user'; did you mean 'user_id'"):
        metrics.funnel_levels(ev, ["view"], window="1D", user="user")
    with pytest.raises(ValueError, match=r"^user_id\[1\]: missing value"):
        metrics.funnel_levels(ev.assign(user_id=[1, None]), ["view"], window="1D")
    with pytest.raises(ValueError, match=r"^timestamp\[0\]: missing time"):
        metrics.funnel_levels(ev.assign(timestamp=[pd.NaT, pd.Timestamp("2027-01-01")]), ["view"], window="1D")
    mixed = ev.assign(timestamp=[pd.Timestamp("2027-01-01", tz="UTC"),
                                 pd.Timestamp("2027-01-01", tz="Asia/Tehran")])
    # mixed zones: each time converted to UTC (the input layer's time rule), as if
    # the column had been given in UTC
    utc = ev.assign(timestamp=pd.to_datetime(["2027-01-01 00:00", "2026-12-31 20:30"]))
    assert metrics.funnel_levels(mixed, ["view"], window="1D").equals(
        metrics.funnel_levels(utc, ["view"], window="1D"))
    with pytest.raises(ValueError, match=r"^window: expected a non-negative duration"):
        metrics.funnel_levels(ev, ["view"], window=-1)
    with pytest.raises(ValueError, match=r"^window: expected a timedelta or seconds"):
        metrics.funnel_levels(ev, ["view"], window="soon")
    with pytest.raises(ValueError, match=r"^mode: expected 'window' or 'strict'"):
        metrics.funnel_levels(ev, ["view"], window="1D", mode="loose")
    with pytest.raises(ValueError, match=r"^touch: expected 'first' or 'last'"):
        metrics.funnel(ev, ["view"], window="1D", by="event", touch="middle")
    with pytest.raises(ValueError, match=r"^timestamp: expected 1 values \(one per row of user_id\), got 2"):
        metrics.funnel_levels({"user_id": np.array([1]), "event": np.array(["view", "buy"]),
                               "timestamp": np.array([0, 1])}, ["view"], window=1,
                              time_unit="s")

    daily = pd.DataFrame({"date": pd.to_datetime(["2027-01-04", "2027-01-05"]),
                          "channel": ["s", "s"], "clicks": [5, 6], "impressions": [100, 90],
                          "cost": [10.0, -2.0], "orders": [1, 1]})
    with pytest.raises(ValueError, match=r"^cost\[1\]: expected a non-negative number, got -2"):
        metrics.kpi_table(daily, ["cpa"])
    with pytest.raises(ValueError, match=r"^data: the KPI 'roas' needs the column 'revenue'"):
        metrics.kpi_table(daily, ["roas"])
    with pytest.raises(ValueError, match=r"^kpis\[0\]: 'ctrr' is not in the KPI catalogue; did you mean 'ctr'"):
        metrics.kpi_table(daily, ["ctrr"])
    with pytest.raises(ValueError, match=r"^period: expected one of day, week, month, quarter"):
        metrics.kpi_table(daily, ["ctr"], period="fortnight")
    with pytest.raises(ValueError, match=r"^ctr: clicks \(120\) exceed impressions \(100\) for channel='s', period 2027-01-04"):
        metrics.kpi_table(daily.iloc[:1].assign(clicks=120), ["ctr"])
    with pytest.raises(ValueError, match=r"^clicks\[1\]: missing value"):
        metrics.kpi_table(daily.assign(clicks=[1.0, np.nan]), ["ctr"])
    with pytest.raises(ValueError, match=r"^level: "):
        metrics.kpi_table(daily, ["ctr"], level=1.5)
    with pytest.raises(ValueError, match=r"^utc_offset: expected at most 18 hours"):
        metrics.kpi_table(daily, ["ctr"], utc_offset="20h")
    with pytest.raises(ValueError, match=r"^channel\[0\]: missing value"):
        metrics.kpi_table(daily.assign(channel=[None, "s"]), ["ctr"])


def test_cohort_bad_input_is_named():
    ev = pd.DataFrame({"user_id": [1, 2], "timestamp": pd.to_datetime(["2027-01-01", "2027-02-01"]),
                       "revenue": [5.0, 7.0]})
    with pytest.raises(ValueError, match=r"^period: expected one of day, week, month, quarter"):
        metrics.cohorts(ev, period="year")
    with pytest.raises(ValueError, match=r"^user: data has no column 'customer'"):
        metrics.cohorts(ev, user="customer")
    with pytest.raises(ValueError, match=r"^value: data has no column 'revenu'; did you mean 'revenue'"):
        metrics.cohorts(ev, value="revenu")
    with pytest.raises(ValueError, match=r"^user_id\[0\]: missing value"):
        metrics.cohorts(ev.assign(user_id=[None, 2]))
    with pytest.raises(ValueError, match=r"^revenue\[1\]: expected a finite number, got inf"):
        metrics.cohorts(ev.assign(revenue=[1.0, np.inf]), value="revenue")
    with pytest.raises(ValueError, match=r"^events: no events were added"):
        metrics.CohortAccumulator().finish()
    with pytest.raises(ValueError, match=r"^other: expected a CohortAccumulator with the same period"):
        metrics.CohortAccumulator().merge(metrics.CohortAccumulator(period="week"))
    with pytest.raises(ValueError, match=r"^other: expected a FunnelAccumulator of the same funnel"):
        metrics.FunnelAccumulator(["a"], window=1).merge(metrics.FunnelAccumulator(["b"], window=1))
    with pytest.raises(ValueError, match=r"^other: expected a KpiAccumulator with the same KPIs"):
        metrics.KpiAccumulator("ctr").merge(metrics.KpiAccumulator("cpa"))


def test_kpi_table_over_many_sub_blocks_and_column_types():
    # 20,000 rows: several of the kernel's 4,096-row sub-blocks; measures in the
    # narrow and floating types a user may pass (no conversion on their side)
    big = ref.make_daily(20_000, seed=3)
    typed = big.astype({"impressions": "int32", "clicks": "uint16", "orders": "int16",
                        "sessions": "uint32", "cost": "float32"})
    typed["cost"] = typed["cost"].astype("float32")
    want_src = typed.astype({"cost": "float64"})  # the reference sees the same values
    kpis = ["ctr", "cpc", "cpa", "roas", "conversion_rate", "revenue"]
    assert_frames_match(metrics.kpi_table(typed, kpis, period="month"),
                        ref.kpi_table(want_src, kpis, period="month"))


def test_kpi_table_large_integer_counts_are_summed_exactly():
    # counts from 2^42 up are summed as doubles, smaller ones as exact integers; a
    # sub-block may hold both kinds
    n = 9000
    rng = np.random.default_rng(5)
    impressions = rng.integers(1, 1000, n).astype(np.int64)
    impressions[[10, 5000]] = [2**50, 2**43 + 7]
    clicks = np.minimum(impressions, rng.integers(0, 50, n))
    df = pd.DataFrame({"date": pd.Timestamp("2027-03-01") + pd.to_timedelta(rng.integers(0, 60, n), "D"),
                       "channel": rng.choice(["a", "b"], n), "impressions": impressions,
                       "clicks": clicks})
    ours = metrics.kpi_table(df, ["ctr", "impressions"], period="quarter")
    theirs = ref.kpi_table(df, ["ctr", "impressions"], period="quarter")
    assert_frames_match(ours, theirs)
    sums = df.groupby("channel")["impressions"].sum()
    got = ours[ours["kpi"] == "impressions"].groupby("channel")["numerator"].sum()
    assert got.to_dict() == {k: float(v) for k, v in sums.items()}


def test_kpi_table_names_missing_times_and_values_in_any_sub_block():
    df = ref.make_daily(10_000, seed=9)
    with pytest.raises(ValueError, match=r"^date\[9001\]: missing time"):
        metrics.kpi_table(df.assign(date=df["date"].where(df.index != 9001)), ["ctr"])
    cost = df["cost"].to_numpy().copy()
    cost[[8500, 9500]] = [np.nan, -1.0]
    with pytest.raises(ValueError, match=r"^cost\[8500\]: missing value"):
        metrics.kpi_table(df.assign(cost=cost), ["cpa"])
    clicks = df["clicks"].to_numpy().copy()
    clicks[7777] = -3
    with pytest.raises(ValueError, match=r"^clicks\[7777\]: expected a non-negative number, got -3"):
        metrics.kpi_table(df.assign(clicks=clicks), ["ctr"])
    # a later chunk in another time unit: its NaT is still reported as missing
    acc = metrics.KpiAccumulator("ctr").add(df.iloc[:10])
    late = df.iloc[10:20].assign(date=df["date"].iloc[10:20].astype("datetime64[s]"))
    late.loc[late.index[3], "date"] = pd.NaT
    with pytest.raises(ValueError, match=r"^date\[3\]: missing time"):
        acc.add(late)


def test_kpi_table_with_many_groups_uses_the_hash_path_and_agrees():
    # 2,000 campaigns x 53 weeks exceed the kernel's grid of (group, period) cells
    rng = np.random.default_rng(8)
    n = 30_000
    df = ref.make_daily(n, seed=4)
    df["campaign"] = rng.integers(0, 2000, n).astype(str)
    kpis = ["ctr", "roas", "revenue"]
    assert_frames_match(metrics.kpi_table(df, kpis, by="campaign", period="week"),
                        ref.kpi_table(df, kpis, by="campaign", period="week"))


def test_funnel_levels_dense_and_sparse_ids_and_long_spans_agree(events):
    want = ref.funnel_levels(events, STEPS, window="6h")
    # dense integer ids are used as codes directly (no factorizing); sparse ones and
    # strings are factorized: the same levels, in the same order of first appearance
    for ids in (events.user_id, events.user_id * 1_000_000_007, events.user_id.astype("int32"),
                events.user_id.astype(str)):
        got = metrics.funnel_levels(events.assign(user_id=ids), STEPS, window="6h")
        assert got.tolist() == want.tolist()
        assert got.index.name == "user_id"
        assert [str(x) for x in got.index] == [str(x) for x in ids.drop_duplicates()]
    # times spanning more than 2^58 ns (nine years) use 16-byte records: same answer
    far = events.copy()
    far.loc[far.index[:5], "timestamp"] = pd.Timestamp("1990-01-01")
    assert metrics.funnel_levels(far, STEPS, window="6h").tolist() == \
        ref.funnel_levels(far, STEPS, window="6h").tolist()
    # unused categories that are no step, and steps present only as categories
    cat = events.assign(event=events.event.astype("category").cat.add_categories(["unused"]))
    assert metrics.funnel_levels(cat, STEPS, window="6h").tolist() == want.tolist()
    with pytest.raises(ValueError, match=r"^steps\[1\]: 'unused' does not occur in column 'event'"):
        metrics.funnel_levels(cat, [STEPS[0], "unused"], window="6h")


def test_kpi_table_value_checks_at_the_edges_of_the_bit_test():
    # the kernel screens a double column by its bits (sign, exponent all ones) and
    # looks closer only when a value fails: -0 passes as 0, tiny negatives, infinities
    # and NaN are named by row, float32 columns too
    df = ref.make_daily(10_000, seed=3)
    cost = df["cost"].to_numpy().copy()
    cost[[5000, 6000]] = -0.0
    got = metrics.kpi_table(df.assign(cost=cost), ["cpa", "roas"])
    want = metrics.kpi_table(df.assign(cost=np.abs(cost)), ["cpa", "roas"])
    pd.testing.assert_frame_equal(got, want)
    huge = cost.copy()
    huge[4321] = 1e300
    assert np.isfinite(metrics.kpi_table(df.assign(cost=huge), ["cpa"])["value"]).any()
    for bad, message in [(-5e-324, r"expected a non-negative number, got -4.94"),
                         (-np.inf, r"expected a non-negative number, got -inf"),
                         (np.inf, r"expected a non-negative number, got inf"),
                         (np.nan, r"missing value")]:
        c = cost.copy()
        c[[7000, 9000]] = [bad, -1.0]
        with pytest.raises(ValueError, match=r"^cost\[7000\]: " + message):
            metrics.kpi_table(df.assign(cost=c), ["cpa"])
    for bad, message in [(-1.5, r"expected a non-negative number, got -1.5"),
                         (np.inf, r"expected a non-negative number, got inf"),
                         (np.nan, r"missing value")]:
        c = cost.astype(np.float32)
        c[[7000, 9000]] = [bad, -1.0]
        with pytest.raises(ValueError, match=r"^cost\[7000\]: " + message):
            metrics.kpi_table(df.assign(cost=c), ["cpa"])


def test_funnel_split_into_pieces_equals_the_reference_at_any_thread_count():
    # 300,000 events are cut into up to 5 pieces of rows (at least 2^16 each) whose
    # per-user tallies, first and last touches and records are merged: the answer must
    # not depend on the cut. Ties in time across pieces: a copy of some rows, with
    # another channel, placed far away in the log.
    import sostac

    ev = ref.make_events(250_000, 20_000, seed=21)
    late = ev.sample(50_000, random_state=1).assign(
        channel=lambda d: d["channel"].cat.codes.map(
            lambda c: d["channel"].cat.categories[(c + 1) % len(d["channel"].cat.categories)]
            if c >= 0 else np.nan).astype(ev["channel"].dtype))
    ev = pd.concat([ev, late], ignore_index=True)
    want_levels = ref.funnel_levels(ev, STEPS, window="6h")
    want = {touch: ref.funnel(ev, STEPS, window="6h", by="channel", touch=touch)
            for touch in ("first", "last")}
    try:
        for threads in (1, 2, 8):
            sostac.set_num_threads(threads)
            got = metrics.funnel_levels(ev, STEPS, window="6h")
            assert got.index.tolist() == want_levels.index.tolist()
            assert got.tolist() == want_levels.tolist()
            for touch in ("first", "last"):
                assert_frames_match(
                    metrics.funnel(ev, STEPS, window="6h", by="channel", touch=touch),
                    want[touch])
    finally:
        sostac.set_num_threads(0)


def test_kpi_table_sorts_groups_by_value_or_first_appearance():
    day = pd.DataFrame({"date": pd.to_datetime(["2027-01-04"] * 4 + ["2027-01-11"] * 2),
                        "channel": ["b", "a", "c", "a", "c", "b"],
                        "clicks": [1, 2, 3, 4, 5, 6], "impressions": [10] * 6})
    t = metrics.kpi_table(day, "ctr")
    assert t["channel"].tolist() == ["a", "b", "c", "b", "c"]
    assert t["numerator"].tolist() == [6, 1, 3, 6, 5]
    # categories in a non-sorted order still sort by value; two columns too
    cat = day.assign(channel=pd.Categorical(day["channel"], categories=["c", "b", "a"]))
    assert metrics.kpi_table(cat, "ctr")["channel"].tolist() == ["a", "b", "c", "b", "c"]
    two = metrics.kpi_table(day.assign(kind=["y", "x", "x", "x", "y", "x"]), "ctr",
                            by=("kind", "channel"))
    assert list(zip(two["kind"], two["channel"]))[:3] == [("x", "a"), ("x", "c"), ("y", "b")]
    # numbers and strings do not compare: first appearance, no error
    mixed = metrics.kpi_table(day.assign(channel=pd.Series([2, "a", 1, "a", 1, 2],
                                                           dtype=object)), "ctr")
    assert mixed["channel"].tolist() == [2, "a", 1, 2, 1]
