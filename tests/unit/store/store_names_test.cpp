#include <catch2/catch.hpp>

#include "store/store.hpp"

using namespace parcours::store;

TEST_CASE("every enrollment status reads back from its name") {
  for (auto status : {EnrollmentStatus::active, EnrollmentStatus::waiting, EnrollmentStatus::completed,
                      EnrollmentStatus::exited, EnrollmentStatus::converted})
    CHECK(parse_enrollment_status(to_string(status)) == status);
  CHECK(to_string(EnrollmentStatus::converted) == "converted");
  CHECK_FALSE(parse_enrollment_status("Waiting").has_value());
}

TEST_CASE("every message status reads back from its name") {
  for (auto status : {MessageStatus::queued, MessageStatus::sent, MessageStatus::delivered, MessageStatus::failed,
                      MessageStatus::suppressed})
    CHECK(parse_message_status(to_string(status)) == status);
  CHECK(to_string(MessageStatus::suppressed) == "suppressed");
  CHECK_FALSE(parse_message_status("").has_value());
}
