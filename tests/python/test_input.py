"""The input layer (sostac.io) on exports shaped like real ones (issue 13).

The faulty files come from tests/data/make_faulty_exports.py (the demo aggregate with
one fault each); the CLI cases run the real ``sostac`` command. Each test states the
case observed before the input layer and checks the fixed behaviour.
"""

from __future__ import annotations

import gzip
import importlib.util
import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sostac
from sostac import InputError, metrics
from sostac.io import clean, read_table, to_datetime

ROOT = Path(__file__).resolve().parents[2]
EXE = Path(sys.executable).with_name("sostac")
DEMO_PLAN = Path(sostac.__file__).parent / "data" / "demo_plan.yaml"

_spec = importlib.util.spec_from_file_location(
    "make_faulty_exports", ROOT / "tests" / "data" / "make_faulty_exports.py")
faulty = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(faulty)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    return faulty.write(tmp_path_factory.mktemp("faulty"))


def run(*args):
    return subprocess.run([str(EXE), *map(str, args)], capture_output=True, text=True)


def control_json(path, *extra):
    proc = run("control", DEMO_PLAN, "--data", path, "--format", "json", "--no-progress", *extra)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    doc = json.loads(proc.stdout, parse_constant=lambda c: pytest.fail(f"non-JSON {c}"))
    return doc


def data_findings(doc):
    return [f["message"] for f in doc["findings"] if f["message"].startswith("data: ")]


def verdicts(doc):
    """Everything the Control stage concluded, without the findings."""
    return {k: v for k, v in doc.items() if k != "findings"}


@pytest.fixture(scope="module")
def clean_doc(files):
    doc = control_json(files["clean"][0])
    assert data_findings(doc) == []  # the shipped demo data break no input rule
    return doc


# -- pandas 3 strings, Arrow, polars ----------------------------------------------------

def test_pandas3_strings_reach_every_analysis(files):
    # observed: kpi_table(pd.read_csv("daily.csv"), ["ctr"]) raised "Cannot interpret
    # '<StringDtype(na_value=nan)>' as a data type", as did plan.control and cohorts
    df = pd.read_csv(files["clean"][0])
    assert isinstance(df["date"].dtype, pd.StringDtype)  # pandas 3's default text dtype
    parsed = df.assign(date=pd.to_datetime(df["date"]))
    got = metrics.kpi_table(df, ["ctr"])
    want = metrics.kpi_table(parsed.assign(channel=parsed["channel"].astype(object)), ["ctr"])
    pd.testing.assert_frame_equal(got.astype({"channel": object}), want.astype({"channel": object}))
    plan = sostac.Plan.load(DEMO_PLAN)
    a, b = plan.control(df), plan.control(parsed)
    pd.testing.assert_frame_equal(a.kpis, b.kpis)
    log = df[["date", "channel"]].rename(columns={"date": "timestamp", "channel": "user_id"})
    pd.testing.assert_frame_equal(metrics.cohorts(log, period="week"),
                                  metrics.cohorts(log.assign(timestamp=parsed["date"]),
                                                  period="week"))


def test_arrow_and_polars_frames_give_the_same_table(files):
    path = files["clean"][0]
    want = metrics.kpi_table(pd.read_csv(path, parse_dates=["date"]), ["ctr", "cpa"])
    arrow = pd.read_csv(path, dtype_backend="pyarrow", engine="pyarrow")
    assert isinstance(arrow["channel"].dtype, pd.ArrowDtype)
    got = metrics.kpi_table(arrow, ["ctr", "cpa"])
    np.testing.assert_allclose(got["value"], want["value"], rtol=1e-12)
    assert got["channel"].astype(str).tolist() == want["channel"].astype(str).tolist()
    pl = pytest.importorskip("polars")
    got = metrics.kpi_table(pl.read_csv(path), ["ctr", "cpa"])
    np.testing.assert_allclose(got["value"], want["value"], rtol=1e-12)


# -- times ------------------------------------------------------------------------------

