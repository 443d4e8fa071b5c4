// sostac._core.customer: bindings for include/sostac/customer/ (models part).
#include <pybind11/pybind11.h>

namespace py = pybind11;

namespace sostac::python {
void register_customer_models(py::module_& m) { (void)m; }
}  // namespace sostac::python
