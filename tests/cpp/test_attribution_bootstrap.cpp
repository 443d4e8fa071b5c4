// Tests of include/sostac/attribution/ (bootstrap part).
#include <sostac/attribution.hpp>
#include <sostac/attribution/assists_table.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace at = sostac::attribution;

namespace {

/// A table from path text of single-letter channels ("abc" = a > b > c).
at::path_table table(const std::vector<std::string>& paths, const std::vector<double>& conv,
                     const std::vector<double>& value, const std::vector<double>& nulls) {
  at::path_table t;
  char top = 'a';
  for (const auto& p : paths)
    for (char ch : p) top = std::max(top, ch);
  for (char ch = 'a'; ch <= top; ++ch) t.channels.emplace_back(1, ch);
  for (std::size_t i = 0; i < paths.size(); ++i) {
    std::vector<std::int32_t> s;
    for (char ch : paths[i]) s.push_back(ch - 'a');
    t.push(s.data(), s.size(), conv[i], value[i], nulls[i]);
  }
  return t;
}

at::path_table demo_table(double scale = 1.0) {
  return table({"ab", "b", "a", "cab", "cb", "acb", "c", "bc"},
               {30 * scale, 12 * scale, 20 * scale, 9 * scale, 7 * scale, 5 * scale,
                3 * scale, 4 * scale},
               {300 * scale, 100 * scale, 250 * scale, 80 * scale, 60 * scale, 70 * scale,
                20 * scale, 45 * scale},
               {40 * scale, 60 * scale, 55 * scale, 20 * scale, 25 * scale, 10 * scale,
                30 * scale, 15 * scale});
}

struct thread_guard {
  ~thread_guard() { sostac::set_num_threads(0); }
};

const std::vector<double>& draws(const at::bootstrap_result& r, const std::string& s) {
  return r.statistic(s).draws;
}

}  // namespace

TEST_CASE("bootstrap: log_factorial matches lgamma", "[attribution][bootstrap]") {
  for (int k = 0; k <= 400; ++k) {
    const double ref = std::lgamma(static_cast<double>(k) + 1);
    CHECK(at::detail::log_factorial(k) == Approx(ref).epsilon(1e-13).margin(1e-13));
  }
}

TEST_CASE("bootstrap: Poisson variates have the Poisson pmf", "[attribution][bootstrap]") {
  // Frequencies of k against the pmf exp(k log l - l - lgamma(k + 1)), both regimes
  // (inversion below 10, PTRS above); a chi-square over the cells with expected >= 5.
  for (double lambda : {0.3, 1.0, 4.0, 9.5, 10.0, 25.0, 300.0}) {
    const std::size_t n = 200000;
    std::vector<double> freq(4000, 0.0);
    double sum = 0, sum2 = 0;
    for (std::size_t i = 0; i < n; ++i) {
      at::detail::bootstrap_stream g(7, 3, i);
      const double k = at::detail::poisson_variate(lambda, g);
      REQUIRE(k >= 0);
      REQUIRE(k == std::floor(k));
      freq[static_cast<std::size_t>(std::min(k, 3999.0))] += 1;
      sum += k;
      sum2 += k * k;
    }
    const double mean = sum / n, var = sum2 / n - mean * mean;
    CHECK(std::fabs(mean - lambda) < 5 * std::sqrt(lambda / n));
    CHECK(var == Approx(lambda).epsilon(0.03));
    double chi2 = 0, rest_obs = 0, rest_exp = 0;
    int cells = 0;
    for (std::size_t k = 0; k < freq.size(); ++k) {
      const double p = std::exp(static_cast<double>(k) * std::log(lambda) - lambda -
                                std::lgamma(static_cast<double>(k) + 1));
      const double e = p * n;
      if (e >= 5) {
        chi2 += (freq[k] - e) * (freq[k] - e) / e;
        ++cells;
      } else {
        rest_obs += freq[k];
        rest_exp += e;
      }
    }
    if (rest_exp >= 5) {
      chi2 += (rest_obs - rest_exp) * (rest_obs - rest_exp) / rest_exp;
      ++cells;
    }
    // chi-square with `cells - 1` df: mean df, sd sqrt(2 df); 6 sd is far in the tail.
    const double df = cells - 1;
    INFO("lambda " << lambda << " chi2 " << chi2 << " df " << df);
    CHECK(chi2 < df + 6 * std::sqrt(2 * df));
  }
}

