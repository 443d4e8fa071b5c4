// sostac/customer/models.hpp: BG/NBD, MBG/NBD, Gamma-Gamma and the maximum-likelihood optimiser.
#pragma once
/// The beta-geometric/NBD family (BG/NBD: Fader, Hardie & Lee 2005, "Counting your
/// customers the easy way", Marketing Science 24(2); MBG/NBD: Batislam, Denizel &
/// Filiztekin 2007, IJRM 24(3)) and the Gamma-Gamma spend model (Fader, Hardie & Lee
/// 2005, "RFM and CLV", JMR 42(4)), fitted by maximum likelihood with optimize.hpp.
///
/// Input rows are (x, t_x, T, weight): repeat purchases, time of the last purchase and
/// length of observation in one period unit, and how many customers share the row.

#include <sostac/core/error.hpp>
#include <sostac/customer/optimize.hpp>

#include <boost/math/special_functions/digamma.hpp>
#include <boost/math/special_functions/gamma.hpp>

#include <Eigen/Dense>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <limits>
#include <string>
#include <vector>

namespace sostac::customer {

/// Frequency/recency/T rows with weights, as views of caller-owned buffers.
struct RftData {
  const double* x = nullptr;   ///< frequency (repeat purchases), whole and >= 0
  const double* tx = nullptr;  ///< recency: time of the last purchase, 0 when x = 0
  const double* T = nullptr;   ///< age: time from the first purchase to the end
  const double* w = nullptr;   ///< weights (customers per row); nullptr = all 1
  std::size_t n = 0;
  double weight(std::size_t i) const { return w ? w[i] : 1.0; }
};

namespace detail {

/// Validates every row; errors name the argument and row ("recency[3]: ...").
inline void check_rft(const RftData& d) {
  if (d.n == 0) throw input_error("frequency", "expected at least one customer, got none");
  for (std::size_t i = 0; i < d.n; ++i) {
    const double x = d.x[i], tx = d.tx[i], T = d.T[i];
    try {
      if (!std::isfinite(x) || x < 0 || x != std::floor(x))
        sostac::detail::fail("frequency", "expected a non-negative whole number of repeat "
                                          "purchases, got " + sostac::detail::format_value(x));
      if (!std::isfinite(tx) || tx < 0)
        sostac::detail::fail("recency", "expected a finite non-negative time, got " +
                                            sostac::detail::format_value(tx));
      if (!std::isfinite(T) || T <= 0)
        sostac::detail::fail("T", "expected a finite positive age, got " +
                                      sostac::detail::format_value(T));
      if (tx > T)
        sostac::detail::fail("recency", "recency " + sostac::detail::format_value(tx) +
                                            " exceeds T = " + sostac::detail::format_value(T));
      if (x > 0 && tx == 0)
        sostac::detail::fail("recency", "frequency " + sostac::detail::format_value(x) +
                                            " > 0 needs a recency > 0, got 0");
      if (d.w && (!std::isfinite(d.w[i]) || d.w[i] < 0))
        sostac::detail::fail("weights", "expected a finite non-negative weight, got " +
                                            sostac::detail::format_value(d.w[i]));
    } catch (const input_error& e) {
      throw e.at_index(i);
    }
  }
}

inline double total_weight(const RftData& d) {
  double s = 0;
  for (std::size_t i = 0; i < d.n; ++i) s += d.weight(i);
  return s;
}

inline std::size_t max_frequency(const RftData& d) {
  double m = 0;
  for (std::size_t i = 0; i < d.n; ++i) m = std::max(m, d.x[i]);
  return static_cast<std::size_t>(m);
}

/// lgamma(c + x) - lgamma(c) and digamma(c + x) - digamma(c) for x = 0..m by the
/// recurrences Gamma(c + 1) = c Gamma(c) and psi(c + 1) = psi(c) + 1/c: frequencies
/// are whole, so the likelihood needs no special function per row.
struct RisingTable {
  std::vector<double> lg, dg;
  void build(double c, std::size_t m) {
    lg.resize(m + 1);
    dg.resize(m + 1);
    lg[0] = dg[0] = 0;
    for (std::size_t j = 0; j < m; ++j) {
      const double cj = c + static_cast<double>(j);
      lg[j + 1] = lg[j] + std::log(cj);
      dg[j + 1] = dg[j] + 1.0 / cj;
    }
  }
};

/// Gauss 2F1(a, b; c; z) by its power series for 0 <= z < 1 and a, b, c > 0 (all
/// terms positive, so no cancellation). A stand-in until the pareto slice's careful
/// hyp2f1.hpp is merged; the series needs about log(eps)/log(z) terms.
inline double hyp2f1_series(double a, double b, double c, double z) {
  if (!(z >= 0 && z < 1)) throw input_error("z", "2F1 series needs 0 <= z < 1");
  double term = 1.0, sum = 1.0;
  for (int k = 0; k < 10000000; ++k) {
    const double kk = static_cast<double>(k);
    term *= (a + kk) * (b + kk) / ((c + kk) * (kk + 1.0)) * z;
    sum += term;
    if (std::abs(term) <= 1e-17 * std::abs(sum)) return sum;
  }
  throw std::runtime_error("2F1 series did not converge (z too close to 1)");
}

inline void check_params(const char* model, const double* p, int k) {
  for (int i = 0; i < k; ++i)
    if (!(std::isfinite(p[i]) && p[i] > 0))
      throw input_error("params", std::string(model) +
                                      " parameters must be finite and positive, got " +
                                      sostac::detail::format_value(p[i]));
}

inline void check_time(const char* name, double t) {
  if (!(std::isfinite(t) && t > 0))
    sostac::detail::fail(name, "expected a finite positive time, got " +
                                   sostac::detail::format_value(t));
}

inline void check_row(double x, double tx, double T) {
  if (!std::isfinite(x) || x < 0 || x != std::floor(x))
    sostac::detail::fail("frequency", "expected a non-negative whole number, got " +
                                          sostac::detail::format_value(x));
  if (!std::isfinite(tx) || tx < 0)
    sostac::detail::fail("recency", "expected a finite non-negative time, got " +
                                        sostac::detail::format_value(tx));
  if (!std::isfinite(T) || T <= 0)
    sostac::detail::fail("T", "expected a finite positive age, got " +
                                  sostac::detail::format_value(T));
  if (tx > T)
    sostac::detail::fail("recency", "recency " + sostac::detail::format_value(tx) +
                                        " exceeds T = " + sostac::detail::format_value(T));
  if (x > 0 && tx == 0)
    sostac::detail::fail("recency", "frequency > 0 needs a recency > 0, got 0");
}

}  // namespace detail

// ---------------------------------------------------------------------------------
// BG/NBD (Fader, Hardie & Lee 2005)
// ---------------------------------------------------------------------------------

/// BG/NBD parameters: purchase rates ~ Gamma(r, alpha), dropout p ~ Beta(a, b).
struct BgNbdParams {
  double r, alpha, a, b;
  std::array<double, 4> array() const { return {r, alpha, a, b}; }
  static BgNbdParams from(const std::array<double, 4>& v) { return {v[0], v[1], v[2], v[3]}; }
};

/// Negative log-likelihood of BG/NBD, FHL 2005 eq. (6) in the log form of their
/// note "Implementing the BG/NBD model" (A1 + A2 + ln(e^A3 + delta e^A4)), with its
/// analytic gradient in phi = log(r, alpha, a, b).
class BgNbdLikelihood {
 public:
  explicit BgNbdLikelihood(const RftData& d) : d_(d), m_(detail::max_frequency(d)) {}

