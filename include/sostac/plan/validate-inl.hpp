#pragma once
/// Definitions for <sostac/plan/validate.hpp>: compiled into the sostac library
/// (src/), or included by the header when SOSTAC_HEADER_ONLY is defined.

#include <sostac/plan/validate.hpp>

#include <sostac/stats/power.hpp>

namespace sostac::plan::detail {

class plan_checker {
 public:
  explicit plan_checker(const json& doc) : doc_(doc) {}

  std::vector<finding> run() {
    if (!doc_.is_object()) return out_;
    if (doc_.contains("plan") && doc_["plan"].contains("horizon")) {
      h_start_ = date(doc_["plan"]["horizon"], "start");
      h_end_ = date(doc_["plan"]["horizon"], "end");
    }
    collect_ids();
    check_references();
    check_kpis();
    check_traceability();
    check_schedule();
    check_budget();
    check_smart();
    return out_;
  }

 private:
  void add(const char* severity, const char* code, std::string path, std::string msg) {
    out_.push_back({severity, code, std::move(path), std::move(msg)});
  }

  // -- ids ----------------------------------------------------------------------------
  std::set<std::string> ids_of(const char* list) {
    std::set<std::string> seen;
    for (const auto& [i, obj] : items(doc_, list)) {
      const std::string id = str(*obj, "id");
      if (id.empty()) continue;
      if (!seen.insert(id).second)
        add("error", "ids.duplicate", at(list, i) + ".id",
            "the id '" + id + "' is used twice in " + list + "; ids must be unique");
    }
    return seen;
  }

  void collect_ids() {
    objectives_ = ids_of("objectives");
    strategies_ = ids_of("strategies");
    tactics_ = ids_of("tactics");
    actions_ = ids_of("actions");
    plan_kpis_ = ids_of("kpis");
    if (doc_.contains("situation")) {
      std::set<std::string> personas;
      for (const auto& [i, p] : items(doc_["situation"], "personas")) {
        const std::string id = str(*p, "id");
        if (!id.empty() && !personas.insert(id).second)
          add("error", "ids.duplicate", "situation." + at("personas", i) + ".id",
              "the id '" + id + "' is used twice in personas; ids must be unique");
      }
    }
    for (const auto& k : kpi_catalog()) all_kpis_.insert(k.id);
    all_kpis_.insert(plan_kpis_.begin(), plan_kpis_.end());
  }

  // -- references
  // -----------------------------------------------------------------------
  void ref(const std::string& id, const std::set<std::string>& known, const char* what,
           const char* code, const std::string& path) {
    if (!id.empty() && !known.count(id))
      add("error", code, path,
          "'" + id + "' is not the id of any " + what + suggest(id, known));
  }

  void check_references() {
    for (const auto& [i, s] : items(doc_, "strategies")) {
      const auto serves = strs(*s, "serves");
      for (std::size_t j = 0; j < serves.size(); ++j)
        ref(serves[j], objectives_, "objective", "ref.unknown-objective",
            at("strategies", i) + "." + at("serves", j));
    }
    for (const auto& [i, t] : items(doc_, "tactics")) {
      ref(str(*t, "strategy"), strategies_, "strategy", "ref.unknown-strategy",
          at("tactics", i) + ".strategy");
      const auto deps = strs(*t, "depends_on");
      for (std::size_t j = 0; j < deps.size(); ++j)
        ref(deps[j], tactics_, "tactic", "ref.unknown-tactic",
            at("tactics", i) + "." + at("depends_on", j));
    }
    for (const auto& [i, a] : items(doc_, "actions")) {
      ref(str(*a, "tactic"), tactics_, "tactic", "ref.unknown-tactic",
          at("actions", i) + ".tactic");
      const auto deps = strs(*a, "depends_on");
      for (std::size_t j = 0; j < deps.size(); ++j)
        ref(deps[j], actions_, "action", "ref.unknown-action",
            at("actions", i) + "." + at("depends_on", j));
    }
    if (doc_.contains("control")) {
      const json& c = doc_["control"];
      for (const auto& [i, t] : items(c, "targets"))
        ref(str(*t, "objective"), objectives_, "objective", "ref.unknown-objective",
            "control." + at("targets", i) + ".objective");
      for (const auto& [i, x] : items(c, "experiments"))
        ref(str(*x, "tactic"), tactics_, "tactic", "ref.unknown-tactic",
            "control." + at("experiments", i) + ".tactic");
    }
  }

