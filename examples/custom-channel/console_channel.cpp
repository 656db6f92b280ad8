// `console`: a channel that prints each message as one readable line on the
// host's standard error (or standard output), with a prefix — handy while writing
// journeys, and a template for a real channel (replace the printing with a call to
// your provider).
//
// Settings (declared once, in PARCOURS_PLUGIN below; `parcours plugins inspect
// console` shows them, and the host checks a client's TOML against them):
//   prefix   string, optional, default "[console]"
//   stream   string, optional, default "stderr" ("stderr" or "stdout")
//   max_text int,    optional, default 200: longer text is cut with "…"
//   pause    duration, optional: sleep that long before each message (to see a
//            slow provider's effect on the dispatcher)
#include <parcours/sdk.hpp>

#include <cstdio>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>

namespace {

class ConsoleChannel final : public parcours::Channel {
 public:
  explicit ConsoleChannel(const parcours::Settings& settings)
      : prefix_(settings.string("prefix")),
        max_text_(settings.integer("max_text")),
        pause_(settings.duration("pause", std::chrono::milliseconds(0))) {
    // Check what the declaration cannot express; the message reaches the user as
    // "channel 'x' (plugin console) cannot be created: ...".
    const std::string stream = settings.string("stream");
    if (stream == "stderr")
      out_ = stderr;
    else if (stream == "stdout")
      out_ = stdout;
    else
      throw std::invalid_argument("setting 'stream' must be \"stderr\" or \"stdout\", not \"" + stream + "\"");
    if (max_text_ < 1) throw std::invalid_argument("setting 'max_text' must be at least 1");
  }

  parcours::SendResult send(const parcours::Message& message) override {
    if (message.contact.id.empty()) return parcours::SendResult::failed("the message has no contact");
    if (pause_.count() > 0) std::this_thread::sleep_for(pause_);

    std::string text = message.content.text.empty() ? message.content.subject : message.content.text;
    if (text.size() > static_cast<std::size_t>(max_text_)) text = text.substr(0, max_text_) + "…";

    // The step's declared parameter, if it gave one (`tag = "..."` in the journey).
    const std::string tag = message.params.contains("tag") ? " #" + message.params["tag"].get<std::string>() : "";

    // One fprintf per message, under a lock: lines from concurrent sends never mix.
    const std::lock_guard<std::mutex> lock(mutex_);
    std::fprintf(out_, "%s %s → %s%s: %s\n", prefix_.c_str(), message.client.c_str(), message.contact.id.c_str(),
                 tag.c_str(), text.c_str());
    std::fflush(out_);
    return parcours::SendResult::delivered(message.idempotency_key);
  }

 private:
  std::string prefix_;
  std::int64_t max_text_;
  std::chrono::milliseconds pause_;
  std::FILE* out_ = stderr;
  std::mutex mutex_;
};

}  // namespace

// clang-format off
PARCOURS_PLUGIN(ConsoleChannel,
  .id = "console",
  .version = CONSOLE_CHANNEL_VERSION,
  .kind = parcours::Kind::channel,
  .description = "Prints each message as one line on the host's console",
  .settings = {
    {"prefix", parcours::Type::string, parcours::defaults_to("[console]"), "Printed before each line"},
    {"stream", parcours::Type::string, parcours::defaults_to("stderr"), "stderr or stdout"},
    {"max_text", parcours::Type::integer, parcours::defaults_to(200), "Longer text is cut"},
    {"pause", parcours::Type::duration, parcours::optional, "Sleep this long before each message"},
  },
  .params = {
    {"tag", parcours::Type::string, parcours::optional, "Free label, shown with the message"},
  })
// clang-format on
