// Tests of include/sostac/attribution/ (models part).
#include <sostac/attribution.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <string>
#include <vector>

namespace at = sostac::attribution;

namespace {

at::path_table table(std::size_t channels,
                     const std::vector<std::vector<std::int32_t>>& paths,
                     const std::vector<double>& conv, const std::vector<double>& nulls) {
  at::path_table t;
  for (std::size_t c = 0; c < channels; ++c) t.channels.push_back("c" + std::to_string(c));
  for (std::size_t i = 0; i < paths.size(); ++i)
    t.push(paths[i].data(), paths[i].size(), conv[i], 10 * conv[i], nulls[i]);
  return t;
}

}  // namespace

TEST_CASE("markov: a two-channel chain solved by hand", "[attribution][markov]") {
  // a > b: 3 conversions, 1 null; b: 1 conversion, 3 nulls.
  // start -> a 4, start -> b 4, a -> b 4, b -> conv 4, b -> null 4: P = 0.5.
  // Without a: start -> a is null, P = 0.5 * 0.5 = 0.25, RE_a = 0.5; without b: RE_b = 1.
  const auto t = table(2, {{0, 1}, {1}}, {3, 1}, {1, 3});
  const auto r = at::markov(at::path_table_view::of(t));
  CHECK(r.conversion_probability == Approx(0.5).epsilon(1e-14));
  CHECK(r.removal_effect[0] == Approx(0.5).epsilon(1e-14));
  CHECK(r.removal_effect[1] == Approx(1.0).epsilon(1e-14));
  CHECK(r.conversions[0] == Approx(4.0 / 3).epsilon(1e-14));
  CHECK(r.conversions[1] == Approx(8.0 / 3).epsilon(1e-14));
  CHECK(r.conversions[0] + r.conversions[1] == Approx(4.0).epsilon(1e-14));
  CHECK(r.n_states == 2);
}

TEST_CASE("markov: repeats merge and windows slide", "[attribution][markov]") {
  const auto t = table(3, {{0, 0, 1}, {0, 1, 2}}, {1, 1}, {1, 0});
  const auto r1 = at::markov(at::path_table_view::of(t));
  for (std::size_t e = 0; e < r1.from.size(); ++e) CHECK(r1.from[e] != r1.to[e]);
  const auto r2 = at::markov(at::path_table_view::of(t), {2, true});
  CHECK(r2.n_states == 3);  // (0,0), (0,1), (1,2)
  CHECK(r2.conversion_probability == Approx(2.0 / 3).epsilon(1e-14));
}

TEST_CASE("markov: var_null off ignores the nulls", "[attribution][markov]") {
  const auto t = table(2, {{0, 1}, {1}, {0}}, {3, 1, 0}, {1, 3, 5});
  const auto r = at::markov(at::path_table_view::of(t), {1, false});
  CHECK(r.conversion_probability == Approx(1.0).epsilon(1e-14));
  CHECK(r.removal_effect[1] == Approx(1.0).epsilon(1e-14));
  CHECK(r.removal_effect[0] == Approx(0.75).epsilon(1e-14));
}

TEST_CASE("markov: bad input", "[attribution][markov]") {
  const auto t = table(1, {{0}}, {1}, {0});
  CHECK_THROWS_AS(at::markov(at::path_table_view::of(t), {0, true}), sostac::input_error);
  CHECK_THROWS_AS(at::markov(at::path_table_view::of(t), {5, true}), sostac::input_error);
  const auto none = table(1, {{0}}, {0}, {3});
  CHECK_THROWS_WITH(at::markov(at::path_table_view::of(none)),
                    Catch::Contains("no conversions"));
}

