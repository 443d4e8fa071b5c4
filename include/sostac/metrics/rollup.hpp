#pragma once
/// KPI roll-up over a daily aggregate: every KPI of the catalogue (or user-defined,
/// as a ratio of measure expressions) by group and calendar period, with an interval.
///
/// kpi_rollup is a mergeable accumulator: add() chunks of rows, merge() states built
/// on other chunks or partitions, finish() the table. It keeps, per (group, period),
/// the row count, the sum of every measure the KPIs need and, for KPIs whose interval
/// needs it, a moment block (Sx, Sy, D, E, Q): the sums of the KPI's per-row
/// denominator x and numerator y, and the residual moments about the slot's own ratio
/// R = Sy / Sx: D = sum (y - R x)^2, E = sum (y - R x) x and Q = sum x^2 (x = 1 for a
/// plain sum, so D is the centred sum of squares). Rows are read once, in cache-sized
/// sub-blocks; the residuals are taken about a centre that follows each slot's
/// running ratio and moved exactly when it moves (e' = e + dc x); parts and states
/// combine exactly by moving each part's residuals to the joint ratio
/// (e + dR x), the pairwise update of Chan, Golub & LeVeque generalised to ratios, so
/// the variances do not cancel: rows that are exactly proportional give D = 0.

#include <sostac/core/config.hpp>
#include <sostac/core/error.hpp>
#include <sostac/core/parallel.hpp>
#include <sostac/metrics/columns.hpp>
#include <sostac/metrics/kpi.hpp>
#include <sostac/metrics/period.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

