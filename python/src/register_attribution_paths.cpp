// sostac._core.attribution: bindings for include/sostac/attribution/ (paths part): the
// heuristic models and assists over the flat path-table arrays of
// sostac/attribution/_table.py, and the path builder's accumulator.
#include <sostac/attribution.hpp>

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

namespace at = sostac::attribution;
template <class T>
using carray = py::array_t<T, py::array::c_style | py::array::forcecast>;

/// A numpy array that takes over v's buffer (no copy).
template <class T>
py::array_t<T> give(std::vector<T>&& v) {
  auto* heap = new std::vector<T>(std::move(v));
  py::capsule owner(heap, [](void* p) { delete static_cast<std::vector<T>*>(p); });
  return py::array_t<T>(static_cast<py::ssize_t>(heap->size()), heap->data(), owner);
}

/// The view of the flat arrays; checks their lengths against each other.
at::path_table_view view(const carray<std::uint64_t>& offsets, const carray<std::int32_t>& steps,
                         const carray<double>& conversions, const carray<double>& value,
                         const carray<double>& nulls, std::size_t n_channels) {
  if (offsets.ndim() != 1 || offsets.size() < 1)
    throw input_error("offsets", "expected n + 1 offsets");
  const auto n = static_cast<std::size_t>(offsets.size() - 1);
  const auto check = [n](const carray<double>& a, const char* name) {
    if (a.ndim() != 1 || static_cast<std::size_t>(a.size()) != n)
      throw input_error(name, "expected " + std::to_string(n) + " values, one per path");
  };
  check(conversions, "conversions");
  check(value, "value");
  check(nulls, "nulls");
  if (static_cast<std::uint64_t>(steps.size()) != offsets.data()[n])
    throw input_error("steps", "expected offsets[-1] = " + std::to_string(steps.size()) +
                                   " channel codes");
  return {n, n_channels, offsets.data(), steps.data(), conversions.data(), value.data(),
          nulls.data()};
}

class py_path_accumulator {
 public:
  /// user: int64 codes (minus user_offset) or int32 codes. copy=False keeps the
  /// arrays (referenced here, so alive) instead of copying their rows.
  void add(const py::array& user, const carray<std::int64_t>& time,
           const carray<std::int32_t>& channel, const carray<std::uint8_t>& conversion,
           const std::optional<carray<double>>& value, std::int64_t user_offset, bool copy) {
    at::touch_columns c;
    py::object user_arr;
    if (py::isinstance<py::array_t<std::int32_t>>(user) && user.ndim() == 1 &&
        (user.flags() & py::array::c_style) && user_offset == 0) {
      user_arr = user;
      c.user32 = static_cast<const std::int32_t*>(user.data());
    } else {
      auto u = carray<std::int64_t>::ensure(user);
      if (!u) throw input_error("user", "expected integer user codes");
      user_arr = u;
      c.user64 = u.data();
      c.user_offset = user_offset;
    }
    const py::ssize_t n = py::len(user_arr);
    auto same = [n](py::ssize_t m, const char* name) {
      if (m != n)
        throw input_error(name, "expected " + std::to_string(n) + " values like user, got " +
                                    std::to_string(m));
    };
    same(time.size(), "time");
    same(channel.size(), "channel");
    same(conversion.size(), "conversion");
    if (value) same(value->size(), "value");
    c.n = static_cast<std::size_t>(n);
    c.time = time.data();
    c.channel = channel.data();
    c.conversion = conversion.data();
    c.value = value ? value->data() : nullptr;
    {
      // Safe without the GIL: the arrays are held by the caller and only read.
      py::gil_scoped_release release;
      acc_.add(c, copy);
    }
    if (!copy && n > 0) {
      keep_.push_back(user_arr);
      keep_.push_back(time);
      keep_.push_back(channel);
      keep_.push_back(conversion);
      if (value) keep_.push_back(*value);
    }
  }
  void merge(const py_path_accumulator& o) { acc_.merge(o.acc_); }
  std::size_t rows() const noexcept { return acc_.rows(); }

  py::dict finish(std::vector<std::string> channels, std::optional<std::int64_t> lookback,
                  std::size_t max_length, bool collapse_repeats,
                  std::optional<double> half_life, bool presorted) const {
    at::path_builder_options o;
    o.has_lookback = lookback.has_value();
    o.lookback = lookback.value_or(0);
    o.max_length = max_length;
    o.collapse_repeats = collapse_repeats;
    o.has_half_life = half_life.has_value();
    o.half_life = half_life.value_or(0.0);
    o.presorted = presorted;
    at::built_paths r;
    std::vector<std::string> text;
    std::optional<at::order_error> broken;
    {
      // Safe without the GIL: reads only the accumulator's own vectors (and the arrays
      // it keeps).
      py::gil_scoped_release release;
      try {
        r = acc_.finish(std::move(channels), o);
      } catch (const at::order_error& e) {
        broken = e;
      }
      text.reserve(r.table.size());
      std::string s;
      for (std::size_t i = 0; i < r.table.size(); ++i) {
        const at::path_view pv = r.table.path(i);
        s.clear();
        for (std::size_t j = 0; j < pv.length; ++j) {
          if (j) s += " > ";
          s += r.table.channels[static_cast<std::size_t>(pv.steps[j])];
        }
        text.push_back(s);
      }
    }
    py::dict d;
    if (broken) {
      d["order_break"] = broken->row();
      d["order_user"] = broken->user();
      d["order_regrouped"] = broken->regrouped();
      d["order_message"] = std::string(broken->what());
      return d;
    }
    d["path"] = py::cast(std::move(text));
    d["offsets"] = give(std::move(r.table.offsets));
    d["steps"] = give(std::move(r.table.steps));
    d["conversions"] = give(std::move(r.table.conversions));
    d["value"] = give(std::move(r.table.value));
    d["nulls"] = give(std::move(r.table.nulls));
    d["unattributed_conversions"] = r.unattributed_conversions;
    d["unattributed_value"] = r.unattributed_value;
    d["expired_touches"] = r.expired_touches;
    d["users"] = r.users;
    if (o.has_half_life) {
      d["decay_conversions"] = give(std::move(r.decay_conversions));
      d["decay_value"] = give(std::move(r.decay_value));
    }
    return d;
  }

