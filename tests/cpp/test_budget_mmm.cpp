// Tests of include/sostac/budget/mmm.hpp (the marketing-mix model).
#include <catch2/catch.hpp>
