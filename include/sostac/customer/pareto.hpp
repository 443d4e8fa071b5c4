// sostac/customer/pareto.hpp: Pareto/NBD, BG/BB and the Gauss hypergeometric function.
#pragma once
/// Pareto/NBD (Schmittlein, Morrison & Colombo 1987) and BG/BB (Fader, Hardie & Shang
/// 2010) by maximum likelihood on weighted rows, with their per-customer predictions.
///
/// Pareto/NBD likelihood (Fader & Hardie 2005, "A Note on Deriving the Pareto/NBD
/// Model and Related Expressions"; the form and the alpha >= beta / alpha < beta switch
/// of Fader, Hardie & Lee's 2005 note on implementing it):
///   L = G(r+x) a^r b^s / G(r) * { (a+T)^-(r+x) (b+T)^-s + s/(r+s+x) A0 },
///   A0 = F(r+s+x, s+1; r+s+x+1; z(t_x)) / (a+t_x)^(r+s+x) - (same at T),
///   z(t) = (alpha - beta) / (alpha + t).
/// For alpha < beta, z < 0 and log_hyp2f1 applies Pfaff's transformation, which turns
/// the term into the note's second form F(r+s+x, r+x; r+s+x+1; (beta-alpha)/(beta+t))
/// / (beta+t)^(r+s+x) exactly. Everything is summed in log space (log-sum-exp), and
/// the gradient is analytic: the series for 2F1 carries its parameter derivatives.
///
/// BG/BB likelihood (FHS 2010, section 3):
///   L = B(a+x, b+n-x)/B(a,b) B(g, d+n)/B(g,d)
///     + sum_{i=0}^{n-t_x-1} B(a+x, b+t_x-x+i)/B(a,b) B(g+1, d+t_x+i)/B(g,d),
/// again in log space with an analytic gradient (digamma).

#include <sostac/core/error.hpp>
#include <sostac/core/parallel.hpp>
#include <sostac/customer/hyp2f1.hpp>
#include <sostac/customer/optimize.hpp>
#include <sostac/customer/pareto_series.hpp>

#include <boost/math/special_functions/beta.hpp>
#include <boost/math/special_functions/digamma.hpp>
#include <boost/math/special_functions/gamma.hpp>

#include <Eigen/Dense>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