def test_yyyymmdd_dates_are_dates_not_epoch_seconds(files, clean_doc):
    # observed: 19970101 was read as epoch seconds: "as of 1970-01-01", every
    # objective insufficient_data, exit 0
    doc = control_json(files["yyyymmdd"][0])
    assert doc["as_of"] == clean_doc["as_of"] != "1970-01-01"
    assert verdicts(doc) == verdicts(clean_doc)
    assert data_findings(doc) == ["data: date: whole numbers read as YYYYMMDD dates"]


def test_cdnow_whole_number_dates():
    cdnow = pd.read_csv(ROOT / "tests" / "data" / "CDNOW_master.txt.gz", sep=r"\s+",
                        header=0, names=["user_id", "timestamp", "orders", "revenue"])
    # as 8-digit text (pandas 3 reads this whitespace-separated file so) and as numbers
    text = cdnow.assign(timestamp=cdnow["timestamp"].astype(str))
    assert text["timestamp"].iloc[0] == "19970101"
    ints = cdnow.assign(timestamp=text["timestamp"].astype("int64"))
    got = metrics.cohorts(ints, period="quarter")
    pd.testing.assert_frame_equal(got, metrics.cohorts(text, period="quarter"))
    # every CDNOW customer joined in 1997-Q1; their purchases run to 1998-Q2 (age 5)
    assert got.index.tolist() == [pd.Timestamp("1997-01-01")]
    assert got["users"].columns.max() == 5
    assert int(got[("users", 0)].sum()) == cdnow["user_id"].nunique() == 23_570


def test_epoch_numbers_need_their_unit(files, clean_doc):
    proc = run("control", DEMO_PLAN, "--data", files["epoch"][0], "--no-progress")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "numbers such as" in proc.stderr and "time_unit='s'" in proc.stderr
    doc = control_json(files["epoch"][0], "--time-unit", "s")
    assert doc["as_of"] == clean_doc["as_of"]
    assert doc["kpis"] == clean_doc["kpis"]


def test_zoned_times_are_converted_to_utc_in_control_and_report(files, clean_doc, tmp_path):
    # observed: "Cannot compare tz-naive and tz-aware timestamps", a traceback, exit 1
    doc = control_json(files["zoned"][0])
    assert verdicts(doc) == verdicts(clean_doc)
    assert data_findings(doc) == ["data: date: times with UTC offsets converted to UTC"]
    proc = run("report", DEMO_PLAN, "--data", files["zoned"][0], "-o", tmp_path / "r.json",
               "--no-progress")
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    # a tz-aware datetime64 column in the API: the same
    df = pd.read_csv(files["clean"][0], parse_dates=["date"])
    tehran = df.assign(date=(df["date"] + pd.Timedelta(hours=12)).dt.tz_localize("UTC")
                       .dt.tz_convert("Asia/Tehran"))
    plan = sostac.Plan.load(DEMO_PLAN)
    a, b = plan.control(tehran), plan.control(df)
    pd.testing.assert_frame_equal(a.kpis, b.kpis)


def test_to_datetime_rule():
    s = pd.Series(["2027-01-01T09:00:00+05:00", "2027-01-01T09:00:00-03:30", None])
    got = to_datetime(s, "t", missing="keep")
    assert got.tolist()[:2] == [pd.Timestamp("2027-01-01 04:00"), pd.Timestamp("2027-01-01 12:30")]
    assert pd.isna(got.iloc[2])
    with pytest.raises(InputError, match=r"^t\[2\]: missing time"):
        to_datetime(s, "t")
    with pytest.raises(InputError, match=r"^t\[1\]: expected a date or time, got 'soon'"):
        to_datetime(pd.Series(["2027-01-01", "soon"]), "t")
    with pytest.raises(InputError, match=r"^time_unit: expected one of s, ms, us, ns, D"):
        to_datetime(pd.Series([1]), "t", time_unit="h")
    # 8-digit text, Arrow timestamps with a zone, epoch days
    assert to_datetime(pd.Series(["19970318"])).iloc[0] == pd.Timestamp("1997-03-18")
    arrow = pd.Series(pd.to_datetime(["2027-01-01 03:30"]).tz_localize("Asia/Tehran")).astype(
        "timestamp[us, tz=Asia/Tehran][pyarrow]")
    assert to_datetime(arrow).iloc[0] == pd.Timestamp("2027-01-01 00:00")
    assert to_datetime(pd.Series([20819]), time_unit="D").iloc[0] == pd.Timestamp("2027-01-01")
    # numbers that are not all valid YYYYMMDD dates: refused, with the way out
    with pytest.raises(InputError, match=r"numbers such as 19971340 are not YYYYMMDD"):
        to_datetime(pd.Series([19970101, 19971340]), "t")


