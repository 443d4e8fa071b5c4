#pragma once
/// Definitions for <sostac/metrics/funnel.hpp>: compiled into the sostac library
/// (src/), or included by the header when SOSTAC_HEADER_ONLY is defined.

#include <sostac/metrics/funnel.hpp>

namespace sostac::metrics::detail {

SOSTAC_INLINE void check_chunk(const event_columns& c) {
  const std::size_t n = c.user.size;
  auto same = [&](const integer_column& col) {
    if (col.size != n)
      throw input_error(col.name, "expected " + std::to_string(n) +
                                      " values (one per row of " + c.user.name +
                                      "), got " + std::to_string(col.size));
  };
  same(c.time);
  same(c.step);
  if (c.touch.data) same(c.touch);
}

SOSTAC_INLINE std::vector<std::int8_t> step_map(const event_columns& c, std::size_t steps) {
  std::vector<std::int8_t> map{-1};
  if (c.step_of.empty())
    for (std::size_t k = 0; k < steps; ++k) map.push_back(static_cast<std::int8_t>(k));
  for (std::size_t k = 0; k < c.step_of.size(); ++k) {
    if (c.step_of[k] < -1 || c.step_of[k] >= static_cast<std::int64_t>(steps))
      throw input_error("step_of[" + std::to_string(k) + "]",
                        "expected a step in [-1, " + std::to_string(steps) + "), got " +
                            std::to_string(c.step_of[k]));
    map.push_back(c.step_of[k]);
  }
  return map;
}

SOSTAC_INLINE std::vector<piece_tally> split_rows(const std::vector<event_columns>& chunks,
                                                  std::uint64_t rows, std::size_t parts) {
  const std::uint64_t size = std::max<std::uint64_t>(
      std::uint64_t{1} << 16, (rows + parts - 1) / std::max<std::size_t>(parts, 1));
  std::vector<piece_tally> pieces;
  std::uint64_t room = 0;
  for (std::size_t ci = 0; ci < chunks.size(); ++ci)
    for (std::size_t b = 0, n = chunks[ci].user.size; b < n;) {
      if (room == 0) {
        pieces.emplace_back();
        room = size;
      }
      const std::size_t e =
          static_cast<std::size_t>(std::min<std::uint64_t>(n, b + room));
      pieces.back().rows.push_back({ci, b, e});
      room -= e - b;
      b = e;
    }
  return pieces;
}

SOSTAC_INLINE void tally_piece(const std::vector<event_columns>& chunks,
                               const std::vector<std::vector<std::int8_t>>& maps,
                               std::size_t users, std::size_t steps, bool touches,
                               piece_tally& p) {
  p.count.assign(users, 0);
  std::uint64_t rows = 0;
  for (const auto& seg : p.rows) rows += seg.end - seg.begin;
  p.seen.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(users, rows)));
  // four interleaved histograms, so that runs of one step do not wait on one counter
  std::vector<std::int64_t> hist(4 * (steps + 1), 0);
  if (touches) {
    p.first_t.assign(users, std::numeric_limits<std::int64_t>::max());
    p.last_t.assign(users, std::numeric_limits<std::int64_t>::min());
    p.first_touch.assign(users, -1);
    p.last_touch.assign(users, -1);
    p.touched.assign(users, 0);
  }
  std::int64_t tmin = p.tmin, tmax = p.tmax;
  std::uint64_t tor = p.tor, tand = p.tand;
  std::uint32_t* count = p.count.data();
  for (const auto& seg : p.rows) {
    const auto& c = chunks[seg.chunk];
    const auto& map = maps[seg.chunk];
    const std::int64_t base = c.user_base;
    visit(c.user, [&](const auto* user) {
      visit(c.step, [&](const auto* step) {
        visit(c.time, [&](const auto* time) {
          for (std::size_t i = seg.begin; i < seg.end; ++i) {
            if (i + prefetch_distance < seg.end) {
              const auto ahead = static_cast<std::uint64_t>(
                  static_cast<std::int64_t>(user[i + prefetch_distance]) - base);
              if (ahead < users) prefetch(count + ahead);
            }
            const std::int64_t u = static_cast<std::int64_t>(user[i]) - base;
            const auto raw = static_cast<std::int64_t>(step[i]);
            if (u < 0 || static_cast<std::uint64_t>(u) >= users)
              throw input_error(
                  c.user.name + "[" + std::to_string(i) + "]",
                  base == 0
                      ? "expected a user code in [0, " + std::to_string(users) +
                            "), got " + std::to_string(u)
                      : "expected a user id in [" + std::to_string(base) + ", " +
                            std::to_string(base + static_cast<std::int64_t>(users)) +
                            "), got " + std::to_string(u + base));
            if (static_cast<std::uint64_t>(raw + 1) >= map.size())
              throw input_error(c.step.name + "[" + std::to_string(i) + "]",
                                "expected a step in [-1, " +
                                    std::to_string(map.size() - 1) + "), got " +
                                    std::to_string(raw));
            const std::int64_t s = map[static_cast<std::size_t>(raw + 1)];
            const auto uu = static_cast<std::size_t>(u);
            const std::uint32_t was = count[uu];
            if (!(was & 1)) p.seen.push_back(static_cast<std::uint32_t>(uu));
            count[uu] = was + (s >= 0 ? 3 : 1) - (was & 1);
            ++hist[(i & 3) * (steps + 1) + static_cast<std::size_t>(s + 1)];
            // the step times' range and bits, without a branch on the step
            const std::int64_t t = static_cast<std::int64_t>(time[i]);
            const std::uint64_t is_step = s >= 0 ? ~std::uint64_t{0} : 0;
            const std::int64_t lo =
                s >= 0 ? t : std::numeric_limits<std::int64_t>::max();
            const std::int64_t hi =
                s >= 0 ? t : std::numeric_limits<std::int64_t>::min();
            tmin = lo < tmin ? lo : tmin;
            tmax = hi > tmax ? hi : tmax;
            tor |= static_cast<std::uint64_t>(t) & is_step;
            tand &= static_cast<std::uint64_t>(t) | ~is_step;
            if (!touches || !c.touch.data) continue;
            const auto code = static_cast<std::int32_t>(c.touch[i]);
            p.touched[uu] = 1;
            if (t < p.first_t[uu]) p.first_t[uu] = t, p.first_touch[uu] = code;
            if (t >= p.last_t[uu]) p.last_t[uu] = t, p.last_touch[uu] = code;
          }
        });
      });
    });
  }
  p.tmin = tmin, p.tmax = tmax, p.tor = tor, p.tand = tand;
  p.hist.assign(steps + 1, 0);
  for (std::size_t k = 0; k <= steps; ++k)
    for (std::size_t h = 0; h < 4; ++h) p.hist[k] += hist[h * (steps + 1) + k];
}

}  // namespace sostac::metrics::detail

