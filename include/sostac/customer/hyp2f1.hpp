#pragma once
/// The Gauss hypergeometric function 2F1(a, b; c; z) for real arguments and z < 1, in
/// log space, with the partial derivatives of log|2F1| in a, b, c and z.
///
/// Method (Abramowitz & Stegun 15.1.1, 15.3.5, 15.3.6):
/// - 0 <= z <= 0.8: the Gauss series, summed until the geometric tail bound
///   |t_k| rho / (1 - rho) (rho a bound on every later term ratio) is below 1e-17
///   of the sum. The parameter derivatives come
///   from the same pass: d t_k / d a = t_k * sum_{j<k} 1 / (a + j), and so on.
/// - z < 0: Pfaff, 2F1(a, b; c; z) = (1 - z)^(-a) 2F1(a, c - b; c; z / (z - 1)),
///   which maps z onto (0, 1).
/// - 0.8 < z < 1: the 1 - z transformation (15.3.6), when c - a - b is at least
///   1e-3 away from an integer and its two terms cancel by at most a factor 10
///   (measured: with large a and b > 1 they can cancel badly). Derivatives in this
///   branch are exact (digammas of the gamma ratios and the series' partials), except
///   when c - a or c - b is a non-positive integer (central differences, step 1e-5).
///   Otherwise the Gauss series, after Euler's transformation (15.3.3) when
///   c - a - b < 0, with exact derivatives, summed up to 2e6 terms (enough for z up
///   to about 1 - 2e-5); z > 1 - 4e-7 is refused at once. Beyond either limit
///   std::domain_error, which the model fits treat as an infeasible point.
/// - a or b a non-positive integer: the terminating series (d_a or d_b is then NaN:
///   the derivative in the vanishing parameter is not computed).
/// - z = 1: Gauss's theorem when c - a - b > 0.
/// Pareto/NBD (Fader, Hardie & Lee 2005 note) needs 2F1(a, b; a + 1; z) with z in
/// [0, 1) and BG/NBD's E[X(t)] needs 2F1(r, b; a + b - 1; t / (alpha + t)).

#include <boost/math/special_functions/digamma.hpp>
#include <boost/math/special_functions/gamma.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace sostac::customer {

/// log|2F1(a, b; c; z)|, its sign, and the partial derivatives of log|2F1|.
struct hyp2f1_result {
  double log_abs = 0.0;
  int sign = 1;
  double d_a = 0.0, d_b = 0.0, d_c = 0.0, d_z = 0.0;
  long terms = 0;  ///< series terms summed (all branches together)
  double cancellation = 1.0;  ///< max |term| / |sum| of the 1 - z transform (1 elsewhere)
  double value() const { return sign * std::exp(log_abs); }
};

