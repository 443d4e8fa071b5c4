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
                 "x-creative: inconclusive", "display losing",
                 "recommendation: move 37,263 from display to paid_search"):
        assert line in text, line
    statuses = [ln.split()[-1] for ln in lines if ln.startswith("  o-")]
    assert sorted(statuses) == ["at_risk", "at_risk", "off_track", "off_track", "on_track",
                                "on_track"]


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
        assert pd.api.types.is_datetime64_any_dtype(frame["date"]) and len(frame) == len(df)
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
