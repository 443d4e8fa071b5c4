// sostac._core: bindings (placeholder: filled in by the budget_mmm work).
#include <pybind11/pybind11.h>

namespace py = pybind11;

namespace sostac::python {

void register_budget_mmm(py::module_& m) { (void)m; }

}  // namespace sostac::python
