// Tests for include/sostac/customer/summary.hpp and rfm.hpp: hand-checked summaries,
// the period rule, calibration/holdout, merge == one pass, errors and the tie rule.
#include <sostac/customer/summary.hpp>

#include <catch2/catch.hpp>

#include <cstdint>
#include <algorithm>
#include <numeric>
#include <random>
#include <vector>

namespace cu = sostac::customer;

namespace {

struct log_t {
  std::vector<std::int64_t> id, t;
  std::vector<double> v;
  void push(std::int64_t c, std::int64_t day, double value, std::int64_t hour = 0) {
    id.push_back(c);
    t.push_back(day * cu::ns_per_day + hour * 3'600'000'000'000);
    v.push_back(value);
  }
};

cu::summary_options opts(std::int64_t end, bool value = true) {
  cu::summary_options o;
  o.has_end = true;
  o.end_day = end;
  o.has_value = value;
  return o;
}

cu::summary_result one_pass(const log_t& l, cu::summary_options o) {
  cu::summary_accumulator acc(o);
  acc.add(l.id.data(), l.t.data(), o.has_value ? l.v.data() : nullptr, l.id.size());
  return acc.finish();
}

}  // namespace

TEST_CASE("summary: same-day purchases merge; recency and T are days / 7 in weeks") {
  log_t l;
  l.push(0, 0, 10);
  l.push(0, 0, 5, 20);  // same day, later hour: one purchase of 15
  l.push(0, 7, 20);
  l.push(0, 14, 30);
  l.push(0, 14, 2, 3);
  l.push(1, 10, 99);  // a single purchase
  const auto r = one_pass(l, opts(21));
  REQUIRE(std::vector<std::int64_t>(r.customer.begin(), r.customer.end()) ==
          std::vector<std::int64_t>{0, 1});
  CHECK(r.frequency[0] == 2);
  CHECK(r.recency[0] == Approx(2.0));
  CHECK(r.T[0] == Approx(3.0));
  CHECK(r.monetary[0] == Approx((20.0 + 32.0) / 2));  // first day's 15 left out
  CHECK(r.transactions[0] == 5);
  CHECK(r.total[0] == Approx(67));
  CHECK(r.frequency[1] == 0);
  CHECK(r.recency[1] == 0);
  CHECK(r.T[1] == Approx(11.0 / 7));
  CHECK(r.monetary[1] == 0);  // no repeat purchase
}

TEST_CASE("summary: periods D, W, M and parse errors") {
  CHECK(cu::period_days(cu::parse_period("D")) == 1);
  CHECK(cu::period_days(cu::parse_period("W")) == 7);
  CHECK(cu::period_days(cu::parse_period("M")) == Approx(30.4375));
  CHECK_THROWS_WITH(cu::parse_period("Q"), Catch::Contains("period"));
  log_t l;
  l.push(3, 100, 1);
  l.push(3, 130, 1);
  auto o = opts(161, false);
  o.period = cu::period_unit::month;
  const auto r = one_pass(l, o);
  CHECK(r.recency[0] == Approx(30 / 30.4375));
  CHECK(r.T[0] == Approx(61 / 30.4375));
}

TEST_CASE("summary: unsorted rows give the sorted answer") {
  log_t a, b;
  a.push(0, 5, 1);
  a.push(1, 2, 4);
  a.push(0, 1, 2);
  a.push(0, 5, 3);
  a.push(1, 9, 8);
  for (std::size_t i : {2u, 0u, 3u, 1u, 4u}) {
    b.id.push_back(a.id[i]);
    b.t.push_back(a.t[i]);
    b.v.push_back(a.v[i]);
  }
  const auto ra = one_pass(a, opts(10)), rb = one_pass(b, opts(10));
  CHECK(ra.frequency == rb.frequency);
  CHECK(ra.monetary == rb.monetary);
  CHECK(ra.frequency[0] == 1);
  CHECK(ra.monetary[0] == Approx(4));  // days 1 (2) and 5 (1 + 3)
}

