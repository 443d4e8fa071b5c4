// sostac._core.attribution: bindings for include/sostac/attribution/ (bootstrap part).
// The seeded Poisson bootstrap over the journeys of a path table (encode()'s arrays).
#include "attribution_view.hpp"
#include "bind_util.hpp"

#include <sostac/attribution.hpp>

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <cstdint>
#include <string>

namespace py = pybind11;

namespace sostac::python {

namespace {

namespace at = sostac::attribution;

}  // namespace

void register_attribution_bootstrap(py::module_& m) {
  m.def(
      "bootstrap",
      [](const u64array& offsets, const i32array& steps, const farray& conversions,
         const farray& value, const farray& nulls, std::size_t n_channels,
         const std::string& model, long long replicates, double level, std::uint64_t seed,
         const std::string& unit, int order, bool use_nulls, const std::string& worth,
         const std::string& heuristic, std::int32_t direct, double half_life,
         double first_weight, double middle_weight, double last_weight, bool draws) {
        at::bootstrap_options o;
        o.model = at::parse_bootstrap_model(model);
        o.unit = at::parse_bootstrap_unit(unit);
        if (replicates < 1)
          throw input_error("replicates", "expected 1 to " +
                                              std::to_string(at::bootstrap_max_replicates) +
                                              ", got " + std::to_string(replicates));
        o.replicates = static_cast<std::size_t>(replicates);
        o.level = level;
        o.seed = seed;
        o.markov = at::markov_options{order, use_nulls};
        if (worth == "rate")
          o.worth = at::shapley_worth::rate;
        else if (worth == "conversions")
          o.worth = at::shapley_worth::conversions;
        else
          throw input_error("worth", "expected \"rate\" or \"conversions\", got \"" + worth +
                                         "\"");
        if (o.model == at::bootstrap_model::heuristic)
          o.heuristic = at::parse_heuristic_model(heuristic);
        o.heuristic_opts.direct = direct;
        o.heuristic_opts.half_life = half_life;
        o.heuristic_opts.first_weight = first_weight;
        o.heuristic_opts.middle_weight = middle_weight;
        o.heuristic_opts.last_weight = last_weight;
        const at::path_table_view t =
            path_table_arrays(offsets, steps, conversions, value, nulls, n_channels);
        at::bootstrap_result r;
        {
          // Safe without the GIL: t points into arrays the arguments keep alive.
          py::gil_scoped_release release;
          r = at::bootstrap(t, o);
        }
        py::dict d;
        d["replicates"] = r.replicates;
        d["seed"] = r.options.seed;
        d["empty_replicates"] = r.empty_replicates;
        py::dict stats;
        const auto C = static_cast<py::ssize_t>(r.n_channels);
        for (const auto& s : r.statistics) {
          py::dict one;
          one["estimate"] = to_numpy(s.estimate);
          if (draws) {  // replicates x channels; a copy, so only when asked for
            py::array_t<double> matrix({static_cast<py::ssize_t>(r.replicates), C});
            std::copy(s.draws.begin(), s.draws.end(), matrix.mutable_data());
            one["draws"] = matrix;
          }
          one["mean"] = to_numpy(s.mean);
          one["se"] = to_numpy(s.se);
          one["low"] = to_numpy(s.low);
          one["high"] = to_numpy(s.high);
          std::vector<std::uint64_t> fin(s.finite.begin(), s.finite.end());
          one["finite"] = to_numpy(fin);
          stats[py::str(s.name)] = one;
        }
        d["statistics"] = stats;
        return d;
      },
      py::arg("offsets"), py::arg("steps"), py::arg("conversions"), py::arg("value"),
      py::arg("nulls"), py::arg("n_channels"), py::arg("model") = "markov",
      py::arg("replicates") = 1000, py::arg("level") = 0.95, py::arg("seed") = 0,
      py::arg("unit") = "journeys", py::arg("order") = 1, py::arg("use_nulls") = true,
      py::arg("worth") = "conversions", py::arg("heuristic") = "last",
      py::arg("direct") = -1, py::arg("half_life") = 1.0, py::arg("first_weight") = 0.4,
      py::arg("middle_weight") = 0.2, py::arg("last_weight") = 0.4,
      py::arg("draws") = true,
      "Seeded Poisson bootstrap of an attribution model's per-channel statistics over a "
      "path table (encode()'s arrays): estimates, replicate matrices, se and percentile "
      "intervals; the same for any thread count.");
}

}  // namespace sostac::python
