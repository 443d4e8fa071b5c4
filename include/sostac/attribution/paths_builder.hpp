// sostac/attribution/paths_builder.hpp: customer journeys from a touchpoint log.
#pragma once
/// The rules (docs/attribution.md, "Building paths from a touchpoint log"):
/// - A row is a touch (conversion = 0, a channel), a conversion with its own touch
///   (conversion = 1 and a channel: the converting session is the last interaction) or
///   a bare conversion (conversion = 1, channel -1). Rows may come in any order.
/// - Per user, events in time order; at equal times all touches come before the
///   conversions (a touch at the time of a conversion is on its path), touches at one
///   time ordered by channel code, conversions by value (the first of several at one
///   time gets the path, the others find no touch).
/// - A conversion closes a path: the user's touches since the previous conversion (not
///   reused by the next path, the ChannelAttribution / GA convention) within the
///   lookback window [t - lookback, t]. Older touches are dropped (`expired_touches`).
///   Then consecutive repeats are collapsed (optional) and the last max_length kept.
/// - A conversion with no touch on its path is left out of the table and counted in
///   `unattributed_conversions` / `unattributed_value`.
/// - Touches after a user's last conversion form one non-converting path (a null),
///   with the same window measured back from the user's last touch.
/// The accumulator is mergeable: add() chunks and merge() accumulators in any order
/// (users may be split across parts); finish() sorts, so the result equals one pass.

#include <sostac/attribution/path_table.hpp>
#include <sostac/core/error.hpp>
#include <sostac/core/parallel.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace sostac::attribution {

struct path_builder_options {
  /// Lookback window in time ticks (ignored when has_lookback is false: no limit).
  bool has_lookback = false;
  std::int64_t lookback = 0;
  /// Keep the last max_length touches of a path (0: all).
  std::size_t max_length = 0;
  /// Collapse consecutive touches of one channel into one (the run takes the time of
  /// its latest touch).
  bool collapse_repeats = false;
  /// Real-time time decay: a touch dt ticks before the conversion weighs
  /// 2^(-dt / half_life), normalised over the path's touches (GA's time decay model).
  bool has_half_life = false;
  double half_life = 0;
};

struct built_paths {
  path_table table;
  double unattributed_conversions = 0, unattributed_value = 0;
  std::uint64_t expired_touches = 0;
  std::uint64_t users = 0;
  /// With has_half_life: per touch (aligned with table.steps) the time-decay credit
  /// summed over the path's conversions, and the same for their value.
  std::vector<double> decay_conversions, decay_value;
};

class path_accumulator {
 public:
  /// Appends n rows: user codes >= 0, int64 time ticks, channel codes (-1: none, on
  /// conversion rows only), conversion flags 0/1, conversion value (nullptr: 0).
  void add(const std::int64_t* user, const std::int64_t* time, const std::int32_t* channel,
           const std::uint8_t* conversion, const double* value, std::size_t n) {
    using sostac::detail::format_value;
    auto at = [](const char* name, std::size_t i) {
      return std::string(name) + "[" + std::to_string(i) + "]";
    };
    for (std::size_t i = 0; i < n; ++i) {
      if (user[i] < 0) throw input_error(at("user", i), "expected a user code >= 0");
      if (time[i] == std::numeric_limits<std::int64_t>::min())
        throw input_error(at("time", i), "missing time");
      if (conversion[i] > 1)
        throw input_error(at("conversion", i), "expected 0 or 1, got " +
                                                   std::to_string(conversion[i]));
      if (channel[i] < -1 || (channel[i] == -1 && conversion[i] == 0))
        throw input_error(at("channel", i), "missing channel on a touch (a row that is not "
                                            "a conversion)");
      if (value != nullptr && conversion[i] == 1 && !std::isfinite(value[i]))
        throw input_error(at("value", i), "expected a finite conversion value, got " +
                                              format_value(value[i]));
    }
    user_.insert(user_.end(), user, user + n);
    time_.insert(time_.end(), time, time + n);
    channel_.insert(channel_.end(), channel, channel + n);
    conversion_.insert(conversion_.end(), conversion, conversion + n);
    if (value != nullptr) {
      for (std::size_t i = 0; i < n; ++i) value_.push_back(conversion[i] ? value[i] : 0.0);
    } else {
      value_.insert(value_.end(), n, 0.0);
    }
  }

  void merge(const path_accumulator& o) {
    user_.insert(user_.end(), o.user_.begin(), o.user_.end());
    time_.insert(time_.end(), o.time_.begin(), o.time_.end());
    channel_.insert(channel_.end(), o.channel_.begin(), o.channel_.end());
    conversion_.insert(conversion_.end(), o.conversion_.begin(), o.conversion_.end());
    value_.insert(value_.end(), o.value_.begin(), o.value_.end());
  }