# -- row rules --------------------------------------------------------------------------

def test_blank_date_is_a_finding_naming_the_line(files):
    # observed: the row was dropped without a word
    path, line = files["blank_date"]
    doc = control_json(path)
    assert data_findings(doc) == [f"data: date: line {line}: 1 row without a time, left out"]
    df = read_table(path)
    kept = clean(df, keys=("channel", "variant"))
    assert kept.dropped == 1 and len(kept.frame) == len(df) - 1
    assert kept.findings[0].rows == (line,) and kept.findings[0].action == "dropped"


def test_doubled_data_do_not_double_the_counts(files, clean_doc):
    # observed: every count doubled and every p-value shrank, without a warning
    path, line = files["doubled"]
    doc = control_json(path)
    assert verdicts(doc) == verdicts(clean_doc)
    (msg,) = data_findings(doc)
    n = len(faulty.base())
    assert msg.startswith(f"data: lines {line}, {line + 1},") and \
        f"{n} rows repeating an earlier row exactly (the first at line 2)" in msg


def test_repeated_keys_with_other_values_are_a_warning():
    df = pd.DataFrame({"date": ["2027-01-01", "2027-01-01", "2027-01-02"],
                       "channel": ["a", "a", "a"], "clicks": [1, 2, 3],
                       "impressions": [10, 20, 30]})
    kept = clean(df)
    assert len(kept.frame) == 3  # added, not dropped: the export may lack a key column
    (f,) = kept.findings
    assert (f.kind, f.column, f.rows, f.action) == ("duplicate-key", "date+channel", (0, 1), "kept")


def test_implausible_cost_is_set_missing_not_propagated(files):
    # observed: CPA 3e296, projections of [-inf, inf], alerts of "-inf sd"
    path, line = files["huge_cost"]
    proc = run("control", DEMO_PLAN, "--data", path, "--no-progress")
    assert proc.returncode == 0 and "inf" not in proc.stdout and "e+29" not in proc.stdout
    doc = control_json(path)
    assert data_findings(doc) == [
        f"data: cost: line {line}: 1e+300 is beyond the plausible magnitude 1e+15: set "
        f"missing, KPIs on cost leave the row out"]
    # the same as the data without that row's cost
    df = read_table(files["clean"][0])
    df.loc[faulty.ROW, "cost"] = np.nan
    plan = sostac.Plan.load(DEMO_PLAN)
    want = json.loads(plan.control(df).to_json())
    assert doc["kpis"] == want["kpis"] and doc["what_works"] == want["what_works"]


def test_clicks_above_impressions_is_a_finding(files):
    path, line = files["clicks_over"]
    (msg,) = data_findings(control_json(path))
    assert msg.startswith(f"data: clicks: line {line}: clicks above impressions (")


def test_fractional_and_missing_counts_follow_one_rule(files):
    # observed: 70.5 orders stopped the CLI with "count[0]: expected a whole
    # non-negative count, got 70.5" (an internal argument and a weekly sum), while a
    # missing value in the same column became a finding
    frac, line = files["fractional_orders"]
    miss, _ = files["missing_orders"]
    a, b = control_json(frac), control_json(miss)
    assert data_findings(a) == [f"data: orders: line {line}: 70.5 is not a whole count: set "
                                f"missing, KPIs on orders leave the row out"]
    assert data_findings(b) == [f"data: orders: line {line}: 1 missing value: KPIs on orders "
                                f"leave the row out"]
    assert verdicts(a) == verdicts(b)  # one kind of fault, one behaviour
    neg, line = files["negative_sessions"]
    assert data_findings(control_json(neg)) == [
        f"data: sessions: line {line}: negative value -5: set missing, KPIs on sessions leave "
        f"the row out"]


