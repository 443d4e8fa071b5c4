// sostac/attribution/paths.hpp: the path builder, heuristic models and assists (paths part).
#pragma once

#include <sostac/attribution/path_table.hpp>

namespace sostac::attribution {}  // namespace sostac::attribution
