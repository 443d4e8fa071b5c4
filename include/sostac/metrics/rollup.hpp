#pragma once
/// KPI roll-up over a daily aggregate: every KPI of the catalogue (or user-defined,
/// as a ratio of measure expressions) by group and calendar period, with an interval.
///
/// kpi_rollup is a mergeable accumulator: add() chunks of rows, merge() states built
/// on other chunks or partitions, finish() the table. It keeps, per (group, period),
/// the row count, the sum of every measure the KPIs need and, for KPIs whose interval
/// needs it, the residual moments about the group's own ratio R = sum y / sum x:
/// D = sum (y - R x)^2, E = sum (y - R x) x and Q = sum x^2 (x = 1 for a plain sum,
/// so D is the centred sum of squares). Blocks of rows get them in two passes; states
/// combine exactly by moving each part's residuals to the joint ratio (e + dR x),
/// the pairwise update of Chan, Golub & LeVeque generalised to ratios, so the
/// variances do not cancel: rows that are exactly proportional give D = 0.

#include <sostac/core/error.hpp>
#include <sostac/core/parallel.hpp>
#include <sostac/metrics/columns.hpp>
#include <sostac/metrics/kpi.hpp>
#include <sostac/metrics/period.hpp>

#include <boost/math/special_functions/erf.hpp>
#include <boost/math/special_functions/gamma.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace sostac::metrics {

enum class interval_kind { wilson, poisson_gamma, poisson, normal, delta };

inline const char* to_string(interval_kind k) noexcept {
  switch (k) {
    case interval_kind::wilson:
      return "wilson";
    case interval_kind::poisson_gamma:
      return "poisson-gamma";
    case interval_kind::poisson:
      return "poisson";
    case interval_kind::normal:
      return "normal";
    default:
      return "delta";
  }
}

/// Money (cost, revenue, lifetime_value), seconds (session_seconds) or a count.
enum class measure_kind { count, money, seconds };

inline measure_kind kind_of_measure(const std::string& m) {
  if (m == "cost" || m == "revenue" || m == "lifetime_value")
    return measure_kind::money;
  if (m == "session_seconds") return measure_kind::seconds;
  return measure_kind::count;
}

/// A KPI as the roll-up computes it: scale * numerator / denominator, each a sum of
/// signed measure terms (an empty denominator makes a plain sum).
struct kpi_formula {
  std::string id;
  std::vector<measure_term> numerator;
  std::vector<measure_term> denominator;
  double scale = 1;
  std::string unit = "ratio";
};

inline kpi_formula formula_of(const kpi_definition& d) {
  kpi_formula f;
  f.id = d.id;
  f.numerator = parse_measure_expression(d.numerator, d.id + ".numerator");
  if (!d.denominator.empty())
    f.denominator = parse_measure_expression(d.denominator, d.id + ".denominator");
  f.scale = d.scale;
  f.unit = d.unit;
  return f;
}

/// Which interval a KPI gets (see the file comment).
inline interval_kind interval_for(const kpi_formula& k) {
  auto single = [](const std::vector<measure_term>& t) {
    return t.size() == 1 && t[0].coefficient == 1.0;
  };
  auto count = [](const std::vector<measure_term>& t) {
    return kind_of_measure(t[0].measure) == measure_kind::count;
  };
  if (k.denominator.empty())
    return single(k.numerator) && count(k.numerator) ? interval_kind::poisson
                                                     : interval_kind::normal;
  if (k.unit == "ratio" && single(k.numerator) && single(k.denominator) &&
      count(k.numerator) && count(k.denominator))
    return interval_kind::wilson;
  if (single(k.numerator) && k.numerator[0].measure == "cost" &&
      single(k.denominator) && count(k.denominator))
    return interval_kind::poisson_gamma;
  return interval_kind::delta;
}

/// One output row: a KPI for one group in one period.
struct rollup_row {
  std::int64_t group;         ///< the group code given to add()
  std::int64_t period_start;  ///< day number of the period's first day
  std::size_t kpi;            ///< index into the accumulator's KPIs
  double value, low, high;
  double numerator, denominator;  ///< group sums (denominator NaN for a plain sum)
  std::int64_t rows;
  interval_kind interval;
  std::string problem;  ///< non-empty when the data contradict the KPI (x > n)
};

