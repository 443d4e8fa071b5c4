// sostac/attribution/shapley_values.hpp: exact Shapley values of channel coalitions.
#pragma once
/// The cooperative game of Shao and Li (2011, "Data-driven multi-touch attribution
/// models") and Dalessandro et al. (2012, "Causally motivated attribution for online
/// advertising"): the players are the channels; a coalition S is worth what the
/// journeys whose channel set (the distinct channels on the path) lies within S
/// achieve:
///   - worth = conversions: v(S) = sum of conversions of the paths with set(p) ⊆ S;
///   - worth = rate:        v(S) = that sum / the journeys (conversions + nulls) of the
///                           same paths, 0 when there are none.
/// The Shapley value is phi_i = sum_{S not containing i} |S|! (n - |S| - 1)! / n!
/// (v(S ∪ {i}) - v(S)), which sums to v(N) (efficiency, v(∅) = 0).
///   - The conversions game is a sum of unanimity games (each path's conversions
///     u_{set(p)}), whose Shapley value gives 1/|set(p)| to each member, so
///     phi_i = sum over the paths containing i of conversions / |set(p)| — exact for
///     any number of channels in one pass over the steps.
///   - The rate game has no such split: v over all 2^n coalitions comes from two
///     subset-sum (zeta) transforms and phi from one pass over the coalitions,
///     O(2^n n) time and 2^n doubles, so it is limited to shapley_max_channels.
/// Attributed conversions: phi itself for the conversions game; total conversions *
/// phi_i / v(N) for the rate game (a channel whose presence lowers the rate gets a
/// negative share). Value: the same game with each path's value in place of its
/// conversions.
///
/// The ordered Shapley value (Zhao, Mahboobi and Bagheri 2018, "Shapley value methods
/// for attribution modeling in online advertising", arXiv:1804.05327, section 3):
/// with R(S) the conversions of the journeys whose channel set is exactly S, the
/// simplified Shapley value phi_i = sum_{S containing i} R(S) / |S| is split over the
/// touches: channel i at the j-th touch gets
///   phi_i^j = sum_{S containing i} 1/|S| sum over the journeys u with set(u) = S whose
///             j-th touch is i of r(u) / N_i(u),
/// N_i(u) the touches of i on u (a repeated channel shares its part evenly among its
/// touches). So sum_j phi_i^j = phi_i (the conversions game above) and
/// sum_{i,j} phi_i^j = the total conversions. Computed per path in one pass over the
/// steps, O(steps) time and O(n_channels * longest path) memory; positions are
/// limited to shapley_max_positions. Defined for the conversions game only: the rate
/// game's Harsanyi dividends are not carried by any journey, so they have no touches
/// to be split over.

#include <sostac/attribution/path_table.hpp>

#include <bitset>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace sostac::attribution {

inline constexpr std::size_t shapley_max_channels = 20;
/// The longest path the ordered variant takes (its output is channels x positions).
inline constexpr std::size_t shapley_max_positions = 1000;

enum class shapley_worth { conversions, rate };

struct shapley_result {
  shapley_worth worth = shapley_worth::conversions;
  std::size_t n_channels = 0;
  double total_conversions = 0, total_value = 0;
  double grand_worth = 0;  ///< v(N): the total conversions, or the overall rate
  /// Per channel: the Shapley value of the game and the attributed totals.
  std::vector<double> shapley_value, conversions, value;
  /// Ordered variant only (else 0 and empty): the longest path's touches k, and the
  /// conversions and value credited to channel c at touch j (0-based) at [c * k + j].
  std::size_t n_positions = 0;
  std::vector<double> position_conversions, position_value;
};

