#include "links/link_signer.hpp"

#include "render/json_string.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <cstdint>
#include <cstring>
#include <mutex>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string_view>
#include <vector>

namespace parcours::links {
namespace {

// Appends `bytes` in base64url without padding (RFC 4648 section 5), in one pass:
// three tokens a message, each written once rather than encoded, then mapped to the
// URL alphabet, then unpadded.
void append_base64url(std::string& out, std::string_view bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const auto* in = reinterpret_cast<const unsigned char*>(bytes.data());
  const std::size_t size = bytes.size();
  const std::size_t at = out.size();
  out.resize(at + (size * 4 + 2) / 3);
  char* put = out.data() + at;
  std::size_t i = 0;
  for (; i + 3 <= size; i += 3) {
    const std::uint32_t group = (std::uint32_t{in[i]} << 16) | (std::uint32_t{in[i + 1]} << 8) | in[i + 2];
    *put++ = kAlphabet[group >> 18];
    *put++ = kAlphabet[(group >> 12) & 63];
    *put++ = kAlphabet[(group >> 6) & 63];
    *put++ = kAlphabet[group & 63];
  }
  if (const std::size_t left = size - i; left > 0) {
    const std::uint32_t group = (std::uint32_t{in[i]} << 16) | (left == 2 ? std::uint32_t{in[i + 1]} << 8 : 0);
    *put++ = kAlphabet[group >> 18];
    *put++ = kAlphabet[(group >> 12) & 63];
    if (left == 2) *put++ = kAlphabet[(group >> 6) & 63];
  }
}

std::optional<std::string> unbase64url(std::string text) {
  for (const char c : text)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return std::nullopt;
  for (char& c : text) c = c == '-' ? '+' : c == '_' ? '/' : c;
  const std::size_t padding = (4 - text.size() % 4) % 4;
  if (padding == 3) return std::nullopt;
  text.append(padding, '=');
  std::string out(text.size() / 4 * 3, '\0');
  const int length =
      EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()), reinterpret_cast<const unsigned char*>(text.data()),
                      static_cast<int>(text.size()));
  if (length < 0) return std::nullopt;
  out.resize(static_cast<std::size_t>(length) - padding);
  return out;
}

}  // namespace

struct LinkSigner::Mac {
  EVP_MAC* algorithm = nullptr;
  EVP_MAC_CTX* keyed = nullptr;  // never used directly: the contexts below are copies of it
  // Keyed contexts ready for use, shared by the threads that sign. Re-initialising one
  // with no key reuses its key schedule: a token costs no allocation and no key setup.
  std::mutex mutex;
  std::vector<EVP_MAC_CTX*> idle;
  ~Mac() {
    for (EVP_MAC_CTX* context : idle) EVP_MAC_CTX_free(context);
    EVP_MAC_CTX_free(keyed);
    EVP_MAC_free(algorithm);
  }
  EVP_MAC_CTX* take() {
    {
      std::lock_guard lock(mutex);
      if (!idle.empty()) {
        EVP_MAC_CTX* context = idle.back();
        idle.pop_back();
        return context;
      }
    }
    return EVP_MAC_CTX_dup(keyed);
  }
  void give_back(EVP_MAC_CTX* context) {
    std::lock_guard lock(mutex);
    idle.push_back(context);
  }
};

void LinkSigner::mac(std::string_view payload, unsigned char (&out)[kMacBytes]) const {
  EVP_MAC_CTX* context = mac_->take();
  unsigned char digest[EVP_MAX_MD_SIZE];
  std::size_t length = 0;
  const bool done = context != nullptr && EVP_MAC_init(context, nullptr, 0, nullptr) &&
                    EVP_MAC_update(context, reinterpret_cast<const unsigned char*>(payload.data()), payload.size()) &&
                    EVP_MAC_final(context, digest, &length, sizeof digest);
  if (context != nullptr) {
    if (done)
      mac_->give_back(context);
    else
      EVP_MAC_CTX_free(context);  // in an unknown state: not reused
  }
  if (!done || length < kMacBytes) throw std::runtime_error("HMAC-SHA256 failed");
  std::memcpy(out, digest, kMacBytes);
}

