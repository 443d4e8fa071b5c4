// The compiled plan layer: the definitions behind include/sostac/plan/*.hpp (see
// include/sostac/core/config.hpp). Built without SOSTAC_HEADER_ONLY.
#include <sostac/plan/detail/tree-inl.hpp>
#include <sostac/plan/document-inl.hpp>
#include <sostac/plan/lifecycle-inl.hpp>
#include <sostac/plan/loading-inl.hpp>
#include <sostac/plan/model-inl.hpp>
#include <sostac/plan/schedule-inl.hpp>
#include <sostac/plan/validate-inl.hpp>
