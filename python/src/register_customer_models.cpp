// sostac._core.customer: bindings for include/sostac/customer/ (models part).
// Fits take flat float64 arrays (the Python layer validates shapes and broadcasts);
// predictions map a scalar kernel over equally long arrays with predict_elements,
// except E[Y(t)], a batched pass (expected_batched, cu::bg_family_expected_batch).
#include "customer_fit.hpp"

#include <sostac/customer/models.hpp>

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cmath>
#include <optional>
#include <string>
#include <vector>

namespace py = pybind11;

namespace sostac::python {

namespace cu = sostac::customer;

namespace {

cu::RftData rft_data(const farray& x, const farray& tx, const farray& T,
                     const std::optional<farray>& w) {
  const std::size_t n = same_length(
      {{"frequency", &x}, {"recency", &tx}, {"T", &T}, {"weights", w ? &*w : nullptr}});
  return cu::RftData{x.data(), tx.data(), T.data(), w ? w->data() : nullptr, n};
}

cu::BgNbdParams bg(const std::array<double, 4>& p) {
  return cu::BgNbdParams::from(p);
}

/// E[Y(t)] of every customer in one batched pass (Batch: cu::bg_family_expected_batch),
/// and with `gradient` its derivative in the natural parameters by the central
/// differences of natural_gradient (the formula predict_elements uses), each perturbed
/// parameter vector one more batched pass. Rows are checked first; an error names the
/// first bad row.
template <auto Batch>
py::dict expected_batched(const farray& params, const farray& t, const farray& x,
                          const farray& tx, const farray& T, bool gradient) {
  if (params.ndim() != 1 || params.size() != 4)
    throw input_error("params", "expected 4 parameters");
  std::array<double, 4> p{};
  for (std::size_t k = 0; k < 4; ++k) p[k] = params.data()[k];
  const py::ssize_t n = same_flat_length<4>({t, x, tx, T}, {"t", "frequency", "recency", "T"});
  const std::size_t N = static_cast<std::size_t>(n);
  const double *tp = t.data(), *xp = x.data(), *txp = tx.data(), *Tp = T.data();
  farray value(n);
  double* vp = value.mutable_data();
  farray grad;
  double* gp = nullptr;
  if (gradient) {
    grad = farray({n, static_cast<py::ssize_t>(4)});
    gp = grad.mutable_data();
  }
  {
    // Safe without the GIL: only raw buffers of arrays kept alive above are touched.
    py::gil_scoped_release release;
    // in parallel: parallel_for rethrows the error of the lowest chunk, whose loop
    // stopped at its first bad row, so the error names the first bad row overall
    sostac::parallel_for(N, [&](std::size_t b, std::size_t e) {
      for (std::size_t i = b; i < e; ++i) {
        try {
          cu::detail::check_time("t", tp[i]);
          cu::detail::check_row(xp[i], txp[i], Tp[i]);
        } catch (const input_error& err) {
          throw err.at_index(i);
        }
      }
    });
    Batch(bg(p), tp, xp, txp, Tp, N, vp);
    if (gp) {
      constexpr double h = 1e-6;  // as natural_gradient
      std::vector<double> up(N), dn(N);
      for (std::size_t k = 0; k < 4; ++k) {
        std::array<double, 4> q = p;
        q[k] = p[k] * std::exp(h);
        Batch(bg(q), tp, xp, txp, Tp, N, up.data());
        q[k] = p[k] * std::exp(-h);
        Batch(bg(q), tp, xp, txp, Tp, N, dn.data());
        for (std::size_t i = 0; i < N; ++i) gp[4 * i + k] = (up[i] - dn[i]) / (2.0 * h) / p[k];
      }
    }
  }
  py::dict d;
  d["value"] = value;
  if (gradient) d["gradient"] = grad;
  return d;
}

/// The BG/NBD family's five bindings (`<prefix>_fit`, `_conditional_expected`,
/// `_prob_alive`, `_expected_new`, `_prob_n`): the same arguments, other kernels.
template <auto Fit, auto Batch, auto Alive, auto New, auto ProbN>
void def_bg_family(py::module_& m, const std::string& prefix, const char* fit_doc) {
  m.def(
      (prefix + "_fit").c_str(),
      [](const farray& frequency, const farray& recency, const farray& T,
         const std::optional<farray>& weights, double penalizer, int max_iterations,
         double gradient_tolerance, const std::optional<farray>& start) {
        const cu::RftData d = rft_data(frequency, recency, T, weights);
        const auto opt = fit_options(penalizer, max_iterations, gradient_tolerance);
        const Eigen::VectorXd s = start_vector(start, 4);
        cu::FitResult r;
        {
          // Safe without the GIL: d points into arrays held by the caller's arguments.
          py::gil_scoped_release release;
          r = Fit(d, opt, s);
        }
        return fit_result_dict(r);
      },
      py::arg("frequency"), py::arg("recency"), py::arg("T"),
      py::arg("weights") = py::none(), py::arg("penalizer") = 0.0,
      py::arg("max_iterations") = 2000, py::arg("gradient_tolerance") = 1e-8,
      py::arg("start") = py::none(), fit_doc);
  m.def(
      (prefix + "_conditional_expected").c_str(),
      [](const farray& params, const farray& t, const farray& x, const farray& tx,
         const farray& T, bool gradient) {
        return expected_batched<Batch>(params, t, x, tx, T, gradient);
      },
      py::arg("params"), py::arg("t"), py::arg("frequency"), py::arg("recency"),
      py::arg("T"), py::arg("gradient") = false);
  m.def(
      (prefix + "_prob_alive").c_str(),
      [](const farray& params, const farray& x, const farray& tx, const farray& T,
         bool gradient) {
        return predict_elements<4, 3>(
            params, {x, tx, T}, {"frequency", "recency", "T"}, gradient,
            [](const std::array<double, 4>& p, const double* v) {
              return Alive(bg(p), v[0], v[1], v[2]);
            });
      },
      py::arg("params"), py::arg("frequency"), py::arg("recency"), py::arg("T"),
      py::arg("gradient") = false);
  m.def(
      (prefix + "_expected_new").c_str(),
      [](const farray& params, const farray& t, bool gradient) {
        return predict_elements<4, 1>(
            params, {t}, {"t"}, gradient,
            [](const std::array<double, 4>& p, const double* v) { return New(bg(p), v[0]); });
      },
      py::arg("params"), py::arg("t"), py::arg("gradient") = false);
  m.def(
      (prefix + "_prob_n").c_str(),
      [](const farray& params, const farray& n, const farray& t, bool gradient) {
        return predict_elements<4, 2>(
            params, {n, t}, {"n", "t"}, gradient,
            [](const std::array<double, 4>& p, const double* v) {
              return ProbN(bg(p), v[0], v[1]);
            });
      },
      py::arg("params"), py::arg("n"), py::arg("t"), py::arg("gradient") = false);
}

}  // namespace

void register_customer_models(py::module_& m) {
  def_bg_family<cu::fit_bg_nbd, cu::bg_family_expected_batch<false>, cu::bg_nbd_prob_alive,
                cu::bg_nbd_expected_new, cu::bg_nbd_prob_n>(
      m, "bg_nbd",
      "Maximum-likelihood BG/NBD fit (FHL 2005 eq. 6); returns the FitResult fields.");
  def_bg_family<cu::fit_mbg_nbd, cu::bg_family_expected_batch<true>, cu::mbg_nbd_prob_alive,
                cu::mbg_nbd_expected_new, cu::mbg_nbd_prob_n>(
      m, "mbg_nbd",
      "Maximum-likelihood MBG/NBD fit (Batislam, Denizel & Filiztekin 2007); returns "
      "the FitResult fields.");
  m.def(
      "gamma_gamma_fit",
      [](const farray& frequency, const farray& monetary,
         const std::optional<farray>& weights, double penalizer, int max_iterations,
         double gradient_tolerance, const std::optional<farray>& start) {
        const std::size_t n = same_length({{"frequency", &frequency},
                                           {"monetary", &monetary},
                                           {"weights", weights ? &*weights : nullptr}});
        const cu::SpendData d{frequency.data(), monetary.data(),
                              weights ? weights->data() : nullptr, n};
        const auto opt = fit_options(penalizer, max_iterations, gradient_tolerance);
        const Eigen::VectorXd s = start_vector(start, 3);
        cu::FitResult r;
        {
          // Safe without the GIL: d points into arrays held by the caller's arguments.
          py::gil_scoped_release release;
          r = cu::fit_gamma_gamma(d, opt, s);
        }
        return fit_result_dict(r);
      },
      py::arg("frequency"), py::arg("monetary"), py::arg("weights") = py::none(),
      py::arg("penalizer") = 0.0, py::arg("max_iterations") = 2000,
      py::arg("gradient_tolerance") = 1e-8, py::arg("start") = py::none(),
      "Maximum-likelihood Gamma-Gamma fit on the repeat buyers (rows with frequency 0 "
      "skipped).");
  m.def(
      "gamma_gamma_expected_spend",
      [](const farray& params, const farray& x, const farray& mbar, bool gradient) {
        return predict_elements<3, 2>(
            params, {x, mbar}, {"frequency", "monetary"}, gradient,
            [](const std::array<double, 3>& p, const double* v) {
              return cu::gamma_gamma_expected_spend(cu::GammaGammaParams::from(p), v[0],
                                                    v[1]);
            });
      },
      py::arg("params"), py::arg("frequency"), py::arg("monetary"),
      py::arg("gradient") = false);
}

}  // namespace sostac::python
