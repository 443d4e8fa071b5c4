#pragma once
/// One thread knob for every kernel: `sostac::set_num_threads(n)` or the
/// SOSTAC_NUM_THREADS environment variable (default: all cores).
///
/// Work is cut into fixed chunks whose boundaries depend only on the input size,
/// never on the thread count, and each element is computed independently, so results
/// are bit-identical for any number of threads.

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <exception>
#include <thread>
#include <vector>

namespace sostac {

namespace detail {
inline std::atomic<int>& thread_setting() {
  static std::atomic<int> n{0};  // 0 = not set by the caller
  return n;
}
/// True on a thread running a parallel_for chunk: a kernel called from inside another
/// kernel's parallel loop (a bootstrap replicate refitting a model) runs serially
/// instead of starting threads of its own (T x T threads). Results do not change:
/// chunk boundaries never depend on the thread count.
inline bool& in_parallel_region() noexcept {
  thread_local bool flag = false;
  return flag;
}
}  // namespace detail

/// Threads a kernel may use: the value set by set_num_threads, else
/// SOSTAC_NUM_THREADS, else std::thread::hardware_concurrency().
inline int num_threads() {
  int n = detail::thread_setting().load();
  if (n > 0) return n;
  if (const char* env = std::getenv("SOSTAC_NUM_THREADS")) {
    char* end = nullptr;
    long v = std::strtol(env, &end, 10);
    if (end != env && *end == '\0' && v > 0 && v < 4096) return static_cast<int>(v);
  }
  unsigned hw = std::thread::hardware_concurrency();
  return hw == 0 ? 1 : static_cast<int>(hw);
}

/// n <= 0 restores the default.
inline void set_num_threads(int n) noexcept {
  detail::thread_setting().store(n > 0 ? n : 0);
}

/// Calls body(begin, end) over [0, size) in chunks of `grain` elements, spread over
/// up to num_threads() threads. An exception from any chunk is rethrown after all
/// threads join; if several chunks throw, the one with the lowest index wins, so the
/// error a caller sees does not depend on scheduling.
template <class Body>
void parallel_for(std::size_t size, Body&& body, std::size_t grain = 16384) {
  if (size == 0) return;
  grain = std::max<std::size_t>(grain, 1);
  const std::size_t chunks = (size + grain - 1) / grain;
  const std::size_t threads =
      detail::in_parallel_region()
          ? 1
          : std::min<std::size_t>(chunks, static_cast<std::size_t>(num_threads()));
  if (threads <= 1) {
    body(std::size_t{0}, size);
    return;
  }
  std::atomic<std::size_t> next{0};
  std::vector<std::exception_ptr> errors(chunks);
  auto worker = [&] {
    struct region {  // restores the flag on exit (the calling thread had it false)
      region() noexcept { detail::in_parallel_region() = true; }
      ~region() { detail::in_parallel_region() = false; }
    } guard;
    for (std::size_t c; (c = next.fetch_add(1)) < chunks;) {
      const std::size_t begin = c * grain;
      const std::size_t end = std::min(size, begin + grain);
      try {
        body(begin, end);
      } catch (...) {
        errors[c] = std::current_exception();
      }
    }
  };
  std::vector<std::thread> pool;
  pool.reserve(threads - 1);
  for (std::size_t t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (auto& th : pool) th.join();
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
}

}  // namespace sostac
