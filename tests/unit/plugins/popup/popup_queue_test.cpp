// The popup queue on a real SQLite file: idempotent enqueue, what is listed (not
// seen, clicked or expired), marks, isolation between clients and channels sharing
// a file, and what survives closing the file (a host restart). The routes and the
// browser script are tested in tests/integration/test_popup_channel.py.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "popup_queue.hpp"
#include "support/temp_dir.hpp"

namespace {

using namespace std::chrono_literals;
using parcours::popup::PopupAction;
using parcours::popup::PopupContent;
using parcours::popup::PopupQueue;
using parcours::popup::QueueError;

constexpr std::int64_t kNow = 1796108400000;  // 2026-12-01T07:00:00Z
constexpr std::int64_t kHour = 3'600'000;
constexpr std::int64_t kDay = 24 * kHour;

PopupContent offer(const std::string& title) {
  PopupContent content;
  content.title = title;
  content.html = "<p>10% off</p>";
  content.cta_text = "Shop";
  content.cta_url = "https://shop.test/offer";
  return content;
}

}  // namespace

TEST_CASE("popup queue: a retried send with the same idempotency key queues one popup, with one id") {
  parcours::test_support::TempDir dir;
  PopupQueue queue(dir.path() / "popups.db", 1s);
  const auto first = queue.enqueue("acme", "popup", "m-1", "c-1", offer("A"), kNow, kNow + kDay);
  const auto again = queue.enqueue("acme", "popup", "m-1", "c-1", offer("A"), kNow + 1000, kNow + kDay);
  CHECK(first == again);
  CHECK(first.rfind("p-", 0) == 0);
  CHECK(first.size() == 26);
  REQUIRE(queue.waiting("acme", "popup", "c-1", kNow).size() == 1);
  const auto other = queue.enqueue("acme", "popup", "m-2", "c-1", offer("B"), kNow + 1, kNow + kDay);
  CHECK(other != first);
  const auto listed = queue.waiting("acme", "popup", "c-1", kNow + 2);
  REQUIRE(listed.size() == 2);
  CHECK(listed[0].id == first);  // oldest first
  CHECK(listed[0].content.title == "A");
  CHECK(listed[0].content.cta_url == "https://shop.test/offer");
  CHECK(listed[1].id == other);
}

TEST_CASE("popup queue: a popup is listed until it expires, is seen or is clicked") {
  parcours::test_support::TempDir dir;
  PopupQueue queue(dir.path() / "popups.db", 1s);
  const auto expiring = queue.enqueue("acme", "popup", "m-1", "c-1", offer("soon"), kNow, kNow + kHour);
  const auto seen = queue.enqueue("acme", "popup", "m-2", "c-1", offer("seen"), kNow, kNow + kDay);
  const auto clicked = queue.enqueue("acme", "popup", "m-3", "c-1", offer("clicked"), kNow, kNow + kDay);
  CHECK(queue.waiting("acme", "popup", "c-1", kNow + kHour - 1).size() == 3);
  CHECK(queue.waiting("acme", "popup", "c-1", kNow + kHour).size() == 2);  // expiry is exclusive

  REQUIRE(queue.mark("acme", "popup", "c-1", seen, PopupAction::seen, kNow + 10));
  const auto marked = queue.mark("acme", "popup", "c-1", clicked, PopupAction::clicked, kNow + 20);
  REQUIRE(marked);
  CHECK(marked->content.cta_url == "https://shop.test/offer");
  CHECK(queue.waiting("acme", "popup", "c-1", kNow + 30).size() == 1);
  CHECK(queue.waiting("acme", "popup", "c-1", kNow + kHour).empty());
  // An expired popup can still be clicked (a page left open): the click is recorded.
  CHECK(queue.mark("acme", "popup", "c-1", expiring, PopupAction::clicked, kNow + 2 * kHour));
  // Marking again is fine and changes nothing.
  CHECK(queue.mark("acme", "popup", "c-1", seen, PopupAction::seen, kNow + 40));
}

TEST_CASE("popup queue: an unknown popup, or another contact's, cannot be marked") {
  parcours::test_support::TempDir dir;
  PopupQueue queue(dir.path() / "popups.db", 1s);
  const auto id = queue.enqueue("acme", "popup", "m-1", "c-1", offer("A"), kNow, kNow + kDay);
  CHECK_FALSE(queue.mark("acme", "popup", "c-1", "p-000000000000000000000000", PopupAction::seen, kNow));
  CHECK_FALSE(queue.mark("acme", "popup", "c-2", id, PopupAction::clicked, kNow));
  CHECK_FALSE(queue.mark("globex", "popup", "c-1", id, PopupAction::seen, kNow));
  CHECK(queue.waiting("acme", "popup", "c-1", kNow).size() == 1);
}

