// sostac._core.budget: bindings for include/sostac/budget/ (transforms part): adstock
// and saturation over a periods x channels float64 array.
#include <sostac/budget.hpp>

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstddef>
#include <string>
#include <vector>

namespace py = pybind11;

namespace sostac::python {

namespace {

namespace bu = sostac::budget;
using darray = py::array_t<double, py::array::c_style | py::array::forcecast>;

/// (periods, channels) of a 2-D array.
std::pair<std::size_t, std::size_t> shape2(const darray& x) {
  if (x.ndim() != 2) throw input_error("x", "expected a 2-D array (periods x channels)");
  return {static_cast<std::size_t>(x.shape(0)), static_cast<std::size_t>(x.shape(1))};
}

bu::adstock_kind adstock_kind(const std::string& kind) {
  if (kind == "geometric") return bu::adstock_kind::geometric;
  if (kind == "delayed") return bu::adstock_kind::delayed;
  if (kind == "weibull_cdf") return bu::adstock_kind::weibull_cdf;
  if (kind == "weibull_pdf") return bu::adstock_kind::weibull_pdf;
  throw input_error("kind", "unknown adstock '" + kind +
                                "'; expected geometric, delayed, weibull_cdf or weibull_pdf");
}

}  // namespace

void register_budget(py::module_& m) {
  m.def(
      "adstock",
      [](const darray& x, const std::string& kind, std::size_t max_lag, bool normalise,
         std::vector<double> theta, std::vector<double> peak, std::vector<double> shape,
         std::vector<double> scale) {
        const auto [n, c] = shape2(x);
        bu::adstock_params p;
        p.kind = adstock_kind(kind);
        p.max_lag = max_lag;
        p.normalise = normalise;
        p.theta = std::move(theta);
        p.peak = std::move(peak);
        p.shape = std::move(shape);
        p.scale = std::move(scale);
        darray y({static_cast<py::ssize_t>(n), static_cast<py::ssize_t>(c)});
        double* out = y.mutable_data();
        {
          // Safe without the GIL: x is held by the caller, y is ours, both only touched here.
          py::gil_scoped_release release;
          bu::adstock(x.data(), n, c, p, out);
        }
        return y;
      },
      py::arg("x"), py::arg("kind"), py::arg("max_lag"), py::arg("normalise"),
      py::arg("theta"), py::arg("peak"), py::arg("shape"), py::arg("scale"),
      "adstock(x: periods x channels, kind: str, max_lag: int (0: infinite geometric), "
      "normalise: bool, theta, peak, shape, scale: per-channel lists (empty when unused)) "
      "-> the carried-over spend");
  m.def(
      "saturation",
      [](const darray& x, const std::string& kind, std::vector<double> half,
         std::vector<double> shape, std::vector<double> lam) {
        const auto [n, c] = shape2(x);
        bu::saturation_params p;
        if (kind == "hill")
          p.kind = bu::saturation_kind::hill;
        else if (kind == "logistic")
          p.kind = bu::saturation_kind::logistic;
        else
          throw input_error("kind", "unknown saturation '" + kind +
                                        "'; expected hill or logistic");
        p.half = std::move(half);
        p.shape = std::move(shape);
        p.lam = std::move(lam);
        darray y({static_cast<py::ssize_t>(n), static_cast<py::ssize_t>(c)});
        double* out = y.mutable_data();
        {
          py::gil_scoped_release release;  // as in adstock
          bu::saturation(x.data(), n, c, p, out);
        }
        return y;
      },
      py::arg("x"), py::arg("kind"), py::arg("half"), py::arg("shape"), py::arg("lam"),
      "saturation(x: periods x channels, kind: str, half, shape, lam: per-channel lists "
      "(empty when unused)) -> the saturated spend in [0, 1)");
}

}  // namespace sostac::python
