#include "journey/expression_json_context.hpp"

#include <charconv>

namespace parcours::journey {
namespace {

// The member `key` of an object, or the item at index `key` of an array; null if none.
const nlohmann::json* child(const nlohmann::json& parent, const std::string& key) {
  if (parent.is_object()) {
    const auto found = parent.find(key);
    return found == parent.end() ? nullptr : &*found;
  }
  if (parent.is_array()) {
    std::size_t index = 0;
    const auto result = std::from_chars(key.data(), key.data() + key.size(), index);
    if (result.ec != std::errc() || result.ptr != key.data() + key.size()) return nullptr;
    return index < parent.size() ? &parent[index] : nullptr;
  }
  return nullptr;
}

}  // namespace

Value from_json(const nlohmann::json& json) {
  using Type = nlohmann::json::value_t;
  switch (json.type()) {
    case Type::boolean: return json.get<bool>();
    case Type::number_integer: return static_cast<double>(json.get<std::int64_t>());
    case Type::number_unsigned: return static_cast<double>(json.get<std::uint64_t>());
    case Type::number_float: return json.get<double>();
    case Type::string: return json.get_ref<const std::string&>();
    case Type::array: {
      Value::List items;
      items.reserve(json.size());
      for (const auto& item : json) items.push_back(from_json(item));
      return items;
    }
    case Type::object: return Value::object(json.size());
    case Type::null:
    case Type::binary:
    case Type::discarded: break;
  }
  return {};
}

Value JsonContext::lookup(Root root, std::span<const std::string> path) const {
  if (root == Root::journey) {
    // The parser lets through only journey.id and journey.entered_at.
    if (path.size() != 1) return {};
    if (path[0] == "id") return scope_.journey_id;
    if (path[0] == "entered_at" && scope_.entered_at) return *scope_.entered_at;
    return {};
  }
  const nlohmann::json* node = nullptr;
  switch (root) {
    case Root::contact: node = scope_.contact; break;
    case Root::event: node = scope_.event; break;
    case Root::data: node = scope_.data != nullptr ? &scope_.data->rows() : nullptr; break;
    case Root::journey: break;
  }
  for (const std::string& key : path) {
    if (!node) return {};
    node = child(*node, key);
  }
  return node ? from_json(*node) : Value();
}

}  // namespace parcours::journey
