#pragma once
/// Maximum likelihood on log-parameters: a BFGS minimiser with a strong-Wolfe line
/// search (Nocedal & Wright 2006, Algorithms 6.1, 3.5 and 3.6) on Eigen, and the
/// observed-information standard errors every customer model reports.
///
/// Every BTYD parameter is positive, so the optimiser works on phi = log(theta): the
/// search is unconstrained and a parameter can only reach its boundary by phi running
/// off to -inf/+inf, which is detected and reported as non-convergence.
///
/// Standard errors: the Hessian of the objective in phi is taken by central
/// differences of the caller's analytic gradient (step 1e-5 per log-parameter), then
/// mapped to the natural scale with the Jacobian J = diag(theta): at a stationary
/// point H_theta = J^-1 H_phi J^-1, so covariance = J H_phi^-1 J. The Hessian is that
/// of the objective actually minimised (with the L2 penalty when penalizer > 0).

#include <sostac/core/error.hpp>
#include <sostac/core/parallel.hpp>

#include <Eigen/Dense>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <limits>
#include <sstream>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace sostac::customer {

/// Options shared by every model's fit.
struct FitOptions {
  /// L2 penalty on the natural-scale parameters, as lifetimes' penalizer_coef:
  /// lifetimes minimises -LL / n + penalizer * sum(theta^2), so the objective here
  /// is -LL + n * penalizer * sum(theta^2) (n = the sum of weights passed to
  /// fit_log_parametrised; 1 when none is given) and the optimum is the same.
  double penalizer = 0.0;
  int max_iterations = 2000;
  /// Converged when max_i |d objective / d phi_i| <= gradient_tolerance * max(1,
  /// |objective|).
  double gradient_tolerance = 1e-8;
};

/// A maximum-likelihood fit. Never `converged` with a NaN, an infinite or a boundary
/// parameter, or a non-positive-definite observed information.
struct FitResult {
  std::vector<std::string> names;  ///< e.g. {"r", "alpha", "a", "b"}
  Eigen::VectorXd params;          ///< natural scale
  Eigen::VectorXd
      standard_errors;         ///< natural scale; NaN when the information is singular
  Eigen::MatrixXd covariance;  ///< inverse observed information, natural scale
  double log_likelihood =
      std::numeric_limits<double>::quiet_NaN();  ///< without the penalty
  double objective =
      std::numeric_limits<double>::quiet_NaN();  ///< -LL + penalty at the optimum
  double aic = std::numeric_limits<double>::quiet_NaN();  ///< 2k - 2 LL
  double bic = std::numeric_limits<double>::quiet_NaN();  ///< k ln(n) - 2 LL
  double n = std::numeric_limits<double>::quiet_NaN();  ///< sum of weights (customers)
  int iterations = 0;
  int evaluations =
      0;  ///< objective+gradient evaluations (line search and Hessian included)
  double gradient_norm =
      std::numeric_limits<double>::quiet_NaN();  ///< max |grad in phi| at the end
  bool converged = false;
  std::string message;  ///< why it stopped; says what went wrong when not converged
};

