// Every way a file can fail to be a loadable plugin is refused by file name, with a
// reason a user understands, and never stops the rest of the discovery.
#include <catch2/catch.hpp>

#include <string>

#include "fixtures.hpp"
#include "plugin/registry.hpp"

using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using parcours::plugin::RefusedFile;
using parcours::plugin::Registry;
using parcours::plugin::test::fixture_dir;

namespace {

// Discovers one case's folder, expecting exactly one refused file and no plugin.
RefusedFile only_refusal(const std::string& name) {
  Registry registry;
  registry.discover({fixture_dir(name)});
  INFO("case " << name);
  REQUIRE(registry.plugins().empty());
  REQUIRE(registry.refused().size() == 1);
  return registry.refused().front();
}

}  // namespace

TEST_CASE("A file that is not ELF is refused as not a shared library") {
  const auto refused = only_refusal("not-elf");
  CHECK(refused.file == fixture_dir("not-elf") / "x.so");
  CHECK(refused.reason == "not a shared library: it is not an ELF file");
}

TEST_CASE("A shared library without parcours_plugin_entry is refused as not a Parcours plugin") {
  const auto refused = only_refusal("not-a-plugin");
  CHECK(refused.file.filename() == "not-a-plugin.so");
  CHECK(refused.reason == "not a Parcours plugin: it does not export parcours_plugin_entry");
}

TEST_CASE("A library dlopen cannot load is refused with dlerror's text") {
  const auto refused = only_refusal("unresolved");
  CHECK(refused.file.filename() == "parcours-unresolved.so");
  CHECK_THAT(refused.reason, StartsWith("cannot be loaded: "));
  CHECK_THAT(refused.reason, Contains("undefined symbol: parcours_fixture_undefined_function"));
  CHECK_THAT(refused.reason, !Contains("boost::dll"));
}

TEST_CASE("An entry point that returns NULL is refused") {
  const auto refused = only_refusal("null-entry");
  CHECK_THAT(refused.reason, StartsWith("parcours_plugin_entry() returned NULL"));
}

TEST_CASE("A plugin built for another ABI major is refused naming both versions") {
  const auto refused = only_refusal("abi-major-2");
  CHECK(refused.file.filename() == "parcours-abi-major-2.so");
  CHECK_THAT(refused.reason, StartsWith("built for plugin ABI 2.0; this host speaks 1.4"));
}

TEST_CASE("A plugin built for a newer ABI minor is refused naming both versions") {
  const auto refused = only_refusal("abi-minor-newer");
  CHECK_THAT(refused.reason, StartsWith("built for plugin ABI 1.99; this host speaks 1.4"));
  CHECK_THAT(refused.reason, Contains("upgrade Parcours"));
}

TEST_CASE("A descriptor whose struct_size is smaller than ABI 1.0's is refused") {
  const auto refused = only_refusal("small-struct");
  CHECK_THAT(refused.reason, StartsWith("its descriptor is 16 bytes, less than the "));
}

TEST_CASE("Settings JSON that does not parse is refused as a malformed descriptor naming the plugin") {
  const auto refused = only_refusal("bad-settings");
  CHECK_THAT(refused.reason, StartsWith("malformed descriptor: plugin 'c-channel': settings_json is not valid JSON: "));
}

TEST_CASE("A descriptor without an id is refused as malformed") {
  CHECK(only_refusal("missing-id").reason == "malformed descriptor: it has no id");
}

TEST_CASE("A channel without send() is refused as malformed") {
  CHECK(only_refusal("no-send").reason == "malformed descriptor: plugin 'c-channel': it is a channel without send()");
}

TEST_CASE("A second plugin with an id already loaded is refused naming the file that has it") {
  Registry registry;
  registry.discover({fixture_dir("duplicate")});
  REQUIRE(registry.plugins().size() == 1);
  CHECK(registry.plugins()[0].file.filename() == "parcours-dup-a.so");
  REQUIRE(registry.refused().size() == 1);
  CHECK(registry.refused()[0].file.filename() == "parcours-dup-b.so");
  CHECK(registry.refused()[0].reason ==
        "plugin id 'duplicate' is already provided by " + (fixture_dir("duplicate") / "parcours-dup-a.so").string());
}

TEST_CASE("A listed folder that does not exist is refused with a reason") {
  Registry registry;
  registry.discover({fixture_dir("no-such-case")});
  REQUIRE(registry.refused().size() == 1);
  CHECK(registry.refused()[0].file == fixture_dir("no-such-case"));
  CHECK_THAT(registry.refused()[0].reason, StartsWith("no such folder"));
}

TEST_CASE("Refused files do not stop discovery of the folders after them") {
  Registry registry;
  registry.discover(
      {fixture_dir("not-elf"), fixture_dir("abi-major-2"), fixture_dir("valid"), fixture_dir("null-entry")});
  REQUIRE(registry.plugins().size() == 1);
  CHECK(registry.plugins()[0].declaration.id == "test-channel");
  REQUIRE(registry.refused().size() == 3);
  CHECK(registry.refused()[0].file.filename() == "x.so");
  CHECK(registry.refused()[1].file.filename() == "parcours-abi-major-2.so");
  CHECK(registry.refused()[2].file.filename() == "parcours-null-entry.so");
}

TEST_CASE("inspect_file of a refused file throws with the file and the reason") {
  const auto file = fixture_dir("abi-major-2") / "parcours-abi-major-2.so";
  try {
    parcours::plugin::inspect_file(file);
    FAIL("inspect_file accepted a plugin built for ABI 2.0");
  } catch (const std::runtime_error& e) {
    CHECK_THAT(e.what(), StartsWith(file.string() + ": built for plugin ABI 2.0; this host speaks 1.4"));
  }
}
