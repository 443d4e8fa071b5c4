#pragma once
/// The plan layer: SOSTAC/RACE vocabulary and the KPI catalogue (the plan model,
/// validation and scheduling follow).

#include <sostac/plan/kpi.hpp>
