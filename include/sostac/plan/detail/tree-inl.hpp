#pragma once
/// Definitions for <sostac/plan/detail/tree.hpp>: compiled into the sostac library
/// (src/), or included by the header when SOSTAC_HEADER_ONLY is defined.

#include <sostac/plan/detail/tree.hpp>

namespace sostac::plan::detail {

SOSTAC_INLINE std::vector<std::pair<std::size_t, const json*>> items(const json& doc,
                                                                     const char* key) {
  std::vector<std::pair<std::size_t, const json*>> out;
  if (!doc.is_object() || !doc.contains(key) || !doc[key].is_array()) return out;
  const json& list = doc[key];
  for (std::size_t i = 0; i < list.size(); ++i)
    if (list[i].is_object()) out.emplace_back(i, &list[i]);
  return out;
}

SOSTAC_INLINE std::string str(const json& obj, const char* key) {
  return obj.is_object() && obj.contains(key) && obj[key].is_string()
             ? obj[key].get<std::string>()
             : std::string();
}

SOSTAC_INLINE bool num(const json& obj, const char* key, double& out) {
  if (!obj.is_object() || !obj.contains(key) || !obj[key].is_number()) return false;
  out = obj[key].get<double>();
  return std::isfinite(out);
}

SOSTAC_INLINE std::vector<std::string> strs(const json& obj, const char* key) {
  std::vector<std::string> out;
  if (obj.is_object() && obj.contains(key) && obj[key].is_array())
    for (const auto& v : obj[key])
      if (v.is_string()) out.push_back(v.get<std::string>());
  return out;
}

SOSTAC_INLINE std::string date(const json& obj, const char* key) {
  const std::string s = str(obj, key);
  return is_iso_date(s) ? s : std::string();
}

SOSTAC_INLINE std::string at(const char* list, std::size_t i) {
  return std::string(list) + "[" + std::to_string(i) + "]";
}

SOSTAC_INLINE std::string money(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

SOSTAC_INLINE std::int64_t day_number(const std::string& iso) {
  std::int64_t y = std::stoll(iso.substr(0, 4));
  const unsigned m = static_cast<unsigned>(std::stoi(iso.substr(5, 2)));
  const unsigned d = static_cast<unsigned>(std::stoi(iso.substr(8, 2)));
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

SOSTAC_INLINE std::string iso_date(std::int64_t z) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u",
                static_cast<long long>(y + (m <= 2)), m, d);
  return buf;
}

}  // namespace sostac::plan::detail
