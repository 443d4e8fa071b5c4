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

#include <sostac/core/config.hpp>
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
  event_columns() = default;
  event_columns(integer_column user_, integer_column time_, integer_column step_,
                integer_column touch_ = {})
      : user(std::move(user_)),
        time(std::move(time_)),
        step(std::move(step_)),
        touch(std::move(touch_)) {}
  integer_column user;
  integer_column time;
  integer_column step;
  integer_column touch;
  std::int64_t user_base = 0;        ///< user code = user value - user_base
  std::vector<std::int8_t> step_of;  ///< if not empty: step = step_of[step value]
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
  std::vector<std::uint32_t>
      order;  ///< the present users, in order of first appearance
  std::vector<std::int64_t> step_events;  ///< events of each step
};

namespace detail {

struct step_event {
  std::int64_t time;
  std::int32_t step;
  bool operator<(const step_event& o) const {
    return time != o.time ? time < o.time : step < o.step;
  }
};

SOSTAC_INLINE void check_chunk(const event_columns& c);

/// t - start for t >= start, without overflow however far apart they are.
inline std::uint64_t elapsed(std::int64_t start, std::int64_t t) {
  return static_cast<std::uint64_t>(t) - static_cast<std::uint64_t>(start);
}

}  // namespace detail

/// How funnel_users runs: the mode, and whether the per-user chain details (the
/// times between steps and the entry time, which funnel_table needs) are kept.
struct funnel_options {
  bool strict = false;
  bool details = true;
};

namespace detail {

/// A step event as one sortable word: ((time - tmin) >> shift) << 5 | step, where
/// every step event's time - tmin is a multiple of 2^shift (times in whole seconds
/// stored as nanoseconds have shift 9) and the shifted span is below 2^58 (nine years
/// in nanoseconds, 4,500 years in seconds); else (time, step) pairs. Either sorts by
/// (time, step) and gives back the exact times.
struct packed_events {
  using record = std::uint64_t;
  std::int64_t tmin;
  int shift;
  record make(std::int64_t t, std::int64_t step) const {
    return ((static_cast<std::uint64_t>(t) - static_cast<std::uint64_t>(tmin)) >> shift)
               << 5 |
           static_cast<std::uint64_t>(step);
  }
  static std::size_t step(record r) { return static_cast<std::size_t>(r & 31); }
  std::int64_t time(record r) const {
    return static_cast<std::int64_t>(((r >> 5) << shift) +
                                     static_cast<std::uint64_t>(tmin));
  }
};

struct wide_events {
  using record = step_event;
  record make(std::int64_t t, std::int64_t step) const {
    return {t, static_cast<std::int32_t>(step)};
  }
  static std::size_t step(const record& r) { return static_cast<std::size_t>(r.step); }
  std::int64_t time(const record& r) const { return r.time; }
};

/// Rows ahead whose per-user slot is prefetched in the user-indexed passes (the users
/// of an unsorted log are random accesses).
inline constexpr std::size_t prefetch_distance = 16;

template <class T>
inline void prefetch(const T* p) {
#if defined(__GNUC__) || defined(__clang__)
  __builtin_prefetch(p);
#else
  (void)p;
#endif
}

/// Sorts a user's few events: insertion sort below 24 (the common case), else
/// std::sort.
template <class R>
void sort_small(R* first, R* last) {
  if (last - first > 24) {
    std::sort(first, last);
    return;
  }
  for (R* i = first + 1; i < last; ++i) {
    R v = *i;
    R* j = i;
    for (; j > first && v < *(j - 1); --j) *j = *(j - 1);
    *j = v;
  }
}

/// A chunk's step lookup: map[value + 1] is the step of a step value, or of an
/// event code through step_of (-1 for no step); values outside it are bad input.
SOSTAC_INLINE std::vector<std::int8_t> step_map(const event_columns& c, std::size_t steps);

/// The windowFunnel scan of one user's step events, fed in (time, step) order (read
/// through codec) in one or more runs; stops at the last step (or, strict, at an
/// event out of order). finish() gives the level and, when `gap` is given, the gaps
/// of the deepest chain and the first entry time.
struct user_scan {
  std::int64_t chain[max_funnel_steps][max_funnel_steps];
  bool have[max_funnel_steps] = {};
  bool started = false;
  bool stopped = false;
  std::int64_t first_entry = std::numeric_limits<std::int64_t>::min();

  /// Feeds n more events; true when the scan has stopped.
  template <class Codec, class R>
  bool feed(const Codec& codec, const R* ev, std::size_t n, std::size_t steps,
            std::int64_t window, bool strict) {
    for (std::size_t i = 0; i < n && !stopped; ++i) {
      const std::int64_t t = codec.time(ev[i]);
      const std::size_t k = Codec::step(ev[i]);
      if (k == 0) {
        chain[0][0] = t;
        have[0] = true;
        if (!started) first_entry = t;
        started = true;
      } else if (strict && started && !have[k - 1]) {
        stopped = true;
      } else if (have[k - 1] &&
                 elapsed(chain[k - 1][0], t) <= static_cast<std::uint64_t>(window)) {
        std::copy(chain[k - 1], chain[k - 1] + k, chain[k]);
        chain[k][k] = t;
        have[k] = true;
        if (k + 1 == steps) stopped = true;
      }
    }
    return stopped;
  }

