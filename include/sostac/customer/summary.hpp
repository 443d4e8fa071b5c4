// sostac/customer/summary.hpp: the per-customer summary (BTYD sufficient statistics) and RFM.
#pragma once
/// A mergeable accumulator over a transaction log (customer code, time, optional
/// value) that gives, per customer, the buy-till-you-die sufficient statistics as
/// lifetimes' summary_data_from_transaction_data and calibration_and_holdout_data
/// define them, and the recency/frequency/monetary inputs of RFM (customer/rfm.hpp).
///
/// The period rule (docs/customer.md): times are cut to their UTC calendar day, the
/// purchases of one customer on one day are one purchase (their values summed), and
/// recency and T are day differences divided by the period's length: 1 ("D"),
/// 7 ("W") or 30.4375 ("M", the mean Gregorian month). This is lifetimes'
/// freq="D", freq_multiplier=7 for weeks, the rule behind the published CDNOW summary.

#include <sostac/core/error.hpp>
#include <sostac/core/memory.hpp>
#include <sostac/core/parallel.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <memory>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

namespace sostac::customer {

/// The unit of recency, T and duration_holdout.
enum class period_unit { day, week, month };

/// "D", "W" or "M"; anything else is an input_error naming `period`.
inline period_unit parse_period(const std::string& s) {
  if (s == "D") return period_unit::day;
  if (s == "W") return period_unit::week;
  if (s == "M") return period_unit::month;
  throw input_error("period", "expected 'D', 'W' or 'M', got '" + s + "'");
}

/// Days in one period: 1, 7, or 365.25 / 12 for months.
constexpr double period_days(period_unit p) noexcept {
  return p == period_unit::day ? 1.0 : p == period_unit::week ? 7.0 : 365.25 / 12.0;
}

/// Nanoseconds in a day: the default tick of `add`'s times (datetime64[ns]).
inline constexpr std::int64_t ns_per_day = 86'400'000'000'000;

struct summary_options {
  period_unit period = period_unit::week;
  /// Last day of the calibration period (inclusive, days since 1970-01-01). Without
  /// it, the last day seen; a time after it is an input_error.
  bool has_end = false;
  std::int64_t end_day = 0;
  /// Last day of the holdout period (inclusive); needs has_end and end_day < it.
  bool has_holdout = false;
  std::int64_t holdout_end_day = 0;
  /// Whether `add` receives values (monetary, RFM's monetary).
  bool has_value = false;
  /// Allow negative values (refunds); otherwise a negative value is an input_error.
  bool refunds = false;
  /// Ticks of `add`'s times per day (ns by default).
  std::int64_t ticks_per_day = ns_per_day;
};

/// std::allocator whose default construction leaves the element uninitialised, so
/// that a column sized first is then written once, in parallel, with no serial
/// zeroing pass (and its page faults) before.
template <class T>
struct uninit_allocator : std::allocator<T> {
  template <class U>
  struct rebind {
    using other = uninit_allocator<U>;
  };
  uninit_allocator() noexcept = default;
  template <class U>
  uninit_allocator(const uninit_allocator<U>&) noexcept {}
  template <class U>
  void construct(U* p) noexcept {
    ::new (static_cast<void*>(p)) U;
  }
  template <class U, class... A>
  void construct(U* p, A&&... a) {
    ::new (static_cast<void*>(p)) U(std::forward<A>(a)...);
  }
};

/// A result column (a std::vector that resize does not zero).
template <class T>
using column = std::vector<T, uninit_allocator<T>>;

/// Per customer, in increasing customer code.
struct summary_result {
  column<std::int64_t> customer;  ///< the customer code
  column<double> frequency;       ///< repeat purchase days in the calibration
  column<double> recency;         ///< first to last purchase day, in periods
  column<double> T;               ///< first purchase day to end, in periods
  column<double> monetary;        ///< mean repeat-day total; 0 when frequency 0
  column<std::int64_t> transactions;  ///< calibration rows (RFM frequency)
  column<double> total;               ///< sum of calibration values (RFM monetary)
  column<double> days_since_last;  ///< end day - last purchase day (RFM recency)
  column<double> frequency_holdout;  ///< purchase days in the holdout
  column<double> monetary_holdout;   ///< mean holdout day total; 0 when none
  double duration_holdout = 0;            ///< holdout length in periods
  std::int64_t end_day = 0;               ///< the calibration end used
  std::int64_t holdout_only = 0;          ///< customers seen only in the holdout (left out)
};

namespace detail {

inline constexpr std::int32_t no_day = std::numeric_limits<std::int32_t>::max();

/// One customer's running statistics, as the merges and the sorted path handle them.
/// Days arrive in non-decreasing order per customer (add sorts a chunk when they do
/// not), so distinct days are counted by comparing with the last one.
struct summary_slot {
  std::int32_t first = no_day, last = no_day, days = 0, rows = 0;
  double first_total = 0, total = 0;
};

/// The holdout part, kept apart (only allocated with a holdout).
struct holdout_slot {
  std::int32_t first = no_day, last = no_day, days = 0, unused = 0;
  double total = 0;
};

/// How the accumulator stores summary_slot: in two tables, so that the pass over a
/// log in time order touches 16 bytes per row (a 1M-customer table of 16 MiB stays
/// in a 32 MiB last-level cache). `hot` (last day, rows, total) changes on every
/// row; `cold` (first day, rows on an already seen last day, first-day total) only
/// on a customer's first row and on a second row of the same day. An empty slot is
/// all zeros (rows == 0); days = rows - dup.
/// No member initialisers (hot_slot{} is the empty slot), so that a table can be
/// allocated without a zeroing pass and emptied in parallel.
struct hot_slot {
  std::int32_t last, rows;
  double total;
};
struct cold_slot {
  std::int32_t first, dup;
  double first_total;
};

/// big_allocator whose default construction leaves the element uninitialised.
template <class T>
struct table_allocator : big_allocator<T> {
  template <class U>
  struct rebind {
    using other = table_allocator<U>;
  };
  table_allocator() noexcept = default;
  template <class U>
  table_allocator(const table_allocator<U>&) noexcept {}
  template <class U>
  void construct(U* p) noexcept {
    ::new (static_cast<void*>(p)) U;
  }
  template <class U, class... A>
  void construct(U* p, A&&... a) {
    ::new (static_cast<void*>(p)) U(std::forward<A>(a)...);
  }
};

/// The tables are indexed by customer code, one random access per row: huge pages.
struct slot_table {
  std::vector<hot_slot, table_allocator<hot_slot>> hot;
  std::vector<cold_slot, table_allocator<cold_slot>> cold;

