// A message's content from its step parameters and the client's template files
// (CONFIG.md, "Templates"): `template = "cart-reminder"` names the files
// templates/cart-reminder.{subject,txt,html} that exist; an inline `subject`, `text`
// or `html` parameter overrides its file. Every string parameter is rendered too, so a
// channel's own ones (an SMS `text`, an audience name) may use the contact's data.
#pragma once

#include <filesystem>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

namespace parcours::render {

struct RenderedMessage {
  std::string subject;
  std::string text;
  std::string html;
  // The parameters with every string rendered, plus `subject` and `text` when they
  // came from files: what the timeline shows of the message.
  std::string params_json;
};

// The data a message's templates may name (CONFIG.md, "Templates": contact, event,
// journey, client, links, data), each top-level member built when a template names it:
// a message whose templates name only `contact` never reads its event.
class TemplateData {
 public:
  virtual ~TemplateData() = default;
  // Every top-level name this data has.
  virtual std::vector<std::string> names() const = 0;
  // The member `name` (one of names()).
  virtual nlohmann::json member(const std::string& name) const = 0;
};

// Throws std::runtime_error naming the file or parameter that cannot be read or rendered.
RenderedMessage render_message(const std::filesystem::path& templates_dir, const std::string& params_json,
                               const std::string& data_json);
// The same on parsed JSON, for the dispatcher (no text between its objects and the
// renderer's): the rendered parameters go to `rendered_params`, and the result's
// `params_json` stays empty.
RenderedMessage render_message(const std::filesystem::path& templates_dir, const nlohmann::json& params,
                               const nlohmann::json& data, nlohmann::json& rendered_params);
// The same with the data built as the templates name it.
RenderedMessage render_message(const std::filesystem::path& templates_dir, const nlohmann::json& params,
                               const TemplateData& data, nlohmann::json& rendered_params);

// The file extensions of a template's parts, in the order they are documented.
inline constexpr const char* kTemplateExtensions[] = {".subject", ".txt", ".html"};

}  // namespace parcours::render
