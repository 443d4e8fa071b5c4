// sostac/attribution/bootstrap.hpp: seeded, multithreaded bootstrap over the journeys of
// a path table (bootstrap part).
#pragma once
/// Sampling uncertainty of the attribution models: Markov removal effects and
/// attributed conversions and value (markov.hpp, any order), Shapley values
/// (shapley_values.hpp), assist ratios (assists_table.hpp) and the heuristics
/// (heuristics_models.hpp), by the Poisson bootstrap (Hanley and MacGibbon 2006,
/// "Creating non-parametric bootstrap samples using Poisson frequencies"; Chamandy et
/// al. 2012, "Estimating uncertainty for massive data streams").
///
/// Resampling unit (bootstrap_unit):
///   - journeys (default): each journey (one conversion or one null of a distinct
///     path) appears Poisson(1) times in a replicate, so path i's replicate counts are
///     conversions* ~ Poisson(conversions_i) and nulls* ~ Poisson(nulls_i),
///     independent (a sum of Poisson(1) variables is Poisson); value follows the
///     conversions, value_i * conversions* / conversions_i (a path with value but no
///     conversions gets value_i times a Poisson(1) weight). The journeys are the
///     independent draws of the data; a path table is their aggregate.
///   - paths: one Poisson(1) weight per distinct path multiplies its conversions, value
///     and nulls (the path table's rows are the units: right when each row is one
///     independent unit, e.g. one user's history, too wide when a row aggregates many
///     journeys, since a row of 1,000 conversions then enters 0, 1000, 2000... times).
/// Poisson rather than multinomial weights: the replicates' sizes vary like the data's
/// would, each weight is drawn independently of the others (so any path can be drawn
/// alone, from its own stream) and for large tables the two bootstraps agree
/// (Hanley and MacGibbon 2006).
///
/// Reproducibility: the weights of path i in replicate r come from their own
/// SplitMix64 stream (Steele, Lea and Flood 2014), keyed by (seed, r, i) through the
/// SplitMix64 finalizer; Poisson variates by inversion for means below 10 and by
/// Hörmann's PTRS transformed rejection (1993, "The transformed rejection method for
/// generating Poisson random variables") above. Replicates are computed independently
/// and written to their own row, so the replicate matrix is bit-identical for any
/// thread count and any split of the replicates among threads.
///
/// Interval: the percentile interval (Efron and Tibshirani 1993, ch. 13) at `level`,
/// the quantiles interpolated linearly between order statistics (numpy's default,
/// Hyndman and Fan's type 7), over the replicates where the statistic is finite; se is
/// the replicates' standard deviation (n - 1). A replicate without conversions has
/// zero attributed conversions and value and undefined (NaN) removal effects and
/// Shapley values of the rate game; an assist ratio is NaN in a replicate where the
/// channel closes no conversion. `finite` counts the replicates that enter.

#include <sostac/attribution/assists_table.hpp>
#include <sostac/attribution/heuristics_models.hpp>
#include <sostac/attribution/markov.hpp>
#include <sostac/attribution/path_table.hpp>
#include <sostac/attribution/shapley_values.hpp>
#include <sostac/core/error.hpp>
#include <sostac/core/parallel.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace sostac::attribution {

enum class bootstrap_model { markov, shapley, assists, heuristic };
enum class bootstrap_unit { journeys, paths };

inline bootstrap_model parse_bootstrap_model(const std::string& name) {
  if (name == "markov") return bootstrap_model::markov;
  if (name == "shapley") return bootstrap_model::shapley;
  if (name == "assists") return bootstrap_model::assists;
  if (name == "heuristic") return bootstrap_model::heuristic;
  throw input_error("model", "expected markov, shapley, assists or heuristic, got '" +
                                 name + "'");
}

inline bootstrap_unit parse_bootstrap_unit(const std::string& name) {
  if (name == "journeys") return bootstrap_unit::journeys;
  if (name == "paths") return bootstrap_unit::paths;
  throw input_error("unit", "expected journeys or paths, got '" + name + "'");
}

/// At most this many replicates, and at most bootstrap_max_cells replicate x channel
/// cells per statistic (the replicate matrices are kept).
inline constexpr std::size_t bootstrap_max_replicates = 1000000;
inline constexpr std::size_t bootstrap_max_cells = std::size_t{1} << 27;

struct bootstrap_options {
  bootstrap_model model = bootstrap_model::markov;
  bootstrap_unit unit = bootstrap_unit::journeys;
  std::size_t replicates = 1000;
  double level = 0.95;
  std::uint64_t seed = 0;
  markov_options markov{};                               ///< model = markov
  shapley_worth worth = shapley_worth::conversions;      ///< model = shapley
  heuristic_model heuristic = heuristic_model::last;     ///< model = heuristic
  heuristic_options heuristic_opts{};                    ///< model = heuristic
};

