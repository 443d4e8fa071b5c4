// Tests of include/sostac/attribution/ (encode part).
#include <sostac/attribution.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace at = sostac::attribution;

namespace {

/// Arrow's layout of the texts, with `lead` bytes before the first (a sliced array).
struct arrow_like {
  std::string data;
  std::vector<std::int64_t> offsets;
};

arrow_like arrow(const std::vector<std::string>& texts, std::size_t lead = 0) {
  arrow_like a;
  a.data.assign(lead, 'x');
  a.offsets.push_back(static_cast<std::int64_t>(lead));
  for (const auto& t : texts) {
    a.data += t;
    a.offsets.push_back(static_cast<std::int64_t>(a.data.size()));
  }
  return a;
}

at::path_text_result parse(const std::vector<std::string>& texts, const std::string& sep = ">") {
  const auto a = arrow(texts, 3);
  return at::parse_path_text(
      std::vector<at::path_text_chunk<std::int64_t>>{{a.data.data(), a.offsets.data(),
                                                      texts.size()}},
      sep);
}

std::string joined(const std::vector<std::string>& texts) {
  std::string s;
  for (std::size_t i = 0; i < texts.size(); ++i) s += (i ? "\n" : "") + texts[i];
  return s;
}

/// The reference: split with std::string::find, trim ASCII whitespace, sort names.
at::path_text_result reference(const std::vector<std::string>& texts, const std::string& sep) {
  std::vector<std::vector<std::string>> tokens;
  std::map<std::string, std::int32_t> names;
  for (const auto& t : texts) {
    std::vector<std::string> row;
    for (std::size_t p = 0;;) {
      const std::size_t q = t.find(sep, p);
      std::string tok = t.substr(p, q == std::string::npos ? std::string::npos : q - p);
      const auto b = tok.find_first_not_of(" \t\r\f\v");
      const auto e = tok.find_last_not_of(" \t\r\f\v");
      tok = b == std::string::npos ? "" : tok.substr(b, e - b + 1);
      names[tok] = 0;
      row.push_back(tok);
      if (q == std::string::npos) break;
      p = q + sep.size();
    }
    tokens.push_back(row);
  }
  at::path_text_result r;
  std::int32_t code = 0;
  for (auto& kv : names) {
    kv.second = code++;
    r.channels.push_back(kv.first);
  }
  for (const auto& row : tokens) {
    for (const auto& tok : row) r.steps.push_back(names[tok]);
    r.offsets.push_back(r.steps.size());
  }
  return r;
}

}  // namespace

TEST_CASE("path text: codes in sorted name order, names trimmed", "[attribution][encode]") {
  const std::vector<std::string> texts{"b > a > b", " c", "a>\xc3\xa9 > c  "};
  for (int way = 0; way < 2; ++way) {
    const std::string j = joined(texts);
    const auto r = way == 0 ? parse(texts) : at::parse_path_lines(j.data(), j.size(), 3, ">");
    CHECK(r.channels == std::vector<std::string>{"a", "b", "c", "\xc3\xa9"});
    CHECK(r.offsets == std::vector<std::uint64_t>{0, 3, 4, 7});
    CHECK(r.steps == std::vector<std::int32_t>{1, 0, 1, 2, 0, 3, 2});
  }
}

TEST_CASE("path text: Python's whitespace is trimmed, other bytes kept",
          "[attribution][encode]") {
  // U+00A0, U+3000, U+2028 and \x1f are whitespace to str.strip(); U+200B is not.
  const auto r = parse({"\xc2\xa0" "a\xe3\x80\x80 > \x1f" "b\xe2\x80\xa8", "\xe2\x80\x8b" "a"});
  CHECK(r.channels == std::vector<std::string>{"a", "b", "\xe2\x80\x8b" "a"});
  CHECK(r.steps == std::vector<std::int32_t>{0, 1, 2});
}

TEST_CASE("path text: multi-byte separators split left to right", "[attribution][encode]") {
  // As Python's "a>>>b".split(">>") == ["a", ">b"].
  const auto r = parse({"a>>>b", "c -> d->e"}, ">>");
  CHECK(r.channels == std::vector<std::string>{">b", "a", "c -> d->e"});
  const auto s = parse({"a>>>b", "c -> d->e"}, "->");
  CHECK(s.channels == std::vector<std::string>{"a>>>b", "c", "d", "e"});
  CHECK(s.offsets == std::vector<std::uint64_t>{0, 1, 4});
}

