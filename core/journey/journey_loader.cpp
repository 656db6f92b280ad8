#include "journey/journey_loader.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cctype>

#include "config/duration.hpp"
#include "config/plugin_settings.hpp"
#include "config/suggestion.hpp"
#include "config/toml_reader.hpp"
#include "journey/expression.hpp"
#include "journey/journey_validator.hpp"

namespace parcours::journey {
namespace {

using config::Diagnostics;
using config::TableReader;

// The key that picks each step kind; `goto` alone is a jump.
constexpr std::array<std::pair<std::string_view, StepKind>, 9> kKindKeys{{{"send", StepKind::send},
                                                                          {"wait", StepKind::wait},
                                                                          {"wait_until", StepKind::wait_until},
                                                                          {"wait_for", StepKind::wait_for},
                                                                          {"branch", StepKind::branch},
                                                                          {"split", StepKind::split},
                                                                          {"set", StepKind::set},
                                                                          {"emit", StepKind::emit},
                                                                          {"exit", StepKind::exit}}};
// The parameters every send step may carry, whatever its channel.
const std::vector<std::string> kCommonSendKeys{"template", "subject", "text", "html", "transactional"};
// Every key any step may have: the suggestions for an unknown one.
const std::vector<std::string> kAllStepKeys{"id",      "goto",    "send",     "wait",          "wait_until", "wait_for",
                                            "branch",  "split",   "set",      "emit",          "exit",       "template",
                                            "subject", "text",    "html",     "transactional", "at",         "if_past",
                                            "when",    "timeout", "on_event", "on_timeout",    "properties"};

// Event types and step ids: what a person would type, safe in URLs and metrics.
bool valid_name(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '_' || c == '.';
  });
}

// The TOML string's position is its opening quote; an expression's column counts
// from the first character inside it. (Escapes inside the string would shift this;
// expressions rarely need them.)
SourceLocation column_in_string(SourceLocation where, std::size_t column) {
  where.column += static_cast<int>(column);
  return where;
}

std::optional<ExpressionText> compile(const std::string& text, const SourceLocation& where, Diagnostics& diagnostics) {
  ParseError error;
  auto expression = parse_expression(text, &error);
  if (!expression) {
    diagnostics.error(column_in_string(where, static_cast<std::size_t>(error.column)),
                      "in expression: " + error.message);
    return std::nullopt;
  }
  return ExpressionText{text, where, std::make_shared<const Expression>(std::move(*expression))};
}

std::optional<ExpressionText> read_expression(TableReader& reader, std::string_view key, bool required = false) {
  auto text = reader.string(key, required);
  if (!text) return std::nullopt;
  return compile(*text, reader.where(key), reader.diagnostics());
}

std::optional<std::chrono::seconds> read_duration(TableReader& reader, std::string_view key) {
  auto text = reader.string(key);
  if (!text) return std::nullopt;
  config::DurationError error;
  auto value = config::parse_duration(*text, &error);
  if (!value)
    reader.diagnostics().error(column_in_string(reader.where(key), error.offset + 1),
                               "'" + std::string(key) + "' in " + reader.context() + ": " + error.message);
  return value;
}

// A jump target as written; resolved to an index by validate_graph().
std::optional<Target> read_target(TableReader& reader, std::string_view key) {
  auto name = reader.string(key);
  if (!name) return std::nullopt;
  Target target{*name, reader.where(key), kEnd};
  return target;
}

std::optional<std::string> read_event_type(TableReader& reader, std::string_view key, bool required) {
  auto type = reader.string(key, required);
  if (type && !valid_name(*type)) {
    reader.diagnostics().error(reader.where(key), "'" + std::string(key) +
                                                      "' must be an event type like \"cart.updated\" "
                                                      "(letters, digits, '.', '-', '_'), not '" +
                                                      *type + "'");
    return std::nullopt;
  }
  return type;
}

// Every expression of a journey, for checks that need all of them.
template <typename Visit>
void for_each_expression(const Journey& journey, const Visit& visit) {
  if (journey.entry.when) visit(*journey.entry.when);
  if (journey.goal && journey.goal->when) visit(*journey.goal->when);
  for (const Step& step : journey.steps) {
    if (const auto* wait = std::get_if<WaitUntilStep>(&step.detail)) visit(wait->until);
    if (const auto* wait = std::get_if<WaitForStep>(&step.detail); wait && wait->when) visit(*wait->when);
    if (const auto* branch = std::get_if<BranchStep>(&step.detail))
      for (const BranchCase& branch_case : branch->cases)
        if (branch_case.when) visit(*branch_case.when);
  }
}

