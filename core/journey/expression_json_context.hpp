// The Context the engine evaluates expressions in: names read straight from the JSON of
// the contact's attributes and the event's properties, plus the enrollment's journey id
// and entry time, and the engine's clock. Non-owning and cheap to build, so the engine
// makes one per evaluation; nothing it does throws.
#pragma once

#include <optional>
#include <string_view>

#include <nlohmann/json.hpp>

#include "journey/expression.hpp"

namespace parcours::journey {

// What the client's data sources know about the contact ({"<source>": {row}, ...}),
// fetched only when an expression reads data.*: most expressions never do.
class DataScope {
 public:
  virtual ~DataScope() = default;
  virtual const nlohmann::json& rows() const = 0;
};

// What is in scope for one evaluation. Pointers and views must outlive the context.
struct JsonScope {
  const nlohmann::json* contact = nullptr;  // the contact's attributes (an object)
  const nlohmann::json* event = nullptr;    // the event that entered or woke the enrollment;
                                            // none in scope (a wake-up by timer): event.* is null
  std::string_view journey_id{};
  std::optional<Time> entered_at{};  // none before enrollment (e.g. for entry.when)
  const DataScope* data = nullptr;   // none: data.* is null
  Time now{};
};

class JsonContext final : public Context {
 public:
  explicit JsonContext(JsonScope scope) : scope_(scope) {}

  // contact.* / event.* / data.*: walks objects by key and arrays by index ("items.0.sku");
  // a JSON number is a number, a string stays a string (read as a time where one is
  // needed), an array is a list, an object is an opaque object value.
  Value lookup(Root root, std::span<const std::string> path) const override;
  Time now() const override { return scope_.now; }

 private:
  JsonScope scope_;
};

// The language's view of a JSON value (as lookup gives it).
Value from_json(const nlohmann::json& json);

}  // namespace parcours::journey