  // -- KPIs ---------------------------------------------------------------------------
  void kpi(const std::string& id, const std::string& path) {
    if (id.empty()) return;
    used_kpis_.insert(id);
    if (!all_kpis_.count(id))
      add("error", "kpi.unknown", path,
          "'" + id + "' is neither in the KPI catalogue nor defined under kpis" +
              suggest(id, all_kpis_));
  }

  void check_kpis() {
    for (const auto& [i, o] : items(doc_, "objectives"))
      kpi(str(*o, "kpi"), at("objectives", i) + ".kpi");
    for (const auto& [i, t] : items(doc_, "tactics")) {
      const auto ks = strs(*t, "kpis");
      for (std::size_t j = 0; j < ks.size(); ++j)
        kpi(ks[j], at("tactics", i) + "." + at("kpis", j));
    }
    if (doc_.contains("situation"))
      for (const auto& [i, b] : items(doc_["situation"], "baselines"))
        kpi(str(*b, "kpi"), "situation." + at("baselines", i) + ".kpi");
    if (doc_.contains("control"))
      for (const auto& [i, x] : items(doc_["control"], "experiments"))
        kpi(str(*x, "kpi"), "control." + at("experiments", i) + ".kpi");
    for (const auto& [i, k] : items(doc_, "kpis")) {
      const std::string id = str(*k, "id");
      if (find_kpi(id))
        add("warning", "kpi.shadows-catalog", at("kpis", i) + ".id",
            "'" + id + "' is already a catalogue KPI; this definition replaces it");
      for (const char* part : {"numerator", "denominator"}) {
        const std::string expr = str(*k, part);
        if (expr.empty()) continue;
        try {
          parse_measure_expression(expr, at("kpis", i) + "." + part);
        } catch (const input_error& e) {
          add("error", "kpi.formula", e.argument(), e.message());
        }
      }
    }
  }

  // -- traceability -------------------------------------------------------------------
  void check_traceability() {
    std::set<std::string> served;
    for (const auto& [i, s] : items(doc_, "strategies")) {
      const auto serves = strs(*s, "serves");
      served.insert(serves.begin(), serves.end());
      if (serves.empty())
        add("warning", "trace.strategy-serves-nothing", at("strategies", i),
            "strategy '" + str(*s, "id") + "' serves no objective");
    }
    for (const auto& [i, o] : items(doc_, "objectives")) {
      const std::string id = str(*o, "id");
      if (!id.empty() && !served.count(id))
        add("warning", "trace.objective-without-strategy", at("objectives", i),
            "no strategy serves objective '" + id + "'");
    }
    for (const auto& [i, t] : items(doc_, "tactics"))
      if (str(*t, "strategy").empty())
        add("warning", "trace.tactic-without-strategy", at("tactics", i),
            "tactic '" + str(*t, "id") + "' serves no strategy");
    for (const auto& [i, a] : items(doc_, "actions"))
      if (str(*a, "tactic").empty())
        add("warning", "trace.action-without-tactic", at("actions", i),
            "action '" + str(*a, "id") + "' serves no tactic");
    for (const auto& [i, k] : items(doc_, "kpis")) {
      const std::string id = str(*k, "id");
      if (!id.empty() && !used_kpis_.count(id))
        add("warning", "trace.orphan-kpi", at("kpis", i),
            "KPI '" + id +
                "' is defined but no objective, tactic, baseline or "
                "experiment uses it");
    }
  }

  // -- schedule
  // -------------------------------------------------------------------------
  void check_dates(const char* list) {
    for (const auto& [i, x] : items(doc_, list)) {
      const std::string s = date(*x, "start"), e = date(*x, "end");
      if (!s.empty() && !e.empty() && e < s)
        add("error", "schedule.reversed", at(list, i) + ".end",
            std::string(list == std::string("tactics") ? "tactic" : "action") + " '" +
                str(*x, "id") + "' ends (" + e + ") before it starts (" + s + ")");
    }
  }