LinkSigner::LinkSigner(std::string secret, std::string public_url)
    : secret_(std::move(secret)), public_url_(std::move(public_url)) {
  auto mac = std::make_shared<Mac>();
  mac->algorithm = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  mac->keyed = mac->algorithm ? EVP_MAC_CTX_new(mac->algorithm) : nullptr;
  char digest_name[] = "SHA256";
  const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", digest_name, 0), OSSL_PARAM_construct_end()};
  if (mac->keyed == nullptr ||
      !EVP_MAC_init(mac->keyed, reinterpret_cast<const unsigned char*>(secret_.data()), secret_.size(), params))
    throw std::runtime_error("HMAC-SHA256 is not available from OpenSSL");
  mac_ = std::move(mac);
  while (!public_url_.empty() && public_url_.back() == '/') public_url_.pop_back();
}

void LinkSigner::append_token(std::string& out, const Fields& fields) const {
  // An unsubscribe token holds four fields (as since the first version: links already
  // sent keep working); an open token three more, a click token the url too. The payload
  // is the fields as a JSON array, exactly as nlohmann's dump() wrote it then.
  thread_local std::string payload;
  payload.clear();
  payload += '[';
  const auto field = [&](std::string_view text) {
    if (payload.size() > 1) payload += ',';
    render::append_json_string(payload, text, render::InvalidUtf8::replace);
  };
  field(fields.purpose);
  field(fields.client);
  field(fields.contact);
  field(fields.channel);
  if (fields.purpose != "u") {
    field(fields.message);
    field(fields.journey);
    field(fields.step);
    if (fields.purpose == "c") field(fields.url);
  }
  payload += ']';
  unsigned char signature[kMacBytes];
  mac(payload, signature);
  out.reserve(out.size() + (payload.size() + kMacBytes) * 4 / 3 + 4);
  append_base64url(out, payload);
  out += '.';
  append_base64url(out, std::string_view(reinterpret_cast<const char*>(signature), kMacBytes));
}

LinkSigner::Fields LinkSigner::fields_of(const LinkTarget& target, std::string_view purpose, std::string_view url) {
  return {purpose, target.client, target.contact, target.channel, target.message, target.journey, target.step, url};
}

std::string LinkSigner::token(const LinkTarget& target) const {
  std::string token;
  append_token(token, fields_of(target, target.purpose, target.url));
  return token;
}

std::optional<LinkTarget> LinkSigner::verify(const std::string& token) const {
  const auto dot = token.find('.');
  if (dot == std::string::npos || token.size() > 8192) return std::nullopt;
  const auto payload = unbase64url(token.substr(0, dot));
  const auto signature = unbase64url(token.substr(dot + 1));
  if (!payload || !signature || signature->size() != kMacBytes) return std::nullopt;
  unsigned char signed_mac[kMacBytes];
  mac(*payload, signed_mac);
  if (CRYPTO_memcmp(signed_mac, signature->data(), kMacBytes) != 0) return std::nullopt;
  const auto fields = nlohmann::json::parse(*payload, nullptr, false);
  if (!fields.is_array() || fields.empty()) return std::nullopt;
  for (const auto& field : fields)
    if (!field.is_string()) return std::nullopt;
  const std::string purpose = fields[0];
  const std::size_t expected = purpose == "u" ? 4 : purpose == "o" ? 7 : purpose == "c" ? 8 : 0;
  if (fields.size() != expected) return std::nullopt;
  LinkTarget target{purpose, fields[1], fields[2], fields[3], {}, {}, {}, {}};
  if (purpose != "u") {
    target.message = fields[4];
    target.journey = fields[5];
    target.step = fields[6];
    if (purpose == "c") target.url = fields[7];
  }
  return target;
}

std::string LinkSigner::unsubscribe_url(const std::string& client, const std::string& contact,
                                        const std::string& channel) const {
  std::string url = public_url_ + "/u/";
  append_token(url, {"u", client, contact, channel, {}, {}, {}, {}});
  return url;
}

std::string LinkSigner::open_url(const LinkTarget& target) const {
  std::string url = public_url_ + "/t/o/";
  append_token(url, fields_of(target, "o", {}));
  return url;
}

std::string LinkSigner::click_url(const LinkTarget& target, const std::string& url) const {
  std::string link = public_url_ + "/t/c/";
  append_token(link, fields_of(target, "c", url));
  return link;
}

bool LinkSigner::is_own(const std::string& url) const {
  return !public_url_.empty() && url.starts_with(public_url_) &&
         (url.size() == public_url_.size() || url[public_url_.size()] == '/');
}

std::string random_secret() {
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("no randomness for the link secret");
  static const char* const hex = "0123456789abcdef";
  std::string out;
  for (const unsigned char byte : bytes) {
    out += hex[byte >> 4];
    out += hex[byte & 15];
  }
  return out;
}

}  // namespace parcours::links