class kpi_rollup {
 public:
  /// `ticks_per_day` and `offset_ticks` describe the time column given to add().
  kpi_rollup(std::vector<kpi_formula> kpis, period p, std::int64_t ticks_per_day,
             std::int64_t offset_ticks = 0)
      : kpis_(std::move(kpis)),
        period_(p),
        ticks_per_day_(ticks_per_day),
        offset_ticks_(offset_ticks) {
    if (kpis_.empty()) throw input_error("kpis", "expected at least one KPI");
    if (ticks_per_day_ <= 0)
      throw input_error("ticks_per_day", "expected a positive number of ticks per day");
    auto index_of = [&](const std::string& m) {
      for (std::size_t i = 0; i < measures_.size(); ++i)
        if (measures_[i] == m) return i;
      measures_.push_back(m);
      return measures_.size() - 1;
    };
    for (const auto& k : kpis_) {
      term_list num, den;
      for (const auto& t : k.numerator)
        num.push_back({t.coefficient, index_of(t.measure)});
      for (const auto& t : k.denominator)
        den.push_back({t.coefficient, index_of(t.measure)});
      const interval_kind kind = interval_for(k);
      kinds_.push_back(kind);
      num_.push_back(num);
      den_.push_back(den);
      moment_.push_back(kind == interval_kind::normal || kind == interval_kind::delta
                            ? moments_++
                            : npos);
    }
    width_ = 1 + measures_.size() + 3 * moments_;
  }

  /// The base measures the KPIs need, in the order add() expects their columns.
  const std::vector<std::string>& measures() const noexcept { return measures_; }
  const std::vector<kpi_formula>& kpis() const noexcept { return kpis_; }
  std::size_t groups_and_periods() const noexcept { return keys_.size(); }

  /// Adds n rows: group codes (>= 0), times in ticks, and one column per measure
  /// (measures() order), each with non-negative finite values. Throws input_error
  /// naming the column and row of the first bad value; the state is then unchanged.
  void add(const integer_column& group, const integer_column& time,
           const std::vector<numeric_column>& columns) {
    const std::size_t n = group.size;
    if (time.size != n)
      throw input_error(time.name, "expected " + std::to_string(n) +
                                       " values (one per row of " + group.name +
                                       "), got " + std::to_string(time.size));
    if (columns.size() != measures_.size())
      throw input_error("columns", "expected " + std::to_string(measures_.size()) +
                                       " measure columns, got " +
                                       std::to_string(columns.size()));
    for (const auto& c : columns)
      if (c.size != n)
        throw input_error(c.name, "expected " + std::to_string(n) + " values, got " +
                                      std::to_string(c.size));
    if (n == 0) return;
    const auto keys_before = keys_.size();
    state partial;
    try {
      partial = accumulate(slots_of(group, time), columns);
    } catch (...) {
      forget_keys_from(keys_before);
      throw;
    }
    state_.resize(keys_.size() * width_, 0.0);
    for (std::size_t s = 0; s < keys_.size(); ++s)
      combine(&state_[s * width_], &partial[s * width_]);
  }

  /// Adds another accumulator's state (same KPIs, period and time unit). Its group
  /// code g becomes group_map[g] when a map is given.
  void merge(const kpi_rollup& other, const std::vector<std::int64_t>& group_map = {}) {
    if (other.measures_ != measures_ || other.kinds_ != kinds_ ||
        other.period_ != period_)
      throw input_error("other",
                        "expected an accumulator with the same KPIs and period");
    state_.resize(keys_.size() * width_, 0.0);
    for (std::size_t s = 0; s < other.keys_.size(); ++s) {
      std::int64_t g = other.keys_[s].first;
      if (!group_map.empty()) {
        if (g < 0 || static_cast<std::size_t>(g) >= group_map.size())
          throw input_error("group_map",
                            "has no entry for group code " + std::to_string(g));
        g = group_map[static_cast<std::size_t>(g)];
      }
      const std::size_t mine = slot_for(g, other.keys_[s].second);
      state_.resize(keys_.size() * width_, 0.0);
      combine(&state_[mine * width_], &other.state_[s * width_]);
    }
  }

