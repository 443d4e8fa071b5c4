// sostac/attribution.hpp: attribution of conversions to channels (paths, heuristics,
// assists, Markov chains, Shapley values).
#pragma once

#include <sostac/attribution/bootstrap.hpp>
#include <sostac/attribution/markov.hpp>
#include <sostac/attribution/path_table.hpp>
#include <sostac/attribution/path_text.hpp>
#include <sostac/attribution/paths.hpp>
