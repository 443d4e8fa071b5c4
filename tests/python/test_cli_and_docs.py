"""The demo, the README's examples and every docstring example run as written."""

from __future__ import annotations

import doctest
import io
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import sostac
import sostac._kpi
import sostac.plan
import sostac.stats.bayes
import sostac.stats.means
import sostac.stats.multiple
import sostac.stats.power
import sostac.stats.proportions
from sostac import cli

ROOT = Path(__file__).resolve().parents[2]


def test_version():
    assert re.fullmatch(r"\d+\.\d+\.\d+", sostac.__version__)


def test_ab_on_shipped_sample():
    out = io.StringIO()
    assert cli.ab(out=out) == 0
    text = out.getvalue()
    for needle in ("Sample-ratio check", "Fisher exact", "P(B > A)", "minimum detectable", "Verdict"):
        assert needle in text


def test_ab_on_a_user_csv(tmp_path):
    f = tmp_path / "ab.csv"
    f.write_text("date,variant,visitors,conversions\n2026-01-01,ctrl,1000,50\n2026-01-01,new,1000,52\n")
    out = io.StringIO()
    cli.ab(str(f), out=out)
    assert "control = ctrl, variant = new" in out.getvalue()
    assert "no decision" in out.getvalue()


def test_ab_rejects_a_bad_csv(tmp_path):
    f = tmp_path / "ab.csv"
    f.write_text("day,arm\n1,A\n")
    with pytest.raises(cli._Usage, match="expected CSV columns"):
        cli.ab(str(f), out=io.StringIO())
    # through the command: one line, exit 2 (bad input), as for every command
    cases = {"day,arm\n1,A\n": "expected CSV columns ['conversions', 'date', 'variant', "
                                "'visitors'], found ['day', 'arm']",
             "date,variant,visitors,conversions\n2026-01-01,A,10,1\n\n2026-01-01,B,9.5,1\n":
                 "visitors: line 4: expected a whole count, got 9.5",
             "date,variant,visitors,conversions\n2026-01-01,A,ten,1\n":
                 "visitors[0]: expected a number, got 'ten'",
             "date,variant,visitors,conversions\n2026-01-01,A,10,1\n":
                 "the demo compares exactly 2 variants, found ['A']"}
    exe = Path(sys.executable).with_name("sostac")
    for text, message in cases.items():
        f.write_text(text)
        proc = subprocess.run([str(exe), "ab", str(f)], capture_output=True, text=True)
        assert proc.returncode == 2 and message in proc.stderr, proc.stderr
        assert "Traceback" not in proc.stderr


def test_ab_reads_a_semicolon_csv_like_the_comma_one(tmp_path):
    comma, semi = tmp_path / "c.csv", tmp_path / "s.csv"
    comma.write_text("date,variant,visitors,conversions\n2026-01-01,A,1000,50\n"
                     "2026-01-01,B,1000,70\n")
    semi.write_text(comma.read_text().replace(",", ";"))
    a, b = io.StringIO(), io.StringIO()
    cli.ab(str(comma), out=a)
    cli.ab(str(semi), out=b)
    assert a.getvalue().replace(str(comma), "F") == b.getvalue().replace(str(semi), "F")


def test_console_script_runs():
    exe = Path(sys.executable).with_name("sostac")
    assert exe.exists(), "the sostac console script is installed with the package"
    proc = subprocess.run([str(exe), "ab"], capture_output=True, text=True, check=True)
    assert "Verdict" in proc.stdout


@pytest.mark.parametrize(
    "module",
    [sostac, sostac._kpi, sostac.control, sostac.io, sostac.metrics, sostac.plan, sostac.report, sostac.stats.proportions, sostac.stats.means, sostac.stats.multiple,
     sostac.stats.power, sostac.stats.bayes],
)
def test_docstring_examples(module):
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


def _readme_block(lang: str) -> str:
    text = (ROOT / "README.md").read_text()
    blocks = re.findall(rf"```{lang}\n(.*?)```", text, flags=re.S)
    assert blocks, f"README has a {lang} example"
    return blocks[0]


def test_readme_python_example_runs():
    code = _readme_block("python")
    assert len(code.strip().splitlines()) == 10
    exec(compile(code, "README.md", "exec"), {})