namespace detail {

/// |phi| beyond this (theta < 1e-13 or > 1e13) counts as a parameter at its boundary.
inline constexpr double boundary_log = 30.0;
/// A log-parameter whose standard error exceeds this (an interval spanning a factor
/// e^40) is not identified by the data.
inline constexpr double max_log_se = 10.0;
/// Largest move of any log-parameter in one line-search trial (a factor e^5).
inline constexpr double max_log_step = 5.0;

template <class F>
struct Objective {
  F& nll;
  double penalizer;  ///< already multiplied by n
  int evaluations = 0;
  /// Penalised objective and its gradient in phi; non-finite values are passed on.
  double operator()(const Eigen::VectorXd& phi, Eigen::VectorXd& grad) {
    ++evaluations;
    grad.setZero(phi.size());
    double f = nll(phi, &grad);
    if (penalizer > 0) {
      for (Eigen::Index i = 0; i < phi.size(); ++i) {
        const double t = std::exp(phi[i]);
        f += penalizer * t * t;
        grad[i] += 2.0 * penalizer * t * t;  // d(theta^2)/dphi = 2 theta^2
      }
    }
    return f;
  }
};

inline bool all_finite(const Eigen::VectorXd& v) {
  return v.allFinite();
}

/// Strong-Wolfe line search along p from x (f0, g0): returns the step (0 on failure)
/// and leaves the accepted point in x_new, f_new, g_new.
template <class Obj>
double wolfe_search(Obj& obj, const Eigen::VectorXd& x, double f0,
                    const Eigen::VectorXd& g0, const Eigen::VectorXd& p,
                    double alpha_init, Eigen::VectorXd& x_new, double& f_new,
                    Eigen::VectorXd& g_new) {
  constexpr double c1 = 1e-4, c2 = 0.9;
  const double d0 = g0.dot(p);
  if (!(d0 < 0)) return 0.0;
  const double pmax = p.cwiseAbs().maxCoeff();
  const double alpha_max = pmax > 0 ? std::max(1.0, max_log_step / pmax) * 4.0 : 1.0;
  double alpha = std::min(alpha_init, pmax > 0 ? max_log_step / pmax : alpha_init);
  double a_prev = 0.0, f_prev = f0, d_prev = d0;
  // Best point with sufficient decrease seen so far (fallback when zoom stalls).
  double best_alpha = 0.0, best_f = f0;
  Eigen::VectorXd best_g = g0;
  Eigen::VectorXd g(x.size());

  auto eval = [&](double a, double& f, double& d) {
    x_new = x + a * p;
    f = obj(x_new, g);
    d = g.dot(p);
    const bool ok = std::isfinite(f) && all_finite(g);
    if (ok && f <= f0 + c1 * a * d0 && f < best_f) {
      best_alpha = a;
      best_f = f;
      best_g = g;
    }
    return ok;
  };
  auto accept = [&](double a, double f) {
    x_new = x + a * p;
    f_new = f;
    g_new = g;
    return a;
  };
  auto zoom = [&](double lo, double f_lo, double d_lo, double hi,
                  double f_hi) -> double {
    for (int j = 0; j < 60; ++j) {
      // Quadratic interpolation from f_lo, d_lo, f_hi, kept inside the middle 80 %.
      const double w = hi - lo;
      double a = lo - d_lo * w * w / (2.0 * (f_hi - f_lo - d_lo * w));
      const double a_min = std::min(lo, hi) + 0.1 * std::abs(w);
      const double a_max = std::max(lo, hi) - 0.1 * std::abs(w);
      if (!std::isfinite(a) || a < a_min || a > a_max) a = 0.5 * (lo + hi);
      double f, d;
      const bool ok = eval(a, f, d);
      if (!ok || f > f0 + c1 * a * d0 || f >= f_lo) {
        hi = a;
        f_hi = ok ? f : std::numeric_limits<double>::infinity();
        if (!std::isfinite(f_hi)) f_hi = f_lo + std::abs(f_lo) + 1.0;
      } else {
        if (std::abs(d) <= -c2 * d0) return accept(a, f);
        if (d * (hi - lo) >= 0) {
          hi = lo;
          f_hi = f_lo;
        }
        lo = a;
        f_lo = f;
        d_lo = d;
      }
      if (std::abs(hi - lo) <= 1e-16 * std::max(1.0, std::abs(lo))) break;
    }
    return 0.0;
  };

  double result = 0.0;
  for (int i = 0; i < 60; ++i) {
    double f, d;
    if (!eval(alpha, f, d)) {
      // Overflow or an invalid region: shrink towards the last good step.
      alpha = a_prev + 0.25 * (alpha - a_prev);
      continue;
    }
    if (f > f0 + c1 * alpha * d0 || (i > 0 && f >= f_prev)) {
      result = zoom(a_prev, f_prev, d_prev, alpha, f);
      break;
    }
    if (std::abs(d) <= -c2 * d0) {
      result = accept(alpha, f);
      break;
    }
    if (d >= 0) {
      result = zoom(alpha, f, d, a_prev, f_prev);
      break;
    }
    a_prev = alpha;
    f_prev = f;
    d_prev = d;
    if (alpha >= alpha_max) {
      result = accept(alpha, f);
      break;
    }
    alpha = std::min(2.0 * alpha, alpha_max);
  }
  if (result > 0) return result;
  if (best_alpha > 0) {  // sufficient decrease without the curvature condition
    x_new = x + best_alpha * p;
    f_new = best_f;
    g_new = best_g;
    return best_alpha;
  }
  return 0.0;
}

/// Central differences of f(params) in the log-parameters (step 1e-6), turned into
/// the gradient on the natural scale (for delta-method intervals of predictions).
template <std::size_t K, class F>
void natural_gradient(F&& f, const std::array<double, K>& p, double* grad) {
  constexpr double h = 1e-6;
  for (std::size_t k = 0; k < K; ++k) {
    std::array<double, K> q = p;
    q[k] = p[k] * std::exp(h);
    const double up = f(q);
    q[k] = p[k] * std::exp(-h);
    const double dn = f(q);
    grad[k] = (up - dn) / (2.0 * h) / p[k];
  }
}

inline std::string param_list(const std::vector<std::string>& names,
                              const Eigen::VectorXd& v) {
  std::ostringstream os;
  os.precision(6);
  for (Eigen::Index i = 0; i < v.size(); ++i) {
    if (i) os << ", ";
    os << (static_cast<std::size_t>(i) < names.size()
               ? names[static_cast<std::size_t>(i)]
               : "theta" + std::to_string(i))
       << " = " << v[i];
  }
  return os.str();
}

}  // namespace detail

