"""Golden answers of PyMC-Marketing 0.19.2's MAP fits on CDNOW, for
tests/python/test_customer_pymc.py. Run in the PyMC-Marketing environment:

    bash scripts/make_pymc_venv.sh
    .venv-pymc/bin/python tests/golden/customer/generate_pymc.py

PyMC-Marketing fits by maximum a posteriori (``fit(method="map")``: ``pymc.find_MAP``,
L-BFGS-B on the log-transformed parameters, without the transforms' Jacobian). With flat
priors (``Prior("HalfFlat")`` on every parameter) the posterior is the likelihood, so
its MAP is the maximum likelihood estimate that sostac computes: an independent
implementation of the same likelihoods (pytensor's graph, its own 2F1 for Pareto/NBD)
and optimiser. The fits here use tight tolerances (``ftol=1e-15, gtol=1e-10``) so that
the optimiser's stopping point is far below the tolerance of the test. The default
priors' MAP is written too (prior "default"), to document how far those priors move the
estimates; the tests use only the flat rows.

Writes pymc_params.csv (model, prior, parameter, estimate) with 17 significant digits.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pymc_marketing
from pymc_extras.prior import Prior
from pymc_marketing.clv import BetaGeoModel, GammaGammaModel, ParetoNBDModel

HERE = Path(__file__).resolve().parent
DATA = HERE.parents[2].parent / "shared" / "data"
TIGHT = {"ftol": 1e-15, "gtol": 1e-10, "maxiter": 5000}
# PyMC-Marketing's names -> sostac's (Gamma-Gamma's v is sostac's gamma)
MODELS = {
    "BetaGeo": (BetaGeoModel, {"r": "r", "alpha": "alpha", "a": "a", "b": "b"}),
    "ParetoNBD": (ParetoNBDModel, {"r": "r", "alpha": "alpha", "s": "s", "beta": "beta"}),
    "GammaGamma": (GammaGammaModel, {"p": "p", "q": "q", "v": "gamma"}),
}


def main() -> int:
    warnings.filterwarnings("ignore")
    cd = pd.read_csv(DATA / "cdnow_customers_summary_with_transactions.csv")
    frame = pd.DataFrame({"customer_id": np.arange(len(cd)), "frequency": cd["x"],
                          "recency": cd["t_x"], "T": cd["T"], "monetary_value": cd["zbar"]})
    rows = []
    for name, (cls, names) in MODELS.items():
        if name == "GammaGamma":
            data = frame.loc[frame["frequency"] > 0,
                             ["customer_id", "frequency", "monetary_value"]]
        else:
            data = frame.drop(columns="monetary_value")
        for prior in ("flat", "default"):
            config = {k: Prior("HalfFlat") for k in names} if prior == "flat" else None
            model = cls(data=data, model_config=config)
            model.fit(method="map", progressbar=False, options=TIGHT)
            post = model.idata.posterior
            for theirs, mine in names.items():
                rows.append((name, prior, mine, float(post[theirs].values.ravel()[0])))
    pd.DataFrame(rows, columns=["model", "prior", "parameter", "estimate"]).to_csv(
        HERE / "pymc_params.csv", index=False, float_format="%.17g")
    print(f"pymc-marketing {pymc_marketing.__version__}: wrote pymc_params.csv in {HERE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
