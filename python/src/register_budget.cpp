// sostac._core.budget: bindings for include/sostac/budget/: adstock and saturation over
// a periods x channels float64 array (transforms part), the allocator (allocate part).
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

std::vector<bu::response_curve> curves(const std::vector<double>& beta,
                                       const std::vector<double>& half,
                                       const std::vector<double>& shape,
                                       const std::vector<double>& carry,
                                       const std::vector<double>& lower,
                                       const std::vector<double>& upper) {
  const std::size_t n = beta.size();
  auto same = [n](const std::vector<double>& v, const char* name) {
    if (v.size() != n)
      throw input_error(name, "expected " + std::to_string(n) + " values like beta, got " +
                                  std::to_string(v.size()));
  };
  same(half, "half_saturation");
  same(shape, "shape");
  same(carry, "carry");
  same(lower, "lower");
  same(upper, "upper");
  std::vector<bu::response_curve> out(n);
  for (std::size_t c = 0; c < n; ++c)
    out[c] = {beta[c], half[c], shape[c], carry[c], lower[c], upper[c]};
  return out;
}

}  // namespace

void register_budget(py::module_& m) {
  m.def(
      "allocate",
      [](const std::vector<double>& beta, const std::vector<double>& half,
         const std::vector<double>& shape, const std::vector<double>& carry,
         const std::vector<double>& lower, const std::vector<double>& upper, double total,
         const std::string& objective, double value) {
        bu::allocation_objective obj;
        if (objective == "conversions")
          obj = bu::allocation_objective::conversions;
        else if (objective == "profit")
          obj = bu::allocation_objective::profit;
        else if (objective == "target_cpa")
          obj = bu::allocation_objective::target_cpa;
        else
          throw input_error("objective", "unknown objective '" + objective +
                                             "'; expected conversions, profit or target_cpa");
        const auto a =
            bu::allocate(curves(beta, half, shape, carry, lower, upper), total, obj, value);
        py::dict d;
        d["spend"] = a.spend;
        d["conversions"] = a.conversions;
        d["marginal"] = a.marginal;
        d["total_spend"] = a.total_spend;
        d["total_conversions"] = a.total_conversions;
        d["multiplier"] = a.multiplier;
        d["iterations"] = a.iterations;
        return d;
      },
      py::arg("beta"), py::arg("half"), py::arg("shape"), py::arg("carry"), py::arg("lower"),
      py::arg("upper"), py::arg("total"), py::arg("objective"), py::arg("value"),
      "allocate(beta, half, shape, carry, lower, upper: per-channel lists, total: float, "
      "objective: str, value: float) -> dict of the optimal spend per channel");
  m.def(
      "scale_limits",
      [](const std::vector<double>& beta, const std::vector<double>& half,
         const std::vector<double>& shape, const std::vector<double>& carry,
         const std::vector<double>& lower, const std::vector<double>& upper,
         double break_even_cpa) {
        return bu::scale_limits(curves(beta, half, shape, carry, lower, upper), break_even_cpa);
      },
      py::arg("beta"), py::arg("half"), py::arg("shape"), py::arg("carry"), py::arg("lower"),
      py::arg("upper"), py::arg("break_even_cpa"),
      "scale_limits(beta, half, shape, carry, lower, upper: per-channel lists, "
      "break_even_cpa: float) -> per channel the spend where the marginal CPA reaches "
      "break-even");
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