  std::size_t size() const noexcept { return hot.size(); }
  bool empty() const noexcept { return hot.empty(); }
  /// k slots, the new ones empty.
  void resize(std::size_t k) {
    const std::size_t old = std::min(k, size());
    hot.resize(k);
    cold.resize(k);
    std::fill(hot.begin() + static_cast<std::ptrdiff_t>(old), hot.end(), hot_slot{});
    std::fill(cold.begin() + static_cast<std::ptrdiff_t>(old), cold.end(), cold_slot{});
  }
  /// k slots, not initialised: the caller empties them (clear) before use.
  void allocate(std::size_t k) {
    hot.resize(k);
    cold.resize(k);
  }
  /// Empties the slots [b, e).
  void clear(std::size_t b, std::size_t e) noexcept {
    std::fill(hot.data() + b, hot.data() + e, hot_slot{});
    std::fill(cold.data() + b, cold.data() + e, cold_slot{});
  }
  void assign(std::size_t k) {
    hot.assign(k, hot_slot{});
    cold.assign(k, cold_slot{});
  }
  void swap(slot_table& o) noexcept {
    hot.swap(o.hot);
    cold.swap(o.cold);
  }
  bool has(std::size_t c) const noexcept { return hot[c].rows != 0; }
  summary_slot get(std::size_t c) const noexcept {
    summary_slot s;
    const hot_slot& h = hot[c];
    if (h.rows == 0) return s;
    const cold_slot& o = cold[c];
    s.first = o.first;
    s.last = h.last;
    s.rows = h.rows;
    s.days = h.rows - o.dup;
    s.first_total = o.first_total;
    s.total = h.total;
    return s;
  }
  void set(std::size_t c, const summary_slot& s) noexcept {
    if (s.days == 0) {
      hot[c] = hot_slot{};
      cold[c] = cold_slot{};
      return;
    }
    hot[c] = hot_slot{s.last, s.rows, s.total};
    cold[c] = cold_slot{s.first, s.rows - s.days, s.first_total};
  }
};

using holdout_vector = std::vector<holdout_slot, big_allocator<holdout_slot>>;

/// ISO date of a day number (Hinnant's civil_from_days), for messages.
inline std::string iso_day(std::int64_t z) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const std::int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const std::int64_t m = mp < 10 ? mp + 3 : mp - 9;
  const std::int64_t y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04lld-%02lld-%02lld", static_cast<long long>(y),
                static_cast<long long>(m), static_cast<long long>(d));
  return buf;
}

