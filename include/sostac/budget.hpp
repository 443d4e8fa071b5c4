// sostac/budget.hpp: budget analytics (carry-over and saturation of media spend, allocation).
#pragma once

#include <sostac/budget/allocate.hpp>
#include <sostac/budget/transforms.hpp>