TEST_CASE("summary: calibration and holdout as lifetimes' calibration_and_holdout_data") {
  log_t l;
  l.push(0, 0, 10);
  l.push(0, 3, 20);
  l.push(0, 8, 5);
  l.push(0, 8, 7);
  l.push(0, 12, 1);
  l.push(1, 12, 50);  // first seen in the holdout: left out
  auto o = opts(7);
  o.has_holdout = true;
  o.holdout_end_day = 21;
  const auto r = one_pass(l, o);
  REQUIRE(r.customer.size() == 1);
  CHECK(r.holdout_only == 1);
  CHECK(r.frequency[0] == 1);
  CHECK(r.T[0] == Approx(1.0));
  CHECK(r.frequency_holdout[0] == 2);
  CHECK(r.monetary_holdout[0] == Approx((12.0 + 1.0) / 2));
  CHECK(r.duration_holdout == Approx(2.0));
  o.holdout_end_day = 7;
  CHECK_THROWS_WITH(cu::summary_accumulator(o), Catch::Contains("holdout_end"));
}

TEST_CASE("summary: merge of chunks equals one pass (by time and by customer)") {
  std::mt19937_64 rng(7);
  log_t l;
  for (int day = 0; day < 200; ++day)
    for (int j = 0; j < 30; ++j)
      l.push(static_cast<std::int64_t>(rng() % 150), day,
             static_cast<double>(rng() % 100), static_cast<std::int64_t>(rng() % 24));
  const auto whole = one_pass(l, opts(250));
  for (std::size_t cut : {std::size_t{1}, l.id.size() / 3, l.id.size() - 1}) {
    cu::summary_accumulator a(opts(250)), b(opts(250));
    a.add(l.id.data(), l.t.data(), l.v.data(), cut);
    b.add(l.id.data() + cut, l.t.data() + cut, l.v.data() + cut, l.id.size() - cut);
    a.merge(b);
    const auto m = a.finish();
    CHECK(m.customer == whole.customer);
    CHECK(m.frequency == whole.frequency);
    CHECK(m.recency == whole.recency);
    CHECK(m.T == whole.T);
    CHECK(m.transactions == whole.transactions);
    for (std::size_t i = 0; i < m.monetary.size(); ++i)
      CHECK(m.monetary[i] == Approx(whole.monetary[i]));
  }
  // By customer: even codes in one part, odd in the other, merged in either order.
  log_t even, odd;
  for (std::size_t i = 0; i < l.id.size(); ++i)
    (l.id[i] % 2 ? odd : even).push(l.id[i], l.t[i] / cu::ns_per_day, l.v[i]);
  cu::summary_accumulator a(opts(250)), b(opts(250));
  a.add(odd.id.data(), odd.t.data(), odd.v.data(), odd.id.size());
  b.add(even.id.data(), even.t.data(), even.v.data(), even.id.size());
  a.merge(b);
  CHECK(a.finish().frequency == whole.frequency);
}

TEST_CASE("summary: a shared boundary day is one purchase; interleaved parts throw") {
  log_t x, y;
  x.push(0, 1, 1);
  x.push(0, 5, 2);
  y.push(0, 5, 3);
  y.push(0, 9, 4);
  cu::summary_accumulator a(opts(10)), b(opts(10));
  a.add(x.id.data(), x.t.data(), x.v.data(), 2);
  b.add(y.id.data(), y.t.data(), y.v.data(), 2);
  b.merge(a);  // the later part first
  const auto r = b.finish();
  CHECK(r.frequency[0] == 2);
  CHECK(r.monetary[0] == Approx((5.0 + 4.0) / 2));
  log_t z;
  z.push(0, 3, 1);
  cu::summary_accumulator c(opts(10));
  c.add(z.id.data(), z.t.data(), z.v.data(), 1);
  CHECK_THROWS_WITH(b.merge(c), Catch::Contains("customer 0") && Catch::Contains("interleave"));
}

