// The compiled metrics layer: the definitions behind include/sostac/metrics/ (see
// include/sostac/core/config.hpp). Built without SOSTAC_HEADER_ONLY.
#include <sostac/metrics/funnel-inl.hpp>
#include <sostac/metrics/rollup-inl.hpp>
