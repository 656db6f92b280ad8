// A minimal channel for the lifetime test: built with -fno-gnu-unique so that glibc
// really unloads it once the last reference is gone (see CMakeLists.txt).
#include <parcours/sdk.hpp>

namespace {

class LifetimeChannel final : public parcours::Channel {
 public:
  explicit LifetimeChannel(const parcours::Settings&) {}
  parcours::SendResult send(const parcours::Message&) override { return parcours::SendResult::delivered("alive"); }
};

}  // namespace

PARCOURS_PLUGIN(LifetimeChannel, .id = "lifetime", .version = "1.0.0", .kind = parcours::Kind::channel,
                .description = "Proves the library outlives its instances")
