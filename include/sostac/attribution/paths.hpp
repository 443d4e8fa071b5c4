// sostac/attribution/paths.hpp: the path builder, heuristic models and assists (paths part).
#pragma once

#include <sostac/attribution/assists_table.hpp>
#include <sostac/attribution/heuristics_models.hpp>
#include <sostac/attribution/path_table.hpp>
#include <sostac/attribution/paths_builder.hpp>
