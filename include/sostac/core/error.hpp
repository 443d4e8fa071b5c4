#pragma once
/// Errors and argument checks shared by every sostac kernel.
///
/// Bad input never yields a silent number: kernels throw `sostac::input_error`
/// (pybind11 turns it into ValueError) whose message names the argument, the
/// index where there is one, the value seen and what was expected.

#include <cmath>
#include <cstddef>
#include <sstream>
#include <stdexcept>
#include <string>

namespace sostac {

/// Thrown for invalid arguments. `argument()` is the name as the caller wrote it
/// (e.g. "x_a" or "x_a[3]"); `what()` is the full sentence.
class input_error : public std::invalid_argument {
 public:
  input_error(std::string argument, const std::string& message)
      : std::invalid_argument(argument + ": " + message),
        argument_(std::move(argument)),
        message_(message) {}

  const std::string& argument() const noexcept { return argument_; }
  const std::string& message() const noexcept { return message_; }

  /// The same error, re-addressed to element `index` of a vector argument, so the
  /// vectorised kernels report "x_a[3]: ..." without every scalar check knowing about
  /// indices.
  input_error at_index(std::size_t index) const {
    return input_error(argument_ + "[" + std::to_string(index) + "]", message_);
  }

 private:
  std::string argument_;
  std::string message_;
};

namespace detail {

inline std::string format_value(double v) {
  std::ostringstream os;
  os.precision(17);
  os << v;
  return os.str();
}

[[noreturn]] inline void fail(const char* argument, const std::string& message) {
  throw input_error(argument, message);
}

inline void check_finite(const char* argument, double v) {
  if (!std::isfinite(v))
    fail(argument, "expected a finite number, got " + format_value(v));
}

/// A count of trials or successes: finite, non-negative and whole.
inline void check_count(const char* argument, double v) {
  if (!std::isfinite(v) || v < 0 || v != std::floor(v))
    fail(argument, "expected a non-negative whole count, got " + format_value(v));
  if (v > 9007199254740992.0)  // 2^53: beyond it doubles skip integers
    fail(argument, "count " + format_value(v) + " is larger than 2^53");
}

/// Successes x out of n trials, n >= 1.
inline void check_successes(const char* x_name, double x, const char* n_name,
                            double n) {
  check_count(x_name, x);
  check_count(n_name, n);
  if (n < 1) fail(n_name, "expected at least one trial, got " + format_value(n));
  if (x > n)
    fail(x_name, "successes " + format_value(x) + " exceed the number of trials " +
                     std::string(n_name) + " = " + format_value(n));
}

/// A confidence or credible level strictly inside (0, 1).
inline void check_level(const char* argument, double level) {
  if (!(level > 0 && level < 1))
    fail(argument,
         "expected a level strictly between 0 and 1, got " + format_value(level));
}

/// A probability strictly inside (0, 1) (alpha, power, a planned rate).
inline void check_open_probability(const char* argument, double p) {
  if (!(p > 0 && p < 1))
    fail(argument,
         "expected a probability strictly between 0 and 1, got " + format_value(p));
}

/// A probability in the closed interval [0, 1] (an observed p-value).
inline void check_probability(const char* argument, double p) {
  if (!(p >= 0 && p <= 1))
    fail(argument, "expected a probability in [0, 1], got " + format_value(p));
}

inline void check_positive(const char* argument, double v) {
  if (!(std::isfinite(v) && v > 0))
    fail(argument, "expected a finite positive number, got " + format_value(v));
}

}  // namespace detail
}  // namespace sostac
