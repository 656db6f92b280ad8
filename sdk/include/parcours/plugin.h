/*
 * parcours/plugin.h — the C ABI between the Parcours host and its plugins.
 *
 * This header is the narrow waist of the SDK: the only thing a plugin and the host
 * must agree on. Plugins may be built out of tree, with another compiler, years
 * after the host; so nothing C++ crosses here. Data crosses as NUL-terminated UTF-8
 * JSON strings and plain integers. A string a plugin returns is freed by the
 * plugin's own `free_string`; a string the host passes in is only borrowed for the
 * duration of the call.
 *
 * Compatibility rules (checked by the host's loader, core/plugin/):
 *  - the host accepts a plugin whose `abi_major` equals its own and whose
 *    `abi_minor` is lower or equal to its own;
 *  - fields are only ever appended to the structs below; the host copies
 *    min(struct_size, sizeof(its struct)) bytes into a zeroed struct, so a callback
 *    an older plugin does not know about reads as NULL;
 *  - every callback marked "optional" may be NULL.
 *
 * Most plugin authors never touch this header: parcours/sdk.hpp wraps it.
 */
#ifndef PARCOURS_PLUGIN_H
#define PARCOURS_PLUGIN_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The ABI this header describes. Bump the minor when appending a field; bump the
 * major (and refuse old plugins) only when a field changes meaning. */
#define PARCOURS_ABI_MAJOR 1
#define PARCOURS_ABI_MINOR 4

/* The name of the one symbol a plugin exports. */
#define PARCOURS_PLUGIN_ENTRY_SYMBOL "parcours_plugin_entry"

#if defined(_WIN32)
#define PARCOURS_EXPORT __declspec(dllexport)
#else
#define PARCOURS_EXPORT __attribute__((visibility("default")))
#endif

/* What a plugin is for. */
typedef enum parcours_kind {
  PARCOURS_KIND_CHANNEL = 1, /* sends messages: send() */
  PARCOURS_KIND_TRIGGER = 2, /* produces events: start() / stop() */
  PARCOURS_KIND_SOURCE = 3   /* enriches contacts / lists audiences: lookup() / scan() */
} parcours_kind;

/* Log levels of parcours_host.log, the same as the host's [log] level names. */
typedef enum parcours_log_level {
  PARCOURS_LOG_TRACE = 0,
  PARCOURS_LOG_DEBUG = 1,
  PARCOURS_LOG_INFO = 2,
  PARCOURS_LOG_WARN = 3,
  PARCOURS_LOG_ERROR = 4
} parcours_log_level;

/* An opaque plugin instance: one per channel/trigger/source table of a client. */
typedef struct parcours_instance parcours_instance;

/* Services the host offers an instance. Valid from create() until destroy() returns.
 * Every callback receives `ctx` back as its first argument. */
typedef struct parcours_host {
  uint32_t struct_size; /* sizeof(parcours_host) as the host was built */
  void* ctx;
  /* Log a line; the host tags it with the plugin id, client and instance name. */
  void (*log)(void* ctx, int32_t level, const char* message);
  /* Emit an event (the ingestion JSON format, one object) into the client's event
   * log. Returns 0 when stored; otherwise non-zero and, when error is not NULL,
   * *error points to a host-owned message valid until the next call. */
  int32_t (*emit)(void* ctx, const char* event_json, const char** error);
  /* The host's clock (virtual under `parcours simulate`): milliseconds since the
   * Unix epoch. Plugins must not read the wall clock for journey logic. */
  int64_t (*now_ms)(void* ctx);
  /* Report a metric sample; exported as parcours_plugin_<name> with the given
   * labels (a JSON object of strings, or NULL). */
  void (*metric)(void* ctx, const char* name, double value, const char* labels_json);

  /* ---- ABI 1.2 (an older host's table ends above: check struct_size) ---- */

  /* Where the instance runs, as a JSON object owned by the host and valid as long as
   * the table: {"client": "acme", "instance": "morning", "plugin": "schedule",
   *  "timezone": "Europe/Paris", "country": "FR", "sources": ["bookings", ...]}
   * (the client's client.toml; sources are its [sources.<name>] tables). */
  const char* (*context_json)(void* ctx);
  /* Every row of one of the client's data sources (its table name under [sources]),
   * as a JSON array [{"contact": "c-1", "data": {...the row...}}, ...]. The string is
   * owned by the host and valid until the calling thread's next scan_source. Returns
   * NULL when the source is unknown, lists no rows or failed; then, when error is not
   * NULL, *error points to a host-owned message valid until the thread's next call. */
  const char* (*scan_source)(void* ctx, const char* source, const char** error);
} parcours_host;

