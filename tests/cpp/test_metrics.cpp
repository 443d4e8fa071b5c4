// The metrics kernels on small hand-checked inputs: calendar periods, the KPI
// roll-up with its intervals, the windowFunnel scan, cohorts, and merge == one pass.
#include <sostac/metrics.hpp>
#include <sostac/plan/detail/tree.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <utility>
#include <vector>

namespace mx = sostac::metrics;

namespace {

mx::integer_column ints(const std::vector<std::int64_t>& v, const char* name) {
  return {v.data(), mx::integer_column::type::i64, v.size(), name};
}
mx::numeric_column nums(const std::vector<double>& v, const char* name) {
  return {v.data(), mx::numeric_column::type::f64, v.size(), name};
}
std::int64_t day(const char* iso) {
  return sostac::plan::detail::day_number(iso);
}

}  // namespace

TEST_CASE("periods: ISO weeks start on Monday, months and quarters on the 1st") {
  const auto wed = day("2027-01-06");
  CHECK(mx::period_start(mx::period_index(wed, mx::period::week), mx::period::week) ==
        day("2027-01-04"));
  CHECK(mx::period_start(mx::period_index(day("2027-01-04"), mx::period::week),
                         mx::period::week) == day("2027-01-04"));
  CHECK(mx::period_start(mx::period_index(day("2027-01-03"), mx::period::week),
                         mx::period::week) == day("2026-12-28"));
  CHECK(mx::period_start(mx::period_index(day("2027-05-17"), mx::period::quarter),
                         mx::period::quarter) == day("2027-04-01"));
  CHECK(mx::period_start(mx::period_index(day("1969-12-31"), mx::period::month),
                         mx::period::month) == day("1969-12-01"));
  CHECK(mx::period_index(day("2027-03-01"), mx::period::month) -
            mx::period_index(day("2026-12-15"), mx::period::month) ==
        3);
  // a fixed UTC offset moves 23:30 UTC into the next day
  const std::int64_t s = day("2027-01-03") * 86400 + 23 * 3600 + 1800;
  CHECK(mx::day_of(s, 86400) == day("2027-01-03"));
  CHECK(mx::day_of(s, 86400, 3600) == day("2027-01-04"));
  // at the ends of the int64 range: no overflow from adding the offset first
  const auto top = std::numeric_limits<std::int64_t>::max();
  const auto bottom = std::numeric_limits<std::int64_t>::min();
  CHECK(mx::day_of(top, 86400, 3600) == 106751991167300);
  CHECK(mx::day_of(bottom, 86400, -3600) == -106751991167301);
  CHECK(mx::day_of(top, 86'400'000'000'000, 5 * 3'600'000'000'000) == 106752);
  // day numbers as times (one tick a day): the offset can push them out of int64
  CHECK(mx::day_of(top, 1) == top);
  CHECK(mx::day_of(bottom, 1) == bottom);
  CHECK_THROWS_WITH(mx::day_of(top, 1, 1),
                    Catch::StartsWith("time: time 9223372036854775807 plus offset 1"));
  CHECK_THROWS_AS(mx::day_of(bottom, 1, -1), sostac::input_error);
  // beyond the calendar range period arithmetic is refused, not wrapped
  const std::int64_t edge = mx::detail::max_calendar_day;
  CHECK(mx::period_start(mx::period_index(edge, mx::period::week), mx::period::week) <= edge);
  CHECK(mx::period_start(mx::period_index(-edge, mx::period::month), mx::period::month) <= -edge);
  for (auto p : {mx::period::day, mx::period::week, mx::period::month, mx::period::quarter}) {
    CHECK_THROWS_WITH(mx::period_index(edge + 1, p),
                      Catch::StartsWith("day: day number 36028797018963969"));
    CHECK_THROWS_WITH(mx::period_index(bottom, p), Catch::StartsWith("day: "));
    CHECK_THROWS_WITH(mx::period_start(top, p), Catch::StartsWith("period index: "));
  }
  CHECK_THROWS_WITH(
      mx::parse_period("fortnight", "period"),
      "period: expected 'day', 'week', 'month' or 'quarter', got 'fortnight'");
}

