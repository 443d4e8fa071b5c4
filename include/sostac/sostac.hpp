#pragma once
/// Umbrella header: everything sostac offers to C++ applications.

#include <sostac/control.hpp>
#include <sostac/core/error.hpp>
#include <sostac/core/parallel.hpp>
#include <sostac/metrics.hpp>
#include <sostac/plan.hpp>
#include <sostac/stats.hpp>
#include <sostac/version.hpp>
