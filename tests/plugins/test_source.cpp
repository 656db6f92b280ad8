// A source offering lookup() only (so its descriptor has no scan()).
#include <parcours/sdk.hpp>

namespace {

class TestSource final : public parcours::Source {
 public:
  explicit TestSource(const parcours::Settings&) {}
  std::optional<nlohmann::json> lookup(const parcours::Contact& contact) override {
    if (contact.id == "unknown") return std::nullopt;
    if (contact.id == "broken") throw std::runtime_error("the bookings file is unreadable");
    return nlohmann::json{{"bookings", 2}, {"seen", contact.id}};
  }
};

}  // namespace

PARCOURS_PLUGIN(TestSource, .id = "test-source", .version = "1.0.0", .kind = parcours::Kind::source,
                .description = "Knows everyone but 'unknown'")
