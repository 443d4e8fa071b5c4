#pragma once
/// The typed plan model: one struct per kind of list item in the plan document
/// (objectives, kpis, strategies, tactics, actions, situation baselines, control
/// targets and experiments), with
/// lossless conversion to and from the document tree.
///
/// Field names are the document's (docs/plan.schema.json). Optional fields are
/// std::optional, lists are std::vector; an absent optional and an empty list are
/// left out of the document. Values that the schema restricts (a KPI's direction, a
/// RACE stage, a date) are kept as text here and checked by validation, so a plan
/// built in code gets exactly the findings the same plan gets when loaded.
///
/// Reading an item from a tree (`from_tree<objective>(tree, "objectives[2]")`)
/// throws input_error naming the field's JSON path when a value has the wrong type.

#include <sostac/core/config.hpp>
#include <sostac/core/error.hpp>
#include <sostac/plan/document.hpp>

#include <cmath>
#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace sostac::plan {

/// The channel and segment an objective is measured on.
struct objective_scope {
  std::optional<std::string> channel;
  std::optional<std::string> segment;
};

/// A SMART objective.
struct objective {
  std::string id;
  std::string kpi;  ///< a catalogue KPI or one of the plan's kpis
  double target = 0;
  std::optional<std::string> statement;
  std::optional<double> baseline;
  std::optional<std::string> direction;  ///< "increase" or "decrease"
  std::optional<std::string> deadline;   ///< YYYY-MM-DD
  objective_scope scope;
  std::optional<std::string> five_s;  ///< sell, serve, speak, save, sizzle
  std::optional<std::string> race;    ///< plan, reach, act, convert, engage
  std::optional<std::string> owner;
  std::optional<double> traffic_per_week;  ///< for the power check
};

/// A KPI the plan adds to the catalogue.
struct kpi_spec {
  std::string id;
  std::string numerator;  ///< e.g. "revenue - cost"
  std::optional<std::string> denominator;
  std::optional<std::string> unit;
  std::optional<std::string> direction;  ///< "higher" or "lower" is better
  std::optional<std::string> race;
};

/// A strategy: segments, positioning, the objectives it serves, its channel mix.
struct strategy {
  std::string id;
  std::optional<std::string> summary;
  std::vector<std::string> segments;
  std::optional<std::string> positioning;
  std::vector<std::string> serves;                          ///< objective ids
  std::vector<std::pair<std::string, double>> channel_mix;  ///< channel, budget share
};

/// A channel tactic.
struct tactic {
  std::string id;
  std::string channel;
  std::optional<std::string> strategy;
  std::optional<std::string> start;  ///< YYYY-MM-DD
  std::optional<std::string> end;
  std::optional<double> budget;
  std::optional<double>
      min_budget;  ///< the least it must keep (budget moves respect it)
  std::optional<std::string> race;
  std::optional<std::string> aida;
  std::vector<std::string> kpis;
  std::vector<std::string> depends_on;  ///< tactic ids
};

/// An action: the 3M (men, money, minutes) at the finest grain.
struct action {
  std::string id;
  std::string title;
  std::optional<std::string> tactic;
  std::optional<std::string> owner;
  std::optional<std::string> start;
  std::optional<std::string> end;
  std::optional<double> effort_hours;
  std::optional<double> cost;
  std::vector<std::string> skills;
  std::vector<std::string> depends_on;  ///< action ids
  std::optional<std::string> status;
};

/// One earlier value of a baseline.
struct history_point {
  std::string date;
  double value = 0;
};

/// A KPI's value in the situation analysis (situation.baselines, keyed by kpi).
struct baseline {
  std::string kpi;
  double value = 0;
  std::optional<std::string> as_of;
  std::optional<std::string> source;
  std::vector<history_point> history;
};

/// A KPI target the Control stage tracks (control.targets, keyed by objective).
struct control_target {
  std::string objective;
  std::optional<std::string> cadence;  ///< daily, weekly, monthly, quarterly
  std::optional<double> alert;
};

/// An experiment attached to a tactic (control.experiments).
struct experiment {
  std::string id;
  std::string kpi;
  std::optional<std::string> tactic;
  std::vector<std::string> variants;
};