def test_clean_reports_each_measure_of_a_row():
    df = pd.DataFrame({"date": ["2027-01-01", "2027-01-02"], "channel": ["a", "a"],
                       "orders": [1.5, 2], "cost": [1e300, 3.0], "sessions": [10, 10]})
    kept = clean(df)
    assert [(f.kind, f.column, f.rows) for f in kept.findings] == [
        ("fractional", "orders", (0,)), ("implausible", "cost", (0,))]
    assert np.isnan(kept.frame["orders"].iloc[0]) and np.isnan(kept.frame["cost"].iloc[0])
    assert kept.frame["sessions"].dtype == np.int64  # untouched whole counts stay integers


# -- files ------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["semicolon", "tab", "header_space", "gzip", "parquet", "bom"])
def test_file_formats_give_the_clean_verdicts(files, clean_doc, name):
    # observed: a ';'-separated CSV gave "expected a 'date' column, found
    # ['date;channel;impressions;...']"; a decimal comma or "cost " indirect errors
    if name not in files:
        pytest.skip("pyarrow is not installed")
    doc = control_json(files[name][0])
    assert verdicts(doc) == verdicts(clean_doc)
    notes = data_findings(doc)
    expected = {"semicolon": [f"fields separated by ';'", "decimal mark ','"],
                "tab": ["fields separated by '\\t'"],
                "header_space": ["header names trimmed: ' channel' -> 'channel', "
                                 "'cost ' -> 'cost'"]}.get(name, [])
    assert [n.split(": ", 2)[2] for n in notes] == expected


def test_sep_and_decimal_options(files, clean_doc):
    path = files["semicolon"][0]
    doc = control_json(path, "--sep", ";", "--decimal", ",")
    assert verdicts(doc) == verdicts(clean_doc)
    proc = run("control", DEMO_PLAN, "--data", path, "--sep", ",", "--no-progress")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "expected a 'date' column" in proc.stderr
    proc = run("control", DEMO_PLAN, "--data", path, "--sep", "ab", "--no-progress")
    assert proc.returncode == 2 and "--sep: expected one character" in proc.stderr


def test_read_table_errors_name_the_file(tmp_path):
    with pytest.raises(InputError, match=r"nope.csv: no such file"):
        read_table(tmp_path / "nope.csv")
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(InputError, match=r"empty.csv: the file is empty"):
        read_table(tmp_path / "empty.csv")
    (tmp_path / "latin.csv").write_bytes("date,channel\n2027-01-01,caf\xe9\n".encode("latin-1"))
    with pytest.raises(InputError, match=r"(?i)not utf-8 text.*re-save it as UTF-8"):
        read_table(tmp_path / "latin.csv")
    (tmp_path / "dup.csv").write_text("date,cost,cost \n2027-01-01,1,2\n")
    with pytest.raises(InputError, match=r"two columns are named 'cost' once spaces are trimmed"):
        read_table(tmp_path / "dup.csv")
    # gzip by its magic bytes, whatever the name
    (tmp_path / "z.csv").write_bytes(gzip.compress(b"date;cost\n2027-01-01;1,5\n"))
    assert read_table(tmp_path / "z.csv")["cost"].tolist() == [1.5]
    assert read_table(io.StringIO("a\tb\n1\t2\n")).columns.tolist() == ["a", "b"]


def test_cli_bad_data_never_shows_a_traceback(tmp_path):
    cases = {"nodate.csv": "day,channel\n2027-01-01,a\n",
             "text_cost.csv": "date,channel,cost\n2027-01-01,a,cheap\n",
             "empty.csv": ""}
    for name, text in cases.items():
        (tmp_path / name).write_text(text)
        proc = run("control", DEMO_PLAN, "--data", tmp_path / name, "--no-progress")
        assert proc.returncode == 2, (name, proc.stderr)
        assert "Traceback" not in proc.stderr and proc.stderr.startswith("sostac control: ")
        assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr


