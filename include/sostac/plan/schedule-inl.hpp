#pragma once
/// Definitions for <sostac/plan/schedule.hpp>: compiled into the sostac library
/// (src/), or included by the header when SOSTAC_HEADER_ONLY is defined.

#include <sostac/plan/schedule.hpp>

namespace sostac::plan::detail {

SOSTAC_INLINE std::vector<activity> activities_of(const json& doc, const char* list,
                                                  const char* parent_key) {
  std::vector<activity> out;
  for (const auto& [i, x] : items(doc, list)) {
    activity a;
    a.index = i;
    a.id = str(*x, "id");
    a.parent = parent_key ? str(*x, parent_key) : "";
    a.start = date(*x, "start");
    a.end = date(*x, "end");
    const std::string p = at(list, i);
    if (a.id.empty()) throw input_error(p + ".id", "every scheduled item needs an id");
    if (a.start.empty() || a.end.empty())
      throw input_error(p, "'" + a.id +
                               "' needs start and end dates (YYYY-MM-DD) to be "
                               "scheduled");
    a.s = day_number(a.start);
    a.e = day_number(a.end);
    if (a.e < a.s)
      throw input_error(p + ".end", "'" + a.id + "' ends before it starts");
    a.deps = strs(*x, "depends_on");
    out.push_back(std::move(a));
  }
  return out;
}

SOSTAC_INLINE void backward_pass(std::vector<activity>& acts, const char* list,
                                 const std::map<std::string, std::int64_t>& horizon_of) {
  std::map<std::string, std::size_t> pos;
  for (std::size_t k = 0; k < acts.size(); ++k) pos[acts[k].id] = k;
  std::vector<std::vector<std::size_t>> successors(acts.size());
  std::vector<std::size_t> pending(acts.size(), 0);  // successors not yet processed
  for (std::size_t k = 0; k < acts.size(); ++k)
    for (const auto& d : acts[k].deps)
      if (const auto it = pos.find(d); it != pos.end()) {
        successors[it->second].push_back(k);
        ++pending[it->second];
      }
  std::vector<std::size_t> ready;
  for (std::size_t k = 0; k < acts.size(); ++k)
    if (pending[k] == 0) ready.push_back(k);
  std::size_t done = 0;
  while (!ready.empty()) {
    const std::size_t k = ready.back();
    ready.pop_back();
    ++done;
    activity& a = acts[k];
    std::int64_t lf = horizon_of.at(a.parent);
    for (const std::size_t j : successors[k]) {
      const activity& b = acts[j];
      const std::int64_t late_start = b.late_finish - (b.e - b.s);
      lf = std::min(lf, late_start - 1);
    }
    a.late_finish = lf;
    for (const auto& d : a.deps)
      if (const auto it = pos.find(d); it != pos.end() && --pending[it->second] == 0)
        ready.push_back(it->second);
  }
  if (done != acts.size())
    throw input_error(list,
                      "the dependencies form a cycle (validate() names it); a "
                      "cyclic plan cannot be scheduled");
}

}  // namespace sostac::plan::detail

namespace sostac::plan {

SOSTAC_INLINE plan_schedule schedule_plan(const json& doc) {
  using namespace detail;
  if (!doc.is_object())
    throw input_error("document", "expected a plan document (object)");
  auto tactics = activities_of(doc, "tactics", nullptr);
  auto actions = activities_of(doc, "actions", "tactic");
  plan_schedule out;
  if (tactics.empty() && actions.empty()) return out;

  std::int64_t project_end = 0;
  for (const auto& t : tactics) project_end = std::max(project_end, t.e);
  backward_pass(tactics, "tactics", {{"", project_end}});

  std::map<std::string, std::int64_t> tactic_end{{"", 0}};
  std::int64_t last_action = 0;
  for (const auto& a : actions) last_action = std::max(last_action, a.e);
  tactic_end[""] = tactics.empty() ? last_action : std::max(project_end, last_action);
  for (const auto& t : tactics) tactic_end[t.id] = t.e;
  for (auto& a : actions)
    if (!tactic_end.count(a.parent)) a.parent = "";  // unknown tactic: plan-level bound
  backward_pass(actions, "actions", tactic_end);

  auto emit = [&](const std::vector<activity>& acts, const char* kind) {
    for (const auto& a : acts) {
      const std::int64_t slack = a.late_finish - a.e;
      out.activities.push_back({a.id, kind, a.start, a.end, slack, slack == 0});
    }
  };
  emit(tactics, "tactic");
  emit(actions, "action");

  // Critical path: from the last-ending tactic back through zero-slack predecessors
  // (the latest-ending one, then the lowest id, when several qualify).
  std::map<std::string, const activity*> by_id;
  for (const auto& t : tactics) by_id[t.id] = &t;
  const activity* cur = nullptr;
  for (const auto& t : tactics)
    if (t.e == project_end && (!cur || t.id < cur->id)) cur = &t;
  while (cur) {
    out.critical_path.push_back(cur->id);
    const activity* next = nullptr;
    for (const auto& d : cur->deps) {
      const auto it = by_id.find(d);
      if (it == by_id.end() || it->second->late_finish != it->second->e) continue;
      const activity* c = it->second;
      if (!next || c->e > next->e || (c->e == next->e && c->id < next->id)) next = c;
    }
    cur = next;
  }
  std::reverse(out.critical_path.begin(), out.critical_path.end());

  // Critical chains: depth-first over the tight edges between zero-slack tactics.
  std::map<std::string, std::vector<std::string>> next_of;  // sorted successors
  std::map<std::string, bool> has_prev;
  for (const auto& t : tactics) {
    if (t.late_finish != t.e) continue;
    has_prev.emplace(t.id, false);
    for (const auto& d : t.deps) {
      const auto it = by_id.find(d);
      if (it == by_id.end()) continue;
      const activity& p = *it->second;
      if (p.late_finish == p.e && p.e == t.s - 1) {
        next_of[p.id].push_back(t.id);
        has_prev[t.id] = true;
      }
    }
  }
  for (auto& [id, next] : next_of) std::sort(next.begin(), next.end());
  constexpr std::size_t max_chains = 10000;
  std::vector<std::string> chain;
  std::function<void(const std::string&)> walk = [&](const std::string& id) {
    chain.push_back(id);
    const auto it = next_of.find(id);
    if (it == next_of.end() || it->second.empty()) {
      if (out.critical_chains.size() == max_chains)
        throw input_error("tactics", "more than " + std::to_string(max_chains) +
                                         " critical chains; the dependencies are too "
                                         "interwoven to list them");
      out.critical_chains.push_back(chain);
    } else {
      for (const auto& n : it->second) walk(n);
    }
    chain.pop_back();
  };
  for (const auto& [id, prev] : has_prev)
    if (!prev) walk(id);
  return out;
}

}  // namespace sostac::plan
