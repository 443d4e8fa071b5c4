#pragma once
/// Definitions for <sostac/plan/document.hpp>: compiled into the sostac library
/// (src/), or included by the header when SOSTAC_HEADER_ONLY is defined.

#include <sostac/plan/document.hpp>

#include <regex>

namespace sostac::plan::detail {

SOSTAC_INLINE std::size_t nesting_depth(std::string_view text) {
  std::size_t depth = 0, deepest = 0;
  bool in_string = false, escaped = false;
  for (const char c : text) {
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      deepest = std::max(deepest, ++depth);
      if (deepest > max_depth) return deepest;
    } else if ((c == '}' || c == ']') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

SOSTAC_INLINE std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min(
          {prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

SOSTAC_INLINE bool is_iso_date(const std::string& s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  for (std::size_t i : {0u, 1u, 2u, 3u, 5u, 6u, 8u, 9u})
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
  const int y = std::stoi(s.substr(0, 4)), m = std::stoi(s.substr(5, 2)),
            d = std::stoi(s.substr(8, 2));
  if (m < 1 || m > 12 || d < 1) return false;
  static constexpr int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return d <= days[m - 1] + (m == 2 && leap ? 1 : 0);
}

SOSTAC_INLINE std::string type_name(const json& v) {
  switch (v.type()) {
    case json::value_t::object:
      return "an object";
    case json::value_t::array:
      return "a list";
    case json::value_t::string:
      return "text";
    case json::value_t::boolean:
      return "true/false";
    case json::value_t::null:
      return "null";
    default:
      return "a number";
  }
}

SOSTAC_INLINE std::string child(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}

/// Validates `value` against `schema` (a subset of JSON Schema 2020-12: type, enum,
/// required, properties, additionalProperties, items, minimum, maximum, minLength,
/// pattern, format "date", and "#/$defs/..." references), appending findings.
class schema_checker {
 public:
  explicit schema_checker(const json& root) : root_(root) {}

  void check(const json& value, const json& schema, const std::string& path,
             std::vector<finding>& out) const {
    const json& s = resolve(schema);
    if (s.contains("enum")) {
      bool ok = false;
      for (const auto& e : s["enum"]) ok = ok || e == value;
      if (!ok) {
        out.push_back({"error", "schema.enum", path,
                       "expected one of " + join(s["enum"]) + ", got " + value.dump()});
        return;
      }
    }
    if (s.contains("type") && !has_type(value, s["type"].get<std::string>())) {
      out.push_back({"error", "schema.type", path,
                     "expected " + describe(s["type"].get<std::string>()) + ", got " +
                         type_name(value) + " (" + value.dump() + ")"});
      return;
    }
    if (value.is_object()) check_object(value, s, path, out);
    if (value.is_array() && s.contains("items"))
      for (std::size_t i = 0; i < value.size(); ++i)
        check(value[i], s["items"], path + "[" + std::to_string(i) + "]", out);
    if (value.is_number()) check_number(value.get<double>(), s, path, out);
    if (value.is_string()) check_string(value.get<std::string>(), s, path, out);
  }

 private:
  const json& resolve(const json& schema) const {
    if (!schema.contains("$ref")) return schema;
    const std::string ref = schema["$ref"].get<std::string>();
    return root_.at("$defs").at(ref.substr(std::string("#/$defs/").size()));
  }

  static bool has_type(const json& v, const std::string& t) {
    if (t == "object") return v.is_object();
    if (t == "array") return v.is_array();
    if (t == "string") return v.is_string();
    if (t == "boolean") return v.is_boolean();
    if (t == "number") return v.is_number();
    if (t == "integer")
      return v.is_number_integer() ||
             (v.is_number_float() && std::isfinite(v.get<double>()) &&
              std::floor(v.get<double>()) == v.get<double>());
    return true;
  }

  static std::string describe(const std::string& t) {
    if (t == "array") return "a list";
    if (t == "object") return "an object";
    if (t == "string") return "text";
    if (t == "integer") return "a whole number";
    return "a number";
  }

  static std::string join(const json& values) {
    std::string s;
    for (std::size_t i = 0; i < values.size(); ++i)
      s += (i ? ", " : "") + values[i].dump();
    return s;
  }

  void check_object(const json& value, const json& s, const std::string& path,
                    std::vector<finding>& out) const {
    if (s.contains("required"))
      for (const auto& r : s["required"]) {
        const std::string key = r.get<std::string>();
        if (!value.contains(key))
          out.push_back({"error", "schema.required", child(path, key),
                         "the required field '" + key + "' is missing"});
      }
    const json* props = s.contains("properties") ? &s["properties"] : nullptr;
    for (auto it = value.begin(); it != value.end(); ++it) {
      const std::string& key = it.key();
      if (props && props->contains(key)) {
        check(it.value(), (*props)[key], child(path, key), out);
      } else if (s.contains("additionalProperties") &&
                 s["additionalProperties"].is_object()) {
        check(it.value(), s["additionalProperties"], child(path, key), out);
      } else if (s.value("additionalProperties", true) == false) {
        std::vector<std::string> known;
        if (props)
          for (auto p = props->begin(); p != props->end(); ++p)
            known.push_back(p.key());
        out.push_back({"error", "schema.unknown-field", child(path, key),
                       "unknown field '" + key + "'" + suggest(key, known)});
      }
    }
  }

  static void check_number(double v, const json& s, const std::string& path,
                           std::vector<finding>& out) {
    if (s.contains("minimum") && v < s["minimum"].get<double>())
      out.push_back({"error", "schema.minimum", path,
                     "expected at least " + s["minimum"].dump() + ", got " +
                         sostac::detail::format_value(v)});
    if (s.contains("maximum") && v > s["maximum"].get<double>())
      out.push_back({"error", "schema.maximum", path,
                     "expected at most " + s["maximum"].dump() + ", got " +
                         sostac::detail::format_value(v)});
  }

  static void check_string(const std::string& v, const json& s, const std::string& path,
                           std::vector<finding>& out) {
    if (s.contains("minLength") && v.size() < s["minLength"].get<std::size_t>())
      out.push_back({"error", "schema.min-length", path, "expected non-empty text"});
    if (s.contains("pattern") &&
        !std::regex_search(v, std::regex(s["pattern"].get<std::string>())))
      out.push_back({"error", "schema.pattern", path,
                     "'" + v + "' does not match " + s["pattern"].get<std::string>()});
    if (s.value("format", "") == "date" && !is_iso_date(v))
      out.push_back({"error", "schema.date", path,
                     "expected a date written YYYY-MM-DD, got '" + v + "'"});
  }

  const json& root_;
};

}  // namespace sostac::plan::detail

namespace sostac::plan {

SOSTAC_INLINE const json& plan_schema() {
  static const json schema = json::parse(detail::plan_schema_text);
  return schema;
}

SOSTAC_INLINE json parse_document(std::string_view text,
                                  const std::string& source) {
  if (text.size() > detail::max_bytes)
    throw input_error(source, "the document is larger than 64 MiB");
  if (detail::nesting_depth(text) > detail::max_depth)
    throw input_error(source, "the document nests deeper than 64 levels");
  try {
    return json::parse(text);
  } catch (const json::exception& e) {
    // parse_error for syntax, out_of_range for numbers beyond double (found by the
    // fuzzer): either way the text is not a usable JSON document.
    throw input_error(source, std::string("not valid JSON: ") + e.what());
  }
}

SOSTAC_INLINE std::vector<finding> check_schema(const json& document) {
  std::vector<finding> out;
  detail::schema_checker(plan_schema()).check(document, plan_schema(), "", out);
  return out;
}

}  // namespace sostac::plan