  void finish(std::size_t steps, std::int8_t& level, std::int64_t* gap,
              std::int64_t* entry) const {
    std::size_t deepest = 0;
    while (deepest < steps && have[deepest]) ++deepest;
    level = static_cast<std::int8_t>(deepest);
    if (!gap) return;
    *entry = first_entry;
    for (std::size_t k = 1; k < deepest; ++k)
      gap[k - 1] = static_cast<std::int64_t>(std::min<std::uint64_t>(
          elapsed(chain[deepest - 1][k - 1], chain[deepest - 1][k]),
          std::numeric_limits<std::int64_t>::max()));
  }
};

/// Sorts and scans one user's step events. A long run is sorted lazily, since the
/// scan usually stops early (in the benchmark's log, users with more than 24 step
/// events reach the last step after 8% of them): the next 32, 64, 128, ... smallest
/// events are moved to the front (nth_element), sorted and fed, until the scan
/// stops or the run ends.
template <class Codec, class R>
void sort_and_scan(const Codec& codec, R* first, R* last, std::size_t steps,
                   std::int64_t window, bool strict, std::int8_t& level,
                   std::int64_t* gap, std::int64_t* entry) {
  user_scan scan;
  const auto n = static_cast<std::size_t>(last - first);
  if (n <= 64) {
    sort_small(first, last);
    scan.feed(codec, first, n, steps, window, strict);
  } else {
    for (std::size_t done = 0, m = 32; done < n; done += m, m *= 2) {
      R* b = first + done;
      R* e = first + std::min(n, done + m);
      if (e < last) std::nth_element(b, e, last);
      sort_small(b, e);
      if (scan.feed(codec, b, static_cast<std::size_t>(e - b), steps, window, strict))
        break;
    }
  }
  scan.finish(steps, level, gap, entry);
}

/// Rows [begin, end) of chunk `chunk`.
struct row_segment {
  std::size_t chunk, begin, end;
};

/// What the first pass learns from one piece of the rows (consecutive segments).
struct piece_tally {
  std::vector<row_segment> rows;
  /// per user: 2 * step events in the piece + presence bit; later the user's cursor
  /// into the block's records
  std::vector<std::uint32_t> count;
  std::vector<std::uint32_t> seen;  ///< users first seen in the piece, in row order
  std::vector<std::int64_t> hist;   ///< events per step, no-step events first
  std::int64_t tmin = std::numeric_limits<std::int64_t>::max();
  std::int64_t tmax = std::numeric_limits<std::int64_t>::min();
  std::uint64_t tor = 0, tand = ~std::uint64_t{0};  ///< bits of the step times
  std::vector<std::int64_t> first_t, last_t;        ///< with touches only
  std::vector<std::int32_t> first_touch, last_touch;
  std::vector<std::uint8_t> touched;  ///< 1 when the piece has a touch row of the user
};

/// Splits the rows of all chunks, in order, into at most `parts` pieces of about
/// equal size (at least 2^16 rows each).
SOSTAC_INLINE std::vector<piece_tally> split_rows(const std::vector<event_columns>& chunks,
                                                  std::uint64_t rows, std::size_t parts);

/// The first pass over one piece: validates the user codes and steps, and tallies
/// (see piece_tally); first and last touch with ties to the earlier / later row.
SOSTAC_INLINE void tally_piece(const std::vector<event_columns>& chunks,
                               const std::vector<std::vector<std::int8_t>>& maps,
                               std::size_t users, std::size_t steps, bool touches,
                               piece_tally& p);

/// Users in blocks of consecutive codes whose records fit a 64 MiB budget (at least
/// 1M records a block; a user with more makes a block alone), one block at a time:
/// each piece of rows writes its step events of the block's users into their runs
/// (at cursors that keep the rows' order), in parallel; then the runs are sorted and
/// scanned, in parallel over users.
template <class Codec>
void run_blocks(const std::vector<event_columns>& chunks,
                const std::vector<std::vector<std::int8_t>>& maps,
                std::vector<piece_tally>& pieces, std::size_t steps,
                std::int64_t window, funnel_options options, Codec codec,
                funnel_users_result& r) {
  using record = typename Codec::record;
  const std::size_t users = r.level.size();
  auto events_of = [&](std::size_t u) {
    std::uint64_t n = 0;
    for (const auto& p : pieces) n += p.count[u] >> 1;
    return n;
  };
  const std::uint64_t cap = std::max<std::uint64_t>(
      std::uint64_t{1} << 20, (std::uint64_t{64} << 20) / sizeof(record));
  std::vector<std::size_t> bounds{0};
  std::uint64_t in_block = 0;
  for (std::size_t u = 0; u < users; ++u) {
    const std::uint64_t n = events_of(u);
    if (in_block > 0 && in_block + n > cap) {
      bounds.push_back(u);
      in_block = 0;
    }
    in_block += n;
  }
  bounds.push_back(users);
  std::vector<record> ev;
  for (std::size_t b = 0; b + 1 < bounds.size(); ++b) {
    const std::size_t u0 = bounds[b], nu = bounds[b + 1] - u0;
    // each piece's cursor at the start of its share of each run (the runs of the
    // block's users follow each other: after the scatter, the last piece's cursor
    // of a user is the end of its run)
    std::uint64_t total = 0;
    for (std::size_t k = 0; k < nu; ++k) {
      for (auto& p : pieces) {
        const std::uint32_t n = p.count[u0 + k] >> 1;
        p.count[u0 + k] = static_cast<std::uint32_t>(total);
        total += n;
      }
    }
    ev.resize(total);
    parallel_for(
        pieces.size(),
        [&](std::size_t p0, std::size_t p1) {
          for (std::size_t pi = p0; pi < p1; ++pi) {
            std::uint32_t* cursor = pieces[pi].count.data() + u0;
            for (const auto& seg : pieces[pi].rows) {
              const auto& c = chunks[seg.chunk];
              const auto& map = maps[seg.chunk];  // validated by the first pass
              const std::int64_t base = c.user_base + static_cast<std::int64_t>(u0);
              visit(c.user, [&](const auto* user) {
                visit(c.step, [&](const auto* step) {
                  visit(c.time, [&](const auto* time) {
                    for (std::size_t i = seg.begin; i < seg.end; ++i) {
                      if (i + prefetch_distance < seg.end) {
                        const auto ahead = static_cast<std::uint64_t>(
                            static_cast<std::int64_t>(user[i + prefetch_distance]) -
                            base);
                        if (ahead < nu) prefetch(cursor + ahead);
                      }
                      const auto k = static_cast<std::uint64_t>(
                          static_cast<std::int64_t>(user[i]) - base);
                      if (k >= nu) continue;
                      const std::int64_t s = map[static_cast<std::size_t>(
                          static_cast<std::int64_t>(step[i]) + 1)];
                      if (s < 0) continue;
                      ev[cursor[k]++] =
                          codec.make(static_cast<std::int64_t>(time[i]), s);
                    }
                  });
                });
              });
            }
          }
        },
        1);
    const std::uint32_t* ends = pieces.back().count.data() + u0;
    parallel_for(
        nu,
        [&](std::size_t k0, std::size_t k1) {
          for (std::size_t k = k0; k < k1; ++k) {
            record* first = ev.data() + (k > 0 ? ends[k - 1] : 0);
            record* last = ev.data() + ends[k];
            if (first == last) continue;
            const std::size_t u = u0 + k;
            sort_and_scan(codec, first, last, steps, window, options.strict, r.level[u],
                          options.details ? r.gap.data() + u * (steps - 1) : nullptr,
                          options.details ? &r.entry_time[u] : nullptr);
          }
        },
        4096);
  }
}

}  // namespace detail

