#include "host/work_runner.hpp"

#include <spdlog/spdlog.h>

namespace parcours::host {

WorkRunner::WorkRunner(engine::Engine& engine, engine::Dispatcher& dispatcher, store::Store& store,
                       const schedule::Clock& clock)
    : engine_(engine), dispatcher_(dispatcher), store_(store), clock_(clock) {}

Recovery WorkRunner::recover() {
  Recovery recovery;
  store_.transact([&](store::Transaction& tx) { recovery.requeued_messages = tx.requeue_sent_messages(clock_.now()); });
  while (const std::size_t applied = engine_.process_pending_events()) recovery.pending_events += applied;
  if (recovery.requeued_messages > 0)
    spdlog::warn(
        "{} message(s) were handed to their channel when the host stopped, without an answer: sending "
        "them again with the same idempotency key",
        recovery.requeued_messages);
  if (recovery.pending_events > 0) spdlog::info("applied {} stored event(s) left unprocessed", recovery.pending_events);
  return recovery;
}

std::size_t WorkRunner::run_due() {
  std::size_t total = 0;
  while (true) {
    // Answers first: they free sending slots, and a retry they schedule may be due.
    const std::size_t answered = dispatcher_.record_answers();
    // Messages the timers' steps send are decided in the same transaction when they
    // can be (Dispatcher::take_now), and handed over once it committed. Rendering them
    // makes a timer's work three times longer: fewer a transaction then, so that the
    // store's write lock is free as often as before for the events being ingested.
    std::size_t fired = 0;
    try {
      if (const std::size_t limit = timers_to_fire(); limit > 0) fired = engine_.run_due_timers(limit, &dispatcher_);
    } catch (...) {
      dispatcher_.drop_taken();  // rolled back: those messages were never stored
      throw;
    }
    dispatcher_.hand_over_taken();
    const std::size_t handled = answered + fired + dispatcher_.dispatch_due();
    if (handled == 0) return total;
    total += handled;
  }
}

std::size_t WorkRunner::timers_to_fire() {
  if (!dispatcher_.takes_messages()) return 500;
  // With every sending slot taken, a message a timer's step sends would go to the
  // outbox, to be selected and updated again when a slot frees: a third more of the
  // store's work for that message. While the slots are taken, due timers wait for them
  // instead (the answers that free them wake the work loop) — but never more than
  // kTimersWaitForSendingAtMost, so that a channel which stopped answering cannot hold
  // up the journeys of every client: past that, they fire and their messages queue.
  constexpr std::size_t kBatch = 200;
  const std::size_t room = dispatcher_.room();
  if (room >= kBatch) return kBatch;
  const auto oldest = engine_.next_timer_due();
  if (oldest && *oldest <= clock_.now() - kTimersWaitForSendingAtMost) return kBatch;
  return room;
}

std::optional<schedule::TimeMs> WorkRunner::next_due() {
  auto next = engine_.next_timer_due();
  const auto message = dispatcher_.next_message_due();
  if (message && (!next || *message < *next)) next = message;
  return next;
}

}  // namespace parcours::host
