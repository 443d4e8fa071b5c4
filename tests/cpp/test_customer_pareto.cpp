// Tests for include/sostac/customer/pareto.hpp.
#include <sostac/customer/pareto.hpp>
