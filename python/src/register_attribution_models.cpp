// sostac._core.attribution: bindings for include/sostac/attribution/ (models part).
// Markov chains and Shapley values over the flat path-table arrays of
// sostac/attribution/_table.py encode().
#include "attribution_view.hpp"
#include "bind_util.hpp"

#include <sostac/attribution.hpp>

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

namespace py = pybind11;

namespace sostac::python {

namespace {

namespace at = sostac::attribution;

}  // namespace

void register_attribution_models(py::module_& m) {
  m.def(
      "markov",
      [](const u64array& offsets, const i32array& steps, const farray& conversions,
         const farray& value, const farray& nulls, std::size_t n_channels, int order,
         bool use_nulls, std::size_t iterative_above) {
        const at::path_table_view t =
            path_table_arrays(offsets, steps, conversions, value, nulls, n_channels);
        at::markov_result r;
        {
          // Safe without the GIL: t points into arrays the arguments keep alive.
          py::gil_scoped_release release;
          r = at::markov(t, at::markov_options{order, use_nulls, iterative_above});
        }
        py::dict d;
        d["order"] = r.order;
        d["use_nulls"] = r.use_nulls;
        d["n_states"] = r.n_states;
        d["state_offsets"] = to_numpy(r.state_offsets);
        d["state_channels"] = to_numpy(r.state_channels);
        d["from"] = to_numpy(r.from);
        d["to"] = to_numpy(r.to);
        d["count"] = to_numpy(r.count);
        d["probability"] = to_numpy(r.probability);
        d["conversion_probability"] = r.conversion_probability;
        d["expected_value"] = r.expected_value;
        d["total_conversions"] = r.total_conversions;
        d["total_value"] = r.total_value;
        d["removal_effect"] = to_numpy(r.removal_effect);
        d["value_removal_effect"] = to_numpy(r.value_removal_effect);
        d["conversions"] = to_numpy(r.conversions);
        d["value"] = to_numpy(r.value);
        return d;
      },
      py::arg("offsets"), py::arg("steps"), py::arg("conversions"), py::arg("value"),
      py::arg("nulls"), py::arg("n_channels"), py::arg("order") = 1,
      py::arg("use_nulls") = true, py::arg("iterative_above") = at::markov_options{}.iterative_above,
      "Markov-chain removal effects of a path table (encode()'s arrays), solved exactly.");
  m.def(
      "shapley",
      [](const u64array& offsets, const i32array& steps, const farray& conversions,
         const farray& value, const farray& nulls, std::size_t n_channels,
         const std::string& worth, bool ordered) {
        at::shapley_worth w;
        if (worth == "rate")
          w = at::shapley_worth::rate;
        else if (worth == "conversions")
          w = at::shapley_worth::conversions;
        else
          throw input_error("worth", "expected \"rate\" or \"conversions\", got \"" + worth +
                                         "\"");
        if (ordered && w != at::shapley_worth::conversions)
          throw input_error("worth", "the ordered Shapley value (Zhao et al. 2018) splits "
                                     "each path's conversions over its touches and is "
                                     "defined for worth=\"conversions\" only, got \"" +
                                         worth + "\"");
        const at::path_table_view t =
            path_table_arrays(offsets, steps, conversions, value, nulls, n_channels);
        at::shapley_result r;
        {
          // Safe without the GIL: t points into arrays the arguments keep alive.
          py::gil_scoped_release release;
          r = ordered ? at::ordered_shapley(t) : at::shapley(t, w);
        }
        py::dict d;
        d["worth"] = worth;
        d["grand_worth"] = r.grand_worth;
        d["total_conversions"] = r.total_conversions;
        d["total_value"] = r.total_value;
        d["shapley_value"] = to_numpy(r.shapley_value);
        d["conversions"] = to_numpy(r.conversions);
        d["value"] = to_numpy(r.value);
        if (ordered) {
          // channels x positions, row-major: [c, j] is channel c at touch j + 1
          const std::vector<py::ssize_t> shape{static_cast<py::ssize_t>(r.n_channels),
                                               static_cast<py::ssize_t>(r.n_positions)};
          py::array_t<double> pc(shape), pv(shape);
          std::copy(r.position_conversions.begin(), r.position_conversions.end(),
                    pc.mutable_data());
          std::copy(r.position_value.begin(), r.position_value.end(),
                    pv.mutable_data());
          d["position_conversions"] = pc;
          d["position_value"] = pv;
        }
        return d;
      },
      py::arg("offsets"), py::arg("steps"), py::arg("conversions"), py::arg("value"),
      py::arg("nulls"), py::arg("n_channels"), py::arg("worth") = "conversions",
      py::arg("ordered") = false,
      "Exact Shapley values of the channels of a path table (encode()'s arrays); "
      "ordered=True: Zhao et al.'s ordered variant, with the per-position credits.");
}

}  // namespace sostac::python