/// One per-channel statistic: its point estimate on the data, the replicate matrix
/// (replicates x channels, row-major: draws[r * n_channels + c]) and its summaries.
struct bootstrap_statistic {
  std::string name;
  std::vector<double> estimate, draws;
  std::vector<double> mean, se, low, high;
  std::vector<std::size_t> finite;  ///< replicates with a finite value, per channel
};

struct bootstrap_result {
  bootstrap_options options;
  std::size_t n_channels = 0, replicates = 0;
  /// Replicates without any conversion (their statistics as the file comment says).
  std::size_t empty_replicates = 0;
  /// markov: removal_effect, conversions, value, value_removal_effect;
  /// shapley: shapley_value, conversions, value;
  /// assists: assist_ratio, assisted, last_interaction;
  /// heuristic: conversions, value.
  std::vector<bootstrap_statistic> statistics;

  const bootstrap_statistic& statistic(const std::string& name) const {
    for (const auto& s : statistics)
      if (s.name == name) return s;
    throw input_error("statistic", "no statistic '" + name + "' in this bootstrap");
  }
};

namespace detail {

/// SplitMix64's output function (Steele, Lea and Flood 2014): a bijective mix of 64
/// bits, also used to key the streams.
constexpr std::uint64_t splitmix64_mix(std::uint64_t z) noexcept {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/// The SplitMix64 stream of path i in replicate r under `seed`: its state is a hash of
/// the three keys, so any (r, i) is drawn without the others.
class bootstrap_stream {
 public:
  bootstrap_stream(std::uint64_t seed, std::uint64_t r, std::uint64_t i) noexcept
      : state_(splitmix64_mix(splitmix64_mix(splitmix64_mix(seed ^ 0x5851f42d4c957f2dULL) ^
                                             (r + 0x9e3779b97f4a7c15ULL)) ^
                              (i + 0xd1b54a32d192ed03ULL))) {}
  std::uint64_t next() noexcept {
    state_ += 0x9e3779b97f4a7c15ULL;
    return splitmix64_mix(state_);
  }
  /// Uniform on [0, 1) with 53 random bits.
  double uniform() noexcept {
    return static_cast<double>(next() >> 11) * (1.0 / 9007199254740992.0);
  }

 private:
  std::uint64_t state_;
};

/// log(k!) for k >= 0: a sum below 16, Stirling's series beyond (error < 1e-14; no
/// std::lgamma, which writes the global signgam and so races between threads).
inline double log_factorial(double k) noexcept {
  if (k < 16) {
    double s = 0;
    for (double j = 2; j <= k; ++j) s += std::log(j);
    return s;
  }
  const double x = k + 1, x2 = x * x;
  return (x - 0.5) * std::log(x) - x + 0.91893853320467274178 +
         (1.0 / 12 - (1.0 / 360 - (1.0 / 1260 - 1.0 / (1680 * x2)) / x2) / x2) / x;
}

/// A Poisson(lambda) variate from stream g: inversion by sequential search below 10,
/// Hörmann's (1993) PTRS above (its steps 1-3 with the constants of his Table 1).
inline double poisson_variate(double lambda, bootstrap_stream& g) noexcept {
  if (!(lambda > 0)) return 0;
  if (lambda < 10) {
    const double u = g.uniform();
    double p = std::exp(-lambda), f = p, k = 0;
    while (u > f && k < 1000) {
      k += 1;
      p *= lambda / k;
      f += p;
    }
    return k;
  }
  const double slam = std::sqrt(lambda), loglam = std::log(lambda);
  const double b = 0.931 + 2.53 * slam, a = -0.059 + 0.02483 * b;
  const double inv_alpha = 1.1239 + 1.1328 / (b - 3.4), vr = 0.9277 - 3.6224 / (b - 2);
  for (;;) {
    const double u = g.uniform() - 0.5, v = g.uniform();
    const double us = 0.5 - std::fabs(u);
    const double k = std::floor((2 * a / us + b) * u + lambda + 0.43);
    if (us >= 0.07 && v <= vr) return k;
    if (k < 0 || (us < 0.013 && v > us)) continue;
    if (std::log(v) + std::log(inv_alpha) - std::log(a / (us * us) + b) <=
        -lambda + k * loglam - log_factorial(k))
      return k;
  }
}

/// The resampled counts of replicate r (see the file comment).
inline void bootstrap_weights(const path_table_view& t, const bootstrap_options& o,
                              std::size_t r, double* conv, double* value, double* nulls) {
  for (std::size_t i = 0; i < t.n; ++i) {
    bootstrap_stream g(o.seed, r, i);
    if (o.unit == bootstrap_unit::paths) {
      const double w = poisson_variate(1.0, g);
      conv[i] = w * t.conversions[i];
      value[i] = w * t.value[i];
      nulls[i] = w * t.nulls[i];
    } else {
      const double c = t.conversions[i];
      conv[i] = poisson_variate(c, g);
      nulls[i] = poisson_variate(t.nulls[i], g);
      if (c > 0)
        value[i] = t.value[i] * (conv[i] / c);
      else
        value[i] = t.value[i] == 0 ? 0.0 : t.value[i] * poisson_variate(1.0, g);
    }
  }
}

inline std::vector<std::string> bootstrap_names(bootstrap_model m) {
  switch (m) {
    case bootstrap_model::markov:
      return {"removal_effect", "conversions", "value", "value_removal_effect"};
    case bootstrap_model::shapley:
      return {"shapley_value", "conversions", "value"};
    case bootstrap_model::assists:
      return {"assist_ratio", "assisted", "last_interaction"};
    case bootstrap_model::heuristic:
      break;
  }
  return {"conversions", "value"};
}

/// The statistics of one (resampled) table into out[k][c], in bootstrap_names order.
/// Without conversions (a replicate may have none) conversions and value are 0 and the
/// rest NaN, as the file comment says; `empty` reports it. With `strict` (the data
/// themselves) the models are called anyway, so that their input errors surface.
inline void bootstrap_statistics(const path_table_view& t, const bootstrap_options& o,
                                 std::vector<double*>& out, bool& empty,
                                 bool strict = false) {
  const std::size_t C = t.n_channels;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  double total = 0, total_nulls = 0;
  for (std::size_t i = 0; i < t.n; ++i) {
    total += t.conversions[i];
    total_nulls += t.nulls[i];
  }
  empty = !(total > 0) && !strict;
  auto fill = [&](std::size_t k, const std::vector<double>& v) {
    std::copy(v.begin(), v.end(), out[k]);
  };
  switch (o.model) {
    case bootstrap_model::markov:
      if (empty) {
        std::fill(out[0], out[0] + C, nan);
        std::fill(out[1], out[1] + C, 0.0);
        std::fill(out[2], out[2] + C, 0.0);
        std::fill(out[3], out[3] + C, nan);
      } else {
        const markov_result m = markov(t, o.markov);
        fill(0, m.removal_effect);
        fill(1, m.conversions);
        fill(2, m.value);
        fill(3, m.value_removal_effect);
      }
      return;
    case bootstrap_model::shapley:
      if (empty || (!strict && o.worth == shapley_worth::rate && !(total_nulls > 0))) {
        std::fill(out[0], out[0] + C, nan);
        std::fill(out[1], out[1] + C, empty ? 0.0 : nan);
        std::fill(out[2], out[2] + C, empty ? 0.0 : nan);
      } else {
        const shapley_result s = shapley(t, o.worth);
        fill(0, s.shapley_value);
        fill(1, s.conversions);
        fill(2, s.value);
      }
      return;
    case bootstrap_model::assists: {
      const assists_result a = assists(t, 1.959963984540054);
      fill(0, a.assist_ratio);
      fill(1, a.assisted);
      fill(2, a.last_interaction);
      return;
    }
    case bootstrap_model::heuristic: {
      const channel_credit h = heuristic_credit(t, o.heuristic, o.heuristic_opts);
      fill(0, h.conversions);
      fill(1, h.value);
      return;
    }
  }
}

/// The q-quantile (0 <= q <= 1) of sorted x by linear interpolation between order
/// statistics (Hyndman and Fan's type 7, numpy's default).
inline double sorted_quantile(const std::vector<double>& x, double q) noexcept {
  if (x.empty()) return std::numeric_limits<double>::quiet_NaN();
  const double h = static_cast<double>(x.size() - 1) * q;
  const auto lo = static_cast<std::size_t>(std::floor(h));
  const std::size_t hi = std::min(lo + 1, x.size() - 1);
  const double frac = h - static_cast<double>(lo);
  return x[lo] + frac * (x[hi] - x[lo]);
}

}  // namespace detail

/// Checks the options (errors name the argument): replicates in
/// 1..bootstrap_max_replicates, level in (0, 1), the model's own options.
inline void check_bootstrap_options(const bootstrap_options& o, std::size_t n_channels) {
  using sostac::detail::format_value;
  if (o.replicates < 1 || o.replicates > bootstrap_max_replicates)
    throw input_error("replicates", "expected 1 to " +
                                        std::to_string(bootstrap_max_replicates) + ", got " +
                                        std::to_string(o.replicates));
  if (n_channels > 0 && o.replicates > bootstrap_max_cells / n_channels)
    throw input_error("replicates",
                      std::to_string(o.replicates) + " replicates of " +
                          std::to_string(n_channels) + " channels exceed " +
                          std::to_string(bootstrap_max_cells) +
                          " cells per replicate matrix; use fewer replicates");
  if (!(o.level > 0 && o.level < 1))
    throw input_error("level", "expected a confidence level in (0, 1), got " +
                                   format_value(o.level));
  if (o.model == bootstrap_model::markov && (o.markov.order < 1 || o.markov.order > 4))
    throw input_error("order",
                      "expected 1, 2, 3 or 4, got " + std::to_string(o.markov.order));
  if (o.model == bootstrap_model::heuristic) check_heuristic_options(o.heuristic_opts);
}

/// The bootstrap of the model's per-channel statistics (see the file comment). The
/// point estimates are the model on the table itself (its errors, e.g. a table without
/// conversions, surface here). Bit-identical for any thread count.
inline bootstrap_result bootstrap(const path_table_view& t, const bootstrap_options& o) {
  check_bootstrap_options(o, t.n_channels);
  check_path_table(t);
  if (t.n == 0) throw input_error("paths", "the path table is empty");
  const std::size_t C = t.n_channels, R = o.replicates;
  bootstrap_result res;
  res.options = o;
  res.n_channels = C;
  res.replicates = R;
  const std::vector<std::string> names = detail::bootstrap_names(o.model);
  const std::size_t K = names.size();
  res.statistics.resize(K);
  {
    // The point estimates, on the data (the model's own input checks apply).
    bool empty = false;
    std::vector<double*> out(K);
    for (std::size_t k = 0; k < K; ++k) {
      res.statistics[k].name = names[k];
      res.statistics[k].estimate.assign(C, 0.0);
      res.statistics[k].draws.assign(R * C, 0.0);
      out[k] = res.statistics[k].estimate.data();
    }
    detail::bootstrap_statistics(t, o, out, empty, true);
  }
  std::vector<char> empty(R, 0);
  // One replicate per chunk: each fills its own rows of the matrices from its own
  // streams, so neither the thread count nor the order of the chunks matters.
  sostac::parallel_for(
      R,
      [&](std::size_t b, std::size_t e) {
        std::vector<double> conv(t.n), value(t.n), nulls(t.n);
        path_table_view w = t;
        w.conversions = conv.data();
        w.value = value.data();
        w.nulls = nulls.data();
        std::vector<double*> out(K);
        for (std::size_t r = b; r < e; ++r) {
          detail::bootstrap_weights(t, o, r, conv.data(), value.data(), nulls.data());
          for (std::size_t k = 0; k < K; ++k) out[k] = res.statistics[k].draws.data() + r * C;
          bool is_empty = false;
          detail::bootstrap_statistics(w, o, out, is_empty);
          empty[r] = is_empty ? 1 : 0;
        }
      },
      1);
  for (char e : empty) res.empty_replicates += static_cast<std::size_t>(e);
  const double qlo = (1 - o.level) / 2, qhi = (1 + o.level) / 2;
  std::vector<double> col;
  col.reserve(R);
  for (auto& s : res.statistics) {
    s.mean.assign(C, 0.0);
    s.se.assign(C, 0.0);
    s.low.assign(C, 0.0);
    s.high.assign(C, 0.0);
    s.finite.assign(C, 0);
    for (std::size_t c = 0; c < C; ++c) {
      col.clear();
      for (std::size_t r = 0; r < R; ++r) {
        const double x = s.draws[r * C + c];
        if (std::isfinite(x)) col.push_back(x);
      }
      s.finite[c] = col.size();
      const double nan = std::numeric_limits<double>::quiet_NaN();
      if (col.empty()) {
        s.mean[c] = s.se[c] = s.low[c] = s.high[c] = nan;
        continue;
      }
      double mean = 0;
      for (double x : col) mean += x;
      mean /= static_cast<double>(col.size());
      double ss = 0;
      for (double x : col) ss += (x - mean) * (x - mean);
      s.mean[c] = mean;
      s.se[c] = col.size() > 1 ? std::sqrt(ss / static_cast<double>(col.size() - 1)) : nan;
      std::sort(col.begin(), col.end());
      s.low[c] = detail::sorted_quantile(col, qlo);
      s.high[c] = detail::sorted_quantile(col, qhi);
    }
  }
  return res;
}

}  // namespace sostac::attribution