TEST_CASE("bootstrap: the same matrix for 1, 2 and 4 threads", "[attribution][bootstrap]") {
  thread_guard guard;
  const at::path_table t = demo_table();
  const auto v = at::path_table_view::of(t);
  for (auto model : {at::bootstrap_model::markov, at::bootstrap_model::shapley,
                     at::bootstrap_model::assists, at::bootstrap_model::heuristic}) {
    at::bootstrap_options o;
    o.model = model;
    o.replicates = 37;
    o.seed = 11;
    o.markov.order = 2;
    o.worth = at::shapley_worth::rate;
    o.heuristic = at::heuristic_model::linear;
    std::vector<at::bootstrap_result> runs;
    for (int threads : {1, 2, 4}) {
      sostac::set_num_threads(threads);
      runs.push_back(at::bootstrap(v, o));
    }
    for (std::size_t k = 0; k < runs[0].statistics.size(); ++k) {
      const auto& a = runs[0].statistics[k];
      for (std::size_t j = 1; j < runs.size(); ++j) {
        const auto& b = runs[j].statistics[k];
        INFO(a.name);
        // bit-identical (NaN where NaN): compare the bytes' meaning element-wise
        REQUIRE(a.draws.size() == b.draws.size());
        for (std::size_t i = 0; i < a.draws.size(); ++i)
          REQUIRE(((a.draws[i] == b.draws[i]) ||
                   (std::isnan(a.draws[i]) && std::isnan(b.draws[i]))));
        for (std::size_t c = 0; c < a.low.size(); ++c) {
          CHECK(((a.low[c] == b.low[c]) || (std::isnan(a.low[c]) && std::isnan(b.low[c]))));
          CHECK(((a.se[c] == b.se[c]) || (std::isnan(a.se[c]) && std::isnan(b.se[c]))));
        }
      }
    }
  }
}

TEST_CASE("bootstrap: replicate r does not depend on the others", "[attribution][bootstrap]") {
  // Any split of the replicates among threads gives the same rows: the first 20 rows of
  // 60 replicates are the 20 replicates, and row r is the model on replicate r's own
  // weights, recomputed here from the streams.
  const at::path_table t = demo_table();
  const auto v = at::path_table_view::of(t);
  at::bootstrap_options o;
  o.seed = 5;
  o.replicates = 60;
  const auto big = at::bootstrap(v, o);
  o.replicates = 20;
  const auto small = at::bootstrap(v, o);
  const std::size_t C = t.channel_count();
  for (const char* s : {"removal_effect", "conversions", "value"})
    for (std::size_t i = 0; i < 20 * C; ++i) REQUIRE(draws(small, s)[i] == draws(big, s)[i]);
  for (std::size_t r : {0, 7, 59}) {
    std::vector<double> conv(t.size()), val(t.size()), nul(t.size());
    at::detail::bootstrap_weights(v, o, r, conv.data(), val.data(), nul.data());
    at::path_table_view w = v;
    w.conversions = conv.data();
    w.value = val.data();
    w.nulls = nul.data();
    const at::markov_result m = at::markov(w, o.markov);
    for (std::size_t c = 0; c < C; ++c) {
      CHECK(draws(big, "conversions")[r * C + c] == m.conversions[c]);
      CHECK(draws(big, "removal_effect")[r * C + c] == m.removal_effect[c]);
    }
  }
}