# -- invariants (Hypothesis) ------------------------------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_DAY = st.dates(min_value=pd.Timestamp("2026-01-01").date(),
                max_value=pd.Timestamp("2027-12-31").date())
_CELL = st.one_of(st.integers(-3, 500), st.floats(-1, 1e16), st.just(float("nan")),
                  st.just(float("inf")))


@st.composite
def exports(draw):
    n = draw(st.integers(1, 25))
    rows = {"date": [draw(st.one_of(_DAY.map(str), st.just(""), st.just("soon")))
                     for _ in range(n)],
            "channel": [draw(st.sampled_from(["a", "b"])) for _ in range(n)],
            "impressions": [draw(_CELL) for _ in range(n)],
            "clicks": [draw(_CELL) for _ in range(n)],
            "cost": [draw(_CELL) for _ in range(n)]}
    df = pd.DataFrame(rows)
    if draw(st.booleans()):  # a copy of some rows, as data loaded twice
        df = pd.concat([df, df.iloc[: draw(st.integers(0, n))]], ignore_index=True)
    return df


@settings(max_examples=150, deadline=None)
@given(exports())
def test_clean_accounts_for_every_row_and_is_idempotent(df):
    kept = clean(df)
    assert len(kept.frame) + kept.dropped == len(df)
    dropped = sum(f.count for f in kept.findings if f.action == "dropped")
    assert dropped == kept.dropped  # every row left out is in exactly one finding
    f = kept.frame
    for m in ("impressions", "clicks", "cost"):  # what is kept obeys the rules
        v = f[m].to_numpy(dtype=float)
        ok = v[~np.isnan(v)]
        assert (ok >= 0).all() and (ok <= 1e15).all()
        if m != "cost":
            assert (ok == np.floor(ok)).all()
    with np.errstate(invalid="ignore"):
        assert not ((f["clicks"] > f["impressions"]) & (f["impressions"] > 0)).any()
    assert not f.duplicated().any() and f["date"].notna().all()
    again = clean(f)  # a second pass finds nothing more to repair
    assert again.dropped == 0
    assert [x.kind for x in again.findings if x.kind != "duplicate-key"] == \
        [x.kind for x in again.findings if x.kind == "missing-value"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 10**6), st.floats(0, 1e6, allow_nan=False)),
                min_size=1, max_size=20),
       st.sampled_from([(",", "."), (";", ","), (";", "."), ("\t", "."), ("|", ",")]))
def test_read_table_reads_back_what_was_written(rows, fmt):
    sep, decimal = fmt
    df = pd.DataFrame({"date": "2027-01-01", "clicks": [r[0] for r in rows],
                       "cost": [r[1] for r in rows]})
    text = df.to_csv(index=False, sep=sep, decimal=decimal)
    got = read_table(io.StringIO(text))
    assert got["clicks"].tolist() == df["clicks"].tolist()
    np.testing.assert_allclose(got["cost"].to_numpy(dtype=float), df["cost"], rtol=1e-15)


def test_bad_arguments_are_named():
    df = pd.DataFrame({"day": ["2027-01-01"], "Date ": ["2027-01-01"], "clicks": [1]})
    with pytest.raises(InputError, match=r"^date: the data have no 'date' column .*did you mean "
                                         r"'Date '\?"):
        clean(df)
    with pytest.raises(InputError, match=r"^data: expected a pandas or polars DataFrame"):
        clean([1, 2])
    with pytest.raises(InputError, match=r"^b: expected 2 values like 'a', got 1"):
        clean({"a": [1, 2], "b": [1]})
    day = pd.DataFrame({"date": [20270101], "channel": ["a"], "clicks": [1],
                        "impressions": [10]})
    with pytest.raises(InputError, match=r"^time_unit: expected one of s, ms, us, ns, D, got 'h'"):
        metrics.kpi_table(day, "ctr", time_unit="h")
    with pytest.raises(InputError, match=r"^missing: expected 'raise' or 'keep'"):
        to_datetime(pd.Series(["2027-01-01"]), missing="drop")
