#pragma once
/// Ordered funnels over an event log, with ClickHouse's windowFunnel semantics.
///
/// Each event has a user code in [0, users), a time in ticks and a step: its index in
/// the funnel's step list, or -1 for an event that is not a step (ignored by the
/// funnel, but counted for first/last touch). Per user, the step events are taken in
/// (time, step) order and scanned once (windowFunnel's algorithm, window inclusive):
///
///     rec[k] = the chain (times of steps 1..k+1) that last reached level k+1
///     step 1 at t          -> rec[0] = (t); started
///     strict mode, started, and rec[k-1] empty -> stop (an intervening funnel event
///                                                  out of order ends the search)
///     step k+1 at t, rec[k-1] set and t - rec[k-1].start <= window
///                          -> rec[k] = rec[k-1] + (t); the last step: stop
///
/// The user's level is the deepest k with rec[k-1] set; the times between steps are
/// those of the chain rec[level-1]. Unlike ClickHouse's strict_order, events that are
/// no step of the funnel never stop a chain.
///
/// funnel_events is the mergeable accumulator (add chunks, merge, finish); the free
/// function funnel_users runs the same scan over column views without a copy.

#include <sostac/core/error.hpp>
#include <sostac/core/parallel.hpp>
#include <sostac/metrics/columns.hpp>
#include <sostac/metrics/period.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace sostac::metrics {

inline constexpr std::size_t max_funnel_steps = 32;

/// One chunk of an event log as column views (all of one length). `touch` is
/// optional (data == nullptr): a per-event code (e.g. the channel) whose value on
/// each user's first and last event is reported.
struct event_columns {
  integer_column user;
  integer_column time;
  integer_column step;
  integer_column touch;
};

/// Per-user results, indexed by user code.
struct funnel_users_result {
  std::size_t steps = 0;
  std::vector<std::int8_t> level;  ///< 0 .. steps
  std::vector<std::int64_t> gap;   ///< users x (steps - 1): time from step k to k+1
  std::vector<std::int64_t>
      entry_time;  ///< time of the first step-1 event (or min int64)
  std::vector<std::int32_t> first_touch, last_touch;  ///< -1 without touch / events
  std::vector<std::uint8_t> present;                  ///< 1 when the user has any event
};

