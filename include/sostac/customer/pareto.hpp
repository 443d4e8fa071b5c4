// sostac/customer/pareto.hpp: Pareto/NBD, BG/BB and the Gauss hypergeometric function.
#pragma once

#include <sostac/customer/hyp2f1.hpp>
