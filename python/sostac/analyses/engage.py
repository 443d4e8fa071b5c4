"""Engage: the plan's customer objectives judged from an order log, and the customer
base's segments and value (``ControlResult.engage``; docs/customer.md, "Engage in the
Control stage").

A daily aggregate cannot say how many distinct customers bought in a month or came
back: those objectives (``repeat_purchase_rate``, ``churn_rate``) are counted here
from the order log given as ``transactions=`` (one row per order: customer, time,
optionally channel and amount), with these rules:

- a *repeat customer* of a period bought in it on a day after their first purchase
  day (their first purchase anywhere in the log, any channel): "bought before", the
  same rule as a daily export's ``repeat_customers``; the period's *customers* are the
  distinct customers who bought in it; an objective scoped to a channel counts the
  customers with an order through that channel;
- a *churned customer* of a period bought in the period before and not in this one
  (any channel); the period's customers are those who bought in the period before
  (scoped as above): churn is one minus period-on-period retention;
- periods start at the plan's horizon start (or the log's first day): the log's
  earlier rows only tell who had bought before; the rate to date pools the periods
  (for churn, customer-periods);
- ``clv``: the mean 12-month CLV of the customers acquired through the scope's
  channel, from BG/NBD and Gamma-Gamma refitted on the orders up to each period's
  end; the value to date carries the models' interval.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

import numpy as np

from ._base import Analysis, Inputs

#: The measure pairs (numerator, denominator) counted from the order log.
REPEAT = ("repeat_customers", "customers")
CHURN = ("churned_customers", "customers")
CLV = ("lifetime_value", "customers")


#: A day past each period's longest length: its start plus this is in the next period.
_LONGEST = {"day": 1, "week": 7, "month": 31, "quarter": 92}
MIN_REPEAT = 20  # repeat buyers the BG/NBD and Gamma-Gamma need


def _next_start(starts, period: str):
    """The start day of the period after each period starting at `starts` (days)."""
    from ..metrics import _period_start_days

    return _period_start_days(np.asarray(starts) + _LONGEST[period], period)


def _first_day(inputs: Inputs, days) -> int:
    """The first day the customer objectives count: the plan's horizon start, or the
    log's first day when the plan has none (or it is not a date) or it comes first."""
    import pandas as pd

    first = int(days.min())
    horizon = ((inputs.plan.get("plan") or {}).get("horizon") or {}).get("start")
    try:
        start = int(np.datetime64(pd.Timestamp(horizon).date(), "D").astype(np.int64)) \
            if horizon else first
    except (ValueError, TypeError):
        start = first
    return max(start, first)


def _fit(log, customer: str, time: str, amount: str, end, cache: Optional[dict] = None):
    """The weekly summary as of `end` (everyone; and those older than 0, whom the models
    see), its repeat buyers, and the BG/NBD and Gamma-Gamma fitted to it (None with fewer
    than MIN_REPEAT repeat buyers; strict=False, so a fit that does not converge is
    returned with its flag). `log` holds every order up to `end`; `cache` (by day)
    shares the fits between the objectives and the section."""
    from .. import customer as cu

    key = end.date()
    if cache is not None and key in cache:
        return cache[key]
    everyone = cu.summary(log, customer=customer, time=time, value=amount, period="W",
                          end=end)
    summ = everyone[everyone["T"] > 0].copy()
    repeat = int((everyone["frequency"] > 0).sum())
    tm = sm = None
    if repeat >= MIN_REPEAT:
        tm = cu.BetaGeo(strict=False).fit(summ)
        buyers = summ["frequency"] > 0
        sm = cu.GammaGamma(strict=False).fit(summ.loc[buyers, "frequency"],
                                             summ.loc[buyers, "monetary"])
    out = (everyone, summ, repeat, tm, sm)
    if cache is not None:
        cache[key] = out
    return out


def _day_after(ts):
    """The midnight after `ts`'s day: the orders of the as-of day all count."""
    import pandas as pd

    return pd.Timestamp(ts).normalize() + pd.Timedelta(days=1)