namespace detail {

struct step_event {
  std::int64_t time;
  std::int32_t step;
  bool operator<(const step_event& o) const {
    return time != o.time ? time < o.time : step < o.step;
  }
};

inline void check_chunk(const event_columns& c) {
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

/// t - start for t >= start, without overflow however far apart they are.
inline std::uint64_t elapsed(std::int64_t start, std::int64_t t) {
  return static_cast<std::uint64_t>(t) - static_cast<std::uint64_t>(start);
}

/// The windowFunnel scan of one user's step events (sorted); writes the level, the
/// gaps of the deepest chain and the first entry time.
inline void scan_user(const step_event* ev, std::size_t n, std::size_t steps,
                      std::int64_t window, bool strict, std::int8_t& level,
                      std::int64_t* gap, std::int64_t& entry) {
  std::int64_t chain[max_funnel_steps][max_funnel_steps];
  bool have[max_funnel_steps] = {};
  bool started = false;
  entry = std::numeric_limits<std::int64_t>::min();
  for (std::size_t i = 0; i < n; ++i) {
    const std::int64_t t = ev[i].time;
    const auto k = static_cast<std::size_t>(ev[i].step);
    if (k == 0) {
      chain[0][0] = t;
      have[0] = true;
      if (!started) entry = t;
      started = true;
    } else if (strict && started && !have[k - 1]) {
      break;
    } else if (have[k - 1] &&
               elapsed(chain[k - 1][0], t) <= static_cast<std::uint64_t>(window)) {
      std::copy(chain[k - 1], chain[k - 1] + k, chain[k]);
      chain[k][k] = t;
      have[k] = true;
      if (k + 1 == steps) break;
    }
  }
  std::size_t deepest = 0;
  while (deepest < steps && have[deepest]) ++deepest;
  level = static_cast<std::int8_t>(deepest);
  for (std::size_t k = 1; k < deepest; ++k)
    gap[k - 1] = static_cast<std::int64_t>(std::min<std::uint64_t>(
        elapsed(chain[deepest - 1][k - 1], chain[deepest - 1][k]),
        std::numeric_limits<std::int64_t>::max()));
}

}  // namespace detail

/// Runs the funnel over chunks of column views (codes already global). `users` is
/// the number of user codes; user codes must lie in [0, users), steps in
/// [-1, steps). Users are processed in blocks (each a counting sort of its events),
/// so the extra memory stays near a fraction of the input.
inline funnel_users_result funnel_users(const std::vector<event_columns>& chunks,
                                        std::size_t users, std::size_t steps,
                                        std::int64_t window, bool strict) {
  if (steps == 0 || steps > max_funnel_steps)
    throw input_error("steps", "expected 1 to " + std::to_string(max_funnel_steps) +
                                   " steps, got " + std::to_string(steps));
  if (window < 0) throw input_error("window", "expected a non-negative window");
  std::size_t total = 0;
  for (const auto& c : chunks) {
    detail::check_chunk(c);
    total += c.user.size;
  }
  funnel_users_result r;
  r.steps = steps;
  r.level.assign(users, 0);
  r.gap.assign(users * (steps - 1), 0);
  r.entry_time.assign(users, std::numeric_limits<std::int64_t>::min());
  r.first_touch.assign(users, -1);
  r.last_touch.assign(users, -1);
  r.present.assign(users, 0);

  // one pass: validate codes, presence, first and last touch (ties: input order)
  std::vector<std::int64_t> first_t(users, std::numeric_limits<std::int64_t>::max()),
      last_t(users, std::numeric_limits<std::int64_t>::min());
  std::size_t step_events = 0;
  for (const auto& c : chunks) {
    for (std::size_t i = 0; i < c.user.size; ++i) {
      const std::int64_t u = c.user[i], s = c.step[i];
      if (u < 0 || static_cast<std::uint64_t>(u) >= users)
        throw input_error(c.user.name + "[" + std::to_string(i) + "]",
                          "expected a user code in [0, " + std::to_string(users) +
                              "), got " + std::to_string(u));
      if (s < -1 || s >= static_cast<std::int64_t>(steps))
        throw input_error(c.step.name + "[" + std::to_string(i) + "]",
                          "expected a step in [-1, " + std::to_string(steps) +
                              "), got " + std::to_string(s));
      const auto uu = static_cast<std::size_t>(u);
      r.present[uu] = 1;
      step_events += s >= 0;
      if (!c.touch.data) continue;
      const std::int64_t t = c.time[i];
      const auto code = static_cast<std::int32_t>(c.touch[i]);
      if (t < first_t[uu]) first_t[uu] = t, r.first_touch[uu] = code;
      if (t >= last_t[uu]) last_t[uu] = t, r.last_touch[uu] = code;
    }
  }
  if (users == 0) return r;

  // blocks of users with about 4M step events each, processed in parallel
  const std::size_t target = std::size_t{1} << 22;
  const std::size_t blocks =
      std::max<std::size_t>(1, std::min(users, (step_events + target - 1) / target));
  const std::size_t per_block = (users + blocks - 1) / blocks;
  parallel_for(
      blocks,
      [&](std::size_t b0, std::size_t b1) {
        for (std::size_t b = b0; b < b1; ++b) {
          const std::size_t u0 = b * per_block, u1 = std::min(users, u0 + per_block);
          if (u0 >= u1) continue;
          std::vector<std::size_t> offset(u1 - u0 + 1, 0);
          for (const auto& c : chunks)
            visit(c.user, [&](const auto* user) {
              for (std::size_t i = 0; i < c.user.size; ++i) {
                const auto u = static_cast<std::size_t>(user[i]);
                if (u >= u0 && u < u1 && c.step[i] >= 0) ++offset[u - u0 + 1];
              }
            });
          for (std::size_t k = 1; k < offset.size(); ++k) offset[k] += offset[k - 1];
          std::vector<detail::step_event> ev(offset.back());
          std::vector<std::size_t> cursor(offset.begin(), offset.end() - 1);
          for (const auto& c : chunks)
            visit(c.user, [&](const auto* user) {
              for (std::size_t i = 0; i < c.user.size; ++i) {
                const auto u = static_cast<std::size_t>(user[i]);
                if (u < u0 || u >= u1) continue;
                const std::int64_t s = c.step[i];
                if (s < 0) continue;
                ev[cursor[u - u0]++] = {c.time[i], static_cast<std::int32_t>(s)};
              }
            });
          for (std::size_t u = u0; u < u1; ++u) {
            detail::step_event* first = ev.data() + offset[u - u0];
            detail::step_event* last = ev.data() + offset[u - u0 + 1];
            if (first == last) continue;
            if (!std::is_sorted(first, last)) std::sort(first, last);
            detail::scan_user(first, static_cast<std::size_t>(last - first), steps,
                              window, strict, r.level[u],
                              r.gap.data() + u * (steps - 1), r.entry_time[u]);
          }
        }
      },
      1);
  return r;
}

/// One row of the funnel table: a step of one group.
struct funnel_row {
  std::int64_t group;       ///< touch code (-1 without `by`)
  std::int64_t period = 0;  ///< index of the entry period (0 without a period)
  std::size_t step;         ///< 0-based
  std::int64_t users;       ///< users reaching at least this step
  double median_gap;        ///< median ticks from the previous step (NaN for step 0)
};

/// Aggregates per-user results: users per step and median time between steps, per
/// group (first or last touch, when `by_touch`) and entry period (when `by_period`).
/// Groups without a user at step 1 are left out; rows are sorted by period, group
/// and step.
inline std::vector<funnel_row> funnel_table(const funnel_users_result& r, bool by_touch,
                                            bool last_touch, bool by_period, period p,
                                            std::int64_t ticks_per_day,
                                            std::int64_t offset_ticks) {
  const std::size_t steps = r.steps, users = r.level.size();
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

/// The mergeable accumulator: keeps compact copies of the chunks it is given (user
/// codes, times, steps, touch codes) and runs funnel_users over them at finish().
class funnel_events {
 public:
  funnel_events(std::size_t steps, std::int64_t window, bool strict)
      : steps_(steps), window_(window), strict_(strict) {
    if (steps == 0 || steps > max_funnel_steps)
      throw input_error("steps", "expected 1 to " + std::to_string(max_funnel_steps) +
                                     " steps, got " + std::to_string(steps));
    if (window < 0) throw input_error("window", "expected a non-negative window");
  }

  /// Appends a chunk (codes global across chunks).
  void add(const event_columns& c) {
    detail::check_chunk(c);
    const std::size_t n = c.user.size;
    const std::size_t old = user_.size();
    user_.resize(old + n);
    time_.resize(old + n);
    step_.resize(old + n);
    touch_.resize(old + n);
    for (std::size_t i = 0; i < n; ++i) {
      user_[old + i] = c.user[i];
      time_[old + i] = c.time[i];
      step_[old + i] =
          static_cast<std::int8_t>(std::clamp<std::int64_t>(c.step[i], -2, 127));
      touch_[old + i] = c.touch.data ? static_cast<std::int32_t>(c.touch[i]) : -1;
    }
    has_touch_ = has_touch_ || c.touch.data;
  }

  /// Appends another accumulator's events, mapping its user codes through
  /// `user_map` and touch codes through `touch_map` (identity when empty).
  void merge(const funnel_events& other, const std::vector<std::int64_t>& user_map = {},
             const std::vector<std::int64_t>& touch_map = {}) {
    if (other.steps_ != steps_ || other.window_ != window_ || other.strict_ != strict_)
      throw input_error("other", "expected an accumulator of the same funnel");
    auto mapped = [](const std::vector<std::int64_t>& map, std::int64_t code,
                     const char* what) {
      if (map.empty() || code < 0) return code;
      if (static_cast<std::uint64_t>(code) >= map.size())
        throw input_error(what, "has no entry for code " + std::to_string(code));
      return map[static_cast<std::size_t>(code)];
    };
    for (std::size_t i = 0; i < other.user_.size(); ++i) {
      user_.push_back(mapped(user_map, other.user_[i], "user_map"));
      time_.push_back(other.time_[i]);
      step_.push_back(other.step_[i]);
      touch_.push_back(
          static_cast<std::int32_t>(mapped(touch_map, other.touch_[i], "touch_map")));
    }
    has_touch_ = has_touch_ || other.has_touch_;
  }

  std::size_t size() const noexcept { return user_.size(); }

  funnel_users_result finish(std::size_t users) const {
    event_columns c;
    c.user = {user_.data(), integer_column::type::i64, user_.size(), "user"};
    c.time = {time_.data(), integer_column::type::i64, time_.size(), "time"};
    c.step = {step_.data(), integer_column::type::i8, step_.size(), "step"};
    if (has_touch_)
      c.touch = {touch_.data(), integer_column::type::i32, touch_.size(), "touch"};
    return funnel_users({c}, users, steps_, window_, strict_);
  }

 private:
  std::size_t steps_;
  std::int64_t window_;
  bool strict_;
  bool has_touch_ = false;
  std::vector<std::int64_t> user_, time_;
  std::vector<std::int8_t> step_;
  std::vector<std::int32_t> touch_;
};

}  // namespace sostac::metrics
