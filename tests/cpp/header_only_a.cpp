// Header-only mode (SOSTAC_HEADER_ONLY, CMake target sostac::header_only): this file
// and header_only_b.cpp both include the umbrella header, so every definition the
// -inl.hpp files provide must be inline (else a duplicate symbol at link time) and
// complete (else an undefined one).
#include <sostac/sostac.hpp>

#include <cmath>
#include <cstdio>

double smoke_b();  // header_only_b.cpp

int main() {
  namespace st = sostac::stats;
  const auto t = st::two_proportion_test(1210, 24000, 1352, 24100);
  const auto f = sostac::plan::validate_document(sostac::plan::json::object());
  const double b = smoke_b();
  std::printf("p = %.4f, %zu findings for an empty plan, P(B>A) = %.4f\n", t.pvalue,
              f.size(), b);
  const bool ok = t.pvalue > 0 && t.pvalue < 1 && !f.empty() && b > 0.5 && b < 1;
  return ok ? 0 : 1;
}