inline std::int64_t floor_div(std::int64_t a, std::int64_t b) noexcept {
  std::int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

/// Adds one calibration purchase; returns false when `day` is before the customer's
/// last day (the chunk is then redone in sorted order).
inline bool push_day(summary_slot& s, std::int32_t day, double v) noexcept {
  if (s.days == 0) {
    s.first = s.last = day;
    s.days = 1;
    s.first_total = v;
  } else if (day == s.last) {
    if (day == s.first) s.first_total += v;
  } else if (day > s.last) {
    s.last = day;
    ++s.days;
  } else {
    return false;
  }
  ++s.rows;
  s.total += v;
  return true;
}

/// The same for a holdout purchase.
inline bool push_day(holdout_slot& s, std::int32_t day, double v) noexcept {
  if (s.days == 0) {
    s.first = s.last = day;
    s.days = 1;
  } else if (day > s.last) {
    s.last = day;
    ++s.days;
  } else if (day < s.last) {
    return false;
  }
  s.total += v;
  return true;
}

/// floor(t / per_day) by a multiplication and an exact correction (a 64-bit
/// division per row costs more than the rest of the row's work).
struct day_cut {
  std::int64_t per_day;
  double inv;
  explicit day_cut(std::int64_t p) noexcept : per_day(p), inv(1.0 / static_cast<double>(p)) {}
  std::int32_t operator()(std::int64_t t) const noexcept {
    auto d = static_cast<std::int64_t>(std::floor(static_cast<double>(t) * inv));
    while (d * per_day > t) --d;
    while ((d + 1) * per_day <= t) ++d;
    return static_cast<std::int32_t>(d);
  }
};

/// Joins the day sets [x] and [y] of one part, which must not interleave in time.
/// Returns false when they do.
inline bool join_part(std::int32_t& first, std::int32_t& last, std::int32_t& days,
                      double* first_total, std::int32_t yf, std::int32_t yl,
                      std::int32_t yd, double y_first_total) noexcept {
  if (yd == 0) return true;
  if (days == 0) {
    first = yf;
    last = yl;
    days = yd;
    if (first_total) *first_total = y_first_total;
    return true;
  }
  if (last <= yf) {  // this part, then y
    if (last == yf && first == last && first_total) *first_total += y_first_total;
    days += yd - (last == yf ? 1 : 0);
    last = yl;
    return true;
  }
  if (yl <= first) {  // y, then this part
    double ft = y_first_total;
    if (yl == first && yf == yl && first_total) ft += *first_total;
    days += yd - (yl == first ? 1 : 0);
    first = yf;
    if (first_total) *first_total = ft;
    return true;
  }
  return false;
}

}  // namespace detail

/// The accumulator. Customers are codes 0..K-1 (after subtracting `base` in add);
/// its memory grows with the largest code, so factorise sparse ids first.
///
/// merge(other) gives the same answer as one pass over both parts' rows when, for
/// every customer, the two parts' purchase days do not interleave (one part's days
/// all on or before the other's): partitions by customer, or by time merged with
/// their neighbours in time. Otherwise it throws an input_error naming the customer,
/// never a wrong count (the accumulator is then not to be used further).
class summary_accumulator {
 public:
  explicit summary_accumulator(summary_options options = {}) : opt_(options) {
    if (opt_.ticks_per_day <= 0)
      throw input_error("ticks_per_day", "expected a positive number of ticks per day");
    if (opt_.has_holdout && !opt_.has_end)
      throw input_error("holdout_end", "needs end (the calibration end)");
    if (opt_.has_holdout && opt_.holdout_end_day <= opt_.end_day)
      throw input_error("holdout_end", "expected a day after end");
  }

  const summary_options& options() const noexcept { return opt_; }
  std::size_t rows() const noexcept { return rows_; }

