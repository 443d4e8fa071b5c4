// Tests of include/sostac/attribution/ (bootstrap part).
#include <sostac/attribution.hpp>

#include <catch2/catch.hpp>
