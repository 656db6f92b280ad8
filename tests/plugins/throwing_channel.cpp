// A channel whose code throws, to prove the SDK's boundary catches everything:
//   settings.fail_in_create = true  → the constructor throws std::runtime_error
//   settings.throw_non_std = true   → the constructor throws an int
//   send(): throws std::runtime_error, or an int when params.kind = "int"
#include <parcours/sdk.hpp>

#include <stdexcept>

namespace {

class ThrowingChannel final : public parcours::Channel {
 public:
  explicit ThrowingChannel(const parcours::Settings& s) {
    if (s.boolean("fail_in_create")) throw std::runtime_error("cannot reach the gateway");
    if (s.boolean("throw_non_std")) throw 42;
  }
  parcours::SendResult send(const parcours::Message& m) override {
    if (m.params.value("kind", "") == "int") throw 7;
    throw std::runtime_error("send exploded");
  }
};

}  // namespace

PARCOURS_PLUGIN(
    ThrowingChannel, .id = "throwing", .version = "1.0.0", .kind = parcours::Kind::channel,
    .description = "Throws everywhere",
    .settings =
        {
            {"fail_in_create", parcours::Type::boolean, parcours::defaults_to(false), "Throw in the constructor"},
            {"throw_non_std", parcours::Type::boolean, parcours::defaults_to(false), "Throw an int in the constructor"},
        },
    .params = parcours::any_params)