  /// Adds n transactions: customer[i] - base is the customer code, time[i] in ticks
  /// since 1970-01-01 (INT64_MIN = missing), value[i] (nullptr when has_value is
  /// false). Errors name the row i of this chunk.
  void add(const std::int64_t* customer, const std::int64_t* time, const double* value,
           std::size_t n, std::int64_t base = 0) {
    if (n == 0) return;
    if (opt_.has_value && value == nullptr)
      throw input_error("value", "expected values (the accumulator has has_value)");
    // Pass 0: the range of the codes (a min/max over the ids only).
    const std::size_t grain = 1 << 16;
    const std::size_t blocks = (n + grain - 1) / grain;
    std::vector<std::int64_t> bmin(blocks), bmax(blocks);
    parallel_for(
        n,
        [&](std::size_t b, std::size_t e) {
          std::int64_t lo = customer[b], hi = customer[b];
          for (std::size_t i = b; i < e; ++i) {
            lo = std::min(lo, customer[i]);
            hi = std::max(hi, customer[i]);
          }
          bmin[b / grain] = lo;
          bmax[b / grain] = hi;
        },
        grain);
    const std::int64_t lo_id = *std::min_element(bmin.begin(), bmin.end());
    const std::int64_t hi_id = *std::max_element(bmax.begin(), bmax.end());
    if (lo_id < base || hi_id - base > max_code_) {
      for (std::size_t i = 0; i < n; ++i)
        if (customer[i] < base || customer[i] - base > max_code_)
          bad_row("customer", i,
                  "expected a customer code in 0.." + std::to_string(max_code_) +
                      " after the base " + std::to_string(base) + ", got " +
                      std::to_string(customer[i]));
    }
    const auto k = static_cast<std::size_t>(hi_id - base + 1);

    // Pass 1, in P parts side by side, part p owning the codes [k p / P, k (p+1) / P):
    // each part reads every row's code and checks and adds the rows of its own
    // customers, in row order. So each customer's rows are added in row order whatever
    // P is (the sums, and so the answer, do not depend on the thread count), the
    // parts write disjoint slots of one table (no join), and each part's share of the
    // table is 1/P of it (cache). When some customer's days go backwards the chunk is
    // redone sorted; a bad row (any part) is then looked up in row order, so the error
    // names the chunk's first bad row.
    const std::size_t parts =
        n >= (std::size_t{1} << 17)
            ? std::min<std::size_t>(k, static_cast<std::size_t>(std::clamp(num_threads(), 1, 64)))
            : 1;
    detail::slot_table local;
    detail::holdout_vector hlocal;
    local.allocate(k);  // each part empties its own slots (in parallel, first touch)
    if (opt_.has_holdout) hlocal.assign(k, detail::holdout_slot{});
    std::vector<int> state(parts, 0);
    std::vector<std::int64_t> part_last(parts, kmin_);
    parallel_for(
        parts,
        [&](std::size_t pb, std::size_t pe) {
          for (std::size_t p = pb; p < pe; ++p)
            state[p] = scan_part(customer, time, value, n, base, k * p / parts,
                                 k * (p + 1) / parts, local, hlocal, part_last[p]);
        },
        1);
    if (std::find(state.begin(), state.end(), bad_) != state.end()) first_bad_row(time, value, n);
    last_seen_ = std::max(
        last_seen_, detail::floor_div(*std::max_element(part_last.begin(), part_last.end()),
                                      opt_.ticks_per_day));
    rows_ += n;
    if (std::find(state.begin(), state.end(), backwards_) != state.end())
      fill_sorted(local, hlocal, customer, time, value, n, base);
    if (slots_.empty()) {
      slots_.swap(local);
      hslots_.swap(hlocal);
    } else {
      merge_slots(local, hlocal);
    }
  }

  /// Adds another accumulator's customers (same codes, same options).
  void merge(const summary_accumulator& other) {
    if (other.opt_.period != opt_.period || other.opt_.has_end != opt_.has_end ||
        other.opt_.end_day != opt_.end_day || other.opt_.has_holdout != opt_.has_holdout ||
        other.opt_.holdout_end_day != opt_.holdout_end_day ||
        other.opt_.has_value != opt_.has_value)
      throw input_error("other", "expected an accumulator with the same options");
    rows_ += other.rows_;
    last_seen_ = std::max(last_seen_, other.last_seen_);
    merge_slots(other.slots_, other.hslots_);
  }

