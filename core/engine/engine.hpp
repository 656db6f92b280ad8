// core/engine/ moves contacts through journeys. It owns no time and no storage of its
// own: it reads the Clock (core/schedule/) and keeps every piece of state in the
// Store (core/store/), changing it only inside Store::transact(), so a crash at any
// point loses nothing and repeats nothing: an event is stored and processed in one
// transaction; a due timer is claimed, applied and deleted in one.
//
// The engine never calls a plugin while running a journey: a `send` step writes a
// message to the outbox; the Dispatcher (dispatcher.hpp) delivers it later, or, for a
// step a timer ran, decides it in the step's transaction (MessageTaker) and delivers
// it once that commits.
//
// Who calls it: the CLI (`simulate`, and `run` through the server), with config
// already validated (cli/loaded_config.hpp).
#pragma once

#include <cstddef>
#include <exception>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/client_config.hpp"
#include "engine/data_lookup.hpp"
#include "engine/incoming_event.hpp"
#include "engine/timeline.hpp"
#include "journey/journey.hpp"
#include "schedule/clock.hpp"
#include "store/store.hpp"

namespace parcours::engine {

// The journeys of one client, as the engine runs them.
struct ClientJourneys {
  const config::ClientConfig* client = nullptr;
  std::filesystem::path templates;  // client->directory / "templates", made once (not per message)
  std::vector<const journey::Journey*> journeys;
  const journey::Journey* find(std::string_view id) const;
};

struct IngestResult {
  std::size_t accepted = 0;
  std::size_t duplicates = 0;
};

// One caller's batch of events for Engine::ingest_many, and what became of it.
struct IngestRequest {
  std::string client;
  std::vector<IncomingEvent> events;
};
struct IngestOutcome {
  IngestResult result;
  std::exception_ptr error;  // EventError (unknown client), StoreError, or whatever the journeys threw
};

// Takes a message the moment its send step runs, inside the step's transaction, instead
// of leaving it queued in the outbox for a later round (Dispatcher::take_now): the
// decisions the outbox would make later are made now, and the message is inserted
// with their outcome.
class MessageTaker {
 public:
  virtual ~MessageTaker() = default;
  // The transaction's work starts (again: a store may run it more than once): forget
  // what was taken in an earlier attempt.
  virtual void restart() = 0;
  // Inserts `message` (queued, due now) decided, and returns true; or returns false and
  // leaves it untouched, for the caller to insert queued. May move from `message`.
  virtual bool take_now(store::Transaction& tx, store::MessageRecord& message) = 0;
  // Work of its own in the same transaction, before any timer fires (the dispatcher
  // records the channels' answers there: one commit for both); run again with it.
  virtual void record_in(store::Transaction&) {}
};

class Engine {
 public:
  // A run of steps longer than this in one activation is a runaway (a loop whose
  // waits are all in the past): the enrollment is exited and the error logged.
  static constexpr int kMaxStepsPerActivation = 1000;

  Engine(const std::vector<config::ClientConfig>& clients,
         const std::map<std::string, std::vector<journey::Journey>>& journeys, store::Store& store,
         const schedule::Clock& clock, Observer* observer = nullptr, const DataLookup* data = nullptr);

  // Stores and processes a batch of one client's events, in one transaction: all or
  // nothing. A repeated event id is accepted and ignored. Throws EventError for an
  // unknown client.
  IngestResult ingest(std::string_view client, const std::vector<IncomingEvent>& events);

  // Several callers' batches in one transaction (what a server taking many small
  // requests at once needs: one commit for all of them), each batch still all or
  // nothing: when the shared transaction fails, each batch is tried again alone, so
  // one batch's failure is its own. One outcome per request, in order; throws nothing.
  // `apply`: stored and applied (as ingest()); `store_only`: stored in the event log
  // unapplied, for process_pending_events() to apply later in the order they came —
  // what a host falling behind does, so that accepting events costs one row each.
  enum class IngestMode { apply, store_only };
  std::vector<IngestOutcome> ingest_many(const std::vector<IngestRequest>& requests,
                                         IngestMode mode = IngestMode::apply);

  // Applies timers due at the clock's now, at most `limit`; returns how many. The
  // messages their steps send go to `taker` when it takes them, else to the outbox.
  std::size_t run_due_timers(std::size_t limit = 500, MessageTaker* taker = nullptr);

  // Applies events stored but not applied (ingest_many's store_only, or another host's),
  // oldest first, at most `limit`, in one transaction; returns how many. An event that
  // cannot be applied (its journeys throw) is logged and marked processed, so that one
  // bad event never holds up the ones behind it.
  std::size_t process_pending_events(std::size_t limit = 500);

  // The earliest due timer, if any.
  std::optional<schedule::TimeMs> next_timer_due();

  const ClientJourneys* client(std::string_view id) const;

 private:
  class Activation;  // the work of one transaction (engine.cpp)

  std::vector<store::EventRecord> event_records(const ClientJourneys& client, const std::vector<IncomingEvent>& events,
                                                schedule::TimeMs now) const;

  std::map<std::string, ClientJourneys, std::less<>> clients_;
  store::Store& store_;
  const schedule::Clock& clock_;
  Observer* observer_;
  bool observer_details_;   // observer_->wants_details(), asked once
  const DataLookup* data_;  // none: data.* reads null
};

}  // namespace parcours::engine