  double operator()(const Eigen::VectorXd& phi, Eigen::VectorXd* grad) {
    const double r = std::exp(phi[0]), al = std::exp(phi[1]), a = std::exp(phi[2]),
                 b = std::exp(phi[3]);
    tr_.build(r, m_);
    tb_.build(b, m_);
    tab_.build(a + b, m_);
    const double log_al = std::log(al);
    const RftData& d = d_;
    auto s = chunked_sum<5>(d.n, [&](std::size_t i, std::array<double, 5>& acc) {
      const double w = d.weight(i);
      if (w == 0) return;
      const double x = d.x[i];
      const auto xi = static_cast<std::size_t>(x);
      const double A1 = tr_.lg[xi] + r * log_al;
      const double A2 = tb_.lg[xi] - tab_.lg[xi];
      const double lT = std::log(al + d.T[i]);
      const double A3 = -(r + x) * lT;
      double ll, wa3 = 1.0, wa4 = 0.0, lt = 0.0;
      if (x > 0) {
        lt = std::log(al + d.tx[i]);
        const double A4 = std::log(a) - std::log(b + x - 1) - (r + x) * lt;
        const double mx = std::max(A3, A4);
        const double e3 = std::exp(A3 - mx), e4 = std::exp(A4 - mx);
        ll = A1 + A2 + mx + std::log(e3 + e4);
        wa3 = e3 / (e3 + e4);
        wa4 = 1.0 - wa3;
      } else {
        ll = A1 + A2 + A3;
      }
      acc[0] -= w * ll;
      // d/dr, d/dalpha, d/da, d/db of ll (natural scale).
      double dr = tr_.dg[xi] + log_al - wa3 * lT;
      double dal = r / al - wa3 * (r + x) / (al + d.T[i]);
      double da = -tab_.dg[xi];
      double db = tb_.dg[xi] - tab_.dg[xi];
      if (x > 0) {
        dr -= wa4 * lt;
        dal -= wa4 * (r + x) / (al + d.tx[i]);
        da += wa4 / a;
        db -= wa4 / (b + x - 1);
      }
      acc[1] -= w * dr;
      acc[2] -= w * dal;
      acc[3] -= w * da;
      acc[4] -= w * db;
    });
    if (grad) {
      (*grad)[0] = s[1] * r;
      (*grad)[1] = s[2] * al;
      (*grad)[2] = s[3] * a;
      (*grad)[3] = s[4] * b;
    }
    return s[0];
  }

