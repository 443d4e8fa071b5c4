#pragma once
/// Definitions for <sostac/plan/lifecycle.hpp>: compiled into the sostac library
/// (src/), or included by the header when SOSTAC_HEADER_ONLY is defined.

#include <sostac/plan/lifecycle.hpp>

namespace sostac::plan::detail {

SOSTAC_INLINE std::size_t stage_index(std::string_view name) {
  std::size_t i = 0;
  while (i < stages.size() && name != stages[i]) ++i;
  return i;
}

SOSTAC_INLINE std::size_t stage_of_path(const std::string& path) {
  const std::string section = path.substr(0, path.find_first_of(".["));
  if (section == "objectives" || section == "kpis") return 1;
  if (section == "strategies") return 2;
  if (section == "tactics") return 3;
  if (section == "actions") return 4;
  if (section == "control") return 5;
  return 0;
}

SOSTAC_INLINE std::string describe(const finding& f) {
  return f.severity + ": " + (f.path.empty() ? "(document)" : f.path) + ": " +
         f.message + " [" + f.code + "]";
}

}  // namespace sostac::plan::detail

namespace sostac::plan {

SOSTAC_INLINE std::string stage_of(const json& doc) {
  if (doc.is_object() && doc.contains("plan") && doc["plan"].is_object() &&
      doc["plan"].contains("stage") && doc["plan"]["stage"].is_string())
    return doc["plan"]["stage"].get<std::string>();
  return stages[0];
}

SOSTAC_INLINE long long revision_of(const json& doc) {
  if (doc.is_object() && doc.contains("plan") && doc["plan"].is_object() &&
      doc["plan"].contains("revision") && doc["plan"]["revision"].is_number_integer())
    return doc["plan"]["revision"].get<long long>();
  return 1;
}

SOSTAC_INLINE std::string advance(json& doc, std::string_view to) {
  const std::string now = stage_of(doc);
  const std::size_t known = detail::stage_index(now);
  const std::size_t current = known < stages.size() ? known : 0;
  const std::size_t target = to.empty() ? current + 1 : detail::stage_index(to);
  if (!to.empty() && target == stages.size()) {
    std::string names;
    for (const char* s : stages) names += (names.empty() ? "" : ", ") + std::string(s);
    throw input_error("to",
                      "expected one of " + names + ", got '" + std::string(to) + "'");
  }
  if (target <= current || target >= stages.size()) {
    std::string later;
    for (std::size_t i = current + 1; i < stages.size(); ++i)
      later += (later.empty() ? "" : ", ") + std::string(stages[i]);
    throw input_error("to", "the plan is at '" + now + "'; it can only move forward (" +
                                (later.empty() ? "nothing after review" : later) + ")");
  }
  std::vector<finding> blocking;  // errors outside the sections of this stage and later
  for (auto& f : validate_document(doc))
    if (f.severity == "error" && detail::stage_of_path(f.path) < target)
      blocking.push_back(std::move(f));
  if (!blocking.empty()) {
    std::string listed;
    for (std::size_t i = 0; i < blocking.size() && i < 5; ++i)
      listed += (i ? "; " : "") + detail::describe(blocking[i]);
    if (blocking.size() > 5)
      listed += " (and " + std::to_string(blocking.size() - 5) + " more)";
    throw input_error("to", "cannot move to '" + std::string(stages[target]) +
                                "' while earlier stages have errors: " + listed);
  }
  if (!doc.contains("plan") || !doc["plan"].is_object()) doc["plan"] = json::object();
  doc["plan"]["stage"] = stages[target];
  return stages[target];
}

SOSTAC_INLINE json review(const json& doc,
                          const std::vector<std::pair<std::string, double>>& results,
                          const std::string& as_of, std::string source) {
  if (results.empty())
    throw input_error("results", "expected a mapping of KPI id to measured value");
  for (const auto& [kpi, value] : results)
    if (!std::isfinite(value))
      throw input_error(
          "results['" + kpi + "']",
          "expected a finite number, got " + sostac::detail::format_value(value));
  if (!detail::is_iso_date(as_of))
    throw input_error("as_of", "expected a date YYYY-MM-DD, got '" + as_of + "'");
  if (!doc.is_object())
    throw input_error("doc", "expected a plan document (an object)");
  json next = doc;
  if (!next.contains("plan") || !next["plan"].is_object())
    next["plan"] = json::object();
  const long long revision = revision_of(doc);
  next["plan"]["revision"] = revision + 1;
  next["plan"]["stage"] = stages[0];
  if (source.empty()) source = "control review of revision " + std::to_string(revision);
  if (!next.contains("situation") || !next["situation"].is_object())
    next["situation"] = json::object();
  json& situation = next["situation"];
  if (!situation.contains("baselines") || !situation["baselines"].is_array())
    situation["baselines"] = json::array();
  json& baselines = situation["baselines"];
  for (const auto& [kpi, value] : results) {
    json* entry = nullptr;
    for (auto& b : baselines)
      if (b.is_object() && b.contains("kpi") && b["kpi"] == kpi) {
        entry = &b;
        break;
      }
    if (!entry) {
      baselines.push_back(
          {{"kpi", kpi}, {"value", value}, {"as_of", as_of}, {"source", source}});
      continue;
    }
    if (entry->contains("as_of")) {
      if (!entry->contains("history") || !(*entry)["history"].is_array())
        (*entry)["history"] = json::array();
      (*entry)["history"].push_back(
          {{"date", (*entry)["as_of"]}, {"value", entry->value("value", json())}});
    }
    (*entry)["value"] = value;
    (*entry)["as_of"] = as_of;
    (*entry)["source"] = source;
  }
  if (next.contains("objectives") && next["objectives"].is_array())
    for (auto& o : next["objectives"])
      for (const auto& [kpi, value] : results)
        if (o.is_object() && o.contains("kpi") && o["kpi"] == kpi)
          o["baseline"] = value;
  return next;
}

}  // namespace sostac::plan

namespace sostac::plan::detail {

SOSTAC_INLINE void diff_into(const json& a, const json& b, const std::string& path,
                             std::vector<change>& out) {
  static const json absent;
  if (a.is_object() && b.is_object()) {
    for (auto it = a.begin(); it != a.end(); ++it)
      diff_into(it.value(), b.contains(it.key()) ? b[it.key()] : absent,
                child(path, it.key()), out);
    for (auto it = b.begin(); it != b.end(); ++it)
      if (!a.contains(it.key()))
        diff_into(absent, it.value(), child(path, it.key()), out);
  } else if (a.is_array() && b.is_array()) {
    for (std::size_t i = 0; i < std::max(a.size(), b.size()); ++i)
      diff_into(i < a.size() ? a[i] : absent, i < b.size() ? b[i] : absent,
                path + "[" + std::to_string(i) + "]", out);
  } else if (a != b) {
    out.push_back({path, a, b});
  }
}

}  // namespace sostac::plan::detail

namespace sostac::plan {

SOSTAC_INLINE std::vector<change> diff(const json& a, const json& b) {
  std::vector<change> out;
  detail::diff_into(a, b, "", out);
  return out;
}

}  // namespace sostac::plan
