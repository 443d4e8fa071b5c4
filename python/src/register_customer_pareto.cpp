// sostac._core.customer: bindings for include/sostac/customer/ (pareto part).
// Pareto/NBD, BG/BB and 2F1. Fits take flat float64 arrays; predictions map a scalar
// kernel over equally long arrays with predict_elements (customer_fit.hpp), after a
// per-row check whose input_error is re-addressed to "argument[i]"; Pareto/NBD's
// P(alive) and E[Y(t)] run as batched passes (pareto_score, cu::pareto_nbd_score).
#include "customer_fit.hpp"

#include <sostac/customer/pareto.hpp>

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <optional>
#include <vector>

namespace py = pybind11;

namespace sostac::python {

namespace cu = sostac::customer;

namespace {

cu::PatternRows pattern_rows(const farray& x, const farray& tx, const farray& T,
                             const std::optional<farray>& w, const char* t_name) {
  const std::size_t n = same_length(
      {{"frequency", &x}, {"recency", &tx}, {t_name, &T}, {"weights", w ? &*w : nullptr}});
  return cu::PatternRows{x.data(), tx.data(), T.data(), w ? w->data() : nullptr, n};
}

void check_horizon(const char* name, double t) {
  if (!(std::isfinite(t) && t >= 0))
    throw input_error(name, "expected a finite non-negative horizon, got " +
                                sostac::detail::format_value(t));
}

void check_whole(const char* name, double v) {
  if (!(std::isfinite(v) && v >= 0 && v == std::floor(v)))
    throw input_error(name, "expected a non-negative whole number, got " +
                                sostac::detail::format_value(v));
}

cu::ParetoNbdParams pn(const std::array<double, 4>& p) { return cu::ParetoNbdParams::from(p); }
cu::BgBbParams bb(const std::array<double, 4>& p) { return cu::BgBbParams::from(p); }

template <class FitFn>
py::dict fit_rows(const farray& x, const farray& tx, const farray& T,
                  const std::optional<farray>& w, double penalizer, int max_iterations,
                  double gradient_tolerance, const std::optional<farray>& start,
                  const char* t_name, FitFn fit) {
  const cu::PatternRows d = pattern_rows(x, tx, T, w, t_name);
  const auto opt = fit_options(penalizer, max_iterations, gradient_tolerance);
  const Eigen::VectorXd s = start_vector(start, 4);
  cu::FitResult r;
  {
    // Safe without the GIL: d points into arrays held by the caller's arguments.
    py::gil_scoped_release release;
    r = fit(d, opt, s);
  }
  return fit_result_dict(r);
}

/// P(alive) (without t) or E[Y(t)] of every customer in one batched C++ pass
/// (cu::pareto_nbd_score), and with `gradient` the derivative in the natural
/// parameters by the central differences of natural_gradient (the same formula as
/// predict_elements), each perturbed parameter vector scored as one more pass. Rows
/// are checked first; an error names the first bad row.
py::dict pareto_score(const farray& params, const farray* t, const farray& x, const farray& tx,
                      const farray& T, bool gradient,
                      const cu::ParetoHorizons& hz = cu::ParetoHorizons()) {
  if (params.ndim() != 1 || params.size() != 4)
    throw input_error("params", "expected 4 parameters");
  std::array<double, 4> p{};
  for (std::size_t k = 0; k < 4; ++k) p[k] = params.data()[k];
  py::ssize_t n;
  if (t)
    n = same_flat_length<4>({*t, x, tx, T}, {"t", "frequency", "recency", "T"});
  else
    n = same_flat_length<3>({x, tx, T}, {"frequency", "recency", "T"});
  const std::size_t N = static_cast<std::size_t>(n);
  const double* tp = t ? t->data() : nullptr;
  const double *xp = x.data(), *txp = tx.data(), *Tp = T.data();
  farray value(n);
  double* vp = value.mutable_data();
  farray grad;
  double* gp = nullptr;
  if (gradient) {
    grad = farray({n, static_cast<py::ssize_t>(4)});
    gp = grad.mutable_data();
  }
  {
    // Safe without the GIL: only raw buffers of arrays kept alive above are touched.
    py::gil_scoped_release release;
    // in parallel: parallel_for rethrows the error of the lowest chunk, whose loop
    // stopped at its first bad row, so the error names the first bad row overall
    sostac::parallel_for(N, [&](std::size_t b, std::size_t e) {
      for (std::size_t i = b; i < e; ++i) {
        try {
          if (tp) check_horizon("t", tp[i]);
          cu::detail::check_pareto_row(xp[i], txp[i], Tp[i]);
        } catch (const input_error& err) {
          throw err.at_index(i);
        }
      }
    });
    cu::pareto_nbd_score(pn(p), tp, xp, txp, Tp, N, vp, hz);
    if (gp) {
      constexpr double h = 1e-6;  // as natural_gradient
      std::vector<double> up(N), dn(N);
      for (std::size_t k = 0; k < 4; ++k) {
        std::array<double, 4> q = p;
        q[k] = p[k] * std::exp(h);
        cu::pareto_nbd_score(pn(q), tp, xp, txp, Tp, N, up.data(), hz);
        q[k] = p[k] * std::exp(-h);
        cu::pareto_nbd_score(pn(q), tp, xp, txp, Tp, N, dn.data(), hz);
        for (std::size_t i = 0; i < N; ++i) gp[4 * i + k] = (up[i] - dn[i]) / (2.0 * h) / p[k];
      }
    }
  }
  py::dict d;
  d["value"] = value;
  if (gradient) d["gradient"] = grad;
  return d;
}

}  // namespace

void register_customer_pareto(py::module_& m) {
  // ---- 2F1 -------------------------------------------------------------------------
  m.def(
      "hyp2f1",
      [](const farray& a, const farray& b, const farray& c, const farray& z) {
        // value, log|value| and sign per element (errors as ValueError naming the element)
        const py::ssize_t n = static_cast<py::ssize_t>(
            same_length({{"a", &a}, {"b", &b}, {"c", &c}, {"z", &z}}));
        farray value(n), log_abs(n), sign(n);
        double *vp = value.mutable_data(), *lp = log_abs.mutable_data(), *sp = sign.mutable_data();
        const double *ap = a.data(), *bp = b.data(), *cp = c.data(), *zp = z.data();
        {
          // Safe without the GIL: raw buffers of arrays kept alive by this frame.
          py::gil_scoped_release release;
          sostac::parallel_for(static_cast<std::size_t>(n), [&](std::size_t lo, std::size_t hi) {
            for (std::size_t i = lo; i < hi; ++i) {
              try {
                const auto f = cu::log_hyp2f1(ap[i], bp[i], cp[i], zp[i]);
                vp[i] = f.value();
                lp[i] = f.log_abs;
                sp[i] = f.sign;
              } catch (const std::domain_error& e) {
                throw input_error("z[" + std::to_string(i) + "]", e.what());
              }
            }
          });
        }
        py::dict d;
        d["value"] = value;
        d["log_abs"] = log_abs;
        d["sign"] = sign;
        return d;
      },
      py::arg("a"), py::arg("b"), py::arg("c"), py::arg("z"),
      "Gauss hypergeometric 2F1(a, b; c; z) for real arguments, z <= 1 "
      "(include/sostac/customer/hyp2f1.hpp).");

  // ---- Pareto/NBD ------------------------------------------------------------------
  m.def(
      "pareto_nbd_fit",
      [](const farray& frequency, const farray& recency, const farray& T,
         const std::optional<farray>& weights, double penalizer, int max_iterations,
         double gradient_tolerance, const std::optional<farray>& start) {
        return fit_rows(frequency, recency, T, weights, penalizer, max_iterations,
                        gradient_tolerance, start, "T",
                        [](const cu::PatternRows& d, const cu::FitOptions& o,
                           const Eigen::VectorXd& s) { return cu::fit_pareto_nbd(d, o, s); });
      },
      py::arg("frequency"), py::arg("recency"), py::arg("T"), py::arg("weights") = py::none(),
      py::arg("penalizer") = 0.0, py::arg("max_iterations") = 2000,
      py::arg("gradient_tolerance") = 1e-8, py::arg("start") = py::none(),
      "Maximum-likelihood Pareto/NBD fit; returns the FitResult fields.");
  m.def(
      "pareto_nbd_log_likelihood",
      [](const farray& params, const farray& x, const farray& tx, const farray& T, bool gradient) {
        return predict_elements<4, 3>(params, {x, tx, T}, {"frequency", "recency", "T"}, gradient,
                                      [](const std::array<double, 4>& p, const double* v) {
                                        cu::detail::check_pareto_row(v[0], v[1], v[2]);
                                        return cu::pareto_nbd_row_log_likelihood(pn(p), v[0], v[1],
                                                                                 v[2]);
                                      });
      },
      py::arg("params"), py::arg("frequency"), py::arg("recency"), py::arg("T"),
      py::arg("gradient") = false);
  m.def(
      "pareto_nbd_prob_alive",
      [](const farray& params, const farray& x, const farray& tx, const farray& T, bool gradient) {
        return pareto_score(params, nullptr, x, tx, T, gradient);
      },
      py::arg("params"), py::arg("frequency"), py::arg("recency"), py::arg("T"),
      py::arg("gradient") = false);
  m.def(
      "pareto_nbd_conditional_expected",
      [](const farray& params, const farray& t, const farray& x, const farray& tx, const farray& T,
         bool gradient) { return pareto_score(params, &t, x, tx, T, gradient); },
      py::arg("params"), py::arg("t"), py::arg("frequency"), py::arg("recency"), py::arg("T"),
      py::arg("gradient") = false);
  m.def(
      "pareto_nbd_expected_sum",
      [](const farray& params, const farray& t, const farray& weights, const farray& x,
         const farray& tx, const farray& T, bool gradient) {
        const std::size_t m = same_length({{"t", &t}, {"weights", &weights}});
        for (std::size_t k = 0; k < m; ++k) {
          try {
            check_horizon("t", t.data()[k]);
          } catch (const input_error& err) {
            throw err.at_index(k);
          }
          if (!std::isfinite(weights.data()[k]))
            throw input_error("weights[" + std::to_string(k) + "]", "expected a finite number");
        }
        const cu::ParetoHorizons hz{t.data(), weights.data(), m};
        return pareto_score(params, nullptr, x, tx, T, gradient, hz);
      },
      py::arg("params"), py::arg("t"), py::arg("weights"), py::arg("frequency"),
      py::arg("recency"), py::arg("T"), py::arg("gradient") = false,
      "sum_k weights[k] E[Y(t[k]) | x, t_x, T] per customer (P(alive) once per customer), "
      "with its gradient in the parameters; GammaGamma.clv's discounted sum.");
  m.def(
      "pareto_nbd_expected_new",
      [](const farray& params, const farray& t, bool gradient) {
        return predict_elements<4, 1>(params, {t}, {"t"}, gradient,
                                      [](const std::array<double, 4>& p, const double* v) {
                                        check_horizon("t", v[0]);
                                        return cu::pareto_nbd_expected_new(pn(p), v[0]);
                                      });
      },
      py::arg("params"), py::arg("t"), py::arg("gradient") = false);
  m.def(
      "pareto_nbd_prob_n",
      [](const farray& params, const farray& n, const farray& t, bool gradient) {
        return predict_elements<4, 2>(params, {n, t}, {"n", "t"}, gradient,
                                      [](const std::array<double, 4>& p, const double* v) {
                                        check_whole("n", v[0]);
                                        check_horizon("t", v[1]);
                                        return cu::pareto_nbd_prob_n(pn(p), v[0], v[1]);
                                      });
      },
      py::arg("params"), py::arg("n"), py::arg("t"), py::arg("gradient") = false);

  // ---- BG/BB -----------------------------------------------------------------------
  m.def(
      "bgbb_fit",
      [](const farray& frequency, const farray& recency, const farray& n_periods,
         const std::optional<farray>& weights, double penalizer, int max_iterations,
         double gradient_tolerance, const std::optional<farray>& start) {
        return fit_rows(frequency, recency, n_periods, weights, penalizer, max_iterations,
                        gradient_tolerance, start, "n_periods",
                        [](const cu::PatternRows& d, const cu::FitOptions& o,
                           const Eigen::VectorXd& s) { return cu::fit_bgbb(d, o, s); });
      },
      py::arg("frequency"), py::arg("recency"), py::arg("n_periods"),
      py::arg("weights") = py::none(), py::arg("penalizer") = 0.0,
      py::arg("max_iterations") = 2000, py::arg("gradient_tolerance") = 1e-8,
      py::arg("start") = py::none(),
      "Maximum-likelihood BG/BB fit on (frequency, recency, n_periods) patterns.");
  m.def(
      "bgbb_log_likelihood",
      [](const farray& params, const farray& x, const farray& tx, const farray& n, bool gradient) {
        return predict_elements<4, 3>(params, {x, tx, n}, {"frequency", "recency", "n_periods"},
                                      gradient, [](const std::array<double, 4>& p, const double* v) {
                                        cu::detail::check_bgbb_row(v[0], v[1], v[2]);
                                        return cu::bgbb_row_log_likelihood(bb(p), v[0], v[1], v[2]);
                                      });
      },
      py::arg("params"), py::arg("frequency"), py::arg("recency"), py::arg("n_periods"),
      py::arg("gradient") = false);
  m.def(
      "bgbb_prob_alive",
      [](const farray& params, const farray& x, const farray& tx, const farray& n,
         const farray& m_periods, bool gradient) {
        return predict_elements<4, 4>(
            params, {x, tx, n, m_periods}, {"frequency", "recency", "n_periods", "m_periods"},
            gradient, [](const std::array<double, 4>& p, const double* v) {
              cu::detail::check_bgbb_row(v[0], v[1], v[2]);
              check_whole("m_periods", v[3]);
              return cu::bgbb_prob_alive(bb(p), v[0], v[1], v[2], v[3]);
            });
      },
      py::arg("params"), py::arg("frequency"), py::arg("recency"), py::arg("n_periods"),
      py::arg("m_periods"), py::arg("gradient") = false);
  m.def(
      "bgbb_conditional_expected",
      [](const farray& params, const farray& t, const farray& x, const farray& tx,
         const farray& n, bool gradient) {
        return predict_elements<4, 4>(
            params, {t, x, tx, n}, {"t", "frequency", "recency", "n_periods"}, gradient,
            [](const std::array<double, 4>& p, const double* v) {
              check_whole("t", v[0]);
              cu::detail::check_bgbb_row(v[1], v[2], v[3]);
              return cu::bgbb_conditional_expected(bb(p), v[0], v[1], v[2], v[3]);
            });
      },
      py::arg("params"), py::arg("t"), py::arg("frequency"), py::arg("recency"),
      py::arg("n_periods"), py::arg("gradient") = false);
  m.def(
      "bgbb_expected_new",
      [](const farray& params, const farray& t, bool gradient) {
        return predict_elements<4, 1>(params, {t}, {"t"}, gradient,
                                      [](const std::array<double, 4>& p, const double* v) {
                                        check_whole("t", v[0]);
                                        return cu::bgbb_expected_new(bb(p), v[0]);
                                      });
      },
      py::arg("params"), py::arg("t"), py::arg("gradient") = false);
  m.def(
      "bgbb_prob_n",
      [](const farray& params, const farray& n, const farray& t, bool gradient) {
        return predict_elements<4, 2>(params, {n, t}, {"n", "t"}, gradient,
                                      [](const std::array<double, 4>& p, const double* v) {
                                        check_whole("n", v[0]);
                                        check_whole("t", v[1]);
                                        return cu::bgbb_prob_n(bb(p), v[0], v[1]);
                                      });
      },
      py::arg("params"), py::arg("n"), py::arg("t"), py::arg("gradient") = false);
}

}  // namespace sostac::python
