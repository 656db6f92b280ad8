// A plugin library stays loaded while anything created from it lives, and is
// unloaded after the last of them. The fixture is built with -fno-gnu-unique, so
// glibc can really unload it; dlopen(RTLD_NOLOAD) tells whether it is loaded.
#include <catch2/catch.hpp>

#include <dlfcn.h>

#include <memory>

#include "fixtures.hpp"
#include "plugin/registry.hpp"

using parcours::plugin::Instance;
using parcours::plugin::Registry;
using parcours::plugin::test::fixture_dir;

namespace {

const std::filesystem::path kLifetime = fixture_dir("lifetime") / "parcours-lifetime.so";

bool is_loaded() {
  // RTLD_NOLOAD returns the library only if it is already loaded, adding a
  // reference that we drop at once.
  void* handle = dlopen(kLifetime.c_str(), RTLD_NOW | RTLD_NOLOAD);
  if (handle) dlclose(handle);
  return handle != nullptr;
}

}  // namespace

TEST_CASE("A plugin library is unloaded when its registry goes and no instance lives") {
  REQUIRE_FALSE(is_loaded());
  {
    Registry registry;
    registry.discover({kLifetime.parent_path()});
    REQUIRE(registry.plugins().size() == 1);
    CHECK(is_loaded());
  }
  CHECK_FALSE(is_loaded());
}

TEST_CASE("A plugin library stays loaded while an instance lives, even after the registry is gone") {
  REQUIRE_FALSE(is_loaded());
  std::unique_ptr<Instance> instance;
  {
    Registry registry;
    registry.discover({kLifetime.parent_path()});
    REQUIRE(registry.plugins().size() == 1);
    instance = registry.create("lifetime", "{}", nullptr);
  }
  CHECK(is_loaded());
  // Still callable: the code and the descriptor's strings are still mapped.
  CHECK(instance->send(R"({"idempotency_key": "k"})") == R"({"provider_id":"alive","status":"delivered"})");
  CHECK(instance->plugin_id() == "lifetime");
  instance.reset();
  CHECK_FALSE(is_loaded());
}

TEST_CASE("A library read by inspect_file lives as long as the result that holds it") {
  REQUIRE_FALSE(is_loaded());
  {
    const auto plugin = parcours::plugin::inspect_file(kLifetime);
    CHECK(plugin.declaration.id == "lifetime");
    CHECK(is_loaded());
  }
  CHECK_FALSE(is_loaded());
}