namespace sostac::customer {

/// Weighted (frequency, recency, T) rows: one per customer or per distinct pattern.
/// For BG/BB, T is the number of transaction opportunities n. `w` may be null (1 each).
struct PatternRows {
  const double* x = nullptr;
  const double* tx = nullptr;
  const double* T = nullptr;
  const double* w = nullptr;
  std::size_t n = 0;
  double weight(std::size_t i) const { return w ? w[i] : 1.0; }
};

/// Distinct rows with summed weights (owning).
struct PatternTable {
  std::vector<double> x, tx, T, w;
  PatternRows rows() const { return {x.data(), tx.data(), T.data(), w.data(), x.size()}; }
};

/// Merges equal (x, t_x, T) rows, summing weights; rows with weight 0 are dropped.
/// The likelihood is a sum over rows, so fitting the table equals fitting the rows.
/// The rows are sorted by (x, t_x, T) as records (two halves in parallel, then
/// merged; the halves depend only on n, so the result does not depend on threads).
inline PatternTable compress_patterns(const PatternRows& d) {
  struct Rec {
    double x, tx, T, w;
  };
  std::vector<Rec> recs;
  recs.reserve(d.n);
  for (std::size_t i = 0; i < d.n; ++i) {
    const double wi = d.weight(i);
    if (wi != 0.0) recs.push_back({d.x[i], d.tx[i], d.T[i], wi});
  }
  auto less = [](const Rec& a, const Rec& b) {
    if (a.x != b.x) return a.x < b.x;
    if (a.tx != b.tx) return a.tx < b.tx;
    return a.T < b.T;
  };
  const std::size_t half = recs.size() / 2;
  sostac::parallel_for(
      2,
      [&](std::size_t b, std::size_t e) {
        for (std::size_t h = b; h < e; ++h)
          std::sort(recs.begin() + static_cast<std::ptrdiff_t>(h == 0 ? 0 : half),
                    h == 0 ? recs.begin() + static_cast<std::ptrdiff_t>(half) : recs.end(), less);
      },
      1);
  std::inplace_merge(recs.begin(), recs.begin() + static_cast<std::ptrdiff_t>(half), recs.end(),
                     less);
  PatternTable out;
  for (const Rec& r : recs) {
    if (!out.x.empty() && out.x.back() == r.x && out.tx.back() == r.tx && out.T.back() == r.T) {
      out.w.back() += r.w;
    } else {
      out.x.push_back(r.x);
      out.tx.push_back(r.tx);
      out.T.push_back(r.T);
      out.w.push_back(r.w);
    }
  }
  return out;
}

namespace detail {

inline std::string pareto_at(const char* name, std::size_t i) {
  return std::string(name) + "[" + std::to_string(i) + "]";
}

/// One continuous-time summary row (Pareto/NBD): frequency a whole count, 0 <= recency
/// <= T, T > 0, recency 0 exactly when frequency is 0. Throws input_error naming the
/// argument (callers add the row with at_index).
inline void check_pareto_row(double x, double tx, double T) {
  using sostac::detail::format_value;
  if (!std::isfinite(x) || x < 0 || x != std::floor(x))
    throw input_error("frequency", "expected a non-negative whole number of repeat purchases, got " +
                                       format_value(x));
  if (!(std::isfinite(T) && T > 0))
    throw input_error("T", "expected a finite positive age, got " + format_value(T));
  if (!(std::isfinite(tx) && tx >= 0))
    throw input_error("recency", "expected a finite non-negative number, got " + format_value(tx));
  if (tx > T)
    throw input_error("recency", "recency " + format_value(tx) + " exceeds T = " + format_value(T));
  if (x > 0 && tx == 0)
    throw input_error("recency", "recency is 0 but frequency is " + format_value(x) +
                                     " (a repeat purchase makes recency positive)");
  if (x == 0 && tx != 0)
    throw input_error("recency", "recency is " + format_value(tx) +
                                     " but frequency is 0 (recency must be 0 without repeat purchases)");
}

/// One discrete-opportunity row (BG/BB): whole numbers 0 <= frequency <= recency <=
/// n_periods, recency 0 exactly when frequency is 0, n_periods >= 1.
inline void check_bgbb_row(double x, double tx, double n) {
  using sostac::detail::format_value;
  auto whole = [](double v) { return std::isfinite(v) && v >= 0 && v == std::floor(v); };
  if (!whole(x))
    throw input_error("frequency", "expected a non-negative whole count, got " + format_value(x));
  if (!whole(tx))
    throw input_error("recency", "expected a non-negative whole opportunity, got " + format_value(tx));
  if (!whole(n) || n < 1)
    throw input_error("n_periods",
                      "expected a whole number of opportunities >= 1, got " + format_value(n));
  if (tx > n)
    throw input_error("recency", "recency " + format_value(tx) + " exceeds n_periods = " +
                                     format_value(n));
  if (x > tx)
    throw input_error("frequency", "frequency " + format_value(x) + " exceeds recency " +
                                       format_value(tx) + " (at most one transaction per opportunity)");
  if (x == 0 && tx != 0)
    throw input_error("recency", "recency is " + format_value(tx) + " but frequency is 0");
}

/// Every row checked (errors name the argument and the row) and weights finite and
/// >= 0 with a positive sum.
template <class RowCheck>
void check_rows(const PatternRows& d, RowCheck check) {
  using sostac::detail::format_value;
  if (d.n == 0) throw input_error("frequency", "expected at least one customer, got none");
  double total = 0.0;
  for (std::size_t i = 0; i < d.n; ++i) {
    try {
      check(d.x[i], d.tx[i], d.T[i]);
    } catch (const input_error& e) {
      throw e.at_index(i);
    }
    const double w = d.weight(i);
    if (!(std::isfinite(w) && w >= 0))
      throw input_error(pareto_at("weights", i),
                        "expected a finite non-negative weight, got " + format_value(w));
    total += w;
  }
  if (!(total > 0)) throw input_error("weights", "the weights sum to 0");
}

inline void check_pareto_rows(const PatternRows& d) { check_rows(d, check_pareto_row); }
inline void check_bgbb_rows(const PatternRows& d) { check_rows(d, check_bgbb_row); }

inline double log_add_exp(double a, double b) {
  if (a == -std::numeric_limits<double>::infinity()) return b;
  if (b == -std::numeric_limits<double>::infinity()) return a;
  const double m = std::max(a, b);
  return m + std::log1p(std::exp(-std::fabs(a - b)));
}

/// -expm1(e L) / e, its limit -L at e = 0: (1 - q^e) / e with log q = L.
inline double one_minus_pow_over(double e, double L) {
  if (e == 0.0) return -L;
  return -std::expm1(e * L) / e;
}

}  // namespace detail

// =====================================================================================
// Pareto/NBD
// =====================================================================================

/// Pareto/NBD parameters: lambda ~ Gamma(r, alpha), mu ~ Gamma(s, beta).
struct ParetoNbdParams {
  double r, alpha, s, beta;
  static ParetoNbdParams from(const std::array<double, 4>& p) { return {p[0], p[1], p[2], p[3]}; }
};

namespace detail {

/// log F(r+s+x, s+1; r+s+x+1; (alpha-beta)/(alpha+t)) - (r+s+x) log(alpha+t) and its
/// gradient in (r, alpha, s, beta) when g != null.
inline double pareto_log_a_term(const ParetoNbdParams& p, double x, double t, double* g) {
  const double a = p.r + p.s + x, b = p.s + 1.0, c = a + 1.0;
  const double m = p.alpha + t;
  const double z = (p.alpha - p.beta) / m;
  // 1e5 terms reach z of about 1 - 3e-4 in the slowest (cancelling) case; beyond, the
  // point is infeasible for the fit (std::domain_error -> NaN -> the line search backs off)
  const hyp2f1_result f = log_hyp2f1(a, b, c, z, g != nullptr, 100000L);
  const double lm = std::log(m);
  if (g) {
    const double dz_dalpha = (p.beta + t) / (m * m), dz_dbeta = -1.0 / m;
    const double dac = f.d_a + f.d_c - lm;  // a and c move together with r and s
    g[0] = dac;
    g[1] = f.d_z * dz_dalpha - a / m;
    g[2] = dac + f.d_b;
    g[3] = f.d_z * dz_dbeta;
  }
  return f.log_abs - a * lm;
}

/// pareto_log_a_term for many rows at one parameter vector: one AA1Series table per
/// distinct x (pareto_series.hpp; index j into the x values given), pareto_log_a_term
/// itself where a table does not apply (z above 0.8, a table too long). Same values
/// and gradients up to rounding.
class ParetoATerms {
 public:
  ParetoATerms(const ParetoNbdParams& p, const double* xs, std::size_t nx, bool derivatives)
      : p_(p), tables_(nx) {
    pfaff_ = p.alpha < p.beta;
    const double zmax = pfaff_ ? (p.beta - p.alpha) / p.beta : (p.alpha - p.beta) / p.alpha;
    zcap_ = std::min(zmax, 0.8);
    if (!(zcap_ >= 0.0)) return;  // NaN parameters: every row falls back (and fails there)
    sostac::parallel_for(
        nx,
        [&](std::size_t b, std::size_t e) {
          for (std::size_t j = b; j < e; ++j) {
            const double x = xs[j];
            if (!(std::isfinite(x) && x >= 0)) continue;
            const double a = p.r + p.s + x;
            tables_[j] = AA1Series(a, pfaff_ ? p.r + x : p.s + 1.0, zcap_, derivatives);
          }
        },
        4);
  }

  std::size_t size() const { return tables_.size(); }

  /// Whether the terms use Pfaff's form (alpha < beta).
  bool pfaff() const { return pfaff_; }

  /// The value of log_a(j, x, t, nullptr) given lt = ln(beta + t) when pfaff(), else
  /// ln(alpha + t) (P(alive) needs both logs at T anyway): with ln(1 - z) = ln(beta+t) -
  /// ln(alpha+t), the Pfaff form is log F(a, r+x; a+1; (beta-alpha)/(beta+t)) - a lt,
  /// and no log is taken here.
  double log_a_value(std::size_t j, double x, double t, double lt) const {
    const double lat = lt, lbt = lt;
    const AA1Series& S = tables_[j];
    if (S.ok()) {
      const double a = p_.r + p_.s + x;
      double lf = std::numeric_limits<double>::quiet_NaN();
      if (!pfaff_) {
        const double z = (p_.alpha - p_.beta) / (p_.alpha + t);
        if (z <= zcap_) lf = S.log_value(z, nullptr) - a * lat;
      } else {
        const double w = (p_.beta - p_.alpha) / (p_.beta + t);
        if (w <= zcap_) lf = S.log_value(w, nullptr) - a * lbt;
      }
      if (!std::isnan(lf)) return lf;
    }
    return log_a(j, x, t, nullptr);
  }

