// libFuzzer target for the plan loader: any byte string must either be rejected with
// sostac::input_error or produce findings, a schedule (or input_error), a loading
// series, typed items (or input_error naming a path), and go through the lifecycle
// (advance or input_error; review; diff). Any other exception, crash, hang or
// sanitizer report is a bug.
#include <sostac/plan.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace {

template <class T>
void read_all(const sostac::plan::marketing_plan& plan) {
  try {
    (void)plan.all<T>();
  } catch (const sostac::input_error&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace pl = sostac::plan;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  pl::json doc;
  try {
    doc = pl::parse_document(text, "fuzz");
  } catch (const sostac::input_error&) {
    return 0;
  }
  (void)pl::validate_document(doc);
  try {
    (void)pl::schedule_plan(doc);
  } catch (const sostac::input_error&) {
  }
  (void)pl::daily_loading(doc);
  if (!doc.is_object()) return 0;

  pl::marketing_plan plan(doc);
  read_all<pl::objective>(plan);
  read_all<pl::kpi_spec>(plan);
  read_all<pl::strategy>(plan);
  read_all<pl::tactic>(plan);
  read_all<pl::action>(plan);
  read_all<pl::baseline>(plan);
  read_all<pl::control_target>(plan);
  read_all<pl::experiment>(plan);
  const auto next = plan.review({{"ctr", 0.5}}, "2027-06-30");
  (void)plan.diff(next);
  try {
    plan.advance();
  } catch (const sostac::input_error&) {
  }
  return 0;
}