TEST_CASE("bootstrap: seeds", "[attribution][bootstrap]") {
  const at::path_table t = demo_table();
  const auto v = at::path_table_view::of(t);
  at::bootstrap_options o;
  o.replicates = 30;
  o.seed = 123;
  const auto a = at::bootstrap(v, o), b = at::bootstrap(v, o);
  o.seed = 124;
  const auto c = at::bootstrap(v, o);
  CHECK(draws(a, "conversions") == draws(b, "conversions"));
  std::size_t same = 0;
  for (std::size_t i = 0; i < draws(a, "conversions").size(); ++i)
    same += draws(a, "conversions")[i] == draws(c, "conversions")[i];
  CHECK(same < draws(a, "conversions").size() / 10);
  // the estimates are the model on the data
  const at::markov_result m = at::markov(v);
  CHECK(a.statistic("conversions").estimate == m.conversions);
  CHECK(a.statistic("removal_effect").estimate == m.removal_effect);
}

TEST_CASE("bootstrap: weights by unit", "[attribution][bootstrap]") {
  const at::path_table t = demo_table();
  const auto v = at::path_table_view::of(t);
  at::bootstrap_options o;
  o.unit = at::bootstrap_unit::paths;
  std::vector<double> conv(t.size()), val(t.size()), nul(t.size());
  for (std::size_t r = 0; r < 50; ++r) {
    at::detail::bootstrap_weights(v, o, r, conv.data(), val.data(), nul.data());
    for (std::size_t i = 0; i < t.size(); ++i) {
      const double w = conv[i] / t.conversions[i];
      CHECK(w == std::floor(w));
      CHECK(val[i] == Approx(w * t.value[i]));
      CHECK(nul[i] == Approx(w * t.nulls[i]));
    }
  }
  o.unit = at::bootstrap_unit::journeys;
  for (std::size_t r = 0; r < 50; ++r) {
    at::detail::bootstrap_weights(v, o, r, conv.data(), val.data(), nul.data());
    for (std::size_t i = 0; i < t.size(); ++i) {
      CHECK(conv[i] == std::floor(conv[i]));
      CHECK(nul[i] == std::floor(nul[i]));
      CHECK(val[i] == Approx(t.value[i] / t.conversions[i] * conv[i]));
    }
  }
}

TEST_CASE("bootstrap: se of last-touch conversions is the Poisson one",
          "[attribution][bootstrap]") {
  // Last touch credits path i's conversions to its last channel, so a channel's
  // replicate credit is a sum of independent draws: var = sum c_i over journeys
  // (Poisson counts), sum c_i^2 over paths (one Poisson(1) weight per row).
  const at::path_table t = demo_table(10);
  const auto v = at::path_table_view::of(t);
  at::bootstrap_options o;
  o.model = at::bootstrap_model::heuristic;
  o.heuristic = at::heuristic_model::last;
  o.replicates = 4000;
  std::vector<double> s1(t.channel_count(), 0.0), s2(t.channel_count(), 0.0);
  for (std::size_t i = 0; i < t.size(); ++i) {
    const auto last = static_cast<std::size_t>(t.steps[t.offsets[i + 1] - 1]);
    s1[last] += t.conversions[i];
    s2[last] += t.conversions[i] * t.conversions[i];
  }
  const auto j = at::bootstrap(v, o);
  o.unit = at::bootstrap_unit::paths;
  const auto p = at::bootstrap(v, o);
  for (std::size_t c = 0; c < t.channel_count(); ++c) {
    // the se of a standard deviation from 4000 draws is about 1.1 %
    CHECK(j.statistic("conversions").se[c] == Approx(std::sqrt(s1[c])).epsilon(0.06));
    CHECK(p.statistic("conversions").se[c] == Approx(std::sqrt(s2[c])).epsilon(0.06));
    CHECK(j.statistic("conversions").mean[c] ==
          Approx(s1[c]).epsilon(4 * std::sqrt(s1[c]) / std::sqrt(4000.0) / s1[c]));
  }
}