@pytest.mark.skipif(shutil.which("g++") is None, reason="needs g++")
def test_readme_cpp_example_runs(tmp_path):
    src = tmp_path / "readme.cpp"
    code = _readme_block("cpp")
    assert len(code.strip().splitlines()) == 10
    src.write_text(code)
    exe = tmp_path / "readme"
    subprocess.run(
        ["g++", "-std=c++17", "-O1", "-DSOSTAC_HEADER_ONLY", f"-I{ROOT / 'include'}", "-I/usr/include/eigen3",
         str(src), "-o", str(exe), "-pthread"],
        check=True, capture_output=True, text=True,
    )
    out = subprocess.run([str(exe)], check=True, capture_output=True, text=True).stdout
    assert "P(B>A)" in out and "lift" in out


@pytest.mark.skipif(shutil.which("g++") is None, reason="needs g++")
def test_plan_doc_cpp_example_runs(tmp_path):
    # docs/plan.md's C++ block: its preamble, then its statements inside main()
    text = (ROOT / "docs" / "plan.md").read_text()
    (block,) = re.findall(r"```cpp\n(.*?)```", text, flags=re.S)
    preamble, body = block.split("\n\n", 1)
    src = tmp_path / "plan_doc.cpp"
    src.write_text(f"{preamble}\n#include <cstdio>\nint main() {{\n{body}}}\n")
    shutil.copy(ROOT / "examples" / "plans" / "b2b_paid_search.json", tmp_path / "plan.json")
    exe = tmp_path / "plan_doc"
    subprocess.run(
        ["g++", "-std=c++17", "-O1", "-DSOSTAC_HEADER_ONLY", f"-I{ROOT / 'include'}", "-I/usr/include/eigen3",
         str(src), "-o", str(exe), "-pthread"],
        check=True, capture_output=True, text=True,
    )
    out = subprocess.run([str(exe)], check=True, capture_output=True, text=True,
                         cwd=tmp_path).stdout
    # the example plan has no findings; the review changes the stage, the revision and
    # the objective's baseline, and adds the situation with its new baseline
    assert out.splitlines() == ["plan.stage", "plan.revision", "objectives[0].baseline",
                                "situation"]


def _doc_examples(path: Path):
    """(code, expected output or None) for each ```python block of a Markdown page;
    the expected output is the ```text block after an "Output:" line."""
    text = path.read_text()
    pattern = re.compile(r"```python\n(.*?)```\s*(?:Output:\s*```text\n(.*?)```)?", re.S)
    return [(m.group(1), m.group(2)) for m in pattern.finditer(text)]


STATS_DOC = ROOT / "docs" / "stats.md"


@pytest.mark.parametrize("i", range(len(_doc_examples(STATS_DOC))))
def test_stats_doc_examples_print_what_the_page_says(i):
    code, expected = _doc_examples(STATS_DOC)[i]
    if code.lstrip().startswith("stats.") and "import" not in code:
        pytest.skip("signature listing, not an example")
    buf = io.StringIO()
    old = sys.stdout
    sys.stdout = buf
    try:
        exec(compile(code, f"docs/stats.md example {i}", "exec"), {})
    finally:
        sys.stdout = old
    if expected is not None:
        assert buf.getvalue().strip() == expected.strip()


@pytest.mark.parametrize(
    "name", sorted(sostac.stats.__all__) + ["set_num_threads", "get_num_threads", "kpi_catalog"]
)
def test_public_functions_have_numpydoc_sections(name):
    import inspect

    f = getattr(sostac.stats, name, None) or getattr(sostac, name)
    doc = inspect.getdoc(f) or ""
    for section in ("Parameters", "Returns", "Examples"):
        assert f"{section}\n---" in doc, f"{name}: no {section} section"


def test_plan_doc_python_example_runs(tmp_path, monkeypatch):
    code = _doc_examples(ROOT / "docs" / "plan.md")[0][0]
    monkeypatch.chdir(ROOT)
    code = code.replace('plan.save("plan.json")', f'plan.save({str(tmp_path / "plan.json")!r})')
    exec(compile(code, "docs/plan.md", "exec"), {})