namespace detail {

/// Boost.Math without promotion to long double (several times faster; double accuracy
/// is all the models need).
using fast_policy =
    boost::math::policies::policy<boost::math::policies::promote_double<false>>;

inline bool is_nonpositive_integer(double x) noexcept {
  return x <= 0.0 && x == std::floor(x);
}

[[noreturn]] inline void hyp2f1_fail(double a, double b, double c, double z,
                                     const char* why) {
  std::ostringstream os;
  os.precision(17);
  os << "hyp2f1(a=" << a << ", b=" << b << ", c=" << c << ", z=" << z << "): " << why;
  throw std::domain_error(os.str());
}

/// The Gauss series with derivatives; sums in doubles with a common scale so that a
/// large intermediate term does not overflow.
inline hyp2f1_result hyp2f1_series(double a, double b, double c, double z,
                                   bool derivatives, long max_terms) {
  hyp2f1_result out;
  double t = 1.0, s = 1.0;              // term and sum (scaled by exp(-shift))
  double sa = 0.0, sb = 0.0, sc = 0.0, sz = 0.0;  // sums of d t_k
  double ha = 0.0, hb = 0.0, hc = 0.0;  // sum_{j<k} 1/(a+j), 1/(b+j), 1/(c+j)
  double shift = 0.0;
  const double eps = 1e-17;
  long k = 0;
  for (;; ++k) {
    if (k >= max_terms)
      hyp2f1_fail(a, b, c, z, ("series did not converge in " + std::to_string(max_terms) + " terms").c_str());
    const double kd = static_cast<double>(k);
    const double pa = a + kd, pb = b + kd, pc = c + kd, pk = kd + 1.0;
    double ratio;
    if (derivatives && pa * pb != 0.0) {
      // one division for the ratio and the three reciprocals (divisions dominate)
      const double inv = 1.0 / (pa * pb * pc * pk);
      ha += pb * pc * pk * inv;
      hb += pa * pc * pk * inv;
      hc += pa * pb * pk * inv;
      ratio = pa * pb * (pa * pb * inv) * z;
    } else {
      ratio = pa * pb / (pc * pk) * z;
    }
    t *= ratio;
    if (t == 0.0) {  // a or b a non-positive integer: a polynomial
      if (derivatives) {
        if (a + kd == 0.0) sa = std::numeric_limits<double>::quiet_NaN();
        if (b + kd == 0.0) sb = std::numeric_limits<double>::quiet_NaN();
      }
      break;
    }
    if (std::fabs(t) > 1e250) {  // rescale everything
      const double f = 1e-250;
      t *= f;
      s *= f;
      sa *= f;
      sb *= f;
      sc *= f;
      sz *= f;
      shift += std::log(1e250);
    }
    s += t;
    if (derivatives) {
      sa += t * ha;
      sb += t * hb;
      sc -= t * hc;
      sz += t * (kd + 1.0);
    }
    const double k1 = kd + 1.0;  // index of the term just added
    if (a + k1 > 0.0 && b + k1 > 0.0 && c + k1 > 0.0) {
      // For j >= k1 each factor (p + j) / (q + j) is at most max(1, (p + k1) / (q + k1)),
      // so |t_{j+1} / t_j| <= rho for both pairings of the numerator and denominator.
      const double f1 = std::max(1.0, (a + k1) / (c + k1)) * std::max(1.0, (b + k1) / (1.0 + k1));
      const double f2 = std::max(1.0, (a + k1) / (1.0 + k1)) * std::max(1.0, (b + k1) / (c + k1));
      const double rho = std::fabs(z) * std::min(f1, f2);
      if (rho < 1.0) {
        const double tail = std::fabs(t) * rho / (1.0 - rho);
        const double dscale =
            derivatives ? (1.0 + std::fabs(ha) + std::fabs(hb) + std::fabs(hc) + kd) : 1.0;
        if (tail * dscale <= eps * std::fabs(s)) break;
      }
    }
  }
  out.terms = k + 1;
  if (!(std::isfinite(s)) || s == 0.0)
    hyp2f1_fail(a, b, c, z, "series sum is zero or not finite");
  out.sign = s < 0 ? -1 : 1;
  out.log_abs = std::log(std::fabs(s)) + shift;
  if (derivatives) {
    out.d_a = sa / s;
    out.d_b = sb / s;
    out.d_c = sc / s;
    out.d_z = z != 0.0 ? sz / (s * z) : a * b / c;
  }
  return out;
}

/// log|Gamma(x)| and its sign, thread-safe (std::lgamma's signgam is not).
inline double lgamma_sign(double x, int& sign) {
  int sg = 1;
  const double v = boost::math::lgamma(x, &sg, fast_policy());
  sign *= sg;
  return v;
}

/// The 1 - z transformation, value only (A&S 15.3.6).
inline hyp2f1_result hyp2f1_one_minus_z(double a, double b, double c, double z,
                                        bool derivatives = false) {
  const double d = c - a - b;
  const double w = 1.0 - z;
  // term 1: G(c) G(d) / (G(c-a) G(c-b)) 2F1(a, b; 1 - d; w); zero when c-a or c-b is a pole
  const bool zero1 = is_nonpositive_integer(c - a) || is_nonpositive_integer(c - b);
  // term 2: w^d G(c) G(-d) / (G(a) G(b)) 2F1(c - a, c - b; 1 + d; w)
  const bool zero2 = is_nonpositive_integer(a) || is_nonpositive_integer(b);
  int s1 = 1, s2 = 1, tmp = 1;
  double l1 = 0.0, l2 = 0.0;
  if (!zero1) {
    l1 = lgamma_sign(c, s1) + lgamma_sign(d, s1);
    l1 -= lgamma_sign(c - a, tmp) + lgamma_sign(c - b, tmp);
    s1 *= tmp;
  }
  if (!zero2) {
    tmp = 1;
    l2 = d * std::log(w) + lgamma_sign(c, s2) + lgamma_sign(-d, s2);
    l2 -= lgamma_sign(a, tmp) + lgamma_sign(b, tmp);
    s2 *= tmp;
  }
  long terms = 0;
  double v1 = 0.0, v2 = 0.0;
  int g1 = 1, g2 = 1;
  // Partials of log|term 1| and log|term 2| in (a, b, c, z): digammas of the gamma
  // ratios plus the chain rule through the series' own parameters (c' = 1 - d for
  // term 1, 1 + d for term 2; both series are in w = 1 - z).
  double p1[4] = {0, 0, 0, 0}, p2[4] = {0, 0, 0, 0};
  if (!zero1) {
    const auto f = hyp2f1_series(a, b, 1.0 - d, w, derivatives, 100000);
    l1 += f.log_abs;
    g1 = s1 * f.sign;
    terms += f.terms;
    if (derivatives) {
      using boost::math::digamma;
      const double pd = digamma(d), pca = digamma(c - a), pcb = digamma(c - b);
      p1[0] = -pd + pca + f.d_a + f.d_c;
      p1[1] = -pd + pcb + f.d_b + f.d_c;
      p1[2] = digamma(c) + pd - pca - pcb - f.d_c;
      p1[3] = -f.d_z;
    }
  }
  if (!zero2) {
    const auto f = hyp2f1_series(c - a, c - b, 1.0 + d, w, derivatives, 100000);
    l2 += f.log_abs;
    g2 = s2 * f.sign;
    terms += f.terms;
    if (derivatives) {
      using boost::math::digamma;
      const double lw = std::log(w), pmd = digamma(-d);
      p2[0] = -lw + pmd - digamma(a) - f.d_a - f.d_c;
      p2[1] = -lw + pmd - digamma(b) - f.d_b - f.d_c;
      p2[2] = lw + digamma(c) - pmd + f.d_a + f.d_b + f.d_c;
      p2[3] = -d / w - f.d_z;
    }
  }
  hyp2f1_result out;
  double m = 0.0;
  if (zero1 && zero2) hyp2f1_fail(a, b, c, z, "both terms of the 1-z transform vanish");
  if (zero1) m = l2;
  else if (zero2) m = l1;
  else m = std::max(l1, l2);
  if (!zero1) v1 = g1 * std::exp(l1 - m);
  if (!zero2) v2 = g2 * std::exp(l2 - m);
  const double sum = v1 + v2;
  if (!(sum != 0.0) || !std::isfinite(sum))
    hyp2f1_fail(a, b, c, z, "1-z transform cancelled to zero");
  out.sign = sum < 0 ? -1 : 1;
  out.log_abs = m + std::log(std::fabs(sum));
  out.terms = terms;
  out.cancellation = std::max(std::fabs(v1), std::fabs(v2)) / std::fabs(sum);
  if (derivatives) {
    out.d_a = (v1 * p1[0] + v2 * p2[0]) / sum;
    out.d_b = (v1 * p1[1] + v2 * p2[1]) / sum;
    out.d_c = (v1 * p1[2] + v2 * p2[2]) / sum;
    out.d_z = (v1 * p1[3] + v2 * p2[3]) / sum;
  }
  return out;
}

inline hyp2f1_result hyp2f1_positive(double a, double b, double c, double z,
                                     bool derivatives, long max_terms = 2000000L);

inline hyp2f1_result hyp2f1_positive(double a, double b, double c, double z,
                                     bool derivatives, long max_terms) {
  const bool polynomial = is_nonpositive_integer(a) || is_nonpositive_integer(b);
  const double d = c - a - b;
  const bool near_integer = std::fabs(d - std::nearbyint(d)) < 1e-3;
  if (z <= 0.8 || polynomial) return hyp2f1_series(a, b, c, z, derivatives, max_terms);
  if (!near_integer) {
    const bool vanishing = is_nonpositive_integer(c - a) || is_nonpositive_integer(c - b);
    hyp2f1_result out = hyp2f1_one_minus_z(a, b, c, z, derivatives && !vanishing);
    // accept the transform only when its two terms lose at most one digit
    if (out.cancellation <= 10.0) {
      if (!derivatives || !vanishing) return out;
      // A vanishing term (1/G(c-a) or 1/G(c-b) at a pole) still has a derivative:
      // central differences of the same branch.
      auto central = [&](double& x) {
        const double x0 = x;
        const double h = 1e-5;  // well inside the 1e-3 distance of c - a - b from an integer
        x = x0 + h;
        const double up = hyp2f1_one_minus_z(a, b, c, z).log_abs;
        x = x0 - h;
        const double dn = hyp2f1_one_minus_z(a, b, c, z).log_abs;
        x = x0;
        return (up - dn) / (2.0 * h);
      };
      out.d_a = central(a);
      out.d_b = central(b);
      out.d_c = central(c);
      // d/dz log F = (a b / c) F(a+1, b+1; c+1; z) / F(a, b; c; z)
      const auto up = hyp2f1_positive(a + 1.0, b + 1.0, c + 1.0, z, false);
      out.d_z = a * b / c * up.sign * out.sign * std::exp(up.log_abs - out.log_abs);
      return out;
    }
  }
  // The Gauss series itself, slow near z = 1 but free of cancellation when its terms
  // are positive. When c - a - b < 0, Euler's transformation (A&S 15.3.3)
  // F(a, b; c; z) = (1 - z)^(c-a-b) F(c - a, c - b; c; z) takes the divergence at
  // z = 1 out of the series (its terms decay like k^(c-a-b-1) z^k, not k^(a+b-c-1) z^k).
  if (z > 1.0 - 4e-7)
    hyp2f1_fail(a, b, c, z, "z too close to 1 for the series (and the 1 - z transform "
                            "cancels or c - a - b is near an integer)");
  if (d < 0.0 && !is_nonpositive_integer(c - a) && !is_nonpositive_integer(c - b)) {
    const double l1z = std::log1p(-z);
    const auto g = hyp2f1_series(c - a, c - b, c, z, derivatives, max_terms);
    hyp2f1_result out = g;
    out.log_abs = d * l1z + g.log_abs;
    if (derivatives) {
      out.d_a = -l1z - g.d_a;
      out.d_b = -l1z - g.d_b;
      out.d_c = l1z + g.d_a + g.d_b + g.d_c;
      out.d_z = -d / (1.0 - z) + g.d_z;
    }
    return out;
  }
  return hyp2f1_series(a, b, c, z, derivatives, max_terms);
}

}  // namespace detail