 private:
  RftData d_;
  std::size_t m_;
  detail::RisingTable tr_, tb_, tab_;
};

namespace detail {
/// Start values: r = 1, alpha from the mean purchase rate, a = b = 1. A fit needs
/// some repeat purchases; without any the model is not identified.
inline Eigen::VectorXd rft_start(const RftData& d, int k) {
  double sw = 0, sx = 0, sT = 0;
  for (std::size_t i = 0; i < d.n; ++i) {
    sw += d.weight(i);
    sx += d.weight(i) * d.x[i];
    sT += d.weight(i) * d.T[i];
  }
  Eigen::VectorXd s = Eigen::VectorXd::Ones(k);
  if (sw > 0 && sx > 0) s[1] = std::max(1e-3, (sT / sw) / (1.0 + sx / sw));
  return s;
}

inline void check_fit_data(const RftData& d, const char* model) {
  check_rft(d);
  double sw = 0, sx = 0;
  for (std::size_t i = 0; i < d.n; ++i) {
    sw += d.weight(i);
    sx += d.weight(i) * d.x[i];
  }
  if (!(sw > 0)) throw input_error("weights", "all weights are zero");
  if (!(sx > 0))
    throw input_error("frequency", std::string(model) +
                                       " cannot be fitted without repeat purchases: every "
                                       "frequency is 0, so the purchase and dropout "
                                       "processes are not identified");
}
}  // namespace detail

/// Fits BG/NBD by maximum likelihood. `start` (natural scale, 4 values) may be empty.
inline FitResult fit_bg_nbd(const RftData& d, const FitOptions& opt,
                            const Eigen::VectorXd& start = Eigen::VectorXd()) {
  detail::check_fit_data(d, "BG/NBD");
  BgNbdLikelihood nll(d);
  const Eigen::VectorXd s0 = start.size() == 4 ? start : detail::rft_start(d, 4);
  return fit_log_parametrised(nll, s0, {"r", "alpha", "a", "b"}, opt, detail::total_weight(d));
}

/// P(alive | x, t_x, T), FHL 2005 eq. (13).
inline double bg_nbd_prob_alive(const BgNbdParams& p, double x, double tx, double T) {
  detail::check_row(x, tx, T);
  if (x == 0) return 1.0;
  const double lr = std::log(p.a) - std::log(p.b + x - 1) +
                    (p.r + x) * (std::log(p.alpha + T) - std::log(p.alpha + tx));
  return 1.0 / (1.0 + std::exp(lr));
}

namespace detail {
/// Eqs. (9) and (10) divide by a - 1 and are 0/0 at a = 1 (a removable singularity):
/// within 1e-4 of it, interpolate linearly between a = 1 -+ 1e-4 (error O(1e-8)
/// relative; each side loses only ~1e-12 to cancellation).
/// The same holds at a + b = 1 when c = a + b + x - 1 of the 2F1 is 0 (x = 0):
/// there b is moved instead.
template <class F>
double across_a_equal_one(const BgNbdParams& p, F&& f, bool c_may_vanish = true,
                          bool move_a = true) {
  constexpr double d = 1e-4;
  if (move_a && std::abs(p.a - 1.0) < d) {
    BgNbdParams lo = p, hi = p;
    lo.a = 1.0 - d;
    hi.a = 1.0 + d;
    const double w = (p.a - lo.a) / (hi.a - lo.a);
    return (1 - w) * across_a_equal_one(lo, f, c_may_vanish, false) +
           w * across_a_equal_one(hi, f, c_may_vanish, false);
  }
  if (c_may_vanish && std::abs(p.a + p.b - 1.0) < d && p.b > 2 * d) {
    BgNbdParams lo = p, hi = p;
    lo.b = 1.0 - p.a - d;
    hi.b = 1.0 - p.a + d;
    const double w = (p.b - lo.b) / (hi.b - lo.b);
    return (1 - w) * f(lo) + w * f(hi);
  }
  return f(p);
}

/// 1 - (1 - z)^e F, accurately for F > 0 (expm1) and directly otherwise (the 2F1 is
/// negative when its c lies in (-1, 0)).
inline double one_minus_power_times(double e, double z, double F) {
  if (F > 0) return -std::expm1(e * std::log1p(-z) + std::log(F));
  return 1.0 - std::exp(e * std::log1p(-z)) * F;
}
}  // namespace detail

/// E[Y(t) | x, t_x, T]: expected purchases in the next t periods, FHL 2005 eq. (10).
inline double bg_nbd_conditional_expected(const BgNbdParams& p0, double t, double x, double tx,
                                          double T) {
  detail::check_time("t", t);
  detail::check_row(x, tx, T);
  return detail::across_a_equal_one(p0, [&](const BgNbdParams& p) {
  const double z = t / (p.alpha + T + t);
  const double c = p.a + p.b + x - 1;
  const double f = detail::hyp2f1_series(p.r + x, p.b + x, c, z);
  // 1 - ((alpha+T)/(alpha+T+t))^(r+x) 2F1(...), with (1-z) = (alpha+T)/(alpha+T+t).
  const double u = detail::one_minus_power_times(p.r + x, z, f);
  const double num = c / (p.a - 1) * u;
  double den = 1.0;
  if (x > 0)
    den += std::exp(std::log(p.a) - std::log(p.b + x - 1) +
                    (p.r + x) * (std::log(p.alpha + T) - std::log(p.alpha + tx)));
  return num / den;
  }, x == 0);
}

/// E[X(t)] for a customer acquired at time 0, FHL 2005 eq. (9).
inline double bg_nbd_expected_new(const BgNbdParams& p0, double t) {
  detail::check_time("t", t);
  return detail::across_a_equal_one(p0, [&](const BgNbdParams& p) {
    const double z = t / (p.alpha + t);
    const double f = detail::hyp2f1_series(p.r, p.b, p.a + p.b - 1, z);
    const double u = detail::one_minus_power_times(p.r, z, f);
    return (p.a + p.b - 1) / (p.a - 1) * u;
  });
}

/// P(X(t) = n) for a customer acquired at time 0, FHL 2005 eq. (8).
inline double bg_nbd_prob_n(const BgNbdParams& p, double n, double t) {
  detail::check_time("t", t);
  if (!std::isfinite(n) || n < 0 || n != std::floor(n))
    sostac::detail::fail("n", "expected a non-negative whole number of purchases, got " +
                                  sostac::detail::format_value(n));
  using boost::math::lgamma;
  const double lbab = lgamma(p.a) + lgamma(p.b) - lgamma(p.a + p.b);  // ln B(a, b)
  const double lq = std::log(p.alpha / (p.alpha + t)), lz = std::log(t / (p.alpha + t));
  // Gamma(r+n)/(Gamma(r) n!) (alpha/(alpha+t))^r (t/(alpha+t))^n, a negative binomial term
  auto nb = [&](double j) {
    return std::exp(lgamma(p.r + j) - lgamma(p.r) - lgamma(j + 1) + p.r * lq + j * lz);
  };
  const double t1 =
      std::exp(lgamma(p.a) + lgamma(p.b + n) - lgamma(p.a + p.b + n) - lbab) * nb(n);
  if (n == 0) return t1;
  const double w2 = std::exp(lgamma(p.a + 1) + lgamma(p.b + n - 1) - lgamma(p.a + p.b + n) - lbab);
  // 1 - sum_{j<n} nb(j) = P(NB >= n); summed upwards from the tail when that is smaller.
  double head = 0;
  for (double j = 0; j < n; ++j) head += nb(j);
  double tail = 1.0 - head;
  if (tail < 0.5) {  // recompute the tail directly to avoid cancellation
    double s = 0, term = nb(n);
    for (double j = n; j < n + 1e7; ++j) {
      s += term;
      const double next = term * (p.r + j) / (j + 1) * (t / (p.alpha + t));
      if (next <= 1e-17 * s) break;
      term = next;
    }
    tail = s;
  }
  return t1 + w2 * tail;
}

}  // namespace sostac::customer
