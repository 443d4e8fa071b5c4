"""sostac.customer: Pareto/NBD, BG/BB and the Gauss hypergeometric function.

The likelihoods, fits and predictions are C++ (include/sostac/customer/pareto.hpp and
hyp2f1.hpp); this module converts inputs and reuses the fitted-model machinery of
``_models.py`` (parameters, standard errors, delta-method intervals, reprs).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _core
from ._models import TransactionModel, _broadcast, _column, _columns_of, _is_frame

__all__ = ["ParetoNBD", "BetaGeoBetaBinom", "hyp2f1"]

_cc = _core.customer


def hyp2f1(a: Any, b: Any, c: Any, z: Any):
    """The Gauss hypergeometric function 2F1(a, b; c; z) for real arguments, z <= 1.

    Inputs broadcast; returns a float for scalar inputs, else an array. Series with a
    tail bound for 0 <= z <= 0.8, Pfaff's transformation for z < 0, the 1 - z
    transformation (or Euler's plus the series where that would cancel) above 0.8;
    see docs/customer.md. Checked against mpmath to 1e-12 relative.

    Example
    -------
    >>> round(hyp2f1(1, 1, 2, 0.5), 12)  # -log(1 - z) / z
    1.386294361120
    """
    shape, f = _broadcast(a=a, b=b, c=c, z=z)
    out = np.asarray(_cc.hyp2f1(f["a"], f["b"], f["c"], f["z"])["value"]).reshape(shape)
    return float(out) if out.ndim == 0 else out


class ParetoNBD(TransactionModel):
    """Pareto/NBD (Schmittlein, Morrison & Colombo 1987): purchases at Poisson rate
    lambda ~ Gamma(r, alpha) while alive, an exponential lifetime with rate
    mu ~ Gamma(s, beta). Likelihood as in Fader & Hardie's 2005 note, with a
    numerically careful 2F1 and an analytic gradient.

    Example
    -------
    >>> m = ParetoNBD().fit(summary)                 # doctest: +SKIP
    >>> m.params_                                    # doctest: +SKIP
    {'r': 0.5534, 'alpha': 10.5776, 's': 0.6061, 'beta': 11.6689}
    >>> m.prob_alive(summary, interval=True)         # doctest: +SKIP

    Predictions take ``interval=True`` (and ``level``) for a DataFrame with estimate,
    se, low, high by the delta method, as ``BetaGeo``.
    """

    _param_names = ("r", "alpha", "s", "beta")
    _title = "ParetoNBD"
    _core_fit = staticmethod(_cc.pareto_nbd_fit)

    def expected_purchases(
        self, t: Any, frequency: Any, recency: Any = None, T: Any = None, *,
        interval: bool = False, level: float = 0.95,
    ):
        """E[Y(t) | x, t_x, T]: expected purchases in (T, T + t]
        (r+x)(beta+T) / ((alpha+T)(s-1)) [1 - ((beta+T)/(beta+T+t))^(s-1)] P(alive)."""
        self._check_fitted()
        x, tx, tt, index = self._rft(frequency, recency, T)
        shape, f = _broadcast(t=t, frequency=x, recency=tx, T=tt)
        out = _cc.pareto_nbd_conditional_expected(
            self._param_vector, f["t"], f["frequency"], f["recency"], f["T"], interval
        )
        return self._with_interval(out, shape, interval, level, "log", index)

    def prob_alive(
        self, frequency: Any, recency: Any = None, T: Any = None, *,
        interval: bool = False, level: float = 0.95,
    ):
        """P(alive at T | x, t_x, T): the share of the likelihood in which the
        customer is still alive at T."""
        self._check_fitted()
        x, tx, tt, index = self._rft(frequency, recency, T)
        shape, f = _broadcast(frequency=x, recency=tx, T=tt)
        out = _cc.pareto_nbd_prob_alive(
            self._param_vector, f["frequency"], f["recency"], f["T"], interval
        )
        return self._with_interval(out, shape, interval, level, "logit", index)

    def _expected_core(self, t, x, tx, T, gradient):
        return _cc.pareto_nbd_conditional_expected(self._param_vector, t, x, tx, T, gradient)

    def _expected_discounted(self, ts, discounts, x, tx, T, gradient):
        # sum_k (E[Y(t_k)] - E[Y(t_{k-1})]) / d_k = sum_k E[Y(t_k)] (1/d_k - 1/d_{k+1})
        inv = np.array([1.0 / d for d in discounts] + [0.0])
        return _cc.pareto_nbd_expected_sum(
            self._param_vector, np.asarray(ts, dtype=float), inv[:-1] - inv[1:],
            np.ascontiguousarray(x, dtype=float), np.ascontiguousarray(tx, dtype=float),
            np.ascontiguousarray(T, dtype=float), gradient,
        )

    def expected_purchases_new(self, t: Any, *, interval: bool = False, level: float = 0.95):
        """E[X(t)] for a customer acquired at 0:
        r beta / (alpha (s-1)) [1 - (beta/(beta+t))^(s-1)]."""
        self._check_fitted()
        shape, f = _broadcast(t=t)
        out = _cc.pareto_nbd_expected_new(self._param_vector, f["t"], interval)
        return self._with_interval(out, shape, interval, level, "log")

    def prob_purchases(self, n: Any, t: Any, *, interval: bool = False, level: float = 0.95):
        """P(X(t) = n) for a customer acquired at 0 (Fader & Hardie's note on
        P(X(t) = x) under the Pareto/NBD)."""
        self._check_fitted()
        shape, f = _broadcast(n=n, t=t)
        out = _cc.pareto_nbd_prob_n(self._param_vector, f["n"], f["t"], interval)
        return self._with_interval(out, shape, interval, level, "logit")

    def log_likelihood(self, frequency: Any, recency: Any = None, T: Any = None):
        """Per-customer log-likelihood at the fitted parameters."""
        self._check_fitted()
        x, tx, tt, _ = self._rft(frequency, recency, T)
        shape, f = _broadcast(frequency=x, recency=tx, T=tt)
        out = _cc.pareto_nbd_log_likelihood(
            self._param_vector, f["frequency"], f["recency"], f["T"], False
        )
        return self._with_interval(out, shape, False, 0.95, "identity")


class BetaGeoBetaBinom(TransactionModel):
    """BG/BB (Fader, Hardie & Shang 2010) for discrete transaction opportunities:
    at each opportunity an alive customer transacts with probability
    p ~ Beta(alpha, beta), and drops out before the next with probability
    theta ~ Beta(gamma, delta).

    ``fit(frequency, recency, n_periods, weights)``: frequency x = transactions,
    recency t_x = the opportunity of the last one (0 if none), n_periods n = the
    opportunities observed; or a frame with those columns (``periods`` is accepted
    for ``n_periods``, as lifetimes' donations data name it).

    Example
    -------
    >>> m = BetaGeoBetaBinom().fit(donations, weights="weights")   # doctest: +SKIP
    >>> m.params_                                                 # doctest: +SKIP
    {'alpha': 1.204, 'beta': 0.750, 'gamma': 0.657, 'delta': 2.783}
    """

    _param_names = ("alpha", "beta", "gamma", "delta")
    _title = "BetaGeoBetaBinom"
    _core_fit = staticmethod(_cc.bgbb_fit)
    _columns = ("frequency", "recency", "n_periods")

    @staticmethod
    def _frame_periods(frame: Any) -> Any:
        cols = _columns_of(frame)
        if "n_periods" not in cols and "periods" in cols:
            return {
                "frequency": _column(frame, "frequency", "frequency"),
                "recency": _column(frame, "recency", "recency"),
                "n_periods": _column(frame, "periods", "periods"),
                **({"weights": _column(frame, "weights", "weights")} if "weights" in cols else {}),
            }
        return frame

    def fit(
        self,
        frequency: Any,
        recency: Any = None,
        n_periods: Any = None,
        weights: Any = None,
        *,
        start: Any = None,
    ):
        """Fits by maximum likelihood and returns self (weights: customers per row)."""
        if _is_frame(frequency):
            frequency = self._frame_periods(frequency)
        return super().fit(frequency, recency, n_periods, weights, start=start)

    def _rft(self, frequency: Any, recency: Any, T: Any):
        if _is_frame(frequency):
            frequency = self._frame_periods(frequency)
        return super()._rft(frequency, recency, T)

    def expected_purchases(
        self, t: Any, frequency: Any, recency: Any = None, n_periods: Any = None, *,
        interval: bool = False, level: float = 0.95,
    ):
        """E[X(n, n + t) | x, t_x, n]: expected transactions in the next t
        opportunities."""
        self._check_fitted()
        x, tx, nn, index = self._rft(frequency, recency, n_periods)
        shape, f = _broadcast(t=t, frequency=x, recency=tx, n_periods=nn)
        out = _cc.bgbb_conditional_expected(
            self._param_vector, f["t"], f["frequency"], f["recency"], f["n_periods"], interval
        )
        return self._with_interval(out, shape, interval, level, "log", index)

    def prob_alive(
        self, frequency: Any, recency: Any = None, n_periods: Any = None, *,
        m_periods: Any = 1, interval: bool = False, level: float = 0.95,
    ):
        """P(alive at opportunity n + m_periods | x, t_x, n); m_periods = 1 (the
        default) is FHS 2010's "P(alive in the next period)" (their Table 6)."""
        self._check_fitted()
        x, tx, nn, index = self._rft(frequency, recency, n_periods)
        shape, f = _broadcast(frequency=x, recency=tx, n_periods=nn, m_periods=m_periods)
        out = _cc.bgbb_prob_alive(
            self._param_vector, f["frequency"], f["recency"], f["n_periods"], f["m_periods"],
            interval,
        )
        return self._with_interval(out, shape, interval, level, "logit", index)

    def expected_purchases_new(self, t: Any, *, interval: bool = False, level: float = 0.95):
        """E[X(t)]: expected transactions of a new customer in t opportunities."""
        self._check_fitted()
        shape, f = _broadcast(t=t)
        out = _cc.bgbb_expected_new(self._param_vector, f["t"], interval)
        return self._with_interval(out, shape, interval, level, "log")

    def prob_purchases(self, n: Any, t: Any, *, interval: bool = False, level: float = 0.95):
        """P(X(t) = n): n transactions in t opportunities for a new customer."""
        self._check_fitted()
        shape, f = _broadcast(n=n, t=t)
        out = _cc.bgbb_prob_n(self._param_vector, f["n"], f["t"], interval)
        return self._with_interval(out, shape, interval, level, "logit")

    def log_likelihood(self, frequency: Any, recency: Any = None, n_periods: Any = None):
        """Per-pattern log-likelihood at the fitted parameters."""
        self._check_fitted()
        x, tx, nn, _ = self._rft(frequency, recency, n_periods)
        shape, f = _broadcast(frequency=x, recency=tx, n_periods=nn)
        out = _cc.bgbb_log_likelihood(
            self._param_vector, f["frequency"], f["recency"], f["n_periods"], False
        )
        return self._with_interval(out, shape, False, 0.95, "identity")
