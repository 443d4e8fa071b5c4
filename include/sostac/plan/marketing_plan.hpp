#pragma once
/// sostac::plan::marketing_plan: a plan document built and edited in code through
/// the typed model (model.hpp), or loaded from JSON, with the same validation,
/// schedule, loading and lifecycle either way.
///
/// The plan owns its document tree; every operation is a view or an edit of that
/// tree, so a plan built in code and the same plan loaded from a file are
/// indistinguishable (and give identical findings).
///
///     sostac::plan::marketing_plan plan("q1", "Q1 search");
///     plan.set_horizon("2027-01-01", "2027-03-31");
///     sostac::plan::objective o;
///     o.id = "o1"; o.kpi = "ctr"; o.target = 0.015; o.baseline = 0.01;
///     plan.add(o);
///     for (const auto& f : plan.validate()) std::cout << f.path << ": " << f.message;

#include <sostac/core/error.hpp>
#include <sostac/plan/document.hpp>
#include <sostac/plan/lifecycle.hpp>
#include <sostac/plan/loading.hpp>
#include <sostac/plan/model.hpp>
#include <sostac/plan/schedule.hpp>
#include <sostac/plan/validate.hpp>

#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sostac::plan {

class marketing_plan {
 public:
  /// An empty plan: {"sostac": 1, "plan": {"id": id, "name": name}}.
  marketing_plan(std::string id, std::string name)
      : tree_({{"sostac", 1},
               {"plan", {{"id", std::move(id)}, {"name", std::move(name)}}}}) {}

  /// A plan from a document tree (e.g. parsed JSON). Throws input_error("document")
  /// when the tree is not an object; anything else wrong is a finding of validate().
  explicit marketing_plan(json tree) : tree_(std::move(tree)) {
    if (!tree_.is_object())
      throw input_error("document", "expected an object at the top of a plan, got " +
                                        detail::type_name(tree_));
  }

  /// A plan from JSON text (parse_document's limits and errors).
  static marketing_plan parse(std::string_view text,
                              const std::string& source = "document") {
    return marketing_plan(parse_document(text, source));
  }

  /// A plan from a JSON file. Throws input_error("path") when it cannot be read.
  static marketing_plan load(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw input_error("path", "cannot read '" + path + "'");
    std::ostringstream text;
    text << in.rdbuf();
    return parse(text.str(), path);
  }

  /// The document tree.
  const json& tree() const noexcept { return tree_; }

  /// The document as JSON text (`indent` < 0: on one line).
  std::string dump(int indent = 2) const { return tree_.dump(indent); }

  /// Writes the document as JSON; load(path) gives an identical plan.
  void save(const std::string& path) const {
    std::ofstream out(path, std::ios::binary);
    out << dump() << '\n';
    if (!out) throw input_error("path", "cannot write '" + path + "'");
  }

  // -- the plan header ----------------------------------------------------------

  marketing_plan& set_currency(const std::string& iso_4217) {
    header()["currency"] = iso_4217;
    return *this;
  }
  marketing_plan& set_horizon(const std::string& start, const std::string& end) {
    header()["horizon"] = {{"start", start}, {"end", end}};
    return *this;
  }
  /// The 3M limits: people-hours per week and the budget (absent: left as is).
  marketing_plan& set_resources(std::optional<double> people_hours_per_week,
                                std::optional<double> budget) {
    detail::tree_writer w;
    w("people_hours_per_week", people_hours_per_week)("budget", budget);
    merge_into(header(), "resources", w.take());
    return *this;
  }
  /// For the break-even CPA: average order value and margin (absent: left as is).
  marketing_plan& set_economics(std::optional<double> average_order_value,
                                std::optional<double> margin) {
    detail::tree_writer w;
    w("average_order_value", average_order_value)("margin", margin);
    merge_into(header(), "economics", w.take());
    return *this;
  }
  /// The Control stage's default cadence and review cycle (absent: left as is).
  marketing_plan& set_control(std::optional<std::string> cadence,
                              std::optional<int> review_every_months) {
    json c = json::object();
    if (cadence) c["cadence"] = *cadence;
    if (review_every_months) c["review_every_months"] = *review_every_months;
    merge_into(tree_, "control", std::move(c));
    return *this;
  }
  /// Adds a SWOT entry; `quadrant` is strengths, weaknesses, opportunities or
  /// threats.
  marketing_plan& add_swot(const std::string& quadrant, const std::string& entry) {
    if (quadrant != "strengths" && quadrant != "weaknesses" &&
        quadrant != "opportunities" && quadrant != "threats")
      throw input_error("quadrant",
                        "expected strengths, weaknesses, opportunities or "
                        "threats, got '" +
                            quadrant + "'");
    json& swot = object_at(object_at(tree_, "situation"), "swot");
    if (!swot.contains(quadrant) || !swot[quadrant].is_array())
      swot[quadrant] = json::array();
    swot[quadrant].push_back(entry);
    return *this;
  }

  // -- items ----------------------------------------------------------------------

  /// Appends an item (objective, kpi_spec, strategy, tactic, action, baseline,
  /// control_target, experiment). Throws input_error("id") (or "kpi", "objective":
  /// the item's key) when the key is already taken, and input_error naming the field
  /// for a number that is not finite.
  template <class T>
  marketing_plan& add(const T& item) {
    using traits = item_traits<T>;
    json value = to_tree(item);
    json& items = list_of<T>();
    if (find_index<T>(traits::key_of(item)))
      throw input_error(traits::key, "'" + traits::key_of(item) +
                                         "' is already one of the plan's " +
                                         traits::list);
    items.push_back(std::move(value));
    return *this;
  }

