#pragma once
/// Semantic checks of a plan document, on top of the schema: references and ids,
/// traceability (every objective served by a strategy, every tactic by a strategy,
/// every action by a tactic, every KPI used), schedule (dates, windows, dependency
/// order and cycles), budget (plan total, channel-mix shares, action costs) and the
/// SMART qualities of objectives. Each rule has a stable code (listed in
/// docs/plan.md); findings carry the JSON path of the value to fix.
///
/// The checks read the tree defensively: a value of the wrong type (already a
/// schema finding) is skipped, so a half-broken document still gets every finding
/// that applies to the rest of it.

#include <sostac/core/config.hpp>
#include <sostac/plan/detail/tree.hpp>
#include <sostac/plan/document.hpp>
#include <sostac/plan/kpi.hpp>
#include <sostac/plan/loading.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace sostac::plan {

/// Every finding for a plan document: the schema's first, then the semantic rules,
/// then weekly resource over-allocation.
SOSTAC_INLINE std::vector<finding> validate_document(const json& document);

}  // namespace sostac::plan

#ifdef SOSTAC_HEADER_ONLY
#include <sostac/plan/validate-inl.hpp>
#endif
