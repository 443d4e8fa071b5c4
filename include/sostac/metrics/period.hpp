#pragma once
/// Calendar periods for KPI roll-ups, funnels and cohorts: day, ISO week (starting
/// Monday), month and quarter, over UTC time shifted by a fixed offset.
///
/// Times are integer ticks since 1970-01-01T00:00 UTC (`ticks_per_day` of them per
/// day: 86'400'000'000'000 for nanoseconds, 86'400 for seconds, 1 for dates stored
/// as day numbers). A period is identified by its index (consecutive periods have
/// consecutive indices, so an index difference is an age in periods) and by the day
/// number of its first day.

#include <sostac/core/error.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace sostac::metrics {

enum class period { day, week, month, quarter };

inline const char* to_string(period p) noexcept {
  switch (p) {
    case period::day:
      return "day";
    case period::week:
      return "week";
    case period::month:
      return "month";
    default:
      return "quarter";
  }
}

/// "day", "week", "month" or "quarter"; anything else throws input_error(argument).
inline period parse_period(std::string_view name, const std::string& argument) {
  if (name == "day") return period::day;
  if (name == "week") return period::week;
  if (name == "month") return period::month;
  if (name == "quarter") return period::quarter;
  throw input_error(argument, "expected 'day', 'week', 'month' or 'quarter', got '" +
                                  std::string(name) + "'");
}

namespace detail {

inline std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  const std::int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

/// a - b floor(a / b), in [0, b) for b > 0, without forming the product b floor(a / b)
/// (which overflows when a is near the ends of the int64 range).
inline std::int64_t floor_mod(std::int64_t a, std::int64_t b) {
  const std::int64_t r = a % b;
  return (r != 0 && ((r < 0) != (b < 0))) ? r + b : r;
}

/// Day numbers beyond +-2^55 (about 10^14 years) are no calendar: period arithmetic
/// on them (weeks times 7, months since 1970) could overflow, so they are refused.
constexpr std::int64_t max_calendar_day = std::int64_t{1} << 55;

inline std::int64_t check_calendar_day(std::int64_t day, const char* what) {
  if (day > max_calendar_day || day < -max_calendar_day)
    throw input_error(what, "day number " + std::to_string(day) +
                                " is outside the calendar range +-2^55");
  return day;
}

/// Year and month (1-12) of a day number (Hinnant's civil_from_days).
inline void civil(std::int64_t z, std::int64_t& y, int& m) {
  z += 719468;
  const std::int64_t era = floor_div(z, 146097);
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  y = static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2 ? 1 : 0);
}

/// Day number of year-month-01 (Hinnant's days_from_civil).
inline std::int64_t first_of_month(std::int64_t y, int m) {
  y -= m <= 2;
  const std::int64_t era = floor_div(y, 400);
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * static_cast<unsigned>(m > 2 ? m - 3 : m + 9) + 2) / 5;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

}  // namespace detail

/// The day number of a time in ticks, after adding `offset_ticks`: floor((ticks +
/// offset) / ticks_per_day), without forming ticks + offset (which may overflow at
/// the ends of the int64 range): ticks = q d + r and offset = a d + b give q + a,
/// plus one when r + b reaches a day.
inline std::int64_t day_of(std::int64_t ticks, std::int64_t ticks_per_day,
                           std::int64_t offset_ticks = 0) {
  const std::int64_t a = detail::floor_div(offset_ticks, ticks_per_day);
  const std::int64_t b = detail::floor_mod(offset_ticks, ticks_per_day);
  const std::int64_t q = detail::floor_div(ticks, ticks_per_day),
                     r = detail::floor_mod(ticks, ticks_per_day);
  std::int64_t day;
  // q + a overflows only for day-number times (ticks_per_day 1) at the int64 ends
  if (__builtin_add_overflow(q, a, &day) ||
      __builtin_add_overflow(day, r >= ticks_per_day - b ? 1 : 0, &day))
    throw input_error("time", "time " + std::to_string(ticks) + " plus offset " +
                                  std::to_string(offset_ticks) +
                                  " is outside the int64 range of day numbers");
  return day;
}

/// Index of the period holding `day`: days since the epoch, Monday-weeks since the
/// epoch's week, months since 1970-01, quarters since 1970-Q1.
inline std::int64_t period_index(std::int64_t day, period p) {
  detail::check_calendar_day(day, "day");
  switch (p) {
    case period::day:
      return day;
    case period::week:
      return detail::floor_div(day + 3, 7);  // 1970-01-01 was a Thursday
    case period::month:
    case period::quarter: {
      std::int64_t y;
      int m;
      detail::civil(day, y, m);
      const std::int64_t months = (y - 1970) * 12 + (m - 1);
      return p == period::month ? months : detail::floor_div(months, 3);
    }
  }
  return day;
}

/// Day number of the first day of period `index`.
inline std::int64_t period_start(std::int64_t index, period p) {
  // a period index is at most a day number in magnitude, so the same range holds
  detail::check_calendar_day(index, "period index");
  switch (p) {
    case period::day:
      return index;
    case period::week:
      return index * 7 - 3;
    case period::month:
    case period::quarter: {
      const std::int64_t months = p == period::month ? index : index * 3;
      return detail::first_of_month(
          1970 + detail::floor_div(months, 12),
          static_cast<int>(months - 12 * detail::floor_div(months, 12)) + 1);
    }
  }
  return index;
}

}  // namespace sostac::metrics
