#include "host/work_runner.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

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
    // Messages the timers' steps send are decided in the same transaction when they
    // can be (Dispatcher::take_now), and handed over once it committed. Rendering them
    // makes a timer's work three times longer: fewer a transaction then, so that the
    // store's write lock is free as often as before for the events being ingested.
    // The answers back so far are recorded first in that transaction: one commit.
    std::size_t answered = 0;
    std::size_t fired = 0;
    if (const std::size_t limit = timers_to_fire(); limit > 0) {
      answered = dispatcher_.claim_answers();
      try {
        fired = engine_.run_due_timers(limit, &dispatcher_);
      } catch (...) {
        dispatcher_.drop_taken();  // rolled back: those messages were never stored, the answers are kept
        throw;
      }
      dispatcher_.hand_over_taken();
    } else {
      answered = dispatcher_.record_answers();
    }
    const std::size_t dispatched = dispatcher_.dispatch_due(kDispatchBatch);
    const std::size_t handled = answered + fired + dispatched;
    if (handled == 0) return total;
    total += handled;
    // With background sending, again only while a batch came back full: more is due
    // now. Otherwise the answers that came back meanwhile are a handful, and each round
    // is a commit, whose cost hardly depends on what it carries: the caller waits
    // to be woken, by a round's share of answers (Dispatcher::slots_per_round) or by
    // what next_due() says.
    if (dispatcher_.takes_messages() && fired < kTimerBatch && dispatched < kDispatchBatch) return total;
  }
}

bool WorkRunner::timers_wait_for_slots(std::optional<schedule::TimeMs> oldest_due) {
  // With every sending slot taken, a message a timer's step sends would go to the
  // outbox, to be selected and updated again when a slot frees: a third more of the
  // store's work for that message. So due timers wait for free slots — a round's share,
  // that their transaction carries a batch — which the answers that free them wake the
  // work loop for; but never more than kTimersWaitForSendingAtMost, so that a channel
  // which stopped answering cannot hold up the journeys of every client: past that,
  // they fire and their messages queue.
  if (!dispatcher_.takes_messages() || dispatcher_.room() >= dispatcher_.slots_per_round()) return false;
  return !oldest_due || *oldest_due > clock_.now() - kTimersWaitForSendingAtMost;
}

std::size_t WorkRunner::timers_to_fire() {
  if (!dispatcher_.takes_messages()) return kUnlimitedTimerBatch;
  const std::size_t room = dispatcher_.room();
  if (room >= dispatcher_.slots_per_round()) return std::min(kTimerBatch, room);
  return timers_wait_for_slots(engine_.next_timer_due()) ? 0 : kTimerBatch;  // waited long enough: they queue
}

std::optional<schedule::TimeMs> WorkRunner::next_due() {
  auto next = engine_.next_timer_due();
  // Timers waiting for sending slots: answers wake the work loop when slots free; by
  // the clock, they are next due when they stop waiting.
  if (next && timers_wait_for_slots(next)) *next += kTimersWaitForSendingAtMost;
  const auto message = dispatcher_.next_message_due();
  if (message && (!next || *message < *next)) next = message;
  return next;
}

}  // namespace parcours::host