  /// merge(other) when the two were built with different customer codes: other's
  /// code c is this one's mapping[c] (m >= other.codes()).
  void merge_mapped(const summary_accumulator& other, const std::int64_t* mapping,
                    std::size_t m) {
    if (m < other.slots_.size())
      throw input_error("mapping", "expected " + std::to_string(other.slots_.size()) +
                                       " codes, got " + std::to_string(m));
    std::int64_t top = -1;
    for (std::size_t c = 0; c < other.slots_.size(); ++c) {
      if (mapping[c] < 0 || mapping[c] > max_code_)
        throw input_error("mapping[" + std::to_string(c) + "]", "expected a code >= 0");
      top = std::max(top, mapping[c]);
    }
    detail::slot_table moved;
    moved.assign(static_cast<std::size_t>(top + 1));
    detail::holdout_vector hmoved(other.hslots_.empty() ? 0 : moved.size());
    for (std::size_t c = 0; c < other.slots_.size(); ++c) {
      moved.set(static_cast<std::size_t>(mapping[c]), other.slots_.get(c));
      if (!hmoved.empty()) hmoved[static_cast<std::size_t>(mapping[c])] = other.hslots_[c];
    }
    summary_accumulator tmp(other.opt_);
    tmp.slots_.swap(moved);
    tmp.hslots_.swap(hmoved);
    tmp.rows_ = other.rows_;
    tmp.last_seen_ = other.last_seen_;
    merge(tmp);
  }

  /// One more than the largest customer code added so far.
  std::size_t codes() const noexcept { return slots_.size(); }

  /// The per-customer summary, customers in increasing code (codes without rows in
  /// the calibration period are left out; those seen only in the holdout are counted
  /// in holdout_only).
  summary_result finish() const {
    summary_result r;
    r.end_day = opt_.has_end ? opt_.end_day : last_seen_;
    const double pd = period_days(opt_.period);
    r.duration_holdout =
        opt_.has_holdout ? static_cast<double>(opt_.holdout_end_day - opt_.end_day) / pd : 0;
    // Customers per block of codes, then each block fills its own output range.
    const std::size_t k = slots_.size(), grain = 1 << 15;
    const std::size_t blocks = (k + grain - 1) / grain;
    std::vector<std::size_t> at(blocks + 1, 0), only(blocks, 0);
    parallel_for(
        k,
        [&](std::size_t b, std::size_t e) {
          std::size_t m = 0, h = 0;
          for (std::size_t c = b; c < e; ++c) {
            if (slots_.has(c))
              ++m;
            else if (!hslots_.empty() && hslots_[c].days > 0)
              ++h;
          }
          at[b / grain + 1] = m;
          only[b / grain] = h;
        },
        grain);
    std::partial_sum(at.begin(), at.end(), at.begin());
    for (std::size_t h : only) r.holdout_only += static_cast<std::int64_t>(h);
    const std::size_t m = at[blocks];
    auto size = [&](auto& v) { v.resize(m); };
    size(r.customer), size(r.frequency), size(r.recency), size(r.T), size(r.monetary);
    size(r.transactions), size(r.total), size(r.days_since_last);
    if (opt_.has_holdout) size(r.frequency_holdout), size(r.monetary_holdout);
    parallel_for(
        k,
        [&](std::size_t b, std::size_t e) {
          std::size_t j = at[b / grain];
          for (std::size_t c = b; c < e; ++c) {
            if (!slots_.has(c)) continue;
            const detail::summary_slot s = slots_.get(c);
            r.customer[j] = static_cast<std::int64_t>(c);
            r.frequency[j] = s.days - 1;
            r.recency[j] = static_cast<double>(s.last - s.first) / pd;
            r.T[j] = static_cast<double>(r.end_day - s.first) / pd;
            r.monetary[j] = s.days > 1 ? (s.total - s.first_total) / (s.days - 1) : 0.0;
            r.transactions[j] = s.rows;
            r.total[j] = s.total;
            r.days_since_last[j] = static_cast<double>(r.end_day - s.last);
            if (opt_.has_holdout) {
              const auto& h = hslots_[c];
              r.frequency_holdout[j] = h.days;
              r.monetary_holdout[j] = h.days > 0 ? h.total / h.days : 0.0;
            }
            ++j;
          }
        },
        grain);
    return r;
  }

