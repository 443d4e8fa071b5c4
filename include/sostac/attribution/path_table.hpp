// sostac/attribution/path_table.hpp: the table of distinct customer journeys.
#pragma once
/// A path table: distinct paths of channel codes 0..C-1 (names in `channels`), path
/// i's touches, first to last, are steps[offsets[i] .. offsets[i+1]); per path the
/// conversions it ends in, their value and its non-converting journeys ("nulls", as
/// ChannelAttribution calls them). Every attribution model (heuristics, assists,
/// Markov, Shapley) reads this table; the path builder and read_paths write it.

#include <sostac/core/error.hpp>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace sostac::attribution {

struct path_view {
  const std::int32_t* steps = nullptr;
  std::size_t length = 0;
  double conversions = 0, value = 0, nulls = 0;
};

struct path_table {
  std::vector<std::string> channels;
  std::vector<std::uint64_t> offsets{0};
  std::vector<std::int32_t> steps;
  std::vector<double> conversions, value, nulls;

  std::size_t size() const noexcept { return conversions.size(); }
  std::size_t channel_count() const noexcept { return channels.size(); }
  path_view path(std::size_t i) const noexcept {
    return {steps.data() + offsets[i], static_cast<std::size_t>(offsets[i + 1] - offsets[i]),
            conversions[i], value[i], nulls[i]};
  }
  void push(const std::int32_t* s, std::size_t len, double conv, double val, double nul) {
    steps.insert(steps.end(), s, s + len);
    offsets.push_back(steps.size());
    conversions.push_back(conv);
    value.push_back(val);
    nulls.push_back(nul);
  }
};

/// A non-owning view of the same layout (numpy buffers from Python).
struct path_table_view {
  std::size_t n = 0, n_channels = 0;
  const std::uint64_t* offsets = nullptr;  // n + 1
  const std::int32_t* steps = nullptr;     // offsets[n]
  const double* conversions = nullptr;     // n each
  const double* value = nullptr;
  const double* nulls = nullptr;

  path_view path(std::size_t i) const noexcept {
    return {steps + offsets[i], static_cast<std::size_t>(offsets[i + 1] - offsets[i]),
            conversions[i], value[i], nulls[i]};
  }
  static path_table_view of(const path_table& t) noexcept {
    return {t.size(), t.channel_count(), t.offsets.data(), t.steps.data(),
            t.conversions.data(), t.value.data(), t.nulls.data()};
  }
};

/// Checks the layout: offsets non-decreasing from 0, every path non-empty, codes in
/// 0..n_channels-1, counts and value finite, counts >= 0. Errors name the argument
/// and the path ("conversions[12]").
inline void check_path_table(const path_table_view& t) {
  using sostac::detail::format_value;
  auto at = [](const char* name, std::size_t i) {
    return std::string(name) + "[" + std::to_string(i) + "]";
  };
  if (t.offsets == nullptr || t.offsets[0] != 0)
    throw input_error("offsets", "expected offsets starting at 0");
  for (std::size_t i = 0; i < t.n; ++i) {
    if (t.offsets[i + 1] <= t.offsets[i])
      throw input_error(at("path", i), "expected at least one touch");
    for (std::uint64_t j = t.offsets[i]; j < t.offsets[i + 1]; ++j)
      if (t.steps[j] < 0 || static_cast<std::size_t>(t.steps[j]) >= t.n_channels)
        throw input_error(at("path", i), "channel code " + std::to_string(t.steps[j]) +
                                             " outside 0.." + std::to_string(t.n_channels));
    const double c = t.conversions[i], v = t.value[i], u = t.nulls[i];
    if (!(std::isfinite(c) && c >= 0))
      throw input_error(at("conversions", i), "expected a finite count >= 0, got " + format_value(c));
    if (!std::isfinite(v))
      throw input_error(at("value", i), "expected a finite value, got " + format_value(v));
    if (!(std::isfinite(u) && u >= 0))
      throw input_error(at("nulls", i), "expected a finite count >= 0, got " + format_value(u));
  }
}

}  // namespace sostac::attribution