namespace detail {

/// In-place subset sums: f[m] <- sum over the submasks s of m of f[s].
inline void zeta_transform(std::vector<double>& f, std::size_t n) noexcept {
  const std::size_t size = std::size_t{1} << n;
  for (std::size_t b = 0; b < n; ++b) {
    const std::size_t bit = std::size_t{1} << b;
    for (std::size_t m = 0; m < size; ++m)
      if (m & bit) f[m] += f[m ^ bit];
  }
}

/// Shapley values of the game v over n players (v[mask], v[0] = 0).
inline std::vector<double> shapley_of_game(const std::vector<double>& v, std::size_t n) {
  // weight[s] = s! (n - s - 1)! / n! = 1 / (n * C(n - 1, s))
  std::vector<double> weight(n, 0.0);
  double binom = 1;  // C(n - 1, s)
  for (std::size_t s = 0; s < n; ++s) {
    weight[s] = 1.0 / (static_cast<double>(n) * binom);
    binom = binom * static_cast<double>(n - 1 - s) / static_cast<double>(s + 1);
  }
  std::vector<double> phi(n, 0.0);
  const std::size_t size = std::size_t{1} << n;
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t bit = std::size_t{1} << i;
    double acc = 0;
    for (std::size_t m = 0; m < size; ++m) {
      if (m & bit) continue;
      acc += weight[std::bitset<64>(m).count()] * (v[m | bit] - v[m]);
    }
    phi[i] = acc;
  }
  return phi;
}

}  // namespace detail

/// Exact Shapley values of the channels (see the file comment).
inline shapley_result shapley(const path_table_view& t,
                              shapley_worth worth = shapley_worth::conversions) {
  check_path_table(t);
  if (t.n == 0) throw input_error("paths", "the path table is empty");
  const std::size_t n = t.n_channels;
  shapley_result res;
  res.worth = worth;
  res.n_channels = n;
  double total_nulls = 0;
  for (std::size_t i = 0; i < t.n; ++i) {
    res.total_conversions += t.conversions[i];
    res.total_value += t.value[i];
    total_nulls += t.nulls[i];
  }
  if (!(res.total_conversions > 0))
    throw input_error("conversions", "the path table has no conversions; Shapley "
                                     "attribution needs at least one converting path");
  res.shapley_value.assign(n, 0.0);
  res.conversions.assign(n, 0.0);
  res.value.assign(n, 0.0);
  if (worth == shapley_worth::conversions) {
    // Unanimity-game split: 1 / |set(p)| of each path to each of its distinct channels.
    std::vector<std::size_t> stamp(n, static_cast<std::size_t>(-1));
    std::vector<std::int32_t> members;
    for (std::size_t i = 0; i < t.n; ++i) {
      members.clear();
      for (std::uint64_t j = t.offsets[i]; j < t.offsets[i + 1]; ++j) {
        const auto c = static_cast<std::size_t>(t.steps[j]);
        if (stamp[c] != i) {
          stamp[c] = i;
          members.push_back(t.steps[j]);
        }
      }
      const double share = 1.0 / static_cast<double>(members.size());
      for (std::int32_t c : members) {
        res.shapley_value[static_cast<std::size_t>(c)] += t.conversions[i] * share;
        res.value[static_cast<std::size_t>(c)] += t.value[i] * share;
      }
    }
    res.conversions = res.shapley_value;
    res.grand_worth = res.total_conversions;
    return res;
  }
  if (n > shapley_max_channels)
    throw input_error("paths", "exact Shapley values of the conversion rate take at most " +
                                   std::to_string(shapley_max_channels) + " channels (2^n "
                                   "coalitions), got " + std::to_string(n) +
                                   "; merge rare channels into one (e.g. \"other\"), or use "
                                   "worth=\"conversions\", which is exact for any number");
  if (!(total_nulls > 0))
    throw input_error("nulls", "the conversion-rate game needs non-converting journeys "
                               "(nulls), and the path table has none; use "
                               "worth=\"conversions\"");
  const std::size_t size = std::size_t{1} << n;
  std::vector<double> conv(size, 0.0), val(size, 0.0), journeys(size, 0.0);
  for (std::size_t i = 0; i < t.n; ++i) {
    std::size_t mask = 0;
    for (std::uint64_t j = t.offsets[i]; j < t.offsets[i + 1]; ++j)
      mask |= std::size_t{1} << t.steps[j];
    conv[mask] += t.conversions[i];
    val[mask] += t.value[i];
    journeys[mask] += t.conversions[i] + t.nulls[i];
  }
  detail::zeta_transform(conv, n);
  detail::zeta_transform(val, n);
  detail::zeta_transform(journeys, n);
  for (std::size_t m = 0; m < size; ++m) {
    const double d = journeys[m];
    conv[m] = d > 0 ? conv[m] / d : 0.0;
    val[m] = d > 0 ? val[m] / d : 0.0;
  }
  res.shapley_value = detail::shapley_of_game(conv, n);
  const std::vector<double> phi_value = detail::shapley_of_game(val, n);
  res.grand_worth = conv[size - 1];
  const double value_worth = val[size - 1];
  for (std::size_t c = 0; c < n; ++c) {
    res.conversions[c] = res.total_conversions * res.shapley_value[c] / res.grand_worth;
    res.value[c] = value_worth != 0 ? res.total_value * phi_value[c] / value_worth : 0.0;
  }
  return res;
}

