// The compiled statistics layer: the definitions behind include/sostac/stats/ (see
// include/sostac/core/config.hpp). Built without SOSTAC_HEADER_ONLY.
#include <sostac/stats/bayes-inl.hpp>
#include <sostac/stats/chisq-inl.hpp>
#include <sostac/stats/common-inl.hpp>
#include <sostac/stats/detail/tails-inl.hpp>
#include <sostac/stats/mann_whitney-inl.hpp>
#include <sostac/stats/multiple_testing-inl.hpp>
#include <sostac/stats/one_sample-inl.hpp>
#include <sostac/stats/power-inl.hpp>
#include <sostac/stats/proportions-inl.hpp>
#include <sostac/stats/t_test-inl.hpp>