// data.<source>.* reads a [sources.<source>] table of the client: the parser cannot
// know which exist, so the name is checked here, at its exact column.
void check_data_names(const Journey& journey, const config::ClientConfig& client, Diagnostics& diagnostics) {
  const std::vector<std::string>& sources = client.source_names;
  for_each_expression(journey, [&](const ExpressionText& expression) {
    for (const NameUse& use : expression.compiled->names()) {
      if (!use.name.starts_with("data.")) continue;
      const std::string source = use.name.substr(5, use.name.find('.', 5) - 5);
      if (std::find(sources.begin(), sources.end(), source) != sources.end()) continue;
      diagnostics.error(column_in_string(expression.where, static_cast<std::size_t>(use.column)),
                        "in expression: client '" + client.id + "' has no data source '" + source + "'" +
                            config::did_you_mean(source, sources) + "; sources are the [sources.<name>] tables of " +
                            client.file);
    }
  });
}

class StepLoader {
 public:
  StepLoader(const config::ClientConfig& client, const config::PluginCatalog& plugins, Journey& journey)
      : client_(client), plugins_(plugins), journey_(journey) {}

  // Returns false when the step had an error.
  bool load(const toml::table& table, std::size_t index, Diagnostics& diagnostics) {
    Step step;
    step.index = index;
    const auto declared_id = table["id"].value<std::string>();
    TableReader reader(table, journey_.file,
                       declared_id ? "step '" + *declared_id + "'" : "step " + std::to_string(index + 1), diagnostics);
    step.where = reader.where();
    const std::size_t errors_before = diagnostics.error_count();
    if (auto id = reader.string("id")) {
      if (!valid_name(*id) || *id == "end")
        diagnostics.error(reader.where("id"),
                          "step id '" + *id + "' must be letters, digits, '.', '-' or '_' (and not \"end\")");
      step.id = *id;
    }

    std::vector<std::string_view> kinds;
    for (const auto& [key, kind] : kKindKeys)
      if (reader.has(key)) kinds.push_back(key);
    if (kinds.size() > 1) {
      diagnostics.error(reader.where(kinds[1]), "a step has one kind, but " + reader.context() + " has both '" +
                                                    std::string(kinds[0]) + "' and '" + std::string(kinds[1]) +
                                                    "': make them two steps");
      return false;
    }
    if (kinds.empty() && !reader.has("goto")) {
      diagnostics.error(step.where, reader.context() +
                                        " has no kind: give it one of send, wait, wait_until, wait_for, branch, split, "
                                        "set, emit, goto or exit" +
                                        unknown_kind_hint(reader));
      return false;
    }
    step.kind = kinds.empty() ? StepKind::jump : kind_of(kinds[0]);

    // Where the step goes next: `goto`, or the following step (or the end).
    const bool takes_goto = step.kind == StepKind::send || step.kind == StepKind::wait ||
                            step.kind == StepKind::wait_until || step.kind == StepKind::set ||
                            step.kind == StepKind::emit || step.kind == StepKind::jump;
    std::optional<Target> go;
    if (takes_goto) {
      go = read_target(reader, "goto");
    } else if (reader.has("goto")) {
      reader.mark_known("goto");
      diagnostics.error(reader.where("goto"), "'goto' has no meaning on a " + std::string(to_string(step.kind)) +
                                                  " step: " + goto_hint(step.kind));
    }
    step.next = following(index);
    if (go && step.kind != StepKind::wait_until) step.next = resolve_end(*go);

    switch (step.kind) {
      case StepKind::send: step.detail = load_send(reader); break;
      case StepKind::wait: {
        WaitStep wait;
        if (auto duration = read_duration(reader, "wait")) wait.duration = *duration;
        step.detail = wait;
        break;
      }
      case StepKind::wait_until: step.detail = load_wait_until(reader, go, step); break;
      case StepKind::wait_for: step.detail = load_wait_for(reader, index); break;
      case StepKind::branch: step.detail = load_branch(reader); break;
      case StepKind::split: step.detail = load_split(reader); break;
      case StepKind::set: step.detail = load_set(reader); break;
      case StepKind::emit: step.detail = load_emit(reader); break;
      case StepKind::exit:
        if (auto flag = reader.boolean("exit"); flag && !*flag)
          diagnostics.error(reader.where("exit"),
                            "'exit' can only be true (leave the journey now); remove the step instead");
        break;
      case StepKind::jump:
        if (!go) diagnostics.error(step.where, reader.context() + " is a jump without a target");
        break;
    }
    if (step.kind != StepKind::send) reader.finish(kAllStepKeys);
    if (diagnostics.error_count() != errors_before) return false;
    journey_.steps.push_back(std::move(step));
    return true;
  }

