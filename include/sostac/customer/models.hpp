// sostac/customer/models.hpp: BG/NBD, MBG/NBD, Gamma-Gamma and the maximum-likelihood
// optimiser.
#pragma once
/// The beta-geometric/NBD family (BG/NBD: Fader, Hardie & Lee 2005, "Counting your
/// customers the easy way", Marketing Science 24(2); MBG/NBD: Batislam, Denizel &
/// Filiztekin 2007, IJRM 24(3)) and the Gamma-Gamma spend model (Fader, Hardie & Lee
/// 2005, "RFM and CLV", JMR 42(4)), fitted by maximum likelihood with optimize.hpp.
///
/// Input rows are (x, t_x, T, weight): repeat purchases, time of the last purchase and
/// length of observation in one period unit, and how many customers share the row.

#include <sostac/core/error.hpp>
#include <sostac/core/parallel.hpp>
#include <sostac/customer/hyp2f1.hpp>
#include <sostac/customer/optimize.hpp>

#include <boost/math/special_functions/digamma.hpp>
#include <boost/math/special_functions/gamma.hpp>

#include <Eigen/Dense>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <unordered_map>
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
  if (d.n == 0)
    throw input_error("frequency", "expected at least one customer, got none");
  for (std::size_t i = 0; i < d.n; ++i) {
    const double x = d.x[i], tx = d.tx[i], T = d.T[i];
    try {
      if (!std::isfinite(x) || x < 0 || x != std::floor(x))
        sostac::detail::fail("frequency",
                             "expected a non-negative whole number of repeat "
                             "purchases, got " +
                                 sostac::detail::format_value(x));
      if (!std::isfinite(tx) || tx < 0)
        sostac::detail::fail("recency", "expected a finite non-negative time, got " +
                                            sostac::detail::format_value(tx));
      if (!std::isfinite(T) || T <= 0)
        sostac::detail::fail("T", "expected a finite positive age, got " +
                                      sostac::detail::format_value(T));
      if (tx > T)
        sostac::detail::fail("recency",
                             "recency " + sostac::detail::format_value(tx) +
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
    sostac::detail::fail(
        "T", "expected a finite positive age, got " + sostac::detail::format_value(T));
  if (tx > T)
    sostac::detail::fail("recency",
                         "recency " + sostac::detail::format_value(tx) +
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
  static BgNbdParams from(const std::array<double, 4>& v) {
    return {v[0], v[1], v[2], v[3]};
  }
};

namespace detail {
/// Summaries made from dated transactions have few distinct T and t_x values (one
/// per calendar day or period), so ln(alpha + v) is computed once per distinct value
/// instead of once per row. Tabulated only when a sample of 2,000 values shows at most
/// half as many distinct ones (continuous times would only pay for the lookups).
inline void tabulate_times(const RftData& d, std::vector<double>& times,
                           std::vector<std::uint32_t>& iT,
                           std::vector<std::uint32_t>& itx) {
  times.clear();
  iT.clear();
  itx.clear();
  if (d.n < 64) return;  // not worth it
  const std::size_t step = std::max<std::size_t>(1, d.n / 1000);
  std::vector<double> sample;
  for (std::size_t i = 0; i < d.n; i += step) {
    sample.push_back(d.T[i]);
    sample.push_back(d.tx[i]);
  }
  std::sort(sample.begin(), sample.end());
  const auto distinct = static_cast<std::size_t>(
      std::unique(sample.begin(), sample.end()) - sample.begin());
  if (2 * distinct > sample.size()) return;
  // One pass with a hash map (sorting 2n values costs more than it saves); give up
  // when the distinct values pass n / 2.
  std::unordered_map<double, std::uint32_t> seen;
  seen.reserve(4 * distinct + 16);
  iT.resize(d.n);
  itx.resize(d.n);
  auto index = [&](double v) {
    const auto it = seen.find(v);
    if (it != seen.end()) return it->second;
    const auto k = static_cast<std::uint32_t>(times.size());
    seen.emplace(v, k);
    times.push_back(v);
    return k;
  };
  for (std::size_t i = 0; i < d.n; ++i) {
    iT[i] = index(d.T[i]);
    itx[i] = index(d.tx[i]);
    if (2 * times.size() > d.n + 64) {
      times.clear();
      iT.clear();
      itx.clear();
      return;
    }
  }
}
}  // namespace detail

/// Negative log-likelihood of BG/NBD, FHL 2005 eq. (6) in the log form of their
/// note "Implementing the BG/NBD model" (A1 + A2 + ln(e^A3 + delta e^A4)), or with
/// `Modified` of MBG/NBD (Batislam, Denizel & Filiztekin 2007, as lifetimes'
/// ModifiedBetaGeoFitter: dropout also at time 0, so the second term has B(a+1,
/// b+x)/B(a, b) and is present for x = 0 too), with the analytic gradient in phi =
/// log(r, alpha, a, b).
template <bool Modified>
class BetaGeoLikelihood {
 public:
  explicit BetaGeoLikelihood(const RftData& d) : d_(d), m_(detail::max_frequency(d)) {
    detail::tabulate_times(d, times_, iT_, itx_);
  }

  double operator()(const Eigen::VectorXd& phi, Eigen::VectorXd* grad) {
    const double r = std::exp(phi[0]), al = std::exp(phi[1]), a = std::exp(phi[2]),
                 b = std::exp(phi[3]);
    constexpr std::size_t shift = Modified ? 1 : 0;  // MBG: B(a, b + x + 1)
    tr_.build(r, m_);
    tb_.build(b, m_ + shift);
    tab_.build(a + b, m_ + shift);
    // ln(b + x - 1) (BG/NBD, x >= 1) or ln(b + x) (MBG/NBD) per frequency; 0 unused.
    lbx_.resize(m_ + 1);
    for (std::size_t j = 0; j <= m_; ++j) {
      const double v =
          Modified ? b + static_cast<double>(j) : b + static_cast<double>(j) - 1;
      lbx_[j] = v > 0 ? std::log(v) : 0.0;
    }
    const double log_al = std::log(al), log_a = std::log(a);
    // ln(alpha + v) and 1 / (alpha + v) once per distinct time v when tabulated.
    const bool tab = !times_.empty();
    lv_.resize(times_.size());
    iv_.resize(times_.size());
    for (std::size_t u = 0; u < times_.size(); ++u) {
      lv_[u] = std::log(al + times_[u]);
      iv_[u] = 1.0 / (al + times_[u]);
    }
    const RftData& d = d_;
    auto s = chunked_sum<5>(d.n, [&](std::size_t i, std::array<double, 5>& acc) {
      const double w = d.weight(i);
      if (w == 0) return;
      const double x = d.x[i];
      const auto xi = static_cast<std::size_t>(x);
      const double A1 = tr_.lg[xi] + r * log_al;
      const double A2 = tb_.lg[xi + shift] - tab_.lg[xi + shift];
      const double lT = tab ? lv_[iT_[i]] : std::log(al + d.T[i]);
      const double iT = tab ? iv_[iT_[i]] : 1.0 / (al + d.T[i]);
      const double A3 = -(r + x) * lT;
      double ll, wa3 = 1.0, wa4 = 0.0, lt = 0.0;
      // BG/NBD: B(a+1, b+x-1) relative to B(a, b+x) is a/(b+x-1); MBG: a/(b+x).
      const double bx = Modified ? b + x : b + x - 1;
      double itx = 0.0;
      if (Modified || x > 0) {
        lt = tab ? lv_[itx_[i]] : std::log(al + d.tx[i]);
        itx = tab ? iv_[itx_[i]] : 1.0 / (al + d.tx[i]);
        const double A4 = log_a - lbx_[xi] - (r + x) * lt;
        // ln(e^A3 + e^A4) with one exp and one log (log1p is 3x slower in glibc and
        // not needed: 0 < e <= 1); wa3 = e^A3 / (e^A3 + e^A4).
        const double e = std::exp(-std::abs(A3 - A4));
        ll = A1 + A2 + std::max(A3, A4) + std::log(1.0 + e);
        wa3 = A3 >= A4 ? 1.0 / (1.0 + e) : e / (1.0 + e);
        wa4 = 1.0 - wa3;
      } else {
        ll = A1 + A2 + A3;
      }
      acc[0] -= w * ll;
      // d/dr, d/dalpha, d/da, d/db of ll (natural scale).
      double dr = tr_.dg[xi] + log_al - wa3 * lT;
      double dal = r / al - wa3 * (r + x) * iT;
      double da = -tab_.dg[xi + shift];
      double db = tb_.dg[xi + shift] - tab_.dg[xi + shift];
      if (Modified || x > 0) {
        dr -= wa4 * lt;
        dal -= wa4 * (r + x) * itx;
        da += wa4 / a;
        db -= wa4 / bx;
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
  std::vector<double> lbx_;
  std::vector<double> times_, lv_, iv_;  // distinct T and t_x values (may be empty)
  std::vector<std::uint32_t> iT_, itx_;  // row -> index into times_
};

using BgNbdLikelihood = BetaGeoLikelihood<false>;
using MbgNbdLikelihood = BetaGeoLikelihood<true>;

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
    throw input_error("frequency",
                      std::string(model) +
                          " cannot be fitted without repeat purchases: every "
                          "frequency is 0, so the purchase and dropout "
                          "processes are not identified");
}
}  // namespace detail

namespace detail {
/// Fits (r, alpha, a, b) with likelihood class L from `start` (natural scale) or, when
/// empty, from rft_start; without a start, more than 100,000 rows are first fitted on
/// an evenly spaced subsample of 50,000 rows (weights scaled to the same total), whose
/// estimate and covariance seed the full fit's start and BFGS's inverse Hessian, as
/// fit_pareto_nbd does: the full data then need a few iterations instead of about 25.
/// The optimum is the same (the full fit stops on the same gradient test).
template <class L>
FitResult fit_rft_warm(const RftData& d, const FitOptions& opt, const Eigen::VectorXd& start) {
  const std::vector<std::string> names{"r", "alpha", "a", "b"};
  const double n = total_weight(d);
  Eigen::VectorXd s0 = start.size() == 4 ? start : rft_start(d, 4);
  Eigen::MatrixXd h0;
  constexpr std::size_t sub_rows = 50000;
  if (start.size() != 4 && d.n > 2 * sub_rows) {
    std::vector<double> sx, stx, sT, sw;
    double ws = 0.0;
    for (std::size_t q = 0; q < sub_rows; ++q) {
      const std::size_t i = q * d.n / sub_rows;
      if (d.weight(i) == 0.0) continue;
      sx.push_back(d.x[i]);
      stx.push_back(d.tx[i]);
      sT.push_back(d.T[i]);
      sw.push_back(d.weight(i));
      ws += d.weight(i);
    }
    for (double& w : sw) w *= n / ws;
    const RftData sub{sx.data(), stx.data(), sT.data(), sw.data(), sx.size()};
    L sub_nll(sub);
    const FitResult rs = fit_log_parametrised(sub_nll, s0, names, opt, n);
    if (rs.converged && rs.params.allFinite() && rs.covariance.allFinite()) {
      s0 = rs.params;
      const Eigen::VectorXd inv = rs.params.cwiseInverse();
      h0 = inv.asDiagonal() * rs.covariance * inv.asDiagonal();  // covariance of log theta
    }
  }
  L nll(d);
  return fit_log_parametrised(nll, s0, names, opt, n, h0);
}
}  // namespace detail

/// Fits BG/NBD by maximum likelihood. `start` (natural scale, 4 values) may be empty.
inline FitResult fit_bg_nbd(const RftData& d, const FitOptions& opt,
                            const Eigen::VectorXd& start = Eigen::VectorXd()) {
  detail::check_fit_data(d, "BG/NBD");
  return detail::fit_rft_warm<BgNbdLikelihood>(d, opt, start);
}

/// P(alive | x, t_x, T) = 1 / (1 + delta_{x>0} a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x))
/// (Fader, Hardie & Lee, note 021 "Computing P(alive) using the BG/NBD model").
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

/// 1 - (1 - z)^e 2F1(a, b; c; z) from hyp2f1.hpp's log|2F1| and sign: by expm1 when
/// the 2F1 is positive (no cancellation for small t), directly otherwise (the 2F1 is
/// negative when its c lies in (-1, 0)).
inline double one_minus_power_times(double e, double a, double b, double c, double z) {
  const hyp2f1_result f = log_hyp2f1(a, b, c, z);
  const double lp = e * std::log1p(-z) + f.log_abs;
  if (f.sign > 0) return -std::expm1(lp);
  return 1.0 + std::exp(lp);
}
}  // namespace detail

/// E[Y(t) | x, t_x, T]: expected purchases in the next t periods, FHL 2005 eq. (10).
inline double bg_nbd_conditional_expected(const BgNbdParams& p0, double t, double x,
                                          double tx, double T) {
  detail::check_time("t", t);
  detail::check_row(x, tx, T);
  return detail::across_a_equal_one(
      p0,
      [&](const BgNbdParams& p) {
        const double z = t / (p.alpha + T + t);
        const double c = p.a + p.b + x - 1;
        // 1 - ((alpha+T)/(alpha+T+t))^(r+x) 2F1(...), with (1-z) =
        // (alpha+T)/(alpha+T+t).
        const double u = detail::one_minus_power_times(p.r + x, p.r + x, p.b + x, c, z);
        const double num = c / (p.a - 1) * u;
        double den = 1.0;
        if (x > 0)
          den += std::exp(std::log(p.a) - std::log(p.b + x - 1) +
                          (p.r + x) * (std::log(p.alpha + T) - std::log(p.alpha + tx)));
        return num / den;
      },
      x == 0);
}

/// E[X(t)] for a customer acquired at time 0, FHL 2005 eq. (9).
inline double bg_nbd_expected_new(const BgNbdParams& p0, double t) {
  detail::check_time("t", t);
  return detail::across_a_equal_one(p0, [&](const BgNbdParams& p) {
    const double z = t / (p.alpha + t);
    const double u = detail::one_minus_power_times(p.r, p.r, p.b, p.a + p.b - 1, z);
    return (p.a + p.b - 1) / (p.a - 1) * u;
  });
}

namespace detail {
/// Gamma(r+n)/(Gamma(r) n!) (alpha/(alpha+t))^r (t/(alpha+t))^n: the NBD count in
/// (0, t] of a customer who stays alive.
inline double nb_pmf(double r, double alpha, double n, double t) {
  using boost::math::lgamma;
  return std::exp(lgamma(r + n) - lgamma(r) - lgamma(n + 1) +
                  r * std::log(alpha / (alpha + t)) + n * std::log(t / (alpha + t)));
}

/// P(NB >= n) = 1 - sum_{j<n} nb_pmf(j), summed from the tail when it is below 1/2
/// (no cancellation).
inline double nb_tail(double r, double alpha, double n, double t) {
  if (n == 0) return 1.0;
  double head = 0;
  for (double j = 0; j < n; ++j) head += nb_pmf(r, alpha, j, t);
  if (1.0 - head >= 0.5) return 1.0 - head;
  double s = 0, term = nb_pmf(r, alpha, n, t);
  const double z = t / (alpha + t);
  for (double j = n; j < n + 1e7; ++j) {
    s += term;
    const double next = term * (r + j) / (j + 1) * z;
    if (next <= 1e-17 * s) break;
    term = next;
  }
  return s;
}
}  // namespace detail

/// P(X(t) = n) for a customer acquired at time 0, FHL 2005 eq. (8):
/// B(a, b+n)/B(a,b) NB(n) + delta_{n>0} B(a+1, b+n-1)/B(a,b) P(NB >= n).
inline double bg_nbd_prob_n(const BgNbdParams& p, double n, double t) {
  detail::check_time("t", t);
  if (!std::isfinite(n) || n < 0 || n != std::floor(n))
    sostac::detail::fail("n",
                         "expected a non-negative whole number of purchases, got " +
                             sostac::detail::format_value(n));
  using boost::math::lgamma;
  const double lbab = lgamma(p.a) + lgamma(p.b) - lgamma(p.a + p.b);  // ln B(a, b)
  const double t1 =
      std::exp(lgamma(p.a) + lgamma(p.b + n) - lgamma(p.a + p.b + n) - lbab) *
      detail::nb_pmf(p.r, p.alpha, n, t);
  if (n == 0) return t1;
  const double w2 =
      std::exp(lgamma(p.a + 1) + lgamma(p.b + n - 1) - lgamma(p.a + p.b + n) - lbab);
  return t1 + w2 * detail::nb_tail(p.r, p.alpha, n, t);
}

// ---------------------------------------------------------------------------------
// MBG/NBD (Batislam, Denizel & Filiztekin 2007): as BG/NBD, but a customer may also
// drop out right after the first purchase (time 0). Same parameters r, alpha, a, b.
// ---------------------------------------------------------------------------------

/// Fits MBG/NBD by maximum likelihood (BDF 2007). A customer without repeat
/// purchases is informative here (he may have dropped out at time 0), but a sample
/// with no repeat purchases at all still does not identify the model.
inline FitResult fit_mbg_nbd(const RftData& d, const FitOptions& opt,
                             const Eigen::VectorXd& start = Eigen::VectorXd()) {
  detail::check_fit_data(d, "MBG/NBD");
  return detail::fit_rft_warm<MbgNbdLikelihood>(d, opt, start);
}

/// P(alive | x, t_x, T) = 1 / (1 + a/(b+x) ((alpha+T)/(alpha+t_x))^(r+x)) (BDF 2007,
/// appendix A eq. 5; below 1 also for x = 0: the customer may have left at time 0).
inline double mbg_nbd_prob_alive(const BgNbdParams& p, double x, double tx, double T) {
  detail::check_row(x, tx, T);
  const double lr = std::log(p.a) - std::log(p.b + x) +
                    (p.r + x) * (std::log(p.alpha + T) - std::log(p.alpha + tx));
  return 1.0 / (1.0 + std::exp(lr));
}

/// E[Y(t) | x, t_x, T] (Wagner & Hoppe 2008, "Erratum on the MBG/NBD model"):
/// (a+b+x)/(a-1) [1 - ((alpha+T)/(alpha+T+t))^(r+x) 2F1(r+x, b+x+1; a+b+x;
/// t/(alpha+T+t))]
///   / (1 + a/(b+x) ((alpha+T)/(alpha+t_x))^(r+x)).
inline double mbg_nbd_conditional_expected(const BgNbdParams& p0, double t, double x,
                                           double tx, double T) {
  detail::check_time("t", t);
  detail::check_row(x, tx, T);
  return detail::across_a_equal_one(
      p0,
      [&](const BgNbdParams& p) {
        const double z = t / (p.alpha + T + t);
        const double c = p.a + p.b + x;
        const double num =
            c / (p.a - 1) *
            detail::one_minus_power_times(p.r + x, p.r + x, p.b + x + 1, c, z);
        const double den =
            1.0 +
            std::exp(std::log(p.a) - std::log(p.b + x) +
                     (p.r + x) * (std::log(p.alpha + T) - std::log(p.alpha + tx)));
        return num / den;
      },
      false);
}

/// E[Y(t_i) | x_i, t_x,i, T_i] of n rows (already checked) at one parameter vector,
/// into out[0..n): the values of bg_nbd_conditional_expected (mbg_nbd_conditional_
/// expected with `Modified`) up to rounding, with each 2F1 from a GaussSeriesTable
/// built once per distinct frequency (hyp2f1.hpp) instead of a series with a division
/// per term for every row. Rows are independent (parallel, the same for any thread
/// count). Rows where a table does not apply use the scalar function: z = t/(alpha+T+t)
/// above 0.8, a frequency above 1e5, c = a+b+x-1 (a+b+x) not positive, and every row
/// when a is within 1e-4 of 1 or a + b of 1 (the interpolation of across_a_equal_one).
template <bool Modified>
void bg_family_expected_batch(const BgNbdParams& p, const double* t, const double* x,
                              const double* tx, const double* T, std::size_t n,
                              double* out) {
  auto scalar = [&](std::size_t i) {
    return Modified ? mbg_nbd_conditional_expected(p, t[i], x[i], tx[i], T[i])
                    : bg_nbd_conditional_expected(p, t[i], x[i], tx[i], T[i]);
  };
  constexpr double big = 1e5;
  const bool near_singular =
      std::abs(p.a - 1.0) < 1e-4 || std::abs(p.a + p.b - 1.0) < 1e-4;
  double zmax = 0.0, xmax = 0.0;
  if (!near_singular)
    for (std::size_t i = 0; i < n; ++i) {
      if (!(x[i] <= big)) continue;
      xmax = std::max(xmax, x[i]);
      const double z = t[i] / (p.alpha + T[i] + t[i]);
      if (z <= 0.8) zmax = std::max(zmax, z);
    }
  std::vector<std::int32_t> slot(near_singular ? 0 : static_cast<std::size_t>(xmax) + 1, -1);
  std::vector<double> xs;
  if (!near_singular)
    for (std::size_t i = 0; i < n; ++i)
      if (x[i] <= big) {
        std::int32_t& k = slot[static_cast<std::size_t>(x[i])];
        if (k < 0) {
          k = static_cast<std::int32_t>(xs.size());
          xs.push_back(x[i]);
        }
      }
  constexpr double shift = Modified ? 1.0 : 0.0;  // MBG: 2F1(r+x, b+x+1; a+b+x; z)
  std::vector<detail::GaussSeriesTable> tables(xs.size());
  sostac::parallel_for(
      xs.size(),
      [&](std::size_t b, std::size_t e) {
        for (std::size_t j = b; j < e; ++j)
          tables[j] = detail::GaussSeriesTable(p.r + xs[j], p.b + xs[j] + shift,
                                               p.a + p.b + xs[j] - 1.0 + shift, zmax);
      },
      4);
  const double log_a = std::log(p.a);
  sostac::parallel_for(
      n,
      [&](std::size_t b, std::size_t e) {
        for (std::size_t i = b; i < e; ++i) {
          if (near_singular || !(x[i] <= big)) {
            out[i] = scalar(i);
            continue;
          }
          const detail::GaussSeriesTable& S =
              tables[static_cast<std::size_t>(slot[static_cast<std::size_t>(x[i])])];
          const double z = t[i] / (p.alpha + T[i] + t[i]);
          const double lf = S.ok() && z <= zmax ? S.log_value(z)
                                                : std::numeric_limits<double>::quiet_NaN();
          if (std::isnan(lf)) {
            out[i] = scalar(i);
            continue;
          }
          // as one_minus_power_times and the scalar kernels (the 2F1 is positive here)
          const double c = p.a + p.b + x[i] - 1.0 + shift;
          const double u = -std::expm1((p.r + x[i]) * std::log1p(-z) + lf);
          const double num = c / (p.a - 1) * u;
          double den = 1.0;
          if (Modified || x[i] > 0)
            den += std::exp(log_a - std::log(p.b + x[i] - 1.0 + shift) +
                            (p.r + x[i]) * (std::log(p.alpha + T[i]) -
                                            std::log(p.alpha + tx[i])));
          out[i] = num / den;
        }
      },
      4096);
}

/// E[X(t)] for a new customer (BDF 2007):
/// b/(a-1) [1 - (alpha/(alpha+t))^r 2F1(r, b+1; a+b; t/(alpha+t))].
inline double mbg_nbd_expected_new(const BgNbdParams& p0, double t) {
  detail::check_time("t", t);
  return detail::across_a_equal_one(
      p0,
      [&](const BgNbdParams& p) {
        const double z = t / (p.alpha + t);
        return p.b / (p.a - 1) *
               detail::one_minus_power_times(p.r, p.r, p.b + 1, p.a + p.b, z);
      },
      false);
}

/// P(X(t) = n) for a new customer (BDF 2007): B(a, b+n+1)/B(a,b) NB(n) +
/// B(a+1, b+n)/B(a,b) P(NB >= n), NB the negative binomial count of a customer alive
/// throughout (dropout after the n-th purchase, or at time 0 when n = 0).
inline double mbg_nbd_prob_n(const BgNbdParams& p, double n, double t) {
  detail::check_time("t", t);
  if (!std::isfinite(n) || n < 0 || n != std::floor(n))
    sostac::detail::fail("n",
                         "expected a non-negative whole number of purchases, got " +
                             sostac::detail::format_value(n));
  using boost::math::lgamma;
  const double lbab = lgamma(p.a) + lgamma(p.b) - lgamma(p.a + p.b);
  const double w1 =
      std::exp(lgamma(p.a) + lgamma(p.b + n + 1) - lgamma(p.a + p.b + n + 1) - lbab);
  const double w2 =
      std::exp(lgamma(p.a + 1) + lgamma(p.b + n) - lgamma(p.a + p.b + n + 1) - lbab);
  return w1 * detail::nb_pmf(p.r, p.alpha, n, t) +
         w2 * detail::nb_tail(p.r, p.alpha, n, t);
}

// ---------------------------------------------------------------------------------
// Gamma-Gamma spend (Fader, Hardie & Lee 2005, "RFM and CLV"; Fader & Hardie 2013,
// "The Gamma-Gamma model of monetary value", note 025)
// ---------------------------------------------------------------------------------

/// Gamma-Gamma parameters: spend per transaction ~ Gamma(p, nu), nu ~ Gamma(q, gamma).
struct GammaGammaParams {
  double p, q, gamma;
  static GammaGammaParams from(const std::array<double, 3>& v) {
    return {v[0], v[1], v[2]};
  }
};

/// Rows (x, mean spend of the x repeat transactions, weight). Rows with x = 0 carry no
/// spend information and are skipped.
struct SpendData {
  const double* x = nullptr;
  const double* m = nullptr;
  const double* w = nullptr;
  std::size_t n = 0;
  double weight(std::size_t i) const { return w ? w[i] : 1.0; }
};

namespace detail {
inline void check_spend(const SpendData& d) {
  if (d.n == 0)
    throw input_error("frequency", "expected at least one customer, got none");
  double used = 0;
  for (std::size_t i = 0; i < d.n; ++i) {
    try {
      const double x = d.x[i], m = d.m[i];
      if (!std::isfinite(x) || x < 0 || x != std::floor(x))
        sostac::detail::fail("frequency", "expected a non-negative whole number, got " +
                                              sostac::detail::format_value(x));
      if (d.w && (!std::isfinite(d.w[i]) || d.w[i] < 0))
        sostac::detail::fail("weights", "expected a finite non-negative weight, got " +
                                            sostac::detail::format_value(d.w[i]));
      if (x > 0 && !(std::isfinite(m) && m > 0))
        sostac::detail::fail("monetary",
                             "expected a finite positive mean spend for a "
                             "repeat buyer, got " +
                                 sostac::detail::format_value(m));
      if (x > 0) used += d.weight(i);
    } catch (const input_error& e) {
      throw e.at_index(i);
    }
  }
  if (!(used > 0))
    throw input_error("frequency",
                      "Gamma-Gamma needs repeat buyers (frequency > 0 with a "
                      "positive weight); there are none");
}
}  // namespace detail

/// Negative log-likelihood of Gamma-Gamma, FHL 2005 ("RFM and CLV") eq. (1) / note 025
/// eq. (1a): f(mbar | p, q, gamma, x) = Gamma(px + q) / (Gamma(px) Gamma(q))
/// gamma^q mbar^(px-1) x^(px) / (gamma + x mbar)^(px+q), gradient in log(p, q, gamma).
class GammaGammaLikelihood {
 public:
  explicit GammaGammaLikelihood(const SpendData& d) : d_(d) {
    double mx = 0;
    for (std::size_t i = 0; i < d.n; ++i) mx = std::max(mx, d.x[i]);
    max_x_ = static_cast<std::size_t>(mx);
    // Special functions depend on x only: tabulate them when x is not too spread out.
    tabulate_ = max_x_ <= std::max<std::size_t>(1024, 4 * d.n);
  }

  double operator()(const Eigen::VectorXd& phi, Eigen::VectorXd* grad) {
    const double p = std::exp(phi[0]), q = std::exp(phi[1]), g = std::exp(phi[2]);
    using boost::math::digamma;
    using boost::math::lgamma;
    const double lgq = lgamma(q), dgq = digamma(q), lg = std::log(g);
    if (tabulate_) {
      lg_pxq_.assign(max_x_ + 1, 0.0);
      lg_px_.assign(max_x_ + 1, 0.0);
      dg_pxq_.assign(max_x_ + 1, 0.0);
      dg_px_.assign(max_x_ + 1, 0.0);
      for (std::size_t x = 1; x <= max_x_; ++x) {
        const double px = p * static_cast<double>(x);
        lg_pxq_[x] = lgamma(px + q);
        lg_px_[x] = lgamma(px);
        dg_pxq_[x] = digamma(px + q);
        dg_px_[x] = digamma(px);
      }
    }
    const SpendData& d = d_;
    auto s = chunked_sum<4>(d.n, [&](std::size_t i, std::array<double, 4>& acc) {
      const double w = d.weight(i), x = d.x[i];
      if (w == 0 || x == 0) return;
      const double m = d.m[i], px = p * x;
      double a, b, da, db;
      if (tabulate_) {
        const auto xi = static_cast<std::size_t>(x);
        a = lg_pxq_[xi];
        b = lg_px_[xi];
        da = dg_pxq_[xi];
        db = dg_px_[xi];
      } else {
        a = lgamma(px + q);
        b = lgamma(px);
        da = digamma(px + q);
        db = digamma(px);
      }
      const double lm = std::log(m), lx = std::log(x), lxm = std::log(x * m + g);
      const double ll = a - b - lgq + q * lg + (px - 1) * lm + px * lx - (px + q) * lxm;
      acc[0] -= w * ll;
      acc[1] -= w * x * (da - db + lm + lx - lxm);
      acc[2] -= w * (da - dgq + lg - lxm);
      acc[3] -= w * (q / g - (px + q) / (x * m + g));
    });
    if (grad) {
      (*grad)[0] = s[1] * p;
      (*grad)[1] = s[2] * q;
      (*grad)[2] = s[3] * g;
    }
    return s[0];
  }

 private:
  SpendData d_;
  std::size_t max_x_ = 0;
  bool tabulate_ = true;
  std::vector<double> lg_pxq_, lg_px_, dg_pxq_, dg_px_;
};

/// Fits Gamma-Gamma on the repeat buyers of d (rows with x = 0 are skipped; n counts
/// the rest). `start` (p, q, gamma) may be empty.
inline FitResult fit_gamma_gamma(const SpendData& d, const FitOptions& opt,
                                 const Eigen::VectorXd& start = Eigen::VectorXd()) {
  detail::check_spend(d);
  double n = 0, sm = 0;
  for (std::size_t i = 0; i < d.n; ++i)
    if (d.x[i] > 0) {
      n += d.weight(i);
      sm += d.weight(i) * d.m[i];
    }
  GammaGammaLikelihood nll(d);
  Eigen::VectorXd s0 = start;
  if (s0.size() != 3) {
    s0 = Eigen::VectorXd::Ones(3);
    s0[2] = std::max(1e-6, sm / n);  // gamma carries the currency scale
  }
  return fit_log_parametrised(nll, s0, {"p", "q", "gamma"}, opt, n);
}

/// E[Z | mbar, x]: the expected spend per transaction given x repeat transactions of
/// mean mbar, FHL 2005 ("RFM and CLV") eq. (5) / note 025 eq. (5):
/// (q - 1)/(px + q - 1) * p gamma/(q - 1) + px/(px + q - 1) * mbar
///   = p (gamma + x mbar) / (px + q - 1). For x = 0, the population mean p gamma/(q-1).
inline double gamma_gamma_expected_spend(const GammaGammaParams& p, double x,
                                         double m) {
  if (!std::isfinite(x) || x < 0 || x != std::floor(x))
    sostac::detail::fail("frequency", "expected a non-negative whole number, got " +
                                          sostac::detail::format_value(x));
  if (x > 0 && !(std::isfinite(m) && m > 0))
    sostac::detail::fail("monetary", "expected a finite positive mean spend, got " +
                                         sostac::detail::format_value(m));
  const double den = p.p * x + p.q - 1;
  if (!(den > 0))
    sostac::detail::fail("params",
                         "the expected spend is infinite: p x + q - 1 = " +
                             sostac::detail::format_value(den) +
                             " <= 0 (q <= 1 makes the mean of nu^-1 infinite)");
  return p.p * (p.gamma + (x > 0 ? x * m : 0.0)) / den;
}

}  // namespace sostac::customer