  /// The table: one row per (period, group) seen and KPI, sorted by period, group
  /// code and KPI order. `level` in (0, 1).
  std::vector<rollup_row> finish(double level = 0.95) const {
    sostac::detail::check_level("level", level);
    const double z = normal_quantile((1 + level) / 2);
    std::vector<std::size_t> order(keys_.size());
    for (std::size_t s = 0; s < order.size(); ++s) order[s] = s;
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      return keys_[a].second != keys_[b].second ? keys_[a].second < keys_[b].second
                                                : keys_[a].first < keys_[b].first;
    });
    std::vector<rollup_row> out;
    out.reserve(order.size() * kpis_.size());
    for (const std::size_t s : order)
      for (std::size_t k = 0; k < kpis_.size(); ++k)
        out.push_back(evaluate(s, k, level, z));
    return out;
  }

 private:
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);
  struct term {
    double coefficient;
    std::size_t measure;
  };
  using term_list = std::vector<term>;
  using state = std::vector<double>;  // per slot: n, sums[M], then (D, E, Q)[J]

  static double normal_quantile(double p) {
    return -std::sqrt(2.0) * boost::math::erfc_inv(2 * p);
  }

  double sum_of(const double* slot, const term_list& terms) const {
    double v = 0;
    for (const auto& t : terms) v += t.coefficient * slot[1 + t.measure];
    return v;
  }

  /// The per-row denominator total of KPI k in a slot (the row count for a sum).
  double x_total(const double* slot, std::size_t k) const {
    return den_[k].empty() ? slot[0] : sum_of(slot, den_[k]);
  }
  /// The slot's ratio for KPI k, about which its residual moments are kept.
  double ratio_of(const double* slot, std::size_t k) const {
    const double x = x_total(slot, k);
    return x != 0 ? sum_of(slot, num_[k]) / x : 0.0;
  }

  /// Adds slot state b into a: residuals move to the joint ratio, e' = e + dR x.
  void combine(double* a, const double* b) const {
    if (b[0] == 0) return;
    if (a[0] == 0) {
      std::copy(b, b + width_, a);
      return;
    }
    std::vector<double> ra(kpis_.size()), rb(kpis_.size());
    for (std::size_t k = 0; k < kpis_.size(); ++k)
      if (moment_[k] != npos) ra[k] = ratio_of(a, k), rb[k] = ratio_of(b, k);
    a[0] += b[0];
    for (std::size_t m = 0; m < measures_.size(); ++m) a[1 + m] += b[1 + m];
    for (std::size_t k = 0; k < kpis_.size(); ++k) {
      if (moment_[k] == npos) continue;
      const double r = ratio_of(a, k), da = ra[k] - r, db = rb[k] - r;
      double* ma = a + 1 + measures_.size() + 3 * moment_[k];
      const double* mb = b + 1 + measures_.size() + 3 * moment_[k];
      const double d = ma[0] + 2 * da * ma[1] + da * da * ma[2] + mb[0] +
                       2 * db * mb[1] + db * db * mb[2];
      const double e = ma[1] + da * ma[2] + mb[1] + db * mb[2];
      ma[0] = d;
      ma[1] = e;
      ma[2] += mb[2];
    }
  }

  static std::uint64_t pack(std::int64_t group, std::int64_t pidx) {
    return (static_cast<std::uint64_t>(group) << 32) |
           static_cast<std::uint32_t>(static_cast<std::int32_t>(pidx));
  }

  std::size_t slot_for(std::int64_t group, std::int64_t pidx) {
    const std::uint64_t key = pack(group, pidx);
    const auto it = index_.find(key);
    if (it != index_.end()) return it->second;
    index_.emplace(key, keys_.size());
    keys_.emplace_back(group, pidx);
    return keys_.size() - 1;
  }

  void forget_keys_from(std::size_t first) {
    for (std::size_t s = first; s < keys_.size(); ++s)
      index_.erase(pack(keys_[s].first, keys_[s].second));
    keys_.resize(first);
  }

  /// The state slot of every row (creating slots for new (group, period) pairs).
  std::vector<std::int32_t> slots_of(const integer_column& group,
                                     const integer_column& time) {
    const std::size_t n = group.size;
    std::vector<std::int32_t> slot(n);
    // pass 1: period index per row (the last time's result is reused: daily data
    // repeats its dates), and the ranges of codes and periods
    std::int64_t pmin = std::numeric_limits<std::int64_t>::max(), pmax = -pmin;
    visit(time, [&](const auto* t) {
      std::int64_t last_t = 0, last_p = 0;
      bool have = false;
      for (std::size_t i = 0; i < n; ++i) {
        const auto ti = static_cast<std::int64_t>(t[i]);
        if (!have || ti != last_t) {
          last_t = ti;
          last_p = period_index(day_of(ti, ticks_per_day_, offset_ticks_), period_);
          have = true;
          if (last_p < -(std::int64_t{1} << 30) || last_p > (std::int64_t{1} << 30))
            throw input_error(time.name + "[" + std::to_string(i) + "]",
                              "the time is outside the supported calendar");
          pmin = std::min(pmin, last_p);
          pmax = std::max(pmax, last_p);
        }
        slot[i] = static_cast<std::int32_t>(last_p);
      }
    });
    std::int64_t gmax = -1;
    visit(group, [&](const auto* g) {
      for (std::size_t i = 0; i < n; ++i) {
        const auto gi = static_cast<std::int64_t>(g[i]);
        if (gi < 0 || gi > std::numeric_limits<std::int32_t>::max())
          throw input_error(
              group.name + "[" + std::to_string(i) + "]",
              "expected a group code in [0, 2^31), got " + std::to_string(gi));
        gmax = std::max(gmax, gi);
      }
    });
    // pass 2: (group, period) -> slot, through a dense table when it is small
    const auto span = static_cast<std::uint64_t>(pmax - pmin + 1);
    const auto groups = static_cast<std::uint64_t>(gmax + 1);
    if (span * groups <= (std::uint64_t{1} << 24)) {
      std::vector<std::int32_t> table(span * groups, -1);
      visit(group, [&](const auto* g) {
        for (std::size_t i = 0; i < n; ++i) {
          const auto gi = static_cast<std::int64_t>(g[i]);
          std::int32_t& cell = table[static_cast<std::uint64_t>(gi) * span +
                                     static_cast<std::uint64_t>(slot[i] - pmin)];
          if (cell < 0) cell = static_cast<std::int32_t>(slot_for(gi, slot[i]));
          slot[i] = cell;
        }
      });
    } else {
      visit(group, [&](const auto* g) {
        for (std::size_t i = 0; i < n; ++i)
          slot[i] = static_cast<std::int32_t>(
              slot_for(static_cast<std::int64_t>(g[i]), slot[i]));
      });
    }
    return slot;
  }

  /// The chunk's state over all current slots: fixed blocks of rows (boundaries
  /// depend on the sizes only, so results do not depend on the thread count), two
  /// passes per block, blocks combined in order.
  state accumulate(const std::vector<std::int32_t>& slot,
                   const std::vector<numeric_column>& columns) const {
    const std::size_t n = slot.size(), slots = keys_.size();
    const std::size_t per_block = slots * width_;
    std::size_t block_rows = std::size_t{1} << 20;
    if (per_block * ((n + block_rows - 1) / block_rows) > (std::size_t{1} << 25))
      block_rows = n;  // too many slots for a state per block: one block
    const std::size_t blocks = (n + block_rows - 1) / block_rows;
    std::vector<state> parts(blocks);
    parallel_for(
        blocks,
        [&](std::size_t b0, std::size_t b1) {
          for (std::size_t b = b0; b < b1; ++b)
            parts[b] = accumulate_block(slot, columns, b * block_rows,
                                        std::min(n, (b + 1) * block_rows));
        },
        1);
    state total(per_block, 0.0);
    for (const auto& p : parts)
      for (std::size_t s = 0; s < slots; ++s)
        combine(&total[s * width_], &p[s * width_]);
    return total;
  }

  state accumulate_block(const std::vector<std::int32_t>& slot,
                         const std::vector<numeric_column>& columns, std::size_t begin,
                         std::size_t end) const {
    state st(keys_.size() * width_, 0.0);
    for (std::size_t i = begin; i < end; ++i)
      st[static_cast<std::size_t>(slot[i]) * width_] += 1;
    for (std::size_t m = 0; m < columns.size(); ++m) {
      visit(columns[m], [&](const auto* v) {
        for (std::size_t i = begin; i < end; ++i) {
          const auto x = static_cast<double>(v[i]);
          if (!(x >= 0 && x <= std::numeric_limits<double>::max()))
            throw input_error(columns[m].name + "[" + std::to_string(i) + "]",
                              "expected a non-negative number, got " +
                                  sostac::detail::format_value(x));
          st[static_cast<std::size_t>(slot[i]) * width_ + 1 + m] += x;
        }
      });
    }
    if (moments_ == 0) return st;
    // second pass: residuals about each slot's ratio in this block
    const std::size_t slots = keys_.size();
    std::vector<double> ratio(slots);
    for (std::size_t k = 0; k < kpis_.size(); ++k) {
      if (moment_[k] == npos) continue;
      for (std::size_t s = 0; s < slots; ++s) ratio[s] = ratio_of(&st[s * width_], k);
      const std::size_t at = 1 + measures_.size() + 3 * moment_[k];
      for (std::size_t i = begin; i < end; ++i) {
        const auto s = static_cast<std::size_t>(slot[i]);
        double x = den_[k].empty() ? 1.0 : 0.0, y = 0;
        for (const auto& t : den_[k]) x += t.coefficient * columns[t.measure][i];
        for (const auto& t : num_[k]) y += t.coefficient * columns[t.measure][i];
        const double e = y - ratio[s] * x;
        double* m = &st[s * width_ + at];
        m[0] += e * e;
        m[1] += e * x;
        m[2] += x * x;
      }
    }
    return st;
  }

  rollup_row evaluate(std::size_t s, std::size_t k, double level, double z) const {
    const double* st = &state_[s * width_];
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const double inf = std::numeric_limits<double>::infinity();
    const double n = st[0], scale = kpis_[k].scale;
    const double num = sum_of(st, num_[k]);
    const double den = den_[k].empty() ? nan : sum_of(st, den_[k]);
    rollup_row r{keys_[s].first,
                 period_start(keys_[s].second, period_),
                 k,
                 nan,
                 nan,
                 nan,
                 num,
                 den,
                 static_cast<std::int64_t>(n),
                 kinds_[k],
                 {}};
    const double alpha = 1 - level;
    auto garwood_low = [&](double c) {
      return c > 0 ? boost::math::gamma_p_inv(c, alpha / 2) : 0.0;
    };
    auto garwood_high = [&](double c) {
      return boost::math::gamma_p_inv(c + 1, 1 - alpha / 2);
    };
    switch (kinds_[k]) {
      case interval_kind::wilson: {
        if (den == 0) break;
        r.value = scale * num / den;
        if (num > den) {
          r.problem = measures_[num_[k][0].measure] + " (" +
                      sostac::detail::format_value(num) + ") exceed " +
                      measures_[den_[k][0].measure] + " (" +
                      sostac::detail::format_value(den) + ")";
          break;
        }
        const double z2 = z * z, centre = (num + z2 / 2) / (den + z2);
        const double half =
            z * std::sqrt(num * (den - num) / den + z2 / 4) / (den + z2);
        r.low = scale * (centre - half);
        r.high = scale * (centre + half);
        break;
      }
      case interval_kind::poisson_gamma: {
        const double hi = garwood_high(den), lo = garwood_low(den);
        r.value = den > 0 ? scale * num / den : nan;
        r.low = scale * num / hi;
        r.high = lo > 0 ? scale * num / lo : inf;  // no count: no upper bound
        break;
      }
      case interval_kind::poisson:
        r.value = scale * num;
        r.low = scale * garwood_low(num);
        r.high = scale * garwood_high(num);
        break;
      case interval_kind::normal: {
        r.value = scale * num;
        if (n < 2) break;
        const double ss = std::max(0.0, st[1 + measures_.size() + 3 * moment_[k]]);
        const double half = z * std::sqrt(n * ss / (n - 1));
        r.low = scale * (num - half);
        r.high = scale * (num + half);
        break;
      }
      case interval_kind::delta: {
        if (den == 0) break;
        const double ratio = num / den;
        r.value = scale * ratio;
        if (n < 2) break;
        // sum of (y - R x)^2, kept about R itself; >= 0 up to rounding
        const double ss = std::max(0.0, st[1 + measures_.size() + 3 * moment_[k]]);
        const double xbar = den / n;
        const double half = z * std::sqrt(ss / (n * (n - 1))) / std::abs(xbar);
        r.low = scale * (ratio - half);
        r.high = scale * (ratio + half);
        break;
      }
    }
    return r;
  }

  std::vector<kpi_formula> kpis_;
  period period_;
  std::int64_t ticks_per_day_, offset_ticks_;
  std::vector<std::string> measures_;
  std::vector<interval_kind> kinds_;
  std::vector<term_list> num_, den_;
  std::vector<std::size_t> moment_;
  std::size_t moments_ = 0, width_ = 0;
  std::vector<std::pair<std::int64_t, std::int64_t>> keys_;  // (group, period index)
  std::unordered_map<std::uint64_t, std::size_t> index_;
  state state_;
};

}  // namespace sostac::metrics