/// log|2F1(a, b; c; z)| with sign and (when `derivatives`) the partial derivatives of
/// log|2F1| in a, b, c, z. Real arguments, z <= 1 (z = 1 needs c - a - b > 0); c
/// must not be a non-positive integer. Throws std::domain_error outside the domain.
/// `max_terms` caps any series (a model fit passes a lower cap so that an
/// optimiser wandering towards a boundary fails fast instead of summing for seconds).
inline hyp2f1_result log_hyp2f1(double a, double b, double c, double z,
                                bool derivatives = false, long max_terms = 2000000L) {
  using detail::hyp2f1_fail;
  if (!std::isfinite(a) || !std::isfinite(b) || !std::isfinite(c) || std::isnan(z))
    hyp2f1_fail(a, b, c, z, "arguments must be finite");
  if (detail::is_nonpositive_integer(c)) hyp2f1_fail(a, b, c, z, "c is a pole");
  if (z > 1.0) hyp2f1_fail(a, b, c, z, "z > 1 (the result is complex)");
  if (z == -std::numeric_limits<double>::infinity())
    hyp2f1_fail(a, b, c, z, "z = -inf");
  if (z == 1.0) {
    const double d = c - a - b;
    if (!(d > 0.0)) hyp2f1_fail(a, b, c, z, "z = 1 needs c - a - b > 0 (diverges)");
    hyp2f1_result out;
    int sg = 1;
    out.log_abs = detail::lgamma_sign(c, sg) + detail::lgamma_sign(d, sg);
    int s2 = 1;
    out.log_abs -= detail::lgamma_sign(c - a, s2) + detail::lgamma_sign(c - b, s2);
    out.sign = sg * s2;
    if (derivatives) {
      using boost::math::digamma;
      out.d_a = -digamma(d) + digamma(c - a);
      out.d_b = -digamma(d) + digamma(c - b);
      out.d_c = digamma(c) + digamma(d) - digamma(c - a) - digamma(c - b);
      out.d_z = std::numeric_limits<double>::quiet_NaN();  // not finite in general
    }
    return out;
  }
  if (z >= 0.0) return detail::hyp2f1_positive(a, b, c, z, derivatives, max_terms);
  if (z >= -0.5 && !derivatives) {
    // short alternating series: no transformation needed
    return detail::hyp2f1_series(a, b, c, z, false, max_terms);
  }
  // Pfaff (A&S 15.3.5): F(a, b; c; z) = (1 - z)^(-a) F(a, c - b; c; w), w = z / (z - 1)
  const double w = z / (z - 1.0);
  const double l1z = std::log1p(-z);
  hyp2f1_result g = detail::hyp2f1_positive(a, c - b, c, w, derivatives, max_terms);
  hyp2f1_result out = g;
  out.log_abs = -a * l1z + g.log_abs;
  if (derivatives) {
    out.d_a = -l1z + g.d_a;
    out.d_b = -g.d_b;
    out.d_c = g.d_b + g.d_c;
    out.d_z = a / (1.0 - z) - g.d_z / ((1.0 - z) * (1.0 - z));
  }
  return out;
}

