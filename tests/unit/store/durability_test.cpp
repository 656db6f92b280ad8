#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "store_fixture.hpp"

using namespace parcours::store;
using namespace parcours::store::testing;

TEST_CASE("committed data is in the file after the store is closed and reopened") {
  StoreFile file;
  auto event = make_event("e1");
  auto enrollment = make_enrollment("c1");
  {
    auto store = file.open();
    store->transact([&](Transaction& tx) {
      tx.insert_event(event);
      tx.insert_enrollment(enrollment);
      tx.add_to_counter("acme", "welcome", "step 0", "entered", 1);
    });
  }
  auto store = file.open();
  const auto events = read(*store, [](Transaction& tx) { return tx.unprocessed_events(10); });
  REQUIRE(events.size() == 1);
  check_same_event(events[0], event);
  const auto found = read(*store, [&](Transaction& tx) { return tx.find_enrollment(enrollment.id); });
  REQUIRE(found);
  check_same_enrollment(*found, enrollment);
  CHECK(read(*store, [](Transaction& tx) { return tx.counter("acme", "welcome", "step 0", "entered"); }) == 1);
}

TEST_CASE("what transact() committed survives the process being killed before it closes the store") {
  StoreFile file;
  int pipe_ends[2];
  REQUIRE(pipe(pipe_ends) == 0);
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    // The child commits, says so, and waits to be killed: no destructor, no checkpoint.
    close(pipe_ends[0]);
    try {
      auto store = file.open();
      for (int i = 0; i < 50; ++i) {
        auto event = make_event("e" + std::to_string(i));
        store->transact([&](Transaction& tx) { tx.insert_event(event); });
      }
      const char done = 'y';
      if (write(pipe_ends[1], &done, 1) != 1) _exit(2);
      for (;;) pause();
    } catch (...) {
      _exit(1);
    }
  }
  close(pipe_ends[1]);
  char answer = 'n';
  const auto got = ::read(pipe_ends[0], &answer, 1);
  close(pipe_ends[0]);
  kill(child, SIGKILL);
  int status = 0;
  waitpid(child, &status, 0);
  REQUIRE(got == 1);
  REQUIRE(answer == 'y');
  CHECK(WIFSIGNALED(status));

  auto store = file.open();
  const auto events = read(*store, [](Transaction& tx) { return tx.unprocessed_events(100); });
  CHECK(events.size() == 50);
}
