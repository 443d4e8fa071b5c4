// sostac/budget/transforms.hpp: carry-over (adstock) and saturation of media spend.
#pragma once
/// The transformations a marketing-mix model applies to each channel's spend before
/// the regression (docs/budget.md, "Carry-over and saturation"). Every adstock is a
/// convolution y[t] = sum_{k=0}^{min(t, L-1)} w[k] x[t-k] with a kernel w of L lags;
/// the kernels follow their sources exactly:
/// - geometric, infinite (Robyn's adstock_geometric): y[t] = x[t] + theta * y[t-1];
///   with a maximum lag (PyMC-Marketing's geometric_adstock): w[k] = theta^k, k < L;
/// - delayed (PyMC-Marketing's delayed_adstock; Jin et al. 2017, eq. 2):
///   w[k] = theta^((k - peak)^2), k < L;
/// - Weibull CDF and PDF (Robyn's adstock_weibull, version 3.10): with
///   s = round(quantile(1:L, scale)) (R's type-7 quantile, round half to even),
///   CDF: w[0] = 1, w[k] = prod_{j=1..k} (1 - pweibull(j; shape, s));
///   PDF: w = min-max normalised dweibull(1..L; shape, s) ((1, 0, ..., 0) when flat);
///   shape = 0 or scale = 0 leaves x unchanged, as Robyn does.
/// Optionally the kernel is normalised to sum to 1 (the carried-over total equals the
/// spend). Saturation curves, per element:
/// - hill: x^shape / (x^shape + half^shape) (Hill 1910; half = the half-saturation
///   spend); Robyn's saturation_hill takes half = (1 - gamma) min(x) + gamma max(x);
/// - logistic (PyMC-Marketing's logistic_saturation): (1 - e^{-lam x}) / (1 + e^{-lam x}).
/// Arrays are time x channels, row-major (x[t * channels + c]); parameters are per
/// channel.

#include <sostac/core/error.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string>
#include <vector>

