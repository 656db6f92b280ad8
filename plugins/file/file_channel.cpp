// The `file` channel: appends every message it is given to a file, one JSON object
// per line. It sends nothing anywhere — it is what a debugging or demo config
// points a journey at to see exactly what the host would send, and it is the SDK's
// worked example: a complete plugin written with parcours/sdk.hpp only.
//
// What it shows:
//  - a class deriving from parcours::Channel, configured from parcours::Settings in
//    its constructor, which fails early (a path that can never be written refuses
//    the instance at `parcours validate` and at start-up, not at the first message)
//    but has no side effect: `validate` creates every instance once, and checking
//    a config must not create files. The file is opened at the first message;
//  - send() may be called from several threads at once (the host's channel pool),
//    so the shared file is guarded by a mutex;
//  - results: delivered, or retry when the disk is momentarily unwritable;
//  - idempotency, as providers with idempotency keys do it: a message whose key is
//    already in the file is acknowledged, not written again. The host retries a
//    message with the same key when it died before recording the answer, so this is
//    what keeps a record exactly-once across crashes;
//  - one PARCOURS_PLUGIN line declaring the id, version, kind, settings and — since
//    this channel records whatever it is given — `.params = parcours::any_params`.
#include <parcours/sdk.hpp>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <stdexcept>
#include <string>
#include <system_error>
#include <unordered_set>

#include <unistd.h>

#ifndef PARCOURS_FILE_PLUGIN_VERSION
#error "the build defines PARCOURS_FILE_PLUGIN_VERSION (the Parcours version)"
#endif

namespace {

class FileChannel final : public parcours::Channel {
 public:
  explicit FileChannel(const parcours::Settings& settings) : path_(settings.string("path")) {
    if (path_.empty()) throw std::runtime_error("'path' is empty: name the file to append messages to");
    std::error_code ec;
    if (std::filesystem::is_directory(path_, ec))
      throw std::runtime_error(path_.string() + " is a folder: 'path' names the file to append to");
    // The file, or else the nearest folder above it that exists, must be writable:
    // everything below that folder can then be created at the first message.
    std::filesystem::path existing = std::filesystem::absolute(path_, ec);
    while (!existing.empty() && !std::filesystem::exists(existing, ec) && existing != existing.parent_path())
      existing = existing.parent_path();
    if (existing != std::filesystem::absolute(path_, ec) && !std::filesystem::is_directory(existing, ec))
      throw std::runtime_error(existing.string() + " is not a folder, so " + path_.string() + " cannot be created");
    if (::access(existing.c_str(), W_OK) != 0)
      throw std::runtime_error("cannot write to " + existing.string() + ": " + std::strerror(errno));
  }

  parcours::SendResult send(const parcours::Message& message) override {
    // The message exactly as the host handed it over, on one line (dump() without
    // indentation never emits a newline; invalid UTF-8 is replaced, not thrown on).
    const std::string line = message.wire.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + '\n';

    const std::lock_guard<std::mutex> lock(mutex_);
    if (!out_.is_open()) {
      const bool cut_short = load_recorded_keys();
      // Append: restarting the host (or several instances on one file) never erases
      // what was recorded. The folder is created as a user of a debug channel expects.
      std::error_code ec;
      if (path_.has_parent_path()) std::filesystem::create_directories(path_.parent_path(), ec);
      out_.open(path_, std::ios::out | std::ios::app | std::ios::binary);
      if (!out_) {
        const std::string reason = ec ? ec.message() : std::strerror(errno);
        out_ = std::ofstream();  // closed, so the next message tries again
        return parcours::SendResult::retry("cannot open " + path_.string() + " for appending: " + reason);
      }
      // A host killed in the middle of a write can leave a line cut short (Linux stops
      // a write to a file between two pages for SIGKILL): end it, so that the next
      // message starts a line of its own and the cut one stays a line readers skip.
      if (cut_short) out_.write("\n", 1);
    }
    if (!message.idempotency_key.empty() && recorded_.count(message.idempotency_key) != 0)
      return parcours::SendResult::delivered();  // recorded before the host's last crash
    out_.write(line.data(), static_cast<std::streamsize>(line.size()));
    // Flushed per message: a line in the file means the message was recorded, even
    // if the host is killed right after.
    out_.flush();
    if (!out_) {
      const std::string reason = std::strerror(errno);
      out_.clear();  // the next attempt may succeed (disk full, then freed)
      return parcours::SendResult::retry("cannot write to " + path_.string() + ": " + reason);
    }
    if (!message.idempotency_key.empty()) recorded_.insert(message.idempotency_key);
    return parcours::SendResult::delivered();
  }

 private:
  // The keys of the messages already in the file (from earlier runs of the host).
  // A line cut short or not ours (no key) is skipped. True when the file does not end
  // with a newline: its last line was cut short.
  bool load_recorded_keys() {
    recorded_.clear();
    std::ifstream in(path_, std::ios::binary);
    bool cut_short = false;
    for (std::string line; std::getline(in, line);) {
      cut_short = in.eof();  // getline stopped at the end of the file, not at a newline
      const auto json = nlohmann::json::parse(line, nullptr, false);
      if (!json.is_object()) continue;
      if (const auto key = json.find("idempotency_key"); key != json.end() && key->is_string())
        recorded_.insert(key->get<std::string>());
    }
    return cut_short;
  }

  const std::filesystem::path path_;
  std::mutex mutex_;  // one line at a time: sends come from a thread pool
  std::ofstream out_;
  std::unordered_set<std::string> recorded_;
};

}  // namespace

// The declaration: one table that drives config validation, `parcours plugins
// inspect file` and the README's settings table.
// clang-format off
PARCOURS_PLUGIN(FileChannel,
  .id = "file",
  .version = PARCOURS_FILE_PLUGIN_VERSION,
  .kind = parcours::Kind::channel,
  .description = "Appends each message to a file as one JSON line (for debugging and demos)",
  .settings = {
    {"path", parcours::Type::string, parcours::required,
     "File the messages are appended to; its folder is created if needed"},
  },
  .params = parcours::any_params)
// clang-format on