class Engage(Analysis):
    """ControlResult.engage and the customer objectives, from ``transactions=``."""

    key = "engage"
    title = "Engage: customers"
    anchor = "engage"

    # -- inputs ----------------------------------------------------------------------------
    def prepare(self, inputs: Inputs, given: Dict[str, Any]) -> None:
        log = given.get("transactions")
        if log is None:
            return
        from .. import io as _io
        from .._core import InputError

        customer, time = given.get("customer", "customer_id"), given.get(
            "transaction_time", "timestamp")
        amount = given.get("amount")
        raw = _io.to_pandas(log)
        for arg, col in (("customer", customer), ("transaction_time", time)):
            if col not in raw.columns:
                raise InputError(f"transactions: expected a {arg} column '{col}', found "
                                 f"{list(map(str, raw.columns))}")
        keys = [c for c in ("order_id",) if c in raw.columns]
        measures = [amount] if amount is not None and amount in raw.columns else []
        cleaned = _io.clean(raw, time=time, keys=keys, measures=measures,
                            time_unit=given.get("time_unit"),
                            check_duplicates=bool(keys))
        frame = cleaned.frame
        for f in cleaned.findings:
            inputs.note(f"transactions: {f.message}")
        blank = _io._blank(frame[customer]) if len(frame) else np.zeros(0, dtype=bool)
        if blank.any():
            inputs.note(f"transactions: {customer}: {int(blank.sum())} order(s) without a "
                        f"customer, left out")
            frame = frame.loc[~blank]
        if measures:
            negative = (frame[amount].to_numpy(dtype=float) < 0)
            if negative.any():
                inputs.note(f"transactions: {amount}: {int(negative.sum())} negative "
                            f"amount(s) (refunds), left out")
                frame = frame.loc[~negative]
        frame = frame.loc[(frame[time] < _day_after(inputs.as_of)).to_numpy()]
        inputs.extra["transactions"] = frame
        inputs.extra["transactions_columns"] = {
            "customer": customer, "time": time,
            "channel": inputs.channel if inputs.channel in frame.columns else None,
            "amount": amount if measures else None}

    # -- the objectives counted from the log ---------------------------------------------
    def kpi_rows(self, objective: dict, definition: dict, period: str, until: Any,
                 inputs: Inputs) -> Any:
        log = inputs.extra.get("transactions")
        pair = (str(definition.get("numerator", "")).strip(),
                str(definition.get("denominator") or "").strip())
        if log is None or pair not in (REPEAT, CHURN, CLV):
            return None
        if pair == CLV:
            return self._clv_rows(objective, period, until, inputs)
        import pandas as pd

        from ..metrics import _period_start_days

        cols = inputs.extra["transactions_columns"]
        customer, time, channel = cols["customer"], cols["time"], cols["channel"]
        log = log.loc[(log[time] < _day_after(until)).to_numpy()]  # the whole last day
        if len(log) == 0:
            return f"no orders in the transaction log up to {until.date()}"
        days = (log[time].to_numpy(dtype="datetime64[D]").astype(np.int64))
        who = pd.factorize(log[customer])[0]
        first = pd.Series(days).groupby(who).transform("min").to_numpy()
        starts = _period_start_days(days, period)
        begin = _first_day(inputs, days)
        scope = (objective.get("scope") or {}).get("channel")
        scoped = np.ones(len(log), dtype=bool)
        if scope is not None:
            if channel is None:
                return (f"the transaction log has no '{inputs.channel}' column for the scope "
                        f"channel '{scope}'")
            from ..control import _text_in

            scoped = np.asarray(_text_in(log[channel], [scope]))
        frame = pd.DataFrame({"who": who, "day": days, "start": starts, "scoped": scoped,
                              "before": days > first})
        frame = frame[frame["day"] >= begin]
        buyers = frame[frame["scoped"]]
        if len(buyers) == 0:
            where = f" through channel '{scope}'" if scope is not None else ""
            return f"no orders{where} in the transaction log up to {until.date()}"
        if pair == REPEAT:
            per = buyers.groupby("start").agg(customers=("who", "nunique"))
            per["repeat_customers"] = buyers[buyers["before"]].groupby("start")[
                "who"].nunique()
            per = per.fillna({"repeat_customers": 0})
            whole = {"customers": buyers["who"].nunique(),
                     "repeat_customers": buyers.loc[buyers["before"], "who"].nunique()}
        else:
            base = buyers[["start", "who"]].drop_duplicates()
            base = base.assign(next=_next_start(base["start"].to_numpy(), period))
            # a period not over by `until` cannot tell who stayed away: left out
            last = int(np.datetime64(until.date(), "D").astype(np.int64))
            base = base[_next_start(base["next"].to_numpy(), period) - 1 <= last]
            came = frame[["start", "who"]].drop_duplicates().rename(
                columns={"start": "next"}).assign(stayed=1)
            m = base.merge(came, on=["next", "who"], how="left").fillna({"stayed": 0})
            if len(m) == 0:
                return ("churn needs a whole period after one with orders; the transaction "
                        f"log has none up to {until.date()}")
            per = m.groupby("next").agg(customers=("who", "size"),
                                        stayed=("stayed", "sum"))
            per["churned_customers"] = per["customers"] - per["stayed"]
            per = per.drop(columns="stayed")
            per.index.name = "start"
            whole = {"customers": int(per["customers"].sum()),
                     "churned_customers": int(per["churned_customers"].sum())}
        per = per.reset_index().rename(columns={"start": "period"})
        per["period"] = per["period"].to_numpy().astype("datetime64[D]").astype(
            "datetime64[ns]")
        per = per.astype({c: np.int64 for c in pair})
        whole_frame = pd.DataFrame({"period": [per["period"].iloc[0]],
                                    **{k: [np.int64(v)] for k, v in whole.items()}})
        return per[["period", *pair]], whole_frame[["period", *pair]], "period"

    def _clv_rows(self, objective: dict, period: str, until: Any, inputs: Inputs) -> Any:
        """The mean CLV per customer as estimated at the end of each period (the models
        refitted on the orders up to then), and to date with its interval."""
        import pandas as pd

        from ..metrics import _period_start_days

        cols = inputs.extra["transactions_columns"]
        customer, time, channel, amount = (cols[k] for k in ("customer", "time", "channel",
                                                             "amount"))
        if amount is None:
            return "lifetime value needs the order log's amounts (--amount)"
        log = inputs.extra["transactions"]
        log = log.loc[(log[time] < _day_after(until)).to_numpy()]
        scope = (objective.get("scope") or {}).get("channel")
        if scope is not None and channel is None:
            return (f"the transaction log has no '{inputs.channel}' column for the scope "
                    f"channel '{scope}'")
        days = log[time].to_numpy(dtype="datetime64[D]").astype(np.int64)
        begin = _first_day(inputs, days)
        last = int(np.datetime64(until.date(), "D").astype(np.int64))
        starts = np.unique(_period_start_days(np.arange(begin, last + 1), period))
        ends = np.minimum(_next_start(starts, period) - 1, last)
        cache = inputs.extra.setdefault("engage_fits", {})
        rows, interval, skipped = [], None, []
        for i, (start, end) in enumerate(zip(starts, ends)):
            cut = log.loc[days <= end]
            value = _mean_clv(cut, customer, time, amount, channel, scope,
                              pd.Timestamp(np.datetime64(int(end), "D")), inputs.level,
                              interval=i == len(starts) - 1, cache=cache)
            if isinstance(value, str):
                if i == len(starts) - 1:
                    return value
                skipped.append(value)
                continue
            mean, low, high, n = value
            rows.append({"period": np.datetime64(int(start), "D").astype("datetime64[ns]"),
                         "lifetime_value": mean * n, "customers": np.int64(n)})
            interval = (mean, low, high)
        if not rows:
            return f"no lifetime value could be estimated up to {until.date()}"
        if skipped:
            inputs.note(f"{len(skipped)} period(s) without a lifetime value: "
                        + "; ".join(skipped), objective=str(objective.get("id", "")))
        per = pd.DataFrame(rows)
        return per, per.iloc[[-1]].reset_index(drop=True), "period", interval

    # -- the section -----------------------------------------------------------------------
    def run(self, inputs: Inputs) -> Any:
        log = inputs.extra.get("transactions")
        if log is None:
            return None
        cols = inputs.extra["transactions_columns"]
        if len(log) == 0:
            inputs.note("engage: no orders in the transaction log up to "
                        f"{inputs.as_of.date()}")
            return None
        return analyse(log, customer=cols["customer"], time=cols["time"],
                       amount=cols["amount"], as_of=inputs.as_of, level=inputs.level,
                       note=inputs.note, cache=inputs.extra.setdefault("engage_fits", {}))

    def to_json(self, part: Any) -> Any:
        return None if part is None else part.to_dict()

    def html(self, part: Any, ctx: Any) -> List[str]:
        if part is None:
            return []
        return _html(part, ctx, self.title, self.anchor)

    def markdown(self, part: Any, ctx: Any) -> List[str]:
        if part is None:
            return []
        return _markdown(part, ctx, self.title)


