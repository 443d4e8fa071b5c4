// sostac/attribution/path_text.hpp: path text ("a > b > c") to the flat path-table arrays.
#pragma once
/// Parses a column of path text into channel codes, offsets and the sorted channel
/// names (the layout of path_table.hpp) straight from the strings' bytes: Arrow's
/// layout (one data buffer, n + 1 offsets, 32- or 64-bit, possibly in several chunks)
/// or one buffer of the texts joined by '\n'. The rules are those of
/// sostac.attribution's path tables:
///   - a path is split at every occurrence of the separator (matched literally, left
///     to right, as Python's str.split), each name is trimmed of the whitespace that
///     Python's str.strip() removes (ASCII and Unicode spaces);
///   - an empty name ("a > > b", "a >", "", "  ") is an error naming the path;
///   - a line break in a path is an error (a path is one line);
///   - codes follow the names' byte order (UTF-8 byte order is code point order,
///     the order of sorted Python strings).
/// Paths are parsed in fixed blocks (the block size does not depend on the thread
/// count), each with its own name table, then merged: the result and the error
/// reported (the first bad path) are the same for any thread count.

#include <sostac/core/error.hpp>
#include <sostac/core/parallel.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <numeric>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace sostac::attribution {

struct path_text_result {
  std::vector<std::string> channels;      ///< distinct trimmed names, sorted
  std::vector<std::uint64_t> offsets{0};  ///< n + 1
  std::vector<std::int32_t> steps;        ///< codes into channels, offsets.back()
};

/// One run of n strings in Arrow's layout: string i is
/// data[offsets[i] .. offsets[i + 1]) (offsets[0] need not be 0).
template <class Offset>
struct path_text_chunk {
  const char* data = nullptr;
  const Offset* offsets = nullptr;
  std::size_t n = 0;
};

namespace detail {

/// Bytes of the whitespace character of Python's str.isspace() starting at p (0 if
/// none): \t \n \v \f \r \x1c-\x1f space, U+0085, U+00A0, U+1680, U+2000-U+200A,
/// U+2028, U+2029, U+202F, U+205F, U+3000.
inline std::size_t space_prefix(const unsigned char* p, std::size_t avail) noexcept {
  if (avail == 0) return 0;
  const unsigned char c = p[0];
  if (c < 0x80) return (c == ' ' || (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x1f));
  if (avail >= 2 && c == 0xc2 && (p[1] == 0x85 || p[1] == 0xa0)) return 2;
  if (avail < 3) return 0;
  if (c == 0xe1) return (p[1] == 0x9a && p[2] == 0x80) ? 3 : 0;
  if (c == 0xe2) {
    if (p[1] == 0x80)
      return ((p[2] >= 0x80 && p[2] <= 0x8a) || p[2] == 0xa8 || p[2] == 0xa9 || p[2] == 0xaf)
                 ? 3
                 : 0;
    return (p[1] == 0x81 && p[2] == 0x9f) ? 3 : 0;
  }
  if (c == 0xe3) return (p[1] == 0x80 && p[2] == 0x80) ? 3 : 0;
  return 0;
}

/// Bytes of such a whitespace character ending at end (exclusive; 0 if none).
inline std::size_t space_suffix(const unsigned char* begin, const unsigned char* end) noexcept {
  const auto avail = static_cast<std::size_t>(end - begin);
  if (avail == 0) return 0;
  if (end[-1] < 0x80) return space_prefix(end - 1, 1);
  // UTF-8 is self-synchronising: a lead byte 2 or 3 bytes back starts the character.
  if (avail >= 2 && space_prefix(end - 2, 2) == 2) return 2;
  if (avail >= 3 && space_prefix(end - 3, 3) == 3) return 3;
  return 0;
}

/// The text of a path in an error message, quoted as Python's repr quotes a str.
inline std::string path_repr(std::string_view s) {
  const bool single = s.find('\'') == std::string_view::npos ||
                      s.find('"') != std::string_view::npos;
  const char q = single ? '\'' : '"';
  std::string out(1, q);
  static const char* hex = "0123456789abcdef";
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (ch == q || ch == '\\') {
      out += '\\';
      out += ch;
    } else if (ch == '\n') {
      out += "\\n";
    } else if (ch == '\r') {
      out += "\\r";
    } else if (ch == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7f) {
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    } else {
      out += ch;
    }
  }
  out += q;
  return out;
}

/// Open-addressing table of the distinct names of one block (names point into the
/// input text, which outlives the parse).
class name_table {
 public:
  name_table() : slots_(64, -1) {}

