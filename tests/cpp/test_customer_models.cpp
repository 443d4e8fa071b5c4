// Tests for include/sostac/customer/models.hpp.
#include <sostac/customer/models.hpp>