#: The customer analysis's settings (the Control stage's defaults).
HOLDOUT_WEEKS = 13      # the calibration-vs-holdout check's holdout: the last quarter
HORIZON_MONTHS = 12     # CLV over the next year ...
DISCOUNT_MONTHLY = 0.01  # ... discounted by 1 % a month (lifetimes' default)
AT_RISK = 10            # customers listed as valuable and at risk ...
AT_RISK_SHARE = 0.1     # ... from the tenth of repeat buyers least likely to be active
CALIBRATION_GROUPS = 7  # calibration frequencies 0..6, then "7+"


class EngageResult:
    """ControlResult.engage: the customers of the order log up to the as-of day.

    Attributes
    ----------
    customers : int
        Distinct customers with an order up to ``as_of``.
    rfm : pandas.DataFrame
        :func:`sostac.customer.rfm` per customer (days, orders, amount; scores 1..5,
        code and segment).
    segments : pandas.DataFrame
        :func:`sostac.customer.rfm_segments`: customers, share, revenue,
        revenue_share, mean recency and frequency per segment.
    summary : pandas.DataFrame
        :func:`sostac.customer.summary` in weeks, with p_alive, expected (purchases in
        the next ``horizon`` months) and clv / clv_low / clv_high per customer.
    transaction_model, spend_model
        The fitted :class:`sostac.customer.BetaGeo` and
        :class:`sostac.customer.GammaGamma` (None when there are too few repeat
        buyers; the reason is in ``notes``).
    calibration : pandas.DataFrame
        The model check (Fader, Hardie & Lee 2005, fig. 2): the BG/NBD fitted on the
        orders up to ``holdout_weeks`` before ``as_of``; per calibration frequency
        (0, 1, ..., "7+"), customers, the actual and the predicted mean purchases in
        the holdout weeks.
    clv : dict
        The CLV over ``horizon`` months discounted by ``discount_rate`` a month:
        total, mean per customer with low / high (a conservative bound: the mean of
        the customers' delta-method intervals, which all move with the same
        parameters), median, quantiles and a histogram.
    at_risk : pandas.DataFrame
        Valuable customers at risk: of the tenth of repeat buyers least likely to be
        still active (P(alive) at most ``risk_line``, its 10th percentile among them),
        the ``AT_RISK`` with the most revenue to date.
    notes : list of str
    """

    def __init__(self, **parts: Any) -> None:
        self.__dict__.update(parts)

    def to_dict(self) -> dict:
        from .._render import _records

        def model(m):
            if m is None:
                return None
            return {"model": type(m).__name__, "params": dict(m.params_),
                    "standard_errors": dict(m.standard_errors_),
                    "log_likelihood": float(m.log_likelihood_),
                    "converged": bool(m.converged_)}

        seg = self.segments.reset_index()
        return {"as_of": self.as_of.date().isoformat(), "customers": int(self.customers),
                "orders": int(self.orders), "repeat_customers": int(self.repeat_customers),
                "period": "W", "horizon_months": self.horizon,
                "discount_rate": self.discount_rate,
                "segments": _records(seg), "transaction_model": model(self.transaction_model),
                "spend_model": model(self.spend_model), "clv": self.clv,
                "calibration": _records(self.calibration),
                "holdout_weeks": self.holdout_weeks,
                "at_risk": _records(self.at_risk.rename_axis("customer").reset_index()),
                "at_risk_p_alive": None if self.risk_line != self.risk_line
                else self.risk_line, "notes": list(self.notes)}

    def to_frame(self):
        """The segment table."""
        return self.segments

    def __repr__(self) -> str:
        m = self.clv.get("mean")
        value = "" if m is None else f", mean CLV {m:,.2f} over {self.horizon} months"
        return (f"EngageResult(as of {self.as_of.date()}: {self.customers:,} customers, "
                f"{len(self.segments)} segments{value})")

    def _repr_html_(self) -> str:
        from .._render import _Ctx

        return "\n".join(_html(self, _Ctx({}), "Engage: customers", "engage"))


