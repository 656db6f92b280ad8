// Discovery finds plugins and reads their declarations (settings, params) from the
// descriptor without creating anything.
#include <catch2/catch.hpp>

#include <algorithm>

#include "fixtures.hpp"
#include "plugin/library.hpp"
#include "plugin/registry.hpp"

using parcours::config::PluginKind;
using parcours::config::SettingSpec;
using parcours::config::SettingType;
using parcours::plugin::Registry;
using parcours::plugin::test::file_plugin;
using parcours::plugin::test::fixture_dir;

namespace {

const SettingSpec& setting(const std::vector<SettingSpec>& specs, const std::string& name) {
  auto it = std::find_if(specs.begin(), specs.end(), [&](const SettingSpec& s) { return s.name == name; });
  REQUIRE(it != specs.end());
  return *it;
}

}  // namespace

TEST_CASE("Discovery loads a valid SDK plugin with its id, kind, version, ABI and file") {
  Registry registry;
  registry.discover({fixture_dir("valid")});
  REQUIRE(registry.refused().empty());
  REQUIRE(registry.plugins().size() == 1);
  const auto& plugin = registry.plugins()[0];
  CHECK(plugin.declaration.id == "test-channel");
  CHECK(plugin.declaration.kind == PluginKind::channel);
  CHECK(plugin.declaration.version == "2.3.4");
  CHECK(plugin.declaration.description == "A channel for the loader's tests");
  CHECK(plugin.abi_major == 1);
  CHECK(plugin.abi_minor == PARCOURS_ABI_MINOR);
  CHECK(plugin.file == fixture_dir("valid") / "parcours-test-channel.so");
  CHECK(registry.find("test-channel") == &plugin.declaration);
  CHECK(registry.find("nope") == nullptr);
  CHECK(registry.ids() == std::vector<std::string>{"test-channel"});
}

TEST_CASE("Declared settings keep their order, type, requiredness, default and help") {
  Registry registry;
  registry.discover({fixture_dir("valid")});
  REQUIRE(registry.plugins().size() == 1);
  const auto& settings = registry.plugins()[0].declaration.settings;
  REQUIRE(settings.size() == 6);
  CHECK(settings[0].name == "url");
  CHECK(settings[5].name == "tags");

  const auto& url = setting(settings, "url");
  CHECK(url.type == SettingType::string);
  CHECK(url.required);
  CHECK_FALSE(url.default_json.has_value());
  CHECK(url.help == "Where to send");

  CHECK(setting(settings, "retries").type == SettingType::integer);
  CHECK(setting(settings, "retries").default_json == std::optional<std::string>("3"));
  CHECK_FALSE(setting(settings, "retries").required);
  CHECK(setting(settings, "verbose").type == SettingType::boolean);
  CHECK(setting(settings, "verbose").default_json == std::optional<std::string>("false"));
  CHECK(setting(settings, "timeout").type == SettingType::duration);
  CHECK(setting(settings, "timeout").default_json == std::optional<std::string>("\"10s\""));
  CHECK(setting(settings, "token").type == SettingType::secret);
  CHECK(setting(settings, "tags").type == SettingType::list);
  CHECK(setting(settings, "tags").default_json == std::optional<std::string>(R"(["a","b"])"));
}

TEST_CASE("A channel's declared params are read; a channel without params declares none") {
  Registry registry;
  registry.discover({fixture_dir("valid"), fixture_dir("c-channel")});
  REQUIRE(registry.plugins().size() == 2);
  const auto* sdk = registry.find("test-channel");
  REQUIRE(sdk != nullptr);
  CHECK_FALSE(sdk->accepts_any_params);
  REQUIRE(sdk->params.size() == 1);
  CHECK(sdk->params[0].name == "audience");
  CHECK(sdk->params[0].required);

  const auto* c = registry.find("c-channel");
  REQUIRE(c != nullptr);
  CHECK_FALSE(c->accepts_any_params);
  CHECK(c->params.empty());
  REQUIRE(c->settings.size() == 1);
  CHECK(c->settings[0].required);
}

TEST_CASE("The file plugin declares that it takes any parameter") {
  Registry registry;
  REQUIRE(registry.load_file(file_plugin()));
  const auto* file = registry.find("file");
  REQUIRE(file != nullptr);
  CHECK(file->accepts_any_params);
  CHECK(file->params.empty());
  REQUIRE(file->settings.size() == 1);
  CHECK(file->settings[0].name == "path");
  CHECK(file->settings[0].required);
}

TEST_CASE("Trigger and source plugins are read with their kinds") {
  Registry registry;
  registry.discover({fixture_dir("kinds")});
  REQUIRE(registry.refused().empty());
  REQUIRE(registry.find("test-trigger") != nullptr);
  CHECK(registry.find("test-trigger")->kind == PluginKind::trigger);
  REQUIRE(registry.find("test-source") != nullptr);
  CHECK(registry.find("test-source")->kind == PluginKind::source);
  // The source overrides lookup() only: the SDK leaves scan() out of its descriptor.
  const auto& descriptor = registry.find_plugin("test-source")->library->descriptor();
  CHECK(descriptor.lookup != nullptr);
  CHECK(descriptor.scan == nullptr);
}

TEST_CASE("The builtin plugin folder is <exe dir>/../lib/parcours/plugins, where the build puts the file plugin") {
  // The test executable lives in <build>/tests, a sibling of <build>/bin.
  CHECK(Registry::builtin_directory() == file_plugin().parent_path());
  Registry registry;
  registry.discover_builtin();
  CHECK(registry.find("file") != nullptr);
}

TEST_CASE("A folder reached twice loads its plugins once and refuses nothing") {
  Registry registry;
  registry.discover({fixture_dir("valid"), fixture_dir("valid")});
  CHECK(registry.plugins().size() == 1);
  CHECK(registry.refused().empty());
}

TEST_CASE("inspect_file reads a plugin's declaration without a registry") {
  const auto plugin = parcours::plugin::inspect_file(fixture_dir("valid") / "parcours-test-channel.so");
  CHECK(plugin.declaration.id == "test-channel");
  CHECK(plugin.declaration.settings.size() == 6);
  CHECK(plugin.library != nullptr);
}
