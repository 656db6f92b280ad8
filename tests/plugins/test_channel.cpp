// A channel written with the SDK's C++ layer, declaring a setting of every type and
// a parameter, with a validate_params hook. send() answers from the message's
// params, so tests can drive every SendResult through the ABI:
//   params.outcome = "retry"  → retry("busy", 30s)
//   params.outcome = "failed" → failed("rejected")
//   otherwise                 → delivered(provider_id = "<url>#<idempotency_key>")
#include <parcours/sdk.hpp>

namespace {

class TestChannel final : public parcours::Channel {
 public:
  explicit TestChannel(const parcours::Settings& s)
      : url_(s.string("url")),
        retries_(s.integer("retries")),
        verbose_(s.boolean("verbose")),
        timeout_(s.duration("timeout")),
        tags_(s.list("tags")) {}

  parcours::SendResult send(const parcours::Message& m) override {
    const std::string outcome = m.params.value("outcome", "");
    if (outcome == "retry") return parcours::SendResult::retry("busy", std::chrono::seconds(30));
    if (outcome == "failed") return parcours::SendResult::failed("rejected");
    if (outcome == "echo-settings")
      return parcours::SendResult::delivered(std::to_string(retries_) + "|" + (verbose_ ? "true" : "false") + "|" +
                                             std::to_string(timeout_.count()) + "|" + tags_.at(0));
    if (outcome == "echo-message")
      return parcours::SendResult::delivered(m.channel + "|" + m.client + "|" + m.contact.id + "|" +
                                             m.contact.attribute("email") + "|" + m.content.subject);
    return parcours::SendResult::delivered(url_ + "#" + m.idempotency_key);
  }

  static std::optional<std::string> validate_params(const nlohmann::json& params) {
    if (params.value("audience", "") == "everyone") return "audience 'everyone' is too broad";
    return std::nullopt;
  }

 private:
  std::string url_;
  std::int64_t retries_;
  bool verbose_;
  std::chrono::milliseconds timeout_;
  std::vector<std::string> tags_;
};

}  // namespace

PARCOURS_PLUGIN(TestChannel, .id = "test-channel", .version = "2.3.4", .kind = parcours::Kind::channel,
                .description = "A channel for the loader's tests",
                .settings =
                    {
                        {"url", parcours::Type::string, parcours::required, "Where to send"},
                        {"retries", parcours::Type::integer, parcours::defaults_to(3), "How many times"},
                        {"verbose", parcours::Type::boolean, parcours::defaults_to(false), "Say more"},
                        {"timeout", parcours::Type::duration, parcours::defaults_to("10s"), "Give up after"},
                        {"token", parcours::Type::secret, parcours::defaults_to("s3cret-default"), "API token"},
                        {"tags", parcours::Type::list, parcours::defaults_to({"a", "b"}), "Labels"},
                    },
                .params = {{"audience", parcours::Type::string, parcours::required, "Who"}})
