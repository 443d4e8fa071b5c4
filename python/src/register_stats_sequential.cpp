// sostac._core: bindings (placeholder: filled in by the stats_sequential work).
#include <pybind11/pybind11.h>

namespace py = pybind11;

namespace sostac::python {

void register_stats_sequential(py::module_& m) { (void)m; }

}  // namespace sostac::python
