"""Model checks for the transaction models (BetaGeo, ModifiedBetaGeo, ParetoNBD, ...):
the calibration-vs-holdout table, the repeat-purchase histogram against the model's,
expected against actual cumulative repeat transactions, and their plots.

The predictions come from the fitted model's vectorised C++ kernels; this module only
groups and sums with numpy/pandas (no loop over customers).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._optional import require
from ._models import TransactionModel, _column, _flat, _is_frame

__all__ = [
    "calibration_holdout",
    "repeat_purchase_histogram",
    "cumulative_transactions",
    "plot_calibration_holdout",
    "plot_frequency_recency",
    "plot_cumulative",
    "plot_repeat_purchases",
]

_PERIOD_DAYS = {"D": 1.0, "W": 7.0, "M": 365.25 / 12}


def _check_model(model: Any) -> TransactionModel:
    if not isinstance(model, TransactionModel):
        raise ValueError(
            "model: expected a fitted sostac transaction model (BetaGeo, "
            f"ModifiedBetaGeo, ParetoNBD), got {type(model).__name__}"
        )
    model._check_fitted()
    return model


def _check_max_frequency(max_frequency: Any) -> int:
    if isinstance(max_frequency, bool) or not isinstance(max_frequency, (int, np.integer)) or (
        max_frequency < 1
    ):
        raise ValueError(f"max_frequency: expected a whole number >= 1, got {max_frequency!r}")
    return int(max_frequency)


def calibration_holdout(
    model: Any,
    summary: Any,
    duration: float | None = None,
    *,
    holdout: str = "frequency_holdout",
    max_frequency: int = 7,
):
    """The calibration-vs-holdout table of FHL 2005 (their Figure 4): customers
    grouped by calibration frequency x = 0, 1, ..., `max_frequency` - 1 and
    "`max_frequency`+", with the actual mean number of holdout purchases and the mean
    of the model's E[Y(duration) | x, t_x, T].

    `summary` has frequency, recency, T and the `holdout` column (as
    ``summary(..., holdout_end=...)`` returns); `duration` is the holdout length in
    periods (or a ``duration_holdout`` column). Returns a DataFrame indexed by
    ``frequency`` (a string label) with customers, actual, predicted.
    """
    pd = require("pandas", "pandas", "calibration_holdout() needs pandas")
    m = _check_model(model)
    k = _check_max_frequency(max_frequency)
    if not _is_frame(summary):
        raise ValueError("summary: expected a frame with frequency, recency, T and the holdout")
    x, tx, T, _ = m._rft(summary, None, None)
    x, tx, T = _flat("frequency", x), _flat("recency", tx), _flat("T", T)
    actual = _column(summary, holdout, "holdout")
    if duration is None:
        dur = _column(summary, "duration_holdout", "duration")
    else:
        if not (isinstance(duration, (int, float)) and np.isfinite(duration) and duration > 0):
            raise ValueError(f"duration: expected a positive number of periods, got {duration!r}")
        dur = np.full(len(x), float(duration))
    bad = ~np.isfinite(actual) | (actual < 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(f"holdout[{i}]: expected a non-negative count, got {actual[i]!r}")
    pred = np.asarray(m._expected_core(dur, x, tx, T, False)["value"])
    group = np.minimum(x, k).astype(np.int64)
    counts = np.bincount(group, minlength=k + 1)
    sum_a = np.bincount(group, weights=actual, minlength=k + 1)
    sum_p = np.bincount(group, weights=pred, minlength=k + 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        frame = pd.DataFrame(
            {"customers": counts, "actual": sum_a / counts, "predicted": sum_p / counts},
            index=pd.Index([str(i) for i in range(k)] + [f"{k}+"], name="frequency"),
        )
    return frame[frame["customers"] > 0]


def repeat_purchase_histogram(model: Any, summary: Any, *, max_frequency: int = 7):
    """Customers by number of calibration repeat purchases 0, ..., `max_frequency` - 1
    and "`max_frequency`+": actual against the model's expected counts
    sum_i P(X(T_i) = n) (FHL's "fit histogram", each customer over his own T).
    Returns a DataFrame indexed by ``frequency`` with actual, expected."""
    pd = require("pandas", "pandas", "repeat_purchase_histogram() needs pandas")
    m = _check_model(model)
    k = _check_max_frequency(max_frequency)
    x, tx, T, _ = m._rft(summary, None, None)
    x, T = _flat("frequency", x), _flat("T", T)
    actual = np.bincount(np.minimum(x, k).astype(np.int64), minlength=k + 1)[: k + 1]
    # Customers sharing T share the probabilities: evaluate once per distinct T.
    uT, inv = np.unique(T, return_inverse=True)
    mult = np.bincount(inv, minlength=len(uT)).astype(float)
    n = np.arange(k)
    probs = m.prob_purchases(n[None, :], uT[:, None])  # (len(uT), k)
    expected = np.empty(k + 1)
    expected[:k] = mult @ probs
    expected[k] = mult.sum() - expected[:k].sum()
    return pd.DataFrame(
        {"actual": actual.astype(float), "expected": expected},
        index=pd.Index([str(i) for i in range(k)] + [f"{k}+"], name="frequency"),
    )


def cumulative_transactions(
    model: Any,
    transactions: Any,
    *,
    customer: str = "customer_id",
    time: str = "timestamp",
    period: str = "W",
    end: Any = None,
    periods: int | None = None,
):
    """Expected against actual cumulative repeat transactions over time (FHL 2005
    Figure 2).

    Time runs in `period` units from the first transaction of the log (D: days,
    W: 7 days, M: 365.25/12 days). A customer's first transaction starts his clock;
    later transactions on other days are repeat transactions (several on one day
    count once, as the summary merges them). Expected at time t: the sum over
    customers of E[X(t - s_i)] (the model's ``expected_purchases_new``), s_i the
    customer's first-purchase time. Returns a DataFrame indexed by period 1..P with
    actual and expected cumulative counts; `end` (timestamp) or `periods` bound it.
    """
    pd = require("pandas", "pandas", "cumulative_transactions() needs pandas")
    m = _check_model(model)
    if period not in _PERIOD_DAYS:
        raise ValueError(f"period: expected 'D', 'W' or 'M', got {period!r}")
    frame = transactions if isinstance(transactions, pd.DataFrame) else pd.DataFrame(transactions)
    for col, arg in ((customer, "customer"), (time, "time")):
        if col not in frame.columns:
            raise ValueError(f"{arg}: the transactions have no column {col!r}")
    ids = frame[customer]
    if ids.isna().any():
        i = int(np.flatnonzero(ids.isna().to_numpy())[0])
        raise ValueError(f"customer: missing id in row {i}")
    ts = pd.to_datetime(frame[time])
    if ts.isna().any():
        i = int(np.flatnonzero(ts.isna().to_numpy())[0])
        raise ValueError(f"time: missing timestamp in row {i}")
    day = ts.dt.normalize()
    start = day.min()
    days = ((day - start) / pd.Timedelta(days=1)).to_numpy()
    codes, _ = pd.factorize(ids)
    # distinct (customer, day) purchases, sorted by customer then day
    key = np.unique(codes.astype(np.int64) * 1_000_000 + days.astype(np.int64))
    cust, dday = key // 1_000_000, (key % 1_000_000).astype(float)
    first = np.r_[True, cust[1:] != cust[:-1]]
    L = _PERIOD_DAYS[period]
    first_t = dday[first] / L
    repeat_t = dday[~first] / L
    if periods is None:
        last = (pd.Timestamp(end).normalize() - start) / pd.Timedelta(days=1) if end is not None \
            else days.max() + 1
        periods = int(np.floor(last / L))
    if isinstance(periods, bool) or not isinstance(periods, (int, np.integer)) or periods < 1:
        raise ValueError(f"periods: expected a whole number >= 1, got {periods!r}")
    grid = np.arange(1, periods + 1, dtype=float)
    actual = np.searchsorted(np.sort(repeat_t), grid, side="left").astype(float)
    # expected: group customers by first-purchase time (few distinct days)
    us, cnt = np.unique(first_t, return_counts=True)
    age = grid[:, None] - us[None, :]  # (P, S)
    pos = age > 0
    ex = np.zeros_like(age)
    if pos.any():
        ex[pos] = np.asarray(m.expected_purchases_new(age[pos]))
    expected = ex @ cnt.astype(float)
    return pd.DataFrame(
        {"actual": actual, "expected": expected}, index=pd.Index(grid.astype(int), name="period")
    )


# ---------------------------------------------------------------------------------
# plots: each takes ax=None (a new figure) and returns the Axes
# ---------------------------------------------------------------------------------


def _axes(ax: Any):
    require("matplotlib", "plot", "plots need matplotlib")
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4.5))
    return ax


def plot_calibration_holdout(model: Any, summary: Any, duration: float | None = None, *,
                             holdout: str = "frequency_holdout", max_frequency: int = 7,
                             ax: Any = None):
    """Actual and predicted mean holdout purchases by calibration frequency."""
    t = calibration_holdout(model, summary, duration, holdout=holdout, max_frequency=max_frequency)
    ax = _axes(ax)
    pos = np.arange(len(t))
    ax.plot(pos, t["actual"], marker="o", label="Actual")
    ax.plot(pos, t["predicted"], marker="s", linestyle="--", label=f"{model._title} prediction")
    ax.set_xticks(pos)
    ax.set_xticklabels(list(t.index))
    ax.set_xlabel("Purchases in the calibration period")
    ax.set_ylabel("Mean purchases in the holdout period")
    ax.set_title("Calibration vs holdout")
    ax.legend()
    return ax


def plot_repeat_purchases(model: Any, summary: Any, *, max_frequency: int = 7, ax: Any = None):
    """Histogram of calibration repeat purchases: actual against the model's."""
    t = repeat_purchase_histogram(model, summary, max_frequency=max_frequency)
    ax = _axes(ax)
    pos = np.arange(len(t))
    ax.bar(pos - 0.2, t["actual"], width=0.4, label="Actual")
    ax.bar(pos + 0.2, t["expected"], width=0.4, label=model._title)
    ax.set_xticks(pos)
    ax.set_xticklabels(list(t.index))
    ax.set_xlabel("Repeat purchases in the calibration period")
    ax.set_ylabel("Customers")
    ax.set_title("Frequency of repeat purchases")
    ax.legend()
    return ax


def plot_cumulative(model: Any, transactions: Any, *, ax: Any = None, **kwargs: Any):
    """Expected against actual cumulative repeat transactions (keyword arguments as
    ``cumulative_transactions``)."""
    t = cumulative_transactions(model, transactions, **kwargs)
    ax = _axes(ax)
    ax.plot(t.index, t["actual"], label="Actual")
    ax.plot(t.index, t["expected"], linestyle="--", label=model._title)
    ax.set_xlabel(f"Time ({kwargs.get('period', 'W')} since the first transaction)")
    ax.set_ylabel("Cumulative repeat transactions")
    ax.set_title("Tracking cumulative repeat transactions")
    ax.legend()
    return ax


def plot_frequency_recency(model: Any, *, what: str = "prob_alive", t: float = 1.0,
                           T: float | None = None, max_frequency: int | None = None,
                           max_recency: float | None = None, ax: Any = None):
    """Heat map over frequency (rows) and recency (columns) of P(alive)
    (`what` = "prob_alive") or of expected purchases in the next `t` periods
    (`what` = "expected_purchases"), for customers of age `T` periods (default 52)."""
    if what not in ("prob_alive", "expected_purchases"):
        raise ValueError(f"what: expected 'prob_alive' or 'expected_purchases', got {what!r}")
    m = _check_model(model)
    T = float(T) if T is not None else 52.0
    if not (np.isfinite(T) and T > 0):
        raise ValueError(f"T: expected a positive age, got {T!r}")
    kmax = int(max_frequency) if max_frequency is not None else 20
    rmax = float(max_recency) if max_recency is not None else T
    if kmax < 1 or not (0 < rmax <= T):
        raise ValueError("max_frequency/max_recency: expected >= 1 and 0 < max_recency <= T")
    freq = np.arange(0, kmax + 1, dtype=float)
    rec = np.linspace(0, rmax, 60)
    F, R = np.meshgrid(freq, rec, indexing="ij")
    # x > 0 needs t_x > 0; x = 0 has t_x = 0
    R = np.where(F == 0, 0.0, np.maximum(R, rmax / 600))
    if what == "prob_alive":
        Z = m.prob_alive(F, R, np.full_like(F, T))
        label = "P(alive)"
    else:
        Z = m.expected_purchases(t, F, R, np.full_like(F, T))
        label = f"Expected purchases in the next {t:g} periods"
    ax = _axes(ax)
    im = ax.imshow(Z, origin="lower", aspect="auto", extent=(0, rmax, -0.5, kmax + 0.5),
                   cmap="viridis")
    ax.figure.colorbar(im, ax=ax, label=label)
    ax.set_xlabel("Recency (time of the last purchase)")
    ax.set_ylabel("Frequency (repeat purchases)")
    ax.set_title(f"{label}, customers of age T = {T:g}")
    return ax