 private:
  static StepKind kind_of(std::string_view key) {
    for (const auto& [name, kind] : kKindKeys)
      if (name == key) return kind;
    return StepKind::jump;
  }

  static std::string goto_hint(StepKind kind) {
    switch (kind) {
      case StepKind::wait_for: return "use on_event and on_timeout";
      case StepKind::branch: return "each case has its own goto";
      case StepKind::split: return "each arm has its own goto";
      default: return "exit ends the journey";
    }
  }

  // "did you mean" for a misspelt kind key, such as `sned = "email"`.
  static std::string unknown_kind_hint(const TableReader& reader) {
    std::vector<std::string> kinds{"goto"};
    for (const auto& [key, kind] : kKindKeys) kinds.emplace_back(key);
    for (const auto& [key, value] : reader.raw()) {
      if (key.str() == "id") continue;
      if (auto match = config::closest_match(key.str(), kinds))
        return " ('" + std::string(key.str()) + "' looks like '" + *match + "')";
    }
    return "";
  }

  Target following(std::size_t index) const {
    // The step after the last one is the end; its index is fixed up once all steps
    // are known (see load_journey), as this one may be the last.
    return Target{"", {}, index + 1};
  }

  static Target resolve_end(Target target) {
    if (target.name == "end") target.index = kEnd;
    return target;
  }

  SendStep load_send(TableReader& reader) {
    Diagnostics& diagnostics = reader.diagnostics();
    const std::size_t errors_at_start = diagnostics.error_count();
    SendStep send;
    nlohmann::json params = nlohmann::json::object();
    auto channel = reader.string("send");
    const config::PluginDeclaration* declaration = nullptr;
    const config::PluginInstanceConfig* instance = nullptr;
    if (channel) {
      send.channel = *channel;
      instance = client_.channel(*channel);
      if (instance == nullptr)
        diagnostics.error(reader.where("send"), "client '" + client_.id + "' has no channel '" + *channel + "'" +
                                                    config::did_you_mean(*channel, client_.channel_names()) +
                                                    "; channels are the [channels.<name>] tables of " + client_.file);
      else
        declaration = plugins_.find(instance->plugin);
    }
    for (const auto& key : {"subject", "text", "html"})
      if (auto value = reader.string(key)) params[key] = *value;
    if (auto name = reader.string("template")) {
      params["template"] = *name;
      check_template(reader, *name);
    }
    if (auto transactional = reader.boolean("transactional")) send.transactional = *transactional;

    std::vector<std::string> known = kAllStepKeys;
    if (declaration != nullptr) {
      for (const auto& spec : declaration->params) {
        known.push_back(spec.name);
        if (std::find(kCommonSendKeys.begin(), kCommonSendKeys.end(), spec.name) != kCommonSendKeys.end())
          reader.mark_known(spec.name);
      }
      std::vector<config::SettingSpec> own;
      for (const auto& spec : declaration->params)
        if (std::find(kCommonSendKeys.begin(), kCommonSendKeys.end(), spec.name) == kCommonSendKeys.end())
          own.push_back(spec);
      if (auto declared = config::read_plugin_settings(reader, own, "parameter"))
        params.update(nlohmann::json::parse(*declared));
      if (declaration->accepts_any_params) {
        for (const auto& [key, value] : reader.raw()) {
          if (std::find(kAllStepKeys.begin(), kAllStepKeys.end(), key.str()) != kAllStepKeys.end()) continue;
          // Taking any parameter must not swallow a misspelt step key: `tempalte` is
          // left unknown, so finish() reports it with its suggestion.
          // One edit away only: `kind` or `title` are fine names for a parameter.
          if (config::closest_match(key.str(), kAllStepKeys, 1)) continue;
          reader.mark_known(key.str());
          if (auto json = config::toml_to_json(value, journey_.file, diagnostics))
            params[std::string(key.str())] = nlohmann::json::parse(*json);
        }
      }
    }
    // Without the channel's declaration its parameters cannot be told from typos.
    if (declaration != nullptr) reader.finish(known);
    send.params_json = params.dump();
    if (declaration != nullptr && diagnostics.error_count() == errors_at_start) {
      if (auto refusal = plugins_.validate_params(declaration->id, send.params_json))
        diagnostics.error(reader.where(), "channel '" + send.channel + "' (plugin " + declaration->id +
                                              ") refuses the parameters of " + reader.context() + ": " + *refusal);
    }
    return send;
  }