/// Runs the funnel over chunks of column views. `users` is the number of user codes:
/// user values minus the chunk's user_base must lie in [0, users); steps (after
/// step_of) in [-1, steps). A first pass over pieces of the rows, in parallel,
/// validates the codes and counts each user's step events; users are then processed
/// in blocks (each piece of rows writes 8-byte records into per-user runs, each run
/// is sorted and scanned), so the extra memory stays a fraction of the input. The
/// result does not depend on the thread count.
SOSTAC_INLINE funnel_users_result funnel_users(const std::vector<event_columns>& chunks,
                                               std::size_t users, std::size_t steps,
                                               std::int64_t window, funnel_options options);

/// funnel_users with all details (the table's needs).
SOSTAC_INLINE funnel_users_result funnel_users(const std::vector<event_columns>& chunks,
                                               std::size_t users, std::size_t steps,
                                               std::int64_t window, bool strict);

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
SOSTAC_INLINE std::vector<funnel_row> funnel_table(const funnel_users_result& r, bool by_touch,
                                                   bool last_touch, bool by_period, period p,
                                                   std::int64_t ticks_per_day,
                                                   std::int64_t offset_ticks);

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
    const auto lookup = static_cast<std::int64_t>(c.step_of.size());
    for (std::size_t i = 0; i < n; ++i) {
      user_[old + i] = c.user[i] - c.user_base;
      time_[old + i] = c.time[i];
      std::int64_t s = c.step[i];  // out-of-range values are reported by finish()
      if (lookup > 0 && s >= 0)
        s = s < lookup ? c.step_of[static_cast<std::size_t>(s)] : -2;
      step_[old + i] = static_cast<std::int8_t>(std::clamp<std::int64_t>(s, -2, 127));
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

#ifdef SOSTAC_HEADER_ONLY
#include <sostac/metrics/funnel-inl.hpp>
#endif
