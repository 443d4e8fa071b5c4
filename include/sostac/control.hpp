#pragma once
/// The Control stage: control charts for KPI series (more to come: KPI status against
/// plan targets, recommendations).

#include <sostac/control/charts.hpp>
#include <sostac/control/status.hpp>