  /// pareto_log_a_term(p, x, t, g) for the x of index j.
  double log_a(std::size_t j, double x, double t, double* g) const {
    const AA1Series& S = tables_[j];
    if (S.ok()) {
      const ParetoNbdParams& p = p_;
      const double a = p.r + p.s + x;
      const double m = p.alpha + t;
      const double z = (p.alpha - p.beta) / m;
      double d[3] = {0, 0, 0};
      double lf = std::numeric_limits<double>::quiet_NaN(), dac = 0, db = 0, dz = 0;
      if (!pfaff_) {
        if (z <= zcap_) {
          lf = S.log_value(z, g ? d : nullptr);
          dac = d[0];
          db = d[1];
          dz = d[2];
        }
      } else {
        // Pfaff, as log_hyp2f1: F(a, b; c; z) = (1 - z)^-a F(a, c - b; c; z / (z - 1))
        const double w = z / (z - 1.0);
        if (w <= zcap_) {
          const double l1z = std::log1p(-z);
          lf = S.log_value(w, g ? d : nullptr);
          lf += -a * l1z;
          dac = -l1z + d[0] + d[1];
          db = -d[1];
          dz = a / (1.0 - z) - d[2] / ((1.0 - z) * (1.0 - z));
        }
      }
      if (!std::isnan(lf)) {
        const double lm = std::log(m);
        if (g) {
          g[0] = dac - lm;
          g[1] = dz * ((p.beta + t) / (m * m)) - a / m;
          g[2] = dac - lm + db;
          g[3] = dz * (-1.0 / m);
        }
        return lf - a * lm;
      }
    }
    return pareto_log_a_term(p_, x, t, g);
  }

 private:
  ParetoNbdParams p_;
  bool pfaff_ = false;
  double zcap_ = -1.0;
  std::vector<AA1Series> tables_;
};

/// The two log-terms of one row's likelihood: u (alive at T) and v (died in
/// (t_x, T]), without the common factor; gradients in natural parameters if asked.
struct ParetoRowTerms {
  double common, u, v;  // log L = common + log(e^u + e^v)
  std::array<double, 4> dcommon{}, du{}, dv{};
};

inline ParetoRowTerms pareto_row_terms(const ParetoNbdParams& p, double x, double tx, double T,
                                       bool grad, bool with_common = true) {
  using boost::math::digamma;
  ParetoRowTerms o;
  const double la = std::log(p.alpha), lb = std::log(p.beta);
  const double laT = std::log(p.alpha + T), lbT = std::log(p.beta + T);
  // P(alive) needs only u and v (the common factor cancels): skip its two lgammas
  o.common = with_common
                 ? boost::math::lgamma(p.r + x, fast_policy()) -
                       boost::math::lgamma(p.r, fast_policy()) + p.r * la + p.s * lb
                 : 0.0;
  o.u = -(p.r + x) * laT - p.s * lbT;
  const double a = p.r + p.s + x;
  double g1[4], g2[4];
  if (tx >= T) {
    o.v = -std::numeric_limits<double>::infinity();
  } else {
    const double l1 = pareto_log_a_term(p, x, tx, grad ? g1 : nullptr);
    const double l2 = pareto_log_a_term(p, x, T, grad ? g2 : nullptr);
    const double q = std::exp(l2 - l1);  // in [0, 1): A0 > 0 for t_x < T
    if (!(q < 1.0)) {
      o.v = -std::numeric_limits<double>::infinity();  // rounding at t_x ~ T
    } else {
      o.v = std::log(p.s) - std::log(a) + l1 + std::log1p(-q);
      if (grad) {
        for (int k = 0; k < 4; ++k) o.dv[k] = (g1[k] - q * g2[k]) / (1.0 - q);
        o.dv[0] += -1.0 / a;
        o.dv[2] += 1.0 / p.s - 1.0 / a;
      }
    }
  }
  if (grad) {
    o.dcommon = {digamma(p.r + x, fast_policy()) - digamma(p.r, fast_policy()) + la,
                 p.r / p.alpha, lb, p.s / p.beta};
    o.du = {-laT, -(p.r + x) / (p.alpha + T), -lbT, -p.s / (p.beta + T)};
  }
  return o;
}

}  // namespace detail

/// log L(r, alpha, s, beta | x, t_x, T) of one customer.
inline double pareto_nbd_row_log_likelihood(const ParetoNbdParams& p, double x, double tx,
                                            double T) {
  const auto o = detail::pareto_row_terms(p, x, tx, T, false);
  return o.common + detail::log_add_exp(o.u, o.v);
}

/// Sum of w_i log L_i and (when grad != null) its gradient in the natural parameters.
/// Rows are summed in parallel in fixed chunks, so the result does not depend on the
/// thread count.
inline double pareto_nbd_log_likelihood(const ParetoNbdParams& p, const PatternRows& d,
                                        double* grad = nullptr) {
  const std::size_t grain = 256;
  const std::size_t chunks = (d.n + grain - 1) / grain;
  std::vector<std::array<double, 5>> part(chunks, std::array<double, 5>{});
  sostac::parallel_for(
      d.n,
      [&](std::size_t b, std::size_t e) {
        for (std::size_t i = b; i < e; ++i) {
          // one partial sum per chunk of `grain` rows, also when one thread gets them all
          auto& acc = part[i / grain];
          const double w = d.weight(i);
          if (w == 0.0) continue;
          const auto o = detail::pareto_row_terms(p, d.x[i], d.tx[i], d.T[i], grad != nullptr);
          const double lse = detail::log_add_exp(o.u, o.v);
          acc[0] += w * (o.common + lse);
          if (grad) {
            const double wu = std::exp(o.u - lse), wv = std::exp(o.v - lse);
            for (int k = 0; k < 4; ++k)
              acc[1 + k] += w * (o.dcommon[k] + wu * o.du[k] + (wv > 0 ? wv * o.dv[k] : 0.0));
          }
        }
      },
      grain);
  double total[5] = {0, 0, 0, 0, 0};
  for (const auto& a : part)
    for (int k = 0; k < 5; ++k) total[k] += a[k];
  if (grad)
    for (int k = 0; k < 4; ++k) grad[k] = total[1 + k];
  return total[0];
}

namespace detail {

/// The Pareto/NBD likelihood of a fixed set of rows, arranged so that an evaluation
/// computes each 2F1 term once per distinct (x, t) pair (t = t_x or T) and each
/// Gamma(r+x)/Gamma(r) once per distinct x: many customers share T (a cohort) and
/// (x, t_x), so this is several times fewer 2F1 calls than two per row. When a sample
/// of the rows shows little sharing (continuous times: every (x, t) distinct) the
/// pairs are not merged and each row computes its two terms directly (the t_x = 0
/// term of the customers without repeat purchases, one per parameter vector, once:
/// it is not counted as sharing). Either way the
/// 2F1 terms come from ParetoATerms (series coefficients once per distinct x).
struct ParetoPrepared {
  PatternRows rows;
  bool merged = false;                   // the (x, t) pairs below are used
  std::vector<double> key_x, key_t;      // distinct (x, t) pairs
  std::vector<std::size_t> key_jx;       // per pair: index into xs
  std::vector<std::size_t> k1, k2;       // per row: the pair of (x, t_x) (npos if t_x = T) and (x, T)
  std::vector<double> xs;                // distinct x
  std::vector<std::size_t> kx;           // per row: index into xs
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);