def analyse(log, *, customer: str, time: str, amount: Optional[str], as_of, level: float,
            note, cache: Optional[dict] = None) -> Optional[EngageResult]:
    """The customer analysis of an order log that passed the input layer (`cache`: see
    :func:`_fit`)."""
    import pandas as pd

    from .. import customer as cu

    if amount is None:
        note("engage: the transaction log has no amount column: RFM segments, spend and "
             "lifetime value need one (--amount)")
        return None
    end = pd.Timestamp(as_of).normalize()
    notes: List[str] = []
    rfm = cu.rfm(log, customer=customer, time=time, value=amount, end=end)
    segments = cu.rfm_segments(rfm)
    order = [k for k in cu.DEFAULT_SEGMENTS if k in segments.index]  # best first
    segments = segments.loc[order + [k for k in segments.index if k not in order]]
    everyone, summ, repeat, tm, sm = _fit(log, customer, time, amount, end, cache)
    summ = summ.copy()  # the columns added below stay out of the shared fit
    newest = len(everyone) - len(summ)
    if newest:  # age 0: no time observed yet, nothing for the models to learn or score
        notes.append(f"{newest:,} customers whose first order is on the as-of day are in "
                     f"the segments, not in the models (their age is 0)")
    risk_line = float("nan")
    clv: Dict[str, Any] = {}
    calibration = pd.DataFrame(columns=["frequency", "customers", "actual", "predicted"])
    at_risk = pd.DataFrame(columns=["frequency", "days_since", "revenue", "p_alive", "clv",
                                    "segment"])
    if tm is None:
        notes.append(f"{repeat} repeat buyers: too few to fit the BG/NBD and Gamma-Gamma "
                     f"models ({MIN_REPEAT} or more needed)")
    else:
        for m in (tm, sm):
            if not m.converged_:
                notes.append(f"{type(m).__name__}: the fit did not converge "
                             f"({m.message_}); its numbers are not shown")
        if not (tm.converged_ and sm.converged_):
            tm = sm = None
    if tm is not None:
        weeks = HORIZON_MONTHS * 4.345
        summ["p_alive"] = tm.prob_alive(summ["frequency"], summ["recency"], summ["T"])
        summ["expected"] = tm.expected_purchases(weeks, summ["frequency"], summ["recency"],
                                                 summ["T"])
        value = sm.clv(tm, summ, horizon=HORIZON_MONTHS, discount_rate=DISCOUNT_MONTHLY,
                       period="W", interval=True, level=level)
        summ["clv"], summ["clv_low"], summ["clv_high"] = (
            value["estimate"], value["low"], value["high"])
        v = summ["clv"].to_numpy(dtype=float)
        qs = np.quantile(v, [0.1, 0.25, 0.5, 0.75, 0.9, 0.99])
        edges = np.histogram_bin_edges(v[v <= qs[-1]], bins=20)
        counts = np.histogram(np.clip(v, edges[0], edges[-1]), bins=edges)[0]
        clv = {"total": float(v.sum()), "mean": float(v.mean()),
               "low": float(summ["clv_low"].mean()), "high": float(summ["clv_high"].mean()),
               "median": float(qs[2]),
               "quantiles": dict(zip(["p10", "p25", "p50", "p75", "p90", "p99"],
                                     map(float, qs))),
               "histogram": {"edges": edges.tolist(), "counts": counts.tolist()}}
        joined = summ.join(rfm[["recency", "frequency", "monetary", "segment"]].rename(
            columns={"recency": "days_since", "frequency": "orders",
                     "monetary": "revenue"}))
        repeaters = joined[joined["frequency"] > 0]
        risk_line = float(np.quantile(repeaters["p_alive"], AT_RISK_SHARE))
        risky = repeaters[repeaters["p_alive"] <= risk_line]
        risky = risky.sort_values("revenue", ascending=False, kind="stable").head(AT_RISK)
        at_risk = pd.DataFrame({"frequency": risky["orders"],
                                "days_since": risky["days_since"],
                                "revenue": risky["revenue"], "p_alive": risky["p_alive"],
                                "clv": risky["clv"], "segment": risky["segment"]},
                               index=risky.index)
        calibration = _calibration(log, customer, time, amount, end, note=notes.append)
    return EngageResult(
        as_of=end, customers=len(everyone), orders=int(len(log)), repeat_customers=repeat,
        rfm=rfm, segments=segments, summary=summ, transaction_model=tm, spend_model=sm,
        clv=clv, calibration=calibration, at_risk=at_risk, horizon=HORIZON_MONTHS,
        discount_rate=DISCOUNT_MONTHLY, holdout_weeks=HOLDOUT_WEEKS, risk_line=risk_line,
        notes=notes)


