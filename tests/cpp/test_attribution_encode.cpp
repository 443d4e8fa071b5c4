// Tests of include/sostac/attribution/ (encode part).
#include <sostac/attribution.hpp>

#include <catch2/catch.hpp>
