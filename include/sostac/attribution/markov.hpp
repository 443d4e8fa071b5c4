// sostac/attribution/markov.hpp: Markov-chain removal effects and Shapley values (models part).
#pragma once

#include <sostac/attribution/path_table.hpp>

namespace sostac::attribution {}  // namespace sostac::attribution