def _mean_clv(log, customer, time, amount, channel, scope, end, level, *, interval,
              cache: Optional[dict] = None):
    """(mean, low, high, customers) of the CLV over HORIZON_MONTHS of the customers
    acquired through `scope` (all without one) as of `end`, or a message."""
    _, summ, _, tm, sm = _fit(log, customer, time, amount, end, cache)
    if tm is None:
        return f"fewer than {MIN_REPEAT} repeat buyers up to {end.date()}: no lifetime value"
    if not (tm.converged_ and sm.converged_):
        return f"the BG/NBD or Gamma-Gamma fit up to {end.date()} did not converge"
    if scope is not None:
        from ..control import _text_in

        first = log.sort_values(time, kind="stable").drop_duplicates(customer)
        acquired = first.loc[np.asarray(_text_in(first[channel], [scope])), customer]
        summ = summ[summ.index.isin(acquired)]
        if len(summ) == 0:
            return f"no customers acquired through '{scope}' up to {end.date()}"
    value = sm.clv(tm, summ, horizon=HORIZON_MONTHS, discount_rate=DISCOUNT_MONTHLY,
                   period="W", interval=interval, level=level)
    if interval:
        return (float(value["estimate"].mean()), float(value["low"].mean()),
                float(value["high"].mean()), len(summ))
    return float(value.mean()), float("nan"), float("nan"), len(summ)


