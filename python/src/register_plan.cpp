// Bindings of include/sostac/plan/: document checks, schedule, loading, lifecycle,
// the KPI catalogue and measure expressions.
#include <sostac/plan.hpp>

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <string>
#include <utility>
#include <vector>

namespace sostac::python {

namespace py = pybind11;

void register_plan(py::module_& m) {
  m.def(
      "check_document",
      [](const std::string& text, const std::string& source, bool schema_only) {
        std::vector<sostac::plan::finding> found;
        {
          py::gil_scoped_release release;  // works on its own copies of the text
          const auto doc = sostac::plan::parse_document(text, source);
          found = schema_only ? sostac::plan::check_schema(doc)
                              : sostac::plan::validate_document(doc);
        }
        py::list out;
        for (const auto& f : found) {
          py::dict d;
          d["severity"] = f.severity;
          d["code"] = f.code;
          d["path"] = f.path;
          d["message"] = f.message;
          out.append(d);
        }
        return out;
      },
      py::arg("text"), py::arg("source"), py::arg("schema_only") = false,
      "Parses JSON text and checks it (schema, then semantic rules); returns "
      "findings.");
  m.def(
      "schedule",
      [](const std::string& text) {
        sostac::plan::plan_schedule sched;
        {
          py::gil_scoped_release release;  // works on its own copy of the text
          sched = sostac::plan::schedule_plan(
              sostac::plan::parse_document(text, "document"));
        }
        py::list rows;
        for (const auto& a : sched.activities) {
          py::dict d;
          d["id"] = a.id;
          d["kind"] = a.kind;
          d["start"] = a.start;
          d["end"] = a.end;
          d["slack_days"] = a.slack_days;
          d["critical"] = a.critical;
          rows.append(d);
        }
        py::dict out;
        out["activities"] = rows;
        out["critical_path"] = sched.critical_path;
        out["critical_chains"] = sched.critical_chains;
        return out;
      },
      py::arg("text"), "CPM schedule: activities with slack, and the critical path.");
  m.def(
      "daily_loading",
      [](const std::string& text) {
        std::vector<sostac::plan::day_load> days;
        {
          py::gil_scoped_release release;  // works on its own copy of the text
          days = sostac::plan::daily_loading(
              sostac::plan::parse_document(text, "document"));
        }
        py::dict out;
        py::list dates, hours, money;
        for (const auto& d : days) {
          dates.append(sostac::plan::detail::iso_date(d.day));
          hours.append(d.people_hours);
          money.append(d.money);
        }
        out["date"] = dates;
        out["people_hours"] = hours;
        out["money"] = money;
        return out;
      },
      py::arg("text"), "People-hours and money per calendar day.");
  py::tuple stages(sostac::plan::stages.size());
  for (std::size_t i = 0; i < sostac::plan::stages.size(); ++i)
    stages[i] = sostac::plan::stages[i];
  m.attr("stages") = stages;
  m.def(
      "advance",
      [](const std::string& text, const std::string& to) {
        py::gil_scoped_release release;  // works on its own copy of the text
        auto doc = sostac::plan::parse_document(text, "document");
        return sostac::plan::advance(doc, to);
      },
      py::arg("text"), py::arg("to"),
      "The stage the document moves to ('' = the next); raises when it cannot.");
  m.def(
      "review",
      [](const std::string& text,
         const std::vector<std::pair<std::string, double>>& results,
         const std::string& as_of, const std::string& source) {
        py::gil_scoped_release release;  // works on its own copies
        return sostac::plan::review(sostac::plan::parse_document(text, "document"),
                                    results, as_of, source)
            .dump();
      },
      py::arg("text"), py::arg("results"), py::arg("as_of"), py::arg("source"),
      "The next revision as JSON text, with the Control results as baselines.");
  m.def(
      "diff",
      [](const std::string& a, const std::string& b) {
        std::vector<sostac::plan::change> changes;
        {
          py::gil_scoped_release release;  // works on its own copies
          changes = sostac::plan::diff(sostac::plan::parse_document(a, "document"),
                                       sostac::plan::parse_document(b, "other"));
        }
        py::list out;
        for (const auto& c : changes)
          out.append(py::make_tuple(c.path, c.before.dump(), c.after.dump()));
        return out;
      },
      py::arg("a"), py::arg("b"),
      "[(path, before JSON, after JSON), ...]; null marks an absent value.");
  m.def(
      "schema_text", [] { return std::string(sostac::plan::detail::plan_schema_text); },
      "The plan document's JSON Schema (docs/plan.schema.json).");
  m.def(
      "kpi_catalog",
      [] {
        py::list rows;
        for (const auto& k : sostac::plan::kpi_catalog()) {
          py::dict d;
          d["id"] = k.id;
          d["name"] = k.name;
          d["numerator"] = k.numerator;
          d["denominator"] = k.denominator;
          d["scale"] = k.scale;
          d["unit"] = k.unit;
          d["direction"] = sostac::plan::to_string(k.better);
          d["race"] = sostac::plan::to_string(k.race);
          d["cadence"] = sostac::plan::to_string(k.default_cadence);
          d["description"] = k.description;
          bool distinct = false;
          for (const auto* e : {&k.numerator, &k.denominator})
            if (!e->empty())
              for (const auto& t : sostac::plan::parse_measure_expression(*e, k.id))
                distinct = distinct || sostac::metrics::is_distinct_measure(t.measure);
          d["distinct"] = distinct;
          rows.append(d);
        }
        return rows;
      },
      "The built-in KPI catalogue as a list of dicts.");
  m.def(
      "distinct_measures", [] { return sostac::metrics::distinct_measures(); },
      "Measures that count distinct people and do not add across rows.");
  m.def(
      "parse_measure_expression",
      [](const std::string& text, const std::string& argument) {
        py::list terms;
        for (const auto& t : sostac::plan::parse_measure_expression(text, argument))
          terms.append(py::make_tuple(t.coefficient, t.measure));
        return terms;
      },
      py::arg("text"), py::arg("argument"),
      "[(coefficient, measure), ...] of an expression like 'revenue - cost'.");
}

}  // namespace sostac::python
