// Tests of include/sostac/attribution/ (paths part).
#include <sostac/attribution.hpp>

#include <catch2/catch.hpp>

namespace at = sostac::attribution;

TEST_CASE("check_path_table names the path and the argument", "[attribution]") {
  at::path_table t;
  t.channels = {"a", "b"};
  const std::int32_t ab[] = {0, 1};
  t.push(ab, 2, 1.0, 10.0, 3.0);
  t.push(ab + 1, 1, 0.0, 0.0, 2.0);
  REQUIRE_NOTHROW(at::check_path_table(at::path_table_view::of(t)));
  t.conversions[1] = -1.0;
  REQUIRE_THROWS_WITH(at::check_path_table(at::path_table_view::of(t)),
                      Catch::Contains("conversions[1]"));
  t.conversions[1] = 0.0;
  t.steps[0] = 2;
  REQUIRE_THROWS_WITH(at::check_path_table(at::path_table_view::of(t)),
                      Catch::Contains("path[0]"));
}

namespace {
at::path_table small_table() {
  at::path_table t;
  t.channels = {"a", "b", "direct"};
  const std::int32_t p1[] = {0, 1, 0}, p2[] = {2, 2}, p3[] = {1}, p4[] = {0, 2, 1, 2};
  t.push(p1, 3, 3.0, 6.0, 1.0);
  t.push(p2, 2, 1.0, 2.0, 0.0);
  t.push(p3, 1, 2.0, 1.0, 5.0);
  t.push(p4, 4, 1.0, 4.0, 0.0);
  return t;
}
}  // namespace

TEST_CASE("heuristic shares by model", "[attribution]") {
  const at::path_table t = small_table();
  const auto v = at::path_table_view::of(t);
  at::heuristic_options o;
  o.direct = 2;
  const auto first = at::heuristic_credit(v, at::heuristic_model::first, o);
  CHECK(first.conversions == std::vector<double>{4.0, 2.0, 1.0});
  const auto lnd = at::heuristic_credit(v, at::heuristic_model::last_non_direct, o);
  // p4 ends in direct: credit to b; p2 is all direct: direct keeps it.
  CHECK(lnd.conversions == std::vector<double>{3.0, 3.0, 1.0});
  const auto lin = at::heuristic_credit(v, at::heuristic_model::linear, o);
  CHECK(lin.conversions[0] == Approx(2.0 + 0.25));
  CHECK(lin.value[1] == Approx(2.0 + 1.0 + 1.0));
  const auto pos = at::heuristic_credit(v, at::heuristic_model::position, o);
  CHECK(pos.conversions[0] == Approx(3 * 0.8 + 0.4));
  CHECK(pos.conversions[2] == Approx(1.0 + 0.1 + 0.4));
  for (auto m : {at::heuristic_model::first, at::heuristic_model::last,
                 at::heuristic_model::last_non_direct, at::heuristic_model::linear,
                 at::heuristic_model::time_decay, at::heuristic_model::position}) {
    const auto r = at::heuristic_credit(v, m, o);
    CHECK(r.conversions[0] + r.conversions[1] + r.conversions[2] == Approx(7.0));
    CHECK(r.value[0] + r.value[1] + r.value[2] == Approx(13.0));
  }
  o.half_life = 0;
  REQUIRE_THROWS_WITH(at::heuristic_credit(v, at::heuristic_model::time_decay, o),
                      Catch::Contains("half_life"));
  REQUIRE_THROWS_WITH(at::parse_heuristic_model("u_shaped"), Catch::Contains("model"));
}

TEST_CASE("heuristics do not depend on the thread count", "[attribution]") {
  at::path_table t;
  t.channels = {"a", "b", "c", "d", "e"};
  std::uint64_t state = 7;
  auto next = [&state] { return (state = state * 6364136223846793005ULL + 1442695040888963407ULL) >> 33; };
  for (int i = 0; i < 50000; ++i) {
    std::int32_t p[6];
    const std::size_t k = 1 + next() % 6;
    for (std::size_t j = 0; j < k; ++j) p[j] = static_cast<std::int32_t>(next() % 5);
    t.push(p, k, static_cast<double>(next() % 4), 0.37 * static_cast<double>(next() % 11), 1.0);
  }
  const auto v = at::path_table_view::of(t);
  sostac::set_num_threads(1);
  const auto one = at::heuristic_credit(v, at::heuristic_model::time_decay);
  const auto a1 = at::assists(v, 1.96);
  sostac::set_num_threads(3);
  const auto three = at::heuristic_credit(v, at::heuristic_model::time_decay);
  const auto a3 = at::assists(v, 1.96);
  sostac::set_num_threads(0);
  CHECK(one.conversions == three.conversions);
  CHECK(one.value == three.value);
  CHECK(a1.assisted == a3.assisted);
  CHECK(a1.assist_ratio_high == a3.assist_ratio_high);
}