  explicit ParetoPrepared(const PatternRows& d) : rows(d), kx(d.n) {
    // distinct x (rows are usually sorted by x already: compress_patterns sorts)
    bool sorted = true;
    for (std::size_t i = 1; i < d.n && sorted; ++i) sorted = !(d.x[i] < d.x[i - 1]);
    if (sorted) {
      for (std::size_t i = 0; i < d.n; ++i) {
        if (xs.empty() || xs.back() != d.x[i]) xs.push_back(d.x[i]);
        kx[i] = xs.size() - 1;
      }
    } else {
      std::vector<std::size_t> order(d.n);
      std::iota(order.begin(), order.end(), std::size_t{0});
      std::sort(order.begin(), order.end(),
                [&](std::size_t a, std::size_t b) { return d.x[a] < d.x[b]; });
      for (std::size_t i : order) {
        if (xs.empty() || xs.back() != d.x[i]) xs.push_back(d.x[i]);
        kx[i] = xs.size() - 1;
      }
    }
    struct Ref {
      double x, t;
      std::size_t slot;  // 2 * row + (0 for t_x, 1 for T)
    };
    auto by_key = [](const Ref& a, const Ref& b) { return a.x != b.x ? a.x < b.x : a.t < b.t; };
    auto add_refs = [&](std::vector<Ref>& refs, std::size_t i) {
      if (d.tx[i] < d.T[i]) refs.push_back({d.x[i], d.tx[i], 2 * i});
      refs.push_back({d.x[i], d.T[i], 2 * i + 1});
    };
    // Is merging worth it? Distinct pairs among an evenly spaced sample of rows.
    {
      const std::size_t sample = std::min<std::size_t>(d.n, 65536);
      std::vector<Ref> refs;
      refs.reserve(2 * sample);
      for (std::size_t q = 0; q < sample; ++q) add_refs(refs, q * d.n / sample);
      // (x, t_x) = (0, 0), every customer without repeat purchases, is shared without
      // merging (zero_terms below): it does not count
      refs.erase(std::remove_if(refs.begin(), refs.end(),
                                [](const Ref& r) { return r.x == 0.0 && r.t == 0.0; }),
                 refs.end());
      std::sort(refs.begin(), refs.end(), by_key);
      std::size_t distinct = 0;
      for (std::size_t q = 0; q < refs.size(); ++q)
        if (q == 0 || refs[q].x != refs[q - 1].x || refs[q].t != refs[q - 1].t) ++distinct;
      merged = !refs.empty() &&
               static_cast<double>(distinct) < 0.9 * static_cast<double>(refs.size());
    }
    if (!merged) return;
    k1.assign(d.n, npos);
    k2.assign(d.n, npos);
    std::vector<Ref> refs;
    refs.reserve(2 * d.n);
    for (std::size_t i = 0; i < d.n; ++i) add_refs(refs, i);
    std::sort(refs.begin(), refs.end(), by_key);
    for (const Ref& r : refs) {
      if (key_x.empty() || key_x.back() != r.x || key_t.back() != r.t) {
        key_x.push_back(r.x);
        key_t.push_back(r.t);
        key_jx.push_back(kx[r.slot / 2]);
      }
      (r.slot % 2 == 0 ? k1 : k2)[r.slot / 2] = key_x.size() - 1;
    }
  }

  /// Sum of w_i log L_i and (grad != null) its gradient in the natural parameters;
  /// the same numbers as pareto_nbd_log_likelihood up to rounding.
  double log_likelihood(const ParetoNbdParams& p, double* grad) const {
    using boost::math::digamma;
    const bool want = grad != nullptr;
    const ParetoATerms terms(p, xs.data(), xs.size(), want);
    const std::size_t nk = key_x.size();
    std::vector<double> kl(nk), kg(want ? 4 * nk : 0);
    if (merged)
      sostac::parallel_for(
          nk,
          [&](std::size_t b, std::size_t e) {
            for (std::size_t k = b; k < e; ++k)
              kl[k] = terms.log_a(key_jx[k], key_x[k], key_t[k], want ? &kg[4 * k] : nullptr);
          },
          1024);
    // unmerged rows: the t_x = 0 term of x = 0 (no repeat purchases) once per evaluation
    std::vector<double> zero_l(merged ? 0 : xs.size()), zero_g(merged || !want ? 0 : 4 * xs.size());
    if (!merged)
      for (std::size_t j = 0; j < xs.size(); ++j)
        if (xs[j] == 0.0) zero_l[j] = terms.log_a(j, 0.0, 0.0, want ? &zero_g[4 * j] : nullptr);
    std::vector<double> lgx(xs.size()), dgx(want ? xs.size() : 0);
    const fast_policy pol;
    const double lgr = boost::math::lgamma(p.r, pol), dgr = want ? digamma(p.r, pol) : 0.0;
    for (std::size_t j = 0; j < xs.size(); ++j) {
      lgx[j] = boost::math::lgamma(p.r + xs[j], pol) - lgr;
      if (want) dgx[j] = digamma(p.r + xs[j], pol) - dgr;
    }
    const double la = std::log(p.alpha), lb = std::log(p.beta);
    const double ls = std::log(p.s);
    const std::size_t grain = 4096;
    const std::size_t chunks = (rows.n + grain - 1) / grain;
    std::vector<std::array<double, 5>> part(chunks, std::array<double, 5>{});
    sostac::parallel_for(
        rows.n,
        [&](std::size_t b, std::size_t e) {
          double g1d[4], g2d[4];
          for (std::size_t i = b; i < e; ++i) {
            // one partial sum per chunk of `grain` rows, also when one thread gets them all
            auto& acc = part[i / grain];
            const double w = rows.weight(i);
            if (w == 0.0) continue;
            const double x = rows.x[i], T = rows.T[i];
            const double laT = std::log(p.alpha + T), lbT = std::log(p.beta + T);
            const double common = lgx[kx[i]] + p.r * la + p.s * lb;
            const double u = -(p.r + x) * laT - p.s * lbT;
            const double a = p.r + p.s + x;
            double v = -std::numeric_limits<double>::infinity(), q = 1.0;
            const double* g1 = nullptr;
            const double* g2 = nullptr;
            bool has_v = false;
            double l1 = 0.0, l2 = 0.0;
            if (merged) {
              if (k1[i] != npos) {
                has_v = true;
                l1 = kl[k1[i]];
                l2 = kl[k2[i]];
                if (want) {
                  g1 = &kg[4 * k1[i]];
                  g2 = &kg[4 * k2[i]];
                }
              }
            } else if (rows.tx[i] < T) {
              has_v = true;
              if (x == 0.0 && rows.tx[i] == 0.0) {
                l1 = zero_l[kx[i]];
                g1 = want ? &zero_g[4 * kx[i]] : nullptr;
              } else {
                l1 = terms.log_a(kx[i], x, rows.tx[i], want ? g1d : nullptr);
                g1 = g1d;
              }
              l2 = terms.log_a(kx[i], x, T, want ? g2d : nullptr);
              g2 = g2d;
            }
            if (has_v) {
              q = std::exp(l2 - l1);
              if (q < 1.0) v = ls - std::log(a) + l1 + std::log1p(-q);
            }
            const double lse = log_add_exp(u, v);
            acc[0] += w * (common + lse);
            if (want) {
              const double wu = std::exp(u - lse), wv = std::exp(v - lse);
              const double dc[4] = {dgx[kx[i]] + la, p.r / p.alpha, lb, p.s / p.beta};
              const double du[4] = {-laT, -(p.r + x) / (p.alpha + T), -lbT, -p.s / (p.beta + T)};
              double dv[4] = {0, 0, 0, 0};
              if (wv > 0) {
                for (int k = 0; k < 4; ++k) dv[k] = (g1[k] - q * g2[k]) / (1.0 - q);
                dv[0] += -1.0 / a;
                dv[2] += 1.0 / p.s - 1.0 / a;
              }
              for (int k = 0; k < 4; ++k)
                acc[1 + k] += w * (dc[k] + wu * du[k] + (wv > 0 ? wv * dv[k] : 0.0));
            }
          }
        },
        grain);
    double total[5] = {0, 0, 0, 0, 0};
    for (const auto& a : part)
      for (int k = 0; k < 5; ++k) total[k] += a[k];
    if (grad)
      for (int k = 0; k < 4; ++k) grad[k] = total[1 + k];
    return total[0];
  }
};

}  // namespace detail