  /// Dependencies: order (a dependent should start after its dependency ends) and
  /// cycles, reported once each with the ids around the cycle.
  void check_dependencies(const char* list, const char* what) {
    std::map<std::string, const json*> by_id;
    for (const auto& [i, x] : items(doc_, list)) by_id.emplace(str(*x, "id"), x);
    for (const auto& [i, x] : items(doc_, list)) {
      const auto deps = strs(*x, "depends_on");
      const std::string start = date(*x, "start");
      for (std::size_t j = 0; j < deps.size(); ++j) {
        const auto it = by_id.find(deps[j]);
        if (it == by_id.end()) continue;
        const std::string dep_end = date(*it->second, "end");
        if (!start.empty() && !dep_end.empty() && start <= dep_end)
          add("warning", "schedule.dependency-order", at(list, i) + ".start",
              std::string(what) + " '" + str(*x, "id") + "' starts on " + start +
                  ", before '" + deps[j] + "', which it depends on, ends on " +
                  dep_end);
      }
    }
    // Cycles by depth-first search (colours: 0 new, 1 on the stack, 2 done).
    std::map<std::string, int> colour;
    std::vector<std::string> stack;
    std::set<std::string> reported;
    std::function<void(const std::string&)> visit = [&](const std::string& id) {
      colour[id] = 1;
      stack.push_back(id);
      for (const auto& d : strs(*by_id[id], "depends_on")) {
        if (!by_id.count(d)) continue;
        if (colour[d] == 1) {
          const auto from = std::find(stack.begin(), stack.end(), d);
          std::vector<std::string> cyc(from, stack.end());
          const auto lowest = std::min_element(cyc.begin(), cyc.end());
          std::rotate(cyc.begin(), lowest, cyc.end());
          std::string text;
          for (const auto& c : cyc) text += c + " -> ";
          text += cyc.front();
          if (reported.insert(text).second) {
            std::size_t index = 0;
            for (const auto& [i, x] : items(doc_, list))
              if (str(*x, "id") == cyc.front()) index = i;
            add("error", "schedule.cycle", at(list, index) + ".depends_on",
                std::string(what) +
                    "s depend on each other in a cycle (each on the next): " + text);
          }
        } else if (colour[d] == 0) {
          visit(d);
        }
      }
      stack.pop_back();
      colour[id] = 2;
    };
    for (const auto& [id, x] : by_id)
      if (!id.empty() && colour[id] == 0) visit(id);
  }

  void check_schedule() {
    const std::string& h_start = h_start_;
    const std::string& h_end = h_end_;
    if (!h_start.empty() && !h_end.empty() && h_end < h_start)
      add("error", "schedule.reversed", "plan.horizon.end",
          "the plan ends (" + h_end + ") before it starts (" + h_start + ")");
    check_dates("tactics");
    check_dates("actions");
    std::map<std::string, std::pair<std::string, std::string>> windows;
    for (const auto& [i, t] : items(doc_, "tactics")) {
      const std::string s = date(*t, "start"), e = date(*t, "end");
      windows[str(*t, "id")] = {s, e};
      if ((!h_start.empty() && !s.empty() && s < h_start) ||
          (!h_end.empty() && !e.empty() && e > h_end))
        add("warning", "schedule.outside-horizon", at("tactics", i),
            "tactic '" + str(*t, "id") + "' runs outside the plan horizon " + h_start +
                " to " + h_end);
    }
    for (const auto& [i, a] : items(doc_, "actions")) {
      const auto w = windows.find(str(*a, "tactic"));
      if (w == windows.end()) continue;
      const std::string s = date(*a, "start"), e = date(*a, "end");
      const auto& [ts, te] = w->second;
      if ((!ts.empty() && !s.empty() && s < ts) ||
          (!te.empty() && !e.empty() && e > te))
        add("warning", "schedule.outside-tactic", at("actions", i),
            "action '" + str(*a, "id") + "' (" + s + " to " + e +
                ") falls outside its tactic's window " + ts + " to " + te);
    }
    check_dependencies("tactics", "tactic");
    check_dependencies("actions", "action");
  }

