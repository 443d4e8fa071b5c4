#pragma once
/// How sostac's non-template functions are provided (the spdlog model).
///
/// By default the headers only declare them and the compiled library (CMake target
/// sostac::sostac, built from src/) defines them once, so an application does not
/// pay for Boost.Math and nlohmann::json instantiations it never calls. Define
/// SOSTAC_HEADER_ONLY (CMake target sostac::header_only) to get the definitions
/// from the headers instead, as inline functions, with nothing to link.

#ifdef SOSTAC_HEADER_ONLY
#define SOSTAC_INLINE inline
#else
#define SOSTAC_INLINE
#endif
