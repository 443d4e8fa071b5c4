#pragma once
/// All of sostac's statistics (the `stats/` layer: no marketing vocabulary).

#include <sostac/stats/bayes.hpp>
#include <sostac/stats/chisq.hpp>
#include <sostac/stats/common.hpp>
#include <sostac/stats/mann_whitney.hpp>
#include <sostac/stats/multiple_testing.hpp>
#include <sostac/stats/one_sample.hpp>
#include <sostac/stats/power.hpp>
#include <sostac/stats/proportions.hpp>
#include <sostac/stats/t_test.hpp>