/* The descriptor a plugin returns from parcours_plugin_entry(). It must stay valid
 * (static storage) for as long as the library is loaded. */
typedef struct parcours_plugin {
  /* --- ABI 1.0 ------------------------------------------------------------ */
  uint16_t abi_major;   /* PARCOURS_ABI_MAJOR the plugin was built with */
  uint16_t abi_minor;   /* PARCOURS_ABI_MINOR the plugin was built with */
  uint32_t struct_size; /* sizeof(parcours_plugin) as the plugin was built */

  const char* id;          /* unique plugin id, [a-z0-9-]+ e.g. "gateway-sms" */
  const char* version;     /* the plugin's own version, e.g. "1.2.0" */
  int32_t kind;            /* a parcours_kind */
  const char* description; /* one line */

  /* The settings the plugin accepts in its client TOML table, as a JSON array:
   *   [{"name": "url", "type": "string", "required": true,
   *     "default": null, "help": "Gateway endpoint"}, ...]
   * type is one of string|int|bool|duration|secret|list; "default" is null or a
   * value of that type (a duration as text, "30s"; a list as an array of strings);
   * a required setting has no default. The host checks a
   * client's table against this before creating an instance, applies defaults,
   * and hands create() the complete settings object. */
  const char* settings_json;

  /* Channels only: the message parameters a `send` step may give, in the same
   * form as settings_json, or the string "*" when the channel takes any
   * parameter. NULL means none beyond the common ones. */
  const char* params_json;

  /* Create an instance from its settings (a JSON object, defaults applied).
   * Returns NULL on failure, with *error set to a message the plugin allocated. */
  parcours_instance* (*create)(const char* settings_json, const parcours_host* host, char** error);
  /* Destroy an instance. Called exactly once per successful create(). */
  void (*destroy)(parcours_instance* instance);
  /* Free a string this plugin returned (results and errors). */
  void (*free_string)(char* s);

  /* Optional, channels: check a send step's parameters at config time, without
   * an instance. Returns NULL when they are fine, else an error message. */
  char* (*validate_params)(const char* params_json);

  /* Channels: send one message, a JSON object:
   *   {"idempotency_key": "...", "channel": "<instance name>", "client": "<id>",
   *    "contact": {"id": "c-1", "attributes": {...}},
   *    "content": {"subject": "...", "text": "...", "html": "..."},
   *    "params": {...the send step's rendered parameters...},
   *    "transactional": false,
   *    "links": {"unsubscribe": "https://host/u/<token>"}}
   * When the instance has a bool setting `tracking` that is true, "html" arrives with
   * its links sent through the host's click tracking and an open pixel added.
   * May be called from several threads at once on one instance.
   * Returns a result JSON object (NULL reads as "failed"):
   *   {"status": "delivered" | "retry" | "failed", "error": "...",
   *    "retry_after_ms": 60000, "provider_id": "...", "answer": {...}}
   * ("answer": what the provider said worth keeping in the message log, a JSON
   * object; an older host ignores it.)
   * "retry" means try again later; "failed" means never. */
  char* (*send)(parcours_instance* instance, const char* message_json);

  /* Triggers: start producing events through host->emit; return NULL on success
   * or an error message. stop() must return only when no emit is in flight. */
  char* (*start)(parcours_instance* instance);
  void (*stop)(parcours_instance* instance);

  /* Sources, optional each: attributes for one contact (given as
   * {"id": "...", "attributes": {...}}; returns a JSON object, or "null" when
   * unknown), and every row for audiences (a JSON array of {"contact": "<id>",
   * "data": {...the row...}}, the id read from the source's key). On failure either returns
   * {"$error": "message"} ('$' keys are reserved) or NULL. */
  char* (*lookup)(parcours_instance* instance, const char* contact_json);
  char* (*scan)(parcours_instance* instance);

  /* ---- ABI 1.1 (a 1.0 plugin's descriptor ends above; the host reads this as NULL) ---- */

  /* Optional: HTTP requests the host receives for this instance, as a JSON object:
   *   {"method": "POST", "path": "...", "query": "...",
   *    "headers": {"content-type": "...", ...names in lower case}, "body": "..."}
   *  - triggers (ABI 1.1): each POST /v1/clients/{client}/hooks/{trigger name};
   *  - channels (ABI 1.3): the popup routes, called by browsers (no bearer token).
   *    Their request also holds "client": "<id>", "route": "popups" and "params",
   *    the parts of the path the host parsed (percent-decoded):
   *    GET /v1/clients/{client}/popups/{contact}, params {"contact": "c-1"}: every
   *    channel instance of the client that has handle_request is asked, and each
   *    answer's body.popups (an array) is merged into the host's {"popups": [...]};
   *    POST /v1/clients/{client}/popups/{contact}/{popup}/{action}, params
   *    {"contact", "popup", "action": "seen" | "clicked"}: the instances are asked
   *    in turn until one answers something else than 404.
   * Returns a JSON object:
   *   {"status": 202, "events": [...]} stores those events (the ingestion format,
   *     for this client; all or nothing) and answers 202 — a trigger's answer is
   *     {"accepted": N, "duplicates": M};
   *   {"status": 2xx, "body": <any JSON value>, "events": [...]} (ABI 1.3, channels):
   *     stores the events, if any, then sends the body back as application/json
   *     with that status (a trigger's body is not sent);
   *   {"status": 4xx, "error": "..."} refuses the request (nothing is stored); the
   *     host answers its JSON error format with that status and message.
   * May be called from several threads at once on one instance. */
  char* (*handle_request)(parcours_instance* instance, const char* request_json);

  /* ---- ABI 1.4 (a 1.3 plugin's descriptor ends above; the host reads this as NULL) ---- */

  /* Optional, channels: send one message without holding the caller's thread while
   * the provider answers (a connection that streams, an HTTP/2 client, an event loop).
   * The message is send()'s; the answer goes to
   *   done(done_ctx, result_json)
   * with send()'s result JSON (NULL reads as "failed"), borrowed for that call only.
   * Rules:
   *  - done is called exactly once per send_async, from any thread: the plugin's own,
   *    or the caller's, before send_async returns (a message refused at once);
   *  - done may call send_async again (the host starts the next message from there):
   *    never call it while holding a lock that send_async takes;
   *  - destroy() returns only after every done of the instance has returned.
   * The host calls send_async, rather than send, whenever it is present, and keeps at
   * most the channel's `concurrency` messages in flight on the instance; send() must
   * still work (a host older than 1.4 calls only send). */
  void (*send_async)(parcours_instance* instance, const char* message_json,
                     void (*done)(void* done_ctx, const char* result_json), void* done_ctx);
} parcours_plugin;

/* The one symbol every plugin exports. */
typedef const parcours_plugin* (*parcours_plugin_entry_fn)(void);

#ifdef __cplusplus
}
#endif

#endif /* PARCOURS_PLUGIN_H */
