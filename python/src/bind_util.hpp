#pragma once
// Helpers shared by the register_<area>.cpp files: element-wise kernels over equally
// long float64 arrays (the Python layer broadcasts and flattens first).

#include <sostac/core/error.hpp>
#include <sostac/core/parallel.hpp>

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <string>
#include <vector>

namespace sostac::python {

namespace py = pybind11;
using farray = py::array_t<double, py::array::c_style | py::array::forcecast>;

/// A 1-d numpy array with a copy of v.
template <class T>
py::array_t<T> to_numpy(const std::vector<T>& v) {
  py::array_t<T> out(static_cast<py::ssize_t>(v.size()));
  std::copy(v.begin(), v.end(), out.mutable_data());
  return out;
}

/// Checks that the NIn input arrays are flat and of one length; returns it.
template <std::size_t NIn>
py::ssize_t same_flat_length(const std::array<farray, NIn>& in,
                             const std::array<const char*, NIn>& names) {
  const py::ssize_t n = in[0].size();
  for (std::size_t k = 0; k < NIn; ++k) {
    if (in[k].ndim() != 1)
      throw input_error(names[k], "expected a flat array (broadcast first)");
    if (in[k].size() != n)
      throw input_error(names[k], "expected " + std::to_string(n) + " values, got " +
                                      std::to_string(in[k].size()));
  }
  return n;
}

/// Applies f(const double* in, double* out) to every element i of the NIn input
/// arrays, writing NOut outputs per element, and returns {name: array}. With
/// `indexed`, an input_error from element i is re-addressed to "arg[i]".
template <std::size_t NIn, std::size_t NOut, class F>
py::dict map_elements(const std::array<farray, NIn>& in,
                      const std::array<const char*, NIn>& in_names,
                      const std::array<const char*, NOut>& out_names, bool indexed,
                      F f) {
  const py::ssize_t n = same_flat_length(in, in_names);
  std::array<const double*, NIn> ip{};
  for (std::size_t k = 0; k < NIn; ++k) ip[k] = in[k].data();
  std::array<farray, NOut> out;
  std::array<double*, NOut> op{};
  for (std::size_t k = 0; k < NOut; ++k) {
    out[k] = farray(n);
    op[k] = out[k].mutable_data();
  }
  {
    // Safe without the GIL: the loop touches only the raw buffers of arrays that
    // `in` and `out` keep alive, and no Python object.
    py::gil_scoped_release release;
    sostac::parallel_for(
        static_cast<std::size_t>(n),
        [&](std::size_t b, std::size_t e) {
          std::array<double, NIn> x{};
          std::array<double, NOut> y{};
          for (std::size_t i = b; i < e; ++i) {
            for (std::size_t k = 0; k < NIn; ++k) x[k] = ip[k][i];
            try {
              f(x.data(), y.data());
            } catch (const input_error& err) {
              if (indexed) throw err.at_index(i);
              throw;
            }
            for (std::size_t k = 0; k < NOut; ++k) op[k][i] = y[k];
          }
        },
        4096);
  }
  py::dict d;
  for (std::size_t k = 0; k < NOut; ++k) d[out_names[k]] = out[k];
  return d;
}

/// A 1-D float64 view of a Python sequence or array, rejecting other shapes.
inline farray as_vector(const farray& a, const char* name) {
  if (a.ndim() != 1) throw input_error(name, "expected a one-dimensional array");
  return a;
}

}  // namespace sostac::python