  std::int32_t intern(const char* p, std::size_t len) {
    std::uint64_t h = 1469598103934665603ULL;  // FNV-1a
    for (std::size_t i = 0; i < len; ++i) {
      h ^= static_cast<unsigned char>(p[i]);
      h *= 1099511628211ULL;
    }
    std::size_t mask = slots_.size() - 1, at = static_cast<std::size_t>(h) & mask;
    for (;; at = (at + 1) & mask) {
      const std::int32_t id = slots_[at];
      if (id < 0) break;
      const std::string_view& nm = names_[static_cast<std::size_t>(id)];
      if (hashes_[static_cast<std::size_t>(id)] == h && nm.size() == len &&
          std::memcmp(nm.data(), p, len) == 0)
        return id;
    }
    const auto id = static_cast<std::int32_t>(names_.size());
    names_.emplace_back(p, len);
    hashes_.push_back(h);
    slots_[at] = id;
    if (2 * names_.size() > slots_.size()) grow();
    return id;
  }
  const std::vector<std::string_view>& names() const noexcept { return names_; }

 private:
  void grow() {
    std::vector<std::int32_t> next(slots_.size() * 2, -1);
    const std::size_t mask = next.size() - 1;
    for (std::size_t id = 0; id < names_.size(); ++id) {
      std::size_t at = static_cast<std::size_t>(hashes_[id]) & mask;
      while (next[at] >= 0) at = (at + 1) & mask;
      next[at] = static_cast<std::int32_t>(id);
    }
    slots_.swap(next);
  }
  std::vector<std::int32_t> slots_;
  std::vector<std::string_view> names_;
  std::vector<std::uint64_t> hashes_;
};

struct path_text_block {
  name_table names;
  std::vector<std::int32_t> steps;    // local ids
  std::vector<std::uint32_t> length;  // touches per path
};

}  // namespace detail

namespace detail {

/// Parses the n texts text(i) (string_views) in fixed blocks, then merges the names.
template <class Text>
path_text_result parse_texts(std::size_t n, const Text& text, std::string_view sep) {
  auto where = [](std::size_t i) { return "path[" + std::to_string(i) + "]"; };
  const std::size_t grain = std::size_t{1} << 16;
  const std::size_t n_blocks = (n + grain - 1) / grain;
  std::vector<path_text_block> blocks(n_blocks);
  const char s0 = sep[0];
  const std::size_t sl = sep.size();
  sostac::parallel_for(
      n_blocks,
      [&](std::size_t bb, std::size_t be) {
        for (std::size_t blk = bb; blk < be; ++blk) {
          auto& out = blocks[blk];
          const std::size_t lo = blk * grain, hi = std::min(n, lo + grain);
          out.length.reserve(hi - lo);
          out.steps.reserve(4 * (hi - lo));
          for (std::size_t i = lo; i < hi; ++i) {
            const std::string_view s = text(i);
            const char* p = s.data();
            const char* const end = p + s.size();
            std::uint32_t k = 0;
            for (;;) {
              const char* cut = end;  // the next separator at or after p
              if (sl == 1) {  // names are short: a plain scan beats memchr's call
                cut = p;
                while (cut < end && *cut != s0) ++cut;
              } else
              for (const char* q = p; q < end;) {
                const void* f = std::memchr(q, s0, static_cast<std::size_t>(end - q));
                if (!f) break;
                const char* m = static_cast<const char*>(f);
                if (static_cast<std::size_t>(end - m) >= sl &&
                    (sl == 1 || std::memcmp(m, sep.data(), sl) == 0)) {
                  cut = m;
                  break;
                }
                q = m + 1;
              }
              auto* tb = reinterpret_cast<const unsigned char*>(p);
              auto* te = reinterpret_cast<const unsigned char*>(cut);
              for (std::size_t w;
                   (w = space_prefix(tb, static_cast<std::size_t>(te - tb))) > 0;)
                tb += w;
              for (std::size_t w; (w = space_suffix(tb, te)) > 0;) te -= w;
              if (tb == te)
                throw input_error(where(i), "empty channel name in " + path_repr(s));
              out.steps.push_back(out.names.intern(reinterpret_cast<const char*>(tb),
                                                   static_cast<std::size_t>(te - tb)));
              ++k;
              if (cut == end) break;
              p = cut + sl;
            }
            out.length.push_back(k);
          }
        }
      },
      1);
  // Merge the blocks' names, sorted; remap and lay out the steps.
  std::vector<std::string_view> all;
  for (const auto& b : blocks)
    all.insert(all.end(), b.names.names().begin(), b.names.names().end());
  std::sort(all.begin(), all.end());
  all.erase(std::unique(all.begin(), all.end()), all.end());
  path_text_result res;
  res.channels.assign(all.begin(), all.end());
  res.offsets.assign(n + 1, 0);
  std::vector<std::uint64_t> block_start(n_blocks + 1, 0);
  {
    std::size_t i = 0;
    for (std::size_t blk = 0; blk < n_blocks; ++blk) {
      for (const std::uint32_t len : blocks[blk].length) {
        res.offsets[i + 1] = res.offsets[i] + len;
        ++i;
      }
      std::vector<std::uint32_t>().swap(blocks[blk].length);
      block_start[blk + 1] = res.offsets[i];
    }
  }
  res.steps.resize(static_cast<std::size_t>(res.offsets[n]));
  sostac::parallel_for(
      n_blocks,
      [&](std::size_t bb, std::size_t be) {
        for (std::size_t blk = bb; blk < be; ++blk) {
          auto& b = blocks[blk];
          std::vector<std::int32_t> remap(b.names.names().size());
          for (std::size_t id = 0; id < remap.size(); ++id)
            remap[id] = static_cast<std::int32_t>(
                std::lower_bound(all.begin(), all.end(), b.names.names()[id]) - all.begin());
          std::int32_t* dst = res.steps.data() + block_start[blk];
          for (const std::int32_t id : b.steps) *dst++ = remap[static_cast<std::size_t>(id)];
          std::vector<std::int32_t>().swap(b.steps);
        }
      },
      1);
  return res;
}

inline void check_sep(std::string_view sep) {
  if (sep.empty()) throw input_error("sep", "expected a non-empty separator text");
  if (sep.find('\n') != std::string_view::npos)
    throw input_error("sep", "expected a separator without a line break");
}

}  // namespace detail

