#pragma once
/// The metrics layer: the KPI catalogue and KPI roll-ups by group and period with
/// intervals, ordered funnels (windowFunnel semantics) and acquisition cohorts over
/// event columns, all as mergeable accumulators.

#include <sostac/metrics/cohorts.hpp>
#include <sostac/metrics/columns.hpp>
#include <sostac/metrics/funnel.hpp>
#include <sostac/metrics/kpi.hpp>
#include <sostac/metrics/period.hpp>
#include <sostac/metrics/rollup.hpp>
