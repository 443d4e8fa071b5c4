"""The plan's experiments (``control.experiments``) analysed from the data's variant
column (``ControlResult.experiments``)."""

from __future__ import annotations

from typing import Any, List

import numpy as np

from .._render import _Column, _Ctx, _grid, _kpi_name, _md_grid, _rows, _text, _title
from ._base import Analysis, Inputs


EXPERIMENT_COLUMNS = ["experiment", "tactic", "kpi", "variant", "trials", "successes", "rate",
                      "lift", "p_value_adjusted", "prob_best", "srm_p_value", "verdict"]


def _experiments(doc: dict, df, channel: str, variant: str, alpha: float, catalog: dict,
                 custom: dict, findings: list):
    """The plan's experiments from the data (see ControlResult.experiments)."""
    import pandas as pd

    from .. import stats
    from ..control import _text_in

    exps = (doc.get("control") or {}).get("experiments") or []
    tactic_channel = {t.get("id"): t.get("channel") for t in doc.get("tactics", []) or []}
    rows = []
    for e in exps:
        eid, kpi, names = e.get("id"), e.get("kpi"), [str(v) for v in e.get("variants") or []]

        def note(message: str) -> None:
            findings.append({"objective": "", "message": f"experiment {eid}: {message}"})

        d = custom.get(kpi) or catalog.get(kpi)
        not_counts = {"cost", "revenue", "lifetime_value", "session_seconds"}
        if d is None or not d.get("denominator") or d.get("unit", "ratio") != "ratio" or \
                any(" " in str(d[k]).strip() or str(d[k]).strip() in not_counts
                    for k in ("numerator", "denominator")):
            note(f"the KPI '{kpi}' is not a rate of two counts; only rates are analysed")
            continue
        num, den = d["numerator"].strip(), d["denominator"].strip()
        if len(names) < 2:
            note("needs at least two variants")
            continue
        if variant not in df.columns or num not in df.columns or den not in df.columns:
            note(f"the data need the columns '{variant}', '{num}' and '{den}'")
            continue
        ch = tactic_channel.get(e.get("tactic"))
        rows_of = _text_in(df[variant], names)
        if ch is not None and channel in df.columns:
            rows_of = rows_of & _text_in(df[channel], [ch])
        part = df.loc[rows_of, [variant, num, den]]
        sums = part.groupby(part[variant], observed=True, sort=False)[[num, den]].sum()
        sums.index = sums.index.astype(str)
        sums = sums.groupby(level=0).sum()
        missing = [v for v in names if v not in sums.index or sums.loc[v, den] <= 0]
        if missing:
            note(f"no {den} for variant(s) {', '.join(missing)} in the data")
            continue
        x = sums.loc[names, num].to_numpy(dtype=float)
        n = sums.loc[names, den].to_numpy(dtype=float)
        srm = stats.srm_test(n)
        test = stats.multi_proportion_test(x, n, control=0, correction="holm")
        comp = test.comparisons
        best = stats.prob_best(x, n)
        higher = (d.get("direction") or "higher") == "higher"
        p_adj = np.r_[np.nan, np.asarray(comp["pvalue_adjusted"], dtype=float)]
        lift = np.r_[0.0, np.asarray(comp["lift"], dtype=float)]
        better = [(i, lift[i]) for i in range(1, len(names))
                  if p_adj[i] < alpha and (lift[i] > 0) == higher]
        worse = [names[i] for i in range(1, len(names))
                 if p_adj[i] < alpha and (lift[i] > 0) != higher]
        if srm.pvalue < 1e-3:
            verdict = (f"sample ratio mismatch (p = {srm.pvalue:.2g}): fix the assignment "
                       f"before reading the result")
        elif better:
            i = max(better, key=lambda b: b[1] if higher else -b[1])[0]
            verdict = (f"winner: {names[i]} ({lift[i]:+.1%} against {names[0]}, "
                       f"adjusted p = {p_adj[i]:.2g}, P(best) = {best[i]:.3f})")
        elif worse:
            verdict = (f"{', '.join(worse)} worse than {names[0]}; no variant beats it "
                       f"at alpha = {alpha}")
        else:
            verdict = (f"inconclusive: no variant differs from {names[0]} at alpha = {alpha} "
                       f"(largest P(best) {best.max():.3f}, {names[int(best.argmax())]})")
        for i, v in enumerate(names):
            rows.append({"experiment": eid, "tactic": e.get("tactic"), "kpi": kpi,
                         "variant": v, "trials": n[i], "successes": x[i], "rate": x[i] / n[i],
                         "lift": lift[i], "p_value_adjusted": p_adj[i],
                         "prob_best": float(best[i]), "srm_p_value": float(srm.pvalue),
                         "verdict": verdict})
    return pd.DataFrame(rows, columns=EXPERIMENT_COLUMNS)


class Experiments(Analysis):
    """ControlResult.experiments: one row per variant of each experiment with trials,
    successes, rate, lift against the control, the Holm-adjusted p-value, P(best), the
    sample-ratio test's p-value and the experiment's verdict."""

    key = "experiments"
    title = "Experiments"
    anchor = "experiments"

    def run(self, inputs: Inputs) -> Any:
        return _experiments(inputs.plan, inputs.data, inputs.channel, inputs.variant,
                            inputs.alpha, inputs.catalog, inputs.custom, inputs.findings)

    def columns(self, ctx: _Ctx) -> List[_Column]:
        n, t = ctx.num, _text
        return [("Experiment", lambda r: t(r["experiment"]), False),
                ("Tactic", lambda r: t(r["tactic"]), False),
                ("KPI", lambda r: _kpi_name(r["kpi"], ctx.doc), False),
                ("Variant", lambda r: t(r["variant"]), False),
                ("Trials", lambda r: n(r["trials"], "count"), True),
                ("Successes", lambda r: n(r["successes"], "count"), True),
                ("Rate", lambda r: n(r["rate"], "percent"), True),
                ("Lift", lambda r: n(r["lift"], "percent"), True),
                (_title("p_value_adjusted"), lambda r: n(r["p_value_adjusted"], "p"), True),
                (_title("prob_best"), lambda r: n(r["prob_best"], "prob"), True),
                (_title("srm_p_value"), lambda r: n(r["srm_p_value"], "p"), True),
                ("Verdict", lambda r: t(r["verdict"]), False)]

    def html(self, part: Any, ctx: _Ctx) -> List[str]:
        return [_grid(_rows(part), self.columns(ctx), self.title, anchor=self.anchor)]

    def markdown(self, part: Any, ctx: _Ctx) -> List[str]:
        return [f"## {self.title}", ""] + _md_grid(_rows(part), self.columns(ctx))