TEST_CASE("bootstrap: percentile interval and se from the matrix",
          "[attribution][bootstrap]") {
  const at::path_table t = demo_table();
  const auto v = at::path_table_view::of(t);
  at::bootstrap_options o;
  o.model = at::bootstrap_model::shapley;
  o.replicates = 101;
  o.level = 0.9;
  const auto r = at::bootstrap(v, o);
  const auto& s = r.statistic("shapley_value");
  const std::size_t C = t.channel_count();
  for (std::size_t c = 0; c < C; ++c) {
    std::vector<double> col;
    for (std::size_t k = 0; k < o.replicates; ++k) col.push_back(s.draws[k * C + c]);
    std::sort(col.begin(), col.end());
    // 101 sorted draws: the 5 % quantile is order statistic 5 (0-based), 95 % is 95
    CHECK(s.low[c] == col[5]);
    CHECK(s.high[c] == col[95]);
    double m = 0;
    for (double x : col) m += x;
    m /= 101;
    double ss = 0;
    for (double x : col) ss += (x - m) * (x - m);
    CHECK(s.se[c] == Approx(std::sqrt(ss / 100)).epsilon(1e-12));
    CHECK(s.finite[c] == 101);
  }
  CHECK(at::detail::sorted_quantile({1, 2, 3, 4}, 0.5) == 2.5);
  CHECK(at::detail::sorted_quantile({1, 2, 3, 4}, 0.25) == Approx(1.75));
  CHECK(at::detail::sorted_quantile({7}, 0.025) == 7);
}

TEST_CASE("bootstrap: replicate means near the estimate on a large table",
          "[attribution][bootstrap]") {
  const at::path_table t = demo_table(200);  // 18,000 conversions
  const auto v = at::path_table_view::of(t);
  for (auto model : {at::bootstrap_model::markov, at::bootstrap_model::shapley,
                     at::bootstrap_model::assists}) {
    at::bootstrap_options o;
    o.model = model;
    o.replicates = 300;
    o.worth = at::shapley_worth::rate;
    const auto r = at::bootstrap(v, o);
    for (const auto& s : r.statistics)
      for (std::size_t c = 0; c < t.channel_count(); ++c) {
        INFO(s.name << " channel " << c);
        CHECK(std::fabs(s.mean[c] - s.estimate[c]) <=
              5 * s.se[c] / std::sqrt(300.0) + 1e-3 * std::fabs(s.estimate[c]));
        CHECK(s.low[c] <= s.estimate[c]);
        CHECK(s.estimate[c] <= s.high[c]);
      }
  }
}

TEST_CASE("bootstrap: coverage on a seeded simulation", "[attribution][bootstrap]") {
  // Journeys from a fixed population: expected counts per path; each simulated data
  // set draws the counts as Poisson (std::poisson_distribution, not the generator under
  // test). The target is the statistic of the population table (its expected counts);
  // the 90 % intervals should cover it in about 90 % of 300 data sets.
  const at::path_table pop = demo_table(4);
  const auto pv = at::path_table_view::of(pop);
  const at::markov_result truth = at::markov(pv);
  const at::shapley_result truth_s = at::shapley(pv, at::shapley_worth::rate);
  std::mt19937_64 rng(20261204);
  const int sets = 300;
  int covered_re = 0, covered_conv = 0, covered_sh = 0;
  for (int d = 0; d < sets; ++d) {
    at::path_table t = pop;
    for (std::size_t i = 0; i < t.size(); ++i) {
      const double per = pop.value[i] / pop.conversions[i];
      t.conversions[i] =
          static_cast<double>(std::poisson_distribution<long>(pop.conversions[i])(rng));
      t.nulls[i] = static_cast<double>(std::poisson_distribution<long>(pop.nulls[i])(rng));
      t.value[i] = per * t.conversions[i];
    }
    at::bootstrap_options o;
    o.replicates = 150;
    o.level = 0.9;
    o.seed = static_cast<std::uint64_t>(d);
    const auto r = at::bootstrap(at::path_table_view::of(t), o);
    const auto& re = r.statistic("removal_effect");
    const auto& cv = r.statistic("conversions");
    covered_re += re.low[0] <= truth.removal_effect[0] && truth.removal_effect[0] <= re.high[0];
    covered_conv += cv.low[1] <= truth.conversions[1] && truth.conversions[1] <= cv.high[1];
    o.model = at::bootstrap_model::shapley;
    o.worth = at::shapley_worth::rate;
    const auto rs = at::bootstrap(at::path_table_view::of(t), o);  // kept: sh refers into it
    const auto& sh = rs.statistic("shapley_value");
    covered_sh += sh.low[2] <= truth_s.shapley_value[2] && truth_s.shapley_value[2] <= sh.high[2];
  }
  // binomial(300, 0.9): sd 5.2 data sets; allow about 3 sd either side
  for (int covered : {covered_re, covered_conv, covered_sh}) {
    INFO("covered " << covered << " of " << sets);
    CHECK(covered >= 255);
    CHECK(covered <= 290);
  }
}

