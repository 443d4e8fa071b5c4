#pragma once
/// Definitions for <sostac/plan/model.hpp>: compiled into the sostac library
/// (src/), or included by the header when SOSTAC_HEADER_ONLY is defined.

#include <sostac/plan/model.hpp>

namespace sostac::plan::detail {

/// Reads fields of a JSON object at `path`; a value of the wrong type throws
/// input_error naming its path, a missing required field names its path too.
class tree_reader {
 public:
  tree_reader(const json& tree, std::string path)
      : tree_(tree), path_(std::move(path)) {
    if (!tree_.is_object())
      throw input_error(path_, "expected an object, got " + type_name(tree_));
  }
  std::string text(const char* key) const {
    const json& v = required(key);
    if (!v.is_string()) fail(key, "text", v);
    return v.get<std::string>();
  }
  double number(const char* key) const {
    const json& v = required(key);
    if (!v.is_number()) fail(key, "a number", v);
    return v.get<double>();
  }
  void get(const char* key, std::optional<std::string>& out) const {
    if (const json* v = find(key)) {
      if (!v->is_string()) fail(key, "text", *v);
      out = v->get<std::string>();
    }
  }
  void get(const char* key, std::optional<double>& out) const {
    if (const json* v = find(key)) {
      if (!v->is_number()) fail(key, "a number", *v);
      out = v->get<double>();
    }
  }
  void get(const char* key, std::vector<std::string>& out) const {
    if (const json* v = find(key)) {
      if (!v->is_array()) fail(key, "a list of text", *v);
      for (std::size_t i = 0; i < v->size(); ++i) {
        if (!(*v)[i].is_string())
          throw input_error(child(path_, key) + "[" + std::to_string(i) + "]",
                            "expected text, got " + type_name((*v)[i]));
        out.push_back((*v)[i].get<std::string>());
      }
    }
  }
  /// The object `key` (absent: nullptr).
  const json* object(const char* key) const {
    const json* v = find(key);
    if (v && !v->is_object()) fail(key, "an object", *v);
    return v;
  }
  /// The list `key` (absent: nullptr).
  const json* list(const char* key) const {
    const json* v = find(key);
    if (v && !v->is_array()) fail(key, "a list", *v);
    return v;
  }
  std::string path(const char* key) const { return child(path_, key); }

 private:
  const json* find(const char* key) const {
    return tree_.contains(key) && !tree_[key].is_null() ? &tree_[key] : nullptr;
  }
  const json& required(const char* key) const {
    const json* v = find(key);
    if (!v) throw input_error(child(path_, key), "the required field is missing");
    return *v;
  }
  [[noreturn]] void fail(const char* key, const char* expected, const json& v) const {
    throw input_error(child(path_, key),
                      std::string("expected ") + expected + ", got " + type_name(v));
  }
  const json& tree_;
  std::string path_;
};

}  // namespace sostac::plan::detail