def _calibration(log, customer, time, amount, end, *, note):
    """FHL 2005's check: fit on the orders up to the holdout, predict the holdout."""
    import pandas as pd

    from .. import customer as cu

    cal_end = end - pd.Timedelta(weeks=HOLDOUT_WEEKS)
    cols = ["frequency", "customers", "actual", "predicted"]
    try:
        cal = cu.summary(log, customer=customer, time=time, period="W", end=cal_end,
                         holdout_end=end)
        cal = cal[cal["T"] > 0]  # first order on the calibration's last day: age 0
        m = cu.BetaGeo(strict=False).fit(cal)
    except ValueError as exc:
        note(f"the calibration check could not run: {exc}")
        return pd.DataFrame(columns=cols)
    if not m.converged_:
        note("the calibration check's BG/NBD fit did not converge")
        return pd.DataFrame(columns=cols)
    table = cu.calibration_holdout(m, cal, HOLDOUT_WEEKS, max_frequency=CALIBRATION_GROUPS)
    return table.reset_index()[cols]


# -- rendering ----------------------------------------------------------------------------
def _headline(part: EngageResult, ctx) -> str:
    n = ctx.num
    text = (f"{n(part.customers, 'count')} customers bought up to {part.as_of:%d %b %Y}; "
            f"{n(part.repeat_customers, 'count')} of them "
            f"({n(part.repeat_customers / max(part.customers, 1), 'percent')}) more than "
            f"once.")
    if part.clv:
        text += (f" Over the next {part.horizon} months they are worth "
                 f"{n(part.clv['total'], 'money')} (BG/NBD and Gamma-Gamma, discounted "
                 f"{n(part.discount_rate, 'percent')} a month): "
                 f"{n(part.clv['mean'], 'money')} a customer on average "
                 f"({ctx.range(part.clv['low'], part.clv['high'], 'money')}), half of them "
                 f"under {n(part.clv['median'], 'money')}.")
    return text


def _check_title(part: EngageResult) -> str:
    return f"Model check: the last {part.holdout_weeks} weeks held out"


def _check_note(part: EngageResult) -> str:
    return (f"The BG/NBD fitted to the orders up to {part.holdout_weeks} weeks before the "
            f"as-of day predicts each customer's purchases in those weeks; customers are "
            f"grouped by their repeat purchases before them. Solid: the actual mean, "
            f"dashed: the prediction (Fader, Hardie & Lee 2005, figure 4).")


def _risk_title(part: EngageResult, ctx) -> str:
    return (f"Valuable customers at risk: the tenth of repeat buyers least likely to be "
            f"active (P(alive) up to {ctx.num(part.risk_line, 'percent')}), by revenue")


def _segment_columns(ctx):
    from .._render import _text

    n = ctx.num
    return [("Segment", lambda r: _text(r["segment"]), False),
            ("Customers", lambda r: n(r["customers"], "count"), True),
            ("Share", lambda r: n(r["share"], "percent"), True),
            ("Revenue", lambda r: n(r["revenue"], "money"), True),
            ("Revenue share", lambda r: n(r["revenue_share"], "percent"), True),
            ("Days since last order", lambda r: n(r["recency"], "number"), True),
            ("Orders per customer", lambda r: n(r["frequency"], "number"), True)]


def _calibration_columns(ctx):
    n = ctx.num
    return [("Purchases before the holdout", lambda r: str(r["frequency"]), False),
            ("Customers", lambda r: n(r["customers"], "count"), True),
            ("Actual purchases in the holdout", lambda r: n(r["actual"], "number"), True),
            ("Predicted", lambda r: n(r["predicted"], "number"), True)]