  std::size_t rows() const noexcept { return user_.size(); }

  /// The path table (channel codes as given; `channels` their names).
  built_paths finish(std::vector<std::string> channels, const path_builder_options& o) const {
    if (o.has_lookback && o.lookback < 0)
      throw input_error("lookback", "expected a window >= 0");
    if (o.has_half_life && !(std::isfinite(o.half_life) && o.half_life > 0))
      throw input_error("half_life", "expected a duration > 0");
    const std::size_t n = rows();
    for (std::size_t i = 0; i < n; ++i)
      if (channel_[i] >= static_cast<std::int64_t>(channels.size()))
        throw input_error("channel[" + std::to_string(i) + "]",
                          "channel code outside 0.." + std::to_string(channels.size()));
    // Counting sort by user, then each user's rows in event order.
    std::int64_t users = 0;
    for (std::int64_t u : user_) users = std::max(users, u + 1);
    const auto U = static_cast<std::size_t>(users);
    // Counting sort by user into compact events, so that each user's sort below reads
    // contiguous memory (sorting indices into the columns was 10x slower at 10M rows).
    std::vector<std::size_t> start(U + 1, 0);
    for (std::int64_t u : user_) ++start[static_cast<std::size_t>(u) + 1];
    for (std::size_t u = 0; u < U; ++u) start[u + 1] += start[u];
    std::vector<event> ev(n);
    {
      std::vector<std::size_t> fill(start.begin(), start.end() - 1);
      for (std::size_t i = 0; i < n; ++i)
        ev[fill[static_cast<std::size_t>(user_[i])]++] = {time_[i], value_[i], channel_[i],
                                                          conversion_[i]};
    }
    auto before = [](const event& a, const event& b) {
      if (a.time != b.time) return a.time < b.time;
      if (a.conversion != b.conversion) return a.conversion < b.conversion;
      if (a.channel != b.channel) return a.channel < b.channel;
      return a.value < b.value;  // equal events: either order gives the same paths
    };
    constexpr std::size_t grain = 32768;  // users per chunk (fixed: thread-count free)
    const std::size_t chunks = U == 0 ? 0 : (U + grain - 1) / grain;
    std::vector<built_paths> part(chunks);
    std::vector<std::unordered_map<std::string, std::size_t>> index(chunks);
    // One call per fixed chunk of users (parallel_for runs a single call on one thread).
    parallel_for(
        chunks,
        [&](std::size_t cb, std::size_t ce) {
         for (std::size_t c = cb; c < ce; ++c) {
          const std::size_t b = c * grain, e = std::min(U, (c + 1) * grain);
          built_paths& out = part[c];
          auto& idx = index[c];
          std::vector<std::pair<std::int64_t, std::int32_t>> seg;  // touches since a conversion
          std::vector<std::int32_t> path;
          std::vector<std::int64_t> ptime;
          std::vector<double> weight;
          auto emit = [&](std::int64_t until, double conv, double val, double nul) {
            std::size_t from = 0;
            if (o.has_lookback) {
              constexpr std::int64_t lowest = std::numeric_limits<std::int64_t>::min();
              const std::int64_t lo =
                  until < lowest + o.lookback ? lowest : until - o.lookback;
              while (from < seg.size() && seg[from].first < lo) ++from;
            }
            out.expired_touches += from;
            path.clear();
            ptime.clear();
            for (std::size_t j = from; j < seg.size(); ++j) {
              if (!o.collapse_repeats || path.empty() || path.back() != seg[j].second) {
                path.push_back(seg[j].second);
                ptime.push_back(seg[j].first);
              } else {
                ptime.back() = seg[j].first;
              }
            }
            seg.clear();
            std::size_t skip = 0;
            if (o.max_length > 0 && path.size() > o.max_length) skip = path.size() - o.max_length;
            if (path.size() == skip) {
              out.unattributed_conversions += conv;
              out.unattributed_value += val;
              return;
            }
            const std::size_t len = path.size() - skip;
            if (o.has_half_life) {
              // Relative to the latest kept touch (no underflow), then normalised.
              weight.resize(len);
              double total = 0;
              const std::int64_t latest = ptime.back();
              for (std::size_t j = 0; j < len; ++j)
                total += weight[j] = std::exp2(
                    -static_cast<double>(latest - ptime[skip + j]) / o.half_life);
              for (double& w : weight) w /= total;
            }
            std::string key(reinterpret_cast<const char*>(path.data() + skip),
                            len * sizeof(std::int32_t));
            auto it = idx.find(key);
            std::size_t at;
            if (it == idx.end()) {
              idx.emplace(std::move(key), out.table.size());
              at = out.table.steps.size();
              out.table.push(path.data() + skip, len, conv, val, nul);
              if (o.has_half_life) {
                out.decay_conversions.resize(out.table.steps.size(), 0.0);
                out.decay_value.resize(out.table.steps.size(), 0.0);
              }
            } else {
              out.table.conversions[it->second] += conv;
              out.table.value[it->second] += val;
              out.table.nulls[it->second] += nul;
              at = static_cast<std::size_t>(out.table.offsets[it->second]);
            }
            if (o.has_half_life && conv > 0)
              for (std::size_t j = 0; j < len; ++j) {
                out.decay_conversions[at + j] += conv * weight[j];
                out.decay_value[at + j] += val * weight[j];
              }
          };
          std::vector<std::int32_t> group_touch;
          std::vector<double> group_value;
          for (std::size_t u = b; u < e; ++u) {
            event* rows = ev.data() + start[u];
            const std::size_t m = start[u + 1] - start[u];
            if (m == 0) continue;
            ++out.users;
            std::sort(rows, rows + m, before);
            seg.clear();
            // Rows at one time: all their touches first (by channel code), then each
            // conversion in turn by value (the first closes the path, the others find
            // none).
            for (std::size_t k = 0; k < m;) {
              const std::int64_t t = rows[k].time;
              std::size_t end = k;
              while (end < m && rows[end].time == t) ++end;
              group_touch.clear();
              group_value.clear();
              for (std::size_t q = k; q < end; ++q) {
                if (rows[q].channel >= 0) group_touch.push_back(rows[q].channel);
                if (rows[q].conversion) group_value.push_back(rows[q].value);
              }
              std::sort(group_touch.begin(), group_touch.end());
              std::sort(group_value.begin(), group_value.end());
              for (std::int32_t ch : group_touch) seg.emplace_back(t, ch);
              for (double v : group_value) emit(t, 1.0, v, 0.0);
              k = end;
            }
            if (!seg.empty()) emit(seg.back().first, 0.0, 0.0, 1.0);
          }
         }
        },
        1);
    // Chunks in order: the first appearance of a path (by user code) fixes its row.
    built_paths res;
    res.table.channels = std::move(channels);
    // Keys are views of res.table.steps, reserved up front so that they stay valid.
    std::size_t rows_total = 0, steps_total = 0;
    for (const auto& p : part) {
      rows_total += p.table.size();
      steps_total += p.table.steps.size();
    }
    res.table.steps.reserve(steps_total);
    res.table.offsets.reserve(rows_total + 1);
    std::unordered_map<std::string_view, std::size_t> idx;
    idx.reserve(rows_total);
    for (auto& p : part) {
      res.unattributed_conversions += p.unattributed_conversions;
      res.unattributed_value += p.unattributed_value;
      res.expired_touches += p.expired_touches;
      res.users += p.users;
      for (std::size_t i = 0; i < p.table.size(); ++i) {
        const path_view pv = p.table.path(i);
        const std::string_view key(reinterpret_cast<const char*>(pv.steps),
                                   pv.length * sizeof(std::int32_t));
        auto it = idx.find(key);
        std::size_t at;
        if (it == idx.end()) {
          at = res.table.steps.size();
          res.table.push(pv.steps, pv.length, pv.conversions, pv.value, pv.nulls);
          idx.emplace(std::string_view(reinterpret_cast<const char*>(res.table.steps.data() + at),
                                       pv.length * sizeof(std::int32_t)),
                      res.table.size() - 1);
          if (o.has_half_life) {
            res.decay_conversions.resize(res.table.steps.size(), 0.0);
            res.decay_value.resize(res.table.steps.size(), 0.0);
          }
        } else {
          res.table.conversions[it->second] += pv.conversions;
          res.table.value[it->second] += pv.value;
          res.table.nulls[it->second] += pv.nulls;
          at = static_cast<std::size_t>(res.table.offsets[it->second]);
        }
        if (o.has_half_life) {
          const auto from = static_cast<std::size_t>(p.table.offsets[i]);
          for (std::size_t j = 0; j < pv.length; ++j) {
            res.decay_conversions[at + j] += p.decay_conversions[from + j];
            res.decay_value[at + j] += p.decay_value[from + j];
          }
        }
      }
      p = built_paths{};
    }
    return res;
  }

 private:
  struct event {
    std::int64_t time;
    double value;
    std::int32_t channel;
    std::uint8_t conversion;
  };
  std::vector<std::int64_t> user_, time_;
  std::vector<std::int32_t> channel_;
  std::vector<std::uint8_t> conversion_;
  std::vector<double> value_;
};

}  // namespace sostac::attribution
