"""sostac.customer: BG/NBD, MBG/NBD, Gamma-Gamma and the maximum-likelihood optimiser.

The statistics are in C++ (include/sostac/customer/); this module converts inputs,
holds the fitted parameters and computes delta-method intervals with numpy.

``FittedModel`` is the base of every customer model (also Pareto/NBD and BG/BB in
``_pareto.py``): parameters, standard errors, covariance, log-likelihood, AIC/BIC,
``summary()``, ``to_dict()``/``to_frame()`` and reprs. ``TransactionModel`` adds
``fit(summary frame or arrays frequency, recency, T[, weights])``.
"""

from __future__ import annotations

import html
import math
from statistics import NormalDist
from typing import Any, Callable

import numpy as np

from .. import _core
from .._optional import require

__all__ = ["BetaGeo", "GammaGamma", "ModifiedBetaGeo"]

_cc = _core.customer


# ---------------------------------------------------------------------------------
# input helpers
# ---------------------------------------------------------------------------------


def _is_frame(obj: Any) -> bool:
    """A table with named columns: pandas/polars DataFrame, pyarrow Table or a dict."""
    return isinstance(obj, dict) or (
        hasattr(obj, "columns") and not isinstance(obj, np.ndarray)
    ) or type(obj).__name__ in ("Table", "RecordBatch")


def _columns_of(frame: Any) -> list[str]:
    if isinstance(frame, dict):
        return [str(k) for k in frame]
    cols = getattr(frame, "column_names", None)
    if cols is None:
        cols = frame.columns
    return [str(c) for c in cols]


def _column(frame: Any, name: str, argument: str) -> np.ndarray:
    """Column `name` of a table as float64; ValueError naming it when absent."""
    cols = _columns_of(frame)
    if name not in cols:
        raise ValueError(
            f"{argument}: the summary has no column {name!r} (columns: {', '.join(cols)})"
        )
    col = frame[name]
    if hasattr(col, "to_numpy") and not isinstance(col, np.ndarray):
        try:
            col = col.to_numpy()
        except TypeError:  # pyarrow ChunkedArray needs zero_copy_only=False
            col = col.to_numpy(zero_copy_only=False)
    return _as_float(col, argument)


def _as_float(values: Any, argument: str) -> np.ndarray:
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{argument}: expected numbers ({exc})") from None
    return arr


def _index_of(frame: Any):
    """The pandas index of a frame (to label predictions), else None."""
    idx = getattr(frame, "index", None)
    return idx if idx is not None and hasattr(idx, "__len__") else None


def _flat(name: str, values: Any) -> np.ndarray:
    arr = _as_float(values, name)
    if arr.ndim > 1:
        raise ValueError(f"{name}: expected a one-dimensional array, got shape {arr.shape}")
    return np.ascontiguousarray(arr.reshape(-1))


def _broadcast(**arrays: Any) -> tuple[tuple[int, ...], dict[str, np.ndarray]]:
    """Broadcasts named inputs; ValueError naming the mismatched ones."""
    conv = {k: _as_float(v, k) for k, v in arrays.items()}
    try:
        shape = np.broadcast_shapes(*(a.shape for a in conv.values()))
    except ValueError:
        shapes = ", ".join(f"{k} {a.shape}" for k, a in conv.items())
        raise ValueError(f"mismatched lengths: {shapes} do not broadcast") from None
    flat = {
        k: np.ascontiguousarray(np.broadcast_to(a, shape).reshape(-1), dtype=np.float64)
        for k, a in conv.items()
    }
    return shape, flat


def _z(level: float) -> float:
    if not (isinstance(level, (int, float)) and 0 < float(level) < 1):
        raise ValueError(f"level: expected a number strictly between 0 and 1, got {level!r}")
    return NormalDist().inv_cdf(0.5 + float(level) / 2)


def _fmt(v: float) -> str:
    return f"{v:.6g}" if isinstance(v, (float, int, np.floating)) else str(v)


