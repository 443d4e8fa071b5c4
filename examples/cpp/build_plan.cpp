// Builds a small SOSTAC plan in code with the typed model, validates it, moves it
// through the lifecycle and opens the next revision from Control results.
// Usage: build_plan [out.json]
#include <sostac/sostac.hpp>

#include <cstdio>

int main(int argc, char** argv) {
  namespace pl = sostac::plan;
  try {
    pl::marketing_plan plan("q1-search", "Q1 paid search");
    plan.set_currency("EUR").set_horizon("2027-01-01", "2027-06-30");
    plan.set_resources(40, 30000).set_economics(2400, 0.35);
    plan.add_swot("opportunities", "Competitors bid on few long-tail terms");

    pl::baseline ctr{"ctr", 0.01, "2026-12-31", "Google Ads, Q4 2026", {}};
    pl::objective o;
    o.id = "o-ctr";
    o.kpi = "ctr";
    o.baseline = 0.01;
    o.target = 0.012;
    o.direction = "increase";
    o.deadline = "2027-06-30";
    o.scope.channel = "paid_search";
    o.five_s = "speak";
    o.race = "reach";
    pl::strategy s;
    s.id = "s-search";
    s.serves = {"o-ctr"};
    s.channel_mix = {{"paid_search", 1.0}};
    pl::tactic t;
    t.id = "t-launch";
    t.channel = "paid_search";
    t.strategy = "s-search";
    t.start = "2027-01-04";
    t.end = "2027-06-30";
    t.budget = 24000;
    t.kpis = {"ctr"};
    pl::action a;
    a.id = "a-ads";
    a.tactic = "t-launch";
    a.title = "Write responsive search ads";
    a.start = "2027-01-04";
    a.end = "2027-01-15";
    a.effort_hours = 30;
    a.cost = 1500;
    plan.add(ctr).add(o).add(s).add(t).add(a);

    std::printf("%zu findings\n", plan.validate().size());
    plan.advance("control");
    std::printf("stage: %s\n", plan.stage().c_str());
    const auto next = plan.review({{"ctr", 0.0125}}, "2027-06-30");
    std::printf("revision %lld at stage %s; changes:\n", next.revision(),
                next.stage().c_str());
    for (const auto& c : plan.diff(next))
      std::printf("  %s: %s -> %s\n", c.path.c_str(), c.before.dump().c_str(),
                  c.after.dump().c_str());
    if (argc > 1) next.save(argv[1]);
  } catch (const sostac::input_error& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
  return 0;
}
