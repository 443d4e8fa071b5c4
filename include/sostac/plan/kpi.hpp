#pragma once
/// The KPI vocabulary as the plan layer sees it: the catalogue and its types live in
/// the metrics layer (sostac/metrics/kpi.hpp), below the plan.

#include <sostac/metrics/kpi.hpp>

namespace sostac::plan {

using metrics::cadence;
using metrics::direction;
using metrics::find_kpi;
using metrics::kpi_catalog;
using metrics::kpi_definition;
using metrics::measure_term;
using metrics::parse_measure_expression;
using metrics::race_stage;
using metrics::to_string;

}  // namespace sostac::plan
