#pragma once
/// Resource loading of a plan, the 3M's "men" and "money" over time: each action's
/// effort_hours and each tactic's budget spread evenly over their calendar days.
/// (Action costs are part of their tactic's budget, so money counts budgets only.)

#include <sostac/core/config.hpp>
#include <sostac/plan/detail/tree.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace sostac::plan {

/// One calendar day of load.
struct day_load {
  std::int64_t day;  ///< days since 1970-01-01
  double people_hours;
  double money;
};

/// Daily load from the first to the last scheduled day (empty if nothing is dated).
/// Items without valid dates are skipped (validation reports them). Each item adds a
/// constant rate over its days, so the rates are kept as a difference array and
/// swept once: O(items log items + days), however many items overlap.
SOSTAC_INLINE std::vector<day_load> daily_loading(const json& doc);

/// One warning when any ISO week (Monday to Sunday) needs more people-hours than
/// plan.resources.people_hours_per_week, naming how many weeks and the busiest.
SOSTAC_INLINE std::vector<finding> check_loading(const json& doc);

}  // namespace sostac::plan

#ifdef SOSTAC_HEADER_ONLY
#include <sostac/plan/loading-inl.hpp>
#endif
