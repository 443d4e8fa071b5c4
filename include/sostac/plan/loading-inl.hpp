#pragma once
/// Definitions for <sostac/plan/loading.hpp>: compiled into the sostac library
/// (src/), or included by the header when SOSTAC_HEADER_ONLY is defined.

#include <sostac/plan/loading.hpp>

namespace sostac::plan {

SOSTAC_INLINE std::vector<day_load> daily_loading(const json& doc) {
  using namespace detail;
  std::map<std::int64_t, std::pair<double, double>> change;  // day -> rate changes
  auto spread = [&](const char* list, const char* amount, bool hours) {
    for (const auto& [i, x] : items(doc, list)) {
      const std::string s = date(*x, "start"), e = date(*x, "end");
      double v = 0;
      if (s.empty() || e.empty() || !num(*x, amount, v) || v <= 0) continue;
      const std::int64_t a = day_number(s), b = day_number(e);
      if (b < a) continue;
      const double per_day = v / static_cast<double>(b - a + 1);
      (hours ? change[a].first : change[a].second) += per_day;
      (hours ? change[b + 1].first : change[b + 1].second) -= per_day;
    }
  };
  spread("actions", "effort_hours", true);
  spread("tactics", "budget", false);
  std::vector<day_load> out;
  if (change.empty()) return out;
  const std::int64_t first = change.begin()->first, last = change.rbegin()->first - 1;
  out.reserve(static_cast<std::size_t>(last - first + 1));
  // Rates are sums and differences of the same terms, so when every item has ended
  // a rounding residue can remain; anything below 1e-12 of the largest rate change
  // is that residue, not load.
  double scale_h = 0, scale_m = 0;
  for (const auto& [day, c] : change) {
    scale_h = std::max(scale_h, std::fabs(c.first));
    scale_m = std::max(scale_m, std::fabs(c.second));
  }
  double hours = 0, money = 0;
  auto next = change.begin();
  for (std::int64_t d = first; d <= last; ++d) {
    if (next != change.end() && next->first == d) {
      hours += next->second.first;
      money += next->second.second;
      ++next;
    }
    out.push_back({d, std::fabs(hours) <= 1e-12 * scale_h ? 0.0 : hours,
                   std::fabs(money) <= 1e-12 * scale_m ? 0.0 : money});
  }
  return out;
}

SOSTAC_INLINE std::vector<finding> check_loading(const json& doc) {
  std::vector<finding> out;
  double limit = 0;
  if (!doc.is_object() || !doc.contains("plan") || !doc["plan"].is_object() ||
      !doc["plan"].contains("resources") ||
      !detail::num(doc["plan"]["resources"], "people_hours_per_week", limit))
    return out;
  std::map<std::int64_t, double> weeks;  // Monday's day number -> hours
  for (const auto& d : daily_loading(doc)) {
    // 1970-01-01 was a Thursday: the Monday on or before day z is z - (z + 3) mod 7.
    const std::int64_t monday = d.day - (((d.day + 3) % 7) + 7) % 7;
    weeks[monday] += d.people_hours;
  }
  std::size_t over = 0;
  std::int64_t busiest = 0;
  double most = -1;
  for (const auto& [monday, hours] : weeks) {
    if (hours <= limit * (1 + 1e-9)) continue;
    ++over;
    if (hours > most) most = hours, busiest = monday;
  }
  if (over > 0)
    out.push_back({"warning", "resources.over-allocated",
                   "plan.resources.people_hours_per_week",
                   std::to_string(over) + (over == 1 ? " week needs" : " weeks need") +
                       " more people-hours than the " + detail::money(limit) +
                       " available; the busiest, the week of " +
                       detail::iso_date(busiest) + ", needs " + detail::money(most)});
  return out;
}

}  // namespace sostac::plan