  // -- budget
  // -----------------------------------------------------------------------------
  void check_budget() {
    double plan_budget = -1;
    if (doc_.contains("plan") && doc_["plan"].contains("resources"))
      num(doc_["plan"]["resources"], "budget", plan_budget);
    double total = 0;
    std::map<std::pair<std::string, std::string>, double> by_strategy_channel;
    std::map<std::string, double> tactic_budget;
    for (const auto& [i, t] : items(doc_, "tactics")) {
      double b = 0, least = 0;
      const bool has_budget = num(*t, "budget", b);
      if (num(*t, "min_budget", least) && has_budget && least > b * (1 + 1e-12))
        add("error", "budget.minimum-above-budget", at("tactics", i) + ".min_budget",
            "tactic '" + str(*t, "id") + "' must keep at least " + money(least) +
                " but its budget is " + money(b));
      if (!has_budget) continue;
      total += b;
      tactic_budget[str(*t, "id")] = b;
      by_strategy_channel[{str(*t, "strategy"), str(*t, "channel")}] += b;
    }
    if (plan_budget >= 0 && total > plan_budget * (1 + 1e-12))
      add("error", "budget.tactics-exceed-plan", "plan.resources.budget",
          "tactic budgets add up to " + money(total) + ", more than the plan budget " +
              money(plan_budget));
    for (const auto& [i, s] : items(doc_, "strategies")) {
      if (!s->contains("channel_mix") || !(*s)["channel_mix"].is_object()) continue;
      const json& mix = (*s)["channel_mix"];
      double shares = 0;
      for (auto it = mix.begin(); it != mix.end(); ++it) {
        if (!it.value().is_number()) continue;
        const double share = it.value().get<double>();
        shares += share;
        const double spent = by_strategy_channel[{str(*s, "id"), it.key()}];
        if (plan_budget >= 0 && spent > share * plan_budget * (1 + 1e-12))
          add("warning", "budget.tactics-exceed-share",
              at("strategies", i) + ".channel_mix." + it.key(),
              "tactics of strategy '" + str(*s, "id") + "' spend " + money(spent) +
                  " on " + it.key() + ", more than its share (" +
                  money(share * plan_budget) + ")");
      }
      if (shares > 1 + 1e-9)
        add("error", "budget.mix-over-100", at("strategies", i) + ".channel_mix",
            "the channel shares of strategy '" + str(*s, "id") + "' add up to " +
                money(100 * shares) + "%");
    }
    std::map<std::string, double> action_cost;
    for (const auto& [i, a] : items(doc_, "actions")) {
      double c = 0;
      if (num(*a, "cost", c)) action_cost[str(*a, "tactic")] += c;
    }
    for (const auto& [i, t] : items(doc_, "tactics")) {
      const std::string id = str(*t, "id");
      const auto b = tactic_budget.find(id);
      const auto c = action_cost.find(id);
      if (b != tactic_budget.end() && c != action_cost.end() &&
          c->second > b->second * (1 + 1e-12))
        add("error", "budget.actions-exceed-tactic", at("tactics", i) + ".budget",
            "the actions of tactic '" + id + "' cost " + money(c->second) +
                ", more than its budget " + money(b->second));
    }
  }

  // SMART: achievable.
  /// The unit of a KPI from the plan's kpis or the catalogue ("" if unknown).
  /// A proportion KPI (metrics::is_proportion) by the plan's definition, else the
  /// catalogue's; a definition whose formula does not parse is kpi.formula's finding.
  bool is_proportion_kpi(const std::string& id) const {
    try {
      for (const auto& [i, k] : items(doc_, "kpis"))
        if (str(*k, "id") == id) {
          double scale = 1;
          if (k->contains("scale") && !num(*k, "scale", scale)) return false;
          return metrics::is_proportion(str(*k, "unit"), str(*k, "numerator"),
                                        str(*k, "denominator"), scale, id);
        }
      if (const auto* k = find_kpi(id))
        return metrics::is_proportion(k->unit, k->numerator, k->denominator, k->scale, id);
    } catch (const input_error&) {
    }
    return false;
  }