/// Sums K accumulators over rows [0, n): body(i, acc) adds row i's terms into acc
/// (a std::array<double, K>). Rows are cut into fixed chunks whose partial sums are
/// added in chunk order, so the total is bit-identical for any thread count.
template <std::size_t K, class Body>
std::array<double, K> chunked_sum(std::size_t n, Body&& body,
                                  std::size_t grain = 8192) {
  const std::size_t chunks = n == 0 ? 0 : (n + grain - 1) / grain;
  std::vector<std::array<double, K>> part(chunks);
  sostac::parallel_for(
      n,
      [&](std::size_t b, std::size_t e) {
        // one thread gets the whole range: still one partial sum per chunk
        for (std::size_t c = b; c < e; c += grain) {
          std::array<double, K> acc{};
          const std::size_t ce = std::min(e, c + grain);
          for (std::size_t i = c; i < ce; ++i) body(i, acc);
          part[c / grain] = acc;
        }
      },
      grain);
  std::array<double, K> total{};
  for (const auto& a : part)
    for (std::size_t k = 0; k < K; ++k) total[k] += a[k];
  return total;
}

/// Minimises nll over phi = log(theta) from start_natural (all > 0) and returns the
/// fit on the natural scale.
///
/// `nll(const Eigen::VectorXd& phi, Eigen::VectorXd* grad) -> double` returns the
/// negative log-likelihood (summed over weighted rows) and, when grad is non-null,
/// writes its gradient with respect to phi (grad arrives sized and zeroed). The L2
/// penalty n * opt.penalizer * sum(theta^2) is added here, not by nll. `n` (sum of
/// weights) enters the BIC and scales the penalty; leave it NaN when there is no
/// sample size. `inverse_hessian_start` (k x k, in phi; empty = the identity) seeds
/// BFGS's inverse Hessian, e.g. with the covariance of a fit on a subsample.
template <class Nll>
FitResult fit_log_parametrised(Nll&& nll, const Eigen::VectorXd& start_natural,
                               std::vector<std::string> names, const FitOptions& opt,
                               double n = std::numeric_limits<double>::quiet_NaN(),
                               const Eigen::MatrixXd& inverse_hessian_start = Eigen::MatrixXd()) {
  FitResult res;
  res.names = std::move(names);
  res.n = n;
  const Eigen::Index k = start_natural.size();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  res.params = Eigen::VectorXd::Constant(k, nan);
  res.standard_errors = Eigen::VectorXd::Constant(k, nan);
  res.covariance = Eigen::MatrixXd::Constant(k, k, nan);
  if (k == 0 || !(start_natural.array() > 0).all() || !start_natural.allFinite()) {
    res.message = "start values must be finite and positive: " +
                  detail::param_list(res.names, start_natural);
    return res;
  }
  const double pen_scale = std::isfinite(n) && n > 0 ? n : 1.0;
  detail::Objective<std::remove_reference_t<Nll>> obj{nll, opt.penalizer * pen_scale};

  Eigen::VectorXd x = start_natural.array().log().matrix();
  Eigen::VectorXd g(k), x_new(k), g_new(k);
  double f = obj(x, g);
  if (!std::isfinite(f) || !g.allFinite()) {
    res.params = start_natural;
    res.message = "the log-likelihood is not finite at the start values (" +
                  detail::param_list(res.names, start_natural) + ")";
    res.evaluations = obj.evaluations;
    return res;
  }
  Eigen::MatrixXd Hinv = Eigen::MatrixXd::Identity(k, k);
  bool scaled = false;
  if (inverse_hessian_start.rows() == k && inverse_hessian_start.cols() == k &&
      inverse_hessian_start.allFinite()) {
    Hinv = inverse_hessian_start;  // e.g. from a fit on a subsample
    scaled = true;
  }
  bool done = false;
  auto small_gradient = [&](double tol) {
    return g.cwiseAbs().maxCoeff() <= tol * std::max(1.0, std::abs(f));
  };
  int it = 0;
  for (; it < opt.max_iterations; ++it) {
    if (small_gradient(opt.gradient_tolerance)) {
      done = true;
      res.message = "gradient below tolerance";
      break;
    }
    Eigen::VectorXd p = -Hinv * g;
    if (!(g.dot(p) < 0)) {  // lost descent: restart from steepest descent
      Hinv.setIdentity();
      scaled = false;
      p = -g;
    }
    double f_new = f;
    double step = detail::wolfe_search(obj, x, f, g, p, 1.0, x_new, f_new, g_new);
    if (step == 0.0 && scaled) {  // retry once along steepest descent
      Hinv.setIdentity();
      scaled = false;
      p = -g;
      step = detail::wolfe_search(obj, x, f, g, p, 1.0, x_new, f_new, g_new);
    }
    if (step == 0.0) {
      // No decrease is possible at double precision: accept if the gradient is
      // already small relative to the objective, else report a failure.
      if (small_gradient(std::sqrt(opt.gradient_tolerance))) {
        done = true;
        res.message = "line search cannot improve further; gradient small";
      } else {
        res.message = "line search failed to decrease the objective";
      }
      break;
    }
    const Eigen::VectorXd s = x_new - x;
    const Eigen::VectorXd y = g_new - g;
    const double sy = s.dot(y);
    const double f_old = f;
    x = x_new;
    g = g_new;
    f = f_new;
    if ((x.array().abs() > detail::boundary_log).any()) break;  // reported below
    if (sy > 1e-12 * s.norm() * y.norm()) {
      if (!scaled) {  // Nocedal & Wright (6.20): scale the first inverse Hessian
        Hinv *= sy / y.dot(y);
        scaled = true;
      }
      const double rho = 1.0 / sy;
      const Eigen::MatrixXd I = Eigen::MatrixXd::Identity(k, k);
      Hinv = (I - rho * s * y.transpose()) * Hinv * (I - rho * y * s.transpose()) +
             rho * s * s.transpose();
    }
    // Relative change of the objective at the rounding floor: a stationary point.
    if (std::abs(f_old - f) <=
            4 * std::numeric_limits<double>::epsilon() * std::max(1.0, std::abs(f)) &&
        small_gradient(std::sqrt(opt.gradient_tolerance))) {
      done = true;
      res.message = "objective unchanged at double precision; gradient small";
      ++it;
      break;
    }
  }
  res.iterations = it;
  res.objective = f;
  res.gradient_norm = g.cwiseAbs().maxCoeff();
  const Eigen::VectorXd theta = x.array().exp().matrix();
  res.params = theta;
  double penalty = 0.0;
  for (Eigen::Index i = 0; i < k; ++i) penalty += obj.penalizer * theta[i] * theta[i];
  res.log_likelihood = -(f - penalty);
  res.aic = 2.0 * static_cast<double>(k) - 2.0 * res.log_likelihood;
  if (std::isfinite(n) && n > 0)
    res.bic = static_cast<double>(k) * std::log(n) - 2.0 * res.log_likelihood;

  for (Eigen::Index i = 0; i < k; ++i) {
    if (std::abs(x[i]) > detail::boundary_log || !std::isfinite(theta[i]) ||
        theta[i] <= 0) {
      res.converged = false;
      res.message = "parameter " + res.names[static_cast<std::size_t>(i)] +
                    " went to " + (x[i] < 0 ? "0" : "infinity") + " (" +
                    detail::param_list(res.names, theta) +
                    "): the data do not identify the model (boundary optimum)";
      res.evaluations = obj.evaluations;
      return res;
    }
  }
  if (!done) {
    if (res.message.empty())
      res.message = "iteration limit " + std::to_string(opt.max_iterations) +
                    " reached (max |gradient| = " +
                    sostac::detail::format_value(res.gradient_norm) + ")";
    res.evaluations = obj.evaluations;
    // A non-stationary point has no valid observed information: no standard errors.
    return res;
  }

  // Observed information: central differences of the analytic gradient in phi.
  Eigen::MatrixXd H(k, k);
  Eigen::VectorXd gp(k), gm(k), xp = x;
  for (Eigen::Index i = 0; i < k; ++i) {
    const double h = 1e-5 * std::max(1.0, std::abs(x[i]));
    xp[i] = x[i] + h;
    const double fp = obj(xp, gp);
    xp[i] = x[i] - h;
    const double fm = obj(xp, gm);
    xp[i] = x[i];
    if (!std::isfinite(fp) || !std::isfinite(fm) || !gp.allFinite() ||
        !gm.allFinite()) {
      res.message =
          "the gradient is not finite next to the optimum; no standard errors";
      res.evaluations = obj.evaluations;
      return res;
    }
    H.col(i) = (gp - gm) / (2.0 * h);
  }
  H = 0.5 * (H + H.transpose()).eval();
  Eigen::LLT<Eigen::MatrixXd> llt(H);
  if (llt.info() != Eigen::Success) {
    res.message =
        "the observed information is not positive definite at the optimum "
        "(a saddle point or a flat direction); no standard errors";
    res.evaluations = obj.evaluations;
    return res;
  }
  const Eigen::MatrixXd cov_phi = llt.solve(Eigen::MatrixXd::Identity(k, k));
  res.covariance = theta.asDiagonal() * cov_phi * theta.asDiagonal();
  res.standard_errors = res.covariance.diagonal().cwiseSqrt();
  res.evaluations = obj.evaluations;
  if (!res.standard_errors.allFinite()) {
    res.message = "standard errors are not finite";
    return res;
  }
  // A flat direction towards a boundary (the likelihood keeps rising, ever more
  // slowly, as a parameter goes to 0 or infinity) stops on the gradient test with a
  // huge log-scale standard error: that is a boundary optimum, not a fit.
  for (Eigen::Index i = 0; i < k; ++i) {
    const double se_log = std::sqrt(cov_phi(i, i));
    if (!(se_log <= detail::max_log_se)) {
      res.message = "parameter " + res.names[static_cast<std::size_t>(i)] +
                    " is not identified: the standard error of its log is " +
                    sostac::detail::format_value(se_log) + " (" +
                    detail::param_list(res.names, theta) +
                    "); the optimum is at or near a boundary";
      return res;
    }
  }
  res.converged = true;
  return res;
}

}  // namespace sostac::customer