TEST_CASE("summary: bad rows are named") {
  log_t l;
  l.push(0, 1, 1);
  l.push(0, 30, 1);
  cu::summary_accumulator acc(opts(10));
  CHECK_THROWS_WITH(acc.add(l.id.data(), l.t.data(), l.v.data(), 2),
                    Catch::Contains("time[1]") && Catch::Contains("1970-01-31") &&
                        Catch::Contains("after end 1970-01-11"));
  l.t[1] = std::numeric_limits<std::int64_t>::min();
  CHECK_THROWS_WITH(acc.add(l.id.data(), l.t.data(), l.v.data(), 2),
                    Catch::Contains("time[1]: missing time"));
  l.t[1] = l.t[0];
  l.v[1] = -5;
  CHECK_THROWS_WITH(acc.add(l.id.data(), l.t.data(), l.v.data(), 2),
                    Catch::Contains("value[1]") && Catch::Contains("refunds"));
  l.v[1] = std::nan("");
  CHECK_THROWS_WITH(acc.add(l.id.data(), l.t.data(), l.v.data(), 2),
                    Catch::Contains("value[1]"));
  l.id[1] = -1;
  l.v[1] = 1;
  CHECK_THROWS_WITH(acc.add(l.id.data(), l.t.data(), l.v.data(), 2),
                    Catch::Contains("customer[1]"));
  CHECK(acc.rows() == 0);
  auto o = opts(10);
  o.refunds = true;
  l.id[1] = 0;
  l.v[1] = -5;
  cu::summary_accumulator ok(o);
  ok.add(l.id.data(), l.t.data(), l.v.data(), 2);
  CHECK(ok.finish().total[0] == Approx(-4));
}

TEST_CASE("summary: empty input and no end") {
  cu::summary_accumulator acc;
  acc.add(nullptr, nullptr, nullptr, 0);
  CHECK(acc.finish().customer.empty());
  log_t l;
  l.push(5, 3, 0);
  l.push(5, 17, 0);
  cu::summary_options o;
  o.period = cu::period_unit::day;
  const auto r = one_pass(l, o);  // end = the last day seen
  REQUIRE(std::vector<std::int64_t>(r.customer.begin(), r.customer.end()) ==
          std::vector<std::int64_t>{5});
  CHECK(r.T[0] == 14);
  CHECK(r.recency[0] == 14);
}

TEST_CASE("rfm: scores by the stated tie rule, 1..k") {
  // 10 values, k = 5: without ties two per bin.
  std::vector<double> x{9, 1, 8, 2, 7, 3, 6, 4, 5, 0};
  auto s = cu::quantile_scores(x.data(), x.size(), 5, false);
  CHECK(s == std::vector<std::uint8_t>{5, 1, 5, 2, 4, 2, 4, 3, 3, 1});
  // Ties share the score of the tie's lowest rank: L = values strictly smaller.
  std::vector<double> t{1, 1, 1, 1, 1, 1, 2, 3, 3, 4};
  s = cu::quantile_scores(t.data(), t.size(), 5, false);
  CHECK(s == std::vector<std::uint8_t>{1, 1, 1, 1, 1, 1, 4, 4, 4, 5});
  // Lower is better (recency): the smallest gets k.
  s = cu::quantile_scores(t.data(), t.size(), 5, true);
  CHECK(s == std::vector<std::uint8_t>{3, 3, 3, 3, 3, 3, 2, 1, 1, 1});
  std::vector<double> z{-0.0, 0.0, -1.5, 1e300};
  s = cu::quantile_scores(z.data(), z.size(), 4, false);
  CHECK(s == std::vector<std::uint8_t>{2, 2, 1, 4});
  std::vector<double> bad{1, std::nan("")};
  CHECK_THROWS_WITH(cu::quantile_scores(bad.data(), 2, 5, false, "monetary"),
                    Catch::Contains("monetary[1]"));
  CHECK_THROWS_WITH(cu::quantile_scores(bad.data(), 1, 0, false), Catch::Contains("bins"));
  std::vector<double> one{3};
  CHECK(cu::quantile_scores(one.data(), 1, 5, false) == std::vector<std::uint8_t>{1});
}