  /// The item with this key, or nothing. Throws input_error naming the JSON path of
  /// a field whose value has the wrong type.
  template <class T>
  std::optional<T> get(std::string_view key) const {
    const auto i = find_index<T>(key);
    if (!i) return std::nullopt;
    return from_tree<T>(list_tree<T>()[*i], path_of<T>(*i));
  }

  /// Every item of this kind whose entry is an object, in document order.
  template <class T>
  std::vector<T> all() const {
    std::vector<T> out;
    const json& items = list_tree<T>();
    for (std::size_t i = 0; i < items.size(); ++i)
      if (items[i].is_object()) out.push_back(from_tree<T>(items[i], path_of<T>(i)));
    return out;
  }

  /// Replaces the item with the same key, in place. Throws input_error when there is
  /// none.
  template <class T>
  marketing_plan& replace(const T& item) {
    using traits = item_traits<T>;
    json value = to_tree(item);
    const auto i = find_index<T>(traits::key_of(item));
    if (!i)
      throw input_error(traits::key, "'" + traits::key_of(item) +
                                         "' is not one of the plan's " + traits::list);
    list_of<T>()[*i] = std::move(value);
    return *this;
  }

  /// Removes the item with this key. Throws input_error when there is none.
  /// References to it elsewhere stay, and validate() reports them.
  template <class T>
  marketing_plan& remove(std::string_view key) {
    using traits = item_traits<T>;
    const auto i = find_index<T>(key);
    if (!i)
      throw input_error(traits::key, "'" + std::string(key) +
                                         "' is not one of the plan's " + traits::list);
    list_of<T>().erase(*i);
    return *this;
  }

  // -- checks and views -----------------------------------------------------------

  /// Every finding: schema, semantic rules, resource loading (validate_document).
  std::vector<finding> validate() const { return validate_document(tree_); }
  /// CPM schedule of tactics and actions (schedule_plan).
  plan_schedule schedule() const { return schedule_plan(tree_); }
  /// The critical path's tactic ids, first to last.
  std::vector<std::string> critical_path() const { return schedule().critical_path; }
  /// People-hours and money per calendar day (daily_loading).
  std::vector<day_load> loading() const { return daily_loading(tree_); }

  // -- lifecycle ------------------------------------------------------------------

  std::string stage() const { return stage_of(tree_); }
  long long revision() const { return revision_of(tree_); }
  /// Moves to stage `to` (the next one when empty); see plan::advance.
  marketing_plan& advance(std::string_view to = {}) {
    plan::advance(tree_, to);
    return *this;
  }
  /// The next revision with the Control results as baselines; see plan::review.
  marketing_plan review(const std::vector<std::pair<std::string, double>>& results,
                        const std::string& as_of, std::string source = {}) const {
    return marketing_plan(plan::review(tree_, results, as_of, std::move(source)));
  }
  /// The differences from this plan to `other`; see plan::diff.
  std::vector<change> diff(const marketing_plan& other) const {
    return plan::diff(tree_, other.tree_);
  }

  /// The same document: equal values at every path (the order of keys is kept for
  /// writing but does not matter here, as in JSON).
  friend bool operator==(const marketing_plan& a, const marketing_plan& b) {
    return a.diff(b).empty();
  }
  friend bool operator!=(const marketing_plan& a, const marketing_plan& b) {
    return !(a == b);
  }

 private:
  /// `parent[key]` as an object, created when absent. Throws input_error when it
  /// holds something else (it would be lost).
  static json& object_at(json& parent, const char* key) {
    if (!parent.contains(key) || parent[key].is_null()) parent[key] = json::object();
    if (!parent[key].is_object())
      throw input_error(key, "the plan's " + std::string(key) + " is not a mapping");
    return parent[key];
  }
  static void merge_into(json& parent, const char* key, json fields) {
    json& target = object_at(parent, key);
    for (auto it = fields.begin(); it != fields.end(); ++it)
      target[it.key()] = it.value();
  }
  json& header() { return object_at(tree_, "plan"); }

  template <class T>
  json& list_of() {
    using traits = item_traits<T>;
    json& parent = traits::section ? object_at(tree_, traits::section) : tree_;
    if (!parent.contains(traits::list) || parent[traits::list].is_null())
      parent[traits::list] = json::array();
    if (!parent[traits::list].is_array())
      throw input_error(path_of<T>(),
                        "the plan's " + std::string(traits::list) + " is not a list");
    return parent[traits::list];
  }
  /// The list of T, or an empty list when absent or not a list.
  template <class T>
  const json& list_tree() const {
    using traits = item_traits<T>;
    static const json none = json::array();
    const json* parent = &tree_;
    if (traits::section) {
      if (!tree_.contains(traits::section) || !tree_[traits::section].is_object())
        return none;
      parent = &tree_[traits::section];
    }
    if (!parent->contains(traits::list) || !(*parent)[traits::list].is_array())
      return none;
    return (*parent)[traits::list];
  }
  template <class T>
  std::optional<std::size_t> find_index(std::string_view key) const {
    const json& items = list_tree<T>();
    for (std::size_t i = 0; i < items.size(); ++i)
      if (items[i].is_object() && items[i].contains(item_traits<T>::key) &&
          items[i][item_traits<T>::key] == key)
        return i;
    return std::nullopt;
  }
  template <class T>
  static std::string path_of() {
    using traits = item_traits<T>;
    return traits::section ? std::string(traits::section) + "." + traits::list
                           : std::string(traits::list);
  }
  template <class T>
  static std::string path_of(std::size_t i) {
    return path_of<T>() + "[" + std::to_string(i) + "]";
  }

  json tree_;
};

}  // namespace sostac::plan
