"""sostac.report and `sostac report`: the JSON document against its schema and
against the Control stage it summarises, the charts' numbers in the KPI's units, the
HTML (self-contained, escaped), the Markdown, the CLI's outputs and exit codes, and
the progress bar."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import jsonschema
import numpy as np
import pandas as pd
import pytest

import sostac
from sostac import Plan, cli, report
from sostac._progress import Progress
from test_control_status import _data, _plan

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "docs" / "report.schema.json").read_text())


def _scheduled_plan():
    """The control-test plan with strategies, tactics and actions (for the Gantt)."""
    p = _plan()
    p.add_strategy("s-all", summary="Everything", serves=["o-conv", "o-cpa", "o-roas"])
    p.add_tactic("t-site", channel="site", strategy="s-all", start="2027-01-04",
                 end="2027-04-30", budget=10000, kpis=["conversion_rate"])
    p.add_tactic("t-social", channel="paid_social", strategy="s-all", start="2027-05-01",
                 end="2027-06-30", budget=40000, kpis=["cpa"], depends_on=["t-site"])
    p.add_action("a-test", title="Checkout test", tactic="t-site", start="2027-01-11",
                 end="2027-02-12", effort_hours=20)
    return p


@pytest.fixture(scope="module")
def rep():
    return report.build_report(_scheduled_plan(), _data())


def test_json_follows_the_documented_schema(rep):
    doc = json.loads(rep.to_json())
    jsonschema.validate(doc, SCHEMA)
    assert doc["schema_version"] == report.SCHEMA_VERSION == 1
    assert doc["generator"] == f"sostac {sostac.__version__}"
    # a plan-only report has control = null and is valid too
    jsonschema.validate(json.loads(report.build_report(_scheduled_plan()).to_json()), SCHEMA)
    # the schema is strict enough to catch a wrong status or a missing key
    bad = json.loads(rep.to_json())
    bad["control"]["kpis"][0]["status"] = "fine"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, SCHEMA)
    del bad["control"]["kpis"][0]["status"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, SCHEMA)


def test_json_carries_the_control_result_and_the_plan(rep):
    doc = json.loads(rep.to_json())
    c = rep.control
    assert doc["control"]["kpis"] == json.loads(c.to_json())["kpis"]
    assert [r["objective"] for r in doc["control"]["kpis"]] == list(c.kpis["objective"])
    assert len(doc["control"]["series"]) == len(c.series)
    assert doc["plan"]["planned_budget"] == 50000
    assert doc["plan"]["counts"] == {"objectives": 6, "strategies": 1, "tactics": 2,
                                     "actions": 1}
    acts = {a["id"]: a for a in doc["schedule"]["activities"]}
    assert acts["a-test"]["tactic"] == "t-site" and acts["t-site"]["tactic"] is None
    assert doc["schedule"]["critical_path"] == ["t-site", "t-social"]
    # o-tv has no data: NaN becomes null, the status says so
    tv = next(r for r in doc["control"]["kpis"] if r["objective"] == "o-tv")
    assert tv["value"] is None and tv["status"] == "insufficient_data"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", doc["control"]["as_of"])


def test_chart_limits_are_the_control_charts_in_the_kpis_units(rep):
    charts = rep.to_dict()["control"]["charts"]
    c = rep.control
    # a rate: the p-chart's own limits
    _, flip, chart = c.charts["o-conv"]
    f = chart.to_frame()
    assert charts["o-conv"]["kind"] == "p" and not flip
    np.testing.assert_allclose(charts["o-conv"]["upper"], f["upper"], rtol=1e-12)
    # a cost per order: the u-chart of orders per unit of cost, inverted (and swapped)
    _, flip, chart = c.charts["o-cpa"]
    f = chart.to_frame()
    assert charts["o-cpa"]["kind"] == "u" and flip
    np.testing.assert_allclose(charts["o-cpa"]["upper"], 1 / f["lower"], rtol=1e-12)
    np.testing.assert_allclose(charts["o-cpa"]["lower"], 1 / f["upper"], rtol=1e-12)
    # a count per week: the u-chart per day times the days of the week
    _, flip, chart = c.charts["o-visitors"]
    f = chart.to_frame()
    s = c.series[c.series["objective"] == "o-visitors"]
    rows = (s["rows"] / s["coverage"]).to_numpy()
    np.testing.assert_allclose(charts["o-visitors"]["centre"], f["centre"] * rows, rtol=1e-12)
    # another ratio: an EWMA chart of the series itself
    assert charts["o-roas"]["kind"] == "ewma" and charts["o-roas"]["ewma"] is not None


def test_trend_reaches_the_projection_at_the_deadline(rep):
    charts = rep.to_dict()["control"]["charts"]
    k = rep.control.kpis.set_index("objective")
    for oid in ("o-conv", "o-cpa", "o-roas", "o-visitors"):
        t = charts[oid]["trend"]
        x = (pd.Timestamp(charts[oid]["deadline"]) - pd.Timestamp(t["origin"])).days
        assert t["slope_per_day"] * x + t["intercept"] == pytest.approx(
            k.loc[oid, "projected"], rel=1e-9)


def test_html_is_self_contained_with_every_chart(rep):
    page = rep.to_html()
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    # Gantt, one chart per KPI with a series, funnel, what works
    assert page.count("<svg") == 1 + 4 + 1 + 1
    assert "aria-label='Gantt chart'" in page and "aria-label='RACE funnel'" in page
    for needle in ("Integrated plan table", "5S scoreboard", "Experiments",
                   "Recommendations", "Alerts", "Validation findings", "Data findings"):
        assert needle in page
    # missing values show as "-", never as Python's or pandas' names for them
    words = set(re.sub(r"<[^>]+>", " ", page).split())
    assert not {"None", "NaT", "nan", "NaN"} & words
    # no scripts, nothing fetched at view time
    assert "<script" not in page.lower()
    assert not re.search(r"(src|href)\s*=\s*['\"]?(https?:)?//", page)
    assert "render" in rep.timings


def test_every_user_text_is_escaped():
    evil = "<script>alert(1)</script>"
    p = Plan(id="p<b class=x>", name=evil, start="2027-01-01", end="2027-12-31")
    p.add_objective("o-<i class=y>", kpi="conversion_rate", target=0.02, deadline="2027-06-30",
                    statement=evil, scope={"channel": evil})
    p.add_tactic("t-<x>", channel=evil, start="2027-01-01", end="2027-03-01", budget=1000,
                 kpis=["conversion_rate"])
    days = pd.date_range("2027-01-01", "2027-02-28")
    df = pd.DataFrame({"date": days, "channel": evil, "sessions": 1000, "orders": 20,
                       "cost": 100.0, "visitors": 900})
    page = report.build_report(p, df).to_html()
    assert "<script" not in page and "<b class" not in page and "<i class" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    md = report.build_report(p, df).to_markdown()
    assert evil in md  # Markdown is text; its table cells escape the pipe


def test_markdown_has_the_plan_and_the_control_tables(rep):
    md = rep.to_markdown()
    assert md.startswith("# Control test\n")
    assert "Critical path: t-site -> t-social" in md
    assert "| o-conv | Conversion rate |" in md
    plan_only = report.build_report(_scheduled_plan()).to_markdown()
    assert "No data: the Control stage was not run." in plan_only


def test_a_plan_that_cannot_be_scheduled_still_reports():
    p = _scheduled_plan()
    p.add_tactic("t-a", channel="x", start="2027-01-01", end="2027-02-01", depends_on=["t-b"])
    p.add_tactic("t-b", channel="x", start="2027-01-01", end="2027-02-01", depends_on=["t-a"])
    r = report.build_report(p, _data())
    d = r.to_dict()
    assert d["schedule"]["activities"] == [] and "cycle" in d["schedule"]["error"]
    assert "No schedule:" in r.to_html()
    assert any(f["severity"] == "error" for f in d["validation"])


@pytest.fixture()
def files(tmp_path):
    plan_path = tmp_path / "plan.yaml"
    _scheduled_plan().save(plan_path)
    data_path = tmp_path / "data.csv"
    _data().to_csv(data_path, index=False)
    return plan_path, data_path


def test_cli_report_writes_html_json_and_markdown(files, tmp_path, monkeypatch):
    plan_path, data_path = files
    monkeypatch.chdir(tmp_path)
    out = io.StringIO()
    assert cli.main(["report", str(plan_path), "--data", str(data_path),
                     "--no-progress"]) == 0
    assert (tmp_path / "report.html").read_text().startswith("<!DOCTYPE html>")
    target = tmp_path / "r.json"
    assert cli.report(str(plan_path), str(data_path), output=str(target), fmt="json",
                      out=out) == 0
    assert out.getvalue().strip() == f"report: {target}"
    doc = json.loads(target.read_text())
    jsonschema.validate(doc, SCHEMA)
    # the extension picks the format; '-' writes to standard output
    assert cli.main(["report", str(plan_path), "--data", str(data_path), "-o",
                     str(tmp_path / "r.md")]) == 0
    assert (tmp_path / "r.md").read_text().startswith("# Control test")
    out = io.StringIO()
    assert cli.report(str(plan_path), str(data_path), output="-", fmt="json", out=out) == 0
    assert json.loads(out.getvalue()) == doc
    # as-of is passed through
    out = io.StringIO()
    cli.report(str(plan_path), str(data_path), fmt="json", as_of="2027-02-01", out=out)
    assert json.loads(out.getvalue())["control"]["as_of"] == "2027-02-01"


def test_cli_report_exit_codes(files, tmp_path, capsys):
    plan_path, data_path = files
    # bad usage: 2, with the file named
    assert cli.main(["report", str(plan_path), "--data", str(tmp_path / "none.csv")]) == 2
    assert "none.csv" in capsys.readouterr().err
    bad = tmp_path / "bad.csv"
    bad.write_text("day,channel\n1,x\n")
    assert cli.main(["report", str(plan_path), "--data", str(bad), "--format", "json"]) == 2
    assert "expected a 'date' column" in capsys.readouterr().err
    assert cli.main(["report", str(tmp_path / "none.yaml")]) == 2
    assert cli.main(["report", str(plan_path), "--data", str(data_path), "-o",
                     str(tmp_path / "no" / "dir.html")]) == 2
    assert "dir.html" in capsys.readouterr().err
    # plan errors: 1, the report is still written
    p = _scheduled_plan()
    p.add_tactic("t-a", channel="x", start="2027-01-01", end="2027-02-01", depends_on=["t-b"])
    p.add_tactic("t-b", channel="x", start="2027-01-01", end="2027-02-01", depends_on=["t-a"])
    broken = tmp_path / "broken.yaml"
    p.save(broken)
    target = tmp_path / "broken.html"
    assert cli.main(["report", str(broken), "--data", str(data_path), "-o", str(target)]) == 1
    assert target.exists()


@pytest.mark.parametrize("command", [[], ["demo"], ["report"], ["validate"], ["schedule"],
                                     ["control"], ["ab"]])
def test_help_everywhere(command, capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main([*command, "--help"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.startswith("usage: sostac")


def test_progress_bar_only_for_long_steps():
    stream = io.StringIO()
    p = Progress(stream, enabled=True, delay=0.0)
    with p.step("crunching") as s:
        s.update(0.5)
        import time
        time.sleep(0.25)
    text = stream.getvalue()
    assert "\rcrunching [" in text and "100%" in text and text.endswith(" s\n")
    assert p.timings["crunching"] >= 0.25
    quick = io.StringIO()
    p = Progress(quick, enabled=True, delay=5.0)
    with p.step("quick"):
        pass
    assert quick.getvalue() == "" and "quick" in p.timings
    # off when the stream is not a terminal
    assert Progress(io.StringIO()).enabled is False


def test_report_progress_hook_sees_every_objective():
    seen = []
    report.build_report(_scheduled_plan(), _data(), progress=lambda step, f: seen.append(f))
    assert seen == [i / 6 for i in range(6)]


def test_demo_writes_the_report_and_ends_with_its_path(tmp_path):
    target = tmp_path / "new" / "dir" / "report.html"  # the folder is made
    out = io.StringIO()
    assert cli.demo(str(target), out=out) == 0
    lines = out.getvalue().splitlines()
    assert lines[-1] == f"report: {target}"
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    text = out.getvalue()
    assert "data: 1,565 rows, 181 days (2027-01-01 to 2027-06-30), 8 channels" in text
    for line in ("o-convert    conversion_rate", "x-checkout: winner: one-page",
                 "x-creative: inconclusive",
                 "attribution (Markov chain (order 1); last touch in brackets): ",
                 "display 1,776 [911]",
                 "display profitable (25 [24.4, 25.6]; last touch losing 48.8)"):
        assert line in text, line
    # credited for its assists, display no longer loses money: no budget moves from it
    assert "recommendation: move" not in text
    assert ("touchpoints: 212,163 rows, 57,749 conversions "
            "(sostac/data/demo_touchpoints.csv.gz)") in text
    assert ("orders: 81,833 by 60,085 customers (2026-07-01 to 2027-06-30; "
            "sostac/data/demo_transactions.csv.gz)") in text
    statuses = [ln.split()[-1] for ln in lines if ln.startswith("  o-")]
    # the repeat-purchase rate is counted from the order log the demo ships
    assert sorted(statuses) == ["at_risk", "off_track", "off_track", "on_track",
                                "on_track", "on_track"]
    assert "o-engage     repeat_purchase_rate       0.3066  target      0.3  on_track" in text
    assert ("engage: 60,085 customers, 22.9% bought again; most revenue from Loyal (20%); "
            "mean CLV 41.75 over 12 months") in text


def test_demo_console_script(tmp_path):
    import subprocess
    import sys

    exe = Path(sys.executable).with_name("sostac")
    proc = subprocess.run([str(exe), "demo", "-o", str(tmp_path / "r.html")],
                          capture_output=True, text=True, check=True, cwd=tmp_path)
    assert proc.stdout.splitlines()[-1] == f"report: {tmp_path / 'r.html'}"
    assert proc.stderr == ""  # no progress bar when standard error is not a terminal


def test_read_data_takes_csv_gzip_and_parquet_alike(tmp_path, files):
    plan_path, data_path = files
    df = _data()
    df.to_csv(tmp_path / "d.csv.gz", index=False)
    df.to_parquet(tmp_path / "d.parquet")
    docs = []
    for path in (data_path, tmp_path / "d.csv.gz", tmp_path / "d.parquet"):
        frame = report.read_data(str(path))
        # times stay as read (the Control stage's input rules parse them)
        times = sostac.io.to_datetime(frame["date"], "date")
        assert (times.to_numpy() == pd.to_datetime(df["date"]).to_numpy()).all()
        out = io.StringIO()
        assert cli.report(str(plan_path), str(path), fmt="json", output="-", out=out) == 0
        docs.append(json.loads(out.getvalue()))
    assert docs[0] == docs[1] == docs[2]
    (tmp_path / "bad.parquet").write_text("not parquet")
    with pytest.raises(ValueError, match="bad.parquet"):
        report.read_data(str(tmp_path / "bad.parquet"))
    with pytest.raises(ValueError, match="expected a 'day' column"):
        report.read_data(str(data_path), time="day")


def test_save_picks_the_format_and_refuses_an_unknown_one(rep, tmp_path):
    assert rep.save(str(tmp_path / "r.json")) == str(tmp_path / "r.json")
    jsonschema.validate(json.loads((tmp_path / "r.json").read_text()), SCHEMA)
    rep.save(str(tmp_path / "r.md"))
    assert (tmp_path / "r.md").read_text().startswith("# Control test")
    rep.save(str(tmp_path / "r.txt"))  # anything else: HTML
    assert (tmp_path / "r.txt").read_text().startswith("<!DOCTYPE html>")
    with pytest.raises(ValueError, match="^format: expected 'html', 'json' or 'md', got 'xml'"):
        rep.save(str(tmp_path / "r.xml"), format="xml")
    assert not (tmp_path / "r.xml").exists()


# -- issue 13: the report for people ----------------------------------------------------
DEMO = Path(sostac.__file__).parent / "data"


@pytest.fixture(scope="module")
def demo():
    """The shipped demo (currency GBP, revision 1, stage control, data from Friday
    1 Jan 2027)."""
    plan = Plan.load(DEMO / "demo_plan.yaml")
    return report.build_report(plan, report.read_data(str(DEMO / "demo_daily.csv")))


def _text(fragment: str) -> str:
    import html as _html

    return _html.unescape(re.sub(r"<[^>]+>", " ", fragment))


def _section(page: str, heading: str) -> str:
    """The HTML from the heading (h2 or h3) with this text to the next h2."""
    start = re.search(rf"<h[23][^>]*>{re.escape(heading)}</h[23]>", page)
    assert start, heading
    end = page.find("<h2", start.end())
    return page[start.start():end if end > 0 else len(page)]


def _table_rows(fragment: str) -> list:
    """[[header cells], [row cells], ...] of the first table in the fragment."""
    table = re.search(r"<table[^>]*>.*?</table>", fragment, re.S).group(0)
    return [[_text(c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", tr, re.S)]
            for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S)]


def _pct(v: float) -> str:
    """3 significant digits of a share as a percentage, as the report writes it."""
    return report._digits(100 * v, 3, strip=False)


def test_each_objective_opens_with_one_plain_sentence(demo):
    page = demo.to_html()
    k = demo.control.kpis.set_index("objective")
    heads = dict(re.findall(r"<h3>(o-[\w-]+): [^<]*<span[^>]*>[^<]*</span></h3>"
                            r"\s*<div class='kpi'>.*?<p class='headline'>([^<]*)</p>", page, re.S))
    assert set(heads) == set(k.index)
    conv = k.loc["o-convert"]
    assert _text(heads["o-convert"]) == (
        f"Conversion rate is {_pct(conv['value'])} % to date against a target of 2.6 %; "
        f"the trend points to {_pct(conv['projected'])} % ({_pct(conv['projected_low'])}"
        f"–{_pct(conv['projected_high'])} %) by 30 Sep 2027: at risk.")
    save = k.loc["o-save"]
    assert _text(heads["o-save"]) == (
        f"Cost per acquisition is £{save['value']:.2f} to date against a target of £20; "
        f"the trend points to £{save['projected']:.2f} (£{save['projected_low']:.2f}–"
        f"£{save['projected_high']:.2f}) by 30 Nov 2027: off track.")
    reach = k.loc["o-reach"]
    assert _text(heads["o-reach"]).startswith(
        f"Visits are {reach['value']:,.0f} a month to date against a target of "
        f"64,000 a month; the trend points to {reach['projected']:,.0f} (")
    # a KPI the daily rows cannot answer (distinct customers) says it has no value
    assert _text(heads["o-engage"]) == ("Repeat-purchase rate has no value to date "
                                        "(target 30 % by 31 Dec 2027): insufficient data.")
    for oid, sentence in heads.items():  # one sentence, ending with the verdict
        assert _text(sentence).count(". ") == 0
        assert _text(sentence).endswith(": " + k.loc[oid, "status"].replace("_", " ") + ".")


def test_the_statistical_rule_is_one_click_away(demo):
    page = demo.to_html()
    kpis = _section(page, "KPIs against their targets")
    outside = re.sub(r"<details>.*?</details>", "", kpis, flags=re.S)
    assert "H0" not in outside and "p = " not in outside and "statistic" not in outside
    opened = re.findall(r"<details><summary>How this was decided</summary><p>(.*?)</p>"
                        r"</details>", page, re.S)
    assert len(opened) == len(demo.control.kpis)
    for rule, text in zip(demo.control.kpis["rule"], opened):
        assert _text(text).endswith(rule)
    assert "<script" not in page.lower()
    # the rule is an opaque string: whatever the Control stage writes is shown, escaped
    r = report.build_report(_scheduled_plan(), _data())
    r.control.kpis.loc[0, "rule"] = "H0: x >= 1 <b>; dispersion 1.7 x binomial; p < 0.001"
    assert ("How this was decided</summary><p>" in r.to_html()
            and "H0: x &gt;= 1 &lt;b&gt;; dispersion 1.7 x binomial; p &lt; 0.001</p>"
            in r.to_html())
    md = r.to_markdown()
    assert "<summary>How this was decided</summary>" in md
    assert "H0: x >= 1 <b>; dispersion 1.7 x binomial; p < 0.001" in md


def test_column_titles_are_words_and_the_json_keys_stay(demo):
    page = demo.to_html()
    titles = [_text(t).strip() for t in re.findall(r"<th[^>]*>(.*?)</th>", page, re.S)]
    assert "5S" in titles and "Rate from previous step" in titles and "CPA (range)" in titles
    assert not [t for t in titles if "_" in t or re.fullmatch(r"[a-z ]+", t)]
    md = demo.to_markdown()
    lines = md.splitlines()
    heads = [lines[i] for i in range(len(lines) - 1) if lines[i + 1].startswith("|---")]
    assert len(heads) >= 7 and "| 5S | Objectives |" in md
    assert not [h for h in heads if "_" in h]
    doc = demo.to_dict()
    assert "five_s" in doc["control"]["scoreboard"][0]
    assert "rate_from_previous" in doc["control"]["race_funnel"][0]
    assert "five_s" in doc["integrated_plan"][0]


@pytest.mark.parametrize("value, kind, currency, text", [
    (1528293.0, "count", None, "1,528,293"), (641843.0, "count", None, "641,843"),
    (641843, "number", None, "641,843"), (57749.0, "count", None, "57,749"),
    (37262.8, "money", "GBP", "£37,263"), (24.7673, "money", "GBP", "£24.77"),
    (20.0, "money", "EUR", "€20.00"), (1200.0, "money", "CHF", "CHF 1,200"),
    (-5.0, "money", "USD", "-$5.00"), (24.77, "money", None, "24.77"),
    (0.0217079, "percent", None, "2.17 %"), (0.4, "percent", None, "40.0 %"),
    (3.17425, "ratio", None, "3.17"), (2.55e-179, "p", None, "< 0.001"),
    (0.19882, "p", None, "0.199"), (8.28502, "signed", None, "+8.29"),
    (float("nan"), "money", "GBP", "–"), (None, "count", None, "–"),
    (float("inf"), "percent", None, "–"), (float("-inf"), "number", None, "–"),
])
def test_one_number_formatter(value, kind, currency, text):
    assert report._num(value, kind, currency) == text


def test_numbers_have_separators_currency_and_dashes(demo):
    page = demo.to_html()
    works = _table_rows(_section(page, "Channels by CPA against break-even, and ROAS"))
    names = ["Channel", "Tactics", "Cost", "Orders", "Revenue", "CPA (range)"]
    rows = {r[0]: dict(zip(names, r)) for r in works[1:]}  # by position
    # 1,528,293 beside 641,843 alike, amounts in the plan's currency
    assert rows["site"]["Revenue"] == "£1,528,293" and rows["email"]["Revenue"] == "£641,843"
    assert rows["paid_search"]["Cost"].startswith("£") and rows["email"]["Orders"] == "9,667"
    # no spend: CPA and ROAS are undefined, never "0 [0, 0]"
    for ch in ("content", "email", "seo", "site", "social"):
        assert rows[ch]["CPA (range)"] == "–"
        assert works[1 + list(rows).index(ch)][7] == "–"  # ROAS
    assert "0 [0, 0]" not in page and "[0, 0]" not in demo.to_markdown()
    w = demo.control.what_works.set_index("channel").loc["display"]
    assert rows["display"]["CPA (range)"] == (
        f"£{w['cpa']:.2f} (£{w['cpa_low']:.2f}–£{w['cpa_high']:.2f})")
    assert works[0][:6] == names and works[0][7] == "ROAS (range)"
    # no number of five or more digits without separators in any table cell
    cells = [_text(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", page, re.S)]
    assert not [c for c in cells if re.search(r"(?<![\d.,])\d{5,}", c)
                and "=" not in c and "[" not in c]  # the plan's and the rules' own text
    plan = _section(page, "Plan")
    assert "£800,000" in plan and "£781,000" in plan and "Margin 45 %" in plan
    assert "| paid_search | t-paid-search | £164,029 |" in demo.to_markdown()


def test_no_alert_names_a_period_before_the_data_start(demo):
    first = pd.Timestamp("2027-01-01")  # a Friday: its week is labelled Monday 28 Dec 2026
    assert demo.control._data["date"].min() == first
    labels = pd.to_datetime(demo.control.alerts["period"])
    assert (labels < first).any()  # the Control stage's label: the week's Monday
    alerts = _table_rows(_section(demo.to_html(), "Alerts"))
    shown = [pd.Timestamp(r[3]) for r in alerts[1:]]
    assert len(shown) == len(labels) and min(shown) == first
    assert [max(a, first) for a in labels] == shown
    assert alerts[0][3] == "Period from"
    md = demo.to_markdown()
    assert "2026" not in md.split("## Alerts")[1].split("##")[0]
    # nor does a chart's point: the first week is named by its first day with data
    assert "28 Dec 2026" not in demo.to_html() and "2026-12-28" not in demo.to_html()


def test_the_funnel_states_its_units(demo):
    page = demo.to_html()
    part = _section(page, "RACE funnel")
    rows = _table_rows(_section(page, "RACE funnel, numbers"))
    unit = {r[0]: r[1] for r in rows[1:]}
    assert unit == {"reach": "visits (sessions)",
                    "act": "engaged sessions (sessions without a bounce)",
                    "convert": "orders", "engage": "repeat customers, daily counts added up"}
    assert rows[0][:3] == ["Stage", "Counted in", "Count"]
    svg = re.search(r"<svg[^>]*RACE funnel.*?</svg>", part, re.S).group(0)
    for u in unit.values():
        assert f">{u}</text>" in svg
    assert "counted in its own unit" in _text(part)
    assert "| reach | visits (sessions) | 2,402,762 |" in demo.to_markdown()
    # a distinct count from daily rows says it is a sum of daily counts
    assert report._funnel_unit("visitors") == "visitors, daily counts added up"


def _clipped(svg: str) -> list:
    """The texts of an SVG that reach outside its viewBox (by the report's own width
    estimate of a text)."""
    width = float(re.search(r"viewBox='0 0 ([\d.]+) ", svg).group(1))
    out = []
    for attrs, text in re.findall(r"<text ([^>]*)>([^<]*)</text>", svg):
        x = float(re.search(r"x='([-\d.]+)'", attrs).group(1))
        size = float(re.search(r"font-size='([\d.]+)'", attrs).group(1))
        anchor = (re.search(r"text-anchor='(\w+)'", attrs) or [None, "start"])[1]
        lo, hi = report._text_span(x, _text(text), size, anchor, "bold" in attrs)
        if lo < 0 or hi > width:
            out.append(_text(text))
    return out


def test_no_svg_label_is_clipped(demo):
    page = demo.to_html()
    svgs = re.findall(r"<svg.*?</svg>", page, re.S)
    # the Gantt, a chart per objective with a series (not o-engage: no value), the
    # funnel and what works
    assert len(svgs) == 1 + 5 + 1 + 1
    for svg in svgs:
        assert _clipped(svg) == []
    gantt = svgs[0]
    assert ">Jan 2028</text>" in gantt or ">Dec 2027</text>" in gantt
    # long names widen the name column instead of running off the left edge
    p = _scheduled_plan()
    p.add_tactic("t-a-very-long-tactic-name-for-the-autumn-campaign", channel="site",
                 start="2027-09-01", end="2027-12-31")
    for svg in re.findall(r"<svg.*?</svg>", report.build_report(p).to_html(), re.S):
        assert _clipped(svg) == []


def test_a_plan_built_in_code_shows_defaults(rep, demo):
    page, md = rep.to_html(), rep.to_markdown()
    for text in (_text(page), md):
        assert not re.search(r"None(?!\.)", text)  # "None." is an empty table
        assert "revision None" not in text and "stage None" not in text
    assert "Plan p , no revision or stage recorded." in " ".join(_text(page).split())
    assert "Plan `p`, no revision or stage recorded," in md
    assert "none stated (amounts without a unit)" in _text(page)
    # amounts without a currency are plain numbers
    assert rep.to_dict()["plan"]["currency"] is None and "50,000" in _text(page)
    assert "revision 1, stage control" in demo.to_html()
    assert "Plan `northwind-gifts-2027`, revision 1, stage control" in demo.to_markdown()


def test_json_keeps_every_number(demo):
    doc = json.loads(demo.to_json())
    jsonschema.validate(doc, SCHEMA)
    c = demo.control
    got = {r["objective"]: r for r in doc["control"]["kpis"]}
    for r in c.kpis.to_dict("records"):
        for key in ("value", "low", "high", "p_value", "projected", "statistic"):
            v = got[r["objective"]][key]  # exactly, not rounded; undefined is null
            assert (v is None and not np.isfinite(r[key])) or v == float(r[key])
    works = {r["channel"]: r for r in doc["control"]["what_works"]}
    for r in c.what_works.to_dict("records"):
        for key in ("cost", "revenue", "cpa", "cpa_low", "cpa_high", "roas"):
            v = works[r["channel"]][key]
            assert (v is None and not np.isfinite(r[key])) or v == float(r[key])
    amounts = [r["amount"] for r in doc["control"]["recommendations"]]
    assert amounts == list(c.recommendations["amount"]) and amounts[0] != round(amounts[0])
    assert [r["count"] for r in doc["control"]["race_funnel"]] == list(c.race_funnel["count"])


def test_the_sentence_without_data_or_currency(rep):
    page = rep.to_html()
    heads = [_text(h) for h in re.findall(r"<p class='headline'>([^<]*)</p>", page)]
    assert ("Click-through rate has no value to date (target 1 % by 30 Jun 2027): "
            "insufficient data.") in heads
    cpa = rep.control.kpis.set_index("objective").loc["o-cpa"]
    # no currency in the plan: amounts are plain numbers, never "None 19.14"
    assert (f"Cost per acquisition is {cpa['value']:.2f} to date against a target of 20; "
            f"the trend points to {cpa['projected']:.2f} (") in " ".join(heads)
    assert any(h.startswith("Visits are ") and " a week to date against a target "
               "of 5,000 a week; " in h for h in heads)
    # a week that starts before the data is named by the data's first day, zone or not
    ctx = report._Ctx({}, None, pd.Timestamp("2027-01-01"))
    assert ctx.period(pd.Timestamp("2026-12-28", tz="UTC")) == "1 Jan 2027"
    assert ctx.period(pd.Timestamp("2027-01-04")) == "4 Jan 2027" and ctx.period(None) == "–"