/// Parses the paths of `chunks` (concatenated in order; path indices in errors count
/// across chunks). `sep`: non-empty, without a line break.
template <class Offset>
path_text_result parse_path_text(const std::vector<path_text_chunk<Offset>>& chunks,
                                 std::string_view sep) {
  detail::check_sep(sep);
  std::vector<std::size_t> start(chunks.size() + 1, 0);
  for (std::size_t c = 0; c < chunks.size(); ++c) start[c + 1] = start[c] + chunks[c].n;
  const std::size_t n = start.back();
  auto where = [](std::size_t i) { return "path[" + std::to_string(i) + "]"; };
  auto piece = [](const path_text_chunk<Offset>& ch, std::size_t j) {
    const auto b = static_cast<std::size_t>(ch.offsets[j]);
    const auto e = static_cast<std::size_t>(ch.offsets[j + 1]);
    return std::string_view(ch.data + b, e - b);
  };
  // Line breaks first, over the whole text (as the joined-text check did).
  for (std::size_t c = 0; c < chunks.size(); ++c) {
    const auto& ch = chunks[c];
    if (ch.n == 0) continue;
    if constexpr (std::is_signed_v<Offset>)
      if (ch.offsets[0] < 0) throw input_error("path", "negative text offset");
    for (std::size_t j = 0; j < ch.n; ++j)
      if (ch.offsets[j + 1] < ch.offsets[j])
        throw input_error(where(start[c] + j), "decreasing text offsets");
    const auto b = static_cast<std::size_t>(ch.offsets[0]);
    const auto e = static_cast<std::size_t>(ch.offsets[ch.n]);
    const void* hit = e > b ? std::memchr(ch.data + b, '\n', e - b) : nullptr;
    if (hit) {
      const auto pos = static_cast<Offset>(static_cast<const char*>(hit) - ch.data);
      const auto j = static_cast<std::size_t>(
          std::upper_bound(ch.offsets, ch.offsets + ch.n + 1, pos) - ch.offsets) - 1;
      throw input_error(where(start[c] + j), "a path contains a line break: " +
                                                 detail::path_repr(piece(ch, j)));
    }
  }
  if (chunks.size() == 1) {
    const auto& ch = chunks[0];
    return detail::parse_texts(n, [&](std::size_t i) { return piece(ch, i); }, sep);
  }
  return detail::parse_texts(
      n,
      [&](std::size_t i) {
        const auto c = static_cast<std::size_t>(
            std::upper_bound(start.begin(), start.end(), i) - start.begin()) - 1;
        return piece(chunks[c], i - start[c]);
      },
      sep);
}

/// The same for n texts joined by '\n' in one buffer of `size` bytes (a text with a
/// line break of its own makes more than n lines: an error).
inline path_text_result parse_path_lines(const char* data, std::size_t size, std::size_t n,
                                         std::string_view sep) {
  detail::check_sep(sep);
  if (n == 0) return {};
  std::vector<std::uint64_t> begin;  // text i is [begin[i], begin[i + 1] - 1)
  begin.reserve(n + 1);
  begin.push_back(0);
  for (const char* p = data; p < data + size;) {
    const void* f = std::memchr(p, '\n', static_cast<std::size_t>(data + size - p));
    if (!f) break;
    const char* m = static_cast<const char*>(f);
    begin.push_back(static_cast<std::uint64_t>(m - data) + 1);
    p = m + 1;
  }
  begin.push_back(static_cast<std::uint64_t>(size) + 1);
  if (begin.size() != n + 1) throw input_error("paths", "a path contains a line break");
  return detail::parse_texts(
      n,
      [&](std::size_t i) {
        return std::string_view(data + begin[i],
                                static_cast<std::size_t>(begin[i + 1] - 1 - begin[i]));
      },
      sep);
}

}  // namespace sostac::attribution
