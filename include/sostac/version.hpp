#pragma once

#define SOSTAC_VERSION_MAJOR 0
#define SOSTAC_VERSION_MINOR 1
#define SOSTAC_VERSION_PATCH 0
#define SOSTAC_VERSION_STRING "0.1.0"

namespace sostac {
inline constexpr const char* version = SOSTAC_VERSION_STRING;
}
