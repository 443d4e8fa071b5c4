"""Makes channelattribution_markov.csv: ChannelAttribution's simulated Markov removal
effects and conversions on ../shared/data/ChannelAttribution_Data.csv, one row per
(order, seed, channel), for tests/python/test_attribution_models.py to check that
sostac's exact values lie within the Monte Carlo spread.

Run it in a test-only environment with the package (it builds from source):
    python -m venv /tmp/ca && /tmp/ca/bin/pip install ChannelAttribution==2.2.5 matplotlib
    /tmp/ca/bin/python tests/golden/attribution/make_channelattribution_markov.py [DATA]
"""

from __future__ import annotations

import sys
from pathlib import Path

import ChannelAttribution as ca
import pandas as pd

HERE = Path(__file__).resolve().parent
DATA = Path(sys.argv[1]) if len(sys.argv) > 1 else \
    HERE.parents[3] / "shared" / "data" / "ChannelAttribution_Data.csv"
SEEDS = range(0, 200, 10)  # markov_model seeds its nfold = 10 folds seed, seed + 1, ...: keep them apart


def main() -> None:
    d = pd.read_csv(DATA, sep=";")
    rows = []
    for order in (1, 2):
        for seed in SEEDS:
            r = ca.markov_model(d, "path", "total_conversions", var_value="total_conversion_value",
                                var_null="total_null", order=order, out_more=True, seed=seed,
                                verbose=False, flg_pro=False)
            m = r["result"].merge(r["removal_effects"], on="channel_name")
            for x in m.itertuples(index=False):
                rows.append({"order": order, "seed": seed, "channel": x.channel_name,
                             "removal_effect": x.removal_effects_conversion,
                             "value_removal_effect": x.removal_effects_conversion_value,
                             "conversions": x.total_conversions,
                             "value": x.total_conversion_value})
    out = pd.DataFrame(rows).sort_values(["order", "seed", "channel"])
    out.to_csv(HERE / "channelattribution_markov.csv", index=False, float_format="%.10g")
    print(f"wrote {len(out)} rows (ChannelAttribution {getattr(ca, '__version__', '2.2.5')})")


if __name__ == "__main__":
    main()