TEST_CASE("shapley: brute force on three channels", "[attribution][shapley]") {
  // paths {0,1}: 2 conv 2 nulls; {1}: 1 conv 3 nulls; {2}: 3 conv 1 null; {0,2}: 1 conv 1.
  const auto t = table(3, {{0, 1}, {1}, {2}, {0, 2}}, {2, 1, 3, 1}, {2, 3, 1, 1});
  const auto view = at::path_table_view::of(t);
  const auto c = at::shapley(view, at::shapley_worth::conversions);
  CHECK(c.shapley_value[0] == Approx(1.5));
  CHECK(c.shapley_value[1] == Approx(2.0));
  CHECK(c.shapley_value[2] == Approx(3.5));
  const auto r = at::shapley(view, at::shapley_worth::rate);
  // v(S) = conv / journeys of the paths inside S, averaged over the 6 orderings
  auto v = [](unsigned m) {
    const unsigned sets[4] = {3, 2, 4, 5};
    const double conv[4] = {2, 1, 3, 1}, jour[4] = {4, 4, 4, 2};
    double a = 0, b = 0;
    for (int i = 0; i < 4; ++i)
      if ((sets[i] & m) == sets[i]) a += conv[i], b += jour[i];
    return b > 0 ? a / b : 0.0;
  };
  const int perms[6][3] = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
  double phi[3] = {0, 0, 0};
  for (const auto& p : perms) {
    unsigned m = 0;
    for (int q : p) {
      phi[q] += (v(m | (1u << q)) - v(m)) / 6;
      m |= 1u << q;
    }
  }
  for (int i = 0; i < 3; ++i) CHECK(r.shapley_value[static_cast<std::size_t>(i)] == Approx(phi[i]).margin(1e-15));
  CHECK(r.grand_worth == Approx(7.0 / 14));
}

TEST_CASE("shapley: the rate game's channel limit", "[attribution][shapley]") {
  std::vector<std::vector<std::int32_t>> paths;
  for (std::int32_t c = 0; c < 21; ++c) paths.push_back({c});
  const auto t = table(21, paths, std::vector<double>(21, 1.0), std::vector<double>(21, 1.0));
  CHECK_THROWS_WITH(at::shapley(at::path_table_view::of(t), at::shapley_worth::rate),
                    Catch::Contains("at most 20 channels") && Catch::Contains("merge rare"));
  const auto c = at::shapley(at::path_table_view::of(t), at::shapley_worth::conversions);
  CHECK(c.conversions[20] == Approx(1.0));
}

TEST_CASE("shapley: the ordered variant worked by hand", "[attribution][shapley]") {
  // 0 > 1 > 0 (6 conv): 3 to each of {0, 1}, channel 0's over its two touches;
  // 1 > 2 (4 conv): 2 each; 2 (2 conv); 1 > 1 > 1 > 2 converts nothing (width 4).
  const auto t =
      table(3, {{0, 1, 0}, {1, 2}, {2}, {1, 1, 1, 2}}, {6, 4, 2, 0}, {3, 5, 9, 4});
  const auto view = at::path_table_view::of(t);
  const auto r = at::ordered_shapley(view);
  REQUIRE(r.n_positions == 4);
  const std::vector<double> expected = {1.5, 0, 1.5, 0, 2, 3, 0, 0, 2, 2, 0, 0};
  REQUIRE(r.position_conversions.size() == expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    CHECK(r.position_conversions[i] == Approx(expected[i]).margin(1e-15));
    // the table's value is 10 x its conversions
    CHECK(r.position_value[i] == Approx(10 * expected[i]).margin(1e-14));
  }
  // a channel's positions add up to its unordered value, all of them to the total
  const auto plain = at::shapley(view, at::shapley_worth::conversions);
  double total = 0;
  for (std::size_t c = 0; c < 3; ++c) {
    CHECK(r.conversions[c] == Approx(plain.conversions[c]));
    CHECK(r.value[c] == Approx(plain.value[c]));
    total += r.conversions[c];
  }
  CHECK(total == Approx(12.0));
  CHECK(plain.n_positions == 0);
  CHECK(plain.position_conversions.empty());
}

TEST_CASE("shapley: the ordered variant's position limit", "[attribution][shapley]") {
  std::vector<std::int32_t> longest(at::shapley_max_positions, 0);
  longest.back() = 1;
  auto t = table(2, {{0}, longest}, {1, 2}, {0, 0});
  const auto ok = at::ordered_shapley(at::path_table_view::of(t));
  CHECK(ok.n_positions == at::shapley_max_positions);
  CHECK(ok.position_conversions[1 * ok.n_positions + at::shapley_max_positions - 1] ==
        Approx(1.0));
  longest.push_back(1);
  t = table(2, {{0}, longest}, {1, 2}, {0, 0});
  CHECK_THROWS_WITH(at::ordered_shapley(at::path_table_view::of(t)),
                    Catch::Contains("path[1]") && Catch::Contains("at most 1000") &&
                        Catch::Contains("max_length"));
  const auto none = table(1, {{0}}, {0}, {3});
  CHECK_THROWS_WITH(at::ordered_shapley(at::path_table_view::of(none)),
                    Catch::Contains("no conversions"));
}
