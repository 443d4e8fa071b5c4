// sostac/attribution/heuristics_models.hpp: rule-based attribution over a path table.
#pragma once
/// Each model splits every conversion (and its value) of a path over the path's
/// touches with shares that sum to one; a channel's credit is the sum over its touches.
/// first / last / linear are ChannelAttribution's heuristic_models (first_touch,
/// last_touch, linear_touch: 1/k per touch, repeats counted); last non-direct, time
/// decay and position based are Google Analytics' rule-based models (time decay here
/// by position, since a path table has no times).

#include <sostac/attribution/path_table.hpp>
#include <sostac/core/error.hpp>
#include <sostac/core/parallel.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace sostac::attribution {

enum class heuristic_model { first, last, last_non_direct, linear, time_decay, position };

inline heuristic_model parse_heuristic_model(const std::string& name) {
  if (name == "first") return heuristic_model::first;
  if (name == "last") return heuristic_model::last;
  if (name == "last_non_direct") return heuristic_model::last_non_direct;
  if (name == "linear") return heuristic_model::linear;
  if (name == "time_decay") return heuristic_model::time_decay;
  if (name == "position") return heuristic_model::position;
  throw input_error("model", "expected first, last, last_non_direct, linear, time_decay or "
                             "position, got '" + name + "'");
}

struct heuristic_options {
  /// Code of the direct channel for last_non_direct (-1: no direct channel).
  std::int32_t direct = -1;
  /// time_decay: a touch j positions before the last weighs 2^(-j / half_life).
  double half_life = 1.0;
  /// position: shares of the first touch, of all middle touches together, of the last.
  double first_weight = 0.4, middle_weight = 0.2, last_weight = 0.4;
};

/// Credit per channel (index = channel code).
struct channel_credit {
  std::vector<double> conversions, value;
};

inline void check_heuristic_options(const heuristic_options& o) {
  using sostac::detail::format_value;
  if (!(std::isfinite(o.half_life) && o.half_life > 0))
    throw input_error("half_life", "expected a finite number of touches > 0, got " +
                                       format_value(o.half_life));
  const double w[3] = {o.first_weight, o.middle_weight, o.last_weight};
  for (double x : w)
    if (!(std::isfinite(x) && x >= 0))
      throw input_error("position_weights", "expected shares >= 0, got " + format_value(x));
  if (std::fabs(w[0] + w[1] + w[2] - 1.0) > 1e-9)
    throw input_error("position_weights", "expected shares summing to 1, got a sum of " +
                                              format_value(w[0] + w[1] + w[2]));
}

namespace detail {

/// Calls f(j, share) for the touches j of a path of length k >= 1; shares sum to 1.
template <class F>
void heuristic_shares(heuristic_model m, const std::int32_t* s, std::size_t k,
                      const heuristic_options& o, F&& f) {
  switch (m) {
    case heuristic_model::first: f(std::size_t{0}, 1.0); return;
    case heuristic_model::last: f(k - 1, 1.0); return;
    case heuristic_model::last_non_direct: {
      // The last touch that is not direct; a path of direct touches only: its last.
      for (std::size_t j = k; j-- > 0;)
        if (s[j] != o.direct) {
          f(j, 1.0);
          return;
        }
      f(k - 1, 1.0);
      return;
    }
    case heuristic_model::linear: {
      const double w = 1.0 / static_cast<double>(k);
      for (std::size_t j = 0; j < k; ++j) f(j, w);
      return;
    }
    case heuristic_model::time_decay: {
      // w_j = r^(k-1-j), r = 2^(-1/h); normalised by the geometric sum.
      const double r = std::exp2(-1.0 / o.half_life);
      double total = 0, w = 1;
      for (std::size_t j = 0; j < k; ++j, w *= r) total += w;
      w = 1;
      for (std::size_t j = k; j-- > 0; w *= r) f(j, w / total);
      return;
    }
    case heuristic_model::position: {
      if (k == 1) {
        f(std::size_t{0}, 1.0);
      } else if (k == 2) {
        // No middle: first and last in the ratio of their weights (50/50 for 40/20/40).
        const double ends = o.first_weight + o.last_weight;
        const double a = ends > 0 ? o.first_weight / ends : 0.5;
        f(std::size_t{0}, a);
        f(std::size_t{1}, 1.0 - a);
      } else {
        const double mid = o.middle_weight / static_cast<double>(k - 2);
        f(std::size_t{0}, o.first_weight);
        for (std::size_t j = 1; j + 1 < k; ++j) f(j, mid);
        f(k - 1, o.last_weight);
      }
      return;
    }
  }
}

/// Sums per-chunk channel vectors filled by body(begin, end, conv, value) in chunk
/// order, so the result does not depend on the thread count.
template <class Body>
void chunked_channel_sums(std::size_t n, std::size_t channels, std::size_t grain,
                          std::vector<std::vector<double>*> out, Body&& body) {
  const std::size_t chunks = n == 0 ? 0 : (n + grain - 1) / grain;
  const std::size_t m = out.size();
  std::vector<double> part(chunks * m * channels, 0.0);
  // One call per fixed chunk (parallel_for runs a single call on one thread).
  parallel_for(
      chunks,
      [&](std::size_t cb, std::size_t ce) {
        for (std::size_t c = cb; c < ce; ++c)
          body(c * grain, std::min(n, (c + 1) * grain), part.data() + c * m * channels);
      },
      1);
  for (std::size_t k = 0; k < m; ++k) out[k]->assign(channels, 0.0);
  for (std::size_t c = 0; c < chunks; ++c)
    for (std::size_t k = 0; k < m; ++k) {
      const double* p = part.data() + (c * m + k) * channels;
      double* o = out[k]->data();
      for (std::size_t j = 0; j < channels; ++j) o[j] += p[j];
    }
}

}  // namespace detail

/// Conversions and value per channel under model m. Paths with zero conversions add
/// nothing; nulls do not enter.
inline channel_credit heuristic_credit(const path_table_view& t, heuristic_model m,
                                       const heuristic_options& o = {}) {
  check_path_table(t);
  check_heuristic_options(o);
  channel_credit r;
  const std::size_t C = t.n_channels;
  detail::chunked_channel_sums(
      t.n, C, 8192, {&r.conversions, &r.value},
      [&](std::size_t b, std::size_t e, double* p) {
        double* conv = p;
        double* val = p + C;
        for (std::size_t i = b; i < e; ++i) {
          const path_view pv = t.path(i);
          if (pv.conversions == 0 && pv.value == 0) continue;
          detail::heuristic_shares(m, pv.steps, pv.length, o, [&](std::size_t j, double w) {
            const auto ch = static_cast<std::size_t>(pv.steps[j]);
            conv[ch] += w * pv.conversions;
            val[ch] += w * pv.value;
          });
        }
      });
  return r;
}

}  // namespace sostac::attribution
