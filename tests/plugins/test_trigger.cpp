// A trigger: start() emits one event through the host (with the host's clock), and
// the constructor takes the Host as its second parameter. It also takes webhooks
// (ABI 1.1): a request whose body is a contact id becomes one event for it; an empty
// body is refused with 422; the body "throw" makes handle_request throw.
#include <parcours/sdk.hpp>

namespace {

class TestTrigger final : public parcours::Trigger {
 public:
  TestTrigger(const parcours::Settings& s, parcours::Host host) : type_(s.string("emit")), host_at_creation_(host) {}
  void start() override {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(host().now().time_since_epoch()).count();
    host().info("starting");
    host_at_creation_.emit({{"type", type_}, {"contact", "c-1"}, {"time_ms", ms}});
  }
  void stop() override {}
  parcours::WebhookResponse handle_request(const parcours::WebhookRequest& request) override {
    if (request.body == "throw") throw std::runtime_error("cannot read this payload");
    if (request.body.empty()) return parcours::WebhookResponse::refuse(422, "the body names no contact");
    return parcours::WebhookResponse::accept(
        {{{"type", type_}, {"contact", request.body}, {"properties", {{"via", request.header("x-source")}}}}});
  }

 private:
  std::string type_;
  parcours::Host host_at_creation_;
};

}  // namespace

PARCOURS_PLUGIN(TestTrigger, .id = "test-trigger", .version = "1.0.0", .kind = parcours::Kind::trigger,
                .description = "Emits one event on start",
                .settings = {{"emit", parcours::Type::string, parcours::required, "Event type"}})