  // A template named N is the files templates/N.html, N.txt and N.subject that exist.
  void check_template(TableReader& reader, const std::string& name) {
    if (name.empty() || name.find("..") != std::string::npos || name.front() == '/') {
      reader.diagnostics().error(reader.where("template"),
                                 "template name '" + name + "' must be a path inside templates/, without '..'");
      return;
    }
    const auto base = client_.directory / "templates";
    for (const char* extension : {".html", ".txt", ".subject"})
      if (std::filesystem::is_regular_file(base / (name + extension))) return;
    std::vector<std::string> existing;
    std::error_code error;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(base, error))
      if (entry.is_regular_file())
        existing.push_back(std::filesystem::relative(entry.path(), base).replace_extension().string());
    reader.diagnostics().error(reader.where("template"), "template '" + name + "' does not exist: expected " +
                                                             (base / name).lexically_normal().string() +
                                                             ".html, .txt or .subject" +
                                                             config::did_you_mean(name, existing));
  }

  WaitUntilStep load_wait_until(TableReader& reader, const std::optional<Target>& go, Step& step) {
    WaitUntilStep wait;
    if (auto until = read_expression(reader, "wait_until")) wait.until = std::move(*until);
    if (auto at = reader.string("at")) {
      const bool ok = at->size() == 5 && (*at)[2] == ':' && std::isdigit(static_cast<unsigned char>((*at)[0])) &&
                      std::isdigit(static_cast<unsigned char>((*at)[1])) &&
                      std::isdigit(static_cast<unsigned char>((*at)[3])) &&
                      std::isdigit(static_cast<unsigned char>((*at)[4]));
      const int hours = ok ? std::stoi(at->substr(0, 2)) : 99;
      const int minutes = ok ? std::stoi(at->substr(3, 2)) : 99;
      if (hours > 23 || minutes > 59)
        reader.diagnostics().error(reader.where("at"),
                                   "'at' must be a time of day HH:MM, e.g. \"09:00\", not '" + *at + "'");
      else
        wait.at_minute = hours * 60 + minutes;
    }
    if (auto if_past = reader.string("if_past")) {
      if (*if_past == "skip") {
        if (!go)
          reader.diagnostics().error(reader.where("if_past"), "if_past = \"skip\" jumps to the step's goto, but " +
                                                                  reader.context() + " has no goto");
        else
          wait.skip_to = resolve_end(*go);
      } else if (*if_past != "continue") {
        reader.diagnostics().error(reader.where("if_past"), "'if_past' must be \"continue\" or \"skip\", not '" +
                                                                *if_past + "'" +
                                                                config::did_you_mean(*if_past, {"continue", "skip"}));
      }
    }
    if (go && !wait.skip_to) step.next = resolve_end(*go);
    return wait;
  }

  WaitForStep load_wait_for(TableReader& reader, std::size_t index) {
    WaitForStep wait;
    if (auto type = read_event_type(reader, "wait_for", true)) wait.event_type = *type;
    wait.when = read_expression(reader, "when");
    wait.timeout = read_duration(reader, "timeout");
    auto on_event = read_target(reader, "on_event");
    auto on_timeout = read_target(reader, "on_timeout");
    wait.on_event = on_event ? resolve_end(*on_event) : following(index);
    wait.on_timeout = on_timeout ? resolve_end(*on_timeout) : following(index);
    if (reader.has("on_timeout") && !reader.has("timeout"))
      reader.diagnostics().warning(reader.where("on_timeout"),
                                   "on_timeout is never taken: " + reader.context() + " has no timeout");
    return wait;
  }

  // Reads an array of inline tables (`branch = [...]`, `split = [...]`), one reader each.
  template <typename Each>
  void for_each_case(TableReader& reader, std::string_view key, std::string_view what, Each each) {
    const toml::node* node = reader.node(key);
    const toml::array* cases = node ? node->as_array() : nullptr;
    if (cases == nullptr || cases->empty()) {
      reader.diagnostics().error(reader.where(key),
                                 "'" + std::string(key) + "' must be a non-empty list of " + std::string(what));
      return;
    }
    std::size_t n = 0;
    for (const toml::node& element : *cases) {
      ++n;
      const toml::table* table = element.as_table();
      if (table == nullptr) {
        reader.diagnostics().error(
            config::location_of(element.source(), journey_.file),
            "each entry of '" + std::string(key) + "' must be a table like " + std::string(what));
        continue;
      }
      TableReader case_reader(*table, journey_.file,
                              std::string(key) + " case " + std::to_string(n) + " of " + reader.context(),
                              reader.diagnostics());
      each(case_reader);
      case_reader.finish();
    }
  }

  BranchStep load_branch(TableReader& reader) {
    BranchStep branch;
    bool had_default = false;
    for_each_case(reader, "branch", "{ when = \"...\", goto = \"step\" }", [&](TableReader& case_reader) {
      BranchCase branch_case;
      if (had_default)
        case_reader.diagnostics().error(case_reader.where(),
                                        "this case follows the default case (the one without "
                                        "'when') and can never be taken: move the default last");
      branch_case.when = read_expression(case_reader, "when");
      if (!case_reader.has("when")) had_default = true;
      auto target = read_target(case_reader, "goto");
      if (!target)
        case_reader.diagnostics().error(case_reader.where(), "a branch case needs goto = \"<step id or end>\"");
      else
        branch_case.target = resolve_end(*target);
      branch.cases.push_back(std::move(branch_case));
    });
    return branch;
  }

  SplitStep load_split(TableReader& reader) {
    SplitStep split;
    for_each_case(reader, "split", "{ weight = 50, goto = \"step\" }", [&](TableReader& case_reader) {
      SplitArm arm;
      if (auto weight = case_reader.integer("weight", 1, 1000000))
        arm.weight = static_cast<int>(*weight);
      else if (!case_reader.has("weight"))
        case_reader.diagnostics().error(case_reader.where(), "a split arm needs a weight (a whole number ≥ 1)");
      auto target = read_target(case_reader, "goto");
      if (!target)
        case_reader.diagnostics().error(case_reader.where(), "a split arm needs goto = \"<step id or end>\"");
      else
        arm.target = resolve_end(*target);
      split.arms.push_back(std::move(arm));
    });
    return split;
  }

  SetStep load_set(TableReader& reader) {
    SetStep set;
    const toml::table* attributes = reader.table("set");
    if (attributes == nullptr) {
      if (reader.has("set")) return set;  // type error already reported
    } else if (attributes->empty()) {
      reader.diagnostics().error(reader.where("set"),
                                 "'set' is empty: name the attributes to update, e.g. "
                                 "set = { stage = \"decision\" }");
    } else if (auto json = config::toml_to_json(*attributes, journey_.file, reader.diagnostics())) {
      set.attributes_json = *json;
    }
    return set;
  }

  EmitStep load_emit(TableReader& reader) {
    EmitStep emit;
    if (auto type = read_event_type(reader, "emit", true)) emit.event_type = *type;
    emit.properties_json = "{}";
    if (const toml::table* properties = reader.table("properties"))
      if (auto json = config::toml_to_json(*properties, journey_.file, reader.diagnostics()))
        emit.properties_json = *json;
    return emit;
  }

  const config::ClientConfig& client_;
  const config::PluginCatalog& plugins_;
  Journey& journey_;
};

