// sostac._core.customer: bindings for include/sostac/customer/ (summary part): the
// summary accumulator over numpy buffers (no copies in, results moved out) and the
// RFM quantile scores.
#include "bind_util.hpp"

#include <sostac/customer/summary.hpp>

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace py = pybind11;

namespace sostac::python {

namespace {

namespace cu = sostac::customer;
using i64array = py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>;

/// A numpy array that takes over v's buffer (no copy).
template <class T, class A>
py::array_t<T> give(std::vector<T, A>&& v) {
  auto* heap = new std::vector<T, A>(std::move(v));
  py::capsule owner(heap, [](void* p) { delete static_cast<std::vector<T, A>*>(p); });
  return py::array_t<T>(static_cast<py::ssize_t>(heap->size()), heap->data(), owner);
}

void check_len(const py::array& a, py::ssize_t n, const char* name) {
  if (a.ndim() != 1) throw input_error(name, "expected a 1-D column");
  if (a.size() != n)
    throw input_error(name, "expected " + std::to_string(n) + " values like customer, got " +
                                std::to_string(a.size()));
}

cu::summary_accumulator make(const std::string& period, std::optional<std::int64_t> end_day,
                             std::optional<std::int64_t> holdout_end_day, bool has_value,
                             bool refunds, std::int64_t ticks_per_day) {
  cu::summary_options o;
  o.period = cu::parse_period(period);
  o.has_end = end_day.has_value();
  o.end_day = end_day.value_or(0);
  o.has_holdout = holdout_end_day.has_value();
  o.holdout_end_day = holdout_end_day.value_or(0);
  o.has_value = has_value;
  o.refunds = refunds;
  o.ticks_per_day = ticks_per_day;
  return cu::summary_accumulator(o);
}

py::dict finish(const cu::summary_accumulator& acc) {
  cu::summary_result r;
  {
    // Safe without the GIL: finish reads only the accumulator's own vectors.
    py::gil_scoped_release release;
    r = acc.finish();
  }
  py::dict d;
  d["customer"] = give(std::move(r.customer));
  d["frequency"] = give(std::move(r.frequency));
  d["recency"] = give(std::move(r.recency));
  d["T"] = give(std::move(r.T));
  d["monetary"] = give(std::move(r.monetary));
  d["transactions"] = give(std::move(r.transactions));
  d["total"] = give(std::move(r.total));
  d["days_since_last"] = give(std::move(r.days_since_last));
  if (acc.options().has_holdout) {
    d["frequency_holdout"] = give(std::move(r.frequency_holdout));
    d["monetary_holdout"] = give(std::move(r.monetary_holdout));
  }
  d["duration_holdout"] = r.duration_holdout;
  d["end_day"] = r.end_day;
  d["holdout_only"] = r.holdout_only;
  return d;
}

}  // namespace

void register_customer_summary(py::module_& m) {
  py::class_<cu::summary_accumulator>(
      m, "SummaryAccumulator",
      "Per-customer BTYD summary over chunks of a transaction log (customer codes, "
      "int64 nanosecond times, optional float64 values); see docs/customer.md.")
      .def(py::init(&make), py::arg("period") = "W", py::arg("end_day") = py::none(),
           py::arg("holdout_end_day") = py::none(), py::arg("has_value") = false,
           py::arg("refunds") = false, py::arg("ticks_per_day") = cu::ns_per_day)
      .def(
          "add",
          [](cu::summary_accumulator& acc, const i64array& customer, const i64array& time,
             std::optional<farray> value, std::int64_t base) {
            const py::ssize_t n = customer.size();
            if (customer.ndim() != 1) throw input_error("customer", "expected a 1-D column");
            check_len(time, n, "time");
            if (value) check_len(*value, n, "value");
            const double* v = value ? value->data() : nullptr;
            // Safe without the GIL: the arrays are kept alive by the arguments and the
            // kernel touches only their buffers and the accumulator.
            py::gil_scoped_release release;
            acc.add(customer.data(), time.data(), v, static_cast<std::size_t>(n), base);
          },
          py::arg("customer"), py::arg("time"), py::arg("value") = py::none(),
          py::arg("base") = 0)
      .def(
          "merge",
          [](cu::summary_accumulator& acc, const cu::summary_accumulator& other,
             std::optional<i64array> mapping) {
            if (mapping)
              acc.merge_mapped(other, mapping->data(), static_cast<std::size_t>(mapping->size()));
            else
              acc.merge(other);
          },
          py::arg("other"), py::arg("mapping") = py::none())
      .def("finish", &finish)
      .def_property_readonly("rows", &cu::summary_accumulator::rows)
      .def_property_readonly("codes", &cu::summary_accumulator::codes);

  m.def(
      "rfm_scores",
      [](const farray& recency, const py::array& frequency, const farray& monetary, int bins) {
        const py::ssize_t n = recency.size();
        check_len(frequency, n, "frequency");
        check_len(monetary, n, "monetary");
        // integer counts are read as they are (no float copy)
        const bool counts = frequency.dtype().kind() == 'i' && frequency.itemsize() == 8;
        const i64array fi = counts ? i64array::ensure(frequency) : i64array();
        const farray fd = counts ? farray() : farray::ensure(frequency);
        if (!counts && !fd) throw input_error("frequency", "expected numbers");
        cu::rfm_result r;
        {
          // Safe without the GIL: only the three input buffers and r are touched.
          py::gil_scoped_release release;
          const auto len = static_cast<std::size_t>(n);
          r = counts ? cu::rfm_scores(recency.data(), fi.data(), monetary.data(), len, bins)
                     : cu::rfm_scores(recency.data(), fd.data(), monetary.data(), len, bins);
        }
        py::dict d;
        d["r_score"] = give(std::move(r.r_score));
        d["f_score"] = give(std::move(r.f_score));
        d["m_score"] = give(std::move(r.m_score));
        return d;
      },
      py::arg("recency"), py::arg("frequency"), py::arg("monetary"), py::arg("bins") = 5,
      "RFM scores 1..bins: 1 + floor(bins * L / n), L = customers strictly worse.");
  m.def(
      "quantile_scores",
      [](const farray& x, int bins, bool lower_is_better) {
        std::vector<std::uint8_t> s;
        {
          py::gil_scoped_release release;
          s = cu::quantile_scores(x.data(), static_cast<std::size_t>(x.size()), bins,
                                  lower_is_better);
        }
        return give(std::move(s));
      },
      py::arg("x"), py::arg("bins") = 5, py::arg("lower_is_better") = false,
      "Scores 1..bins of x by the RFM tie rule (ties share the lowest rank's score).");
}

}  // namespace sostac::python
