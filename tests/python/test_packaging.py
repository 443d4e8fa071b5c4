"""Optional dependencies: a missing one gives one line naming the pip extra (issue 13)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

import sostac
from sostac._optional import MissingExtraError, require

ROOT = Path(__file__).resolve().parents[2]
YAML_PLAN = ROOT / "examples" / "plans" / "b2b_paid_search.yaml"
JSON_PLAN = ROOT / "examples" / "plans" / "b2b_paid_search.json"


def test_require_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "yaml", None)  # import yaml now raises ImportError
    with pytest.raises(MissingExtraError) as info:
        require("yaml", "yaml", "YAML plans need PyYAML")
    assert str(info.value) == 'sostac: YAML plans need PyYAML: pip install "sostac[yaml]"'
    assert isinstance(info.value, ImportError)


def test_yaml_plan_without_pyyaml(monkeypatch):
    monkeypatch.setitem(sys.modules, "yaml", None)
    with pytest.raises(ImportError, match=r'pip install "sostac\[yaml\]"'):
        sostac.Plan.load(YAML_PLAN)


def test_table_without_pandas(monkeypatch):
    plan = sostac.Plan.load(JSON_PLAN)
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(MissingExtraError, match=r'table\(\) needs pandas: pip install "sostac\[pandas\]"'):
        plan.table()


def test_data_analyses_without_pandas(monkeypatch):
    # a dict of arrays needs no pandas of its own, but the analyses do: one line
    plan = sostac.Plan.load(JSON_PLAN)
    data = {"date": ["2027-01-01"], "channel": ["a"], "clicks": [1], "impressions": [10]}
    monkeypatch.setitem(sys.modules, "pandas", None)
    for call in (lambda: plan.control(data), lambda: sostac.metrics.kpi_table(data, "ctr"),
                 lambda: sostac.io.clean(data)):
        with pytest.raises(MissingExtraError, match=r'pip install "sostac\[pandas\]"'):
            call()


def test_gantt_without_matplotlib(monkeypatch):
    plan = sostac.Plan.load(JSON_PLAN)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(MissingExtraError, match=r'pip install "sostac\[plot\]"'):
        plan.gantt()


def _cli_without(module, *args):
    """The real command with ``module`` blocked, as if not installed."""
    code = (f"import sys; sys.modules[{module!r}] = None; "
            "from sostac.cli import main; sys.exit(main(sys.argv[1:]))")
    # the installed package (the source tree has no compiled _core)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True,
                          text=True, env=env, timeout=120, cwd=str(ROOT / "tests"))


def test_cli_without_pyyaml_one_line_exit_2():
    r = _cli_without("yaml", "validate", str(YAML_PLAN))
    assert r.returncode == 2, r.stderr
    assert r.stderr.strip() == 'sostac: YAML plans need PyYAML: pip install "sostac[yaml]"'
    assert "Traceback" not in r.stderr


def test_cli_with_pyyaml_validates():  # the same command is fine when PyYAML is there
    r = _cli_without("not_a_module_sostac_blocks", "validate", str(YAML_PLAN))
    assert r.returncode == 0, r.stderr


@pytest.mark.parametrize("name", ["b2b_paid_search.json", "b2b_paid_search.yaml"])
def test_plan_with_bom_loads(tmp_path, name):
    f = tmp_path / name
    f.write_bytes(b"\xef\xbb\xbf" + (ROOT / "examples" / "plans" / name).read_bytes())
    assert sostac.Plan.load(f).to_dict()["plan"]["id"] == "b2b-paid-search-2027"


def test_plan_not_utf8(tmp_path):
    f = tmp_path / "plan.json"
    f.write_bytes(b'{"plan": "caf\xe9"}')
    with pytest.raises(ValueError, match=r"plan.json: not UTF-8 text \(byte 0xe9 at offset 13\); re-save it as UTF-8"):
        sostac.Plan.load(f)


def test_plan_empty(tmp_path):
    f = tmp_path / "plan.yaml"
    f.write_text("\n")
    with pytest.raises(ValueError, match="plan.yaml: the file is empty"):
        sostac.Plan.load(f)


def test_yaml_duplicated_key(tmp_path):
    f = tmp_path / "plan.yaml"
    f.write_text("sostac: 1\nplan:\n  id: a\n  id: b\n")
    with pytest.raises(ValueError, match=r"duplicated key 'id' \(line 4\)"):
        sostac.Plan.load(f)


@pytest.mark.parametrize("content, message", [
    (b"", "plan.json: the file is empty"),
    (b'{"a": "\xe9"}', "plan.json: not UTF-8 text (byte 0xe9 at offset 7); re-save it as UTF-8"),
])
def test_cli_bad_plan_file_one_line_exit_2(tmp_path, content, message):
    f = tmp_path / "plan.json"
    f.write_bytes(content)
    r = _cli_without("not_a_module_sostac_blocks", "validate", str(f))
    assert r.returncode == 2, r.stderr
    assert message in r.stderr and "Traceback" not in r.stderr