namespace sostac::budget {

enum class adstock_kind { geometric, delayed, weibull_cdf, weibull_pdf };
enum class saturation_kind { hill, logistic };

namespace detail {

inline std::string channel_arg(const char* name, std::size_t c) {
  return std::string(name) + "[" + std::to_string(c) + "]";
}

/// R's quantile(1:n, p) (type 7) and round(., 0): the Weibull scale in lags.
inline double robyn_scale(std::size_t n, double p) {
  const double index = 1.0 + static_cast<double>(n - 1) * p;
  const double lo = std::floor(index), hi = std::ceil(index);
  double q = lo;  // x[lo] of x = 1..n
  if (index > lo && hi != q) {
    const double h = index - lo;
    q = (1 - h) * q + h * hi;
  }
  return std::nearbyint(q);  // the default rounding mode: half to even, as R's round()
}

}  // namespace detail

/// The kernel w[0..max_lag) of one channel. theta: the geometric or delayed decay in
/// [0, 1); peak: the delayed adstock's peak lag (>= 0); shape, scale: Weibull's
/// (>= 0; scale in [0, 1] as Robyn's share of the window).
inline std::vector<double> adstock_weights(adstock_kind kind, std::size_t max_lag, double theta,
                                           double peak, double shape, double scale,
                                           bool normalise) {
  if (max_lag == 0) throw input_error("max_lag", "expected at least 1 lag");
  std::vector<double> w(max_lag, 0.0);
  switch (kind) {
    case adstock_kind::geometric: {
      double p = 1.0;
      for (std::size_t k = 0; k < max_lag; ++k, p *= theta) w[k] = p;
      break;
    }
    case adstock_kind::delayed:
      for (std::size_t k = 0; k < max_lag; ++k) {
        const double d = static_cast<double>(k) - peak;
        w[k] = std::pow(theta, d * d);
      }
      break;
    case adstock_kind::weibull_cdf:
    case adstock_kind::weibull_pdf: {
      if (shape == 0 || scale == 0) {  // Robyn: no carry-over
        w[0] = 1.0;
        break;
      }
      const double s = detail::robyn_scale(max_lag, scale);
      if (kind == adstock_kind::weibull_cdf) {
        w[0] = 1.0;
        for (std::size_t k = 1; k < max_lag; ++k) {
          // 1 - pweibull(k) with pweibull computed as R does, -expm1(-(q/s)^shape)
          const double surv = 1.0 - (-std::expm1(-std::pow(static_cast<double>(k) / s, shape)));
          w[k] = w[k - 1] * surv;
        }
      } else {
        double lo = HUGE_VAL, hi = -HUGE_VAL;
        for (std::size_t k = 0; k < max_lag; ++k) {
          // R's dweibull: shape * (x/s)^(shape-1) * exp(-(x/s)^shape) / s at x = k + 1
          const double x = static_cast<double>(k + 1) / s;
          const double t1 = std::pow(x, shape - 1);
          w[k] = shape * t1 * std::exp(-(t1 * x)) / s;
          lo = std::min(lo, w[k]);
          hi = std::max(hi, w[k]);
        }
        if (hi - lo == 0) {
          std::fill(w.begin(), w.end(), 0.0);
          w[0] = 1.0;
        } else {
          for (auto& v : w) v = (v - lo) / (hi - lo);
        }
      }
      break;
    }
  }
  if (normalise) {
    double sum = 0;
    for (double v : w) sum += v;
    if (!(sum > 0)) throw input_error("normalise", "the kernel sums to 0; cannot normalise");
    for (auto& v : w) v /= sum;
  }
  return w;
}

/// Parameters of one adstock over `channels` channels (each vector has one entry per
/// channel). max_lag = 0 with the geometric kind: the infinite recursion (Robyn).
struct adstock_params {
  adstock_kind kind = adstock_kind::geometric;
  std::size_t max_lag = 0;
  bool normalise = false;
  std::vector<double> theta, peak, shape, scale;
};

namespace detail {

inline double param(const std::vector<double>& v, std::size_t c) { return v.empty() ? 0.0 : v[c]; }

inline void check_adstock(const adstock_params& p, std::size_t channels) {
  auto sized = [channels](const std::vector<double>& v, const char* name, bool needed) {
    if (!needed) return;
    if (v.size() != channels)
      throw input_error(name, "expected " + std::to_string(channels) +
                                  " values, one per channel, got " + std::to_string(v.size()));
  };
  const bool geo = p.kind == adstock_kind::geometric, del = p.kind == adstock_kind::delayed;
  const bool wei = !geo && !del;
  sized(p.theta, "decay", geo || del);
  sized(p.peak, "peak", del);
  sized(p.shape, "shape", wei);
  sized(p.scale, "scale", wei);
  for (std::size_t c = 0; c < channels; ++c) {
    if (geo || del) {
      const double t = p.theta[c];
      if (!(t >= 0 && t < 1))
        throw input_error(channel_arg("decay", c),
                          "expected a decay in [0, 1), got " + sostac::detail::format_value(t));
    }
    if (del && !(p.peak[c] >= 0 && std::isfinite(p.peak[c])))
      throw input_error(channel_arg("peak", c), "expected a finite peak lag >= 0, got " +
                                                    sostac::detail::format_value(p.peak[c]));
    if (wei) {
      if (!(p.shape[c] >= 0 && std::isfinite(p.shape[c])))
        throw input_error(channel_arg("shape", c), "expected a finite shape >= 0, got " +
                                                       sostac::detail::format_value(p.shape[c]));
      if (!(p.scale[c] >= 0 && p.scale[c] <= 1))
        throw input_error(channel_arg("scale", c),
                          "expected a scale in [0, 1] (a share of the window), got " +
                              sostac::detail::format_value(p.scale[c]));
    }
  }
  if (p.max_lag == 0 && !geo)
    throw input_error("max_lag", "expected at least 1 lag (only the geometric adstock has an "
                                 "infinite form)");
}

inline void check_spend(const double* x, std::size_t periods, std::size_t channels) {
  for (std::size_t t = 0; t < periods; ++t)
    for (std::size_t c = 0; c < channels; ++c) {
      const double v = x[t * channels + c];
      if (!std::isfinite(v) || v < 0)
        throw input_error("x[" + std::to_string(t) + ", " + std::to_string(c) + "]",
                          "expected a finite spend >= 0, got " +
                              sostac::detail::format_value(v));
    }
}

}  // namespace detail

/// y = adstock(x), both periods x channels, row-major.
inline void adstock(const double* x, std::size_t periods, std::size_t channels,
                    const adstock_params& p, double* y) {
  detail::check_adstock(p, channels);
  detail::check_spend(x, periods, channels);
  for (std::size_t c = 0; c < channels; ++c) {
    if (p.kind == adstock_kind::geometric && p.max_lag == 0) {
      const double theta = p.theta[c];
      double prev = 0;
      for (std::size_t t = 0; t < periods; ++t) {
        prev = x[t * channels + c] + theta * prev;
        y[t * channels + c] = prev;
      }
      if (p.normalise)
        for (std::size_t t = 0; t < periods; ++t) y[t * channels + c] *= (1 - theta);
      continue;
    }
    const auto w = adstock_weights(p.kind, p.max_lag, detail::param(p.theta, c),
                                   detail::param(p.peak, c), detail::param(p.shape, c),
                                   detail::param(p.scale, c), p.normalise);
    for (std::size_t t = 0; t < periods; ++t) {
      const std::size_t lags = std::min(t + 1, w.size());
      double s = 0;
      for (std::size_t k = 0; k < lags; ++k) s += w[k] * x[(t - k) * channels + c];
      y[t * channels + c] = s;
    }
  }
}

/// Parameters of one saturation curve, per channel: hill (half, shape) or logistic
/// (lam).
struct saturation_params {
  saturation_kind kind = saturation_kind::hill;
  std::vector<double> half, shape, lam;
};

/// y = saturation(x), periods x channels, row-major.
inline void saturation(const double* x, std::size_t periods, std::size_t channels,
                       const saturation_params& p, double* y) {
  auto sized = [channels](const std::vector<double>& v, const char* name) {
    if (v.size() != channels)
      throw input_error(name, "expected " + std::to_string(channels) +
                                  " values, one per channel, got " + std::to_string(v.size()));
  };
  auto positive = [](double v, const char* name, std::size_t c) {
    if (!(v > 0 && std::isfinite(v)))
      throw input_error(detail::channel_arg(name, c),
                        "expected a finite number > 0, got " + sostac::detail::format_value(v));
  };
  if (p.kind == saturation_kind::hill) {
    sized(p.half, "half_saturation");
    sized(p.shape, "shape");
    for (std::size_t c = 0; c < channels; ++c) {
      positive(p.half[c], "half_saturation", c);
      positive(p.shape[c], "shape", c);
    }
  } else {
    sized(p.lam, "lam");
    for (std::size_t c = 0; c < channels; ++c) positive(p.lam[c], "lam", c);
  }
  detail::check_spend(x, periods, channels);
  for (std::size_t t = 0; t < periods; ++t)
    for (std::size_t c = 0; c < channels; ++c) {
      const double v = x[t * channels + c];
      double out;
      if (p.kind == saturation_kind::hill) {
        // x^a / (x^a + K^a) written as 1 / (1 + (K/x)^a): no overflow for large x
        out = v == 0 ? 0.0 : 1.0 / (1.0 + std::pow(p.half[c] / v, p.shape[c]));
      } else {
        const double e = std::exp(-p.lam[c] * v);
        out = (1 - e) / (1 + e);
      }
      y[t * channels + c] = out;
    }
}

}  // namespace sostac::budget