def _at_risk_columns(ctx):
    from .._render import _text

    n = ctx.num
    return [("Customer", lambda r: _text(r["customer"]), False),
            ("Orders", lambda r: n(r["frequency"], "count"), True),
            ("Days since last order", lambda r: n(r["days_since"], "count"), True),
            ("Revenue to date", lambda r: n(r["revenue"], "money"), True),
            ("P(alive)", lambda r: n(r["p_alive"], "prob"), True),
            ("CLV", lambda r: n(r["clv"], "money"), True),
            ("Segment", lambda r: _text(r["segment"]), False)]


def _model_rows(part: EngageResult) -> list:
    rows = []
    for m in (part.transaction_model, part.spend_model):
        if m is None:
            continue
        for k, v in m.params_.items():
            rows.append({"model": type(m).__name__, "parameter": k, "estimate": v,
                         "se": m.standard_errors_[k]})
    return rows


def _model_columns(ctx):
    from .._render import _text

    n = ctx.num
    return [("Model", lambda r: _text(r["model"]), False),
            ("Parameter", lambda r: _text(r["parameter"]), False),
            ("Estimate", lambda r: n(r["estimate"], "number"), True),
            ("Standard error", lambda r: n(r["se"], "number"), True)]


def _records_with_index(frame, name: str) -> list:
    if frame is None or len(frame) == 0:
        return []
    f = frame.reset_index()
    f = f.rename(columns={f.columns[0]: name})
    return f.to_dict("records")


def _html(part: EngageResult, ctx, title: str, anchor: str) -> List[str]:
    from .._render import _e, _grid

    out = [f"<h2 id='{anchor}'>{_e(title)}</h2>", f"<p>{_e(_headline(part, ctx))}</p>"]
    seg = _records_with_index(part.segments, "segment")
    out.append("<h3>RFM segments: revenue by segment</h3>" + _svg_segments(seg, ctx))
    out.append(_grid(seg, _segment_columns(ctx), "RFM segments, numbers", level=4))
    if len(part.calibration):
        rows = part.calibration.to_dict("records")
        out.append(f"<h3>{_e(_check_title(part))}</h3>"
                   + _svg_calibration(rows, ctx)
                   + f"<p>{_e(_check_note(part))}</p>")
        out.append(_grid(rows, _calibration_columns(ctx), "Model check, numbers", level=4))
    if part.clv:
        out.append(f"<h3>Customer lifetime value over {part.horizon} months</h3>"
                   + _svg_histogram(part.clv["histogram"], ctx)
                   + "<p>Customers per bar; the top 1 % are in the last bar.</p>")
    if len(part.at_risk):
        out.append(_grid(_records_with_index(part.at_risk, "customer"),
                         _at_risk_columns(ctx), _risk_title(part, ctx), level=3))
    rows = _model_rows(part)
    if rows:
        out.append(_grid(rows, _model_columns(ctx), "The models' parameters", level=3))
    if part.notes:
        out.append("<ul>" + "".join(f"<li>{_e(t)}</li>" for t in part.notes) + "</ul>")
    return out


def _markdown(part: EngageResult, ctx, title: str) -> List[str]:
    from .._render import _md, _md_grid

    lines = [f"## {title}", "", _md(_headline(part, ctx)), "", "### RFM segments", ""]
    lines += _md_grid(_records_with_index(part.segments, "segment"), _segment_columns(ctx))
    if len(part.calibration):
        lines += ["", f"### {_check_title(part)}", "", _md(_check_note(part)), ""]
        lines += _md_grid(part.calibration.to_dict("records"), _calibration_columns(ctx))
    if len(part.at_risk):
        lines += ["", f"### {_risk_title(part, ctx)}", ""]
        lines += _md_grid(_records_with_index(part.at_risk, "customer"),
                          _at_risk_columns(ctx))
    rows = _model_rows(part)
    if rows:
        lines += ["", "### The models' parameters", ""] + _md_grid(rows, _model_columns(ctx))
    lines += [f"- {_md(t)}" for t in part.notes]
    return lines