TEST_CASE("assists count a channel once per conversion, not as last", "[attribution]") {
  const at::path_table t = small_table();
  const auto r = at::assists(at::path_table_view::of(t), 1.96);
  // p1 a>b>a (3 conv): a last and assists once, b assists; p2 direct>direct: direct both;
  // p3 b: last only; p4 a>direct>b>direct: a, direct, b assist, direct last.
  CHECK(r.last_interaction == std::vector<double>{3.0, 2.0, 2.0});
  CHECK(r.assisted == std::vector<double>{4.0, 4.0, 2.0});
  CHECK(r.assisted_and_last == std::vector<double>{3.0, 0.0, 2.0});
  CHECK(r.first_interaction == std::vector<double>{4.0, 2.0, 1.0});
  CHECK(r.assisted_value == std::vector<double>{10.0, 10.0, 6.0});
  CHECK(r.assist_ratio[0] == Approx(4.0 / 3.0));
  const double se = std::sqrt((4.0 + 3.0 - 6.0) / 12.0);
  CHECK(r.assist_ratio_low[0] == Approx(4.0 / 3.0 * std::exp(-1.96 * se)));
  // direct: A = L = B: every resample gives 1, a zero-width interval
  CHECK(r.assist_ratio_low[2] == Approx(1.0));
  CHECK(r.assist_ratio_high[2] == Approx(1.0));
  const auto nan = at::assist_ratio_interval(1.0, 0.0, 0.0, 1.96);
  CHECK(std::isnan(nan.ratio));
  const auto zero = at::assist_ratio_interval(0.0, 2.0, 0.0, 1.96);
  CHECK(zero.ratio == 0.0);
  CHECK(std::isnan(zero.high));
}

TEST_CASE("path builder: windows, ties, several conversions, merge", "[attribution]") {
  // user 0: a@1 b@5 conv@10 conv@10 | c@20 conv(with channel b)@20 | a@40 (null)
  // user 1: conv@3 (no touch), a@100 a@101 b@150 conv@160 (lookback 50 drops a@100)
  const std::int64_t user[] = {0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 0};
  const std::int64_t time[] = {1, 5, 10, 20, 20, 40, 3, 100, 101, 150, 160, 10};
  const std::int32_t ch[] = {0, 1, -1, 2, 1, 0, -1, 0, 0, 1, -1, -1};
  const std::uint8_t conv[] = {0, 0, 1, 0, 1, 0, 1, 0, 0, 0, 1, 1};
  const double val[] = {0, 0, 5, 0, 7, 0, 2, 0, 0, 0, 3, 1};
  at::path_builder_options o;
  o.has_lookback = true;
  o.lookback = 60;  // [100, 160]: a@100 is on the edge, kept
  at::path_accumulator one;
  one.add(user, time, ch, conv, val, 12);
  const auto r = one.finish({"a", "b", "c"}, o);
  // user 0: the conversions at 10 (values 1 and 5): the first closes a > b, the second
  // finds no touch; c@20 and b@20 are on the path of the conversion at 20 (one time:
  // by channel code, b > c); a@40
  // is a null. user 1: conv@3 has no touch; a > a > b converts at 160.
  REQUIRE(r.table.size() == 4);
  CHECK(r.table.conversions == std::vector<double>{1.0, 1.0, 0.0, 1.0});
  CHECK(r.table.value == std::vector<double>{1.0, 7.0, 0.0, 3.0});
  CHECK(r.table.nulls == std::vector<double>{0.0, 0.0, 1.0, 0.0});
  CHECK(r.table.steps == std::vector<std::int32_t>{0, 1, 1, 2, 0, 0, 0, 1});
  CHECK(r.unattributed_conversions == 2.0);
  CHECK(r.unattributed_value == 7.0);
  CHECK(r.expired_touches == 0);
  CHECK(r.users == 2);
  o.collapse_repeats = true;  // a > a > b is a > b
  const auto c = one.finish({"a", "b", "c"}, o);
  REQUIRE(c.table.size() == 3);
  CHECK(c.table.conversions[0] == 2.0);
  o.collapse_repeats = false;
  o.lookback = 59;  // a@100 falls out
  const auto s = one.finish({"a", "b", "c"}, o);
  CHECK(s.expired_touches == 1);
  REQUIRE(s.table.size() == 3);
  CHECK(s.table.value[0] == 4.0);
  o.lookback = 60;
  o.max_length = 1;  // the last touch only
  const auto last = one.finish({"a", "b", "c"}, o);
  CHECK(last.table.steps == std::vector<std::int32_t>{1, 2, 0});
  CHECK(last.table.conversions == std::vector<double>{2.0, 1.0, 0.0});
  // real-time decay: user 1's a@100 a@101 b@150 before 160 with a half-life of 10 ticks
  o.max_length = 0;
  o.has_half_life = true;
  o.half_life = 10;
  const auto d = one.finish({"a", "b", "c"}, o);
  REQUIRE(d.decay_conversions.size() == d.table.steps.size());
  const double w[3] = {std::exp2(-5.0), std::exp2(-4.9), 1.0}, total = w[0] + w[1] + w[2];
  CHECK(d.decay_conversions[5] == Approx(w[0] / total));
  CHECK(d.decay_conversions[7] == Approx(w[2] / total));
  CHECK(d.decay_value[6] == Approx(3.0 * w[1] / total));
  CHECK(d.decay_conversions[4] == 0.0);  // the null path "a"
  o.has_half_life = false;
  o.max_length = 1;
  // merge of parts in any order == one pass
  at::path_accumulator p1, p2;
  p2.add(user + 6, time + 6, ch + 6, conv + 6, val + 6, 6);
  p1.add(user, time, ch, conv, val, 6);
  p2.merge(p1);
  const auto m = p2.finish({"a", "b", "c"}, o);
  CHECK(m.table.steps == last.table.steps);
  CHECK(m.table.conversions == last.table.conversions);
  CHECK(m.table.value == last.table.value);
  CHECK(m.table.nulls == last.table.nulls);
  const std::int32_t bad[] = {-1};
  const std::uint8_t touch[] = {0};
  REQUIRE_THROWS_WITH(one.add(user, time, bad, touch, nullptr, 1), Catch::Contains("channel[0]"));
}

