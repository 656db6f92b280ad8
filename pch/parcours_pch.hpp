// Precompiled header (cmake/ParcoursPch.cmake): the third-party and standard headers
// most of the tree includes, parsed once per set of compile flags instead of once per
// file. It lists system headers only, never the project's own, so that editing a
// project header does not rebuild everything. Nothing is declared here: every file
// still includes what it uses and compiles without it (-DPARCOURS_PRECOMPILED_HEADERS=OFF).
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>