# ---------------------------------------------------------------------------------
# base classes
# ---------------------------------------------------------------------------------


class FittedModel:
    """Common base of sostac's customer models (maximum likelihood in C++).

    Subclasses set ``_param_names`` and ``_title`` and call ``_set_fit(result)`` with
    the dict a ``_core.customer.*_fit`` function returns (the FitResult fields).

    After ``fit``: ``params_`` (dict name -> estimate, natural scale),
    ``standard_errors_`` (dict), ``covariance_`` (DataFrame, the inverse observed
    information), ``log_likelihood_`` (without the penalty), ``aic_``, ``bic_``,
    ``n_`` (customers: the sum of weights), ``iterations_``, ``converged_`` and
    ``message_``. A fit that did not converge (NaN, boundary, iteration limit,
    singular information) raises ``RuntimeError`` unless ``strict=False``, in which
    case ``converged_`` is False and the message says why.
    """

    _param_names: tuple[str, ...] = ()
    _title = "FittedModel"

    def __init__(
        self,
        penalizer: float = 0.0,
        *,
        max_iterations: int = 2000,
        gradient_tolerance: float = 1e-8,
        strict: bool = True,
    ) -> None:
        if isinstance(penalizer, bool) or not isinstance(penalizer, (int, float)) or not (
            math.isfinite(penalizer) and penalizer >= 0
        ):
            raise ValueError(f"penalizer: expected a finite number >= 0, got {penalizer!r}")
        if isinstance(max_iterations, bool) or not isinstance(max_iterations, int) or (
            max_iterations < 1
        ):
            raise ValueError(f"max_iterations: expected an integer >= 1, got {max_iterations!r}")
        if not (isinstance(gradient_tolerance, (int, float)) and gradient_tolerance > 0):
            raise ValueError(
                f"gradient_tolerance: expected a positive number, got {gradient_tolerance!r}"
            )
        self.penalizer = float(penalizer)
        self.max_iterations = int(max_iterations)
        self.gradient_tolerance = float(gradient_tolerance)
        self.strict = bool(strict)
        self._fit: dict[str, Any] | None = None

    # -- fitting -------------------------------------------------------------------
    def _options(self) -> dict[str, Any]:
        return {
            "penalizer": self.penalizer,
            "max_iterations": self.max_iterations,
            "gradient_tolerance": self.gradient_tolerance,
        }

    def _set_fit(self, res: dict[str, Any]) -> None:
        names = list(res["names"])
        params = np.asarray(res["params"], dtype=float)
        ses = np.asarray(res["standard_errors"], dtype=float)
        cov = np.asarray(res["covariance"], dtype=float)
        self._fit = dict(res)
        self._param_vector = params
        self._cov = cov
        self.params_ = {k: float(v) for k, v in zip(names, params)}
        self.standard_errors_ = {k: float(v) for k, v in zip(names, ses)}
        self.log_likelihood_ = float(res["log_likelihood"])
        self.aic_ = float(res["aic"])
        self.bic_ = float(res["bic"])
        self.n_ = float(res["n"])
        self.iterations_ = int(res["iterations"])
        self.converged_ = bool(res["converged"])
        self.message_ = str(res["message"])
        if not self.converged_ and self.strict:
            raise RuntimeError(
                f"{self._title} fit did not converge: {self.message_}. Pass strict=False "
                "to inspect the result, or a penalizer > 0 to regularise it."
            )

    @property
    def covariance_(self):
        """The covariance of the estimates (inverse observed information) as a DataFrame."""
        self._check_fitted()
        pd = require("pandas", "pandas", "covariance_ needs pandas")
        names = list(self.params_)
        return pd.DataFrame(self._cov, index=names, columns=names)

    def _check_fitted(self) -> None:
        if self._fit is None:
            raise RuntimeError(f"{self._title} is not fitted yet: call fit() first")

    # -- delta method --------------------------------------------------------------
    def _with_interval(
        self,
        out: dict[str, np.ndarray],
        shape: tuple[int, ...],
        interval: bool,
        level: float,
        scale: str,
        index: Any = None,
    ):
        """A prediction as an array of `shape`, or with `interval` a DataFrame with
        estimate, se, low, high by the delta method on the `scale` where the normal
        approximation is used ("log" for positive quantities, "logit" for
        probabilities, "identity")."""
        value = np.asarray(out["value"])
        if not interval:
            v = value.reshape(shape)
            return float(v) if v.ndim == 0 else v
        z = _z(level)
        g = np.asarray(out["gradient"])
        var = np.einsum("ij,jk,ik->i", g, self._cov, g)
        se = np.sqrt(np.maximum(var, 0.0))
        with np.errstate(divide="ignore", invalid="ignore"):
            if scale == "log":
                h = se / value
                low, high = value * np.exp(-z * h), value * np.exp(z * h)
            elif scale == "logit":
                h = se / (value * (1 - value))
                lo = np.log(value / (1 - value)) - z * h
                hi = np.log(value / (1 - value)) + z * h
                low, high = 1 / (1 + np.exp(-lo)), 1 / (1 + np.exp(-hi))
            else:
                low, high = value - z * se, value + z * se
        # Exact values (P(alive) = 1 with no repeat purchases, 0 purchases) have se 0.
        exact = se == 0
        low = np.where(exact, value, low)
        high = np.where(exact, value, high)
        pd = require("pandas", "pandas", "interval=True needs pandas")
        frame = pd.DataFrame({"estimate": value, "se": se, "low": low, "high": high})
        if index is not None and len(index) == len(frame):
            frame.index = index
        return frame

    # -- reporting -----------------------------------------------------------------
    def summary(self, level: float = 0.95):
        """Parameters as a DataFrame: estimate, se, low, high.

        The interval is Wald on the log scale (exp(log theta +- z se/theta)), so it
        stays positive like the parameters (lifetimes reports theta +- z se)."""
        self._check_fitted()
        pd = require("pandas", "pandas", "summary() needs pandas")
        z = _z(level)
        est = self._param_vector
        se = np.array([self.standard_errors_[k] for k in self.params_])
        with np.errstate(invalid="ignore"):
            h = z * se / est
        return pd.DataFrame(
            {"estimate": est, "se": se, "low": est * np.exp(-h), "high": est * np.exp(h)},
            index=pd.Index(list(self.params_), name="parameter"),
        )

    def to_frame(self):
        """Same as ``summary()``."""
        return self.summary()

    def to_dict(self) -> dict[str, Any]:
        """Everything about the fit as plain Python values."""
        self._check_fitted()
        return {
            "model": self._title,
            "params": dict(self.params_),
            "standard_errors": dict(self.standard_errors_),
            "covariance": self._cov.tolist(),
            "log_likelihood": self.log_likelihood_,
            "aic": self.aic_,
            "bic": self.bic_,
            "n": self.n_,
            "iterations": self.iterations_,
            "converged": self.converged_,
            "message": self.message_,
            "penalizer": self.penalizer,
        }

    def __repr__(self) -> str:
        if self._fit is None:
            return f"{self._title}(penalizer={self.penalizer:g}) [not fitted]"
        lines = [
            f"{self._title}(penalizer={self.penalizer:g}) fitted on {self.n_:g} customers",
            f"  log-likelihood = {self.log_likelihood_:.6g}, AIC = {self.aic_:.6g}, "
            f"BIC = {self.bic_:.6g}",
            f"  converged = {self.converged_} after {self.iterations_} iterations"
            + ("" if self.converged_ else f": {self.message_}"),
        ]
        width = max(len(k) for k in self.params_)
        for k, v in self.params_.items():
            lines.append(f"  {k:<{width}} = {_fmt(v)} (se {_fmt(self.standard_errors_[k])})")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        if self._fit is None:
            return f"<div><b>{html.escape(self._title)}</b> (not fitted)</div>"
        rows = "".join(
            f"<tr><th style='text-align:left'>{html.escape(k)}</th>"
            f"<td style='text-align:right'>{_fmt(v)}</td>"
            f"<td style='text-align:right'>{_fmt(self.standard_errors_[k])}</td></tr>"
            for k, v in self.params_.items()
        )
        head = (
            f"<b>{html.escape(self._title)}</b><br><small>n = {self.n_:g}, "
            f"log-likelihood = {self.log_likelihood_:.6g}, AIC = {self.aic_:.6g}, "
            f"converged = {self.converged_}</small>"
        )
        return (
            f"<div>{head}<table><tr><th></th><th>estimate</th><th>se</th></tr>"
            f"{rows}</table></div>"
        )


