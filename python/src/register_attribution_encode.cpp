// sostac._core.attribution: bindings for include/sostac/attribution/ (encode part).
#include <sostac/attribution.hpp>

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

namespace py = pybind11;

namespace sostac::python {

void register_attribution_encode(py::module_& m) { (void)m; }

}  // namespace sostac::python
