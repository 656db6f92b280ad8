// A trigger: start() emits one event through the host (with the host's clock), and
// the constructor takes the Host as its second parameter.
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

 private:
  std::string type_;
  parcours::Host host_at_creation_;
};

}  // namespace

PARCOURS_PLUGIN(TestTrigger, .id = "test-trigger", .version = "1.0.0", .kind = parcours::Kind::trigger,
                .description = "Emits one event on start",
                .settings = {{"emit", parcours::Type::string, parcours::required, "Event type"}})
