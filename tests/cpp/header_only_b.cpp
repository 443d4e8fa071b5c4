// The second translation unit of the header-only smoke test (see header_only_a.cpp).
#include <sostac/sostac.hpp>

double smoke_b() {
  namespace st = sostac::stats;
  const auto ci = st::diff_ci(1210, 24000, 1352, 24100);
  const auto b = st::beta_binomial(1210, 24000, 1352, 24100);
  return ci.low < ci.high ? b.prob_b_better : -1.0;
}
