"""sostac.attribution.PathAccumulator (chunked path tables) and paths()' event-name
conversions: any split of a log into chunks, added in any order or merged from several
accumulators, gives exactly paths() on the concatenated log; every bad-input rule."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pd = pytest.importorskip("pandas")

from sostac import InputError  # noqa: E402
from sostac.attribution import PathAccumulator, paths  # noqa: E402
from sostac.attribution._accumulator import _Codes  # noqa: E402

T0 = pd.Timestamp("2027-01-01")
DECAY = ("time_decay", "time_decay_value")


def _assert_same(got, want):
    """The same table, row order and attrs (the decay columns: arrays per row)."""
    assert got.attrs == want.attrs
    pd.testing.assert_frame_equal(got.drop(columns=[c for c in DECAY if c in got]),
                                  want.drop(columns=[c for c in DECAY if c in want]))
    for c in DECAY:
        assert (c in got) == (c in want)
        if c in want:
            for a, b in zip(got[c], want[c]):
                np.testing.assert_array_equal(a, b)


def _as_dict(table):
    return {p: (c, v, n) for p, c, v, n in table[["path", "conversions", "value", "nulls"]]
            .itertuples(index=False)}


# -- generated logs ---------------------------------------------------------------------

@st.composite
def _logs(draw):
    n = draw(st.integers(1, 40))
    ids = draw(st.sampled_from(["text", "dense", "sparse"]))
    rows = draw(st.lists(st.tuples(
        st.integers(0, 5),                       # user
        st.integers(0, 8), st.integers(0, 2),    # day, hour: many ties
        st.sampled_from(["a", "b", " b", "direct", None]),
        st.booleans(),                           # conversion
        st.sampled_from([1.0, 2.0, 7.0]),        # whole values: sums exact in any order
        st.sampled_from(["purchase", "signup"]),  # the conversion's event name
        st.sampled_from(["page_view", None])),   # a touch's event name
        min_size=n, max_size=n))
    user, day, hour, channel, conv, value, ev_conv, ev_touch = map(list, zip(*rows))
    channel = [c if (c is not None or v) else "a" for c, v in zip(channel, conv)]
    if ids == "text":
        uid = [f"u{u}" for u in user]
    elif ids == "dense":
        uid = np.array(user, dtype=np.int64) + 1000  # a short range: paths() takes id - min
    else:
        uid = np.array(user, dtype=np.int64) * 10**9 - 7  # a long range: factorized
    return pd.DataFrame({
        "user_id": uid,
        "timestamp": T0 + pd.to_timedelta(np.array(day) * 24 + np.array(hour), unit="h"),
        "channel": channel, "conversion": [int(c) for c in conv],
        "value": [v if c else np.nan for v, c in zip(value, conv)],
        "event": [a if c else b for a, b, c in zip(ev_conv, ev_touch, conv)]})


@st.composite
def _splits(draw, n):
    """Chunks (index arrays, empty ones possible) in the order they are added, and how
    they are spread over accumulators."""
    k = draw(st.integers(1, 6))
    cuts = sorted(draw(st.lists(st.integers(0, n), min_size=k - 1, max_size=k - 1)))
    bounds = [0, *cuts, n]
    order = draw(st.permutations(range(k)))
    shuffle = draw(st.booleans())  # rows of a chunk in any order too
    pieces = []
    for j in order:
        idx = np.arange(bounds[j], bounds[j + 1])
        if shuffle:
            idx = idx[::-1]
        pieces.append(idx)
    groups = draw(st.integers(1, min(3, k)))
    sizes = sorted(draw(st.lists(st.integers(1, k - 1), min_size=groups - 1,
                                 max_size=groups - 1, unique=True))) if k > 1 else []
    return pieces, [0, *sizes, k], draw(st.booleans())


def _accumulate(log, pieces, group_bounds, fold_right, **kwargs):
    accs = []
    for g in range(len(group_bounds) - 1):
        acc = PathAccumulator(**kwargs)
        for idx in pieces[group_bounds[g]:group_bounds[g + 1]]:
            acc.add(log.iloc[idx])
        accs.append(acc)
    if fold_right:  # (a + (b + c)): the maps of merged chunks are composed
        while len(accs) > 1:
            last = accs.pop()
            accs[-1].merge(last)
        return accs[0]
    first = accs[0]
    for other in accs[1:]:
        first.merge(other)
    return first


@settings(max_examples=150, deadline=None)
@given(st.data(), _logs(), st.sampled_from([None, "0D", "1D", "3D"]),
       st.sampled_from([None, 1, 2]), st.booleans(), st.sampled_from([None, "2D"]),
       st.booleans())
def test_any_split_gives_paths_on_the_concatenated_log(data, log, lookback, max_length,
                                                        collapse, half_life, by_name):
    pieces, groups, fold_right = data.draw(_splits(len(log)))
    options = {"lookback": lookback, "max_length": max_length, "collapse_repeats": collapse,
               "half_life": half_life}
    columns = {"value": "value"}
    names = sorted(set(log.loc[log["conversion"] == 1, "event"]))
    if by_name and names:
        columns.update(conversion="event", conversion_events=names)
    acc = _accumulate(log, pieces, groups, fold_right, **columns)
    got = acc.finish(**options)
    concat = pd.concat([log.iloc[idx] for idx in pieces])
    _assert_same(got, paths(concat, **columns, **options))
    # the same paths as the log in its own order (row order: by user appearance)
    whole = paths(log, value="value", **options)
    assert _as_dict(got) == _as_dict(whole)
    assert {k: v for k, v in got.attrs.items()} == whole.attrs
    assert acc.rows == len(log)
    # finish leaves the state as it was
    _assert_same(acc.finish(**options), got)


@settings(max_examples=60, deadline=None)
@given(_logs())
def test_event_names_give_the_flag_table(log):
    names = sorted(set(log.loc[log["conversion"] == 1, "event"]))
    if not names:
        return
    flag = paths(log, value="value", lookback="2D")
    by_name = paths(log, value="value", lookback="2D", conversion="event",
                    conversion_events=names)
    _assert_same(by_name, flag)


# -- formats -----------------------------------------------------------------------------

def _log(seed, users=40, rows=400, days=60, ids="text"):
    rng = np.random.default_rng(seed)
    user = rng.integers(0, users, rows)
    day = rng.integers(0, days, rows)
    conversion = rng.random(rows) < 0.2
    channel = rng.choice(np.array(["a", "b", "c", "direct"], dtype=object), rows)
    channel[conversion & (rng.random(rows) < 0.35)] = None
    value = np.where(conversion, np.round(rng.gamma(2.0, 10.0, rows)), np.nan)
    event = np.where(conversion, rng.choice(np.array(["purchase", "signup"], dtype=object),
                                            rows), "page_view").astype(object)
    event[~conversion & (rng.random(rows) < 0.2)] = None
    return pd.DataFrame({"user_id": [f"u{u}" for u in user] if ids == "text" else user,
                         "timestamp": T0 + pd.to_timedelta(day * 86400
                                                           + rng.integers(0, 3, rows) * 3600,
                                                           unit="s"),
                         "channel": channel, "conversion": conversion.astype(int),
                         "value": value, "event": event})


def test_polars_arrow_and_pandas_chunks_mixed():
    pl = pytest.importorskip("polars")
    pa = pytest.importorskip("pyarrow")
    log = _log(1)
    want = paths(log, value="value", lookback="10D")
    parts = np.array_split(np.arange(len(log)), 6)
    acc = PathAccumulator(value="value")
    for i, idx in enumerate(parts):
        part = log.iloc[idx].reset_index(drop=True)
        acc.add([part, pl.from_pandas(part), pa.Table.from_pandas(part, preserve_index=False),
                 {c: part[c].to_numpy() for c in part.columns}][i % 4])
    _assert_same(acc.finish(lookback="10D"), want)
    # a pyarrow RecordBatch too
    batch = pa.RecordBatch.from_pandas(log, preserve_index=False)
    _assert_same(PathAccumulator(value="value").add(batch).finish(lookback="10D"), want)


def test_event_names_of_every_column_type():
    pl = pytest.importorskip("polars")
    pa = pytest.importorskip("pyarrow")
    log = _log(2)
    want = paths(log, value="value")
    events = ["purchase", "signup"]
    kinds = {
        "object": log["event"].astype(object),
        "str": log["event"].astype("str"),
        "category": log["event"].astype("category"),
        "arrow": log["event"].astype(pd.ArrowDtype(pa.string())),
    }
    for col in kinds.values():
        frame = log.assign(event=col)
        got = paths(frame, value="value", conversion="event", conversion_events=events)
        _assert_same(got, want)
        acc = PathAccumulator(value="value", conversion="event", conversion_events=events)
        for idx in np.array_split(np.arange(len(log)), 3):
            acc.add(frame.iloc[idx])
        _assert_same(acc.finish(), want)
    for frame in (pl.from_pandas(log), pa.Table.from_pandas(log, preserve_index=False)):
        got = paths(frame, value="value", conversion="event", conversion_events=events)
        assert _as_dict(got) == _as_dict(want)
    # a category the rows never use does not count as occurring
    cat = log["event"].astype(pd.CategoricalDtype(["page_view", "purchase", "signup",
                                                   "refund"]))
    with pytest.raises(InputError, match=r"conversion_events: 'refund' never occurs"):
        paths(log.assign(event=cat), conversion="event", conversion_events=[*events, "refund"])
    # one name as a string; the others' rows become touches (they carry channels)
    log = log[(log["event"] != "signup") | log["channel"].notna()]
    one = paths(log, value="value", conversion="event", conversion_events="purchase")
    flag = paths(log.assign(conversion=(log["event"] == "purchase").astype(int)),
                 value="value")
    assert one["conversions"].sum() < want["conversions"].sum()
    _assert_same(one, flag)


def test_missing_event_names_are_touches():
    log = pd.DataFrame({"user_id": [1, 1, 1], "timestamp": T0 + pd.to_timedelta([0, 1, 2], "D"),
                        "channel": ["a", "b", None], "event": [None, np.nan, "purchase"]})
    t = paths(log, conversion="event", conversion_events=["purchase"])
    assert _as_dict(t) == {"a > b": (1.0, 0.0, 0.0)}
    # a bare row whose name is missing is a touch without a channel
    bad = log.assign(event=[None, None, None])
    with pytest.raises(InputError, match=r"conversion_events: 'purchase' never occurs"):
        paths(bad, conversion="event", conversion_events="purchase")


def test_time_units_may_differ_across_chunks():
    log = _log(3, rows=200)
    a, b = log.iloc[:100].copy(), log.iloc[100:].copy()
    a["timestamp"] = a["timestamp"].astype("datetime64[s]")
    b["timestamp"] = b["timestamp"].astype("datetime64[ns]")
    acc = PathAccumulator(value="value").add(a).add(b)
    _assert_same(acc.finish(lookback="5D", half_life="1D"),
                 paths(pd.concat([a, b]), value="value", lookback="5D", half_life="1D"))
    # zones: the same zone in every chunk is fine (times compared in UTC)
    z = log.assign(timestamp=log["timestamp"].dt.tz_localize("Europe/Paris"))
    acc = PathAccumulator(value="value").add(z.iloc[:50]).add(z.iloc[50:])
    _assert_same(acc.finish(), paths(z, value="value"))
    # dates (object), text, YYYYMMDD numbers
    d = log.assign(timestamp=log["timestamp"].dt.date)
    acc = PathAccumulator(value="value").add(d.iloc[:70]).add(d.iloc[70:])
    _assert_same(acc.finish(), paths(d, value="value"))
    n = log.assign(timestamp=log["timestamp"].dt.strftime("%Y%m%d").astype(int))
    acc = PathAccumulator(value="value").add(n.iloc[:70]).add(n.iloc[70:])
    _assert_same(acc.finish(), paths(n, value="value"))


@pytest.mark.parametrize("ids", ["text", "int"])
def test_many_users_over_many_chunks(ids):
    """Over 32,768 users (several of the builder's user chunks), 40 chunks, users
    spread over many of them; integer ids over a long range (factorized at finish)."""
    log = _log(4, users=60_000, rows=120_000, ids=ids)
    if ids == "int":
        log["user_id"] = log["user_id"].astype(np.int64) * 1_000_003
    want = paths(log, value="value", lookback="7D")
    acc = PathAccumulator(value="value")
    for idx in np.array_split(np.arange(len(log)), 40):
        acc.add(log.iloc[idx])
    _assert_same(acc.finish(lookback="7D"), want)
    assert want.attrs["users"] > 32_768


def test_add_after_finish_and_pickle():
    log = _log(5)
    acc = PathAccumulator(value="value").add(log.iloc[:150])
    first = acc.finish()
    _assert_same(first, paths(log.iloc[:150], value="value"))
    acc.add(log.iloc[150:])
    _assert_same(acc.finish(), paths(log, value="value"))
    copy = pickle.loads(pickle.dumps(acc))
    _assert_same(copy.finish(lookback=None), paths(log, value="value", lookback=None))
    # a merge leaves the other accumulator as it was
    other = PathAccumulator(value="value").add(log.iloc[:10])
    before = other.finish()
    PathAccumulator(value="value").add(log.iloc[300:]).merge(other)
    _assert_same(other.finish(), before)


def test_empty_chunks_are_skipped():
    log = _log(6)
    acc = PathAccumulator(value="value").add(log.iloc[:0]).add(log).add(log.iloc[:0])
    assert acc.chunks == 3 and acc.rows == len(log)
    _assert_same(acc.finish(), paths(log, value="value"))
    with pytest.raises(InputError, match=r"user_id: the touchpoint log is empty"):
        PathAccumulator().add(log.iloc[:0]).finish()
    with pytest.raises(InputError, match=r"user_id: the touchpoint log is empty"):
        PathAccumulator().finish()
    with pytest.raises(InputError, match=r"chunk 0, channel: data has no column 'channel'"):
        PathAccumulator().add(log.iloc[:0].drop(columns="channel"))


def test_a_log_without_paths_gives_an_empty_table_with_decay_columns():
    """Regression: with half_life, a log whose only rows are bare conversions gave one
    row of NaN (np.split of no touches is one empty part)."""
    log = pd.DataFrame({"user_id": [1, 2], "timestamp": [T0, T0], "channel": [None, None],
                        "conversion": [1, 1]})
    t = paths(log, half_life="2D")
    assert len(t) == 0
    assert list(t.columns) == ["path", "conversions", "value", "nulls", *DECAY]
    assert t.attrs["unattributed_conversions"] == 2.0
    _assert_same(PathAccumulator().add(log.iloc[:1]).add(log.iloc[1:]).finish(half_life="2D"),
                 t)


# -- the dictionary of ids --------------------------------------------------------------

@settings(max_examples=80, deadline=None)
@given(st.lists(st.lists(st.integers(0, 60), max_size=30), min_size=1, max_size=25),
       st.booleans())
def test_codes_are_the_order_of_first_appearance(chunks, text):
    codes = _Codes()
    got = []
    for c in chunks:
        values = [f"v{x}" for x in c] if text else np.array(c, dtype=np.int64)
        got.append(codes.codes_of(pd.Index(values) if len(c) else pd.Index([], dtype=object)
                                  if text else pd.Index(np.array([], dtype=np.int64))))
    flat = [x for c in chunks for x in c]
    want, uniques = pd.factorize(pd.Series(flat, dtype=np.int64))
    np.testing.assert_array_equal(np.concatenate(got).astype(np.int64), want)
    assert len(codes) == len(uniques)
    assert [int(str(v).lstrip("v")) for v in codes.values()] == list(uniques)
    # levels more than twice the next: O(log n) of them
    sizes = [len(lv) for lv, _ in codes._levels]
    assert all(a > 2 * b for a, b in zip(sizes, sizes[1:]))


# -- bad input ---------------------------------------------------------------------------

def _small():
    return pd.DataFrame({"user_id": ["u", "u", "u", "v"],
                         "timestamp": pd.to_datetime(["2027-01-01", "2027-01-02", "2027-01-03",
                                                      "2027-01-01"]),
                         "channel": ["a", "b", "c", "a"], "conversion": [0, 0, 1, 0],
                         "value": [0.0, 0.0, 5.0, 0.0],
                         "event": ["view", "view", "purchase", "view"]})


def test_a_text_conversion_column_asks_for_conversion_events():
    log = _small()
    with pytest.raises(InputError, match=r"event: expected a conversion flag .*"
                                         r"pass conversion_events="):
        paths(log, conversion="event")
    with pytest.raises(InputError, match=r"chunk 0, event: expected a conversion flag .*"
                                         r"pass conversion_events="):
        PathAccumulator(conversion="event").add(log)


def test_unknown_event_names_raise_naming_them():
    log = _small()
    with pytest.raises(InputError, match=r"conversion_events: 'purchse' never occurs in "
                                         r"column 'event'; did you mean 'purchase'\?"):
        paths(log, conversion="event", conversion_events=["purchse"])
    with pytest.raises(InputError, match=r"'refund', 'zz' never occur in column 'event'"):
        paths(log, conversion="event", conversion_events=["purchase", "refund", "zz"])
    # the accumulator: a name may be missing from a chunk, not from every chunk
    acc = PathAccumulator(conversion="event", conversion_events=["purchase", "signup"])
    acc.add(log.iloc[:2]).add(log.iloc[2:])
    with pytest.raises(InputError, match=r"conversion_events: 'signup' never occurs in "
                                         r"column 'event'"):
        acc.finish()
    acc = PathAccumulator(conversion="event", conversion_events="purchase")
    acc.add(log.iloc[:2])
    other = PathAccumulator(conversion="event", conversion_events="purchase").add(log.iloc[2:])
    with pytest.raises(InputError, match=r"'purchase' never occurs"):
        acc.finish()
    _assert_same(acc.merge(other).finish(),
                 paths(log, conversion="event", conversion_events="purchase"))


@pytest.mark.parametrize("events, match", [
    (3, r"conversion_events: expected an event name or a list of names, got 3"),
    ([], r"conversion_events: expected at least one event name"),
    (["purchase", 3], r"conversion_events\[1\]: expected an event name \(text\), got 3"),
])
def test_conversion_events_argument(events, match):
    with pytest.raises(InputError, match=match):
        paths(_small(), conversion="event", conversion_events=events)
    with pytest.raises(InputError, match=match):
        PathAccumulator(conversion="event", conversion_events=events)


def test_conversion_events_on_a_flag_column_raise():
    for col in ("conversion", "flag"):
        log = _small().assign(flag=[False, False, True, False])
        with pytest.raises(InputError, match=rf"conversion_events: column '{col}' holds "
                                             rf"(int64|bool) flags, not event names"):
            paths(log, conversion=col, conversion_events="purchase")


@pytest.mark.parametrize("change, match", [
    (lambda d: d.assign(user_id=d["user_id"].where(d.index != 3)),
     r"chunk 1, user_id\[1\]: missing user id"),
    (lambda d: d.assign(timestamp=d["timestamp"].where(d.index != 2)),
     r"chunk 1, timestamp\[0\]: missing time"),
    (lambda d: d.assign(channel=["a", "b", None, "c"], conversion=[0, 0, 0, 1]),
     r"chunk 1, channel\[0\]: missing channel on a touch"),
    (lambda d: d.assign(channel=["a", "b", " ", "c"]), r"chunk 1, channel\[0\]: blank channel"),
    (lambda d: d.assign(channel=["a", "b", "c", "x>y"]),
     r"chunk 1, channel\[1\]: channel name with '>'"),
    (lambda d: d.assign(conversion=[0, 0, 2, 0]),
     r"chunk 1, conversion\[0\]: expected a conversion flag 0 or 1"),
    (lambda d: d.assign(value=[0.0, 0.0, np.nan, 0.0]),
     r"chunk 1, value\[0\]: expected a finite conversion value"),
    (lambda d: d.drop(columns="value"), r"chunk 1, value: data has no column 'value'"),
    (lambda d: d.assign(timestamp=["2027-01-01", "2027-01-02", "soon", "2027-01-02"]),
     r"chunk 1, timestamp\[0\]: expected a date or time, got 'soon'"),
])
def test_errors_name_the_chunk_and_the_row(change, match):
    log = change(_small())
    acc = PathAccumulator(value="value")
    acc.add(_small().iloc[:2])
    before = acc.finish()
    with pytest.raises(InputError, match=match):
        acc.add(log.iloc[2:])
    # a bad chunk leaves the accumulator as it was; the numbering goes on
    _assert_same(acc.finish(), before)
    assert acc.chunks == 2
    with pytest.raises(InputError, match=r"^chunk 2, "):
        acc.add(log.iloc[2:])


@pytest.mark.parametrize("first, second, match", [
    (lambda t: t, lambda t: t.dt.tz_localize("UTC"),
     r"chunk 1, timestamp: times in UTC, but the earlier chunks hold times without a zone"),
    (lambda t: t.dt.tz_localize("UTC"), lambda t: t.dt.tz_localize("Europe/Paris"),
     r"chunk 1, timestamp: times in Europe/Paris, but the earlier chunks hold times in UTC"),
    (lambda t: t.dt.date, lambda t: t,
     r"chunk 1, timestamp: times without a zone, but the earlier chunks hold dates"),
    (lambda t: t, lambda t: t.dt.strftime("%Y-%m-%d"),
     r"chunk 1, timestamp: dates, but the earlier chunks hold times without a zone"),
    (lambda t: t.dt.strftime("%Y-%m-%dT%H:%M:%S+02:00"), lambda t: t,
     r"times without a zone, but the earlier chunks hold times with UTC offsets"),
])
def test_mixed_time_kinds_across_chunks_raise(first, second, match):
    log = _small()
    a, b = log.iloc[:2], log.iloc[2:]
    acc = PathAccumulator().add(a.assign(timestamp=first(a["timestamp"])))
    with pytest.raises(InputError, match=match):
        acc.add(b.assign(timestamp=second(b["timestamp"])))
    # and between accumulators
    other = PathAccumulator().add(b.assign(timestamp=second(b["timestamp"])))
    with pytest.raises(InputError, match=r"other: its chunks hold .* in timestamp, this "
                                         r"accumulator's"):
        acc.merge(other)


def test_text_times_are_dates_only_when_every_value_is_a_date():
    log = _small()
    text = log.assign(timestamp=["2027-01-01", "2027-01-02 10:00", "2027-01-03", "2027-01-01"])
    acc = PathAccumulator().add(text.iloc[:2]).add(log.iloc[2:])  # times, then times
    same = log.assign(timestamp=pd.to_datetime(["2027-01-01", "2027-01-02 10:00",
                                                "2027-01-03", "2027-01-01"], format="ISO8601"))
    _assert_same(acc.finish(), paths(same))
    with pytest.raises(InputError, match=r"chunk 1, timestamp: times without a zone, but "
                                         r"the earlier chunks hold dates"):
        PathAccumulator().add(text.iloc[2:3]).add(text.iloc[:2])


def test_polars_dates_against_datetimes_raise():
    pl = pytest.importorskip("polars")
    log = _small()
    dates = pl.from_pandas(log.iloc[:2]).with_columns(pl.col("timestamp").cast(pl.Date))
    acc = PathAccumulator().add(dates)
    with pytest.raises(InputError, match=r"chunk 1, timestamp: times without a zone, but "
                                         r"the earlier chunks hold dates"):
        acc.add(log.iloc[2:])
    _assert_same(PathAccumulator().add(dates).add(dates).finish(),
                 paths(pd.concat([dates.to_pandas()] * 2)))


def test_mixed_user_id_types_raise():
    log = _small()
    acc = PathAccumulator().add(log.iloc[:2].assign(user_id=[1, 1]))
    with pytest.raises(InputError, match=r"chunk 1, user_id: text ids, but the earlier chunks "
                                         r"hold integer ids"):
        acc.add(log.iloc[2:])
    other = PathAccumulator().add(log.iloc[2:])
    with pytest.raises(InputError, match=r"other: its chunks hold text ids in user_id, this "
                                         r"accumulator's integer ids"):
        acc.merge(other)
    with pytest.raises(InputError, match=r"chunk 1, user_id: floating \(float64\) ids, but"):
        PathAccumulator().add(log.iloc[:2]).add(log.iloc[2:].assign(user_id=[1.0, 2.0]))
    with pytest.raises(InputError, match=r"chunk 0, user_id\[1\]: user id 18446744073709551615 "
                                         r"is above 2\*\*63 - 1"):
        PathAccumulator().add(log.iloc[:2].assign(
            user_id=np.array([1, 2**64 - 1], dtype=np.uint64)))


@pytest.mark.parametrize("kwargs, match", [
    ({"channel": "source"}, (r"other: built with channel='source', this accumulator with "
                             r"channel='channel'")),
    ({"value": "value"}, r"other: built with value='value', this accumulator with value=None"),
    ({"conversion": "event", "conversion_events": "purchase"},
     r"other: built with conversion='event'"),
])
def test_merging_accumulators_of_other_columns_raises(kwargs, match):
    acc = PathAccumulator()
    with pytest.raises(InputError, match=match):
        acc.merge(PathAccumulator(**kwargs))
    a = PathAccumulator(conversion="event", conversion_events=["purchase"])
    with pytest.raises(InputError, match=r"other: built with conversion_events=\['purchase', "
                                         r"'signup'\], this accumulator with "
                                         r"conversion_events=\['purchase'\]"):
        a.merge(PathAccumulator(conversion="event", conversion_events=["purchase", "signup"]))


def test_merge_and_constructor_arguments():
    acc = PathAccumulator().add(_small())
    with pytest.raises(InputError, match=r"other: an accumulator cannot merge itself"):
        acc.merge(acc)
    with pytest.raises(InputError, match=r"other: expected a PathAccumulator, got DataFrame"):
        acc.merge(_small())
    with pytest.raises(InputError, match=r"channel: expected a column name, got 3"):
        PathAccumulator(channel=3)
    with pytest.raises(InputError, match=r"value: expected a column name or None"):
        PathAccumulator(value=["v"])
    # an empty accumulator merges into anything and takes anything
    empty = PathAccumulator()
    _assert_same(empty.merge(PathAccumulator().add(_small())).finish(), paths(_small()))
    assert acc.merge(PathAccumulator()).chunks == 1


@pytest.mark.parametrize("kwargs, match", [
    ({"lookback": "30 fortnights"}, r"lookback: unknown duration"),
    ({"lookback": "-3D"}, r"lookback: expected a duration >= 0"),
    ({"max_length": 0}, r"max_length: expected a whole number >= 1"),
    ({"half_life": "0D"}, r"half_life: expected a duration > 0"),
])
def test_finish_options_are_checked(kwargs, match):
    acc = PathAccumulator().add(_small())
    with pytest.raises(InputError, match=match):
        acc.finish(**kwargs)


def test_docstring_examples():
    import doctest

    from sostac.attribution import _accumulator as module

    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
    assert "Examples\n---" in (PathAccumulator.__doc__ or "").replace("    ", "")
