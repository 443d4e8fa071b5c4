// Bindings of include/sostac/stats/: thin wrappers that parse the option strings once
// and map the scalar kernels over flat arrays (sostac/stats/*.py broadcasts).
#include "bind_util.hpp"

#include <sostac/stats.hpp>

#include <pybind11/stl.h>

#include <string>
#include <vector>

namespace sostac::python {

namespace st = sostac::stats;

namespace {

/// "both" / "one" / "reference": the Python layer maps strict=True/False/None.
st::two_sided_tails parse_tails(const std::string& tails) {
  if (tails == "both") return st::two_sided_tails::both;
  if (tails == "one") return st::two_sided_tails::one;
  if (tails == "reference") return st::two_sided_tails::reference;
  throw input_error("strict", "expected True, False or None");
}

py::dict t_result_dict(const st::t_test_result& r) {
  py::dict d;
  d["statistic"] = r.statistic;
  d["df"] = r.df;
  d["pvalue"] = r.pvalue;
  d["log_pvalue"] = r.log_pvalue;
  d["estimate"] = r.estimate;
  d["stderr"] = r.stderr_;
  d["ci_low"] = r.ci_low;
  d["ci_high"] = r.ci_high;
  return d;
}

// The six outputs of the one-sample tests, in the order their bindings name them.
void write_one_sample(const st::one_sample_result& r, double* out) {
  out[0] = r.statistic;
  out[1] = r.pvalue;
  out[2] = r.log_pvalue;
  out[3] = r.estimate;
  out[4] = r.diff;
  out[5] = r.lift;
}

}  // namespace

void register_stats(py::module_& m) {
  m.def(
      "two_proportion_test",
      [](const farray& x_a, const farray& n_a, const farray& x_b, const farray& n_b,
         const std::string& method, const std::string& alternative, bool indexed) {
        const auto mt = st::parse_proportion_test_method(method);
        const auto alt = st::parse_alternative(alternative);
        return map_elements<4, 5>({x_a, n_a, x_b, n_b}, {"x_a", "n_a", "x_b", "n_b"},
                                  {"statistic", "pvalue", "log_pvalue", "diff", "lift"},
                                  indexed, [&](const double* in, double* out) {
                                    const auto r = st::two_proportion_test(
                                        in[0], in[1], in[2], in[3], mt, alt);
                                    out[0] = r.statistic;
                                    out[1] = r.pvalue;
                                    out[2] = r.log_pvalue;
                                    out[3] = r.diff;
                                    out[4] = r.lift;
                                  });
      },
      py::arg("x_a"), py::arg("n_a"), py::arg("x_b"), py::arg("n_b"), py::arg("method"),
      py::arg("alternative"), py::arg("indexed"));

  m.def(
      "one_proportion_test",
      [](const farray& x, const farray& n, const farray& p0, const std::string& method,
         const std::string& alternative, bool indexed) {
        const auto mt = st::parse_one_proportion_method(method);
        const auto alt = st::parse_alternative(alternative);
        return map_elements<3, 6>(
            {x, n, p0}, {"x", "n", "p0"},
            {"statistic", "pvalue", "log_pvalue", "estimate", "diff", "lift"}, indexed,
            [&](const double* in, double* out) {
              write_one_sample(st::one_proportion_test(in[0], in[1], in[2], mt, alt),
                               out);
            });
      },
      py::arg("x"), py::arg("n"), py::arg("p0"), py::arg("method"),
      py::arg("alternative"), py::arg("indexed"));

  m.def(
      "poisson_test",
      [](const farray& k, const farray& exposure, const farray& r0,
         const std::string& alternative, bool indexed) {
        const auto alt = st::parse_alternative(alternative);
        return map_elements<3, 6>(
            {k, exposure, r0}, {"k", "exposure", "r0"},
            {"statistic", "pvalue", "log_pvalue", "estimate", "diff", "lift"}, indexed,
            [&](const double* in, double* out) {
              write_one_sample(st::poisson_test(in[0], in[1], in[2], alt), out);
            });
      },
      py::arg("k"), py::arg("exposure"), py::arg("r0"), py::arg("alternative"),
      py::arg("indexed"));

  m.def(
      "proportion_ci",
      [](const farray& x, const farray& n, const farray& level,
         const std::string& method, bool indexed) {
        const auto mt = st::parse_proportion_ci_method(method);
        return map_elements<3, 2>({x, n, level}, {"x", "n", "level"}, {"low", "high"},
                                  indexed, [&](const double* in, double* out) {
                                    const auto r =
                                        st::proportion_ci(in[0], in[1], in[2], mt);
                                    out[0] = r.low;
                                    out[1] = r.high;
                                  });
      },
      py::arg("x"), py::arg("n"), py::arg("level"), py::arg("method"),
      py::arg("indexed"));

  m.def(
      "diff_ci",
      [](const farray& x_a, const farray& n_a, const farray& x_b, const farray& n_b,
         const farray& level, const std::string& method, bool indexed) {
        const auto mt = st::parse_diff_ci_method(method);
        return map_elements<5, 2>(
            {x_a, n_a, x_b, n_b, level}, {"x_a", "n_a", "x_b", "n_b", "level"},
            {"low", "high"}, indexed, [&](const double* in, double* out) {
              const auto r = st::diff_ci(in[0], in[1], in[2], in[3], in[4], mt);
              out[0] = r.low;
              out[1] = r.high;
            });
      },
      py::arg("x_a"), py::arg("n_a"), py::arg("x_b"), py::arg("n_b"), py::arg("level"),
      py::arg("method"), py::arg("indexed"));

  m.def(
      "lift_ci",
      [](const farray& x_a, const farray& n_a, const farray& x_b, const farray& n_b,
         const farray& level, const std::string& method, bool indexed) {
        const auto mt = st::parse_lift_ci_method(method);
        return map_elements<5, 2>(
            {x_a, n_a, x_b, n_b, level}, {"x_a", "n_a", "x_b", "n_b", "level"},
            {"low", "high"}, indexed, [&](const double* in, double* out) {
              const auto r = st::lift_ci(in[0], in[1], in[2], in[3], in[4], mt);
              out[0] = r.low;
              out[1] = r.high;
            });
      },
      py::arg("x_a"), py::arg("n_a"), py::arg("x_b"), py::arg("n_b"), py::arg("level"),
      py::arg("method"), py::arg("indexed"));

  m.def(
      "t_test",
      [](const farray& a, const farray& b, bool equal_var,
         const std::string& alternative, double level) {
        const auto alt = st::parse_alternative(alternative);
        const farray va = as_vector(a, "a"), vb = as_vector(b, "b");
        st::t_test_result r{};
        {
          py::gil_scoped_release release;  // reads only the two buffers
          r = st::t_test(va.data(), static_cast<std::size_t>(va.size()), vb.data(),
                         static_cast<std::size_t>(vb.size()), equal_var, alt, level);
        }
        return t_result_dict(r);
      },
      py::arg("a"), py::arg("b"), py::arg("equal_var"), py::arg("alternative"),
      py::arg("level"));

  m.def(
      "t_test_from_stats",
      [](const farray& mean_a, const farray& sd_a, const farray& n_a,
         const farray& mean_b, const farray& sd_b, const farray& n_b,
         const farray& level, bool equal_var, const std::string& alternative,
         bool indexed) {
        const auto alt = st::parse_alternative(alternative);
        return map_elements<7, 8>(
            {mean_a, sd_a, n_a, mean_b, sd_b, n_b, level},
            {"mean_a", "sd_a", "n_a", "mean_b", "sd_b", "n_b", "level"},
            {"statistic", "df", "pvalue", "log_pvalue", "estimate", "stderr", "ci_low",
             "ci_high"},
            indexed, [&](const double* in, double* out) {
              const auto r = st::t_test_from_stats(in[0], in[1], in[2], in[3], in[4],
                                                   in[5], equal_var, alt, in[6]);
              out[0] = r.statistic;
              out[1] = r.df;
              out[2] = r.pvalue;
              out[3] = r.log_pvalue;
              out[4] = r.estimate;
              out[5] = r.stderr_;
              out[6] = r.ci_low;
              out[7] = r.ci_high;
            });
      },
      py::arg("mean_a"), py::arg("sd_a"), py::arg("n_a"), py::arg("mean_b"),
      py::arg("sd_b"), py::arg("n_b"), py::arg("level"), py::arg("equal_var"),
      py::arg("alternative"), py::arg("indexed"));

  m.def(
      "mann_whitney",
      [](const farray& a, const farray& b, const std::string& alternative,
         bool continuity) {
        const auto alt = st::parse_alternative(alternative);
        const farray va = as_vector(a, "a"), vb = as_vector(b, "b");
        st::mann_whitney_result r{};
        {
          py::gil_scoped_release release;  // reads only the two buffers
          r = st::mann_whitney(va.data(), static_cast<std::size_t>(va.size()),
                               vb.data(), static_cast<std::size_t>(vb.size()), alt,
                               continuity);
        }
        py::dict d;
        d["statistic"] = r.statistic;
        d["pvalue"] = r.pvalue;
        d["log_pvalue"] = r.log_pvalue;
        d["z"] = r.z;
        d["auc"] = r.auc;
        return d;
      },
      py::arg("a"), py::arg("b"), py::arg("alternative"), py::arg("continuity"));

  m.def(
      "adjust_pvalues",
      [](const farray& p, const std::string& method) {
        const auto mt = st::parse_adjust_method(method);
        const farray v = as_vector(p, "p");
        farray out(v.size());
        double* o = out.mutable_data();
        {
          py::gil_scoped_release release;  // reads p's buffer, writes out's
          st::adjust_pvalues(v.data(), static_cast<std::size_t>(v.size()), mt, o);
        }
        return out;
      },
      py::arg("p"), py::arg("method"));

  m.def(
      "power_proportions",
      [](const farray& p_a, const farray& p_b, const farray& n, const farray& alpha,
         const farray& ratio, const std::string& alternative, const std::string& method,
         const std::string& tails, bool indexed) {
        const auto alt = st::parse_alternative(alternative);
        const auto mt = st::parse_power_method(method);
        const auto tl = parse_tails(tails);
        return map_elements<5, 1>(
            {p_a, p_b, n, alpha, ratio}, {"p_a", "p_b", "n", "alpha", "ratio"},
            {"power"}, indexed, [&](const double* in, double* out) {
              out[0] =
                  st::power_proportions(in[0], in[1], in[2], in[3], alt, in[4], mt, tl);
            });
      },
      py::arg("p_a"), py::arg("p_b"), py::arg("n"), py::arg("alpha"), py::arg("ratio"),
      py::arg("alternative"), py::arg("method"), py::arg("tails"), py::arg("indexed"));

  m.def(
      "sample_size_proportions",
      [](const farray& p_a, const farray& p_b, const farray& alpha, const farray& power,
         const farray& ratio, const std::string& alternative, const std::string& method,
         const std::string& tails, bool indexed) {
        const auto alt = st::parse_alternative(alternative);
        const auto mt = st::parse_power_method(method);
        const auto tl = parse_tails(tails);
        return map_elements<5, 1>({p_a, p_b, alpha, power, ratio},
                                  {"p_a", "p_b", "alpha", "power", "ratio"}, {"n"},
                                  indexed, [&](const double* in, double* out) {
                                    out[0] = st::sample_size_proportions(
                                        in[0], in[1], in[2], in[3], alt, in[4], mt, tl);
                                  });
      },
      py::arg("p_a"), py::arg("p_b"), py::arg("alpha"), py::arg("power"),
      py::arg("ratio"), py::arg("alternative"), py::arg("method"), py::arg("tails"),
      py::arg("indexed"));

  m.def(
      "mde_proportions",
      [](const farray& p_a, const farray& n, const farray& alpha, const farray& power,
         const farray& ratio, const std::string& alternative, const std::string& method,
         const std::string& tails, bool indexed) {
        const auto alt = st::parse_alternative(alternative);
        const auto mt = st::parse_power_method(method);
        const auto tl = parse_tails(tails);
        return map_elements<5, 1>(
            {p_a, n, alpha, power, ratio}, {"p_a", "n", "alpha", "power", "ratio"},
            {"mde"}, indexed, [&](const double* in, double* out) {
              out[0] =
                  st::mde_proportions(in[0], in[1], in[2], in[3], alt, in[4], mt, tl);
            });
      },
      py::arg("p_a"), py::arg("n"), py::arg("alpha"), py::arg("power"),
      py::arg("ratio"), py::arg("alternative"), py::arg("method"), py::arg("tails"),
      py::arg("indexed"));

  m.def(
      "sample_size_means",
      [](const farray& delta, const farray& sd, const farray& alpha,
         const farray& power, const farray& ratio, const std::string& alternative,
         bool strict, bool indexed) {
        const auto alt = st::parse_alternative(alternative);
        return map_elements<5, 1>({delta, sd, alpha, power, ratio},
                                  {"delta", "sd", "alpha", "power", "ratio"}, {"n"},
                                  indexed, [&](const double* in, double* out) {
                                    out[0] = st::sample_size_means(
                                        in[0], in[1], in[2], in[3], alt, in[4], strict);
                                  });
      },
      py::arg("delta"), py::arg("sd"), py::arg("alpha"), py::arg("power"),
      py::arg("ratio"), py::arg("alternative"), py::arg("strict"), py::arg("indexed"));

  m.def(
      "mde_means",
      [](const farray& sd, const farray& n, const farray& alpha, const farray& power,
         const farray& ratio, const std::string& alternative, bool strict,
         bool indexed) {
        const auto alt = st::parse_alternative(alternative);
        return map_elements<5, 1>(
            {sd, n, alpha, power, ratio}, {"sd", "n", "alpha", "power", "ratio"},
            {"mde"}, indexed, [&](const double* in, double* out) {
              out[0] = st::mde_means(in[0], in[1], in[2], in[3], alt, in[4], strict);
            });
      },
      py::arg("sd"), py::arg("n"), py::arg("alpha"), py::arg("power"), py::arg("ratio"),
      py::arg("alternative"), py::arg("strict"), py::arg("indexed"));

  m.def(
      "power_means",
      [](const farray& delta, const farray& sd, const farray& n, const farray& alpha,
         const farray& ratio, const std::string& alternative, bool strict,
         bool indexed) {
        const auto alt = st::parse_alternative(alternative);
        return map_elements<5, 1>(
            {delta, sd, n, alpha, ratio}, {"delta", "sd", "n", "alpha", "ratio"},
            {"power"}, indexed, [&](const double* in, double* out) {
              out[0] = st::power_means(in[0], in[1], in[2], in[3], alt, in[4], strict);
            });
      },
      py::arg("delta"), py::arg("sd"), py::arg("n"), py::arg("alpha"), py::arg("ratio"),
      py::arg("alternative"), py::arg("strict"), py::arg("indexed"));

  m.def(
      "srm_test",
      [](const farray& counts, const farray& ratios) {
        // counts and ratios: (m, k) row-major, one experiment per row.
        if (counts.ndim() != 2 || ratios.ndim() != 2 ||
            counts.shape(0) != ratios.shape(0) || counts.shape(1) != ratios.shape(1))
          throw input_error("counts, ratios",
                            "expected two (m, k) arrays of the same shape");
        const auto m_rows = static_cast<std::size_t>(counts.shape(0));
        const auto k = static_cast<std::size_t>(counts.shape(1));
        farray stat(static_cast<py::ssize_t>(m_rows)),
            df(static_cast<py::ssize_t>(m_rows)), pv(static_cast<py::ssize_t>(m_rows)),
            lp(static_cast<py::ssize_t>(m_rows));
        const double* c = counts.data();
        const double* r = ratios.data();
        double *ps = stat.mutable_data(), *pd = df.mutable_data(),
               *pp = pv.mutable_data(), *pl = lp.mutable_data();
        {
          py::gil_scoped_release release;  // raw buffers only
          for (std::size_t i = 0; i < m_rows; ++i) {
            st::chisq_result res{};
            try {
              res = st::srm_test(c + i * k, r + i * k, k);
            } catch (const input_error& e) {
              if (m_rows > 1)
                throw input_error(e.argument() + " (row " + std::to_string(i) + ")",
                                  e.message());
              throw;
            }
            ps[i] = res.statistic;
            pd[i] = res.df;
            pp[i] = res.pvalue;
            pl[i] = res.log_pvalue;
          }
        }
        py::dict d;
        d["statistic"] = stat;
        d["df"] = df;
        d["pvalue"] = pv;
        d["log_pvalue"] = lp;
        return d;
      },
      py::arg("counts"), py::arg("ratios"));

  m.def(
      "homogeneity_test",
      [](const farray& x, const farray& n) {
        const farray vx = as_vector(x, "x"), vn = as_vector(n, "n");
        if (vx.size() != vn.size())
          throw input_error("n", "expected " + std::to_string(vx.size()) +
                                     " values, got " + std::to_string(vn.size()));
        const auto r = st::homogeneity_test(vx.data(), vn.data(),
                                            static_cast<std::size_t>(vx.size()));
        py::dict d;
        d["statistic"] = r.statistic;
        d["df"] = r.df;
        d["pvalue"] = r.pvalue;
        d["log_pvalue"] = r.log_pvalue;
        return d;
      },
      py::arg("x"), py::arg("n"));

  m.def(
      "beta_binomial",
      [](const farray& x_a, const farray& n_a, const farray& x_b, const farray& n_b,
         const farray& prior_alpha, const farray& prior_beta, const farray& level,
         bool indexed) {
        return map_elements<7, 9>(
            {x_a, n_a, x_b, n_b, prior_alpha, prior_beta, level},
            {"x_a", "n_a", "x_b", "n_b", "prior", "prior", "level"},
            {"prob_b_better", "expected_loss_a", "expected_loss_b", "mean_a", "mean_b",
             "ci_a_low", "ci_a_high", "ci_b_low", "ci_b_high"},
            indexed, [&](const double* in, double* out) {
              const auto r =
                  st::beta_binomial(in[0], in[1], in[2], in[3], in[4], in[5], in[6]);
              out[0] = r.prob_b_better;
              out[1] = r.expected_loss_a;
              out[2] = r.expected_loss_b;
              out[3] = r.mean_a;
              out[4] = r.mean_b;
              out[5] = r.ci_a_low;
              out[6] = r.ci_a_high;
              out[7] = r.ci_b_low;
              out[8] = r.ci_b_high;
            });
      },
      py::arg("x_a"), py::arg("n_a"), py::arg("x_b"), py::arg("n_b"),
      py::arg("prior_alpha"), py::arg("prior_beta"), py::arg("level"),
      py::arg("indexed"));

  m.def(
      "prob_best",
      [](const farray& x, const farray& n, double prior_alpha, double prior_beta) {
        const farray vx = as_vector(x, "x"), vn = as_vector(n, "n");
        if (vx.size() != vn.size())
          throw input_error("n", "expected " + std::to_string(vx.size()) +
                                     " values, got " + std::to_string(vn.size()));
        farray out(vx.size());
        double* o = out.mutable_data();
        {
          py::gil_scoped_release release;  // raw buffers only
          st::prob_best(vx.data(), vn.data(), static_cast<std::size_t>(vx.size()), o,
                        prior_alpha, prior_beta);
        }
        return out;
      },
      py::arg("x"), py::arg("n"), py::arg("prior_alpha"), py::arg("prior_beta"));
}

}  // namespace sostac::python
