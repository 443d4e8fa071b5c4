#pragma once
/// The plan document: parsing JSON text safely and checking it against the one JSON
/// Schema (docs/plan.schema.json, embedded by scripts/embed_schema.py) that the docs
/// publish.
///
/// Problems in a document are returned as findings (severity, stable code, JSON path,
/// a sentence a marketer understands), not thrown: a plan with mistakes is still a
/// plan to show and fix. Only text that is not a JSON document at all (malformed,
/// nested deeper than 64 levels, larger than 64 MiB) raises input_error.

#include <sostac/core/config.hpp>
#include <sostac/core/error.hpp>
#include <sostac/plan/schema_json.hpp>  // docs/plan.schema.json, embedded

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace sostac::plan {

using json = nlohmann::ordered_json;  // keeps the document's key order

/// One problem (or note) about a plan document.
struct finding {
  std::string severity;  ///< "error", "warning" or "info"
  std::string code;      ///< stable identifier, e.g. "schema.unknown-field"
  std::string path;      ///< JSON path, e.g. "objectives[2].target" ("" = the document)
  std::string message;   ///< one sentence for a marketer
};

namespace detail {

inline constexpr std::size_t max_depth = 64;
inline constexpr std::size_t max_bytes = 64u << 20;

/// Nesting depth of JSON text, counted outside strings, so that the recursive
/// parser is never handed input that could exhaust the stack.
SOSTAC_INLINE std::size_t nesting_depth(std::string_view text);

/// Levenshtein distance, for did-you-mean suggestions.
SOSTAC_INLINE std::size_t edit_distance(std::string_view a, std::string_view b);

/// A real calendar date written YYYY-MM-DD (ISO 8601 extended, as JSON Schema's
/// "date" format).
SOSTAC_INLINE bool is_iso_date(const std::string& s);

/// "; did you mean 'x'?" for the name in `names` closest to `s` (edit distance at
/// most 2; the first such in iteration order on ties), or "" when none is close.
template <class Names>
std::string suggest(std::string_view s, const Names& names) {
  std::string best;
  std::size_t best_d = 3;
  for (const auto& n : names) {
    const std::size_t d = edit_distance(s, n);
    if (d < best_d) best_d = d, best = n;
  }
  return best.empty() ? "" : "; did you mean '" + best + "'?";
}

SOSTAC_INLINE std::string type_name(const json& v);

SOSTAC_INLINE std::string child(const std::string& path, const std::string& key);

}  // namespace detail

/// The plan document's JSON Schema (docs/plan.schema.json).
SOSTAC_INLINE const json& plan_schema();

/// Parses JSON text into a document tree. Throws input_error naming `source` for
/// malformed JSON (with the byte position), nesting deeper than 64 levels, or text
/// larger than 64 MiB.
SOSTAC_INLINE json parse_document(std::string_view text,
                                  const std::string& source = "document");

/// Checks a document against the schema; an empty list means it conforms.
SOSTAC_INLINE std::vector<finding> check_schema(const json& document);

}  // namespace sostac::plan

#ifdef SOSTAC_HEADER_ONLY
#include <sostac/plan/document-inl.hpp>
#endif