TEST_CASE("path builder: grouped input, views, presorted and threads", "[attribution]") {
  // user 0: a@1 b@5 conv@10 | user 2: c@3 conv@4 a@9 | user 1 (after 2: grouped, not
  // in code order): b@2 b@2 conv@2
  const std::int64_t user[] = {0, 0, 0, 2, 2, 2, 1, 1, 1};
  const std::int64_t time[] = {1, 5, 10, 3, 4, 9, 2, 2, 2};
  const std::int32_t ch[] = {0, 1, -1, 2, -1, 0, 1, 1, -1};
  const std::uint8_t conv[] = {0, 0, 1, 0, 1, 0, 0, 0, 1};
  const double val[] = {0, 0, 5, 0, 2, 0, 0, 0, 1};
  at::path_builder_options o;
  at::path_accumulator copied;
  copied.add(user, time, ch, conv, val, 9);
  const auto want = copied.finish({"a", "b", "c"}, o);
  // rows in code order of first appearance: user 0, then 1, then 2
  CHECK(want.table.steps == std::vector<std::int32_t>{0, 1, 1, 1, 2, 0});
  CHECK(want.table.conversions == std::vector<double>{1.0, 1.0, 1.0, 0.0});
  CHECK(want.table.nulls == std::vector<double>{0.0, 0.0, 0.0, 1.0});
  at::touch_columns c;
  c.n = 9;
  c.user64 = user;
  c.time = time;
  c.channel = ch;
  c.conversion = conv;
  c.value = val;
  at::path_accumulator view;
  view.add(c, false);
  o.presorted = true;  // grouped and in time order: the same table
  for (int threads : {1, 2}) {
    sostac::set_num_threads(threads);
    const auto got = view.finish({"a", "b", "c"}, o);
    CHECK(got.table.steps == want.table.steps);
    CHECK(got.table.conversions == want.table.conversions);
    CHECK(got.table.value == want.table.value);
    CHECK(got.table.nulls == want.table.nulls);
  }
  sostac::set_num_threads(0);
  // time out of order at row 5 (user 2: 9 then 3)
  const std::int64_t late[] = {1, 5, 10, 3, 4, 2, 2, 2, 2};
  c.time = late;
  at::path_accumulator bad;
  bad.add(c, false);
  try {
    (void)bad.finish({"a", "b", "c"}, o);
    FAIL("expected order_error");
  } catch (const at::order_error& e) {
    CHECK(e.row() == 5);
    CHECK(e.user() == 2);
    CHECK_FALSE(e.regrouped());
    CHECK(std::string(e.what()).find("time[5]") != std::string::npos);
  }
  o.presorted = false;  // sorted instead: user 2's a@2 c@3 conv@4 converts, no null
  const auto sorted = bad.finish({"a", "b", "c"}, o);
  CHECK(sorted.table.steps == std::vector<std::int32_t>{0, 1, 1, 1, 0, 2});
  CHECK(sorted.table.conversions == std::vector<double>{1.0, 1.0, 1.0});
  CHECK(sorted.table.nulls == std::vector<double>{0.0, 0.0, 0.0});
  // user 0's rows resume after user 2's (split over two parts: the row counts on)
  at::touch_columns head = c, tail = c;
  c.time = time;
  head = c;
  head.n = 4;
  tail = c;
  tail.n = 5;
  tail.user64 = user + 4;
  tail.time = time + 4;
  tail.channel = ch + 4;
  tail.conversion = conv + 4;
  tail.value = val + 4;
  at::path_accumulator split;
  split.add(head, false);
  split.add(tail, true);
  const auto again = split.finish({"a", "b", "c"}, o);
  CHECK(again.table.steps == want.table.steps);
  CHECK(again.table.value == want.table.value);
  const std::int64_t back[] = {0, 0, 0, 2, 2, 2, 0, 1, 1};
  c.user64 = back;
  at::path_accumulator regrouped;
  regrouped.add(c, false);
  o.presorted = true;
  REQUIRE_THROWS_WITH(regrouped.finish({"a", "b", "c"}, o),
                      Catch::Contains("user[6]") && Catch::Contains("presorted=True"));
}