/// Where each kind of item lives in the document and which field identifies it.
template <class T>
struct item_traits;
template <>
struct item_traits<objective> {
  static constexpr const char* section = nullptr;  ///< top level
  static constexpr const char* list = "objectives";
  static constexpr const char* key = "id";
  static const std::string& key_of(const objective& o) { return o.id; }
};
template <>
struct item_traits<kpi_spec> {
  static constexpr const char* section = nullptr;
  static constexpr const char* list = "kpis";
  static constexpr const char* key = "id";
  static const std::string& key_of(const kpi_spec& k) { return k.id; }
};
template <>
struct item_traits<strategy> {
  static constexpr const char* section = nullptr;
  static constexpr const char* list = "strategies";
  static constexpr const char* key = "id";
  static const std::string& key_of(const strategy& s) { return s.id; }
};
template <>
struct item_traits<tactic> {
  static constexpr const char* section = nullptr;
  static constexpr const char* list = "tactics";
  static constexpr const char* key = "id";
  static const std::string& key_of(const tactic& t) { return t.id; }
};
template <>
struct item_traits<action> {
  static constexpr const char* section = nullptr;
  static constexpr const char* list = "actions";
  static constexpr const char* key = "id";
  static const std::string& key_of(const action& a) { return a.id; }
};
template <>
struct item_traits<baseline> {
  static constexpr const char* section = "situation";
  static constexpr const char* list = "baselines";
  static constexpr const char* key = "kpi";
  static const std::string& key_of(const baseline& b) { return b.kpi; }
};
template <>
struct item_traits<control_target> {
  static constexpr const char* section = "control";
  static constexpr const char* list = "targets";
  static constexpr const char* key = "objective";
  static const std::string& key_of(const control_target& t) { return t.objective; }
};
template <>
struct item_traits<experiment> {
  static constexpr const char* section = "control";
  static constexpr const char* list = "experiments";
  static constexpr const char* key = "id";
  static const std::string& key_of(const experiment& e) { return e.id; }
};

namespace detail {

/// Writes fields into a JSON object, leaving out absent optionals and empty lists.
class tree_writer {
 public:
  tree_writer& operator()(const char* key, const std::string& v) {
    tree_[key] = v;
    return *this;
  }
  tree_writer& operator()(const char* key, double v) {
    // JSON has no NaN or infinity: refuse them here rather than write null
    if (!std::isfinite(v))
      throw input_error(
          key, "expected a finite number, got " + sostac::detail::format_value(v));
    tree_[key] = v;
    return *this;
  }
  template <class T>
  tree_writer& operator()(const char* key, const std::optional<T>& v) {
    if (v) (*this)(key, *v);
    return *this;
  }
  tree_writer& operator()(const char* key, const std::vector<std::string>& v) {
    if (!v.empty()) tree_[key] = v;
    return *this;
  }
  tree_writer& operator()(const char* key, json v) {
    if (!v.is_null() && !v.empty()) tree_[key] = std::move(v);
    return *this;
  }
  json take() { return std::move(tree_); }

 private:
  json tree_ = json::object();
};

}  // namespace detail

// -- to the tree ----------------------------------------------------------------

SOSTAC_INLINE json to_tree(const objective& o);

SOSTAC_INLINE json to_tree(const kpi_spec& k);

SOSTAC_INLINE json to_tree(const strategy& s);

SOSTAC_INLINE json to_tree(const tactic& t);

SOSTAC_INLINE json to_tree(const action& a);

SOSTAC_INLINE json to_tree(const baseline& b);

SOSTAC_INLINE json to_tree(const control_target& t);

SOSTAC_INLINE json to_tree(const experiment& e);

// -- from the tree --------------------------------------------------------------

template <class T>
T from_tree(const json& tree, const std::string& path);

template <>
SOSTAC_INLINE objective from_tree<objective>(const json& tree, const std::string& path);

template <>
SOSTAC_INLINE kpi_spec from_tree<kpi_spec>(const json& tree, const std::string& path);

template <>
SOSTAC_INLINE strategy from_tree<strategy>(const json& tree, const std::string& path);

template <>
SOSTAC_INLINE tactic from_tree<tactic>(const json& tree, const std::string& path);

template <>
SOSTAC_INLINE action from_tree<action>(const json& tree, const std::string& path);

template <>
SOSTAC_INLINE baseline from_tree<baseline>(const json& tree, const std::string& path);

template <>
SOSTAC_INLINE control_target from_tree<control_target>(const json& tree,
                                                       const std::string& path);

template <>
SOSTAC_INLINE experiment from_tree<experiment>(const json& tree, const std::string& path);

}  // namespace sostac::plan

#ifdef SOSTAC_HEADER_ONLY
#include <sostac/plan/model-inl.hpp>
#endif
