// Bindings of include/sostac/metrics/: the KPI roll-up, funnel and cohort
// accumulators over numpy buffers (no copies; the GIL is released in the loops).
#include "bind_util.hpp"

#include <sostac/metrics.hpp>

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <string>
#include <vector>

namespace sostac::python {

namespace py = pybind11;
namespace mx = sostac::metrics;

namespace {

void check_flat(const py::array& a, const std::string& name) {
  if (a.ndim() != 1) throw input_error(name, "expected a 1-D column");
  if (!(a.flags() & py::array::c_style))
    throw input_error(name, "expected a contiguous column");
}

mx::numeric_column numeric_view(const py::array& a, const std::string& name) {
  check_flat(a, name);
  using t = mx::numeric_column::type;
  const char kind = a.dtype().kind();
  const auto size = a.dtype().itemsize();
  t element;
  if (kind == 'f' && size == 8)
    element = t::f64;
  else if (kind == 'f' && size == 4)
    element = t::f32;
  else if (kind == 'i' && size == 8)
    element = t::i64;
  else if (kind == 'i' && size == 4)
    element = t::i32;
  else if (kind == 'i' && size == 2)
    element = t::i16;
  else if (kind == 'i' && size == 1)
    element = t::i8;
  else if (kind == 'u' && size == 8)
    element = t::u64;
  else if (kind == 'u' && size == 4)
    element = t::u32;
  else if (kind == 'u' && size == 2)
    element = t::u16;
  else if ((kind == 'u' || kind == 'b') && size == 1)
    element = t::u8;
  else
    throw input_error(name, std::string("expected numbers, got dtype '") + kind +
                                std::to_string(size) + "'");
  return {a.data(), element, static_cast<std::size_t>(a.size()), name};
}

mx::integer_column integer_view(const py::array& a, const std::string& name) {
  check_flat(a, name);
  using t = mx::integer_column::type;
  const char kind = a.dtype().kind();
  const auto size = a.dtype().itemsize();
  t element;
  if ((kind == 'i' || kind == 'M' || kind == 'm') && size == 8)
    element = t::i64;
  else if (kind == 'i' && size == 4)
    element = t::i32;
  else if (kind == 'i' && size == 2)
    element = t::i16;
  else if (kind == 'i' && size == 1)
    element = t::i8;
  else if (kind == 'u' && size == 4)
    element = t::u32;
  else if (kind == 'u' && size == 2)
    element = t::u16;
  else if (kind == 'u' && size == 1)
    element = t::u8;
  else
    throw input_error(name, std::string("expected integers, got dtype '") + kind +
                                std::to_string(size) + "'");
  return {a.data(), element, static_cast<std::size_t>(a.size()), name};
}

/// An event chunk (user, time, step and optional touch codes) as views; names are
/// the columns' names for error messages, in that order.
mx::event_columns event_view(const py::array& user, const py::array& time,
                             const py::array& step, const py::object& touch,
                             const std::vector<std::string>& names) {
  mx::event_columns c;
  c.user = integer_view(user, names.at(0));
  c.time = integer_view(time, names.at(1));
  c.step = integer_view(step, names.at(2));
  if (!touch.is_none()) c.touch = integer_view(touch.cast<py::array>(), names.at(3));
  return c;
}

std::vector<std::int64_t> code_map(const py::object& map) {
  if (map.is_none()) return {};
  return map.cast<std::vector<std::int64_t>>();
}

}  // namespace

void register_metrics(py::module_& m) {
  py::class_<mx::kpi_rollup>(m, "KpiRollup")
      .def(py::init([](const std::vector<py::tuple>& kpis, const std::string& period,
                       std::int64_t ticks_per_day, std::int64_t offset_ticks) {
             std::vector<mx::kpi_formula> formulas;
             for (const auto& k : kpis) {
               mx::kpi_formula f;
               f.id = k[0].cast<std::string>();
               f.numerator = mx::parse_measure_expression(k[1].cast<std::string>(),
                                                          f.id + ".numerator");
               const auto den = k[2].cast<std::string>();
               if (!den.empty())
                 f.denominator =
                     mx::parse_measure_expression(den, f.id + ".denominator");
               f.scale = k[3].cast<double>();
               f.unit = k[4].cast<std::string>();
               formulas.push_back(std::move(f));
             }
             return mx::kpi_rollup(std::move(formulas),
                                   mx::parse_period(period, "period"), ticks_per_day,
                                   offset_ticks);
           }),
           py::arg("kpis"), py::arg("period"), py::arg("ticks_per_day"),
           py::arg("offset_ticks"))
      .def_property_readonly("measures", &mx::kpi_rollup::measures)
      .def(
          "add",
          [](mx::kpi_rollup& self, const py::array& group, const py::array& time,
             const std::vector<py::array>& columns,
             const std::vector<std::string>& names, const std::string& group_name,
             const std::string& time_name) {
            const auto g = integer_view(group, group_name);
            const auto t = integer_view(time, time_name);
            std::vector<mx::numeric_column> cols;
            for (std::size_t i = 0; i < columns.size(); ++i)
              cols.push_back(numeric_view(columns[i], names.at(i)));
            py::gil_scoped_release release;  // views of arrays the caller keeps alive
            self.add(g, t, cols);
          },
          py::arg("group"), py::arg("time"), py::arg("columns"), py::arg("names"),
          py::arg("group_name"), py::arg("time_name"))
      .def(
          "merge",
          [](mx::kpi_rollup& self, const mx::kpi_rollup& other,
             const py::object& group_map) { self.merge(other, code_map(group_map)); },
          py::arg("other"), py::arg("group_map") = py::none())
      .def(
          "finish",
          [](const mx::kpi_rollup& self, double level) {
            std::vector<mx::rollup_row> rows;
            {
              py::gil_scoped_release release;
              rows = self.finish(level);
            }
            const auto n = static_cast<py::ssize_t>(rows.size());
            py::array_t<std::int64_t> group(n), start(n), kpi(n), count(n);
            py::array_t<double> value(n), low(n), high(n), num(n), den(n);
            py::list interval, problem;
            for (py::ssize_t i = 0; i < n; ++i) {
              const auto& r = rows[static_cast<std::size_t>(i)];
              group.mutable_at(i) = r.group;
              start.mutable_at(i) = r.period_start;
              kpi.mutable_at(i) = static_cast<std::int64_t>(r.kpi);
              count.mutable_at(i) = r.rows;
              value.mutable_at(i) = r.value;
              low.mutable_at(i) = r.low;
              high.mutable_at(i) = r.high;
              num.mutable_at(i) = r.numerator;
              den.mutable_at(i) = r.denominator;
              interval.append(mx::to_string(r.interval));
              problem.append(r.problem);
            }
            py::dict out;
            out["group"] = group;
            out["period_start_day"] = start;
            out["kpi"] = kpi;
            out["value"] = value;
            out["low"] = low;
            out["high"] = high;
            out["numerator"] = num;
            out["denominator"] = den;
            out["rows"] = count;
            out["interval"] = interval;
            out["problem"] = problem;
            return out;
          },
          py::arg("level"));

  py::class_<mx::funnel_users_result>(m, "FunnelUsers")
      .def_property_readonly(
          "level", [](const mx::funnel_users_result& r) { return to_numpy(r.level); })
      .def_property_readonly(
          "entry_time",
          [](const mx::funnel_users_result& r) { return to_numpy(r.entry_time); })
      .def_property_readonly(
          "present",
          [](const mx::funnel_users_result& r) { return to_numpy(r.present); })
      .def_property_readonly(
          "order", [](const mx::funnel_users_result& r) { return to_numpy(r.order); })
      .def_property_readonly(
          "step_events",
          [](const mx::funnel_users_result& r) { return to_numpy(r.step_events); })
      .def(
          "table",
          [](const mx::funnel_users_result& r, bool by_touch, bool last_touch,
             bool by_period, const std::string& period, std::int64_t ticks_per_day,
             std::int64_t offset_ticks) {
            std::vector<mx::funnel_row> rows;
            const auto p = mx::parse_period(period, "period");
            {
              py::gil_scoped_release release;
              rows = mx::funnel_table(r, by_touch, last_touch, by_period, p,
                                      ticks_per_day, offset_ticks);
            }
            const auto n = static_cast<py::ssize_t>(rows.size());
            py::array_t<std::int64_t> group(n), per(n), step(n), users(n);
            py::array_t<double> median(n);
            for (py::ssize_t i = 0; i < n; ++i) {
              const auto& row = rows[static_cast<std::size_t>(i)];
              group.mutable_at(i) = row.group;
              per.mutable_at(i) = by_period ? mx::period_start(row.period, p) : 0;
              step.mutable_at(i) = static_cast<std::int64_t>(row.step);
              users.mutable_at(i) = row.users;
              median.mutable_at(i) = row.median_gap;
            }
            py::dict out;
            out["group"] = group;
            out["period_start_day"] = per;
            out["step"] = step;
            out["users"] = users;
            out["median_gap"] = median;
            return out;
          },
          py::arg("by_touch"), py::arg("last_touch"), py::arg("by_period"),
          py::arg("period"), py::arg("ticks_per_day"), py::arg("offset_ticks"));

  m.def(
      "funnel_users",
      [](const py::array& user, const py::array& time, const py::array& step,
         const py::object& touch, std::size_t users, std::size_t steps,
         std::int64_t window, bool strict, const std::vector<std::string>& names,
         std::int64_t user_base, const std::vector<std::int8_t>& step_of,
         bool details) {
        auto c = event_view(user, time, step, touch, names);
        c.user_base = user_base;
        c.step_of = step_of;
        py::gil_scoped_release release;  // views of arrays the caller keeps alive
        return mx::funnel_users({c}, users, steps, window,
                                mx::funnel_options{strict, details});
      },
      py::arg("user"), py::arg("time"), py::arg("step"), py::arg("touch"),
      py::arg("users"), py::arg("steps"), py::arg("window"), py::arg("strict"),
      py::arg("names"), py::arg("user_base") = 0,
      py::arg("step_of") = std::vector<std::int8_t>{}, py::arg("details") = true,
      "Per-user funnel levels over one chunk of column views (no copy): user codes "
      "are user values minus user_base; with step_of, step values are event codes "
      "mapped through it.");

  py::class_<mx::funnel_events>(m, "FunnelEvents")
      .def(py::init<std::size_t, std::int64_t, bool>(), py::arg("steps"),
           py::arg("window"), py::arg("strict"))
      .def(
          "add",
          [](mx::funnel_events& self, const py::array& user, const py::array& time,
             const py::array& step, const py::object& touch,
             const std::vector<std::string>& names) {
            const auto c = event_view(user, time, step, touch, names);
            py::gil_scoped_release release;
            self.add(c);
          },
          py::arg("user"), py::arg("time"), py::arg("step"), py::arg("touch"),
          py::arg("names"))
      .def(
          "merge",
          [](mx::funnel_events& self, const mx::funnel_events& other,
             const py::object& user_map, const py::object& touch_map) {
            self.merge(other, code_map(user_map), code_map(touch_map));
          },
          py::arg("other"), py::arg("user_map") = py::none(),
          py::arg("touch_map") = py::none())
      .def("__len__", &mx::funnel_events::size)
      .def(
          "finish",
          [](const mx::funnel_events& self, std::size_t users) {
            py::gil_scoped_release release;
            return self.finish(users);
          },
          py::arg("users"));

  py::class_<mx::cohort_accumulator>(m, "Cohorts")
      .def(py::init([](const std::string& period, std::int64_t ticks_per_day,
                       std::int64_t offset_ticks) {
             return mx::cohort_accumulator(mx::parse_period(period, "period"),
                                           ticks_per_day, offset_ticks);
           }),
           py::arg("period"), py::arg("ticks_per_day"), py::arg("offset_ticks"))
      .def(
          "add",
          [](mx::cohort_accumulator& self, const py::array& user, const py::array& time,
             const py::object& value, const std::vector<std::string>& names) {
            const auto u = integer_view(user, names.at(0));
            const auto t = integer_view(time, names.at(1));
            mx::numeric_column v;
            const bool has_value = !value.is_none();
            if (has_value) v = numeric_view(value.cast<py::array>(), names.at(2));
            py::gil_scoped_release release;
            self.add(u, t, has_value ? &v : nullptr);
          },
          py::arg("user"), py::arg("time"), py::arg("value"), py::arg("names"))
      .def(
          "merge",
          [](mx::cohort_accumulator& self, const mx::cohort_accumulator& other,
             const py::object& user_map) { self.merge(other, code_map(user_map)); },
          py::arg("other"), py::arg("user_map") = py::none())
      .def("finish", [](const mx::cohort_accumulator& self) {
        std::int64_t last = 0;
        std::vector<mx::cohort_cell> cells;
        {
          py::gil_scoped_release release;
          cells = self.finish(&last);
        }
        const auto n = static_cast<py::ssize_t>(cells.size());
        py::array_t<std::int64_t> cohort(n), age(n), users(n);
        py::array_t<double> value(n);
        for (py::ssize_t i = 0; i < n; ++i) {
          const auto& c = cells[static_cast<std::size_t>(i)];
          cohort.mutable_at(i) = c.cohort;
          age.mutable_at(i) = c.age;
          users.mutable_at(i) = c.users;
          value.mutable_at(i) = c.value;
        }
        py::dict out;
        out["cohort"] = cohort;
        out["age"] = age;
        out["users"] = users;
        out["value"] = value;
        out["last_period"] = last;
        return out;
      });

  m.def(
      "period_start_day",
      [](std::int64_t index, const std::string& period) {
        return mx::period_start(index, mx::parse_period(period, "period"));
      },
      py::arg("index"), py::arg("period"),
      "Day number of the first day of a period index.");
}

}  // namespace sostac::python
