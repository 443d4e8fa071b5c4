// sostac/customer.hpp: the Engage stage's customer analytics (summaries, RFM, BTYD models).
#pragma once

#include <sostac/customer/models.hpp>
#include <sostac/customer/pareto.hpp>
#include <sostac/customer/summary.hpp>