std::optional<EventRule> read_event_rule(TableReader& top, std::string_view section, bool required) {
  const toml::table* table = top.table(section);
  if (table == nullptr) {
    if (required && !top.has(section))
      top.diagnostics().error(top.where(),
                              "missing [" + std::string(section) +
                                  "]: say which event enrolls a contact, e.g. [entry] on = \"form.submitted\"");
    return std::nullopt;
  }
  TableReader reader(*table, top.file(), "[" + std::string(section) + "]", top.diagnostics());
  EventRule rule;
  rule.where = reader.where();
  if (auto on = read_event_type(reader, "on", true)) rule.on = *on;
  rule.when = read_expression(reader, "when");
  if (section == "entry") reader.mark_known("reentry");
  reader.finish();
  return rule;
}

std::optional<Journey> load_journey(const std::filesystem::path& file, const std::string& display,
                                    const config::ClientConfig& client, const config::PluginCatalog& plugins,
                                    Diagnostics& diagnostics) {
  const std::size_t errors_before = diagnostics.error_count();
  auto table = config::read_toml_file(file, display, diagnostics);
  if (!table) return std::nullopt;
  Journey journey;
  journey.client = client.id;
  journey.file = display;
  journey.id = file.stem().string();
  TableReader reader(*table, display, "journey '" + journey.id + "'", diagnostics);
  if (auto id = reader.string("id"); id && *id != journey.id)
    diagnostics.error(reader.where("id"), "journey id '" + *id + "' differs from its file name '" + journey.id +
                                              ".toml': rename the file or change the id");
  journey.name = reader.string("name").value_or(journey.id);
  journey.stage = reader.string("stage").value_or("");
  journey.enabled = reader.boolean("enabled").value_or(true);
  if (auto entry = read_event_rule(reader, "entry", true)) journey.entry = *entry;
  if (const toml::table* entry = (*table)["entry"].as_table()) {
    TableReader entry_reader(*entry, display, "[entry]", diagnostics);
    if (auto reentry = entry_reader.string("reentry")) {
      if (*reentry == "never")
        journey.reentry = Reentry::never;
      else if (*reentry == "after_exit")
        journey.reentry = Reentry::after_exit;
      else if (*reentry == "always")
        journey.reentry = Reentry::always;
      else
        diagnostics.error(entry_reader.where("reentry"),
                          "'reentry' in [entry] must be never, after_exit or always, not '" + *reentry + "'" +
                              config::did_you_mean(*reentry, {"never", "after_exit", "always"}));
    }
  }
  journey.goal = read_event_rule(reader, "goal", false);

  const toml::node* steps_node = reader.node("steps");
  const toml::array* steps = steps_node ? steps_node->as_array() : nullptr;
  if (steps == nullptr || steps->empty()) {
    diagnostics.error(steps_node ? reader.where("steps") : reader.where(),
                      "journey '" + journey.id + "' has no steps: add [[steps]] tables");
  } else {
    StepLoader loader(client, plugins, journey);
    std::size_t index = 0;
    for (const toml::node& node : *steps) {
      if (const toml::table* step = node.as_table())
        loader.load(*step, index, diagnostics);
      else
        diagnostics.error(config::location_of(node.source(), display), "each step must be a [[steps]] table");
      ++index;
    }
  }
  reader.finish();
  check_data_names(journey, client, diagnostics);
  if (diagnostics.error_count() != errors_before) return std::nullopt;

  // "The next step" of the last step is the end.
  for (auto& step : journey.steps) {
    if (step.next.name.empty() && step.next.index >= journey.steps.size()) step.next.index = kEnd;
    if (auto* wait = std::get_if<WaitForStep>(&step.detail)) {
      for (Target* target : {&wait->on_event, &wait->on_timeout})
        if (target->name.empty() && target->index >= journey.steps.size()) target->index = kEnd;
    }
  }
  if (!validate_graph(journey, diagnostics)) return std::nullopt;
  return journey;
}

}  // namespace

std::vector<Journey> load_journeys(const config::ClientConfig& client, const config::PluginCatalog& plugins,
                                   Diagnostics& diagnostics) {
  std::vector<Journey> journeys;
  const auto folder = client.directory / "journeys";
  std::error_code error;
  if (!std::filesystem::is_directory(folder, error)) return journeys;
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(folder, error))
    if (entry.is_regular_file() && entry.path().extension() == ".toml") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  for (const auto& file : files)
    if (auto journey = load_journey(file, file.lexically_normal().string(), client, plugins, diagnostics))
      journeys.push_back(std::move(*journey));
  return journeys;
}

}  // namespace parcours::journey