TEST_CASE("bootstrap: replicates without conversions", "[attribution][bootstrap]") {
  // One path of 0.05 expected conversions: most replicates have none.
  const at::path_table t = table({"ab", "b"}, {0.05, 0}, {1, 0}, {3, 2});
  const auto v = at::path_table_view::of(t);
  at::bootstrap_options o;
  o.replicates = 200;
  const auto r = at::bootstrap(v, o);
  std::size_t empty = 0;
  for (std::size_t k = 0; k < 200; ++k) {
    std::vector<double> conv(2), val(2), nul(2);
    at::detail::bootstrap_weights(v, o, k, conv.data(), val.data(), nul.data());
    const bool none = conv[0] + conv[1] == 0;
    empty += none;
    if (none) {
      CHECK(std::isnan(draws(r, "removal_effect")[k * 2]));
      CHECK(draws(r, "conversions")[k * 2] == 0);
    }
  }
  CHECK(empty > 150);
  CHECK(r.empty_replicates == empty);
  CHECK(r.statistic("removal_effect").finite[0] == 200 - empty);
  CHECK(r.statistic("conversions").finite[0] == 200);
}

TEST_CASE("bootstrap: bad input", "[attribution][bootstrap]") {
  const at::path_table t = demo_table();
  const auto v = at::path_table_view::of(t);
  auto fails = [&](at::bootstrap_options o, const char* what) {
    CHECK_THROWS_WITH(at::bootstrap(v, o), Catch::Contains(what));
    CHECK_THROWS_AS(at::bootstrap(v, o), sostac::input_error);
  };
  at::bootstrap_options o;
  o.replicates = 0;
  fails(o, "replicates");
  o.replicates = at::bootstrap_max_replicates + 1;
  fails(o, "replicates");
  o.replicates = 10;
  for (double level : {0.0, 1.0, -0.5, 1.5, std::nan("")}) {
    o.level = level;
    fails(o, "level");
  }
  o.level = 0.95;
  o.markov.order = 5;
  fails(o, "order");
  o.markov.order = 1;
  CHECK_THROWS_WITH(at::parse_bootstrap_model("tree"), Catch::Contains("model"));
  CHECK_THROWS_WITH(at::parse_bootstrap_unit("users"), Catch::Contains("unit"));
  // a table without conversions: the model's own error, from the estimate
  const at::path_table none = table({"ab"}, {0}, {0}, {3});
  CHECK_THROWS_WITH(at::bootstrap(at::path_table_view::of(none), o),
                    Catch::Contains("no conversions"));
  // too many cells: 200,000 channels x 1,000 replicates
  at::path_table wide;
  for (int c = 0; c < 200000; ++c) wide.channels.push_back("c" + std::to_string(c));
  const std::int32_t s0 = 0;
  wide.push(&s0, 1, 1, 1, 1);
  o.replicates = 1000;
  CHECK_THROWS_WITH(at::bootstrap(at::path_table_view::of(wide), o),
                    Catch::Contains("cells"));
}
