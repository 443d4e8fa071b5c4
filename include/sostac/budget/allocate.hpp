// sostac/budget/allocate.hpp: budget allocation over concave response curves.
#pragma once
/// Each channel's expected conversions per period at spend x are a Hill response
/// curve f(x) = beta * h(carry * x), h(z) = z^shape / (z^shape + half^shape), where
/// carry is the adstock's steady-state multiplier (the sum of its kernel; 1 without
/// carry-over) and shape <= 1 makes f concave. The allocator maximises
///   conversions:  sum_c f_c(x_c)                 s.t. sum_c x_c = total, lo <= x <= hi
///   profit:       sum_c value * f_c(x_c) - x_c   s.t. sum_c x_c <= total, lo <= x <= hi
///   target_cpa:   sum_c f_c(x_c)  s.t. sum_c x_c <= total, sum_c x_c <= value * sum_c f_c
///                 (the average CPA at most the target), lo <= x <= hi
/// exactly, by the KKT conditions: for a multiplier lambda every channel spends
/// x_c(lambda) = clamp(f_c'^{-1}(lambda), lo_c, hi_c) (f' is decreasing), and lambda is
/// found so that the budget binds (conversions; Illinois regula falsi on log lambda,
/// each channel's spend by warm-started Newton), or lambda = 1 / value
/// when that spends less than the total (profit: no channel is pushed past the point
/// where one more unit of spend earns less than it costs). With a CPA target the
/// optimum is also on the path x(lambda) (the stationarity condition has the same
/// form), and the average CPA rises along it as lambda falls (each extra conversion
/// costs 1 / lambda, more than the average), so it is the smallest lambda at which
/// both the budget and the target hold (bisection on log lambda). Every search is on a monotone function, to
/// machine precision (docs/budget.md, "Allocation").

#include <sostac/core/error.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <string>
#include <vector>

namespace sostac::budget {

/// One channel's response curve and spend bounds.
struct response_curve {
  double beta = 0, half = 1, shape = 1, carry = 1;
  double lower = 0, upper = std::numeric_limits<double>::infinity();

