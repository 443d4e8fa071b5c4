// sostac/customer/pareto_series.hpp: the Pareto/NBD 2F1 terms with precomputed
// series coefficients (pareto part).
#pragma once
/// Every 2F1 of the Pareto/NBD likelihood is 2F1(a, b; a + 1; z) with a = r + s + x
/// and, after log_hyp2f1's Pfaff step when alpha < beta, b = s + 1 (alpha >= beta) or
/// b = r + x (alpha < beta), z in [0, 1). Its Gauss series is
///   sum_k e_k z^k,  e_k = a (b)_k / ((a + k) k!),
/// whose coefficients depend on (a, b) only, that is on x only for one parameter
/// vector. AA1Series stores them (and those of the derivatives in a, with c = a + 1
/// moving along, in b and in z) once per distinct x, so each customer's term is a
/// dot product with the powers of z: no division per term, where the general series
/// needs one. The sum stops with the same kind of tail bound as the general series
/// (hyp2f1.hpp; value-only tables test it every fourth term, in four interleaved
/// partial sums), so the values agree with log_hyp2f1 to rounding (checked in
/// tests/cpp/test_customer_pareto.cpp). z above 0.8 (and any (a, b) whose table
/// would need more than 20,000 terms) falls back to log_hyp2f1.

#include <sostac/customer/hyp2f1.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <vector>

namespace sostac::customer::detail {

/// The coefficients of 2F1(a, b; a + 1; z) for 0 <= z <= zmax.
class AA1Series {
 public:
  AA1Series() = default;

  /// a, b > 0; zmax in [0, 0.8]. `derivatives` also stores the derivative
  /// coefficients. ok() is false when the table would be too long or overflow.
  AA1Series(double a, double b, double zmax, bool derivatives)
      : a_(a), b_(b), der_(derivatives) {
    double e = 1.0, h = 0.0;  // e_k and H_k = sum_{j<k} 1/(b+j)
    const double eps = 1e-17;
    for (std::size_t k = 0;; ++k) {
      const double kd = static_cast<double>(k);
      if (k > 0) {
        e *= (a + kd - 1.0) * (b + kd - 1.0) / ((a + kd) * kd);
        h += 1.0 / (b + kd - 1.0);
      }
      if (!(e < 1e250)) return;  // ok_ stays false
      c_.push_back(e);
      if (der_) {
        c_.push_back(e * kd / (a * (a + kd)));
        c_.push_back(e * h);
        c_.push_back(e * kd);
      }
      // later term ratios (a+j)(b+j) / ((a+1+j)(j+1)) z, j >= k, are at most z f_k
      const double f1 = std::max(1.0, (b + kd) / (1.0 + kd));
      const double f2 = std::max(1.0, (a + kd) / (1.0 + kd)) * std::max(1.0, (b + kd) / (a + 1.0 + kd));
      const double f = std::min(f1, f2);
      const double ds = der_ ? 1.0 + 1.0 / a + h + kd : 1.0;  // bounds the derivative sums' tails
      f_.push_back(f);
      ds_.push_back(ds);
      // the sum is >= 1 (e_0 = 1, all terms positive): stop when the tail at zmax is
      // below eps for every z <= zmax
      const double rho = zmax * f;
      if (rho < 1.0 && e * std::pow(zmax, kd) * rho * ds <= eps * (1.0 - rho)) break;
      if (k >= 20000) {
        c_.clear();
        return;
      }
    }
    if (!der_)  // pad for log_value's blocks of four (zero terms; tail factor of the last)
      while (c_.size() % 4 != 0) {
        c_.push_back(0.0);
        f_.push_back(f_.back());
        ds_.push_back(ds_.back());
      }
    ok_ = true;
  }

  bool ok() const { return ok_; }

