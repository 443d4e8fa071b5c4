#pragma once
/// The plan layer: SOSTAC/RACE vocabulary, the KPI catalogue and the plan document
/// (parsing and schema checks, semantic validation, scheduling and 3M loading), the
/// typed model with marketing_plan for building and editing plans in code, and the
/// SOSTAC lifecycle (stages, review, diff).

#include <sostac/plan/document.hpp>
#include <sostac/plan/kpi.hpp>
#include <sostac/plan/lifecycle.hpp>
#include <sostac/plan/loading.hpp>
#include <sostac/plan/marketing_plan.hpp>
#include <sostac/plan/model.hpp>
#include <sostac/plan/schedule.hpp>
#include <sostac/plan/validate.hpp>