def _svg_segments(rows: list, ctx) -> str:
    """Revenue by segment: one bar each, with its share of customers."""
    from .._render import _e, _Scale, _svg_open, _text_span

    if not rows:
        return ""
    row_h = 24
    left = 16 + max(_text_span(0, r["segment"], 12)[1] for r in rows)
    width = left + 520
    x = _Scale(0.0, max(max(r["revenue"] for r in rows), 1e-9), left, left + 380)
    h = row_h * len(rows) + 10
    parts = []
    for i, r in enumerate(rows):
        y = 5 + i * row_h
        label = (f"{ctx.num(r['revenue'], 'money')} ({ctx.num(r['revenue_share'], 'percent')}"
                 f" of revenue, {ctx.num(r['share'], 'percent')} of customers)")
        parts.append(f"<text x='{left - 8:.0f}' y='{y + 16}' font-size='12' "
                     f"text-anchor='end'>{_e(r['segment'])}</text>"
                     f"<rect x='{left:.0f}' y='{y + 4}' width='{x(r['revenue']) - left:.1f}' "
                     f"height='{row_h - 8}' fill='#0969da'/>"
                     f"<text x='{x(r['revenue']) + 6:.1f}' y='{y + 16}' font-size='11' "
                     f"fill='#57606a'>{_e(label)}</text>")
        width = max(width, _text_span(x(r["revenue"]) + 6, label, 11)[1] + 4)
    return _svg_open(width, h, "Revenue by RFM segment") + "".join(parts) + "</svg>"


def _svg_calibration(rows: list, ctx) -> str:
    """Actual against predicted holdout purchases by calibration frequency."""
    from .._render import _e, _nice_ticks, _Scale, _svg_open

    w, h, left, bottom = 560, 240, 50, 40
    top = max(max(r["actual"] for r in rows), max(r["predicted"] for r in rows), 1e-9)
    x = _Scale(-0.5, len(rows) - 0.5, left, w - 20)
    y = _Scale(0.0, top * 1.1, h - bottom, 10)
    p = []
    for t in _nice_ticks(0.0, top * 1.1):
        p.append(f"<line x1='{left}' x2='{w - 20}' y1='{y(t):.1f}' y2='{y(t):.1f}' "
                 f"stroke='#d0d7de'/><text x='{left - 6}' y='{y(t) + 4:.1f}' font-size='10' "
                 f"text-anchor='end' fill='#57606a'>{_e(ctx.num(t, 'number'))}</text>")
    for key, color, dash in (("actual", "#1f2328", ""), ("predicted", "#0969da", "5 3")):
        pts = " ".join(f"{x(i):.1f},{y(r[key]):.1f}" for i, r in enumerate(rows))
        p.append(f"<polyline points='{pts}' fill='none' stroke='{color}' stroke-width='2' "
                 f"stroke-dasharray='{dash}'/>")
        for i, r in enumerate(rows):
            p.append(f"<circle cx='{x(i):.1f}' cy='{y(r[key]):.1f}' r='3' fill='{color}'>"
                     f"<title>{_e(key)}: {_e(ctx.num(r[key], 'number'))}</title></circle>")
    for i, r in enumerate(rows):
        p.append(f"<text x='{x(i):.1f}' y='{h - bottom + 16}' font-size='10' "
                 f"text-anchor='middle'>{_e(r['frequency'])}</text>")
    p.append(f"<text x='{(left + w - 20) / 2:.0f}' y='{h - 6}' font-size='11' "
             f"text-anchor='middle'>repeat purchases before the holdout</text>")
    return _svg_open(w, h, "Model check: calibration against holdout") + "".join(p) + "</svg>"


def _svg_histogram(hist: dict, ctx) -> str:
    """The distribution of customer lifetime values (the top 1 % in the last bar)."""
    from .._render import _e, _Scale, _svg_open

    edges, counts = hist["edges"], hist["counts"]
    if not counts:
        return ""
    w, h, left, bottom = 560, 200, 50, 40
    x = _Scale(edges[0], edges[-1], left, w - 20)
    y = _Scale(0.0, max(max(counts), 1) * 1.05, h - bottom, 10)
    p = []
    for i, c in enumerate(counts):
        x0, x1 = x(edges[i]), x(edges[i + 1])
        p.append(f"<rect x='{x0:.1f}' y='{y(c):.1f}' width='{max(x1 - x0 - 1, 0.5):.1f}' "
                 f"height='{y(0) - y(c):.1f}' fill='#8250df'><title>"
                 f"{_e(ctx.num(edges[i], 'money'))}–{_e(ctx.num(edges[i + 1], 'money'))}: "
                 f"{_e(ctx.num(c, 'count'))} customers</title></rect>")
    for v in (edges[0], edges[len(edges) // 2], edges[-1]):
        p.append(f"<text x='{x(v):.1f}' y='{h - bottom + 14}' font-size='10' "
                 f"text-anchor='middle' fill='#57606a'>{_e(ctx.num(v, 'money'))}</text>")
    p.append(f"<text x='{(left + w - 20) / 2:.0f}' y='{h - 6}' font-size='11' "
             f"text-anchor='middle'>lifetime value of a customer</text>")
    return _svg_open(w, h, "Distribution of customer lifetime value") + "".join(p) + "</svg>"
