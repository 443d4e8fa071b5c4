#pragma once
// The path-table view of sostac/attribution/_table.py encode()'s flat arrays, shared by
// the attribution bindings that take a whole table (models part, bootstrap part).

#include "bind_util.hpp"

#include <sostac/attribution/path_table.hpp>

#include <cstdint>
#include <string>

namespace sostac::python {

using u64array = py::array_t<std::uint64_t, py::array::c_style | py::array::forcecast>;
using i32array = py::array_t<std::int32_t, py::array::c_style | py::array::forcecast>;

/// The path-table view of encode()'s arrays, after checking their lengths.
inline attribution::path_table_view path_table_arrays(const u64array& offsets,
                                                      const i32array& steps,
                                                      const farray& conversions,
                                                      const farray& value, const farray& nulls,
                                                      std::size_t n_channels) {
  if (offsets.ndim() != 1 || offsets.size() < 1)
    throw input_error("offsets", "expected a flat array of n + 1 offsets");
  const auto n = static_cast<std::size_t>(offsets.size() - 1);
  same_flat_length<3>({conversions, value, nulls}, {"conversions", "value", "nulls"});
  if (static_cast<std::size_t>(conversions.size()) != n)
    throw input_error("conversions", "expected " + std::to_string(n) + " values, got " +
                                         std::to_string(conversions.size()));
  const std::uint64_t* off = offsets.data();
  if (off[n] != static_cast<std::uint64_t>(steps.size()))
    throw input_error("steps", "expected " + std::to_string(off[n]) + " steps, got " +
                                   std::to_string(steps.size()));
  return {n, n_channels, off, steps.data(), conversions.data(), value.data(), nulls.data()};
}

}  // namespace sostac::python
