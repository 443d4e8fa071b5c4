// sostac._core.attribution: bindings for include/sostac/attribution/ (encode part).
// Path text to the flat path-table arrays, from Arrow's string buffers (no copy) or
// from one buffer of the texts joined by '\n'.
#include <sostac/attribution.hpp>

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace py = pybind11;

namespace sostac::python {

namespace {

namespace at = sostac::attribution;

/// A numpy array owning the vector's buffer (moved, not copied).
template <class T>
py::array_t<T> owned(std::vector<T>&& v) {
  auto* heap = new std::vector<T>(std::move(v));
  py::capsule free(heap, [](void* p) { delete static_cast<std::vector<T>*>(p); });
  return py::array_t<T>({static_cast<py::ssize_t>(heap->size())}, heap->data(), free);
}

py::dict to_dict(at::path_text_result&& r) {
  py::list names;
  for (const auto& s : r.channels) names.append(py::str(s));
  py::dict d;
  d["channels"] = names;
  d["offsets"] = owned(std::move(r.offsets));
  d["steps"] = owned(std::move(r.steps));
  return d;
}

template <class Offset>
at::path_text_result parse_chunks(const py::list& chunks, const std::string& sep,
                                  std::vector<py::array>& keep) {
  using oarray = py::array_t<Offset, py::array::c_style>;
  std::vector<at::path_text_chunk<Offset>> parts;
  for (const auto& item : chunks) {
    const auto pair = item.cast<py::tuple>();
    if (pair.size() != 2)
      throw input_error("chunks", "expected (offsets, data) pairs");
    auto off = oarray::ensure(pair[0]);
    auto data = py::array_t<std::uint8_t, py::array::c_style>::ensure(pair[1]);
    if (!off || !data || off.ndim() != 1 || data.ndim() != 1 || off.size() < 1)
      throw input_error("chunks", "expected flat offsets (n + 1) and a flat byte buffer");
    const auto n = static_cast<std::size_t>(off.size() - 1);
    const Offset* o = off.data();
    if (o[0] < 0 || o[n] < o[0] || static_cast<py::ssize_t>(o[n]) > data.size())
      throw input_error("chunks", "text offsets outside the data buffer");
    parts.push_back({reinterpret_cast<const char*>(data.data()), o, n});
    keep.push_back(off);
    keep.push_back(data);
  }
  // Safe without the GIL: the chunks point into arrays `keep` holds.
  py::gil_scoped_release release;
  return at::parse_path_text(parts, sep);
}

}  // namespace

void register_attribution_encode(py::module_& m) {
  m.def(
      "parse_path_text",
      [](const py::list& chunks, const std::string& sep, bool wide) {
        std::vector<py::array> keep;
        return to_dict(wide ? parse_chunks<std::int64_t>(chunks, sep, keep)
                            : parse_chunks<std::int32_t>(chunks, sep, keep));
      },
      py::arg("chunks"), py::arg("sep") = ">", py::arg("wide") = true,
      "Path text in Arrow's layout, a list of (offsets, data) chunks (int64 offsets "
      "when wide, else int32), to channels (sorted), offsets and steps.");
  m.def(
      "parse_path_lines",
      [](const py::bytes& data, std::size_t n, const std::string& sep) {
        char* buf = nullptr;
        py::ssize_t size = 0;
        if (PYBIND11_BYTES_AS_STRING_AND_SIZE(data.ptr(), &buf, &size) != 0)
          throw py::error_already_set();
        at::path_text_result r;
        {
          // Safe without the GIL: `data` (bytes, immutable) outlives the call.
          py::gil_scoped_release release;
          r = at::parse_path_lines(buf, static_cast<std::size_t>(size), n, sep);
        }
        return to_dict(std::move(r));
      },
      py::arg("data"), py::arg("n"), py::arg("sep") = ">",
      "n path texts joined by '\\n' (utf-8 bytes) to channels (sorted), offsets and steps.");
}

}  // namespace sostac::python
