"""The committed type stubs describe exactly what the compiled core exports."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import sostac
from sostac import _core

STUB = Path(sostac.__file__).with_name("_core.pyi")


def _stub_tree():
    return ast.parse(STUB.read_text())


def test_stub_and_marker_are_installed():
    assert STUB.exists()
    assert Path(sostac.__file__).with_name("py.typed").exists()


def test_stub_lists_every_stats_kernel_with_its_arguments():
    tree = _stub_tree()
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "_Stats")
    stubbed = {f.name: [a.arg for a in f.args.args] for f in cls.body if isinstance(f, ast.FunctionDef)}
    compiled = {n for n in dir(_core.stats) if not n.startswith("_")}
    assert set(stubbed) == compiled
    for name, args in stubbed.items():
        doc = getattr(_core.stats, name).__doc__
        sig = doc.splitlines()[0]
        for arg in args:
            assert f"{arg}:" in sig, f"{name}: argument {arg} not in {sig}"


def test_stub_lists_every_plan_function():
    tree = _stub_tree()
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "_Plan")
    stubbed = {f.name for f in cls.body if isinstance(f, ast.FunctionDef)}
    stubbed |= {n.target.id for n in cls.body if isinstance(n, ast.AnnAssign)}
    assert stubbed == {n for n in dir(_core.plan) if not n.startswith("_")}


def test_stub_lists_top_level_names():
    tree = _stub_tree()
    names = {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    names |= {n.target.id for n in tree.body if isinstance(n, ast.AnnAssign)}
    compiled = {n for n in dir(_core) if not n.startswith("_")} | {"__version__"}
    assert compiled <= names | {"_Stats", "_Plan", "_Metrics"}
    assert inspect.ismodule(_core.stats)


def test_stub_lists_every_customer_name():
    tree = _stub_tree()
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "_Customer")
    stubbed = {f.name for f in cls.body if isinstance(f, ast.FunctionDef)}
    stubbed |= {n.target.id for n in cls.body if isinstance(n, ast.AnnAssign)}
    stubbed |= {n.name for n in cls.body if isinstance(n, ast.ClassDef)}
    assert stubbed == {n for n in dir(_core.customer) if not n.startswith("_")}


def test_stub_lists_every_attribution_name():
    tree = _stub_tree()
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "_Attribution")
    stubbed = {f.name for f in cls.body if isinstance(f, ast.FunctionDef)}
    stubbed |= {n.target.id for n in cls.body if isinstance(n, ast.AnnAssign)}
    stubbed |= {n.name for n in cls.body if isinstance(n, ast.ClassDef)}
    assert stubbed == {n for n in dir(_core.attribution) if not n.startswith("_")}


def test_stub_lists_every_metrics_name():
    tree = _stub_tree()
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "_Metrics")
    stubbed = {f.name for f in cls.body if isinstance(f, ast.FunctionDef)}
    stubbed |= {n.target.id for n in cls.body if isinstance(n, ast.AnnAssign)}
    assert stubbed == {n for n in dir(_core.metrics) if not n.startswith("_")}


def test_stub_lists_every_budget_name():
    tree = _stub_tree()
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "_Budget")
    stubbed = {f.name for f in cls.body if isinstance(f, ast.FunctionDef)}
    assert stubbed == {n for n in dir(_core.budget) if not n.startswith("_")}