 private:
  static constexpr std::int64_t kmin_ = std::numeric_limits<std::int64_t>::min();
  static constexpr std::int64_t max_code_ = (std::int64_t{1} << 31) - 2;

  [[noreturn]] static void bad_row(const char* column, std::size_t i,
                                   const std::string& message) {
    throw input_error(std::string(column) + "[" + std::to_string(i) + "]", message);
  }


  /// The row rules of time and value: one test on the common path (fine), the
  /// message of the rule a row breaks (fail).
  struct row_rules {
    std::int64_t per, lo_tick, hi_tick, end_tick, end;
    double min_value, max_value;
    bool has_holdout;

    explicit row_rules(const summary_options& o) {
      per = o.ticks_per_day;
      end = o.has_holdout ? o.holdout_end_day : o.end_day;
      auto ticks_at = [this](double day) {  // ticks of a day number, saturated to int64
        const double t = day * static_cast<double>(per);
        return t >= 9.2e18 ? std::numeric_limits<std::int64_t>::max()
               : t <= -9.2e18 ? kmin_ + 1
                              : static_cast<std::int64_t>(t);
      };
      // The time checks compare ticks with limits (no division per row).
      lo_tick = ticks_at(-2.0e9);
      hi_tick = ticks_at(2.0e9);
      end_tick = o.has_end ? ticks_at(static_cast<double>(end + 1)) - 1 : hi_tick;
      max_value = std::numeric_limits<double>::max();
      min_value = o.refunds ? -max_value : 0.0;
      has_holdout = o.has_holdout;
    }
    bool fine_time(std::int64_t t) const noexcept { return t >= lo_tick && t <= end_tick; }
    bool fine_value(double v) const noexcept { return v >= min_value && v <= max_value; }
    [[noreturn]] void fail_time(std::size_t i, std::int64_t t) const {
      if (t == kmin_) bad_row("time", i, "missing time");
      if (t < lo_tick || t > hi_tick)
        bad_row("time", i,
                "day " + std::to_string(detail::floor_div(t, per)) + " is out of range");
      bad_row("time", i,
              "purchase on " + detail::iso_day(detail::floor_div(t, per)) + " is after " +
                  (has_holdout ? "holdout_end " : "end ") + detail::iso_day(end) +
                  "; filter the log first");
    }
    [[noreturn]] void fail_value(std::size_t i, double v) const {
      if (std::isnan(v)) bad_row("value", i, "missing or NaN amount");
      if (!std::isfinite(v)) bad_row("value", i, "expected a finite amount");
      bad_row("value", i,
              "negative amount " + sostac::detail::format_value(v) +
                  " (pass refunds=True to allow refunds)");
    }
  };

  static constexpr int fine_ = 0, backwards_ = 1, bad_ = 2;

  /// Throws the input_error of the first row (in row order) that breaks a rule.
  void first_bad_row(const std::int64_t* time, const double* value, std::size_t n) const {
    const row_rules rule(opt_);
    for (std::size_t i = 0; i < n; ++i) {
      if (!rule.fine_time(time[i])) rule.fail_time(i, time[i]);
      if (value && !rule.fine_value(value[i])) rule.fail_value(i, value[i]);
    }
  }

