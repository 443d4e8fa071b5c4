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
  (for churn, customer-periods).
"""

from __future__ import annotations

from typing import Any, Dict, List

import numpy as np

from ._base import Analysis, Inputs

#: The measure pairs (numerator, denominator) counted from the order log.
REPEAT = ("repeat_customers", "customers")
CHURN = ("churned_customers", "customers")


def _day_after(ts):
    """The midnight after `ts`'s day: the orders of the as-of day all count."""
    import pandas as pd

    return pd.Timestamp(ts).normalize() + pd.Timedelta(days=1)


class Engage(Analysis):
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
        if log is None or pair not in (REPEAT, CHURN):
            return None
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
        horizon = ((inputs.plan.get("plan") or {}).get("horizon") or {}).get("start")
        try:
            begin = int(np.datetime64(pd.Timestamp(horizon).date(), "D").astype(np.int64)) \
                if horizon else int(days.min())
        except (ValueError, TypeError):
            begin = int(days.min())
        begin = max(begin, int(days.min()))
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
            # the period after each period: a day past its longest length, cut again
            step = {"day": 1, "week": 7, "month": 31, "quarter": 92}[period]
            base = buyers[["start", "who"]].drop_duplicates()
            base = base.assign(next=_period_start_days(base["start"].to_numpy() + step,
                                                       period))
            # a period not over by `until` cannot tell who stayed away: left out
            last = int(np.datetime64(until.date(), "D").astype(np.int64))
            base = base[_period_start_days(base["next"].to_numpy() + step, period) - 1
                        <= last]
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

    # -- the section -----------------------------------------------------------------------
    def run(self, inputs: Inputs) -> Any:
        return None

    def to_json(self, part: Any) -> Any:
        return None if part is None else part.to_dict()

    def html(self, part: Any, ctx: Any) -> List[str]:
        return []

    def markdown(self, part: Any, ctx: Any) -> List[str]:
        return []
