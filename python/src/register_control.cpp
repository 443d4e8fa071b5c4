// Bindings of include/sostac/control/: control charts over 1-d float arrays; the
// Python layer (sostac/control.py) wraps the dict in a ControlChart.
#include "bind_util.hpp"

#include <pybind11/stl.h>

#include <sostac/control/charts.hpp>
#include <sostac/control/status.hpp>

#include <algorithm>
#include <limits>
#include <string>
#include <vector>

namespace sostac::python {

namespace ct = sostac::control;

namespace {

py::dict chart_dict(const ct::chart& c) {
  py::dict d;
  d["kind"] = c.kind;
  d["value"] = to_numpy(c.value);
  if (!c.value_low.empty()) d["value_low"] = to_numpy(c.value_low);
  d["centre"] = to_numpy(c.centre);
  d["lower"] = to_numpy(c.lower);
  d["upper"] = to_numpy(c.upper);
  d["signal"] = to_numpy(c.signal);
  d["shift"] = to_numpy(c.shift);
  d["false_alarm"] = to_numpy(c.false_alarm);
  d["sigma_z"] = c.sigma_z;
  return d;
}

void same_length(const farray& a, const farray& b, const char* a_name,
                 const char* b_name) {
  if (a.ndim() != 1 || b.ndim() != 1) throw input_error(a_name, "expected 1-d arrays");
  if (a.size() != b.size())
    throw input_error(b_name, "expected " + std::to_string(a.size()) +
                                  " values (one per " + a_name + "), got " +
                                  std::to_string(b.size()));
}

}  // namespace

void register_control(py::module_& m) {
  m.def(
      "evaluate_kpi",
      [](const std::string& interval, double numerator, double denominator,
         double value, double low, double high, double periods, double target,
         bool higher, const std::vector<double>& series_x,
         const std::vector<double>& series_y, double deadline, double as_of,
         double alpha, double level, const std::vector<double>& period_numerator,
         const std::vector<double>& period_denominator) {
        ct::kpi_to_date d;
        d.test = ct::parse_kpi_test(interval);
        d.numerator = numerator;
        d.denominator = denominator;
        d.value = value;
        d.low = low;
        d.high = high;
        d.periods = periods;
        d.period_numerator = period_numerator;
        d.period_denominator = period_denominator;
        const auto r = ct::evaluate_kpi(d, target, higher, series_x, series_y, deadline,
                                        as_of, alpha, level);
        py::dict out;
        out["status"] = r.status;
        out["test"] = r.test;
        out["statistic"] = r.statistic;
        out["p_value"] = r.p_value;
        out["compared"] = r.compared;
        out["projected"] = r.projected.estimate;
        out["projected_low"] = r.projected.low;
        out["projected_high"] = r.projected.high;
        out["slope"] = r.projected.slope;
        out["dispersion"] = r.dispersion.phi;
        out["dispersion_p"] = r.dispersion.p_value;
        out["df"] = r.dispersion.df;
        return out;
      },
      py::arg("interval"), py::arg("numerator"), py::arg("denominator"),
      py::arg("value"), py::arg("low"), py::arg("high"), py::arg("periods"),
      py::arg("target"), py::arg("higher"), py::arg("series_x"), py::arg("series_y"),
      py::arg("deadline"), py::arg("as_of"), py::arg("alpha"), py::arg("level"),
      py::arg("period_numerator") = std::vector<double>{},
      py::arg("period_denominator") = std::vector<double>{});
  // p- and u-charts: counts over trials / exposures
  using count_kernel =
      ct::chart (*)(const double*, const double*, std::size_t, double, double, bool);
  auto bind_count_chart = [&m](const char* name, count_kernel kernel,
                               const char* counts) {
    m.def(
        name,
        [kernel, counts](const farray& x, const farray& n, double target, double sigma,
                         bool laney) {
          same_length(x, n, counts, "n");
          ct::chart c;
          {
            py::gil_scoped_release release;
            c = kernel(x.data(), n.data(), static_cast<std::size_t>(x.size()), target,
                       sigma, laney);
          }
          return chart_dict(c);
        },
        py::arg(counts), py::arg("n"), py::arg("target"), py::arg("sigma"),
        py::arg("laney") = false);
  };
  bind_count_chart("p_chart", &ct::p_chart, "x");
  bind_count_chart("u_chart", &ct::u_chart, "count");

  // EWMA and CUSUM: a series with its in-control mean and sd, and two settings
  using mean_kernel =
      ct::chart (*)(const double*, std::size_t, double, double, double, double);
  auto bind_mean_chart = [&m](const char* name, mean_kernel kernel, const char* a,
                              const char* b) {
    m.def(
        name,
        [kernel](const farray& x, double mu0, double sd, double pa, double pb) {
          if (x.ndim() != 1) throw input_error("x", "expected a 1-d array");
          ct::chart c;
          {
            py::gil_scoped_release release;
            c = kernel(x.data(), static_cast<std::size_t>(x.size()), mu0, sd, pa, pb);
          }
          return chart_dict(c);
        },
        py::arg("x"), py::arg("mu0"), py::arg("sd"), py::arg(a), py::arg(b));
  };
  bind_mean_chart("ewma_chart", &ct::ewma_chart, "lam", "sigma");
  bind_mean_chart("cusum_chart", &ct::cusum_chart, "k", "h");
}

}  // namespace sostac::python
