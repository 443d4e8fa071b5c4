// Tests of the group-sequential designs (include/sostac/stats/sequential.hpp).
#include <catch2/catch.hpp>