namespace detail {

/// Whether merging equal rows is worth a sort: fewer than 99 % distinct rows in an
/// evenly spaced sample of 65,536 (a sample shows about 2x merging of the whole as 94 %).
inline bool worth_compressing(const PatternRows& d) {
  const std::size_t m = std::min<std::size_t>(d.n, 65536);
  if (m < 2) return false;
  std::vector<std::array<double, 3>> s(m);
  for (std::size_t q = 0; q < m; ++q) {
    const std::size_t i = q * d.n / m;
    s[q] = {d.x[i], d.tx[i], d.T[i]};
  }
  std::sort(s.begin(), s.end());
  const std::size_t distinct =
      static_cast<std::size_t>(std::unique(s.begin(), s.end()) - s.begin());
  return static_cast<double>(distinct) < 0.99 * static_cast<double>(m);
}

inline FitResult fit_pareto_prepared(const PatternRows& d, const FitOptions& opt,
                                     const Eigen::VectorXd& start, const Eigen::MatrixXd& h0) {
  double n = 0.0;
  for (std::size_t i = 0; i < d.n; ++i) n += d.weight(i);
  const ParetoPrepared prepared(d);
  auto nll = [&](const Eigen::VectorXd& phi, Eigen::VectorXd* g) {
    const ParetoNbdParams p{std::exp(phi[0]), std::exp(phi[1]), std::exp(phi[2]),
                            std::exp(phi[3])};
    double gn[4];
    double ll;
    try {
      ll = prepared.log_likelihood(p, g ? gn : nullptr);
    } catch (const std::domain_error&) {
      return std::numeric_limits<double>::quiet_NaN();  // the line search backs off
    }
    if (g) {
      const double th[4] = {p.r, p.alpha, p.s, p.beta};
      for (int k = 0; k < 4; ++k) (*g)[k] = -gn[k] * th[k];
    }
    return -ll;
  };
  return fit_log_parametrised(nll, start, {"r", "alpha", "s", "beta"}, opt, n, h0);
}

}  // namespace detail

/// Maximum-likelihood Pareto/NBD on weighted rows (checked; equal rows merged first
/// when a sample shows that some are equal).
/// `start` (natural scale, r, alpha, s, beta) defaults to (1, mean T, 1, mean T).
/// Without a start, more than 100,000 rows are first fitted on an evenly spaced
/// subsample of about 50,000 rows (weights scaled to the same total), whose estimate
/// and covariance seed the full fit's start and BFGS's inverse Hessian: the full
/// data then need a few iterations instead of about 25. The optimum is the same
/// (the full fit stops on the same gradient test).
inline FitResult fit_pareto_nbd(const PatternRows& rows, const FitOptions& opt,
                                Eigen::VectorXd start = Eigen::VectorXd()) {
  detail::check_pareto_rows(rows);
  PatternTable table;
  PatternRows d = rows;
  if (detail::worth_compressing(rows)) {
    table = compress_patterns(rows);
    d = table.rows();
  }
  double n = 0.0, tbar = 0.0;
  for (std::size_t i = 0; i < d.n; ++i) {
    n += d.weight(i);
    tbar += d.weight(i) * d.T[i];
  }
  tbar /= n;
  Eigen::MatrixXd h0;
  if (start.size() == 0) {
    start.resize(4);
    start << 1.0, std::max(tbar, 1e-3), 1.0, std::max(tbar, 1e-3);
    const std::size_t sub_rows = 50000;
    if (d.n > 2 * sub_rows) {
      PatternTable sub;
      const std::size_t m = sub_rows;
      double ws = 0.0;
      for (std::size_t q = 0; q < m; ++q) {
        const std::size_t i = q * d.n / m;
        if (d.weight(i) == 0.0) continue;
        sub.x.push_back(d.x[i]);
        sub.tx.push_back(d.tx[i]);
        sub.T.push_back(d.T[i]);
        sub.w.push_back(d.weight(i));
        ws += d.weight(i);
      }
      for (double& w : sub.w) w *= n / ws;
      FitOptions so = opt;
      const FitResult rs = detail::fit_pareto_prepared(sub.rows(), so, start, Eigen::MatrixXd());
      if (rs.converged && rs.params.allFinite() && rs.covariance.allFinite()) {
        start = rs.params;
        const Eigen::VectorXd inv = rs.params.cwiseInverse();
        h0 = inv.asDiagonal() * rs.covariance * inv.asDiagonal();  // covariance of log theta
      }
    }
  }
  return detail::fit_pareto_prepared(d, opt, start, h0);
}

/// P(alive at T | x, t_x, T) (Fader & Hardie 2005 derivations note, section 4).
inline double pareto_nbd_prob_alive(const ParetoNbdParams& p, double x, double tx, double T) {
  const auto o = detail::pareto_row_terms(p, x, tx, T, false, false);
  if (o.v == -std::numeric_limits<double>::infinity()) return 1.0;
  return 1.0 / (1.0 + std::exp(o.v - o.u));
}