  /// Checks the rows of the customers [clo, chi) and adds them, in row order, to
  /// their (zeroed) slots in `tab` and `htab`. Returns fine_, backwards_ (some
  /// customer's days go backwards; the remaining rows are only checked) or bad_ (a
  /// row breaks a rule; the caller names the first one).
  int scan_part(const std::int64_t* customer, const std::int64_t* time, const double* value,
                std::size_t n, std::int64_t base, std::size_t clo, std::size_t chi,
                detail::slot_table& tab, detail::holdout_vector& htab,
                std::int64_t& last) const {
    const row_rules rule(opt_);
    const detail::day_cut day_of(opt_.ticks_per_day);
    const bool holdout = opt_.has_holdout;
    const auto cal_end = static_cast<std::int32_t>(opt_.end_day);
    const auto width = static_cast<std::uint64_t>(chi - clo);
    const std::int64_t off = base + static_cast<std::int64_t>(clo);
    tab.clear(clo, chi);
    detail::hot_slot* hot = tab.hot.data() + clo;
    detail::cold_slot* cold = tab.cold.data() + clo;
    detail::holdout_slot* hs = holdout ? htab.data() + clo : nullptr;
    bool in_order = true, bad = false;
    std::int64_t mx = kmin_;
    // Adds row i of customer c (relative to clo); false when the row breaks a rule.
    auto add_row = [&](std::size_t i, std::uint64_t c) {
      const std::int64_t t = time[i];
      const double v = value ? value[i] : 0.0;
      if (!rule.fine_time(t) || !rule.fine_value(v)) return false;
      mx = std::max(mx, t);
      if (!in_order) return true;  // checking the rest only; the chunk is redone sorted
      const std::int32_t d = day_of(t);
      if (holdout && d > cal_end) {
        in_order = detail::push_day(hs[c], d, v);
        return true;
      }
      detail::hot_slot& h = hot[c];
      if (h.rows != 0 && d > h.last) {  // the common case: a new, later day
        h.last = d;
        ++h.rows;
        h.total += v;
      } else if (h.rows == 0) {  // the customer's first row
        h.last = d;
        h.rows = 1;
        h.total = v;
        cold[c].first = d;
        cold[c].first_total = v;
      } else if (d == h.last) {  // another row on the last day
        ++h.rows;
        h.total += v;
        detail::cold_slot& o = cold[c];
        ++o.dup;
        if (d == o.first) o.first_total += v;
      } else {
        in_order = false;
      }
      return true;
    };
    // Prefetch the hot slot of a row further on (its cache miss hidden), and nearer
    // on, once that slot is in cache, the cold slot of a customer not seen yet.
    constexpr std::size_t ahead = 32, near = 16;
    auto prefetch = [&](std::uint64_t f, std::uint64_t g) {
#if defined(__GNUC__) || defined(__clang__)
      __builtin_prefetch(hot + f, 1);
      __builtin_prefetch(cold + (hot[g].rows == 0 ? g : 0), 1);
#else
      (void)f, (void)g;
#endif
    };
    if (width == tab.size()) {  // one part: every row is this part's
      for (std::size_t i = 0; i < n && !bad; ++i) {
        if (i + ahead < n)
          prefetch(static_cast<std::uint64_t>(customer[i + ahead] - off),
                   static_cast<std::uint64_t>(customer[i + near] - off));
        bad = !add_row(i, static_cast<std::uint64_t>(customer[i] - off));
      }
    } else {
      // Blocks of rows: first the list of this part's rows (no branch), then those
      // rows, so that the other parts' rows cost no mispredicted branch.
      // (2 x 8 KiB of lists: they stay in L1.)
      constexpr std::size_t block = 2048;
      std::vector<std::uint32_t> mine(block), code(block);
      for (std::size_t b = 0; b < n && !bad; b += block) {
        const std::size_t e = std::min(n, b + block);
        std::size_t m = 0;
        for (std::size_t i = b; i < e; ++i) {
          const auto c = static_cast<std::uint64_t>(customer[i] - off);
          mine[m] = static_cast<std::uint32_t>(i - b);
          code[m] = static_cast<std::uint32_t>(c);  // width < 2^31
          m += c < width ? 1 : 0;
        }
        for (std::size_t j = 0; j < m && !bad; ++j) {
          if (j + ahead < m) prefetch(code[j + ahead], code[j + near]);
          bad = !add_row(b + mine[j], code[j]);
        }
      }
    }
    if (bad) return bad_;
    last = mx;
    return in_order ? fine_ : backwards_;
  }