namespace detail {

/// The Gauss series of 2F1(a, b; c; z) at one (a, b, c) with a, b, c > 0, for many z
/// in [0, zmax] (zmax <= 0.8): the coefficients e_k = (a)_k (b)_k / ((c)_k k!) and the
/// tail factors of hyp2f1_series are computed once, so each z costs a polynomial
/// evaluation (four interleaved partial sums, no division). It stops by the same tail
/// bound as hyp2f1_series (checked every four terms, so it may add up to three more
/// terms below 1e-17 of the sum), so log_value(z) equals log_hyp2f1(a, b, c, z).log_abs
/// to rounding (tests/cpp/test_customer_models.cpp). BG/NBD's and MBG/NBD's E[Y(t)]
/// use one table per distinct frequency.
class GaussSeriesTable {
 public:
  GaussSeriesTable() = default;

  /// ok() is false when the parameters are not all positive, zmax is outside
  /// [0, 0.8], or more than `max_terms` terms (or an overflowing one) would be needed.
  GaussSeriesTable(double a, double b, double c, double zmax, std::size_t max_terms = 20000) {
    if (!(a > 0 && b > 0 && c > 0 && zmax >= 0 && zmax <= 0.8)) return;
    const double eps = 1e-17;
    double e = 1.0, zk = 1.0;
    for (std::size_t k = 0;; ++k) {
      const double kd = static_cast<double>(k);
      if (k > 0) {
        e *= (a + kd - 1.0) * (b + kd - 1.0) / ((c + kd - 1.0) * kd);
        zk *= zmax;
      }
      if (!(e < 1e250)) return;
      c_.push_back(e);
      // ratios t_{j+1} / t_j for j >= k are at most z f_k (hyp2f1_series's bound)
      const double f1 = std::max(1.0, (a + kd) / (c + kd)) * std::max(1.0, (b + kd) / (1.0 + kd));
      const double f2 = std::max(1.0, (a + kd) / (1.0 + kd)) * std::max(1.0, (b + kd) / (c + kd));
      f_.push_back(std::min(f1, f2));
      const double rho = zmax * f_.back();
      // the sum is >= 1: stop when the tail at zmax is below eps (then for every z <= zmax)
      if (k > 0 && rho < 1.0 && e * zk * rho <= eps * (1.0 - rho)) break;
      if (k >= max_terms) {
        c_.clear();
        f_.clear();
        return;
      }
    }
    // pad to a multiple of four with zero terms (their tail factor is that of the last)
    while (c_.size() % 4 != 0) {
      c_.push_back(0.0);
      f_.push_back(f_.back());
    }
    ok_ = true;
  }

