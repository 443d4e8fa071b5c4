// Loads a plan document (JSON), validates it and prints the findings and the
// critical path — what a C++ tool embedding sostac does. Usage: plan_check plan.json
#include <sostac/sostac.hpp>

#include <cstdio>
#include <fstream>
#include <sstream>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s plan.json\n", argv[0]);
    return 2;
  }
  std::ifstream in(argv[1]);
  if (!in) {
    std::fprintf(stderr, "cannot open %s\n", argv[1]);
    return 2;
  }
  std::stringstream text;
  text << in.rdbuf();
  try {
    namespace pl = sostac::plan;
    const pl::json doc = pl::parse_document(text.str(), argv[1]);
    const auto findings = pl::validate_document(doc);
    std::printf("%zu findings\n", findings.size());
    for (const auto& f : findings)
      std::printf("  %s: %s: %s [%s]\n", f.severity.c_str(), f.path.c_str(),
                  f.message.c_str(), f.code.c_str());
    const auto schedule = pl::schedule_plan(doc);
    std::printf("critical path:");
    for (std::size_t i = 0; i < schedule.critical_path.size(); ++i)
      std::printf("%s%s", i ? " -> " : " ", schedule.critical_path[i].c_str());
    std::printf("\n");
  } catch (const sostac::input_error& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
  return 0;
}