/// E[Y(t) | x, t_x, T]: expected purchases in (T, T + t] (SMC 1987; FH 2005 note):
///   (r+x)(beta+T) / ((alpha+T)(s-1)) [1 - ((beta+T)/(beta+T+t))^(s-1)] P(alive),
/// with the s = 1 limit (r+x)(beta+T)/(alpha+T) log((beta+T+t)/(beta+T)).
inline double pareto_nbd_conditional_expected(const ParetoNbdParams& p, double t, double x,
                                              double tx, double T) {
  if (t == 0.0) return 0.0;
  const double L = std::log((p.beta + T) / (p.beta + T + t));
  return (p.r + x) * (p.beta + T) / (p.alpha + T) * detail::one_minus_pow_over(p.s - 1.0, L) *
         pareto_nbd_prob_alive(p, x, tx, T);
}

/// P(alive) (t == nullptr) or E[Y(t_i) | x_i, t_x,i, T_i] of n checked customers at
/// one parameter vector, into out[0..n): the values of pareto_nbd_prob_alive and
/// pareto_nbd_conditional_expected up to rounding, with the 2F1 terms from series
/// coefficients computed once per distinct x (ParetoATerms), in parallel. Rows whose
/// x is above 1e6 use the scalar functions.
/// With `horizons` (m values ht, weights hw), out[i] is instead
/// sum_k hw[k] E[Y(ht[k]) | row i] (P(alive) computed once per row; t is ignored).
struct ParetoHorizons {
  const double* t = nullptr;
  const double* w = nullptr;
  std::size_t m = 0;
};

inline void pareto_nbd_score(const ParetoNbdParams& p, const double* t, const double* x,
                             const double* tx, const double* T, std::size_t n, double* out,
                             const ParetoHorizons& horizons = ParetoHorizons()) {
  constexpr double big = 1e6;
  double xmax = 0.0;
  for (std::size_t i = 0; i < n; ++i)
    if (x[i] <= big) xmax = std::max(xmax, x[i]);
  std::vector<std::int32_t> slot(static_cast<std::size_t>(xmax) + 1, -1);
  std::vector<double> xs;
  for (std::size_t i = 0; i < n; ++i)
    if (x[i] <= big) {
      std::int32_t& k = slot[static_cast<std::size_t>(x[i])];
      if (k < 0) {
        k = static_cast<std::int32_t>(xs.size());
        xs.push_back(x[i]);
      }
    }
  const detail::ParetoATerms terms(p, xs.data(), xs.size(), false);
  const double ls = std::log(p.s);
  // per distinct x: ln(r+s+x); for x = 0 (where t_x = 0 on every row) the t_x term
  std::vector<double> lgx(xs.size());
  for (std::size_t j = 0; j < xs.size(); ++j) lgx[j] = std::log(p.r + p.s + xs[j]);
  const std::int32_t j0 = slot.empty() ? -1 : slot[0];
  const double l1_zero =
      j0 < 0 ? 0.0
             : terms.log_a_value(static_cast<std::size_t>(j0), 0.0, 0.0,
                                 std::log(terms.pfaff() ? p.beta : p.alpha));
  const double pfaff_base = terms.pfaff() ? p.beta : p.alpha;
  sostac::parallel_for(
      n,
      [&](std::size_t b, std::size_t e) {
        for (std::size_t i = b; i < e; ++i) {
          if (horizons.m > 0) {
            if (!(x[i] <= big)) {
              double sum = 0.0;
              for (std::size_t k = 0; k < horizons.m; ++k)
                sum += horizons.w[k] *
                       pareto_nbd_conditional_expected(p, horizons.t[k], x[i], tx[i], T[i]);
              out[i] = sum;
              continue;
            }
          } else if (!(x[i] <= big)) {
            out[i] = t ? pareto_nbd_conditional_expected(p, t[i], x[i], tx[i], T[i])
                       : pareto_nbd_prob_alive(p, x[i], tx[i], T[i]);
            continue;
          }
          if (horizons.m == 0 && t && t[i] == 0.0) {
            out[i] = 0.0;
            continue;
          }
          const std::size_t j = static_cast<std::size_t>(slot[static_cast<std::size_t>(x[i])]);
          double alive = 1.0;
          if (tx[i] < T[i]) {
            const double laT = std::log(p.alpha + T[i]), lbT = std::log(p.beta + T[i]);
            const double l1 =
                x[i] == 0.0 && tx[i] == 0.0
                    ? l1_zero
                    : terms.log_a_value(j, x[i], tx[i], std::log(pfaff_base + tx[i]));
            const double l2 = terms.log_a_value(j, x[i], T[i], terms.pfaff() ? lbT : laT);
            const double q = std::exp(l2 - l1);
            if (q < 1.0) {
              const double u = -(p.r + x[i]) * laT - p.s * lbT;
              const double v = ls - lgx[j] + l1 + std::log1p(-q);
              alive = 1.0 / (1.0 + std::exp(v - u));
            }
          }
          if (horizons.m > 0) {
            double sum = 0.0;
            for (std::size_t k = 0; k < horizons.m; ++k) {
              const double tk = horizons.t[k];
              if (tk == 0.0) continue;
              const double L = std::log((p.beta + T[i]) / (p.beta + T[i] + tk));
              sum += horizons.w[k] * detail::one_minus_pow_over(p.s - 1.0, L);
            }
            out[i] = (p.r + x[i]) * (p.beta + T[i]) / (p.alpha + T[i]) * sum * alive;
            continue;
          }
          if (!t) {
            out[i] = alive;
            continue;
          }
          const double L = std::log((p.beta + T[i]) / (p.beta + T[i] + t[i]));
          out[i] = (p.r + x[i]) * (p.beta + T[i]) / (p.alpha + T[i]) *
                   detail::one_minus_pow_over(p.s - 1.0, L) * alive;
        }
      },
      4096);
}

/// E[X(t)] for a customer acquired at 0: r beta / (alpha (s-1)) [1 - (beta/(beta+t))^(s-1)].
inline double pareto_nbd_expected_new(const ParetoNbdParams& p, double t) {
  if (t == 0.0) return 0.0;
  const double L = std::log(p.beta / (p.beta + t));
  return p.r / p.alpha * p.beta * detail::one_minus_pow_over(p.s - 1.0, L);
}