 private:
  at::path_accumulator acc_;
  std::vector<py::object> keep_;  // the arrays of add(copy=False)
};

}  // namespace

void register_attribution_paths(py::module_& m) {
  m.def(
      "heuristic",
      [](const carray<std::uint64_t>& offsets, const carray<std::int32_t>& steps,
         const carray<double>& conversions, const carray<double>& value, std::size_t n_channels,
         const std::string& model, std::int32_t direct, double half_life, double first_weight,
         double middle_weight, double last_weight) {
        // nulls do not enter these models: the conversions stand in for them in the view.
        const at::path_table_view t =
            view(offsets, steps, conversions, value, conversions, n_channels);
        at::heuristic_options o;
        o.direct = direct;
        o.half_life = half_life;
        o.first_weight = first_weight;
        o.middle_weight = middle_weight;
        o.last_weight = last_weight;
        const at::heuristic_model hm = at::parse_heuristic_model(model);
        at::channel_credit r;
        {
          // Safe without the GIL: the arrays are held by the caller and only read.
          py::gil_scoped_release release;
          r = at::heuristic_credit(t, hm, o);
        }
        py::dict d;
        d["conversions"] = give(std::move(r.conversions));
        d["value"] = give(std::move(r.value));
        return d;
      },
      py::arg("offsets"), py::arg("steps"), py::arg("conversions"), py::arg("value"),
      py::arg("n_channels"), py::arg("model"), py::arg("direct") = -1,
      py::arg("half_life") = 1.0, py::arg("first_weight") = 0.4,
      py::arg("middle_weight") = 0.2, py::arg("last_weight") = 0.4,
      "Conversions and value per channel code under one heuristic model.");

  m.def(
      "assists",
      [](const carray<std::uint64_t>& offsets, const carray<std::int32_t>& steps,
         const carray<double>& conversions, const carray<double>& value, std::size_t n_channels,
         double z) {
        // nulls do not enter these models: the conversions stand in for them in the view.
        const at::path_table_view t =
            view(offsets, steps, conversions, value, conversions, n_channels);
        at::assists_result r;
        {
          // Safe without the GIL: the arrays are held by the caller and only read.
          py::gil_scoped_release release;
          r = at::assists(t, z);
        }
        py::dict d;
        d["last_interaction"] = give(std::move(r.last_interaction));
        d["assisted"] = give(std::move(r.assisted));
        d["first_interaction"] = give(std::move(r.first_interaction));
        d["assist_ratio"] = give(std::move(r.assist_ratio));
        d["assist_ratio_low"] = give(std::move(r.assist_ratio_low));
        d["assist_ratio_high"] = give(std::move(r.assist_ratio_high));
        d["last_interaction_value"] = give(std::move(r.last_interaction_value));
        d["assisted_value"] = give(std::move(r.assisted_value));
        d["first_interaction_value"] = give(std::move(r.first_interaction_value));
        d["assisted_and_last"] = give(std::move(r.assisted_and_last));
        return d;
      },
      py::arg("offsets"), py::arg("steps"), py::arg("conversions"), py::arg("value"),
      py::arg("n_channels"), py::arg("z"),
      "Last-interaction, assisted and first-interaction conversions per channel code, "
      "the assist ratio and its delta-method interval at normal quantile z.");

  py::class_<py_path_accumulator>(m, "PathAccumulator",
                                  "Touchpoint rows -> the path table (mergeable).")
      .def(py::init<>())
      .def("add", &py_path_accumulator::add, py::arg("user"), py::arg("time"),
           py::arg("channel"), py::arg("conversion"), py::arg("value") = py::none(),
           py::kw_only(), py::arg("user_offset") = 0, py::arg("copy") = true,
           "Appends rows. user: int64 codes (code = user - user_offset) or int32 codes. "
           "copy=False keeps references to the arrays instead of copying the rows (they "
           "must not change before finish).")
      .def("merge", &py_path_accumulator::merge, py::arg("other"))
      .def_property_readonly("rows", &py_path_accumulator::rows)
      .def("finish", &py_path_accumulator::finish, py::arg("channels"),
           py::arg("lookback") = py::none(), py::arg("max_length") = 0,
           py::arg("collapse_repeats") = false, py::arg("half_life") = py::none(),
           py::kw_only(), py::arg("presorted") = false,
           "The path table as a dict of arrays. presorted=True: the rows (in add order) "
           "must come grouped by user, each user's in time order; else the dict holds "
           "only order_break (the first row that breaks it), order_user, "
           "order_regrouped and order_message.");
}

}  // namespace sostac::python
