// sostac._core.customer: bindings for include/sostac/customer/ (pareto part).
#include <pybind11/pybind11.h>

namespace py = pybind11;

namespace sostac::python {
void register_customer_pareto(py::module_& m) { (void)m; }
}  // namespace sostac::python