class TransactionModel(FittedModel):
    """A model of purchase counts fitted on (frequency, recency, T[, weights]).

    Subclasses set ``_core_fit`` to the ``_core.customer`` fit function taking
    (frequency, recency, T, weights, penalizer, max_iterations, gradient_tolerance,
    start). ``_columns`` names the summary columns read from a frame.
    """

    _core_fit: Callable[..., dict] | None = None
    _columns: tuple[str, str, str] = ("frequency", "recency", "T")

    def _rft_arrays(
        self, frequency: Any, recency: Any, T: Any, weights: Any
    ) -> dict[str, np.ndarray | None]:
        """(frequency, recency, T, weights) as flat float64 arrays of one length.
        `frequency` may be a summary frame; `weights` then may name its column."""
        fc, rc, tc = self._columns
        if _is_frame(frequency):
            if recency is not None or T is not None:
                raise ValueError(
                    "recency/T: pass either a summary frame or three arrays, not both"
                )
            frame = frequency
            x = _column(frame, fc, fc)
            tx = _column(frame, rc, rc)
            tt = _column(frame, tc, tc)
            if isinstance(weights, str):
                weights = _column(frame, weights, "weights")
        else:
            if recency is None or T is None:
                raise ValueError(
                    f"{rc}/{tc}: pass a summary frame with columns {fc}, {rc}, {tc}, "
                    f"or the three arrays"
                )
            x, tx, tt = frequency, recency, T
        arrays: dict[str, np.ndarray | None] = {
            fc: _flat(fc, x),
            rc: _flat(rc, tx),
            tc: _flat(tc, tt),
            "weights": None if weights is None else _flat("weights", weights),
        }
        n = len(arrays[fc])
        for k, a in arrays.items():
            if a is not None and len(a) != n:
                raise ValueError(
                    f"{k}: expected {n} values (the length of {fc}), got {len(a)}"
                )
        if n == 0:
            raise ValueError(f"{fc}: expected at least one customer, got none")
        return arrays

    def fit(
        self,
        frequency: Any,
        recency: Any = None,
        T: Any = None,
        weights: Any = None,
        *,
        start: Any = None,
    ):
        """Fits by maximum likelihood and returns self.

        Parameters
        ----------
        frequency : summary frame or array
            A frame (pandas, polars, pyarrow or dict) with columns frequency,
            recency and T (as ``sostac.customer.summary`` returns), or the
            frequency array, with recency and T as the next two arguments.
        weights : array or column name, optional
            Customers per row (one row per distinct pattern is fastest).
        start : sequence, optional
            Start values on the natural scale, in the order of ``params_``.
        """
        a = self._rft_arrays(frequency, recency, T, weights)
        fc, rc, tc = self._columns
        if self._core_fit is None:  # pragma: no cover - programming error
            raise NotImplementedError
        res = type(self)._core_fit(
            a[fc], a[rc], a[tc], a["weights"],
            start=None if start is None else _flat("start", start),
            **self._options(),
        )
        self._set_fit(res)
        return self

    def _expected_core(
        self, t: np.ndarray, x: np.ndarray, tx: np.ndarray, T: np.ndarray, gradient: bool
    ) -> dict:
        """E[Y(t) | x, t_x, T] for flat arrays: {"value"[, "gradient" (n, k)]}, the
        gradient in the natural-scale parameters. ``GammaGamma.clv`` uses it for any
        transaction model. This default calls the subclass's vectorised
        ``expected_purchases`` and takes the gradient by central differences in the
        log-parameters (step 1e-6, one pair of calls per parameter); BetaGeo and
        ModifiedBetaGeo override it with the C++ kernel's own gradient."""
        value = np.asarray(self.expected_purchases(t, x, tx, T), dtype=float)
        if not gradient:
            return {"value": value}
        base = np.array(self._param_vector, dtype=float)
        grad = np.empty((value.size, base.size))
        h = 1e-6
        try:
            for k in range(base.size):
                up, dn = base.copy(), base.copy()
                up[k] *= math.exp(h)
                dn[k] *= math.exp(-h)
                self._param_vector = up
                fu = np.asarray(self.expected_purchases(t, x, tx, T), dtype=float)
                self._param_vector = dn
                fd = np.asarray(self.expected_purchases(t, x, tx, T), dtype=float)
                grad[:, k] = (fu - fd) / (2 * h) / base[k]
        finally:
            self._param_vector = base
        return {"value": value, "gradient": grad}

    def _expected_discounted(
        self, ts: list[float], discounts: list[float], x: np.ndarray, tx: np.ndarray,
        T: np.ndarray, gradient: bool,
    ) -> dict:
        """sum_k (E[Y(ts[k])] - E[Y(ts[k-1])]) / discounts[k] (E[Y(ts[-1])] = 0) for
        flat arrays: {"value"[, "gradient"]}, as ``GammaGamma.clv`` needs it. This
        default calls ``_expected_core`` once per horizon; ParetoNBD overrides it with
        one C++ pass that computes P(alive) once per customer."""
        n = len(x)
        det = np.zeros(n)
        gdet = None
        prev_v = np.zeros(n)
        prev_g = None
        for t, disc in zip(ts, discounts):
            out = self._expected_core(np.full(n, t), x, tx, T, gradient)
            v = np.asarray(out["value"])
            det += (v - prev_v) / disc
            if gradient:
                g = np.asarray(out["gradient"])
                step = g if prev_g is None else g - prev_g
                gdet = step / disc if gdet is None else gdet + step / disc
                prev_g = g
            prev_v = v
        return {"value": det, "gradient": gdet} if gradient else {"value": det}

    def _rft(self, frequency: Any, recency: Any, T: Any):
        """Prediction inputs: a summary frame or arrays; returns (x, tx, T, index)."""
        fc, rc, tc = self._columns
        if _is_frame(frequency):
            if recency is not None or T is not None:
                raise ValueError("recency/T: pass either a summary frame or arrays, not both")
            frame = frequency
            return (
                _column(frame, fc, fc), _column(frame, rc, rc), _column(frame, tc, tc),
                _index_of(frame),
            )
        if recency is None or T is None:
            raise ValueError(f"{rc}/{tc}: pass a summary frame or the three arrays")
        return frequency, recency, T, None