TEST_CASE("rfm: scores equal a brute-force count of strictly worse values") {
  std::mt19937_64 rng(11);
  const std::size_t n = 3000;
  std::vector<double> x(n);
  for (auto& v : x) v = static_cast<double>(rng() % 40) - 20.0 + (rng() % 3 == 0 ? 0.5 : 0.0);
  for (bool lower : {false, true}) {
    const auto s = cu::quantile_scores(x.data(), n, 7, lower);
    for (std::size_t i = 0; i < n; i += 37) {
      std::size_t worse = 0;
      for (double y : x) worse += lower ? (y > x[i]) : (y < x[i]);
      CHECK(s[i] == 1 + 7 * worse / n);
    }
  }
}

TEST_CASE("summary: large chunks (two row ranges) agree in time order, shuffled and interleaved") {
  // 2^18 rows: add() scans two row ranges side by side and joins them; rows not in
  // time order, or two time-ordered halves that overlap in time, are redone sorted.
  std::mt19937_64 rng(3);
  const std::size_t n = std::size_t{1} << 18;
  log_t sorted;
  for (std::size_t i = 0; i < n; ++i)
    sorted.push(static_cast<std::int64_t>(rng() % 5000), static_cast<std::int64_t>(i * 300 / n),
                static_cast<double>(rng() % 1000), static_cast<std::int64_t>(rng() % 24));
  auto o = opts(400);
  o.has_holdout = false;
  const auto a = one_pass(sorted, o);
  std::vector<std::size_t> perm(n);
  std::iota(perm.begin(), perm.end(), std::size_t{0});
  std::shuffle(perm.begin(), perm.end(), rng);
  log_t shuffled, halves;
  for (std::size_t i : perm) {
    shuffled.id.push_back(sorted.id[i]);
    shuffled.t.push_back(sorted.t[i]);
    shuffled.v.push_back(sorted.v[i]);
  }
  for (std::size_t half : {0u, 1u})  // even rows then odd rows: both halves span all days
    for (std::size_t i = half; i < n; i += 2) {
      halves.id.push_back(sorted.id[i]);
      halves.t.push_back(sorted.t[i]);
      halves.v.push_back(sorted.v[i]);
    }
  for (const auto* other : {&shuffled, &halves}) {
    const auto b = one_pass(*other, o);
    CHECK(b.customer == a.customer);
    CHECK(b.frequency == a.frequency);
    CHECK(b.recency == a.recency);
    CHECK(b.transactions == a.transactions);
    for (std::size_t i = 0; i < a.monetary.size(); i += 97)
      CHECK(b.monetary[i] == Approx(a.monetary[i]));
  }
  const auto sh = one_pass(shuffled, o);
  for (int threads : {1, 2, 3}) {  // the same bits whatever the thread count
    sostac::set_num_threads(threads);
    const auto c = one_pass(sorted, o);
    CHECK(c.monetary == a.monetary);
    CHECK(c.total == a.total);
    const auto d = one_pass(shuffled, o);  // the sorted path
    CHECK(d.monetary == sh.monetary);
    CHECK(d.total == sh.total);
  }
  sostac::set_num_threads(0);
}

TEST_CASE("rfm: whole numbers (histogram path) equal a brute-force count too") {
  std::mt19937_64 rng(5);
  const std::size_t n = 5000;
  std::vector<double> x(n);
  for (auto& v : x) v = static_cast<double>(rng() % 60) - 30.0;
  for (bool lower : {false, true})
    for (int k : {1, 4, 9}) {
      const auto s = cu::quantile_scores(x.data(), n, k, lower);
      for (std::size_t i = 0; i < n; i += 41) {
        std::size_t worse = 0;
        for (double y : x) worse += lower ? (y > x[i]) : (y < x[i]);
        CHECK(s[i] == 1 + static_cast<std::size_t>(k) * worse / n);
      }
    }
}

