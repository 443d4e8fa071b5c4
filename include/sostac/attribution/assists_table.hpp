// sostac/attribution/assists_table.hpp: assisted and last-interaction conversions.
#pragma once
/// Google Analytics' multi-channel funnel counts (the "Assisted Conversions" report):
/// a channel's last-interaction conversions are those whose path ends with it; its
/// assisted conversions are those whose path has it at a position other than the last
/// (counted once per conversion, however often it appears; a channel can both assist
/// and close one conversion, "a > b > a"); first-interaction conversions those whose
/// path starts with it. Assist ratio = assisted / last-interaction.
///
/// Interval: conversions are taken as independent draws over the paths (multinomial
/// given the total); the delta method on log(assisted / last) gives
///   var(log R) = 1/A + 1/L - 2 B / (A L) = (A + L - 2B) / (A L),
/// B the conversions the channel both assists and closes (the covariance term), and
/// the interval R * exp(+-z sqrt(var)). Closed form, O(paths), the same for any thread
/// count; undefined (NaN) when A or L is 0.

#include <sostac/attribution/heuristics_models.hpp>
#include <sostac/attribution/path_table.hpp>
#include <sostac/core/error.hpp>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

namespace sostac::attribution {

/// Per channel (index = channel code).
struct assists_result {
  std::vector<double> last_interaction, last_interaction_value;
  std::vector<double> assisted, assisted_value;
  std::vector<double> first_interaction, first_interaction_value;
  /// Conversions the channel both assists and closes (B above).
  std::vector<double> assisted_and_last;
  std::vector<double> assist_ratio, assist_ratio_low, assist_ratio_high;
};

/// The assist ratio's delta-method interval (see the header comment) at normal
/// quantile z; {ratio, low, high}.
struct ratio_interval {
  double ratio, low, high;
};

inline ratio_interval assist_ratio_interval(double assisted, double last, double both,
                                            double z) noexcept {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  if (!(last > 0)) return {nan, nan, nan};
  const double r = assisted / last;
  if (!(assisted > 0)) return {r, nan, nan};
  const double v = std::max(0.0, (assisted + last - 2 * both) / (assisted * last));
  const double h = z * std::sqrt(v);
  return {r, r * std::exp(-h), r * std::exp(h)};
}

inline assists_result assists(const path_table_view& t, double z) {
  using sostac::detail::format_value;
  check_path_table(t);
  if (!(std::isfinite(z) && z > 0))
    throw input_error("z", "expected a normal quantile > 0, got " + format_value(z));
  const std::size_t C = t.n_channels;
  assists_result r;
  constexpr std::size_t grain = 8192;
  detail::chunked_channel_sums(
      t.n, C, grain,
      {&r.last_interaction, &r.last_interaction_value, &r.assisted, &r.assisted_value,
       &r.first_interaction, &r.first_interaction_value, &r.assisted_and_last},
      [&](std::size_t b, std::size_t e, double* p) {
        double *lc = p, *lv = p + C, *ac = p + 2 * C, *av = p + 3 * C, *fc = p + 4 * C,
               *fv = p + 5 * C, *both = p + 6 * C;
        std::vector<std::size_t> seen(C, 0);  // path index + 1 that last marked a channel
        for (std::size_t i = b; i < e; ++i) {
          const path_view pv = t.path(i);
          const double c = pv.conversions, v = pv.value;
          if (c == 0 && v == 0) continue;
          const auto last = static_cast<std::size_t>(pv.steps[pv.length - 1]);
          const auto first = static_cast<std::size_t>(pv.steps[0]);
          lc[last] += c;
          lv[last] += v;
          fc[first] += c;
          fv[first] += v;
          for (std::size_t j = 0; j + 1 < pv.length; ++j) {
            const auto ch = static_cast<std::size_t>(pv.steps[j]);
            if (seen[ch] == i + 1) continue;
            seen[ch] = i + 1;
            ac[ch] += c;
            av[ch] += v;
            if (ch == last) both[ch] += c;
          }
        }
      });
  r.assist_ratio.resize(C);
  r.assist_ratio_low.resize(C);
  r.assist_ratio_high.resize(C);
  for (std::size_t k = 0; k < C; ++k) {
    const ratio_interval ri =
        assist_ratio_interval(r.assisted[k], r.last_interaction[k], r.assisted_and_last[k], z);
    r.assist_ratio[k] = ri.ratio;
    r.assist_ratio_low[k] = ri.low;
    r.assist_ratio_high[k] = ri.high;
  }
  return r;
}

}  // namespace sostac::attribution
