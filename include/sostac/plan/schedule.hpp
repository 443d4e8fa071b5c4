#pragma once
/// Critical-path scheduling (CPM) of a plan's tactics and actions from their planned
/// dates and finish-to-start dependencies (Kelley & Walker 1959).
///
/// Each activity keeps its planned dates; the backward pass gives its late finish:
/// the latest day it can end without delaying a dependent activity or its horizon
/// (for tactics, the latest planned tactic end; for actions, their tactic's planned
/// end). Slack = late finish - planned end, in days; zero slack is critical. The
/// critical path runs back from the tactic that ends last through zero-slack
/// predecessors. The critical chains are every chain of zero-slack tactics joined by
/// tight dependencies (the successor starts the day after its predecessor ends),
/// from one without a tight critical predecessor to one without a tight critical
/// successor: every zero-slack tactic is on at least one, and parallel chains (such
/// as several independent tactics that all end on the last day) are all listed.

#include <sostac/core/config.hpp>
#include <sostac/plan/detail/tree.hpp>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace sostac::plan {

struct scheduled_activity {
  std::string id;
  std::string kind;   ///< "tactic" or "action"
  std::string start;  ///< ISO dates as planned
  std::string end;
  std::int64_t slack_days;
  bool critical;
};

struct plan_schedule {
  std::vector<scheduled_activity> activities;  ///< tactics first, then actions
  std::vector<std::string> critical_path;      ///< tactic ids, first to last
  /// every critical chain of tactics, each first to last, ordered by first id
  std::vector<std::vector<std::string>> critical_chains;
};

namespace detail {

struct activity {
  std::size_t index;
  std::string id, parent, start, end;
  std::int64_t s, e;
  std::vector<std::string> deps;
  std::int64_t late_finish = 0;
};

/// Activities of one list with valid dates; a missing or invalid date, a reversed
/// range or a dependency cycle throws input_error naming the path.
SOSTAC_INLINE std::vector<activity> activities_of(const json& doc, const char* list,
                                                  const char* parent_key);

/// Backward pass: late finish of each activity, processing successors first
/// (reverse topological order); throws on a cycle.
SOSTAC_INLINE void backward_pass(std::vector<activity>& acts, const char* list,
                                 const std::map<std::string, std::int64_t>& horizon_of);

}  // namespace detail

/// CPM schedule of a plan document (see the header comment for the method).
SOSTAC_INLINE plan_schedule schedule_plan(const json& doc);

}  // namespace sostac::plan

#ifdef SOSTAC_HEADER_ONLY
#include <sostac/plan/schedule-inl.hpp>
#endif