namespace sostac::plan {

SOSTAC_INLINE json to_tree(const objective& o) {
  detail::tree_writer w;
  w("id", o.id)("statement", o.statement)("kpi", o.kpi)("baseline", o.baseline);
  w("target", o.target)("direction", o.direction)("deadline", o.deadline);
  detail::tree_writer scope;
  scope("channel", o.scope.channel)("segment", o.scope.segment);
  w("scope", scope.take())("five_s", o.five_s)("race", o.race)("owner", o.owner);
  w("traffic_per_week", o.traffic_per_week);
  return w.take();
}

SOSTAC_INLINE json to_tree(const kpi_spec& k) {
  detail::tree_writer w;
  w("id", k.id)("numerator", k.numerator)("denominator", k.denominator);
  w("unit", k.unit)("direction", k.direction)("race", k.race);
  return w.take();
}

SOSTAC_INLINE json to_tree(const strategy& s) {
  detail::tree_writer w;
  w("id", s.id)("summary", s.summary)("segments", s.segments);
  w("positioning", s.positioning)("serves", s.serves);
  json mix = json::object();
  for (const auto& [channel, share] : s.channel_mix) {
    if (!std::isfinite(share))
      throw input_error(
          "channel_mix." + channel,
          "expected a finite number, got " + sostac::detail::format_value(share));
    mix[channel] = share;
  }
  w("channel_mix", std::move(mix));
  return w.take();
}

SOSTAC_INLINE json to_tree(const tactic& t) {
  detail::tree_writer w;
  w("id", t.id)("channel", t.channel)("strategy", t.strategy)("start", t.start);
  w("end", t.end)("budget", t.budget)("min_budget", t.min_budget)("race", t.race);
  w("aida", t.aida);
  w("kpis", t.kpis)("depends_on", t.depends_on);
  return w.take();
}

SOSTAC_INLINE json to_tree(const action& a) {
  detail::tree_writer w;
  w("id", a.id)("tactic", a.tactic)("title", a.title)("owner", a.owner);
  w("start", a.start)("end", a.end)("effort_hours", a.effort_hours)("cost", a.cost);
  w("skills", a.skills)("depends_on", a.depends_on)("status", a.status);
  return w.take();
}

SOSTAC_INLINE json to_tree(const baseline& b) {
  detail::tree_writer w;
  w("kpi", b.kpi)("value", b.value)("as_of", b.as_of)("source", b.source);
  json history = json::array();
  for (std::size_t i = 0; i < b.history.size(); ++i) {
    if (!std::isfinite(b.history[i].value))
      throw input_error("history[" + std::to_string(i) + "].value",
                        "expected a finite number, got " +
                            sostac::detail::format_value(b.history[i].value));
    history.push_back({{"date", b.history[i].date}, {"value", b.history[i].value}});
  }
  w("history", std::move(history));
  return w.take();
}

SOSTAC_INLINE json to_tree(const control_target& t) {
  detail::tree_writer w;
  w("objective", t.objective)("cadence", t.cadence)("alert", t.alert);
  return w.take();
}

SOSTAC_INLINE json to_tree(const experiment& e) {
  detail::tree_writer w;
  w("id", e.id)("tactic", e.tactic)("kpi", e.kpi)("variants", e.variants);
  return w.take();
}

template <>
SOSTAC_INLINE objective from_tree<objective>(const json& tree, const std::string& path) {
  const detail::tree_reader r(tree, path);
  objective o;
  o.id = r.text("id");
  o.kpi = r.text("kpi");
  o.target = r.number("target");
  r.get("statement", o.statement);
  r.get("baseline", o.baseline);
  r.get("direction", o.direction);
  r.get("deadline", o.deadline);
  if (const json* scope = r.object("scope")) {
    const detail::tree_reader s(*scope, r.path("scope"));
    s.get("channel", o.scope.channel);
    s.get("segment", o.scope.segment);
  }
  r.get("five_s", o.five_s);
  r.get("race", o.race);
  r.get("owner", o.owner);
  r.get("traffic_per_week", o.traffic_per_week);
  return o;
}

template <>
SOSTAC_INLINE kpi_spec from_tree<kpi_spec>(const json& tree, const std::string& path) {
  const detail::tree_reader r(tree, path);
  kpi_spec k;
  k.id = r.text("id");
  k.numerator = r.text("numerator");
  r.get("denominator", k.denominator);
  r.get("unit", k.unit);
  r.get("direction", k.direction);
  r.get("race", k.race);
  return k;
}

template <>
SOSTAC_INLINE strategy from_tree<strategy>(const json& tree, const std::string& path) {
  const detail::tree_reader r(tree, path);
  strategy s;
  s.id = r.text("id");
  r.get("summary", s.summary);
  r.get("segments", s.segments);
  r.get("positioning", s.positioning);
  r.get("serves", s.serves);
  if (const json* mix = r.object("channel_mix"))
    for (auto it = mix->begin(); it != mix->end(); ++it) {
      if (!it.value().is_number())
        throw input_error(r.path("channel_mix") + "." + it.key(),
                          "expected a number, got " + detail::type_name(it.value()));
      s.channel_mix.emplace_back(it.key(), it.value().get<double>());
    }
  return s;
}

template <>
SOSTAC_INLINE tactic from_tree<tactic>(const json& tree, const std::string& path) {
  const detail::tree_reader r(tree, path);
  tactic t;
  t.id = r.text("id");
  t.channel = r.text("channel");
  r.get("strategy", t.strategy);
  r.get("start", t.start);
  r.get("end", t.end);
  r.get("budget", t.budget);
  r.get("min_budget", t.min_budget);
  r.get("race", t.race);
  r.get("aida", t.aida);
  r.get("kpis", t.kpis);
  r.get("depends_on", t.depends_on);
  return t;
}

template <>
SOSTAC_INLINE action from_tree<action>(const json& tree, const std::string& path) {
  const detail::tree_reader r(tree, path);
  action a;
  a.id = r.text("id");
  a.title = r.text("title");
  r.get("tactic", a.tactic);
  r.get("owner", a.owner);
  r.get("start", a.start);
  r.get("end", a.end);
  r.get("effort_hours", a.effort_hours);
  r.get("cost", a.cost);
  r.get("skills", a.skills);
  r.get("depends_on", a.depends_on);
  r.get("status", a.status);
  return a;
}

template <>
SOSTAC_INLINE baseline from_tree<baseline>(const json& tree, const std::string& path) {
  const detail::tree_reader r(tree, path);
  baseline b;
  b.kpi = r.text("kpi");
  b.value = r.number("value");
  r.get("as_of", b.as_of);
  r.get("source", b.source);
  if (const json* history = r.list("history"))
    for (std::size_t i = 0; i < history->size(); ++i) {
      const detail::tree_reader h((*history)[i],
                                  r.path("history") + "[" + std::to_string(i) + "]");
      b.history.push_back({h.text("date"), h.number("value")});
    }
  return b;
}

template <>
SOSTAC_INLINE control_target from_tree<control_target>(const json& tree,
                                                       const std::string& path) {
  const detail::tree_reader r(tree, path);
  control_target t;
  t.objective = r.text("objective");
  r.get("cadence", t.cadence);
  r.get("alert", t.alert);
  return t;
}

template <>
SOSTAC_INLINE experiment from_tree<experiment>(const json& tree, const std::string& path) {
  const detail::tree_reader r(tree, path);
  experiment e;
  e.id = r.text("id");
  e.kpi = r.text("kpi");
  r.get("tactic", e.tactic);
  r.get("variants", e.variants);
  return e;
}

}  // namespace sostac::plan