TEST_CASE("rfm: the radix selection equals a sort, across buckets, inside one bucket, with ties") {
  // L(x) = #values strictly worse, from a sorted copy; the score is 1 + floor(k L / n).
  auto expected = [](const std::vector<double>& x, int k, bool lower) {
    std::vector<double> y(x);
    for (auto& v : y) v = lower ? -v : v;
    std::vector<double> sorted(y);
    std::sort(sorted.begin(), sorted.end());
    std::vector<std::uint8_t> s(x.size());
    for (std::size_t i = 0; i < x.size(); ++i) {
      const auto worse = static_cast<std::size_t>(
          std::lower_bound(sorted.begin(), sorted.end(), y[i]) - sorted.begin());
      s[i] = static_cast<std::uint8_t>(1 + static_cast<std::size_t>(k) * worse / x.size());
    }
    return s;
  };
  std::mt19937_64 rng(17);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  const std::size_t n = 200000;
  std::vector<double> wide(n), narrow(n), tied(n);
  for (std::size_t i = 0; i < n; ++i) {
    wide[i] = (u(rng) < 0.1 ? -1.0 : 1.0) * std::exp(40.0 * u(rng) - 20.0);  // many buckets
    narrow[i] = 32.0 + 2.0 * u(rng);  // one top-16-bit bucket holds every value
    tied[i] = std::round(u(rng) * 7.0) / 4.0 + (i % 5 == 0 ? 0.0 : 0.125);  // large ties
  }
  for (const auto* x : {&wide, &narrow, &tied})
    for (bool lower : {false, true})
      for (int k : {2, 5, 10})
        CHECK(cu::quantile_scores(x->data(), n, k, lower) == expected(*x, k, lower));
  // Integer counts read as they are give the double path's answer.
  std::vector<std::int64_t> counts(n);
  std::vector<double> as_double(n);
  for (std::size_t i = 0; i < n; ++i) {
    counts[i] = static_cast<std::int64_t>(rng() % 1000000);  // wide: not the histogram path
    as_double[i] = static_cast<double>(counts[i]);
  }
  for (bool lower : {false, true}) {
    CHECK(cu::quantile_scores(counts.data(), n, 5, lower) == expected(as_double, 5, lower));
    CHECK(cu::quantile_scores(counts.data(), n, 5, lower) ==
          cu::quantile_scores(as_double.data(), n, 5, lower));
  }
}

TEST_CASE("summary: the same answer, bit for bit, for any thread count") {
  // Large enough (>= 2^17 rows) for add to split the customers between threads; in
  // time order (the per-thread pass), and with one row going back in time (the
  // sorted path). Each customer's amounts are summed in row order in both paths, so
  // the time-ordered answer also equals a brute-force sum in row order.
  std::mt19937_64 rng(14);
  log_t l;
  const std::size_t n = 300'000;
  const std::int64_t k = 5'000;
  for (std::size_t i = 0; i < n; ++i)
    l.push(static_cast<std::int64_t>(rng() % k), static_cast<std::int64_t>(i * 100 / n),
           static_cast<double>(rng() % 10'000) / 100.0, static_cast<std::int64_t>(rng() % 24));
  std::sort(l.t.begin(), l.t.end());
  std::vector<double> total(k, 0.0);
  std::vector<std::int64_t> rows(k, 0);
  for (std::size_t i = 0; i < n; ++i) {
    total[static_cast<std::size_t>(l.id[i])] += l.v[i];
    ++rows[static_cast<std::size_t>(l.id[i])];
  }
  log_t back = l;
  back.t[n - 5] = 0;  // before every other row of its customer
  for (const log_t* log : {&l, &back}) {
    std::vector<cu::summary_result> got;
    for (int threads : {1, 2, 3}) {
      sostac::set_num_threads(threads);
      got.push_back(one_pass(*log, opts(120)));
    }
    sostac::set_num_threads(0);
    for (std::size_t j = 1; j < got.size(); ++j) {
      CHECK(got[j].customer == got[0].customer);
      CHECK(got[j].frequency == got[0].frequency);
      CHECK(got[j].recency == got[0].recency);
      CHECK(got[j].T == got[0].T);
      CHECK(got[j].monetary == got[0].monetary);
      CHECK(got[j].transactions == got[0].transactions);
      CHECK(got[j].total == got[0].total);
      CHECK(got[j].days_since_last == got[0].days_since_last);
    }
    if (log == &l) {
      REQUIRE(got[0].customer.size() == static_cast<std::size_t>(k));
      for (std::size_t c = 0; c < static_cast<std::size_t>(k); ++c) {
        CHECK(got[0].total[c] == total[c]);  // exactly: the same order of additions
        CHECK(got[0].transactions[c] == rows[c]);
      }
    }
  }
}