def test_plan_doc_building_example_runs():
    code = _doc_examples(ROOT / "docs" / "plan.md")[1][0]
    assert "add_objective" in code
    buf = io.StringIO()
    old = sys.stdout
    sys.stdout = buf
    try:
        exec(compile(code, "docs/plan.md", "exec"), {})
    finally:
        sys.stdout = old
    assert buf.getvalue().strip() == "[]"


def test_validate_and_control_commands(tmp_path, capsys):
    import pandas as pd

    plans = ROOT / "examples" / "plans"
    assert cli.main(["validate", str(plans / "ecommerce_race.yaml")]) == 0
    assert "0 error(s)" in capsys.readouterr().out
    broken = tmp_path / "broken.json"
    broken.write_text('{"sostac": 1, "plan": {"id": "x"}}')
    assert cli.main(["validate", str(broken)]) == 1
    assert "error: plan.name" in capsys.readouterr().out
    # control on a small daily aggregate for the example's conversion objective
    days = pd.date_range("2027-01-04", periods=56)
    pd.DataFrame({"date": days.strftime("%Y-%m-%d"), "channel": "site", "sessions": 1000,
                  "orders": [17 + (i // 7) % 3 for i in range(56)]}).to_csv(
        tmp_path / "daily.csv", index=False)
    plan = str(plans / "ecommerce_race.yaml")
    assert cli.main(["control", plan, "--data", str(tmp_path / "daily.csv")]) == 0
    md = capsys.readouterr().out
    assert md.startswith("# KPI status as of 2027-02-28")
    assert "| o-convert | conversion_rate | 0.01787 | 0.022 | at_risk |" in md
    assert cli.main(["control", plan, "--data", str(tmp_path / "daily.csv"),
                     "--format", "json", "--as-of", "2027-01-31"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["as_of"] == "2027-01-31" and {k["objective"] for k in d["kpis"]} >= {"o-convert"}
    # bad usage: exit code 2 and a message naming the file
    assert cli.main(["control", plan, "--data", str(tmp_path / "missing.csv")]) == 2
    assert "missing.csv" in capsys.readouterr().err
    (tmp_path / "nodate.csv").write_text("day,orders\n1,2\n")
    assert cli.main(["control", plan, "--data", str(tmp_path / "nodate.csv")]) == 2
    assert "expected a 'date' column" in capsys.readouterr().err
    with pytest.raises(SystemExit) as e:
        cli.main(["control", plan])  # --data is required
    assert e.value.code == 2


def test_schedule_command(tmp_path, capsys):
    plans = ROOT / "examples" / "plans"
    assert cli.main(["schedule", str(plans / "ecommerce_race.yaml")]) == 0
    out = capsys.readouterr().out
    assert "t-paid-social" in out and "slack_days" in out
    assert out.splitlines()[-1] == "critical path: t-email"
    cyc = tmp_path / "cycle.json"
    shutil.copy(ROOT / "tests" / "fuzz" / "corpus" / "cycle.json", cyc)
    assert cli.main(["schedule", str(cyc)]) == 1
    assert "no schedule" in capsys.readouterr().out
    assert cli.main(["schedule", str(tmp_path / "none.yaml")]) == 2
    assert "none.yaml" in capsys.readouterr().err


@pytest.mark.parametrize("day", ["04/05/2027", "2027-4-5", "2027-02-30", "20270405"])
def test_as_of_accepts_only_yyyy_mm_dd(day):
    # observed: --as-of 04/05/2027 was taken as 5 April without a word
    from importlib import resources

    plan = resources.files("sostac") / "data" / "demo_plan.yaml"
    data = resources.files("sostac") / "data" / "demo_daily.csv"
    proc = subprocess.run([sys.executable, "-m", "sostac", "control", str(plan), "--data",
                           str(data), "--as-of", day], capture_output=True, text=True)
    assert proc.returncode == 2
    assert f"--as-of: expected a day as YYYY-MM-DD, got '{day}'" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_as_of_yyyy_mm_dd_is_used():
    from importlib import resources

    plan = resources.files("sostac") / "data" / "demo_plan.yaml"
    data = resources.files("sostac") / "data" / "demo_daily.csv"
    proc = subprocess.run([sys.executable, "-m", "sostac", "control", str(plan), "--data",
                           str(data), "--as-of", "2027-04-05"], capture_output=True, text=True)
    assert proc.returncode in (0, 1), proc.stderr
    assert "2027-04-05" in proc.stdout