/// P(X(t) = n) for a customer acquired at 0 (Fader & Hardie, "Deriving an Expression
/// for P(X(t) = x) Under the Pareto/NBD Model"):
///   G(r+n)/(G(r) n!) (alpha/(alpha+t))^r (t/(alpha+t))^n (beta/(beta+t))^s
///   + alpha^r beta^s B(r+n, s+1)/B(r, s) [B1 - sum_{i=0}^n G(r+s+i)/(G(r+s) i!) t^i B2_i],
///   B1 = F(r+s, s+1; r+s+n+1; (alpha-beta)/alpha) / alpha^(r+s),
///   B2_i = F(r+s+i, s+1; r+s+n+1; (alpha-beta)/(alpha+t)) / (alpha+t)^(r+s+i).
inline double pareto_nbd_prob_n(const ParetoNbdParams& p, double n, double t) {
  using boost::math::lgamma;
  const double r = p.r, al = p.alpha, s = p.s, be = p.beta;
  const double c = r + s + n + 1.0;
  if (t == 0.0) return n == 0.0 ? 1.0 : 0.0;
  const double first = std::exp(lgamma(r + n) - lgamma(r) - lgamma(n + 1.0) +
                                r * std::log(al / (al + t)) + n * std::log(t / (al + t)) +
                                s * std::log(be / (be + t)));
  const double lfac = r * std::log(al) + s * std::log(be) +
                      (lgamma(r + n) + lgamma(s + 1.0) - lgamma(r + n + s + 1.0)) -
                      (lgamma(r) + lgamma(s) - lgamma(r + s));
  const double lb1 =
      log_hyp2f1(r + s, s + 1.0, c, (al - be) / al).log_abs - (r + s) * std::log(al);
  // bracket = B1 - sum, computed relative to B1
  double sum = 0.0;
  const double z2 = (al - be) / (al + t);
  const double lat = std::log(al + t), lt = std::log(t);
  const double lg_rs = lgamma(r + s);
  for (double i = 0.0; i <= n; i += 1.0) {
    const double lterm = lgamma(r + s + i) - lg_rs - lgamma(i + 1.0) + i * lt +
                         log_hyp2f1(r + s + i, s + 1.0, c, z2).log_abs - (r + s + i) * lat;
    sum += std::exp(lterm - lb1);
  }
  const double bracket = std::max(0.0, 1.0 - sum);
  return first + std::exp(lfac + lb1) * bracket;
}

// =====================================================================================
// BG/BB
// =====================================================================================

/// BG/BB parameters: purchase probability p ~ Beta(alpha, beta), dropout probability
/// theta ~ Beta(gamma, delta).
struct BgBbParams {
  double alpha, beta, gamma, delta;
  static BgBbParams from(const std::array<double, 4>& p) { return {p[0], p[1], p[2], p[3]}; }
};

namespace detail {

inline double lbeta(double a, double b) {
  const fast_policy pol;
  return boost::math::lgamma(a, pol) + boost::math::lgamma(b, pol) - boost::math::lgamma(a + b, pol);
}

/// log L of one pattern and (grad != null) its gradient in (alpha, beta, gamma, delta).
/// `alive_term` (when not null) receives log of the first term, B(a+x, b+n-x)/B(a,b)
/// B(g, d+n)/B(g,d), which the predictions reuse.
inline double bgbb_row(const BgBbParams& p, double x, double tx, double n, double* grad,
                       double* alive_term = nullptr) {
  using boost::math::digamma;
  const double A = p.alpha, B = p.beta, G = p.gamma, D = p.delta;
  const double lab = lbeta(A, B), lgd = lbeta(G, D);
  // term 0: alive through n
  const double l0 = lbeta(A + x, B + n - x) - lab + lbeta(G, D + n) - lgd;
  if (alive_term) *alive_term = l0;
  const long m = static_cast<long>(n - tx);  // terms i = 0 .. m-1
  // term i+1 / term i = (B+t_x-x+i)/(A+B+t_x+i) * (D+t_x+i)/(G+D+1+t_x+i) (B(p, q+1) =
  // B(p, q) q/(p+q)): one log per term instead of six lgammas; streaming log-sum-exp.
  double li = m > 0 ? lbeta(A + x, B + tx - x) - lab + lbeta(G + 1.0, D + tx) - lgd : 0.0;
  double mx = l0, s = 1.0;
  std::vector<double> terms;
  if (grad) terms.reserve(static_cast<std::size_t>(std::max(m, 0L)));
  for (long i = 0; i < m; ++i) {
    const double di = static_cast<double>(i);
    if (i > 0)
      li += std::log((B + tx - x + di - 1.0) * (D + tx + di - 1.0) /
                     ((A + B + tx + di - 1.0) * (G + D + tx + di)));
    if (grad) terms.push_back(li);
    if (li > mx) {
      s = s * std::exp(mx - li) + 1.0;
      mx = li;
    } else {
      s += std::exp(li - mx);
    }
  }
  const double ll = mx + std::log(s);
  if (grad) {
    const double dAB = digamma(A + B) - digamma(A), dBA = digamma(A + B) - digamma(B);
    const double dGD = digamma(G + D) - digamma(G), dDG = digamma(G + D) - digamma(D);
    auto add = [&](double weight, double bp, double bq, double gp, double gq) {
      // d/dalpha lbeta(alpha + x, bq) = digamma(alpha + x) - digamma(alpha + x + bq)
      const double pa = digamma(bp) - digamma(bp + bq);
      const double pb = digamma(bq) - digamma(bp + bq);
      const double pg = digamma(gp) - digamma(gp + gq);
      const double pd = digamma(gq) - digamma(gp + gq);
      grad[0] += weight * (pa + dAB);
      grad[1] += weight * (pb + dBA);
      grad[2] += weight * (pg + dGD);
      grad[3] += weight * (pd + dDG);
    };
    grad[0] = grad[1] = grad[2] = grad[3] = 0.0;
    add(std::exp(l0 - ll), A + x, B + n - x, G, D + n);
    for (long i = 0; i < m; ++i) {
      const double di = static_cast<double>(i);
      add(std::exp(terms[static_cast<std::size_t>(i)] - ll), A + x, B + tx - x + di, G + 1.0,
          D + tx + di);
    }
  }
  return ll;
}

/// sum_{i=1}^{m} B(gamma, delta + n0 + i) / B(gamma, delta): expected opportunities
/// alive among n0+1 .. n0+m. Closed form by telescoping,
///   G(g+d)/G(d) [h(n0) - h(n0+m)] / (g-1), h(j) = G(d+j+1)/G(g+d+j),
/// and the direct sum when gamma is within 1e-3 of 1 (where the closed form cancels).
inline double bgbb_alive_sum(const BgBbParams& p, double n0, double m) {
  using boost::math::lgamma;
  const double G = p.gamma, D = p.delta;
  if (m <= 0) return 0.0;
  if (std::fabs(G - 1.0) < 1e-3 && m <= 1e7) {
    const double lgd = lbeta(G, D);
    double s = 0.0;
    for (double i = 1.0; i <= m; i += 1.0) s += std::exp(lbeta(G, D + n0 + i) - lgd);
    return s;
  }
  const double lh0 = lgamma(D + n0 + 1.0) - lgamma(G + D + n0);
  const double lh1 = lgamma(D + n0 + m + 1.0) - lgamma(G + D + n0 + m);
  return std::exp(lgamma(G + D) - lgamma(D) + lh0) * (-std::expm1(lh1 - lh0)) / (G - 1.0);
}

}  // namespace detail

