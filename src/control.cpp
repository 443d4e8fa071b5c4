// The compiled control layer: the definitions behind include/sostac/control/ (see
// include/sostac/core/config.hpp). Built without SOSTAC_HEADER_ONLY.
#include <sostac/control/charts-inl.hpp>
#include <sostac/control/status-inl.hpp>