TEST_CASE("path text: errors name the path", "[attribution][encode]") {
  using Catch::Matchers::Contains;
  CHECK_THROWS_WITH(parse({"a", "a > > b"}), Contains("path[1]: empty channel name in 'a > > b'"));
  CHECK_THROWS_WITH(parse({"a >", "b"}), Contains("path[0]: empty channel name"));
  CHECK_THROWS_WITH(parse({"a", "", "b"}), Contains("path[1]: empty channel name in ''"));
  CHECK_THROWS_WITH(parse({"a", "\xc2\xa0"}), Contains("path[1]: empty channel name"));
  CHECK_THROWS_WITH(parse({"a", "b > c", "it's\n"}),
                    Contains("path[2]: a path contains a line break: \"it's\\n\""));
  // the line break wins over an earlier empty name, as before
  CHECK_THROWS_WITH(parse({"a > ", "b\nc"}), Contains("path[1]: a path contains a line break"));
  CHECK_THROWS_WITH(parse({"a"}, ""), Contains("sep"));
  CHECK_THROWS_WITH(parse({"a"}, "\n"), Contains("sep"));
  const std::string j = "a\nb\nc";
  CHECK_THROWS_WITH(at::parse_path_lines(j.data(), j.size(), 2, ">"), Contains("line break"));
  CHECK(at::parse_path_lines(j.data(), j.size(), 3, ">").channels.size() == 3);
}

TEST_CASE("path text: chunks, thread counts and a reference parser agree",
          "[attribution][encode]") {
  std::mt19937_64 rng(7);
  const std::vector<std::string> names{"a", "bb", "search", "e-mail", "x y", "\xc3\xa9t\xc3\xa9"};
  const std::vector<std::string> pads{"", " ", "  ", "\t"};
  std::vector<std::string> texts;
  for (int i = 0; i < 200000; ++i) {  // more than one parse block
    std::string t;
    const int len = 1 + static_cast<int>(rng() % 6);
    for (int k = 0; k < len; ++k) {
      if (k) t += ">";
      t += pads[rng() % pads.size()] + names[rng() % names.size()] + pads[rng() % pads.size()];
    }
    texts.push_back(t);
  }
  const auto want = reference(texts, ">");
  // three chunks of 32-bit offsets
  std::vector<arrow_like> parts;
  std::vector<std::vector<std::int32_t>> off32;
  std::vector<at::path_text_chunk<std::int32_t>> chunks;
  const std::size_t cut[] = {0, 70001, 70001, texts.size()};
  for (int c = 0; c < 3; ++c) {
    parts.push_back(arrow({texts.begin() + static_cast<std::ptrdiff_t>(cut[c]),
                           texts.begin() + static_cast<std::ptrdiff_t>(cut[c + 1])},
                          static_cast<std::size_t>(c)));
    off32.emplace_back(parts.back().offsets.begin(), parts.back().offsets.end());
  }
  for (int c = 0; c < 3; ++c)
    chunks.push_back({parts[static_cast<std::size_t>(c)].data.data(),
                      off32[static_cast<std::size_t>(c)].data(), cut[c + 1] - cut[c]});
  for (int threads : {1, 2, 3}) {
    sostac::set_num_threads(threads);
    const auto r = at::parse_path_text(chunks, ">");
    CHECK(r.channels == want.channels);
    CHECK(r.offsets == want.offsets);
    CHECK(r.steps == want.steps);
    const std::string j = joined(texts);
    const auto l = at::parse_path_lines(j.data(), j.size(), texts.size(), ">");
    CHECK(l.steps == want.steps);
    CHECK(l.offsets == want.offsets);
  }
  sostac::set_num_threads(0);
  // the first bad path is reported whatever the thread count
  texts[150000] = "a > ";
  texts[190000] = " > a";
  const auto bad = arrow(texts);
  for (int threads : {1, 2}) {
    sostac::set_num_threads(threads);
    CHECK_THROWS_WITH(
        at::parse_path_text(std::vector<at::path_text_chunk<std::int64_t>>{
                                {bad.data.data(), bad.offsets.data(), texts.size()}},
                            ">"),
        Catch::Matchers::Contains("path[150000]"));
  }
  sostac::set_num_threads(0);
}
