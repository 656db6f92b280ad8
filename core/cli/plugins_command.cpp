#include "cli/plugins_command.hpp"

#include <boost/program_options.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <string_view>

#include "cli/config_directory.hpp"
#include "cli/usage.hpp"
#include "config/host_config.hpp"
#include "config/suggestion.hpp"
#include "plugin/registry.hpp"

namespace parcours::cli {
namespace {

namespace po = boost::program_options;
using nlohmann::json;

constexpr std::string_view kUsage =
    "Usage: parcours plugins list [--config DIR] [--format text|json]\n"
    "       parcours plugins inspect ID|PATH [--config DIR] [--format text|json]\n\n"
    "  list      each plugin found (id, kind, version, ABI, file), then each file\n"
    "            refused, with why\n"
    "  inspect   a plugin's description, settings and parameters; ID is looked up in\n"
    "            the plugin folders, PATH (with a '/' or ending in .so) is read as is\n\n"
    "Plugins are searched in the install's own folder (lib/parcours/plugins) and in\n"
    "the folders of [plugins] paths of DIR/parcours.toml.\n";

// A table printed with columns aligned on their widest cell.
class Table {
 public:
  explicit Table(std::vector<std::string> header) { rows_.push_back(std::move(header)); }
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  void print(std::ostream& out, std::string_view indent = "") const {
    std::vector<std::size_t> widths(rows_.front().size(), 0);
    for (const auto& row : rows_)
      for (std::size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
    for (const auto& row : rows_) {
      std::string line(indent);
      for (std::size_t i = 0; i < row.size(); ++i) {
        line += row[i];
        if (i + 1 < row.size()) line += std::string(widths[i] - row[i].size() + 2, ' ');
      }
      out << line << '\n';
    }
  }

 private:
  std::vector<std::vector<std::string>> rows_;
};

std::string abi_text(const plugin::LoadedPlugin& plugin) {
  return std::to_string(plugin.abi_major) + "." + std::to_string(plugin.abi_minor);
}

// The registry of the plugins this config sees. Nothing (after printing the config's
// errors) when the config has errors. A config directory the user did not name
// (neither --config nor $PARCOURS_CONFIG) that does not exist is not an error: the
// install's own plugins are still listed.
std::optional<plugin::Registry> discover(const std::string& config_option) {
  const bool named = !config_option.empty() || (std::getenv("PARCOURS_CONFIG") && *std::getenv("PARCOURS_CONFIG"));
  const std::filesystem::path directory = config_directory(config_option);
  plugin::Registry registry;
  registry.discover_builtin();
  if (!named && !std::filesystem::exists(directory / "parcours.toml")) return registry;

  config::Diagnostics diagnostics;
  const config::HostConfig host = config::load_host_config(directory, diagnostics);
  for (const auto& diagnostic : diagnostics.all()) std::cerr << diagnostic.text() << '\n';
  if (diagnostics.has_errors()) return std::nullopt;
  registry.discover(host.plugins.paths);
  return registry;
}

// Reads the common options of both subcommands; the result is an exit code when the
// command must stop (help, usage error).
struct Options {
  std::string config;
  std::string format = "text";
  std::string plugin;  // inspect's ID|PATH
};

std::optional<int> parse(const std::string& subcommand, const std::vector<std::string>& args, Options& options) {
  const bool inspect = subcommand == "inspect";
  po::options_description description(
      inspect ? "Usage: parcours plugins inspect ID|PATH [--config DIR] [--format text|json]\n\n"
                "A plugin's description, settings (name, type, required, default, help) and,\n"
                "for a channel, the message parameters it accepts; read from the plugin's\n"
                "descriptor without creating an instance. Secrets' defaults are never shown.\n\nOptions"
              : "Usage: parcours plugins list [--config DIR] [--format text|json]\n\n"
                "Each plugin found (id, kind, version, ABI version, file), then each file\n"
                "refused, with why. Refused files do not make the command fail.\n\nOptions");
  description.add_options()("config,c", po::value(&options.config),
                            "config directory (default: $PARCOURS_CONFIG, else ./config)")(
      "format,f", po::value(&options.format)->default_value("text"), "text or json")("help,h", "show this help");
  po::positional_options_description positional;
  if (inspect) {
    description.add_options()("plugin", po::value(&options.plugin), "plugin id or path of a .so file");
    positional.add("plugin", 1);
  }
  po::variables_map values;
  if (auto code = parse_command_line(args, description, values, inspect ? &positional : nullptr)) return code;
  if (options.format != "text" && options.format != "json") {
    std::cerr << "parcours plugins " << subcommand << ": --format must be text or json, not '" << options.format
              << "'\n";
    return kExitUsage;
  }
  if (inspect && options.plugin.empty()) {
    std::cerr << "parcours plugins inspect: which plugin? give its id or the path of its .so file\n\n"
              << description << '\n';
    return kExitUsage;
  }
  return std::nullopt;
}

int list(const std::vector<std::string>& args) {
  Options options;
  if (auto code = parse("list", args, options)) return *code;
  auto registry = discover(options.config);
  if (!registry) return kExitInvalidInput;

  if (options.format == "json") {
    json out = {{"plugins", json::array()}, {"refused", json::array()}};
    for (const auto& plugin : registry->plugins())
      out["plugins"].push_back({{"id", plugin.declaration.id},
                                {"kind", config::to_string(plugin.declaration.kind)},
                                {"version", plugin.declaration.version},
                                {"abi", abi_text(plugin)},
                                {"file", plugin.file.string()},
                                {"description", plugin.declaration.description}});
    for (const auto& refused : registry->refused())
      out["refused"].push_back({{"file", refused.file.string()}, {"reason", refused.reason}});
    std::cout << out.dump(2, ' ', false, json::error_handler_t::replace) << '\n';
    return kExitOk;
  }

  if (registry->plugins().empty()) {
    std::cout << "no plugins found (searched " << plugin::Registry::builtin_directory().string()
              << " and [plugins] paths)\n";
  } else {
    Table table({"ID", "KIND", "VERSION", "ABI", "FILE"});
    for (const auto& plugin : registry->plugins())
      table.add({plugin.declaration.id, std::string(config::to_string(plugin.declaration.kind)),
                 plugin.declaration.version, abi_text(plugin), plugin.file.string()});
    table.print(std::cout);
  }
  if (!registry->refused().empty()) {
    std::cout << "\nrefused (" << registry->refused().size() << "):\n";
    for (const auto& refused : registry->refused())
      std::cout << refused.file.string() << ": " << refused.reason << '\n';
  }
  return kExitOk;
}

// A default as the user would write it in TOML; never a secret's.
std::string default_text(const config::SettingSpec& spec) {
  if (!spec.default_json) return "-";
  if (spec.type == config::SettingType::secret) return "(hidden)";
  return *spec.default_json;
}

json specs_json(const std::vector<config::SettingSpec>& specs) {
  json out = json::array();
  for (const auto& spec : specs) {
    json item = {
        {"name", spec.name}, {"type", config::to_string(spec.type)}, {"required", spec.required}, {"help", spec.help}};
    if (spec.type == config::SettingType::secret)
      item["has_default"] = spec.default_json.has_value();
    else
      item["default"] = spec.default_json ? json::parse(*spec.default_json, nullptr, false) : json(nullptr);
    out.push_back(std::move(item));
  }
  return out;
}

void print_specs(const std::vector<config::SettingSpec>& specs) {
  Table table({"NAME", "TYPE", "REQUIRED", "DEFAULT", "HELP"});
  for (const auto& spec : specs)
    table.add({spec.name, std::string(config::to_string(spec.type)), spec.required ? "yes" : "no", default_text(spec),
               spec.help});
  table.print(std::cout, "  ");
}

int inspect(const std::vector<std::string>& args) {
  Options options;
  if (auto code = parse("inspect", args, options)) return *code;

  std::optional<plugin::LoadedPlugin> found;
  std::optional<plugin::Registry> registry;  // keeps the library loaded while printing
  const bool is_path =
      options.plugin.find('/') != std::string::npos || (options.plugin.size() > 3 && options.plugin.ends_with(".so"));
  if (is_path) {
    try {
      found = plugin::inspect_file(options.plugin);
    } catch (const std::exception& e) {
      std::cerr << "parcours plugins inspect: " << e.what() << '\n';
      return kExitInvalidInput;
    }
  } else {
    registry = discover(options.config);
    if (!registry) return kExitInvalidInput;
    const auto* plugin = registry->find_plugin(options.plugin);
    if (!plugin) {
      const auto ids = registry->ids();
      std::cerr << "parcours plugins inspect: no plugin '" << options.plugin << "'"
                << config::did_you_mean(options.plugin, ids);
      if (ids.empty()) {
        std::cerr << "; no plugin was found";
      } else {
        std::cerr << "; the plugins found are:";
        for (const auto& id : ids) std::cerr << ' ' << id;
      }
      std::cerr << " (see `parcours plugins list`)\n";
      return kExitInvalidInput;
    }
    found = *plugin;
  }

  const auto& d = found->declaration;
  const bool channel = d.kind == config::PluginKind::channel;
  if (options.format == "json") {
    json out = {{"id", d.id},
                {"kind", config::to_string(d.kind)},
                {"version", d.version},
                {"abi", abi_text(*found)},
                {"file", found->file.string()},
                {"description", d.description},
                {"settings", specs_json(d.settings)}};
    if (channel) out["params"] = d.accepts_any_params ? json("any") : specs_json(d.params);
    std::cout << out.dump(2, ' ', false, json::error_handler_t::replace) << '\n';
    return kExitOk;
  }

  Table about({"id:", d.id});
  about.add({"kind:", std::string(config::to_string(d.kind))});
  about.add({"version:", d.version});
  about.add({"ABI:", abi_text(*found)});
  about.add({"file:", found->file.string()});
  about.add({"description:", d.description});
  about.print(std::cout);
  std::cout << "\nsettings:";
  if (d.settings.empty()) {
    std::cout << " none\n";
  } else {
    std::cout << '\n';
    print_specs(d.settings);
  }
  if (channel) {
    std::cout << "\nparams:";
    if (d.accepts_any_params) {
      std::cout << " any (the channel takes every parameter a send step gives)\n";
    } else if (d.params.empty()) {
      std::cout << " none beyond the common ones (template, subject, text, html, transactional)\n";
    } else {
      std::cout << '\n';
      print_specs(d.params);
    }
  }
  return kExitOk;
}

}  // namespace

int run_plugins_command(const std::vector<std::string>& args) {
  if (args.empty()) {
    std::cerr << kUsage;
    return kExitUsage;
  }
  const std::string& subcommand = args.front();
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  if (subcommand == "--help" || subcommand == "-h" || subcommand == "help") {
    std::cout << kUsage;
    return kExitOk;
  }
  if (subcommand == "list") return list(rest);
  if (subcommand == "inspect") return inspect(rest);
  std::cerr << "parcours plugins: unknown subcommand '" << subcommand << "'"
            << config::did_you_mean(subcommand, {"list", "inspect"}) << "\n\n"
            << kUsage;
  return kExitUsage;
}

}  // namespace parcours::cli