/// The ordered Shapley value of Zhao et al. (2018) (see the file comment): the
/// conversions game's values split over the touch positions, exact, one pass over the
/// steps. Throws input_error when the longest path has more than
/// shapley_max_positions touches.
inline shapley_result ordered_shapley(const path_table_view& t) {
  check_path_table(t);
  if (t.n == 0) throw input_error("paths", "the path table is empty");
  const std::size_t n = t.n_channels;
  shapley_result res;
  res.worth = shapley_worth::conversions;
  res.n_channels = n;
  std::size_t longest = 0, longest_at = 0;
  for (std::size_t i = 0; i < t.n; ++i) {
    res.total_conversions += t.conversions[i];
    res.total_value += t.value[i];
    const auto len = static_cast<std::size_t>(t.offsets[i + 1] - t.offsets[i]);
    if (len > longest) {
      longest = len;
      longest_at = i;
    }
  }
  if (!(res.total_conversions > 0))
    throw input_error("conversions", "the path table has no conversions; Shapley "
                                     "attribution needs at least one converting path");
  if (longest > shapley_max_positions)
    throw input_error(
        "path[" + std::to_string(longest_at) + "]",
        "the ordered Shapley value credits every touch position, at most " +
            std::to_string(shapley_max_positions) + ", and this path has " +
            std::to_string(longest) + " touches; keep the last touches "
            "(sostac.attribution.paths(..., max_length=k)) or drop the longest paths, "
            "or use ordered=False, which has no such limit");
  const std::size_t k = longest;
  res.n_positions = k;
  res.position_conversions.assign(n * k, 0.0);
  res.position_value.assign(n * k, 0.0);
  // count[c] = touches of c on the current path (reset through stamp); distinct = |set|
  std::vector<std::size_t> stamp(n, static_cast<std::size_t>(-1)), count(n, 0);
  for (std::size_t i = 0; i < t.n; ++i) {
    const std::uint64_t b = t.offsets[i], e = t.offsets[i + 1];
    if (t.conversions[i] == 0 && t.value[i] == 0) continue;
    std::size_t distinct = 0;
    for (std::uint64_t j = b; j < e; ++j) {
      const auto c = static_cast<std::size_t>(t.steps[j]);
      if (stamp[c] != i) {
        stamp[c] = i;
        count[c] = 0;
        ++distinct;
      }
      ++count[c];
    }
    const double conv = t.conversions[i] / static_cast<double>(distinct);
    const double val = t.value[i] / static_cast<double>(distinct);
    for (std::uint64_t j = b; j < e; ++j) {
      const auto c = static_cast<std::size_t>(t.steps[j]);
      const double per_touch = 1.0 / static_cast<double>(count[c]);
      const std::size_t cell = c * k + static_cast<std::size_t>(j - b);
      res.position_conversions[cell] += conv * per_touch;
      res.position_value[cell] += val * per_touch;
    }
  }
  res.shapley_value.assign(n, 0.0);
  res.value.assign(n, 0.0);
  for (std::size_t c = 0; c < n; ++c)
    for (std::size_t j = 0; j < k; ++j) {
      res.shapley_value[c] += res.position_conversions[c * k + j];
      res.value[c] += res.position_value[c * k + j];
    }
  res.conversions = res.shapley_value;
  res.grand_worth = res.total_conversions;
  return res;
}

}  // namespace sostac::attribution
