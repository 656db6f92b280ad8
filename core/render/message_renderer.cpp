#include "render/message_renderer.hpp"

#include <chrono>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <stdexcept>
#include <unordered_map>

#include "render/mustache.hpp"

namespace parcours::render {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// Template files are read once and again only when they change on disk, so that an
// agency editing a template sees the change without a restart, and a busy dispatcher
// does not read three files per message. What is on disk is looked at again at most
// once a second per file and per partials folder (as nginx's open_file_cache_valid):
// a stat and a directory listing per message cost more than rendering it.
class FileCache {
 public:
  // The file's content, or nullopt when it does not exist.
  std::optional<std::string> read(const fs::path& path) {
    const auto now = std::chrono::steady_clock::now();
    std::lock_guard lock(mutex_);
    auto& entry = files_[path.native()];
    if (entry.checked && now - *entry.checked < kRevalidate) return entry.content;
    std::error_code error;
    const auto modified = fs::last_write_time(path, error);
    if (error) {
      entry = Entry{now, std::nullopt, {}};
      return std::nullopt;
    }
    if (entry.content && entry.modified == modified) return entry.content;
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path.string());
    std::ostringstream content;
    content << in.rdbuf();
    entry = Entry{now, content.str(), modified};
    return entry.content;
  }

  // The `*.mustache` files of `templates_dir`/partials by name; shared, so a message
  // copies nothing. Kept by the templates folder: no path is built for a message.
  std::shared_ptr<const Partials> partials(const fs::path& templates_dir) {
    const auto now = std::chrono::steady_clock::now();
    {
      std::lock_guard lock(mutex_);
      const auto& listed = folders_[templates_dir.native()];
      if (listed.partials && now - listed.checked < kRevalidate) return listed.partials;
    }
    const fs::path folder = templates_dir / "partials";
    auto partials = std::make_shared<Partials>();
    std::error_code error;
    for (fs::directory_iterator it(folder, error), end; !error && it != end; it.increment(error)) {
      if (it->path().extension() != ".mustache") continue;
      if (auto content = read(it->path())) partials->emplace(it->path().stem().string(), std::move(*content));
    }
    std::lock_guard lock(mutex_);
    folders_[templates_dir.native()] = Folder{now, partials};
    return partials;
  }

 private:
  static constexpr std::chrono::seconds kRevalidate{1};
  struct Entry {
    std::optional<std::chrono::steady_clock::time_point> checked;
    std::optional<std::string> content;  // nullopt: no such file (when checked)
    fs::file_time_type modified;
  };
  struct Folder {
    std::chrono::steady_clock::time_point checked;
    std::shared_ptr<const Partials> partials;
  };
  std::mutex mutex_;
  std::unordered_map<std::string, Entry> files_;
  std::unordered_map<std::string, Folder> folders_;
};

FileCache& cache() {
  static FileCache instance;
  return instance;
}

// The data of a message's renders, converted when a text with a tag needs it: only the
// members its tags can look up (mstch copies the root for every render), and once for
// every set of them (a subject and a body that name the same members share one).
class LazyData {
 public:
  explicit LazyData(const json& document) : document_(&document) {}
  explicit LazyData(const TemplateData& source) : source_(&source) {}
  // mstch's root for a text whose tags name `names` (template_root_names(); nothing:
  // every member).
  const RenderData& get(const std::optional<std::set<std::string>>& names) {
    if (!names) {
      if (!all_) all_ = std::make_unique<RenderData>(members(nullptr));
      return *all_;
    }
    auto& data = some_[*names];
    if (!data) data = std::make_unique<RenderData>(members(&*names), *names);
    return *data;
  }
  // The members of `names` as JSON, for render_interpolations.
  const json& document(const std::set<std::string>& names) { return members(&names); }

 private:
  // The document, or the members of `wanted` (all when null) that the source has,
  // each built once for the whole message.
  const json& members(const std::set<std::string>* wanted) {
    if (document_ != nullptr) return *document_;
    if (known_.empty()) known_ = source_->names();
    for (const auto& name : known_)
      if ((wanted == nullptr || wanted->contains(name)) && !built_.contains(name)) built_[name] = source_->member(name);
    return built_;
  }

