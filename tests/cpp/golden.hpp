#pragma once
// Reads the golden CSV files of tests/golden (header row, comma separated, numbers
// written with 17 significant digits, inf/-inf/nan spelled out).
#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace golden {

struct row {
  std::map<std::string, std::string> cells;
  double num(const std::string& k) const {
    const auto it = cells.find(k);
    if (it == cells.end()) throw std::runtime_error("golden: no column " + k);
    const std::string& s = it->second;
    if (s == "inf") return std::numeric_limits<double>::infinity();
    if (s == "-inf") return -std::numeric_limits<double>::infinity();
    if (s == "nan" || s == "NA") return std::numeric_limits<double>::quiet_NaN();
    return std::stod(s);
  }
  const std::string& str(const std::string& k) const { return cells.at(k); }
};

inline std::vector<row> read(const std::string& relative) {
  const std::string path = std::string(SOSTAC_GOLDEN_DIR) + "/" + relative;
  std::ifstream in(path);
  if (!in) throw std::runtime_error("golden: cannot open " + path);
  std::string line;
  std::getline(in, line);
  std::vector<std::string> header;
  {
    std::stringstream ss(line);
    for (std::string c; std::getline(ss, c, ',');) header.push_back(c);
  }
  std::vector<row> rows;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::stringstream ss(line);
    row r;
    std::size_t i = 0;
    for (std::string c; std::getline(ss, c, ',') && i < header.size(); ++i)
      r.cells[header[i]] = c;
    rows.push_back(std::move(r));
  }
  return rows;
}

/// |a - b| <= rel * max(|a|, |b|), with equal infinities and NaNs matching.
inline bool close(double a, double b, double rel, double abs_floor = 0.0) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  if (std::isinf(a) || std::isinf(b)) return a == b;
  return std::fabs(a - b) <=
         std::max(rel * std::max(std::fabs(a), std::fabs(b)), abs_floor);
}

}  // namespace golden
