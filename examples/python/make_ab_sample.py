"""Regenerates python/sostac/data/ab_test.csv, the sample shipped for `sostac demo`.

A four-week A/B test of a checkout page: each day each arm receives visitors
(Poisson around 3,000) who convert with 5.0 % (A) or 5.6 % (B) probability.
Deterministic (seeded), so the committed file can be checked against this script.
"""

import csv
import datetime as dt
from pathlib import Path

import numpy as np

rng = np.random.default_rng(20261123)
out = Path(__file__).resolve().parents[2] / "python" / "sostac" / "data" / "ab_test.csv"
start = dt.date(2026, 10, 5)
rates = {"A": 0.050, "B": 0.056}
with out.open("w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["date", "variant", "visitors", "conversions"])
    for day in range(28):
        for arm, rate in rates.items():
            visitors = int(rng.poisson(3000))
            conversions = int(rng.binomial(visitors, rate))
            w.writerow([(start + dt.timedelta(days=day)).isoformat(), arm, visitors, conversions])
print(f"wrote {out}")
