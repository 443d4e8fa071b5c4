// Loads a plan document (JSON), validates it and prints the findings and the
// critical path — what a C++ tool embedding sostac does. Usage: plan_check plan.json
#include <sostac/sostac.hpp>

#include <cstdio>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s plan.json\n", argv[0]);
    return 2;
  }
  try {
    const auto plan = sostac::plan::marketing_plan::load(argv[1]);
    const auto findings = plan.validate();
    std::printf("%zu findings\n", findings.size());
    for (const auto& f : findings)
      std::printf("  %s: %s: %s [%s]\n", f.severity.c_str(), f.path.c_str(),
                  f.message.c_str(), f.code.c_str());
    const auto path = plan.critical_path();
    std::printf("critical path:");
    for (std::size_t i = 0; i < path.size(); ++i)
      std::printf("%s%s", i ? " -> " : " ", path[i].c_str());
    std::printf("\n");
  } catch (const sostac::input_error& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
  return 0;
}
