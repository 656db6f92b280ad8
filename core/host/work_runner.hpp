// Runs the work that is due — timers through the engine, messages through the
// dispatcher — the one way every host process does it: `run`, `simulate`, and the
// crash test's worker. All state is in the store, so a process that starts again
// after any crash calls recover() and then carries on where the store says.
#pragma once

#include <cstddef>
#include <optional>

#include "engine/dispatcher.hpp"
#include "engine/engine.hpp"
#include "schedule/clock.hpp"
#include "store/store.hpp"

namespace parcours::host {

struct Recovery {
  std::size_t requeued_messages = 0;  // left `sent` by the crash: sent again, same key
  std::size_t pending_events = 0;     // stored but not applied
};

class WorkRunner {
 public:
  WorkRunner(engine::Engine& engine, engine::Dispatcher& dispatcher, store::Store& store, const schedule::Clock& clock);

  // At start-up, before anything else runs.
  Recovery recover();

  // Runs timers and messages due at the clock's now until none is left (with background
  // sending: while they come in full batches; see next_due()); returns how many were
  // handled.
  std::size_t run_due();

  // When the next timer or message is due, if any. Timers that wait for sending slots
  // are due when they stop waiting (answers wake the work loop before).
  std::optional<schedule::TimeMs> next_due();

  // How long due timers may wait for a sending slot while every one is taken (ms).
  static constexpr schedule::TimeMs kTimersWaitForSendingAtMost = 5000;

 private:
  engine::Engine& engine_;
  engine::Dispatcher& dispatcher_;
  store::Store& store_;
  const schedule::Clock& clock_;

  // Timers fired a transaction: with background sending, and without.
  static constexpr std::size_t kTimerBatch = 200;
  static constexpr std::size_t kUnlimitedTimerBatch = 500;
  // Outbox messages decided a transaction.
  static constexpr std::size_t kDispatchBatch = 200;

  // Due timers (the oldest due at `oldest_due`) wait while fewer than a round's share
  // of sending slots are free. The caller has read `oldest_due`: the store is asked once.
  bool timers_wait_for_slots(std::optional<schedule::TimeMs> oldest_due);
  // How many due timers to fire in the next transaction.
  std::size_t timers_to_fire();
};

}  // namespace parcours::host
