// The compiled plan layer: the definitions behind include/sostac/plan/*.hpp (see
// include/sostac/core/config.hpp). Built without SOSTAC_HEADER_ONLY.
#include <sostac/plan/validate-inl.hpp>