namespace sostac::metrics {

enum class interval_kind { wilson, poisson_gamma, poisson, normal, delta };

SOSTAC_INLINE const char* to_string(interval_kind k) noexcept;

/// A KPI as the roll-up computes it: scale * numerator / denominator, each a sum of
/// signed measure terms (an empty denominator makes a plain sum).
struct kpi_formula {
  std::string id;
  std::vector<measure_term> numerator;
  std::vector<measure_term> denominator;
  double scale = 1;
  std::string unit = "ratio";
};

SOSTAC_INLINE kpi_formula formula_of(const kpi_definition& d);

/// Which interval a KPI gets (see the file comment).
SOSTAC_INLINE interval_kind interval_for(const kpi_formula& k);

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
    width_ = 1 + measures_.size() + 5 * moments_;
  }

  /// The base measures the KPIs need, in the order add() expects their columns.
  const std::vector<std::string>& measures() const noexcept { return measures_; }
  const std::vector<kpi_formula>& kpis() const noexcept { return kpis_; }
  std::size_t groups_and_periods() const noexcept { return keys_.size(); }

  /// Adds n rows: group codes (>= 0), times in ticks, and one column per measure
  /// (measures() order), each with non-negative finite values. Throws input_error
  /// naming the column and row of the first bad value; the state is then unchanged.
  void add(const integer_column& group, const integer_column& time,
           const std::vector<numeric_column>& columns);

  /// Adds another accumulator's state (same KPIs, period and time unit). Its group
  /// code g becomes group_map[g] when a map is given.
  void merge(const kpi_rollup& other, const std::vector<std::int64_t>& group_map = {});

  /// The table: one row per (period, group) seen and KPI, sorted by period, group
  /// code and KPI order. `level` in (0, 1).
  std::vector<rollup_row> finish(double level = 0.95) const;

 private:
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);
  /// (group, period) pairs held directly in a grid, not a hash map, up to this many.
  static constexpr std::uint64_t grid_cells = std::uint64_t{1} << 14;
  /// Rows per sub-block: the values a moment pass re-reads stay in the L1/L2 cache.
  static constexpr std::size_t sub_block = 4096;
  struct term {
    double coefficient;
    std::size_t measure;
  };
  using term_list = std::vector<term>;
  /// Per slot: n, sums[M], then (Sx, Sy, D, E, Q) per moment KPI.
  using state = std::vector<double>;

  static double normal_quantile(double p);

  /// The p quantile of Gamma(a, 1). Above a = 1e10 Boost's series gives up in the
  /// upper tail, and the Wilson-Hilferty cube-root approximation is exact to a few
  /// units in the last place there (its error falls as a^-3/2: 1.5e-14 relative at
  /// a = 1e8, below 4e-16 from 1e10 on, checked against R's qgamma up to 2^50).
  static double gamma_quantile(double a, double p);

  double sum_of(const double* slot, const term_list& terms) const {
    double v = 0;
    for (const auto& t : terms) v += t.coefficient * slot[1 + t.measure];
    return v;
  }

  std::size_t moment_at(std::size_t k) const {
    return 1 + measures_.size() + 5 * moment_[k];
  }

  /// Moves the residuals of moment block q = (Sx, Sy, D, E, Q) by dc x: from centre c
  /// to centre c - dc, e' = e + dc x.
  static void recentre(double* q, double dc) {
    q[2] += 2 * dc * q[3] + dc * dc * q[4];
    q[3] += dc * q[4];
  }

  /// Adds moment block b = (Sx, Sy, D, E, Q) into a: the residuals of each side move
  /// from its own ratio to the joint one, e' = e + dR x. A block of zeros is neutral.
  static void merge_moments(double* a, const double* b) {
    const double ra = a[0] != 0 ? a[1] / a[0] : 0.0;
    const double rb = b[0] != 0 ? b[1] / b[0] : 0.0;
    a[0] += b[0];
    a[1] += b[1];
    const double r = a[0] != 0 ? a[1] / a[0] : 0.0, da = ra - r, db = rb - r;
    const double d =
        a[2] + 2 * da * a[3] + da * da * a[4] + b[2] + 2 * db * b[3] + db * db * b[4];
    a[3] = a[3] + da * a[4] + b[3] + db * b[4];
    a[2] = d;
    a[4] += b[4];
  }

  /// Adds slot state b into slot state a.
  void combine(double* a, const double* b) const {
    if (b[0] == 0) return;
    if (a[0] == 0) {
      std::copy(b, b + width_, a);
      return;
    }
    for (std::size_t m = 0; m <= measures_.size(); ++m) a[m] += b[m];
    for (std::size_t j = 0; j < moments_; ++j)
      merge_moments(a + 1 + measures_.size() + 5 * j, b + 1 + measures_.size() + 5 * j);
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

  /// Period index of every time of a chunk, exact: day_of(t, ticks_per_day, offset),
  /// then the period through a table of days. cells() (the grid path, the common
  /// case) needs no division per row: the day comes from a double estimate corrected
  /// by the integer remainder.
  class period_mapper {
   public:
    period_mapper(const integer_column& time, std::int64_t ticks_per_day,
                  std::int64_t offset_ticks, period p)
        : tpd_(ticks_per_day), offset_ticks_(offset_ticks), period_(p) {
      off_days_ = detail::floor_div(offset_ticks, tpd_);
      off_rem_ = offset_ticks - off_days_ * tpd_;
      // the time range, in parallel over fixed pieces
      const std::size_t piece = std::size_t{1} << 20;
      const std::size_t pieces = (time.size + piece - 1) / piece;
      std::vector<std::int64_t> lows(pieces, std::numeric_limits<std::int64_t>::max()),
          highs(pieces, std::numeric_limits<std::int64_t>::min());
      parallel_for(
          pieces,
          [&](std::size_t q0, std::size_t q1) {
            visit(time, [&](const auto* t) {
              for (std::size_t q = q0; q < q1; ++q) {
                const std::size_t b = q * piece, e = std::min(time.size, b + piece);
                std::int64_t lo = lows[q], hi = highs[q];
                for_prefetched(t + b, e - b, [&](std::size_t i0, std::size_t i1) {
                  for (std::size_t i = b + i0; i < b + i1; ++i) {
                    const auto ti = static_cast<std::int64_t>(t[i]);
                    lo = ti < lo ? ti : lo;
                    hi = ti > hi ? ti : hi;
                  }
                });
                lows[q] = lo, highs[q] = hi;
              }
            });
          },
          1);
      const std::int64_t tmin = *std::min_element(lows.begin(), lows.end());
      const std::int64_t tmax = *std::max_element(highs.begin(), highs.end());
      const std::int64_t limit = std::int64_t{1} << 30;
      auto first_bad = [&](auto bad, const char* what) {
        visit(time, [&](const auto* t) {
          for (std::size_t i = 0; i < time.size; ++i)
            if (bad(static_cast<std::int64_t>(t[i])))
              throw input_error(time.name + "[" + std::to_string(i) + "]", what);
        });
      };
      if (tmin == std::numeric_limits<std::int64_t>::min())
        first_bad(
            [](std::int64_t t) {
              return t == std::numeric_limits<std::int64_t>::min();
            },
            "missing time");
      dmin_ = day_of(tmin, tpd_, offset_ticks_);
      const std::int64_t dmax = day_of(tmax, tpd_, offset_ticks_);
      if (dmin_ < -limit || dmax > limit)
        first_bad(
            [&](std::int64_t t) {
              const std::int64_t d = day_of(t, tpd_, offset_ticks_);
              return d < -limit || d > limit;
            },
            "the time is outside the supported calendar");
      tmin_ = tmin;
      base_ = detail::floor_div(tmin, tpd_);
      rem0_ = tmin - base_ * tpd_;
      fast_ = static_cast<std::uint64_t>(tmax) - static_cast<std::uint64_t>(tmin) <
              (std::uint64_t{1} << 62);
      inv_ = 1.0 / static_cast<double>(tpd_);
      pmin_ = period_index(dmin_, p);
      pmax_ = period_index(dmax, p);
      if (dmax - dmin_ < (std::int64_t{1} << 22)) {
        table_.resize(static_cast<std::size_t>(dmax - dmin_ + 1));
        for (std::size_t d = 0; d < table_.size(); ++d)
          table_[d] = static_cast<std::int32_t>(
              period_index(dmin_ + static_cast<std::int64_t>(d), p) - pmin_);
      }
    }

    std::int64_t first() const noexcept { return pmin_; }
    std::int64_t span() const noexcept { return pmax_ - pmin_ + 1; }

    /// The period index of time t, minus first().
    std::int64_t operator()(std::int64_t t) const {
      const std::int64_t day = day_of(t, tpd_, offset_ticks_);
      if (!table_.empty()) return table_[static_cast<std::size_t>(day - dmin_)];
      return period_index(day, period_) - pmin_;
    }

    /// out[i - b] = g[i] * span + (the period of t[i], minus first()) for rows [b, e).
    template <class G, class T>
    void cells(const G* g, const T* t, std::size_t b, std::size_t e, std::uint64_t span,
               std::int32_t* out) const {
      if (!fast_ || table_.empty()) {
        for (std::size_t i = b; i < e; ++i)
          out[i - b] = static_cast<std::int32_t>(
              static_cast<std::uint64_t>(g[i]) * span +
              static_cast<std::uint64_t>((*this)(static_cast<std::int64_t>(t[i]))));
        return;
      }
      // the quotient estimate is off by at most one: |v / tpd| < 2^32 (the calendar
      // bound), so its relative rounding errors (2^-52) stay far below one day
      const auto rem0 = static_cast<std::uint64_t>(rem0_);
      const auto tmin = static_cast<std::uint64_t>(tmin_);
      const double inv = inv_;
      const std::int64_t tpd = tpd_, carry_at = tpd_ - off_rem_;
      const std::int64_t shift = base_ + off_days_ - dmin_;
      const std::int32_t* table = table_.data();
      for (std::size_t i = b; i < e; ++i) {
#if defined(__GNUC__) || defined(__clang__)
        if ((i & 7) == 0) __builtin_prefetch(t + i + 1024);
#endif
        const auto v = static_cast<std::int64_t>(
            rem0 +
            (static_cast<std::uint64_t>(static_cast<std::int64_t>(t[i])) - tmin));
        std::int64_t q = static_cast<std::int64_t>(static_cast<double>(v) * inv);
        std::int64_t r = v - q * tpd;
        if (r < 0) --q, r += tpd;
        if (r >= tpd) ++q, r -= tpd;
        const std::int64_t day = q + shift + (r >= carry_at ? 1 : 0);
        out[i - b] = static_cast<std::int32_t>(
            static_cast<std::uint64_t>(g[i]) * span +
            static_cast<std::uint64_t>(table[static_cast<std::size_t>(day)]));
      }
    }

   private:
    std::int64_t tpd_, offset_ticks_;
    period period_;
    std::int64_t off_days_ = 0, off_rem_ = 0, tmin_ = 0, base_ = 0, rem0_ = 0;
    std::int64_t dmin_ = 0, pmin_ = 0, pmax_ = 0;
    bool fast_ = false;
    double inv_ = 1;
    std::vector<std::int32_t> table_;
  };

  /// The chunk's state over all current slots, creating the slots of its new (group,
  /// period) pairs. Few pairs: a grid of (group, period) cells, mapped to slots at the
  /// end; many: a slot per row through the hash map first.
  state accumulate(const integer_column& group, const integer_column& time,
                   const std::vector<numeric_column>& columns);

  /// The state of n rows over `slots` slots; slots_of(b, e, out) writes the slot of
  /// rows [b, e). Fixed parts of rows (boundaries depend on the sizes only, so results
  /// do not depend on the thread count), each read once in sub-blocks, parts combined
  /// in order.
  template <class SlotsOf>
  state accumulate_rows(std::size_t n, std::size_t slots,
                        const std::vector<numeric_column>& columns,
                        SlotsOf&& slots_of) const {
    const std::size_t per_part = slots * width_;
    std::size_t part_rows = std::size_t{1} << 20;
    const std::size_t per_part_work = slots * (2 + 2 * measures_.size() + 6 * moments_);
    if (per_part_work * ((n + part_rows - 1) / part_rows) > (std::size_t{1} << 25))
      part_rows = n;  // too many slots for a state per part: one part
    const std::size_t parts_count = (n + part_rows - 1) / part_rows;
    std::vector<state> parts(parts_count);
    parallel_for(
        parts_count,
        [&](std::size_t p0, std::size_t p1) {
          part_state tmp(slots, measures_.size(), moments_);
          for (std::size_t p = p0; p < p1; ++p) {
            tmp.reset();
            const std::size_t end = std::min(n, (p + 1) * part_rows);
            for (std::size_t b = p * part_rows; b < end; b += sub_block) {
              const std::size_t e = std::min(end, b + sub_block);
              slots_of(b, e, tmp.slot.data());
              accumulate_sub_block(columns, b, e, tmp);
            }
            parts[p] = finish_part(tmp, slots);
          }
        },
        1);
    state total(per_part, 0.0);
    for (const auto& p : parts)
      for (std::size_t s = 0; s < slots; ++s)
        combine(&total[s * width_], &p[s * width_]);
    return total;
  }

  /// Integer values up to this bound are summed as exact integers: a part's sum of at
  /// most 2^20 of them stays below 2^63. Larger ones (rare) are summed as doubles.
  static constexpr std::uint64_t exact_bound = std::uint64_t{1} << 42;

  /// The state of one part while its rows are read, and the work space of its
  /// sub-blocks. Per slot: the row count and the integer sums of every measure
  /// (isum), the floating sums of every measure, then per moment KPI (-, -, D, E, Q,
  /// c): the moments about the slot's centre c (Sx and Sy come from the sums) (its
  /// running ratio, moved once per sub-block: see accumulate_sub_block), recentred to
  /// the slot's own ratio at the end.
  template <class T>
  struct column_ref {
    const T* values;
    std::size_t offset;  ///< into the slot's isum or dsum
  };

  /// Words of a moment block in a part's dsum: (Sx, Sy, D, E, Q) and the centre.
  static constexpr std::size_t part_moment = 6;

  struct part_state {
    part_state(std::size_t slots, std::size_t measures, std::size_t moments)
        : iw(1 + measures),
          dw(measures + part_moment * moments),
          isum(slots * iw),
          dsum(slots * dw),
          stamp(slots * moments),
          slot(sub_block),
          x(sub_block),
          y(sub_block),
          buffer(measures * sub_block),
          fbuffer(measures * sub_block) {}
    void reset() {
      std::fill(isum.begin(), isum.end(), 0);
      std::fill(dsum.begin(), dsum.end(), 0.0);
      std::fill(stamp.begin(), stamp.end(), 0);
      tick = 0;
    }
    std::size_t iw, dw;
    std::vector<std::int64_t> isum;
    std::vector<double> dsum;
    std::vector<std::uint32_t> stamp;  ///< the sub-block that last moved the centre
    std::uint32_t tick = 0;            ///< the current sub-block of the part
    std::vector<std::int32_t> slot;
    std::vector<double> x, y;
    std::vector<std::int64_t> buffer;  ///< converted columns of other integer types
    std::vector<double> fbuffer;       ///< converted columns of other floating types
    std::vector<column_ref<std::int64_t>> ints;  ///< the sub-block's integer columns
    std::vector<column_ref<double>> doubles;     ///< and its floating ones
  };

  /// Columns summed by one pass of scatter(): up to this many of each kind.
  static constexpr std::size_t scatter_width = 4;

  /// Adds each row's values to its slot's sums: NI integer and ND floating columns
  /// (their pointers and offsets held in registers), and the row count when `count`.
  template <std::size_t NI, std::size_t ND>
  static void scatter(const std::int32_t* sl, std::size_t rows, bool count,
                      std::int64_t* isum, std::size_t iw,
                      const column_ref<std::int64_t>* ic, double* dsum, std::size_t dw,
                      const column_ref<double>* dc) {
    const std::int64_t* iv[NI + 1];
    std::size_t io[NI + 1];
    const double* dv[ND + 1];
    std::size_t dof[ND + 1];
    for (std::size_t k = 0; k < NI; ++k) iv[k] = ic[k].values, io[k] = ic[k].offset;
    for (std::size_t k = 0; k < ND; ++k) dv[k] = dc[k].values, dof[k] = dc[k].offset;
    const std::int64_t one = count ? 1 : 0;
    for (std::size_t i = 0; i < rows; ++i) {
      const auto s = static_cast<std::size_t>(sl[i]);
      std::int64_t* a = isum + s * iw;
      a[0] += one;
      for (std::size_t k = 0; k < NI; ++k) a[io[k]] += iv[k][i];
      double* d = dsum + s * dw;
      for (std::size_t k = 0; k < ND; ++k) d[dof[k]] += dv[k][i];
    }
  }

  using scatter_fn = void (*)(const std::int32_t*, std::size_t, bool, std::int64_t*,
                              std::size_t, const column_ref<std::int64_t>*, double*,
                              std::size_t, const column_ref<double>*);

  template <std::size_t... I>
  static constexpr std::array<scatter_fn, sizeof...(I)> scatter_table(
      std::index_sequence<I...>) {
    return {&scatter<I / (scatter_width + 1), I % (scatter_width + 1)>...};
  }

  /// True when every value is >= 0 (or -0) and finite, looked at as bits: the sign
  /// bit is clear and adding one to the exponent does not carry into it. Exact for
  /// every double but -0, which only sends the caller to the slow check.
  static bool plain_non_negative(const double* p, std::size_t rows) {
    constexpr std::uint64_t exponent_one = std::uint64_t{1} << 52;
    std::uint64_t bits = 0;
    for_prefetched(p, rows, [&](std::size_t i0, std::size_t i1) {
      std::uint64_t o = 0;
      for (std::size_t i = i0; i < i1; ++i) {
        std::uint64_t v;
        std::memcpy(&v, p + i, sizeof v);
        o |= v | (v + exponent_one);
      }
      bits |= o;
    });
    return (bits >> 63) == 0;
  }

  void accumulate_sub_block(const std::vector<numeric_column>& columns, std::size_t b,
                            std::size_t e, part_state& ps) const {
    const std::size_t rows = e - b, measures = measures_.size();
    // each measure column, checked, as int64 (exact sums) or double values
    auto& ints = ps.ints;
    auto& doubles = ps.doubles;
    ints.clear();
    doubles.clear();
    for (std::size_t m = 0; m < measures; ++m) {
      visit(columns[m], [&](const auto* v) {
        using T = std::remove_const_t<std::remove_pointer_t<decltype(v)>>;
        const T* p = v + b;
        if constexpr (std::is_floating_point_v<T>) {
          const double* d = nullptr;
          if constexpr (std::is_same_v<T, double>) {
            d = p;
          } else {
            double* out = ps.fbuffer.data() + m * sub_block;
            for (std::size_t i = 0; i < rows; ++i) out[i] = static_cast<double>(p[i]);
            d = out;
          }
          if (!plain_non_negative(d, rows)) check_values(columns[m], v, b, e);
          doubles.push_back({d, m});
        } else {
          // one OR over the values finds negatives (sign bit) and large values
          std::uint64_t bits = 0;
          for_prefetched(p, rows, [&](std::size_t i0, std::size_t i1) {
            std::uint64_t o = 0;
            for (std::size_t i = i0; i < i1; ++i)
              o |= static_cast<std::uint64_t>(static_cast<std::int64_t>(p[i]));
            bits |= o;
          });
          if (std::is_signed_v<T> && (bits >> 63) != 0)
            check_values(columns[m], v, b, e);
          if (bits >= exact_bound) {
            double* out = ps.fbuffer.data() + m * sub_block;
            for (std::size_t i = 0; i < rows; ++i) out[i] = static_cast<double>(p[i]);
            doubles.push_back({out, m});
          } else if constexpr (std::is_same_v<T, std::int64_t>) {
            ints.push_back({p, 1 + m});
          } else {
            std::int64_t* out = ps.buffer.data() + m * sub_block;
            for (std::size_t i = 0; i < rows; ++i)
              out[i] = static_cast<std::int64_t>(p[i]);
            ints.push_back({out, 1 + m});
          }
        }
      });
    }
    // count and sums of each row's slot, up to scatter_width columns of each kind a
    // pass
    static constexpr auto table = scatter_table(
        std::make_index_sequence<(scatter_width + 1) * (scatter_width + 1)>{});
    const std::int32_t* sl = ps.slot.data();
    for (std::size_t gi = 0, gd = 0, pass = 0;
         pass == 0 || gi < ints.size() || gd < doubles.size(); ++pass) {
      const std::size_t ni = std::min(scatter_width, ints.size() - gi);
      const std::size_t nd = std::min(scatter_width, doubles.size() - gd);
      table[ni * (scatter_width + 1) + nd](sl, rows, pass == 0, ps.isum.data(), ps.iw,
                                           ints.data() + gi, ps.dsum.data(), ps.dw,
                                           doubles.data() + gd);
      gi += ni;
      gd += nd;
    }
    if (moments_ > 0) accumulate_moments(columns, b, rows, ps);
  }

  /// The moment blocks of a sub-block's rows: residuals about each slot's centre,
  /// which moves to the slot's running ratio (these rows included) once per
  /// sub-block: for every slot with rows up front when the slots are few, else at
  /// the slot's first row of the sub-block.
  void accumulate_moments(const std::vector<numeric_column>& columns, std::size_t b,
                          std::size_t rows, part_state& ps) const {
    ++ps.tick;
    const std::size_t measures = measures_.size(), iw = ps.iw, dw = ps.dw;
    const std::size_t slots = ps.isum.size() / iw;
    const std::int32_t* sl = ps.slot.data();
    const std::int64_t* isum = ps.isum.data();
    double* dsum = ps.dsum.data();
    const bool up_front = slots * 2 <= rows;
    for (std::size_t k = 0; k < kpis_.size(); ++k) {
      if (moment_[k] == npos) continue;
      const std::size_t j = moment_[k], at = measures + part_moment * j;
      const double* x =
          per_row(den_[k], columns, b, rows, den_[k].empty() ? 1.0 : 0.0, ps.x.data());
      const double* y = per_row(num_[k], columns, b, rows, 0.0, ps.y.data());
      auto move_centre = [&](std::size_t s) {
        double* q = dsum + s * dw + at;
        const double den = running_sum(ps, s, den_[k], true);
        const double c = den != 0 ? running_sum(ps, s, num_[k], false) / den : 0.0;
        recentre(q, q[5] - c);
        q[5] = c;
      };
      if (up_front) {
        for (std::size_t s = 0; s < slots; ++s)
          if (isum[s * iw] != 0) move_centre(s);
      }
      std::uint32_t* stamp = ps.stamp.data() + j;
      const std::uint32_t tick = ps.tick;
      const std::size_t J = moments_;
      for (std::size_t i = 0; i < rows; ++i) {
        const auto s = static_cast<std::size_t>(sl[i]);
        double* q = dsum + s * dw + at;
        if (!up_front && stamp[s * J] != tick) {
          stamp[s * J] = tick;
          move_centre(s);
        }
        const double xi = x[i], r = y[i] - q[5] * xi;
        q[2] += r * r;
        q[3] += r * xi;
        q[4] += xi * xi;
      }
    }
  }

  /// A slot's running sum of sum of coefficient * measure over the terms; the row
  /// count for an empty denominator.
  static double running_sum(const part_state& ps, std::size_t s, const term_list& terms,
                            bool denominator) {
    const std::int64_t* a = &ps.isum[s * ps.iw];
    if (denominator && terms.empty()) return static_cast<double>(a[0]);
    const double* d = &ps.dsum[s * ps.dw];
    double v = 0;
    for (const auto& t : terms)
      v += t.coefficient * (static_cast<double>(a[1 + t.measure]) + d[t.measure]);
    return v;
  }

  /// A part's state in the accumulator's layout: sums as doubles, moments recentred
  /// from each slot's centre to its own ratio.
  state finish_part(const part_state& ps, std::size_t slots) const;

  /// The values sum of coefficient * column[b + i] over the terms, plus start: the
  /// column itself when it is one double column, else written to out.
  static const double* per_row(const term_list& terms,
                               const std::vector<numeric_column>& columns,
                               std::size_t b, std::size_t rows, double start,
                               double* out) {
    if (terms.size() == 1 && terms[0].coefficient == 1 && start == 0) {
      const auto& c = columns[terms[0].measure];
      if (c.element == numeric_column::type::f64)
        return static_cast<const double*>(c.data) + b;
      visit(c, [&](const auto* v) {
        for (std::size_t i = 0; i < rows; ++i) out[i] = static_cast<double>(v[b + i]);
      });
      return out;
    }
    std::fill(out, out + rows, start);
    for (const auto& t : terms)
      visit(columns[t.measure], [&](const auto* v) {
        const double c = t.coefficient;
        for (std::size_t i = 0; i < rows; ++i)
          out[i] += c * static_cast<double>(v[b + i]);
      });
    return out;
  }

  /// Throws input_error naming the first row in [b, e) whose value is missing,
  /// negative or infinite; returns when there is none (a -0 sent us here).
  template <class T>
  static void check_values(const numeric_column& c, const T* v, std::size_t b,
                           std::size_t e) {
    for (std::size_t i = b; i < e; ++i) {
      const auto x = static_cast<double>(v[i]);
      if (std::isnan(x))
        throw input_error(c.name + "[" + std::to_string(i) + "]", "missing value");
      if (!(x >= 0 && x <= std::numeric_limits<double>::max()))
        throw input_error(
            c.name + "[" + std::to_string(i) + "]",
            "expected a non-negative number, got " + sostac::detail::format_value(x));
    }
  }

  rollup_row evaluate(std::size_t s, std::size_t k, double level, double z) const;

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

#ifdef SOSTAC_HEADER_ONLY
#include <sostac/metrics/rollup-inl.hpp>
#endif