  std::string kpi_unit(const std::string& id) const {
    for (const auto& [i, k] : items(doc_, "kpis"))
      if (str(*k, "id") == id) return str(*k, "unit");
    if (const auto* k = find_kpi(id)) return k->unit;
    return "";
  }

  /// Two checks: the required change against the baseline's history (more than three
  /// times its largest move between periods is ambitious), and, for a rate KPI with
  /// traffic_per_week, whether the traffic until the deadline can detect the change:
  /// power of the pooled two-proportion z test (alpha 0.05, two-sided) with half
  /// the traffic before and half after, against 80%.
  void check_achievable(const json& o, const std::string& p, const std::string& id,
                        bool has_baseline, double baseline, bool has_target,
                        double target, const std::string& plan_start) {
    const std::string kpi = str(o, "kpi");
    if (!has_baseline || !has_target || baseline == 0) return;
    const double required = std::fabs(target / baseline - 1);
    if (doc_.contains("situation"))
      for (const auto& [i, b] : items(doc_["situation"], "baselines")) {
        if (str(*b, "kpi") != kpi || !b->contains("history") ||
            !(*b)["history"].is_array())
          continue;
        std::vector<std::pair<std::string, double>> points;
        for (const auto& h : (*b)["history"]) {
          double v = 0;
          if (h.is_object() && !date(h, "date").empty() && num(h, "value", v))
            points.emplace_back(date(h, "date"), v);
        }
        double v = 0;
        if (!date(*b, "as_of").empty() && num(*b, "value", v))
          points.emplace_back(date(*b, "as_of"), v);
        std::sort(points.begin(), points.end());
        double largest = 0;
        for (std::size_t k = 1; k < points.size(); ++k)
          if (points[k - 1].second != 0)
            largest = std::max(largest,
                               std::fabs(points[k].second / points[k - 1].second - 1));
        if (points.size() >= 3 && largest > 0 && required > 3 * largest)
          add("warning", "smart.achievable", p + ".target",
              "objective '" + id + "' asks for a " + money(100 * required) +
                  "% change, more than three times the largest move in its history (" +
                  money(100 * largest) + "% between periods)");
      }
    double traffic = 0;
    const std::string deadline = date(o, "deadline");
    if (!num(o, "traffic_per_week", traffic) || traffic <= 0 ||
        kpi_unit(kpi) != "ratio" || deadline.empty() || plan_start.empty() ||
        !(baseline > 0 && baseline < 1) || !(target > 0 && target < 1) ||
        target == baseline)
      return;
    const double weeks =
        static_cast<double>(day_number(deadline) - day_number(plan_start)) / 7.0;
    if (weeks <= 0) return;
    const double per_group = traffic * weeks / 2;
    const double power = stats::power_proportions(baseline, target, per_group);
    if (power < 0.8) {
      const double needed =
          2 * stats::sample_size_proportions(baseline, target) / weeks;
      add("warning", "smart.achievable", p + ".traffic_per_week",
          "objective '" + id + "': " + money(traffic) + " per week until " + deadline +
              " detects a change from " + money(100 * baseline) + "% to " +
              money(100 * target) + "% with " + money(100 * power) +
              "% power; 80% needs about " + money(std::ceil(needed)) + " per week");
    }
  }