TEST_CASE("roll-up: Wilson for rates, Garwood for cost per count, delta for ROAS") {
  std::vector<mx::kpi_formula> kpis;
  for (const char* id : {"ctr", "cpa", "roas", "impressions", "revenue"})
    kpis.push_back(mx::formula_of(*mx::find_kpi(id)));
  mx::kpi_rollup acc(kpis, mx::period::week, 1);
  REQUIRE(acc.measures() == std::vector<std::string>{"clicks", "impressions", "cost",
                                                     "orders", "revenue"});
  const std::vector<std::int64_t> group{0, 0, 0},
      t{day("2027-01-04"), day("2027-01-05"), day("2027-01-06")};
  const std::vector<double> clicks{30, 50, 20}, impressions{1000, 1500, 500},
      cost{60, 90, 50}, orders{2, 3, 1}, revenue{300, 350, 150};
  acc.add(ints(group, "channel"), ints(t, "date"),
          {nums(clicks, "clicks"), nums(impressions, "impressions"), nums(cost, "cost"),
           nums(orders, "orders"), nums(revenue, "revenue")});
  const auto rows = acc.finish(0.95);
  REQUIRE(rows.size() == 5);
  CHECK(rows[0].period_start == day("2027-01-04"));
  // R: prop.test(100, 3000, correct = FALSE)$conf.int
  CHECK(rows[0].value == Approx(100.0 / 3000));
  CHECK(rows[0].low == Approx(0.0274831523331).epsilon(1e-11));
  CHECK(rows[0].high == Approx(0.0403771064772).epsilon(1e-11));
  // CPA = 200 / 6; R: 200 / (qchisq(c(0.975, 0.025), c(14, 12)) / 2)
  CHECK(rows[1].interval == mx::interval_kind::poisson_gamma);
  CHECK(rows[1].low == Approx(15.3145524586).epsilon(1e-11));
  CHECK(rows[1].high == Approx(90.8308833101).epsilon(1e-11));
  // ROAS: ratio estimator over the three rows, checked by hand
  const double R = 800.0 / 200.0;
  double ss = 0;
  for (int i = 0; i < 3; ++i) ss += std::pow(revenue[i] - R * cost[i], 2);
  const double half = 1.959963984540054 * std::sqrt(ss / 6) / (200.0 / 3);
  CHECK(rows[2].value == Approx(R));
  CHECK(rows[2].low == Approx(R - half).epsilon(1e-12));
  CHECK(rows[3].interval == mx::interval_kind::poisson);
  CHECK(rows[4].interval == mx::interval_kind::normal);
  CHECK(rows[4].rows == 3);

  // bad values name the column and the row; the state is unchanged
  const std::vector<double> negative{1, -2, 3};
  CHECK_THROWS_WITH(acc.add(ints(group, "channel"), ints(t, "date"),
                            {nums(clicks, "clicks"), nums(impressions, "impressions"),
                             nums(negative, "cost"), nums(orders, "orders"),
                             nums(revenue, "revenue")}),
                    "cost[1]: expected a non-negative number, got -2");
  CHECK(acc.finish(0.95)[0].value == rows[0].value);
  // clicks above impressions: the row carries the problem
  mx::kpi_rollup ctr({mx::formula_of(*mx::find_kpi("ctr"))}, mx::period::day, 1);
  const std::vector<double> few{10, 10, 10};
  ctr.add(ints(group, "channel"), ints(t, "date"),
          {nums(clicks, "clicks"), nums(few, "impressions")});
  CHECK(ctr.finish()[0].problem == "clicks (30) exceed impressions (10)");
}

