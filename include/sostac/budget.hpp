// sostac/budget.hpp: budget analytics (carry-over and saturation of media spend).
#pragma once

#include <sostac/budget/transforms.hpp>
