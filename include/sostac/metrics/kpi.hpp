#pragma once
/// The KPI vocabulary: RACE stages, directions, cadences, and the built-in KPI
/// catalogue (the plan layer uses it through sostac/plan/kpi.hpp). Each KPI is a ratio
/// of linear combinations of base measures (impressions, clicks, sessions, leads,
/// orders, revenue, cost, ...), which is what lets the metrics layer compute it from
/// event data and attach an interval to it.

#include <sostac/core/error.hpp>

#include <cctype>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace sostac::metrics {

/// RACE / PR2ACE lifecycle stage a KPI or objective belongs to.
enum class race_stage { plan, reach, act, convert, engage };
/// Whether a higher or a lower value is better.
enum class direction { higher, lower };
/// How often a KPI is reviewed by default.
enum class cadence { daily, weekly, monthly, quarterly };

inline const char* to_string(race_stage s) noexcept {
  switch (s) {
    case race_stage::plan:
      return "plan";
    case race_stage::reach:
      return "reach";
    case race_stage::act:
      return "act";
    case race_stage::convert:
      return "convert";
    default:
      return "engage";
  }
}
inline const char* to_string(direction d) noexcept {
  return d == direction::higher ? "higher" : "lower";
}
inline const char* to_string(cadence c) noexcept {
  switch (c) {
    case cadence::daily:
      return "daily";
    case cadence::weekly:
      return "weekly";
    case cadence::monthly:
      return "monthly";
    default:
      return "quarterly";
  }
}

/// One term of a measure expression: coefficient * measure.
struct measure_term {
  double coefficient;
  std::string measure;
};

/// Parses "revenue - cost" or "clicks": identifiers ([a-z_][a-z0-9_]*) joined by
/// + and -. Throws input_error naming `argument` and the offending position.
inline std::vector<measure_term> parse_measure_expression(std::string_view text,
                                                          const std::string& argument) {
  std::vector<measure_term> terms;
  std::size_t i = 0;
  double sign = 1.0;
  bool expect_measure = true;
  auto fail_at = [&](const std::string& what) {
    throw input_error(argument, what + " at position " + std::to_string(i) + " of '" +
                                    std::string(text) + "'");
  };
  while (i < text.size()) {
    const char c = text[i];
    if (c == ' ') {
      ++i;
    } else if (c == '+' || c == '-') {
      if (expect_measure)
        fail_at("expected a measure name, got '" + std::string(1, c) + "'");
      sign = c == '-' ? -1.0 : 1.0;
      expect_measure = true;
      ++i;
    } else if (std::islower(static_cast<unsigned char>(c)) || c == '_') {
      if (!expect_measure) fail_at("expected + or - between measures");
      const std::size_t start = i;
      while (i < text.size() &&
             (std::islower(static_cast<unsigned char>(text[i])) ||
              std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '_'))
        ++i;
      terms.push_back({sign, std::string(text.substr(start, i - start))});
      sign = 1.0;
      expect_measure = false;
    } else {
      fail_at("unexpected character '" + std::string(1, c) +
              "' (measures are lower-case names joined by + and -)");
    }
  }
  if (terms.empty() || expect_measure) fail_at("expected a measure name");
  return terms;
}

/// Money (cost, revenue, lifetime_value), seconds (session_seconds) or a count.
enum class measure_kind { count, money, seconds };

inline measure_kind kind_of_measure(const std::string& m) {
  if (m == "cost" || m == "revenue" || m == "lifetime_value")
    return measure_kind::money;
  if (m == "session_seconds") return measure_kind::seconds;
  return measure_kind::count;
}

/// Whether a KPI is a proportion (a share of its denominator, in [0, 1]): unit
/// "ratio", scale 1, one count over one count (CTR, conversion, bounce, churn and
/// repeat-purchase rates; not ROAS or ROI). The roll-up gives these Wilson intervals.
inline bool is_proportion(std::string_view unit, std::string_view numerator,
                          std::string_view denominator, double scale,
                          const std::string& argument) {
  if (unit != "ratio" || scale != 1.0 || denominator.empty()) return false;
  const auto n = parse_measure_expression(numerator, argument + ".numerator");
  const auto d = parse_measure_expression(denominator, argument + ".denominator");
  return n.size() == 1 && d.size() == 1 && n[0].coefficient == 1.0 &&
         d[0].coefficient == 1.0 && kind_of_measure(n[0].measure) == measure_kind::count &&
         kind_of_measure(d[0].measure) == measure_kind::count;
}

/// A KPI: value = scale * numerator / denominator (denominator empty for counts).
struct kpi_definition {
  std::string id;
  std::string name;
  std::string numerator;    ///< measure expression, e.g. "revenue - cost"
  std::string denominator;  ///< measure expression, or "" for a plain count/sum
  double scale;             ///< 1000 for CPM, else 1
  std::string unit;         ///< "ratio", "currency", "count" or "seconds"
  direction better;
  race_stage race;
  cadence default_cadence;
  std::string description;
};

