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
  /// Collapse consecutive touches of one channel into one.
  bool collapse_repeats = false;
};

struct built_paths {
  path_table table;
  double unattributed_conversions = 0, unattributed_value = 0;
  std::uint64_t expired_touches = 0;
  std::uint64_t users = 0;
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
    const std::size_t n = rows();
    for (std::size_t i = 0; i < n; ++i)
      if (channel_[i] >= static_cast<std::int64_t>(channels.size()))
        throw input_error("channel[" + std::to_string(i) + "]",
                          "channel code outside 0.." + std::to_string(channels.size()));
    // Counting sort by user, then each user's rows in event order.
    std::int64_t users = 0;
    for (std::int64_t u : user_) users = std::max(users, u + 1);
    const auto U = static_cast<std::size_t>(users);
    std::vector<std::size_t> start(U + 1, 0), order(n);
    for (std::int64_t u : user_) ++start[static_cast<std::size_t>(u) + 1];
    for (std::size_t u = 0; u < U; ++u) start[u + 1] += start[u];
    {
      std::vector<std::size_t> fill(start.begin(), start.end() - 1);
      for (std::size_t i = 0; i < n; ++i) order[fill[static_cast<std::size_t>(user_[i])]++] = i;
    }
    auto before = [this](std::size_t a, std::size_t b) {
      if (time_[a] != time_[b]) return time_[a] < time_[b];
      if (conversion_[a] != conversion_[b]) return conversion_[a] < conversion_[b];
      if (channel_[a] != channel_[b]) return channel_[a] < channel_[b];
      if (value_[a] != value_[b]) return value_[a] < value_[b];
      return a < b;  // identical rows: any order gives the same paths
    };
    constexpr std::size_t grain = 4096;  // users per chunk (fixed: thread-count free)
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
            for (std::size_t j = from; j < seg.size(); ++j)
              if (!o.collapse_repeats || path.empty() || path.back() != seg[j].second)
                path.push_back(seg[j].second);
            seg.clear();
            std::size_t skip = 0;
            if (o.max_length > 0 && path.size() > o.max_length) skip = path.size() - o.max_length;
            if (path.size() == skip) {
              out.unattributed_conversions += conv;
              out.unattributed_value += val;
              return;
            }
            std::string key(reinterpret_cast<const char*>(path.data() + skip),
                            (path.size() - skip) * sizeof(std::int32_t));
            auto it = idx.find(key);
            if (it == idx.end()) {
              idx.emplace(std::move(key), out.table.size());
              out.table.push(path.data() + skip, path.size() - skip, conv, val, nul);
            } else {
              out.table.conversions[it->second] += conv;
              out.table.value[it->second] += val;
              out.table.nulls[it->second] += nul;
            }
          };
          std::vector<std::size_t> rows;
          std::vector<std::int32_t> group_touch;
          std::vector<double> group_value;
          for (std::size_t u = b; u < e; ++u) {
            rows.assign(order.begin() + static_cast<std::ptrdiff_t>(start[u]),
                        order.begin() + static_cast<std::ptrdiff_t>(start[u + 1]));
            if (rows.empty()) continue;
            ++out.users;
            std::sort(rows.begin(), rows.end(), before);
            seg.clear();
            // Rows at one time: all their touches first (by channel code), then each
            // conversion in turn by value (the first closes the path, the others find
            // none).
            for (std::size_t k = 0; k < rows.size();) {
              const std::int64_t t = time_[rows[k]];
              std::size_t end = k;
              while (end < rows.size() && time_[rows[end]] == t) ++end;
              group_touch.clear();
              group_value.clear();
              for (std::size_t q = k; q < end; ++q) {
                const std::size_t r = rows[q];
                if (channel_[r] >= 0) group_touch.push_back(channel_[r]);
                if (conversion_[r]) group_value.push_back(value_[r]);
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
    std::unordered_map<std::string, std::size_t> idx;
    for (auto& p : part) {
      res.unattributed_conversions += p.unattributed_conversions;
      res.unattributed_value += p.unattributed_value;
      res.expired_touches += p.expired_touches;
      res.users += p.users;
      for (std::size_t i = 0; i < p.table.size(); ++i) {
        const path_view pv = p.table.path(i);
        std::string key(reinterpret_cast<const char*>(pv.steps), pv.length * sizeof(std::int32_t));
        auto it = idx.find(key);
        if (it == idx.end()) {
          idx.emplace(std::move(key), res.table.size());
          res.table.push(pv.steps, pv.length, pv.conversions, pv.value, pv.nulls);
        } else {
          res.table.conversions[it->second] += pv.conversions;
          res.table.value[it->second] += pv.value;
          res.table.nulls[it->second] += pv.nulls;
        }
      }
      p = built_paths{};
    }
    return res;
  }

 private:
  std::vector<std::int64_t> user_, time_;
  std::vector<std::int32_t> channel_;
  std::vector<std::uint8_t> conversion_;
  std::vector<double> value_;
};

}  // namespace sostac::attribution
