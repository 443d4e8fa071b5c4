// Tests of include/sostac/attribution/ (models part).
#include <sostac/attribution.hpp>

#include <catch2/catch.hpp>