# ---------------------------------------------------------------------------------
# BG/NBD
# ---------------------------------------------------------------------------------


class BetaGeo(TransactionModel):
    """BG/NBD (Fader, Hardie & Lee 2005): purchases at Poisson rate
    lambda ~ Gamma(r, alpha) while alive; after each purchase the customer drops out
    with probability p ~ Beta(a, b).

    Example
    -------
    >>> m = BetaGeo().fit(summary)                       # doctest: +SKIP
    >>> m.params_                                       # doctest: +SKIP
    {'r': 0.2426, 'alpha': 4.4135, 'a': 0.7929, 'b': 2.4258}
    >>> m.expected_purchases(39, summary, interval=True)  # doctest: +SKIP

    Predictions take ``interval=True`` (and ``level``) to return a DataFrame with
    estimate, se, low, high by the delta method from ``covariance_`` (the gradient
    of the prediction in the parameters by central differences in C++); the normal
    approximation is made on the log scale for expected counts and on the logit
    scale for probabilities, so bounds stay in range.
    """

    _param_names = ("r", "alpha", "a", "b")
    _title = "BetaGeo"
    _core_fit = staticmethod(_cc.bg_nbd_fit)
    _core_expected = staticmethod(_cc.bg_nbd_conditional_expected)
    _core_alive = staticmethod(_cc.bg_nbd_prob_alive)
    _core_new = staticmethod(_cc.bg_nbd_expected_new)
    _core_prob_n = staticmethod(_cc.bg_nbd_prob_n)

    def _expected_core(self, t, x, tx, T, gradient):
        return type(self)._core_expected(self._param_vector, t, x, tx, T, gradient)

    def expected_purchases(
        self, t: Any, frequency: Any, recency: Any = None, T: Any = None, *,
        interval: bool = False, level: float = 0.95,
    ):
        """E[Y(t) | x, t_x, T]: expected purchases in the next t periods (FHL 2005
        eq. 10). Inputs broadcast; `frequency` may be a summary frame."""
        self._check_fitted()
        x, tx, tt, index = self._rft(frequency, recency, T)
        shape, f = _broadcast(t=t, frequency=x, recency=tx, T=tt)
        out = self._expected_core(f["t"], f["frequency"], f["recency"], f["T"], interval)
        return self._with_interval(out, shape, interval, level, "log", index)

    def prob_alive(
        self, frequency: Any, recency: Any = None, T: Any = None, *,
        interval: bool = False, level: float = 0.95,
    ):
        """P(alive | x, t_x, T). BG/NBD: 1 for customers without repeat purchases
        (customers drop out only after a repeat purchase); MBG/NBD: below 1 for them
        too (dropout is possible at time 0). See docs/customer.md for the formulas."""
        self._check_fitted()
        x, tx, tt, index = self._rft(frequency, recency, T)
        shape, f = _broadcast(frequency=x, recency=tx, T=tt)
        out = type(self)._core_alive(
            self._param_vector, f["frequency"], f["recency"], f["T"], interval
        )
        return self._with_interval(out, shape, interval, level, "logit", index)

    def expected_purchases_new(self, t: Any, *, interval: bool = False, level: float = 0.95):
        """E[X(t)]: expected purchases of a customer acquired at time 0 in (0, t]
        (FHL 2005 eq. 9)."""
        self._check_fitted()
        shape, f = _broadcast(t=t)
        out = type(self)._core_new(self._param_vector, f["t"], interval)
        return self._with_interval(out, shape, interval, level, "log")

    def prob_purchases(self, n: Any, t: Any, *, interval: bool = False, level: float = 0.95):
        """P(X(t) = n) for a customer acquired at time 0 (FHL 2005 eq. 8)."""
        self._check_fitted()
        shape, f = _broadcast(n=n, t=t)
        out = type(self)._core_prob_n(self._param_vector, f["n"], f["t"], interval)
        return self._with_interval(out, shape, interval, level, "logit")



