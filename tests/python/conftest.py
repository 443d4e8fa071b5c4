"""Shared helpers for the Python test-suite."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
SHARED_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"


def golden(name: str) -> pd.DataFrame:
    """A golden CSV (tests/golden/<name>), numbers parsed as float64."""
    path = GOLDEN / name
    if not path.exists():  # pragma: no cover - the files are committed
        pytest.fail(f"missing golden file {path}")
    return pd.read_csv(path, na_values=["nan", "NA"], keep_default_na=False)


def close(actual, expected, rel=1e-9, abs_floor=0.0):
    """Elementwise |a - e| <= max(rel * max(|a|, |e|), abs_floor), equal infinities
    and NaNs matching."""
    a = np.atleast_1d(np.asarray(actual, dtype=float))
    e = np.atleast_1d(np.asarray(expected, dtype=float))
    both_nan = np.isnan(a) & np.isnan(e)
    inf = np.isinf(a) | np.isinf(e)
    with np.errstate(invalid="ignore"):
        tol = np.maximum(rel * np.maximum(np.abs(a), np.abs(e)), abs_floor)
        ok = np.abs(a - e) <= tol
    ok = np.where(inf, a == e, ok)
    return ok | both_nan


def assert_close(actual, expected, cases, what, rel=1e-9, abs_floor=0.0):
    ok = close(actual, expected, rel, abs_floor)
    if not np.all(ok):
        a = np.broadcast_to(np.atleast_1d(np.asarray(actual, dtype=float)), ok.shape)
        e = np.broadcast_to(np.atleast_1d(np.asarray(expected, dtype=float)), ok.shape)
        bad = np.flatnonzero(~ok)[:8]
        lines = [f"case {np.asarray(cases)[i]}: got {a[i]!r}, expected {e[i]!r}" for i in bad]
        pytest.fail(f"{what}: {(~ok).sum()} of {ok.size} differ\n" + "\n".join(lines))


def assert_pvalues(p, log_p, ref_p, ref_log_p, cases, what):
    """p-values to relative 1e-9 where the reference is above 1e-300, and always on
    the log scale."""
    ref_p = np.asarray(ref_p, dtype=float)
    keep = ref_p > 1e-300
    assert_close(np.asarray(p)[keep], ref_p[keep], np.asarray(cases)[keep], f"{what} pvalue")
    assert_close(log_p, ref_log_p, cases, f"{what} log_pvalue", abs_floor=1e-15)