inline double bgbb_row_log_likelihood(const BgBbParams& p, double x, double tx, double n) {
  return detail::bgbb_row(p, x, tx, n, nullptr);
}

inline double bgbb_log_likelihood(const BgBbParams& p, const PatternRows& d,
                                  double* grad = nullptr) {
  const std::size_t grain = 256;
  const std::size_t chunks = (d.n + grain - 1) / grain;
  std::vector<std::array<double, 5>> part(chunks, std::array<double, 5>{});
  sostac::parallel_for(
      d.n,
      [&](std::size_t b, std::size_t e) {
        double g[4];
        for (std::size_t i = b; i < e; ++i) {
          // one partial sum per chunk of `grain` rows, also when one thread gets them all
          auto& acc = part[i / grain];
          const double w = d.weight(i);
          if (w == 0.0) continue;
          acc[0] += w * detail::bgbb_row(p, d.x[i], d.tx[i], d.T[i], grad ? g : nullptr);
          if (grad)
            for (int k = 0; k < 4; ++k) acc[1 + k] += w * g[k];
        }
      },
      grain);
  double total[5] = {0, 0, 0, 0, 0};
  for (const auto& a : part)
    for (int k = 0; k < 5; ++k) total[k] += a[k];
  if (grad)
    for (int k = 0; k < 4; ++k) grad[k] = total[1 + k];
  return total[0];
}

/// Maximum-likelihood BG/BB on weighted (frequency, recency, n_periods) patterns.
inline FitResult fit_bgbb(const PatternRows& rows, const FitOptions& opt,
                          Eigen::VectorXd start = Eigen::VectorXd()) {
  detail::check_bgbb_rows(rows);
  const PatternTable table = compress_patterns(rows);
  const PatternRows d = table.rows();
  double n = 0.0;
  for (std::size_t i = 0; i < d.n; ++i) n += d.w[i];
  if (start.size() == 0) {
    start.resize(4);
    start << 1.0, 1.0, 1.0, 1.0;
  }
  auto nll = [&](const Eigen::VectorXd& phi, Eigen::VectorXd* g) {
    const BgBbParams p{std::exp(phi[0]), std::exp(phi[1]), std::exp(phi[2]), std::exp(phi[3])};
    double gn[4];
    const double ll = bgbb_log_likelihood(p, d, g ? gn : nullptr);
    if (g) {
      const double th[4] = {p.alpha, p.beta, p.gamma, p.delta};
      for (int k = 0; k < 4; ++k) (*g)[k] = -gn[k] * th[k];
    }
    return -ll;
  };
  return fit_log_parametrised(nll, start, {"alpha", "beta", "gamma", "delta"}, opt, n);
}

/// P(alive at opportunity n + m | x, t_x, n) (FHS 2010; m = 1 is "alive in the next
/// period", their Table 6):
///   B(a+x, b+n-x)/B(a,b) B(g, d+n+m)/B(g,d) / L.
inline double bgbb_prob_alive(const BgBbParams& p, double x, double tx, double n,
                              double m = 1.0) {
  double l0 = 0.0;
  const double ll = detail::bgbb_row(p, x, tx, n, nullptr, &l0);
  // B(g, d+n+m) / B(g, d+n) = prod_{j<m} (d+n+j) / (g+d+n+j)
  double l = l0;
  if (m <= 64) {
    for (double j = 0.0; j < m; j += 1.0) l += std::log((p.delta + n + j) / (p.gamma + p.delta + n + j));
  } else {
    l += detail::lbeta(p.gamma, p.delta + n + m) - detail::lbeta(p.gamma, p.delta + n);
  }
  return std::min(1.0, std::exp(l - ll));
}

/// E[X(n, n + n*) | x, t_x, n]: expected transactions in the next n* opportunities
/// (FHS 2010): B(a+x+1, b+n-x)/B(a,b) / L * sum_{i=1}^{n*} B(g, d+n+i)/B(g,d).
inline double bgbb_conditional_expected(const BgBbParams& p, double n_star, double x,
                                        double tx, double n) {
  if (n_star == 0.0) return 0.0;
  double l0 = 0.0;
  const double ll = detail::bgbb_row(p, x, tx, n, nullptr, &l0);
  // B(a+x+1, b+n-x) = B(a+x, b+n-x) (a+x)/(a+b+n); l0 also holds B(g, d+n)/B(g, d)
  const double l = l0 + std::log((p.alpha + x) / (p.alpha + p.beta + n)) -
                   (detail::lbeta(p.gamma, p.delta + n) - detail::lbeta(p.gamma, p.delta)) - ll;
  return std::exp(l) * detail::bgbb_alive_sum(p, n, n_star);
}

/// E[X(n)] for a new customer: alpha/(alpha+beta) * sum_{i=1}^{n} B(g, d+i)/B(g,d)
/// = alpha/(alpha+beta) d/(g-1) [1 - G(g+d) G(1+d+n) / (G(g+d+n) G(1+d))] (FHS 2010).
inline double bgbb_expected_new(const BgBbParams& p, double n) {
  return p.alpha / (p.alpha + p.beta) * detail::bgbb_alive_sum(p, 0.0, n);
}

/// P(X(n) = x) for a new customer (FHS 2010):
///   C(n,x) B(a+x, b+n-x)/B(a,b) B(g, d+n)/B(g,d)
///   + sum_{i=x}^{n-1} C(i,x) B(a+x, b+i-x)/B(a,b) B(g+1, d+i)/B(g,d).
inline double bgbb_prob_n(const BgBbParams& p, double x, double n) {
  using boost::math::lgamma;
  using detail::lbeta;
  if (x > n) return 0.0;
  auto lchoose = [](double a, double b) {
    return lgamma(a + 1.0) - lgamma(b + 1.0) - lgamma(a - b + 1.0);
  };
  const double lab = lbeta(p.alpha, p.beta), lgd = lbeta(p.gamma, p.delta);
  double s = std::exp(lchoose(n, x) + lbeta(p.alpha + x, p.beta + n - x) - lab +
                      lbeta(p.gamma, p.delta + n) - lgd);
  for (double i = x; i <= n - 1.0; i += 1.0)
    s += std::exp(lchoose(i, x) + lbeta(p.alpha + x, p.beta + i - x) - lab +
                  lbeta(p.gamma + 1.0, p.delta + i) - lgd);
  return s;
}

}  // namespace sostac::customer
