"""Golden answers of lifetimes 0.11.3 on CDNOW and the donations data, for
tests/python/test_customer_lifetimes.py. Run in the reference environment:

    bash scripts/make_reference_venv.sh
    .venv-ref/bin/python tests/golden/customer/generate_lifetimes.py

Writes lifetimes_params.csv (model, parameter, estimate; lifetimes' stored
``_negative_log_likelihood_`` is scaled differently per model, so no log-likelihood) and
lifetimes_predictions.csv (customer rows 0..199 of the CDNOW summary, each model's
predictions at lifetimes' own estimates), with 17 significant digits.
"""

from __future__ import annotations

import sys
from pathlib import Path

import lifetimes
import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
DATA = HERE.parents[2].parent / "shared" / "data"
ROWS = 200


def main() -> int:
    cd = pd.read_csv(DATA / "cdnow_customers_summary_with_transactions.csv")
    f, r, T, m = cd["x"], cd["t_x"], cd["T"], cd["zbar"]
    fits = {
        "BetaGeo": (lifetimes.BetaGeoFitter(), ["r", "alpha", "a", "b"]),
        "ModifiedBetaGeo": (lifetimes.ModifiedBetaGeoFitter(), ["r", "alpha", "a", "b"]),
        "ParetoNBD": (lifetimes.ParetoNBDFitter(), ["r", "alpha", "s", "beta"]),
    }
    params, preds = [], {"row": np.arange(ROWS)}
    sub = cd.iloc[:ROWS]
    for name, (model, names) in fits.items():
        model.fit(f, r, T)
        for k in names:
            params.append((name, k, float(model.params_[k])))
        preds[f"{name}.expected_10"] = model.conditional_expected_number_of_purchases_up_to_time(
            10, sub["x"], sub["t_x"], sub["T"]).to_numpy(dtype=float)
        preds[f"{name}.prob_alive"] = np.asarray(model.conditional_probability_alive(
            sub["x"], sub["t_x"], sub["T"]), dtype=float)
        preds[f"{name}.new_20"] = np.full(ROWS, float(
            model.expected_number_of_purchases_up_to_time(20)))
    repeat = cd[cd["x"] > 0]
    gg = lifetimes.GammaGammaFitter().fit(repeat["x"], repeat["zbar"])
    for k, mine in (("p", "p"), ("q", "q"), ("v", "gamma")):
        params.append(("GammaGamma", mine, float(gg.params_[k])))
    sm = cd.iloc[:ROWS]
    preds["GammaGamma.expected_spend"] = np.asarray(gg.conditional_expected_average_profit(
        sm["x"], sm["zbar"].where(sm["x"] > 0, 0.0)), dtype=float)
    bgf = fits["BetaGeo"][0]
    preds["GammaGamma.clv_bg"] = np.asarray(gg.customer_lifetime_value(
        bgf, sm["x"], sm["t_x"], sm["T"], sm["zbar"].where(sm["x"] > 0, 0.0), time=12,
        discount_rate=0.01, freq="W"), dtype=float)
    don = pd.read_csv(DATA / "donations.csv")
    bb = lifetimes.BetaGeoBetaBinomFitter().fit(don["frequency"], don["recency"],
                                                  don["periods"], weights=don["weights"])
    for k in ("alpha", "beta", "gamma", "delta"):
        params.append(("BetaGeoBetaBinom", k, float(bb.params_[k])))
    pd.DataFrame(params, columns=["model", "parameter", "estimate"]).to_csv(
        HERE / "lifetimes_params.csv", index=False, float_format="%.17g")
    pd.DataFrame(preds).to_csv(HERE / "lifetimes_predictions.csv", index=False,
                               float_format="%.17g")
    print(f"lifetimes {lifetimes.__version__}: wrote lifetimes_params.csv and "
          f"lifetimes_predictions.csv in {HERE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
