// Precompiled header of the unit tests (cmake/ParcoursPch.cmake): Catch2 and the
// headers of parcours_pch.hpp, compiled once and shared by every test executable.
#pragma once

#include "parcours_pch.hpp"

#include <catch2/catch.hpp>