  bool ok() const { return ok_; }

  /// log 2F1(a, b; c; z) for 0 <= z <= zmax; NaN if the table ran out first (the
  /// caller falls back to log_hyp2f1).
  double log_value(double z) const {
    if (z == 0.0) return 0.0;
    const std::size_t K = c_.size();
    const double eps = 1e-17;
    const double z2 = z * z, z4 = z2 * z2;
    double p0 = 1.0, p1 = z, p2 = z2, p3 = z2 * z;
    double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
    const double* c = c_.data();
    for (std::size_t k = 0; k < K; k += 4) {
      const double t3 = c[k + 3] * p3;
      s0 += c[k] * p0;
      s1 += c[k + 1] * p1;
      s2 += c[k + 2] * p2;
      s3 += t3;
      p0 *= z4;
      p1 *= z4;
      p2 *= z4;
      p3 *= z4;
      // the tail after term k + 3 (hyp2f1_series's test, every fourth term)
      const double rho = z * f_[k + 3];
      if (rho < 1.0 && t3 * rho <= eps * ((s0 + s1) + (s2 + s3)) * (1.0 - rho))
        return std::log((s0 + s1) + (s2 + s3));
    }
    return std::numeric_limits<double>::quiet_NaN();
  }

 private:
  bool ok_ = false;
  std::vector<double> c_, f_;
};

}  // namespace detail

/// 2F1(a, b; c; z) as a number (see log_hyp2f1 for the method and domain).
inline double hyp2f1(double a, double b, double c, double z) {
  return log_hyp2f1(a, b, c, z, false).value();
}

}  // namespace sostac::customer