TEST_CASE("roll-up: merging chunk states equals one pass") {
  std::vector<mx::kpi_formula> kpis;
  for (const char* id : {"ctr", "roas", "roi", "aov"})
    kpis.push_back(mx::formula_of(*mx::find_kpi(id)));
  std::vector<std::int64_t> group, t;
  std::vector<double> clicks, impressions, revenue, cost, orders;
  for (int i = 0; i < 500; ++i) {
    group.push_back(i % 3);
    t.push_back(day("2027-01-01") + i % 40);
    impressions.push_back(1000 + 37 * (i % 11));
    clicks.push_back(10 + i % 7);
    revenue.push_back(100 + 13.5 * (i % 17));
    cost.push_back(30 + 2.25 * (i % 5));
    orders.push_back(1 + i % 4);
  }
  auto add = [&](mx::kpi_rollup& acc, std::size_t b, std::size_t e) {
    auto sub_i = [&](const std::vector<std::int64_t>& v, const char* name) {
      return mx::integer_column{v.data() + b, mx::integer_column::type::i64, e - b,
                                name};
    };
    auto sub_n = [&](const std::vector<double>& v, const char* name) {
      return mx::numeric_column{v.data() + b, mx::numeric_column::type::f64, e - b,
                                name};
    };
    acc.add(sub_i(group, "g"), sub_i(t, "t"),
            {sub_n(clicks, "clicks"), sub_n(impressions, "impressions"),
             sub_n(revenue, "revenue"), sub_n(cost, "cost"), sub_n(orders, "orders")});
  };
  mx::kpi_rollup whole(kpis, mx::period::week, 1), a(kpis, mx::period::week, 1),
      b(kpis, mx::period::week, 1);
  add(whole, 0, 500);
  add(a, 0, 173);
  add(b, 173, 500);
  a.merge(b);
  const auto x = whole.finish(), y = a.finish();
  REQUIRE(x.size() == y.size());
  for (std::size_t i = 0; i < x.size(); ++i) {
    CHECK(x[i].group == y[i].group);
    CHECK(x[i].numerator == y[i].numerator);
    CHECK(x[i].low == Approx(y[i].low).epsilon(1e-12));
    CHECK(x[i].high == Approx(y[i].high).epsilon(1e-12));
  }
}

TEST_CASE("roll-up: 2.3M rows of mixed types equal a naive two-pass computation") {
  // several 1M-row parts and 4096-row sub-blocks, integer columns of three widths, a
  // float column, both the grid and the hash path; against a plain per-group loop
  // (sums, then residuals about the final ratio, in long double)
  const std::size_t n = 2'300'000;
  std::vector<std::int64_t> t(n), impressions(n);
  std::vector<std::int32_t> clicks(n);
  std::vector<std::uint8_t> orders(n);
  std::vector<std::int16_t> group(n);
  std::vector<double> revenue(n);
  std::vector<float> cost(n);
  std::uint64_t state = 12345;
  auto next = [&] {  // splitmix64
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  };
  const std::int64_t ns_day = 86'400'000'000'000;
  for (std::size_t i = 0; i < n; ++i) {
    t[i] = (day("2027-01-01") + static_cast<std::int64_t>(next() % 200)) * ns_day +
           static_cast<std::int64_t>(next() % ns_day);
    group[i] = static_cast<std::int16_t>(next() % 40);
    impressions[i] = 100 + static_cast<std::int64_t>(next() % 5000);
    clicks[i] = static_cast<std::int32_t>(next() % 90);
    orders[i] = static_cast<std::uint8_t>(next() % 4);
    cost[i] = static_cast<float>(next() % 10000) / 64.0f;
    revenue[i] = 3.0 * cost[i] + static_cast<double>(next() % 1000) / 10.0;
  }
  std::vector<mx::kpi_formula> kpis;
  for (const char* id : {"ctr", "cpa", "roas", "revenue"})
    kpis.push_back(mx::formula_of(*mx::find_kpi(id)));
  const mx::integer_column tc{t.data(), mx::integer_column::type::i64, n, "t"};
  const mx::integer_column gc{group.data(), mx::integer_column::type::i16, n, "g"};
  const std::vector<mx::numeric_column> cols{
      {clicks.data(), mx::numeric_column::type::i32, n, "clicks"},
      {impressions.data(), mx::numeric_column::type::i64, n, "impressions"},
      {cost.data(), mx::numeric_column::type::f32, n, "cost"},
      {orders.data(), mx::numeric_column::type::u8, n, "orders"},
      {revenue.data(), mx::numeric_column::type::f64, n, "revenue"}};
  for (const auto p : {mx::period::week, mx::period::day}) {  // 40x29 grid, 40x200 hash
    // the naive answer, with a UTC offset of +5h
    const std::int64_t offset = 5 * 3'600'000'000'000;
    struct acc {
      long double n = 0, clicks = 0, impressions = 0, cost = 0, orders = 0, revenue = 0,
                  d_roas = 0, d_rev = 0;
    };
    std::map<std::pair<std::int64_t, std::int64_t>, acc> want;
    std::vector<std::pair<std::int64_t, std::int64_t>> key(n);
    for (std::size_t i = 0; i < n; ++i) {
      key[i] = {mx::period_index(mx::day_of(t[i], ns_day, offset), p), group[i]};
      auto& a = want[key[i]];
      a.n += 1, a.clicks += clicks[i], a.impressions += impressions[i],
          a.cost += cost[i], a.orders += orders[i], a.revenue += revenue[i];
    }
    for (std::size_t i = 0; i < n; ++i) {
      auto& a = want[key[i]];
      const long double r = a.revenue / a.cost, e = revenue[i] - r * cost[i];
      const long double m = revenue[i] - a.revenue / a.n;
      a.d_roas += e * e;
      a.d_rev += m * m;
    }
    for (const int threads : {1, 2}) {
      sostac::set_num_threads(threads);
      mx::kpi_rollup roll(kpis, p, ns_day, offset);
      roll.add(gc, tc, cols);
      const auto rows = roll.finish(0.9);
      REQUIRE(rows.size() == want.size() * 4);
      const double z = 1.6448536269514722;
      std::size_t i = 0;
      for (const auto& [k, a] : want) {
        const auto* r = &rows[i];
        i += 4;
        REQUIRE(r[0].group == k.second);
        REQUIRE(r[0].period_start == mx::period_start(k.first, p));
        CHECK(r[0].rows == static_cast<std::int64_t>(a.n));
        CHECK(r[0].numerator == static_cast<double>(a.clicks));  // exact integer sums
        CHECK(r[0].denominator == static_cast<double>(a.impressions));
        CHECK(r[1].numerator == Approx(static_cast<double>(a.cost)).epsilon(1e-12));
        const double roas = static_cast<double>(a.revenue / a.cost);
        const double half =
            z * std::sqrt(static_cast<double>(a.d_roas / (a.n * (a.n - 1)))) /
            static_cast<double>(a.cost / a.n);
        CHECK(r[2].value == Approx(roas).epsilon(1e-12));
        CHECK(r[2].high - r[2].value == Approx(half).epsilon(1e-9));
        const double rev_half =
            z * std::sqrt(static_cast<double>(a.n * a.d_rev / (a.n - 1)));
        CHECK(r[3].high - r[3].value == Approx(rev_half).epsilon(1e-9));
      }
    }
    sostac::set_num_threads(0);
  }
}

