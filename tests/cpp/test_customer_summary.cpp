// Tests for include/sostac/customer/summary.hpp.
#include <sostac/customer/summary.hpp>