class ModifiedBetaGeo(BetaGeo):
    """MBG/NBD (Batislam, Denizel & Filiztekin 2007): BG/NBD in which a customer may
    also drop out right after the first purchase, so customers without repeat
    purchases have P(alive) < 1. Same parameters (r, alpha, a, b) and methods as
    ``BetaGeo``; E[Y(t) | x, t_x, T] as corrected by Wagner & Hoppe (2008)."""

    _title = "ModifiedBetaGeo"
    _core_fit = staticmethod(_cc.mbg_nbd_fit)
    _core_expected = staticmethod(_cc.mbg_nbd_conditional_expected)
    _core_alive = staticmethod(_cc.mbg_nbd_prob_alive)
    _core_new = staticmethod(_cc.mbg_nbd_expected_new)
    _core_prob_n = staticmethod(_cc.mbg_nbd_prob_n)

# ---------------------------------------------------------------------------------
# Gamma-Gamma and CLV
# ---------------------------------------------------------------------------------

#: Model periods per month, as lifetimes' customer_lifetime_value uses them.
_PERIODS_PER_MONTH = {"D": 30.0, "W": 4.345, "M": 1.0}


class GammaGamma(FittedModel):
    """Gamma-Gamma spend model (Fader, Hardie & Lee 2005, "RFM and CLV"): a
    customer's transaction values are Gamma(p, nu) with nu ~ Gamma(q, gamma) across
    customers, independent of the transaction process. Fitted on repeat buyers:
    rows with frequency 0 are skipped (``n_`` counts the rest).

    Example
    -------
    >>> gg = GammaGamma().fit(summary)          # columns frequency, monetary  # doctest: +SKIP
    >>> gg.clv(BetaGeo().fit(summary), summary, horizon=12)                   # doctest: +SKIP
    """

    _param_names = ("p", "q", "gamma")
    _title = "GammaGamma"

    def _spend_arrays(self, frequency: Any, monetary: Any, weights: Any = None):
        if _is_frame(frequency):
            frame = frequency
            col = "monetary" if monetary is None else monetary
            if not isinstance(col, str):
                raise ValueError(
                    "monetary: with a summary frame, pass the name of its spend column"
                )
            x = _column(frame, "frequency", "frequency")
            m = _column(frame, col, "monetary")
            if isinstance(weights, str):
                weights = _column(frame, weights, "weights")
            index = _index_of(frame)
        else:
            if monetary is None:
                raise ValueError("monetary: pass a summary frame or the monetary array")
            x, m, index = frequency, monetary, None
        x, m = _flat("frequency", x), _flat("monetary", m)
        if len(m) != len(x):
            raise ValueError(
                f"monetary: expected {len(x)} values (the length of frequency), got {len(m)}"
            )
        w = None if weights is None else _flat("weights", weights)
        if w is not None and len(w) != len(x):
            raise ValueError(
                f"weights: expected {len(x)} values (the length of frequency), got {len(w)}"
            )
        return x, m, w, index

    def fit(self, frequency: Any, monetary: Any = None, weights: Any = None, *, start: Any = None):
        """Fits by maximum likelihood and returns self.

        `frequency` is a summary frame (columns frequency and `monetary`, default
        "monetary", the mean repeat spend) or an array with `monetary` the array of
        mean spends. Rows with frequency 0 are skipped.
        """
        x, m, w, _ = self._spend_arrays(frequency, monetary, weights)
        res = _cc.gamma_gamma_fit(
            x, m, w, start=None if start is None else _flat("start", start), **self._options()
        )
        self._set_fit(res)
        return self

    def _spend_core(self, x: np.ndarray, m: np.ndarray, gradient: bool) -> dict:
        return _cc.gamma_gamma_expected_spend(self._param_vector, x, m, gradient)

    def expected_spend(
        self, frequency: Any, monetary: Any = None, *, interval: bool = False,
        level: float = 0.95,
    ):
        """E[Z | x, mbar]: expected spend per transaction, a weighted mean of the
        customer's mean mbar and the population mean p gamma / (q - 1) (FHL 2005
        eq. 5; lifetimes' conditional_expected_average_profit). Customers with
        frequency 0 get the population mean."""
        self._check_fitted()
        x, m, _, index = self._spend_arrays(frequency, monetary)
        m = np.where(x == 0, np.where(np.isfinite(m), m, 0.0), m)  # unused when x = 0
        out = self._spend_core(x, m, interval)
        return self._with_interval(out, x.shape, interval, level, "log", index)

    def clv(
        self,
        transaction_model: TransactionModel,
        summary: Any,
        horizon: int = 12,
        discount_rate: float = 0.01,
        period: str = "W",
        *,
        monetary: str = "monetary",
        interval: bool = False,
        level: float = 0.95,
    ):
        """Customer lifetime value over `horizon` months, as lifetimes'
        ``customer_lifetime_value``:

            CLV = E[Z | x, mbar] * sum_{k=1..horizon} (E[Y(k f)] - E[Y((k-1) f)]) / (1 + d)^k

        where E[Y(t)] is the transaction model's expected purchases in the next t
        periods given (x, t_x, T), f the model periods per month (D: 30, W: 4.345,
        M: 1, lifetimes' factors), d the monthly `discount_rate`, and the
        purchases of month k are discounted by (1 + d)^k (end of month).

        `summary` is a frame with frequency, recency, T and `monetary`. With
        ``interval=True`` returns a DataFrame estimate, se, low, high by the delta
        method, treating the two models' estimates as independent (they are fitted
        separately): var = spend^2 g'Sigma_t g + DET^2 h'Sigma_s h, normal on the log
        scale. Otherwise a pandas Series named "clv" indexed like `summary`.
        """
        self._check_fitted()
        if not isinstance(transaction_model, TransactionModel):
            raise ValueError(
                "transaction_model: expected a fitted sostac transaction model "
                f"(BetaGeo, ModifiedBetaGeo, ParetoNBD), got {type(transaction_model).__name__}"
            )
        transaction_model._check_fitted()
        if isinstance(horizon, bool) or not isinstance(horizon, (int, np.integer)) or horizon < 1:
            raise ValueError(f"horizon: expected a whole number of months >= 1, got {horizon!r}")
        if not (isinstance(discount_rate, (int, float)) and math.isfinite(discount_rate)
                and discount_rate >= 0):
            raise ValueError(f"discount_rate: expected a finite number >= 0, got {discount_rate!r}")
        if period not in _PERIODS_PER_MONTH:
            raise ValueError(f"period: expected 'D', 'W' or 'M', got {period!r}")
        if not _is_frame(summary):
            raise ValueError("summary: expected a frame with frequency, recency, T and monetary")
        x, tx, T, index = transaction_model._rft(summary, None, None)
        x, tx, T = _flat("frequency", x), _flat("recency", tx), _flat("T", T)
        m = _column(summary, monetary, "monetary")
        spend = self._spend_core(x, np.where(x == 0, 0.0, m), interval)
        f = _PERIODS_PER_MONTH[period]
        n = len(x)
        ks = range(1, int(horizon) + 1)
        dsum = transaction_model._expected_discounted(
            [k * f for k in ks], [(1.0 + discount_rate) ** k for k in ks], x, tx, T, interval
        )
        det = np.asarray(dsum["value"])
        gdet = np.asarray(dsum["gradient"]) if interval else None
        s = np.asarray(spend["value"])
        value = s * det
        pd = require("pandas", "pandas", "clv() needs pandas")
        if not interval:
            out_s = pd.Series(value, name="clv")
            if index is not None and len(index) == n:
                out_s.index = index
            return out_s
        var_t = np.einsum("ij,jk,ik->i", gdet, transaction_model._cov, gdet)
        var_s = np.einsum("ij,jk,ik->i", np.asarray(spend["gradient"]), self._cov,
                          np.asarray(spend["gradient"]))
        # d(s * det) = det ds + s d(det), with independent parameter blocks.
        se = np.sqrt(np.maximum(s * s * var_t + det * det * var_s, 0.0))
        return self._frame_from_se(value, se, level, index)

    def _frame_from_se(self, value, se, level, index):
        """estimate, se, low, high with the normal approximation on the log scale."""
        z = _z(level)
        with np.errstate(divide="ignore", invalid="ignore"):
            h = se / value
            low, high = value * np.exp(-z * h), value * np.exp(z * h)
        exact = se == 0
        low, high = np.where(exact, value, low), np.where(exact, value, high)
        pd = require("pandas", "pandas", "interval=True needs pandas")
        frame = pd.DataFrame({"estimate": value, "se": se, "low": low, "high": high})
        if index is not None and len(index) == len(frame):
            frame.index = index
        return frame


# The model checks and plots live in _model_checks.py (they need the classes above).
from ._model_checks import *  # noqa: E402,F401,F403
from ._model_checks import __all__ as _checks_all  # noqa: E402

__all__ += _checks_all
