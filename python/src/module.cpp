// sostac._core: the private compiled core. Users import sostac, sostac.stats, ...
#include <sostac/core/error.hpp>
#include <sostac/core/parallel.hpp>
#include <sostac/version.hpp>

#include <pybind11/pybind11.h>

namespace py = pybind11;

namespace sostac::python {
void register_attribution_bootstrap(py::module_& m);
void register_attribution_encode(py::module_& m);
void register_attribution_models(py::module_& m);
void register_attribution_paths(py::module_& m);
void register_budget(py::module_& m);
void register_budget_mmm(py::module_& m);
void register_control(py::module_& m);
void register_customer_models(py::module_& m);
void register_customer_pareto(py::module_& m);
void register_customer_summary(py::module_& m);
void register_metrics(py::module_& m);
void register_plan(py::module_& m);
void register_stats(py::module_& m);
void register_stats_sequential(py::module_& m);
}  // namespace sostac::python

PYBIND11_MODULE(_core, m) {
  m.doc() = "sostac's compiled core (private; use the sostac package)";
  m.attr("__version__") = sostac::version;
  py::register_exception<sostac::input_error>(m, "InputError", PyExc_ValueError);
  m.def(
      "set_num_threads", &sostac::set_num_threads, py::arg("n"),
      "Threads used by kernels; n <= 0 restores the default (SOSTAC_NUM_THREADS or all "
      "cores).");
  m.def("get_num_threads", &sostac::num_threads, "Threads kernels currently use.");
  auto metrics = m.def_submodule("metrics", "KPI roll-ups, funnels and cohorts");
  sostac::python::register_metrics(metrics);
  auto plan = m.def_submodule("plan", "plan vocabulary and KPI catalogue");
  sostac::python::register_plan(plan);
  auto control = m.def_submodule("control", "control charts");
  sostac::python::register_control(control);
  auto attribution = m.def_submodule(
      "attribution", "attribution: path tables, heuristics, assists, Markov, Shapley");
  sostac::python::register_attribution_paths(attribution);
  sostac::python::register_attribution_models(attribution);
  sostac::python::register_attribution_bootstrap(attribution);
  sostac::python::register_attribution_encode(attribution);
  auto customer = m.def_submodule("customer", "Engage: customer summaries, RFM and BTYD models");
  sostac::python::register_customer_summary(customer);
  sostac::python::register_customer_models(customer);
  sostac::python::register_customer_pareto(customer);
  auto budget = m.def_submodule("budget", "budget: adstock and saturation of media spend");
  sostac::python::register_budget(budget);
  sostac::python::register_budget_mmm(budget);
  auto stats = m.def_submodule("stats", "statistics kernels");
  sostac::python::register_stats(stats);
  sostac::python::register_stats_sequential(stats);
}
