// parcours/json_parse.hpp — JSON text to nlohmann::json, the same document and the
// same errors as nlohmann::json::parse, faster when simdjson is there.
//
// Every message a channel sends crosses the plugin boundary as JSON text (plugin.h)
// and is parsed again on the other side. nlohmann's own parser reads about 100
// instructions a byte — a seventh of all the host did per journey in the welcome-
// journey benchmark (docs/PERFORMANCE.md). simdjson (Debian's libsimdjson-dev) reads
// the text at several bytes an instruction; the document it finds is then built as
// nlohmann::json, which is what plugins and the host work with.
//
// When PARCOURS_SDK_SIMDJSON is defined (parcours_add_plugin() defines it, and links
// simdjson, whenever find_package(simdjson) finds it), parse() goes through simdjson;
// otherwise it is nlohmann::json::parse. Either way the result is the one
// nlohmann::json::parse gives:
//   - object members in key order, and the last of duplicate keys kept;
//   - integers from 0 up as unsigned, negative ones as signed, the rest as double;
//   - anything simdjson refuses or reads differently (invalid JSON, integers beyond
//     64 bits, the integer -0, nesting deeper than 1024) is parsed by nlohmann, so that a
//     refusal is nlohmann's parse_error with its position and words, and the
//     document is never one nlohmann would have read otherwise.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#if defined(PARCOURS_SDK_SIMDJSON)
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include <simdjson.h>
#endif

namespace parcours::json_text {

// The two builds of these inline functions have different names, so that a program
// whose parts were compiled with and without simdjson keeps one of each.
#if defined(PARCOURS_SDK_SIMDJSON)
inline namespace with_simdjson {
#else
inline namespace without_simdjson {
#endif

#if defined(PARCOURS_SDK_SIMDJSON)
namespace detail {

// simdjson reads up to SIMDJSON_PADDING bytes past the end of the text, so the text is
// copied into a buffer with that room. A parser keeps its memory between documents (a
// few times the largest one): parsers and buffers are lent from a small pool rather
// than made for each document, and documents above kKeptParserLimit get ones of their
// own that are freed afterwards.
//
// A pool, not thread_local: a thread_local with a destructor in a plugin pins the
// plugin's library in memory until the thread ends (glibc's __cxa_thread_atexit), and
// the host unloads a plugin library once its last instance is gone.
inline constexpr std::size_t kKeptParserLimit = 64 * 1024;

struct PooledParser {
  simdjson::dom::parser parser;
  std::string buffer;
};

class ParserPool {
 public:
  std::unique_ptr<PooledParser> take() {
    {
      std::lock_guard lock(mutex_);
      if (!free_.empty()) {
        auto parser = std::move(free_.back());
        free_.pop_back();
        return parser;
      }
    }
    return std::make_unique<PooledParser>();
  }
  void give_back(std::unique_ptr<PooledParser> parser) {
    std::lock_guard lock(mutex_);
    if (free_.size() < kKept) free_.push_back(std::move(parser));
  }

 private:
  static constexpr std::size_t kKept = 16;  // more than the threads that parse at once
  std::mutex mutex_;
  std::vector<std::unique_ptr<PooledParser>> free_;
};

inline ParserPool& parser_pool() {
  static ParserPool pool;
  return pool;
}

// False when the element holds something nlohmann reads differently: then the caller
// parses the whole text with nlohmann instead.
inline bool build(simdjson::dom::element element, nlohmann::json& out) {
  using Type = simdjson::dom::element_type;
  switch (element.type()) {
    case Type::OBJECT: {
      out = nlohmann::json::object();
      auto& members = out.get_ref<nlohmann::json::object_t&>();
      for (const auto field : simdjson::dom::object(element)) {
        nlohmann::json value;
        if (!build(field.value, value)) return false;
        members.insert_or_assign(std::string(field.key), std::move(value));
      }
      return true;
    }
    case Type::ARRAY: {
      out = nlohmann::json::array();
      auto& items = out.get_ref<nlohmann::json::array_t&>();
      const simdjson::dom::array array(element);
      // size() saturates at 0xFFFFFF for longer arrays: reserve only what it counted.
      if (const std::size_t count = array.size(); count < 0xFFFFFF) items.reserve(count);
      for (const auto item : array) {
        items.emplace_back();
        if (!build(item, items.back())) return false;
      }
      return true;
    }
    case Type::STRING: out = std::string(std::string_view(element)); return true;
    case Type::INT64: {
      const std::int64_t value = std::int64_t(element);
      if (value >= 0)
        out = static_cast<std::uint64_t>(value);
      else
        out = value;
      return true;
    }
    case Type::UINT64: out = std::uint64_t(element); return true;
    case Type::DOUBLE: out = double(element); return true;
    case Type::BOOL: out = bool(element); return true;
    case Type::NULL_VALUE: out = nullptr; return true;
  }
  return false;
}

// True when `text` may hold the number -0: a signed integer to nlohmann, while
// simdjson's integer 0 cannot tell it from 0 (unsigned to nlohmann). A "-0" followed
// by what ends a number; inside a string too, which only costs that text the slower
// parse.
inline bool may_hold_negative_zero(std::string_view text) {
  for (std::size_t at = text.find("-0"); at != std::string_view::npos; at = text.find("-0", at + 1)) {
    if (at + 2 == text.size()) return true;
    switch (text[at + 2]) {
      case ',':
      case ']':
      case '}':
      case ' ':
      case '\t':
      case '\r':
      case '\n': return true;
      default: break;
    }
  }
  return false;
}

// Parses `text` with a lent parser and hands its root to `read`, which returns whether
// it could read it; false when simdjson refuses the text or may read it differently
// from nlohmann (then the caller falls back to nlohmann).
template <typename Read>
bool with_document(std::string_view text, Read&& read) {
  if (may_hold_negative_zero(text)) return false;
  const bool pooled = text.size() <= kKeptParserLimit;
  std::unique_ptr<PooledParser> lent = pooled ? parser_pool().take() : std::make_unique<PooledParser>();
  std::string& buffer = lent->buffer;
  buffer.assign(text);
  buffer.resize(text.size() + simdjson::SIMDJSON_PADDING);
  simdjson::dom::element root;
  const bool read_it =
      lent->parser.parse(buffer.data(), text.size(), false).get(root) == simdjson::SUCCESS && read(root);
  if (pooled) parser_pool().give_back(std::move(lent));
  return read_it;
}

// The document, or nothing when simdjson refuses the text or reads it differently.
inline std::optional<nlohmann::json> try_parse(std::string_view text) {
  std::optional<nlohmann::json> out;
  if (!with_document(text, [&](simdjson::dom::element root) { return build(root, out.emplace()); })) out.reset();
  return out;
}

}  // namespace detail
#endif

// nlohmann::json::parse(text): the document, or nlohmann's parse_error.
inline nlohmann::json parse(std::string_view text) {
#if defined(PARCOURS_SDK_SIMDJSON)
  if (auto document = detail::try_parse(text)) return std::move(*document);
#endif
  return nlohmann::json::parse(text);
}

// nlohmann::json::parse(text, nullptr, false): the document, or a discarded value.
inline nlohmann::json parse_or_discarded(std::string_view text) {
#if defined(PARCOURS_SDK_SIMDJSON)
  if (auto document = detail::try_parse(text)) return std::move(*document);
#endif
  return nlohmann::json::parse(text, nullptr, false);
}

}  // inline namespace
}  // namespace parcours::json_text