  const json* document_ = nullptr;
  const TemplateData* source_ = nullptr;
  std::vector<std::string> known_;
  json built_ = json::object();
  std::unique_ptr<RenderData> all_;
  std::map<std::set<std::string>, std::unique_ptr<RenderData>> some_;
};

// A text without a tag renders as itself: no conversion of the data, no parse.
std::string render_text(const std::string& text, LazyData& data, const Partials& partials, Escape escape) {
  if (!has_tags(text)) return text;
  const auto names = template_root_names(text);
  if (names)
    if (auto simple = render_interpolations(text, data.document(*names), escape)) return std::move(*simple);
  return render_mustache(text, data.get(names), partials, escape);
}

// Renders every string in a parameter value, recursively (lists and tables too).
json render_value(const json& value, LazyData& data, const Partials& partials, Escape escape) {
  if (value.is_string()) return render_text(value.get_ref<const std::string&>(), data, partials, escape);
  if (value.is_array() || value.is_object()) {
    json out = value;
    for (auto& item : out) item = render_value(item, data, partials, escape);
    return out;
  }
  return value;
}

// The message's parts and parameters, rendered with `data`.
RenderedMessage render_with(const fs::path& templates_dir, const json& params, LazyData& data, json& rendered) {
  const std::shared_ptr<const Partials> shared_partials = cache().partials(templates_dir);
  const Partials& partials = *shared_partials;
  const auto render = [&](const std::string& where, const std::string& text, Escape escape) {
    try {
      return render_text(text, data, partials, escape);
    } catch (const std::exception& error) {
      throw std::runtime_error(where + ": " + error.what());
    }
  };

  RenderedMessage message;
  rendered = json::object();
  std::string* parts[] = {&message.subject, &message.text, &message.html};
  const char* part_keys[] = {"subject", "text", "html"};

  if (const auto it = params.find("template"); it != params.end() && it->is_string()) {
    bool found = false;
    for (std::size_t i = 0; i < 3; ++i) {
      const fs::path file = templates_dir / (it->get<std::string>() + kTemplateExtensions[i]);
      if (auto content = cache().read(file)) {
        found = true;
        *parts[i] = render(file.string(), *content, i == 2 ? Escape::html : Escape::none);
        // A subject or text line read from a file is trimmed of the newline editors add.
        if (i < 2)
          while (!parts[i]->empty() && (parts[i]->back() == '\n' || parts[i]->back() == '\r')) parts[i]->pop_back();
      }
    }
    if (!found)
      throw std::runtime_error("template '" + it->get<std::string>() + "' has no file in " + templates_dir.string() +
                               " (expected .subject, .txt or .html)");
  }

  for (const auto& [key, value] : params.items()) {
    if (key == "template") {
      rendered[key] = value;
      continue;
    }
    const Escape escape = key == "html" ? Escape::html : Escape::none;
    try {
      rendered[key] = render_value(value, data, partials, escape);
    } catch (const std::exception& error) {
      throw std::runtime_error("parameter '" + key + "': " + error.what());
    }
  }
  for (std::size_t i = 0; i < 3; ++i) {
    if (const auto it = rendered.find(part_keys[i]); it != rendered.end() && it->is_string())
      *parts[i] = it->get<std::string>();
    else if (i < 2 && !parts[i]->empty())
      rendered[part_keys[i]] = *parts[i];
  }
  return message;
}

}  // namespace

RenderedMessage render_message(const fs::path& templates_dir, const std::string& params_json,
                               const std::string& data_json) {
  json rendered;
  RenderedMessage message = render_message(templates_dir, json::parse(params_json), json::parse(data_json), rendered);
  message.params_json = rendered.dump();
  return message;
}

RenderedMessage render_message(const fs::path& templates_dir, const json& params, const json& data_json,
                               json& rendered) {
  LazyData data(data_json);
  return render_with(templates_dir, params, data, rendered);
}

RenderedMessage render_message(const fs::path& templates_dir, const json& params, const TemplateData& source,
                               json& rendered) {
  LazyData data(source);
  return render_with(templates_dir, params, data, rendered);
}

}  // namespace parcours::render