namespace sostac::metrics {

SOSTAC_INLINE funnel_users_result funnel_users(const std::vector<event_columns>& chunks,
                                               std::size_t users, std::size_t steps,
                                               std::int64_t window, funnel_options options) {
  if (steps == 0 || steps > max_funnel_steps)
    throw input_error("steps", "expected 1 to " + std::to_string(max_funnel_steps) +
                                   " steps, got " + std::to_string(steps));
  if (window < 0) throw input_error("window", "expected a non-negative window");
  if (users >= (std::size_t{1} << 32))
    throw input_error("users", "expected fewer than 2^32 users");
  std::uint64_t rows = 0;
  for (const auto& c : chunks) {
    detail::check_chunk(c);
    rows += c.user.size;
  }
  if (rows >= (std::uint64_t{1} << 31))
    throw input_error("events",
                      "expected fewer than 2^31 events in one funnel run, got " +
                          std::to_string(rows) +
                          " (run the users in partitions: a user's events "
                          "must stay together)");
  funnel_users_result r;
  r.steps = steps;
  r.level.assign(users, 0);
  r.present.assign(users, 0);
  r.step_events.assign(steps, 0);
  if (options.details) {
    r.gap.assign(users * (steps - 1), 0);
    r.entry_time.assign(users, std::numeric_limits<std::int64_t>::min());
  }
  const bool touches = std::any_of(chunks.begin(), chunks.end(),
                                   [](const auto& c) { return c.touch.data; });
  if (touches) {
    r.first_touch.assign(users, -1);
    r.last_touch.assign(users, -1);
  }
  std::vector<std::vector<std::int8_t>> maps;  // per chunk: detail::step_map
  maps.reserve(chunks.size());
  for (const auto& c : chunks) maps.push_back(detail::step_map(c, steps));

  // the first pass, over at most 8 pieces of the rows in parallel (each holds a
  // count per user)
  auto pieces = detail::split_rows(
      chunks, rows, static_cast<std::size_t>(std::min(8, std::max(1, num_threads()))));
  parallel_for(
      pieces.size(),
      [&](std::size_t p0, std::size_t p1) {
        for (std::size_t p = p0; p < p1; ++p)
          detail::tally_piece(chunks, maps, users, steps, touches, pieces[p]);
      },
      1);
  // combined in row order: users in order of first appearance, step counts, the
  // time range and the low bits all step times share, first and last touch
  std::int64_t tmin = std::numeric_limits<std::int64_t>::max(),
               tmax = std::numeric_limits<std::int64_t>::min();
  std::uint64_t tor = 0, tand = ~std::uint64_t{0};
  r.order.reserve(users);
  for (auto& p : pieces) {
    for (const std::uint32_t u : p.seen)
      if (!r.present[u]) {
        r.present[u] = 1;
        r.order.push_back(u);
      }
    p.seen = {};
    for (std::size_t k = 0; k < steps; ++k) r.step_events[k] += p.hist[k + 1];
    tmin = std::min(tmin, p.tmin);
    tmax = std::max(tmax, p.tmax);
    tor |= p.tor;
    tand &= p.tand;
  }
  if (touches)
    parallel_for(users, [&](std::size_t u0, std::size_t u1) {
      for (std::size_t u = u0; u < u1; ++u) {
        std::int64_t first_t = std::numeric_limits<std::int64_t>::max(),
                     last_t = std::numeric_limits<std::int64_t>::min();
        for (const auto& p : pieces) {
          if (!p.touched[u]) continue;
          if (p.first_t[u] < first_t)
            first_t = p.first_t[u], r.first_touch[u] = p.first_touch[u];
          if (p.last_t[u] >= last_t)
            last_t = p.last_t[u], r.last_touch[u] = p.last_touch[u];
        }
      }
    });
  for (auto& p : pieces)
    p.first_t = {}, p.last_t = {}, p.first_touch = {}, p.last_touch = {},
    p.touched = {};
  if (users == 0 || tmin > tmax) return r;
  // the lowest bit in which two step times differ: all of them, and so their
  // differences from tmin, are multiples of 2^shift
  const std::uint64_t differ = tor ^ tand;
  int shift = 0;
  while (shift < 63 && !((differ >> shift) & 1)) ++shift;
  if (((static_cast<std::uint64_t>(tmax) - static_cast<std::uint64_t>(tmin)) >> shift) <
      (std::uint64_t{1} << 58))
    detail::run_blocks(chunks, maps, pieces, steps, window, options,
                       detail::packed_events{tmin, shift}, r);
  else
    detail::run_blocks(chunks, maps, pieces, steps, window, options,
                       detail::wide_events{}, r);
  return r;
}

SOSTAC_INLINE funnel_users_result funnel_users(const std::vector<event_columns>& chunks,
                                               std::size_t users, std::size_t steps,
                                               std::int64_t window, bool strict) {
  return funnel_users(chunks, users, steps, window, funnel_options{strict, true});
}

SOSTAC_INLINE std::vector<funnel_row> funnel_table(const funnel_users_result& r, bool by_touch,
                                                   bool last_touch, bool by_period, period p,
                                                   std::int64_t ticks_per_day,
                                                   std::int64_t offset_ticks) {
  const std::size_t steps = r.steps, users = r.level.size();
  if (r.gap.size() != users * (steps - 1) || r.entry_time.size() != users ||
      (by_touch && r.first_touch.size() != users))
    throw input_error("result",
                      by_touch && r.first_touch.size() != users
                          ? "has no touch codes: run the funnel with a touch column"
                          : "has no chain details: run the funnel with details");
  std::map<std::pair<std::int64_t, std::int64_t>, std::size_t>
      index;  // (period, group)
  std::vector<std::vector<std::int64_t>> counts;
  std::vector<std::vector<std::vector<std::int64_t>>> gaps;
  for (std::size_t u = 0; u < users; ++u) {
    const std::size_t level = static_cast<std::size_t>(r.level[u]);
    if (level == 0) continue;
    const std::int64_t group =
        by_touch ? (last_touch ? r.last_touch[u] : r.first_touch[u]) : -1;
    const std::int64_t per =
        by_period
            ? period_index(day_of(r.entry_time[u], ticks_per_day, offset_ticks), p)
            : 0;
    auto it = index.find({per, group});
    if (it == index.end()) {
      it = index.emplace(std::make_pair(per, group), counts.size()).first;
      counts.emplace_back(steps, 0);
      gaps.emplace_back(steps);
    }
    for (std::size_t k = 0; k < level; ++k) {
      ++counts[it->second][k];
      if (k > 0) gaps[it->second][k].push_back(r.gap[u * (steps - 1) + k - 1]);
    }
  }
  std::vector<funnel_row> out;
  for (auto& [key, g] : index)
    for (std::size_t k = 0; k < steps; ++k) {
      auto& v = gaps[g][k];
      double median = std::numeric_limits<double>::quiet_NaN();
      if (!v.empty()) {
        const std::size_t mid = v.size() / 2;
        std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid),
                         v.end());
        median = static_cast<double>(v[mid]);
        if (v.size() % 2 == 0) {
          const auto lower = *std::max_element(
              v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid));
          median = (static_cast<double>(lower) + median) / 2;
        }
      }
      out.push_back({key.second, key.first, k, counts[g][k], median});
    }
  return out;
}

}  // namespace sostac::metrics