TEST_CASE("popup queue: clients and channels sharing one file see only their own popups") {
  parcours::test_support::TempDir dir;
  PopupQueue acme(dir.path() / "shared.db", 1s);
  PopupQueue globex(dir.path() / "shared.db", 1s);  // another instance, another connection
  acme.enqueue("acme", "popup", "m-1", "c-1", offer("acme"), kNow, kNow + kDay);
  acme.enqueue("acme", "banner", "m-1", "c-1", offer("acme banner"), kNow, kNow + kDay);
  globex.enqueue("globex", "popup", "m-1", "c-1", offer("globex"), kNow, kNow + kDay);
  const auto listed = acme.waiting("acme", "popup", "c-1", kNow);
  REQUIRE(listed.size() == 1);
  CHECK(listed[0].content.title == "acme");
  REQUIRE(globex.waiting("globex", "popup", "c-1", kNow).size() == 1);
  CHECK(globex.waiting("globex", "popup", "c-1", kNow)[0].content.title == "globex");
  CHECK(acme.waiting("acme", "banner", "c-1", kNow).size() == 1);
}

TEST_CASE("popup queue: what was queued is there after the file is closed and opened again") {
  parcours::test_support::TempDir dir;
  std::string id;
  {
    PopupQueue queue(dir.path() / "var" / "popups.db", 1s);  // the folder is created
    PopupContent content = offer("kept");
    content.exit_intent = true;
    content.html.clear();
    content.text = "plain";
    id = queue.enqueue("acme", "popup", "m-1", "c-1", content, kNow, kNow + kDay);
  }
  PopupQueue reopened(dir.path() / "var" / "popups.db", 1s);
  const auto listed = reopened.waiting("acme", "popup", "c-1", kNow + kHour);
  REQUIRE(listed.size() == 1);
  CHECK(listed[0].id == id);
  CHECK(listed[0].content.exit_intent);
  CHECK(listed[0].content.text == "plain");
  CHECK(listed[0].expires_ms == kNow + kDay);
  // The same key after the restart still queues nothing new.
  CHECK(reopened.enqueue("acme", "popup", "m-1", "c-1", offer("again"), kNow + kHour, kNow + kDay) == id);
}

TEST_CASE("popup queue: expired rows are purged 30 days after their expiry, not before") {
  parcours::test_support::TempDir dir;
  PopupQueue queue(dir.path() / "popups.db", 1s);
  const auto old = queue.enqueue("acme", "popup", "m-1", "c-1", offer("old"), kNow, kNow + kDay);
  queue.enqueue("acme", "popup", "m-2", "c-1", offer("later"), kNow + 20 * kDay, kNow + 40 * kDay);
  CHECK(queue.mark("acme", "popup", "c-1", old, PopupAction::clicked, kNow + 20 * kDay));  // still kept
  queue.enqueue("acme", "popup", "m-3", "c-1", offer("new"), kNow + 32 * kDay, kNow + 40 * kDay);
  CHECK_FALSE(queue.mark("acme", "popup", "c-1", old, PopupAction::clicked, kNow + 32 * kDay));
}

TEST_CASE("popup queue: a file that is not a database is an error naming the file") {
  parcours::test_support::TempDir dir;
  const auto file = dir.path() / "popups.db";
  std::ofstream(file) << "not a database, but text long enough to be read as a header, surely";
  PopupQueue queue(file, 1s);
  CHECK_THROWS_AS(queue.waiting("acme", "popup", "c-1", kNow), QueueError);
  CHECK_THROWS_WITH(queue.waiting("acme", "popup", "c-1", kNow), Catch::Matchers::Contains(file.string()));
}

TEST_CASE("popup ids are random and distinct") {
  std::set<std::string> ids;
  for (int i = 0; i < 1000; ++i) ids.insert(parcours::popup::new_popup_id());
  CHECK(ids.size() == 1000);
}

TEST_CASE("popup JSON for the browser: empty fields left out, html before text, expiry in UTC") {
  parcours::popup::QueuedPopup popup;
  popup.id = "p-1";
  popup.content = offer("Hello");
  popup.content.text = "ignored when there is html";
  popup.expires_ms = kNow;
  CHECK(parcours::popup::popup_json(popup, "popup") ==
        nlohmann::json{{"id", "p-1"},
                       {"channel", "popup"},
                       {"title", "Hello"},
                       {"html", "<p>10% off</p>"},
                       {"cta", {{"text", "Shop"}, {"url", "https://shop.test/offer"}}},
                       {"exit_intent", false},
                       {"expires", "2026-12-01T07:00:00Z"}});
  parcours::popup::QueuedPopup bare;
  bare.id = "p-2";
  bare.content.text = "Hi";
  bare.content.cta_text = "Close";
  CHECK(parcours::popup::popup_json(bare, "popup") == nlohmann::json{{"id", "p-2"},
                                                                     {"channel", "popup"},
                                                                     {"text", "Hi"},
                                                                     {"cta", {{"text", "Close"}}},
                                                                     {"exit_intent", false},
                                                                     {"expires", "1970-01-01T00:00:00Z"}});
}