  /// log 2F1(a, b; a + 1; z) for 0 <= z <= zmax; with `d` (derivatives tables only)
  /// d[0] = d/da (c = a + 1 moving along), d[1] = d/db, d[2] = d/dz of log 2F1.
  /// Returns NaN if the table ran out (the caller falls back).
  double log_value(double z, double* d) const {
    const std::size_t K = f_.size();
    const double eps = 1e-17;
    double s = 1.0, zk = 1.0;
    if (d) {
      // Odd and even terms in two sets of partial sums (powers step by z^2: two
      // independent chains), the tail test after each even term.
      const double* c = c_.data();
      const double z2 = z * z;
      double po = z, pe = z2;
      double so = 0.0, sao = 0.0, sbo = 0.0, szo = 0.0;
      double se = 1.0, sae = 0.0, sbe = 0.0, sze = 0.0;  // term 0 is 1 (its derivatives 0)
      bool done = false;
      std::size_t k = 1;
      for (; k + 1 < K; k += 2) {
        const double* co = c + 4 * k;
        const double* ce = co + 4;
        const double te = ce[0] * pe;
        so += co[0] * po;
        sao += co[1] * po;
        sbo += co[2] * po;
        szo += co[3] * po;
        se += te;
        sae += ce[1] * pe;
        sbe += ce[2] * pe;
        sze += ce[3] * pe;
        po *= z2;
        pe *= z2;
        const double rho = z * f_[k + 1];
        if (rho < 1.0 && te * rho * ds_[k + 1] <= eps * (so + se) * (1.0 - rho)) {
          done = true;
          break;
        }
      }
      if (!done && k < K) {  // an odd last term
        const double* co = c + 4 * k;
        const double to = co[0] * po;
        so += to;
        sao += co[1] * po;
        sbo += co[2] * po;
        szo += co[3] * po;
        const double rho = z * f_[k];
        done = rho < 1.0 && to * rho * ds_[k] <= eps * (so + se) * (1.0 - rho);
      }
      if (!done && K > 1 && z != 0.0) return std::numeric_limits<double>::quiet_NaN();
      s = so + se;
      d[0] = (sao + sae) / s;
      d[1] = (sbo + sbe) / s;
      d[2] = z != 0.0 ? (szo + sze) / (s * z) : a_ * b_ / (a_ + 1.0);
      return std::log(s);
    }
    if (!der_) {
      // Value tables: four interleaved partial sums (independent multiply-adds instead
      // of one chain), the tail test every fourth term.
      if (z == 0.0) return 0.0;
      const double z2 = z * z, z4 = z2 * z2;
      double p0 = 1.0, p1 = z, p2 = z2, p3 = z2 * z;
      double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
      const double* c = c_.data();
      for (std::size_t j = 0; j < K; j += 4) {
        const double t3 = c[j + 3] * p3;
        s0 += c[j] * p0;
        s1 += c[j + 1] * p1;
        s2 += c[j + 2] * p2;
        s3 += t3;
        p0 *= z4;
        p1 *= z4;
        p2 *= z4;
        p3 *= z4;
        const double rho = z * f_[j + 3];
        if (rho < 1.0 && t3 * rho <= eps * ((s0 + s1) + (s2 + s3)) * (1.0 - rho))
          return std::log((s0 + s1) + (s2 + s3));
      }
      return std::numeric_limits<double>::quiet_NaN();
    }
    std::size_t k = 1;
    const std::size_t stride = 4;
    for (; k < K; ++k) {
      zk *= z;
      const double t = c_[stride * k] * zk;
      s += t;
      const double rho = z * f_[k];
      if (rho < 1.0 && t * rho <= eps * s * (1.0 - rho)) break;
    }
    if (k >= K && K > 1 && z != 0.0) return std::numeric_limits<double>::quiet_NaN();
    return std::log(s);
  }

 private:
  double a_ = 0, b_ = 0;
  bool der_ = false, ok_ = false;
  std::vector<double> c_, f_, ds_;
};

}  // namespace sostac::customer::detail
