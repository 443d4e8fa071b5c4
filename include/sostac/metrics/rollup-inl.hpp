#pragma once
/// Definitions for <sostac/metrics/rollup.hpp>: compiled into the sostac library
/// (src/), or included by the header when SOSTAC_HEADER_ONLY is defined.

#include <sostac/metrics/rollup.hpp>

#include <boost/math/special_functions/erf.hpp>
#include <boost/math/special_functions/gamma.hpp>

namespace sostac::metrics {

SOSTAC_INLINE const char* to_string(interval_kind k) noexcept {
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

SOSTAC_INLINE kpi_formula formula_of(const kpi_definition& d) {
  kpi_formula f;
  f.id = d.id;
  f.numerator = parse_measure_expression(d.numerator, d.id + ".numerator");
  if (!d.denominator.empty())
    f.denominator = parse_measure_expression(d.denominator, d.id + ".denominator");
  f.scale = d.scale;
  f.unit = d.unit;
  return f;
}

SOSTAC_INLINE interval_kind interval_for(const kpi_formula& k) {
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

}  // namespace sostac::metrics

namespace sostac::metrics {

SOSTAC_INLINE double kpi_rollup::normal_quantile(double p) {
  return -std::sqrt(2.0) * boost::math::erfc_inv(2 * p);
}

SOSTAC_INLINE double kpi_rollup::gamma_quantile(double a, double p) {
  if (a <= 1e10)
    return boost::math::gamma_p_inv(
        a, p,
        boost::math::policies::policy<
            boost::math::policies::promote_double<false>>());
  const double z = normal_quantile(p), t = 1 - 1 / (9 * a) + z / (3 * std::sqrt(a));
  return a * t * t * t;
}

SOSTAC_INLINE void kpi_rollup::add(const integer_column& group, const integer_column& time,
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
    partial = accumulate(group, time, columns);
  } catch (...) {
    forget_keys_from(keys_before);
    throw;
  }
  state_.resize(keys_.size() * width_, 0.0);
  for (std::size_t s = 0; s < keys_.size(); ++s)
    combine(&state_[s * width_], &partial[s * width_]);
}

SOSTAC_INLINE void kpi_rollup::merge(const kpi_rollup& other, const std::vector<std::int64_t>& group_map) {
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

SOSTAC_INLINE std::vector<rollup_row> kpi_rollup::finish(double level) const {
  sostac::detail::check_level("level", level);
  const double z = normal_quantile((1 + level) / 2);
  std::vector<std::size_t> order(keys_.size());
  for (std::size_t s = 0; s < order.size(); ++s) order[s] = s;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return keys_[a].second != keys_[b].second ? keys_[a].second < keys_[b].second
                                              : keys_[a].first < keys_[b].first;
  });
  // rows evaluated in parallel (Garwood bounds cost a gamma inversion each)
  const std::size_t nk = kpis_.size();
  std::vector<rollup_row> out(order.size() * nk);
  parallel_for(
      out.size(),
      [&](std::size_t i0, std::size_t i1) {
        for (std::size_t i = i0; i < i1; ++i)
          out[i] = evaluate(order[i / nk], i % nk, level, z);
      },
      256);
  return out;
}

SOSTAC_INLINE auto kpi_rollup::accumulate(const integer_column& group, const integer_column& time,
                                          const std::vector<numeric_column>& columns) -> state {
  const std::size_t n = group.size;
  const period_mapper to_period(time, ticks_per_day_, offset_ticks_, period_);
  // the range of the group codes, in parallel over fixed pieces
  const std::size_t piece = std::size_t{1} << 20, pieces = (n + piece - 1) / piece;
  std::vector<std::int64_t> lows(pieces), highs(pieces);
  parallel_for(
      pieces,
      [&](std::size_t q0, std::size_t q1) {
        visit(group, [&](const auto* g) {
          using T = std::remove_const_t<std::remove_pointer_t<decltype(g)>>;
          for (std::size_t q = q0; q < q1; ++q) {
            const std::size_t b = q * piece, e = std::min(n, b + piece);
            T lo = g[b], hi = g[b];
            for (std::size_t i = b; i < e; ++i) {
              lo = g[i] < lo ? g[i] : lo;
              hi = g[i] > hi ? g[i] : hi;
            }
            lows[q] = static_cast<std::int64_t>(lo);
            highs[q] = static_cast<std::int64_t>(hi);
          }
        });
      },
      1);
  const std::int64_t gmin = *std::min_element(lows.begin(), lows.end());
  const std::int64_t gmax = *std::max_element(highs.begin(), highs.end());
  if (gmin < 0 || gmax > std::numeric_limits<std::int32_t>::max())
    visit(group, [&](const auto* g) {
      for (std::size_t i = 0; i < n; ++i) {
        const auto gi = static_cast<std::int64_t>(g[i]);
        if (gi < 0 || gi > std::numeric_limits<std::int32_t>::max())
          throw input_error(
              group.name + "[" + std::to_string(i) + "]",
              "expected a group code in [0, 2^31), got " + std::to_string(gi));
      }
    });
  const auto span = static_cast<std::uint64_t>(to_period.span());
  const auto cells = span * static_cast<std::uint64_t>(gmax + 1);
  if (cells <= grid_cells) {
    const state grid = accumulate_rows(
        n, static_cast<std::size_t>(cells), columns,
        [&](std::size_t b, std::size_t e, std::int32_t* out) {
          visit(group, [&](const auto* g) {
            visit(time,
                  [&](const auto* t) { to_period.cells(g, t, b, e, span, out); });
          });
        });
    std::vector<std::size_t> slot_of_cell(static_cast<std::size_t>(cells), npos);
    for (std::size_t c = 0; c < slot_of_cell.size(); ++c)
      if (grid[c * width_] > 0)
        slot_of_cell[c] =
            slot_for(static_cast<std::int64_t>(c / span),
                     static_cast<std::int64_t>(c % span) + to_period.first());
    state out(keys_.size() * width_, 0.0);
    for (std::size_t c = 0; c < slot_of_cell.size(); ++c)
      if (slot_of_cell[c] != npos)
        std::copy(&grid[c * width_], &grid[c * width_] + width_,
                  &out[slot_of_cell[c] * width_]);
    return out;
  }
  std::vector<std::int32_t> slot(n);
  visit(group, [&](const auto* g) {
    visit(time, [&](const auto* t) {
      for (std::size_t i = 0; i < n; ++i)
        slot[i] = static_cast<std::int32_t>(
            slot_for(static_cast<std::int64_t>(g[i]),
                     to_period(static_cast<std::int64_t>(t[i])) + to_period.first()));
    });
  });
  return accumulate_rows(
      n, keys_.size(), columns, [&](std::size_t b, std::size_t e, std::int32_t* out) {
        std::copy(slot.begin() + static_cast<std::ptrdiff_t>(b),
                  slot.begin() + static_cast<std::ptrdiff_t>(e), out);
      });
}

SOSTAC_INLINE auto kpi_rollup::finish_part(const part_state& ps, std::size_t slots) const -> state {
  const std::size_t measures = measures_.size();
  state out(slots * width_, 0.0);
  for (std::size_t s = 0; s < slots; ++s) {
    const std::int64_t* a = &ps.isum[s * ps.iw];
    if (a[0] == 0) continue;
    const double* d = &ps.dsum[s * ps.dw];
    double* o = &out[s * width_];
    o[0] = static_cast<double>(a[0]);
    for (std::size_t m = 0; m < measures; ++m)
      o[1 + m] = static_cast<double>(a[1 + m]) + d[m];
    for (std::size_t k = 0; k < kpis_.size(); ++k) {
      if (moment_[k] == npos) continue;
      const double* q = d + measures + part_moment * moment_[k];
      double* r = o + 1 + measures + 5 * moment_[k];
      std::copy(q, q + 5, r);
      r[0] = running_sum(ps, s, den_[k], true);
      r[1] = running_sum(ps, s, num_[k], false);
      recentre(r, q[5] - (r[0] != 0 ? r[1] / r[0] : 0.0));
    }
  }
  return out;
}

SOSTAC_INLINE rollup_row kpi_rollup::evaluate(std::size_t s, std::size_t k, double level, double z) const {
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
    return c > 0 ? gamma_quantile(c, alpha / 2) : 0.0;
  };
  auto garwood_high = [&](double c) { return gamma_quantile(c + 1, 1 - alpha / 2); };
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
      const double ss = std::max(0.0, st[moment_at(k) + 2]);
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
      const double ss = std::max(0.0, st[moment_at(k) + 2]);
      const double xbar = den / n;
      const double half = z * std::sqrt(ss / (n * (n - 1))) / std::abs(xbar);
      r.low = scale * (ratio - half);
      r.high = scale * (ratio + half);
      break;
    }
  }
  return r;
}

}  // namespace sostac::metrics