  // -- SMART
  // ------------------------------------------------------------------------------
  void check_smart() {
    std::set<std::string> baseline_kpis;
    if (doc_.contains("situation"))
      for (const auto& [i, b] : items(doc_["situation"], "baselines"))
        baseline_kpis.insert(str(*b, "kpi"));
    const std::string& h_start = h_start_;
    const std::string& h_end = h_end_;
    std::set<std::string> tactic_channels;
    for (const auto& [i, t] : items(doc_, "tactics"))
      if (const std::string ch = str(*t, "channel"); !ch.empty()) tactic_channels.insert(ch);
    for (const auto& [i, o] : items(doc_, "objectives")) {
      const std::string p = at("objectives", i), id = str(*o, "id");
      const bool scoped = o->contains("scope") && (*o)["scope"].is_object() &&
                          (!str((*o)["scope"], "channel").empty() ||
                           !str((*o)["scope"], "segment").empty());
      if (!scoped)
        add("warning", "smart.specific", p + ".scope",
            "objective '" + id + "' names no channel or segment: say where it applies");
      double baseline = 0, target = 0;
      const bool has_baseline = num(*o, "baseline", baseline);
      const bool has_target = num(*o, "target", target);
      if (!has_baseline && !baseline_kpis.count(str(*o, "kpi")))
        add("warning", "smart.measurable", p + ".baseline",
            "objective '" + id +
                "' has no baseline (here or in situation.baselines): "
                "the change it asks for cannot be measured");
      if (is_proportion_kpi(str(*o, "kpi")))
        for (const auto& [has, value, field] :
             {std::tuple{has_target, target, "target"},
              std::tuple{has_baseline, baseline, "baseline"}})
          if (has && !(value >= 0 && value <= 1))
            add("error", "smart.proportion-range", p + "." + field,
                "objective '" + id + "': " + field + " " + money(value) + " for '" +
                    str(*o, "kpi") +
                    "', a proportion between 0 and 1 (write 1.5% as 0.015)");
      if (o->contains("scope") && (*o)["scope"].is_object()) {
        const std::string ch = str((*o)["scope"], "channel");
        if (!ch.empty() && !tactic_channels.count(ch))
          add("warning", "trace.scope-channel-unused", p + ".scope.channel",
              "objective '" + id + "' is scoped to channel '" + ch +
                  "', which no tactic uses" + suggest(ch, tactic_channels));
      }
      std::string dir = str(*o, "direction");
      if (dir != "increase" && dir != "decrease") dir.clear();  // schema.enum names it
      if (has_baseline && has_target && !dir.empty() &&
          ((dir == "increase" && target <= baseline) ||
           (dir == "decrease" && target >= baseline)))
        add("error", "smart.direction", p + ".target",
            "objective '" + id + "' should " + dir + " from " + money(baseline) +
                " but its target is " + money(target));
      if (const auto* k = find_kpi(str(*o, "kpi"));
          k && !dir.empty() &&
          ((dir == "increase") != (k->better == direction::higher)))
        add("warning", "smart.direction", p + ".direction",
            "objective '" + id + "' aims to " + dir + " " + k->name + ", for which " +
                (k->better == direction::higher ? "higher" : "lower") + " is better");
      if (str(*o, "five_s").empty() || str(*o, "race").empty())
        add("warning", "smart.relevant", p,
            "objective '" + id + "' is not tagged with one of the 5S and a RACE stage");
      check_achievable(*o, p, id, has_baseline, baseline, has_target, target, h_start);
      const std::string deadline = date(*o, "deadline");
      if (deadline.empty())
        add("warning", "smart.time-bound", p + ".deadline",
            "objective '" + id + "' has no deadline");
      else if ((!h_start.empty() && deadline < h_start) ||
               (!h_end.empty() && deadline > h_end))
        add("error", "smart.time-bound", p + ".deadline",
            "objective '" + id + "' is due " + deadline +
                ", outside the plan horizon " + h_start + " to " + h_end);
    }
  }

  const json& doc_;
  std::string h_start_, h_end_;  ///< the plan horizon's valid dates, or ""
  std::vector<finding> out_;
  std::set<std::string> objectives_, strategies_, tactics_, actions_, plan_kpis_,
      all_kpis_, used_kpis_;
};

}  // namespace sostac::plan::detail

namespace sostac::plan {

SOSTAC_INLINE std::vector<finding> validate_document(const json& document) {
  std::vector<finding> out = check_schema(document);
  for (auto& f : detail::plan_checker(document).run()) out.push_back(std::move(f));
  for (auto& f : check_loading(document)) out.push_back(std::move(f));
  return out;
}

}  // namespace sostac::plan