  /// Counting sort by customer, then each customer's rows by day (ties in row order).
  void fill_sorted(detail::slot_table& local,
                   detail::holdout_vector& hlocal, const std::int64_t* customer,
                   const std::int64_t* time, const double* value, std::size_t n,
                   std::int64_t base) const {
    const std::size_t k = local.size();
    local.assign(k);
    std::fill(hlocal.begin(), hlocal.end(), detail::holdout_slot{});
    const detail::day_cut day_of(opt_.ticks_per_day);
    const bool holdout = opt_.has_holdout;
    const auto end = static_cast<std::int32_t>(opt_.end_day);
    // Counts per row range, then each range scatters its rows to its own positions:
    // every customer's rows stay in row order, so the answer does not depend on the
    // number of ranges.
    const std::size_t parts = std::min<std::size_t>(
        static_cast<std::size_t>(std::max(1, num_threads())), std::max<std::size_t>(1, n >> 16));
    std::vector<std::vector<std::size_t>> pos(parts, std::vector<std::size_t>(k, 0));
    parallel_for(
        parts,
        [&](std::size_t pb, std::size_t pe) {
          for (std::size_t p = pb; p < pe; ++p)
            for (std::size_t i = n * p / parts; i < n * (p + 1) / parts; ++i)
              ++pos[p][static_cast<std::size_t>(customer[i] - base)];
        },
        1);
    std::vector<std::size_t> start(k + 1, 0);
    std::size_t running = 0;
    for (std::size_t c = 0; c < k; ++c) {
      start[c] = running;
      for (std::size_t p = 0; p < parts; ++p) {
        const std::size_t m = pos[p][c];
        pos[p][c] = running;
        running += m;
      }
    }
    start[k] = running;
    std::vector<std::int32_t> days(n);
    std::vector<double> vals(value ? n : 0);
    parallel_for(
        parts,
        [&](std::size_t pb, std::size_t pe) {
          for (std::size_t p = pb; p < pe; ++p)
            for (std::size_t i = n * p / parts; i < n * (p + 1) / parts; ++i) {
              const std::size_t at = pos[p][static_cast<std::size_t>(customer[i] - base)]++;
              days[at] = day_of(time[i]);
              if (value) vals[at] = value[i];
            }
        },
        1);
    pos.clear();
    parallel_for(
        k,
        [&](std::size_t cb, std::size_t ce) {
          std::vector<std::pair<std::int32_t, double>> run;
          for (std::size_t c = cb; c < ce; ++c) {
            const std::size_t b = start[c], e = start[c + 1];
            // Stable sort of the customer's rows by day, in place: insertion sort for
            // the usual few rows, std::stable_sort of (day, value) pairs for long runs.
            if (e - b <= 32) {
              for (std::size_t i = b + 1; i < e; ++i) {
                const std::int32_t d = days[i];
                const double v = value ? vals[i] : 0.0;
                std::size_t j = i;
                for (; j > b && days[j - 1] > d; --j) {
                  days[j] = days[j - 1];
                  if (value) vals[j] = vals[j - 1];
                }
                days[j] = d;
                if (value) vals[j] = v;
              }
            } else {
              run.clear();
              for (std::size_t i = b; i < e; ++i) run.emplace_back(days[i], value ? vals[i] : 0.0);
              std::stable_sort(run.begin(), run.end(),
                               [](const auto& x, const auto& y) { return x.first < y.first; });
              for (std::size_t i = b; i < e; ++i) {
                days[i] = run[i - b].first;
                if (value) vals[i] = run[i - b].second;
              }
            }
            detail::summary_slot s;
            for (std::size_t at = b; at < e; ++at) {
              const double v = value ? vals[at] : 0.0;
              if (holdout && days[at] > end)
                detail::push_day(hlocal[c], days[at], v);
              else
                detail::push_day(s, days[at], v);
            }
            local.set(c, s);
          }
        },
        4096);
  }

  void merge_slots(const detail::slot_table& other,
                   const detail::holdout_vector& hother) {
    if (other.size() > slots_.size()) {
      slots_.resize(other.size());
      if (opt_.has_holdout) hslots_.resize(other.size());
    }
    for (std::size_t c = 0; c < other.size(); ++c) {
      detail::summary_slot a = slots_.get(c);
      const detail::summary_slot b = other.get(c);
      bool fine = detail::join_part(a.first, a.last, a.days, &a.first_total, b.first, b.last,
                                    b.days, b.first_total);
      if (fine && !hother.empty()) {
        auto& ha = hslots_[c];
        const auto& hb = hother[c];
        fine = detail::join_part(ha.first, ha.last, ha.days, nullptr, hb.first, hb.last,
                                 hb.days, 0.0);
        ha.total += hb.total;
      }
      if (!fine)
        throw input_error(
            "customer " + std::to_string(c),
            "its purchase days in the two parts interleave in time, so the distinct "
            "purchase days cannot be merged exactly; partition the log by time or by "
            "customer");
      a.rows += b.rows;
      a.total += b.total;
      slots_.set(c, a);
    }
  }

  summary_options opt_;
  detail::slot_table slots_;
  detail::holdout_vector hslots_;
  std::size_t rows_ = 0;
  std::int64_t last_seen_ = kmin_;
};

}  // namespace sostac::customer

#include <sostac/customer/rfm.hpp>