TEST_CASE("roll-up: Garwood bounds of huge counts (Wilson-Hilferty above 1e10)") {
  // R: c(qgamma(0.025, c), qgamma(0.975, c + 1)) for c = 2^50, 3e10 and 12345
  const std::vector<std::int64_t> g{0, 1, 2}, t{0, 0, 0},
      count{std::int64_t{1} << 50, 30'000'000'000, 12345};
  mx::kpi_rollup acc({mx::formula_of(*mx::find_kpi("impressions"))}, mx::period::day,
                     1);
  acc.add(ints(g, "g"), ints(t, "t"),
          {{count.data(), mx::numeric_column::type::i64, 3, "impressions"}});
  const auto rows = acc.finish(0.95);
  REQUIRE(rows.size() == 3);
  CHECK(rows[0].low == Approx(1125899841077146.8).epsilon(1e-15));
  CHECK(rows[0].high == Approx(1125899972608104.2).epsilon(1e-15));
  CHECK(rows[1].low == Approx(29999660525.226933).epsilon(1e-15));
  CHECK(rows[1].high == Approx(30000339477.667381).epsilon(1e-15));
  CHECK(rows[2].low == Approx(12128.180907899079).epsilon(1e-13));
  CHECK(rows[2].high == Approx(12564.722206913333).epsilon(1e-13));
}

TEST_CASE("funnel: user ids with a base, event codes through step_of, no details") {
  // the same log as ids 100.. and event codes 0..3 (code 1 is no step)
  const std::vector<std::int64_t> user{100, 100, 100, 101, 101, 100},
      time{0, 5, 9, 0, 11, 7}, code{0, 2, 3, 0, 2, 1};
  mx::event_columns c{ints(user, "user"), ints(time, "time"), ints(code, "event")};
  c.user_base = 100;
  c.step_of = {0, -1, 1, 2};
  const auto r = mx::funnel_users({c}, 2, 3, 10, mx::funnel_options{false, false});
  CHECK(r.level == std::vector<std::int8_t>{3, 1});
  CHECK(r.order == std::vector<std::uint32_t>{0, 1});
  CHECK(r.step_events == std::vector<std::int64_t>{2, 2, 1});
  CHECK(r.gap.empty());
  CHECK_THROWS_WITH(mx::funnel_table(r, false, false, false, mx::period::day, 1, 0),
                    "result: has no chain details: run the funnel with details");
  c.step_of = {0, -1, 1, 5};
  CHECK_THROWS_WITH(mx::funnel_users({c}, 2, 3, 10, false),
                    "step_of[3]: expected a step in [-1, 3), got 5");
  c.step_of = {0, -1, 1};
  CHECK_THROWS_WITH(mx::funnel_users({c}, 2, 3, 10, false),
                    "event[2]: expected a step in [-1, 3), got 3");
  c.step_of = {0, -1, 1, 2};
  c.user_base = 101;
  CHECK_THROWS_WITH(mx::funnel_users({c}, 2, 3, 10, false),
                    "user[0]: expected a user id in [101, 103), got 100");
}

TEST_CASE("funnel: windowFunnel levels, strict mode and chain times") {
  // user 0: A B C within the window -> 3; user 1: A .. B too late -> 1;
  // user 2: A C B (strict stops at C) -> 2 in window mode, 1 in strict mode;
  // user 3: B only -> 0; user 4: A, A later, then B C fit the second start -> 3
  const std::vector<std::int64_t> user{0, 0, 0, 1, 1, 2, 2, 2, 3, 4, 4, 4, 4},
      time{0, 5, 9, 0, 11, 0, 1, 2, 0, 0, 20, 25, 29},
      step{0, 1, 2, 0, 1, 0, 2, 1, 1, 0, 0, 1, 2};
  mx::event_columns c{ints(user, "user"), ints(time, "time"), ints(step, "step"), {}};
  const auto w = mx::funnel_users({c}, 5, 3, 10, false);
  CHECK(w.level == std::vector<std::int8_t>{3, 1, 2, 0, 3});
  CHECK(w.gap[0] == 5);  // user 0: A->B
  CHECK(w.gap[1] == 4);  // user 0: B->C
  CHECK(w.gap[8] == 5);  // user 4: the chain from the second A
  CHECK(w.gap[9] == 4);
  const auto s = mx::funnel_users({c}, 5, 3, 10, true);
  CHECK(s.level == std::vector<std::int8_t>{3, 1, 1, 0, 3});
  // ties at one time are taken in step order
  const std::vector<std::int64_t> tu{0, 0}, tt{7, 7}, ts{1, 0};
  CHECK(mx::funnel_users({{ints(tu, "user"), ints(tt, "time"), ints(ts, "step"), {}}},
                         1, 2, 0, true)
            .level[0] == 2);
  const std::vector<std::int64_t> bad{0, 9};
  CHECK_THROWS_WITH(
      mx::funnel_users({{ints(bad, "user_id"), ints(tt, "time"), ints(ts, "step"), {}}},
                       2, 2, 0, false),
      "user_id[1]: expected a user code in [0, 2), got 9");

  // the table: users per step and median gaps
  const auto rows = mx::funnel_table(w, false, false, false, mx::period::day, 1, 0);
  REQUIRE(rows.size() == 3);
  CHECK(rows[0].users == 4);
  CHECK(rows[1].users == 3);
  CHECK(rows[2].users == 2);
  CHECK(std::isnan(rows[0].median_gap));
  CHECK(rows[2].median_gap == 4);

  // the accumulator over two chunks equals one pass
  mx::funnel_events acc(3, 10, false), second(3, 10, false);
  const std::vector<std::int64_t> u1(user.begin(), user.begin() + 6),
      t1(time.begin(), time.begin() + 6), s1(step.begin(), step.begin() + 6),
      u2(user.begin() + 6, user.end()), t2(time.begin() + 6, time.end()),
      s2(step.begin() + 6, step.end());
  acc.add({ints(u1, "u"), ints(t1, "t"), ints(s1, "s"), {}});
  second.add({ints(u2, "u"), ints(t2, "t"), ints(s2, "s"), {}});
  acc.merge(second);
  CHECK(acc.finish(5).level == w.level);
}

TEST_CASE("cohorts: first-period cohorts, ages, merge") {
  const std::vector<std::int64_t> user{0, 0, 1, 2, 2},
      t{day("2027-01-05"), day("2027-02-10"), day("2027-01-20"), day("2027-02-02"),
        day("2027-03-01")};
  const std::vector<double> value{10, 20, 5, 7, 1};
  mx::cohort_accumulator a(mx::period::month, 1), b(mx::period::month, 1);
  const auto v = nums(value, "revenue");
  a.add(ints(user, "user"), ints(t, "date"), &v);
  std::int64_t last = 0;
  const auto cells = a.finish(&last);
  CHECK(last == mx::period_index(day("2027-03-01"), mx::period::month));
  REQUIRE(cells.size() == 4);  // (jan,0): 2 users; (jan,1): 1; (feb,0): 1; (feb,1): 1
  CHECK(cells[0].users == 2);
  CHECK(cells[0].value == 15);
  CHECK(cells[1].age == 1);
  CHECK(cells[1].users == 1);
  CHECK(cells[3].value == 1);
  // the same events in two accumulators, user codes remapped
  const std::vector<std::int64_t> u2{0, 0}, t2{day("2027-02-02"), day("2027-03-01")};
  const std::vector<double> v2{7, 1};
  const auto vv = nums(v2, "revenue");
  b.add(ints(u2, "user"), ints(t2, "date"), &vv);
  mx::cohort_accumulator c(mx::period::month, 1);
  const std::vector<std::int64_t> u3{0, 0, 1},
      t3{day("2027-01-05"), day("2027-02-10"), day("2027-01-20")};
  const std::vector<double> v3{10, 20, 5};
  const auto v3c = nums(v3, "revenue");
  c.add(ints(u3, "user"), ints(t3, "date"), &v3c);
  c.merge(b, {2});
  const auto merged = c.finish();
  REQUIRE(merged.size() == cells.size());
  for (std::size_t i = 0; i < cells.size(); ++i) {
    CHECK(merged[i].users == cells[i].users);
    CHECK(merged[i].value == cells[i].value);
  }
}

namespace {

/// A plain windowFunnel per user: its events stably sorted by (time, step), scanned
/// once; first/last touch = the code of the earliest/latest event (ties: first/last
/// row). Independent of the kernel's pieces, blocks and lazy sort.
struct naive_funnel {
  std::vector<std::int8_t> level;
  std::vector<std::int64_t> gap, entry;
  std::vector<std::int32_t> first, last;
};

naive_funnel naive(const std::vector<std::int64_t>& user,
                   const std::vector<std::int64_t>& time,
                   const std::vector<std::int64_t>& step,
                   const std::vector<std::int64_t>& touch, std::size_t users,
                   std::size_t steps, std::int64_t window, bool strict) {
  naive_funnel r;
  r.level.assign(users, 0);
  r.gap.assign(users * (steps - 1), 0);
  r.entry.assign(users, std::numeric_limits<std::int64_t>::min());
  r.first.assign(users, -1);
  r.last.assign(users, -1);
  std::vector<std::vector<std::pair<std::int64_t, std::int64_t>>> ev(users);
  std::vector<std::int64_t> first_t(users, std::numeric_limits<std::int64_t>::max()),
      last_t(users, std::numeric_limits<std::int64_t>::min());
  for (std::size_t i = 0; i < user.size(); ++i) {
    const auto u = static_cast<std::size_t>(user[i]);
    if (step[i] >= 0) ev[u].emplace_back(time[i], step[i]);
    if (time[i] < first_t[u])
      first_t[u] = time[i], r.first[u] = static_cast<std::int32_t>(touch[i]);
    if (time[i] >= last_t[u])
      last_t[u] = time[i], r.last[u] = static_cast<std::int32_t>(touch[i]);
  }
  for (std::size_t u = 0; u < users; ++u) {
    auto& e = ev[u];
    std::stable_sort(e.begin(), e.end());
    std::vector<std::vector<std::int64_t>> chain(steps);
    bool started = false;
    for (const auto& [t, k] : e) {
      const auto s = static_cast<std::size_t>(k);
      if (s == 0) {
        chain[0] = {t};
        if (!started) r.entry[u] = t;
        started = true;
      } else if (strict && started && chain[s - 1].empty()) {
        break;
      } else if (!chain[s - 1].empty() && t - chain[s - 1][0] <= window) {
        chain[s] = chain[s - 1];
        chain[s].push_back(t);
        if (s + 1 == steps) break;
      }
    }
    std::size_t deepest = 0;
    while (deepest < steps && !chain[deepest].empty()) ++deepest;
    r.level[u] = static_cast<std::int8_t>(deepest);
    for (std::size_t k = 1; k < deepest; ++k)
      r.gap[u * (steps - 1) + k - 1] =
          chain[deepest - 1][k] - chain[deepest - 1][k - 1];
  }
  return r;
}

}  // namespace

TEST_CASE(
    "funnel: pieces of rows, lazy sorts and thread counts give the naive answer") {
  // 400,000 events in three chunks (pieces of rows cross chunk ends), 20,000 users
  // of whom 200 have about 270 step events each (lazily sorted runs, some never
  // finishing), ties in time, touch codes; minute ticks (packed records) and the
  // same log spread over 2^58 ticks (16-byte records)
  std::uint64_t seed = 12345;
  auto next = [&](std::uint64_t m) {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return (seed >> 17) % m;
  };
  const std::size_t users = 20000, steps = 4;
  std::vector<std::int64_t> user, time, step, touch;
  for (std::size_t i = 0; i < 400000; ++i) {
    const bool heavy = next(5) == 0;
    user.push_back(static_cast<std::int64_t>(heavy ? next(200) : next(users)));
    time.push_back(static_cast<std::int64_t>(next(60 * 24 * 60)));  // two months
    step.push_back(static_cast<std::int64_t>(next(6)) - 2 < 0
                       ? -1
                       : static_cast<std::int64_t>(next(steps)));
    touch.push_back(static_cast<std::int64_t>(next(7)));
  }
  for (const std::int64_t scale : {std::int64_t{1}, std::int64_t{1} << 42}) {
    std::vector<std::int64_t> t(time);  // scaled, plus low bits that differ
    for (auto& x : t) x = x * scale + (scale > 1 ? x % 3 : 0);
    for (const bool strict : {false, true}) {
      const std::int64_t window = 120 * scale;
      const auto want = naive(user, t, step, touch, users, steps, window, strict);
      auto chunk = [&](std::size_t b, std::size_t e) {
        return mx::event_columns{
            {user.data() + b, mx::integer_column::type::i64, e - b, "user"},
            {t.data() + b, mx::integer_column::type::i64, e - b, "time"},
            {step.data() + b, mx::integer_column::type::i64, e - b, "step"},
            {touch.data() + b, mx::integer_column::type::i64, e - b, "touch"}};
      };
      const std::vector<mx::event_columns> chunks{
          chunk(0, 100000), chunk(100000, 310000), chunk(310000, 400000)};
      for (const int threads : {1, 2, 8}) {
        sostac::set_num_threads(threads);
        const auto got = mx::funnel_users(chunks, users, steps, window, strict);
        CHECK(got.level == want.level);
        CHECK(got.gap == want.gap);
        CHECK(got.entry_time == want.entry);
        CHECK(got.first_touch == want.first);
        CHECK(got.last_touch == want.last);
        CHECK(got.order.size() == users);
      }
      sostac::set_num_threads(0);
    }
  }
}

TEST_CASE("funnel: more than 2^31 events in one run is refused before any is read") {
  const std::vector<std::int64_t> tiny{0};
  const std::size_t n = std::size_t{1} << 31;
  mx::event_columns c{{tiny.data(), mx::integer_column::type::i64, n, "user"},
                      {tiny.data(), mx::integer_column::type::i64, n, "time"},
                      {tiny.data(), mx::integer_column::type::i64, n, "step"}};
  CHECK_THROWS_WITH(
      mx::funnel_users({c}, 1, 1, 0, false),
      Catch::Contains("expected fewer than 2^31 events in one funnel run"));
}
