#pragma once
/// The plan layer: SOSTAC/RACE vocabulary, the KPI catalogue and the plan document
/// (parsing and schema checks; semantic validation and scheduling follow).

#include <sostac/plan/document.hpp>
#include <sostac/plan/kpi.hpp>
#include <sostac/plan/loading.hpp>
#include <sostac/plan/schedule.hpp>
#include <sostac/plan/validate.hpp>
