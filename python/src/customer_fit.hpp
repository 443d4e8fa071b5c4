#pragma once
// Helpers shared by register_customer_models.cpp and register_customer_pareto.cpp:
// a FitResult as a dict, fit options and (frequency, recency, T, weights) arrays.

#include "bind_util.hpp"

#include <sostac/customer/optimize.hpp>

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <optional>
#include <string>

namespace sostac::python {

inline py::array_t<double> eigen_vector(const Eigen::VectorXd& v) {
  py::array_t<double> out(static_cast<py::ssize_t>(v.size()));
  for (Eigen::Index i = 0; i < v.size(); ++i) out.mutable_data()[i] = v[i];
  return out;
}

inline py::array_t<double> eigen_matrix(const Eigen::MatrixXd& m) {
  py::array_t<double> out(
      {static_cast<py::ssize_t>(m.rows()), static_cast<py::ssize_t>(m.cols())});
  auto r = out.mutable_unchecked<2>();
  for (Eigen::Index i = 0; i < m.rows(); ++i)
    for (Eigen::Index j = 0; j < m.cols(); ++j) r(i, j) = m(i, j);
  return out;
}

/// The fields of FitResult under the same names (params etc. as numpy arrays).
inline py::dict fit_result_dict(const sostac::customer::FitResult& r) {
  py::dict d;
  d["names"] = r.names;
  d["params"] = eigen_vector(r.params);
  d["standard_errors"] = eigen_vector(r.standard_errors);
  d["covariance"] = eigen_matrix(r.covariance);
  d["log_likelihood"] = r.log_likelihood;
  d["objective"] = r.objective;
  d["aic"] = r.aic;
  d["bic"] = r.bic;
  d["n"] = r.n;
  d["iterations"] = r.iterations;
  d["evaluations"] = r.evaluations;
  d["gradient_norm"] = r.gradient_norm;
  d["converged"] = r.converged;
  d["message"] = r.message;
  return d;
}

inline sostac::customer::FitOptions fit_options(double penalizer, int max_iterations,
                                                double gradient_tolerance) {
  if (!(std::isfinite(penalizer) && penalizer >= 0))
    throw input_error("penalizer", "expected a finite non-negative number, got " +
                                       sostac::detail::format_value(penalizer));
  if (max_iterations < 1)
    throw input_error("max_iterations",
                      "expected at least 1, got " + std::to_string(max_iterations));
  if (!(gradient_tolerance > 0 && std::isfinite(gradient_tolerance)))
    throw input_error("gradient_tolerance", "expected a finite positive number");
  sostac::customer::FitOptions o;
  o.penalizer = penalizer;
  o.max_iterations = max_iterations;
  o.gradient_tolerance = gradient_tolerance;
  return o;
}

/// Optional natural-scale start values of length k (None = the model's default).
inline Eigen::VectorXd start_vector(const std::optional<farray>& start,
                                    Eigen::Index k) {
  if (!start) return Eigen::VectorXd();
  if (start->ndim() != 1 || start->size() != k)
    throw input_error("start", "expected " + std::to_string(k) + " values");
  Eigen::VectorXd s(k);
  for (Eigen::Index i = 0; i < k; ++i) s[i] = start->data()[i];
  if (!(s.array() > 0).all() || !s.allFinite())
    throw input_error("start", "expected finite positive values");
  return s;
}

/// Checks that the named 1-d arrays have equal lengths; returns that length.
inline std::size_t same_length(
    std::initializer_list<std::pair<const char*, const farray*>> arrays) {
  py::ssize_t n = -1;
  const char* first = nullptr;
  for (const auto& [name, a] : arrays) {
    if (!a) continue;
    if (a->ndim() != 1) throw input_error(name, "expected a one-dimensional array");
    if (n < 0) {
      n = a->size();
      first = name;
    } else if (a->size() != n) {
      throw input_error(name, "expected " + std::to_string(n) +
                                  " values (the length of " + first + "), got " +
                                  std::to_string(a->size()));
    }
  }
  return n < 0 ? 0 : static_cast<std::size_t>(n);
}

/// Maps a prediction f(params, inputs) over equally long flat arrays, in parallel,
/// and returns {"value": (n,)} plus, with `gradient`, {"gradient": (n, K)}: the
/// derivative of each value with respect to the natural-scale parameters (central
/// differences in the log-parameters), for delta-method intervals. An input_error
/// from element i is re-addressed to "argument[i]".
template <std::size_t K, std::size_t NIn, class F>
py::dict predict_elements(const farray& params, const std::array<farray, NIn>& in,
                          const std::array<const char*, NIn>& names, bool gradient,
                          F f) {
  if (params.ndim() != 1 || params.size() != static_cast<py::ssize_t>(K))
    throw input_error("params", "expected " + std::to_string(K) + " parameters");
  std::array<double, K> p{};
  for (std::size_t k = 0; k < K; ++k) p[k] = params.data()[k];
  const py::ssize_t n = same_flat_length(in, names);
  std::array<const double*, NIn> ip{};
  for (std::size_t k = 0; k < NIn; ++k) ip[k] = in[k].data();
  farray value(n);
  double* vp = value.mutable_data();
  farray grad;
  double* gp = nullptr;
  if (gradient) {
    grad = farray({n, static_cast<py::ssize_t>(K)});
    gp = grad.mutable_data();
  }
  {
    // Safe without the GIL: only raw buffers of arrays kept alive above are touched.
    py::gil_scoped_release release;
    sostac::parallel_for(
        static_cast<std::size_t>(n),
        [&](std::size_t b, std::size_t e) {
          std::array<double, NIn> x{};
          for (std::size_t i = b; i < e; ++i) {
            for (std::size_t k = 0; k < NIn; ++k) x[k] = ip[k][i];
            try {
              vp[i] = f(p, x.data());
              if (gp) {
                auto fq = [&](const std::array<double, K>& q) {
                  return f(q, x.data());
                };
                sostac::customer::detail::natural_gradient(fq, p, gp + i * K);
              }
            } catch (const input_error& err) {
              throw err.at_index(i);
            }
          }
        },
        2048);
  }
  py::dict d;
  d["value"] = value;
  if (gradient) d["gradient"] = grad;
  return d;
}

}  // namespace sostac::python