  double value(double x) const noexcept {
    const double z = carry * x;
    return z <= 0 ? 0.0 : beta / (1.0 + std::pow(half / z, shape));
  }
  /// f'(x) = beta * carry * shape * half^shape z^(shape-1) / (z^shape + half^shape)^2,
  /// written with u = (half / z)^shape: beta * carry * shape * u / (z (1 + u)^2).
  double slope(double x) const noexcept {
    const double z = carry * x;
    if (z <= 0) return shape < 1 ? HUGE_VAL : (shape == 1 ? beta * carry / half : 0.0);
    const double u = std::pow(half / z, shape);
    return beta * carry * shape * u / (z * (1 + u) * (1 + u));
  }
};

enum class allocation_objective { conversions, profit, target_cpa };

struct allocation {
  std::vector<double> spend, conversions, marginal;  // per channel; marginal = f'(x)
  double total_spend = 0, total_conversions = 0, multiplier = 0;
  int iterations = 0;
};

namespace detail {

inline void check_curves(const std::vector<response_curve>& curves) {
  if (curves.empty()) throw input_error("curves", "expected at least one channel");
  for (std::size_t c = 0; c < curves.size(); ++c) {
    const auto& r = curves[c];
    auto bad = [c](const char* name, const std::string& what, double v) {
      throw input_error(std::string(name) + "[" + std::to_string(c) + "]",
                        what + ", got " + sostac::detail::format_value(v));
    };
    if (!(r.beta >= 0 && std::isfinite(r.beta))) bad("beta", "expected a finite number >= 0", r.beta);
    if (!(r.half > 0 && std::isfinite(r.half))) bad("half_saturation", "expected a finite number > 0", r.half);
    if (!(r.shape > 0 && r.shape <= 1))
      bad("shape", "expected a shape in (0, 1] (a concave curve; S-shaped curves are not "
                   "supported by the exact allocator yet)", r.shape);
    if (!(r.carry > 0 && std::isfinite(r.carry))) bad("carry", "expected a finite number > 0", r.carry);
    if (!(r.lower >= 0 && std::isfinite(r.lower))) bad("lower", "expected a finite spend >= 0", r.lower);
    if (!(r.upper >= r.lower)) bad("upper", "expected an upper bound >= the lower bound " +
                                               sostac::detail::format_value(r.lower), r.upper);
  }
}

/// d log f' / d log x: -shape - 1 + 2 shape u / (1 + u), negative for shape <= 1.
inline double log_slope_derivative(const response_curve& r, double x) noexcept {
  const double u = std::pow(r.half / (r.carry * x), r.shape);
  return -r.shape - 1 + 2 * r.shape * u / (1 + u);
}

/// The spend in [lower, upper] where f' falls to lambda (f' decreasing): Newton's
/// method on log f' against log x from `guess`, kept inside a bracket that every step
/// shrinks (bisection, geometric when the bracket allows, when a step leaves it).
inline double spend_at(const response_curve& r, double lambda, double guess = 0) {
  if (r.slope(r.lower) <= lambda) return r.lower;
  if (std::isfinite(r.upper) && r.slope(r.upper) >= lambda) return r.upper;
  // bracket [lo, hi] from the guess (the previous multiplier's spend) or the half point
  const bool usable = guess > r.lower && (!std::isfinite(r.upper) || guess < r.upper);
  const double start = usable ? guess : std::max(r.lower, r.half / r.carry);
  double lo = r.lower, hi = start;
  // from hi, double until f' falls to lambda (or hi reaches the upper bound)
  auto grow = [&] {
    while (r.slope(hi) > lambda) {
      lo = hi;
      hi *= 2;
      if (std::isfinite(r.upper) && hi >= r.upper) {
        hi = r.upper;
        break;
      }
    }
  };
  if (start > r.lower && r.slope(start) > lambda) {
    lo = start;
    hi = 2 * start;
    grow();
  } else if (!(start > r.lower)) {
    hi = std::max(r.lower + r.half / r.carry, 1e-300);
    grow();
  }
  double x = start > lo && start < hi ? start : (lo > 0 ? std::sqrt(lo * hi) : 0.5 * hi);
  const double log_lambda = std::log(lambda);
  for (int i = 0; i < 200; ++i) {
    const double g = std::log(r.slope(x)) - log_lambda;
    if (g == 0) return x;
    (g > 0 ? lo : hi) = x;
    double next = x * std::exp(-g / log_slope_derivative(r, x));
    if (!(next > lo && next < hi)) next = lo > 0 ? std::sqrt(lo * hi) : 0.5 * (lo + hi);
    if (std::fabs(next - x) <= 4 * std::numeric_limits<double>::epsilon() * x ||
        hi - lo <= 4 * std::numeric_limits<double>::epsilon() * hi)
      return next;
    x = next;
  }
  return x;
}

}  // namespace detail

/// The optimal spend per channel (see the header comment). value: conversions' worth
/// (profit objective only: margin x average order value, or revenue per conversion x
/// margin).
inline allocation allocate(const std::vector<response_curve>& curves, double total,
                           allocation_objective objective, double value = 0) {
  detail::check_curves(curves);
  if (!(total >= 0 && std::isfinite(total)))
    throw input_error("total", "expected a finite budget >= 0, got " +
                                   sostac::detail::format_value(total));
  double lower_sum = 0, upper_sum = 0;
  for (const auto& r : curves) {
    lower_sum += r.lower;
    upper_sum += r.upper;
  }
  if (lower_sum > total * (1 + 1e-12))
    throw input_error("bounds", "the channels' minimums add up to " +
                                    sostac::detail::format_value(lower_sum) +
                                    ", more than the total " +
                                    sostac::detail::format_value(total));
  if (objective == allocation_objective::conversions && upper_sum < total * (1 - 1e-12))
    throw input_error("bounds", "the channels' maximums add up to " +
                                    sostac::detail::format_value(upper_sum) +
                                    ", less than the total " +
                                    sostac::detail::format_value(total) +
                                    " the conversions objective spends");
  if (objective == allocation_objective::profit && !(value > 0 && std::isfinite(value)))
    throw input_error("value", "the profit objective needs a conversion's worth > 0, got " +
                                   sostac::detail::format_value(value));
  if (objective == allocation_objective::target_cpa && !(value > 0 && std::isfinite(value)))
    throw input_error("target_cpa", "expected a finite CPA > 0, got " +
                                        sostac::detail::format_value(value));
  const std::size_t n = curves.size();
  allocation out;
  out.spend.assign(n, 0);
  std::vector<double> guess(n, 0.0);
  auto spend_sum = [&](double lambda) {
    double sum = 0;
    for (std::size_t c = 0; c < n; ++c) {
      out.spend[c] = detail::spend_at(curves[c], lambda, guess[c]);
      if (out.spend[c] > curves[c].lower) guess[c] = out.spend[c];
      sum += out.spend[c];
    }
    return sum;
  };
  // whether lambda's allocation keeps to the budget (and to the CPA target)
  const bool target = objective == allocation_objective::target_cpa;
  auto feasible = [&](double lambda) {
    const double spent = spend_sum(lambda);
    if (spent > total) return false;
    if (!target) return true;
    double got = 0;
    for (std::size_t c = 0; c < n; ++c) got += curves[c].value(out.spend[c]);
    return spent <= value * got;
  };
  if (target) {
    double spent = 0, got = 0;
    for (const auto& r : curves) {
      spent += r.lower;
      got += r.value(r.lower);
    }
    if (spent > value * got)
      throw input_error("target_cpa", "the channels' minimums alone cost " +
                                          sostac::detail::format_value(spent / got) +
                                          " per conversion, more than the target " +
                                          sostac::detail::format_value(value));
  }
  bool done = false;
  if (objective == allocation_objective::profit) {
    // unconstrained by the total: spend until a unit returns its cost
    if (spend_sum(1.0 / value) <= total) {
      out.multiplier = 1.0 / value;
      done = true;
    }
  }
  double lo = 0, hi = 0;
  if (!done) {
    // the budget binds: find lambda with sum x(lambda) = total; sum x decreases with
    // lambda. Bracket it, then bisect on log lambda (warm-started channel solves).
    for (const auto& r : curves) hi = std::max(hi, r.slope(r.lower));
    if (!std::isfinite(hi) || hi <= 0) hi = 1;
    while (!feasible(hi) && hi < 1e300) hi *= 16;
    lo = hi;
    while (lo > 1e-300 && feasible(lo)) lo /= 16;
    if (feasible(lo)) lo = 0;  // flat curves: nothing to equalise
    if (target) {
      for (int i = 0; i < 400 && lo > 0; ++i) {
        out.iterations = i + 1;
        const double mid = std::sqrt(lo * hi);
        if (!(mid > lo && mid < hi) || hi / lo - 1 <= 4 * std::numeric_limits<double>::epsilon())
          break;
        (feasible(mid) ? hi : lo) = mid;
      }
    } else if (lo > 0) {
      // The budget alone binds: the Illinois variant of regula falsi on
      // g(t) = sum x(e^t) / total - 1 over t = log lambda, kept in the bracket
      // [log lo (g > 0), log hi (g <= 0)]; it ends on the feasible side.
      double t_lo = std::log(lo), t_hi = std::log(hi);
      double g_lo = spend_sum(lo) / total - 1, g_hi = spend_sum(hi) / total - 1;
      int side = 0;
      for (int i = 0; i < 200; ++i) {
        out.iterations = i + 1;
        if (t_hi - t_lo <= 4 * std::numeric_limits<double>::epsilon() * std::max(1.0, std::fabs(t_hi)) ||
            g_hi >= -1e-15)
          break;
        double t = t_hi - g_hi * (t_hi - t_lo) / (g_hi - g_lo);
        if (!(t > t_lo && t < t_hi)) t = 0.5 * (t_lo + t_hi);
        const double g = spend_sum(std::exp(t)) / total - 1;
        if (g > 0) {
          t_lo = t;
          g_lo = g;
          if (side == -1) g_hi *= 0.5;
          side = -1;
        } else {
          t_hi = t;
          g_hi = g;
          if (side == 1) g_lo *= 0.5;
          side = 1;
        }
      }
      hi = std::exp(t_hi);
    }
    out.multiplier = hi;
    double rest = total - spend_sum(hi);
    // The conversions objective spends the whole total: the bisection's remainder (a
    // few ulps, or everything when the curves are flat, beta = 0) goes to the channels
    // with room, in order.
    if (objective == allocation_objective::conversions)
      for (std::size_t c = 0; c < n && rest > 0; ++c) {
        const double add = std::min(rest, curves[c].upper - out.spend[c]);
        out.spend[c] += add;
        rest -= add;
      }
  }
  out.conversions.resize(n);
  out.marginal.resize(n);
  for (std::size_t c = 0; c < n; ++c) {
    out.conversions[c] = curves[c].value(out.spend[c]);
    out.marginal[c] = curves[c].slope(out.spend[c]);
    out.total_spend += out.spend[c];
    out.total_conversions += out.conversions[c];
  }
  return out;
}

/// Per channel the spend at which the marginal CPA, 1 / f'(x), reaches break_even_cpa
/// (the most the channel can take while each extra order still pays for itself);
/// its lower bound when it is already past it there.
inline std::vector<double> scale_limits(const std::vector<response_curve>& curves,
                                        double break_even_cpa) {
  detail::check_curves(curves);
  if (!(break_even_cpa > 0 && std::isfinite(break_even_cpa)))
    throw input_error("break_even_cpa", "expected a finite CPA > 0, got " +
                                            sostac::detail::format_value(break_even_cpa));
  std::vector<double> out(curves.size());
  for (std::size_t c = 0; c < curves.size(); ++c)
    out[c] = detail::spend_at(curves[c], 1.0 / break_even_cpa);
  return out;
}

}  // namespace sostac::budget
