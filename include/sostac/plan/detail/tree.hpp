#pragma once
/// Shared helpers of the plan checks: defensive access to the document tree (a value
/// of the wrong type reads as absent, since the schema check already reported it),
/// JSON paths, and civil-date arithmetic.

#include <sostac/core/config.hpp>
#include <sostac/plan/document.hpp>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

namespace sostac::plan::detail {

/// The list `doc[key]` as (index, element) pairs of objects; empty if absent/wrong.
SOSTAC_INLINE std::vector<std::pair<std::size_t, const json*>> items(const json& doc,
                                                                     const char* key);

SOSTAC_INLINE std::string str(const json& obj, const char* key);

SOSTAC_INLINE bool num(const json& obj, const char* key, double& out);

SOSTAC_INLINE std::vector<std::string> strs(const json& obj, const char* key);

/// A valid ISO date string, or "" (dates compare as text once valid).
SOSTAC_INLINE std::string date(const json& obj, const char* key);

SOSTAC_INLINE std::string at(const char* list, std::size_t i);

SOSTAC_INLINE std::string money(double v);

/// Days since 1970-01-01 of an ISO date (Howard Hinnant's days_from_civil).
SOSTAC_INLINE std::int64_t day_number(const std::string& iso);

/// ISO date of a day number (Hinnant's civil_from_days).
SOSTAC_INLINE std::string iso_date(std::int64_t z);

}  // namespace sostac::plan::detail

#ifdef SOSTAC_HEADER_ONLY
#include <sostac/plan/detail/tree-inl.hpp>
#endif
