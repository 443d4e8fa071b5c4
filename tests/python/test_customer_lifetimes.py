"""sostac.customer against lifetimes 0.11.3 (golden files made in the test-only
reference environment: tests/golden/customer/generate_lifetimes.py, rebuilt with
scripts/make_reference_venv.sh; docs/benchmarks.md). The estimates agree to the
optimisers' tolerance; the predictions, evaluated at lifetimes' own estimates, agree
to 1e-8 relative (tighter than the optimisers, so a formula difference shows)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sostac import customer as cu

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "golden" / "customer"
DATA = ROOT.parent / "shared" / "data"
pytestmark = pytest.mark.skipif(not DATA.exists(), reason=f"needs the reference data in {DATA}")

MODELS = {"BetaGeo": cu.BetaGeo, "ModifiedBetaGeo": cu.ModifiedBetaGeo,
          "ParetoNBD": cu.ParetoNBD}


@pytest.fixture(scope="module")
def golden():
    params = pd.read_csv(GOLDEN / "lifetimes_params.csv")
    return ({m: dict(zip(g["parameter"], g["estimate"])) for m, g in params.groupby("model")},
            pd.read_csv(GOLDEN / "lifetimes_predictions.csv"))


@pytest.fixture(scope="module")
def cdnow():
    cd = pd.read_csv(DATA / "cdnow_customers_summary_with_transactions.csv")
    return cd.rename(columns={"x": "frequency", "t_x": "recency", "zbar": "monetary"})


def _at(model, params: dict):
    """The fitted model moved to lifetimes' estimates (the same parameter order), so
    that both sides evaluate their formulas at one point."""
    model._param_vector = np.array([params[k] for k in model.params_], dtype=float)
    return model


def _rel(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-300)))


@pytest.mark.parametrize("name", sorted(MODELS))
def test_transaction_models_agree_with_lifetimes(name, golden, cdnow):
    params, preds = golden
    m = MODELS[name]().fit(cdnow)
    assert _rel(list(m.params_.values()), [params[name][k] for k in m.params_]) < 1e-4
    _at(m, params[name])
    sub = cdnow.iloc[:len(preds)]
    assert _rel(m.expected_purchases(10, sub), preds[f"{name}.expected_10"]) < 1e-8
    assert _rel(m.prob_alive(sub), preds[f"{name}.prob_alive"]) < 1e-8
    assert _rel(m.expected_purchases_new(20), preds[f"{name}.new_20"].iloc[0]) < 1e-8


def test_gamma_gamma_and_clv_agree_with_lifetimes(golden, cdnow):
    params, preds = golden
    repeat = cdnow[cdnow["frequency"] > 0]
    gg = cu.GammaGamma().fit(repeat["frequency"], repeat["monetary"])
    assert _rel(list(gg.params_.values()), [params["GammaGamma"][k] for k in gg.params_]) < 1e-4
    _at(gg, params["GammaGamma"])
    sub = cdnow.iloc[:len(preds)].copy()
    sub["monetary"] = sub["monetary"].where(sub["frequency"] > 0, 0.0)
    assert _rel(gg.expected_spend(sub["frequency"], sub["monetary"]),
                preds["GammaGamma.expected_spend"]) < 1e-8
    bg = _at(cu.BetaGeo().fit(cdnow), params["BetaGeo"])
    clv = gg.clv(bg, sub, horizon=12, discount_rate=0.01, period="W")
    assert _rel(clv, preds["GammaGamma.clv_bg"]) < 1e-8


def test_bgbb_agrees_with_lifetimes(golden):
    params, _ = golden
    don = pd.read_csv(DATA / "donations.csv")
    m = cu.BetaGeoBetaBinom().fit(don["frequency"], don["recency"], don["periods"],
                                  don["weights"])
    assert _rel(list(m.params_.values()),
                [params["BetaGeoBetaBinom"][k] for k in m.params_]) < 1e-4