/// The built-in catalogue (SOSTAC/RACE's usual KPIs; formulas as in Chaffey & Smith,
/// "Digital Marketing Excellence", and Smart Insights' RACE KPI lists).
inline const std::vector<kpi_definition>& kpi_catalog() {
  using d = direction;
  using r = race_stage;
  using c = cadence;
  static const std::vector<kpi_definition> catalog{
      {"impressions", "Impressions", "impressions", "", 1, "count", d::higher, r::reach,
       c::daily, "Times an ad or post was shown."},
      {"unique_visitors", "Unique visitors", "visitors", "", 1, "count", d::higher,
       r::reach, c::weekly, "Distinct people who visited the site."},
      {"followers", "Followers", "followers", "", 1, "count", d::higher, r::reach,
       c::monthly, "Audience size on social channels."},
      {"ctr", "Click-through rate", "clicks", "impressions", 1, "ratio", d::higher,
       r::reach, c::daily, "Clicks per impression (industry baseline about 1%)."},
      {"cpc", "Cost per click", "cost", "clicks", 1, "currency", d::lower, r::reach,
       c::daily, "Media cost per click."},
      {"cpm", "Cost per mille", "cost", "impressions", 1000, "currency", d::lower,
       r::reach, c::weekly, "Media cost per thousand impressions."},
      {"bounce_rate", "Bounce rate", "bounces", "sessions", 1, "ratio", d::lower,
       r::act, c::weekly, "Sessions that left after one page."},
      {"time_on_site", "Time on site", "session_seconds", "sessions", 1, "seconds",
       d::higher, r::act, c::weekly, "Average session duration."},
      {"lead_conversion_rate", "Lead conversion rate", "leads", "sessions", 1, "ratio",
       d::higher, r::act, c::weekly, "Sessions that became a lead."},
      {"cpl", "Cost per lead", "cost", "leads", 1, "currency", d::lower, r::act,
       c::weekly, "Media cost per lead."},
      {"shares", "Shares and likes", "shares", "", 1, "count", d::higher, r::act,
       c::weekly, "Social interactions with content."},
      {"conversion_rate", "Conversion rate", "orders", "sessions", 1, "ratio",
       d::higher, r::convert, c::weekly, "Sessions that ended in an order."},
      {"cpa", "Cost per acquisition", "cost", "orders", 1, "currency", d::lower,
       r::convert, c::weekly,
       "Total cost / conversions; break-even when it equals the "
       "margin per order."},
      {"revenue", "Revenue", "revenue", "", 1, "currency", d::higher, r::convert,
       c::weekly, "Sales value."},
      {"aov", "Average order value", "revenue", "orders", 1, "currency", d::higher,
       r::convert, c::weekly, "Revenue per order."},
      {"revenue_per_visit", "Revenue per visit", "revenue", "sessions", 1, "currency",
       d::higher, r::convert, c::weekly, "Revenue per session (value per visit)."},
      {"roas", "Return on ad spend", "revenue", "cost", 1, "ratio", d::higher,
       r::convert, c::weekly, "Revenue per unit of media cost."},
      {"roi", "Return on investment", "revenue - cost", "cost", 1, "ratio", d::higher,
       r::convert, c::monthly, "(Revenue - cost) / cost; 0 is break-even."},
      {"repeat_purchase_rate", "Repeat-purchase rate", "repeat_customers", "customers",
       1, "ratio", d::higher, r::engage, c::monthly,
       "Customers who bought more than once."},
      {"churn_rate", "Churn rate", "churned_customers", "customers", 1, "ratio",
       d::lower, r::engage, c::monthly, "Customers lost in the period."},
      {"clv", "Customer lifetime value", "lifetime_value", "customers", 1, "currency",
       d::higher, r::engage, c::quarterly,
       "Expected future value per customer (from the customer models)."},
  };
  return catalog;
}

/// Measures that count distinct people (or a stock such as followers) and so do not
/// add across rows: a month's unique visitors are not the sum of its days' visitors.
/// The roll-up refuses to sum them across the rows of a period; from an event or
/// transaction log with a user column they are counted exactly per period instead.
inline const std::vector<std::string>& distinct_measures() {
  static const std::vector<std::string> names{"visitors", "customers", "repeat_customers",
                                              "churned_customers", "followers"};
  return names;
}

inline bool is_distinct_measure(std::string_view measure) {
  for (const auto& m : distinct_measures())
    if (m == measure) return true;
  return false;
}

/// The catalogue entry with this id, or nullptr.
inline const kpi_definition* find_kpi(std::string_view id) {
  for (const auto& k : kpi_catalog())
    if (k.id == id) return &k;
  return nullptr;
}

}  // namespace sostac::metrics
