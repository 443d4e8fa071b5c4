// libFuzzer target for the plan loader: any byte string must either be rejected with
// sostac::input_error or produce findings, a schedule (or input_error) and a loading
// series. Any other exception, crash, hang or sanitizer report is a bug.
#include <sostac/plan.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  sostac::plan::json doc;
  try {
    doc = sostac::plan::parse_document(text, "fuzz");
  } catch (const sostac::input_error&) {
    return 0;
  }
  (void)sostac::plan::validate_document(doc);
  try {
    (void)sostac::plan::schedule_plan(doc);
  } catch (const sostac::input_error&) {
  }
  (void)sostac::plan::daily_loading(doc);
  return 0;
}
