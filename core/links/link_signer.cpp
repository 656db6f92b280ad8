#include "links/link_signer.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <nlohmann/json.hpp>
#include <stdexcept>

namespace parcours::links {
namespace {

constexpr std::size_t kMacBytes = 16;  // 128 bits of HMAC-SHA256: short links, still unforgeable

std::string base64url(const std::string& bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int length =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                      reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(length));
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (char& c : out) c = c == '+' ? '-' : c == '/' ? '_' : c;
  return out;
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

std::string mac(const std::string& secret, const std::string& payload) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
           reinterpret_cast<const unsigned char*>(payload.data()), payload.size(), digest, &length) == nullptr)
    throw std::runtime_error("HMAC-SHA256 failed");
  return std::string(reinterpret_cast<const char*>(digest), kMacBytes);
}

}  // namespace

LinkSigner::LinkSigner(std::string secret, std::string public_url)
    : secret_(std::move(secret)), public_url_(std::move(public_url)) {
  while (!public_url_.empty() && public_url_.back() == '/') public_url_.pop_back();
}

std::string LinkSigner::token(const LinkTarget& target) const {
  const std::string payload = nlohmann::json{target.purpose, target.client, target.contact, target.channel}.dump();
  return base64url(payload) + "." + base64url(mac(secret_, payload));
}

std::optional<LinkTarget> LinkSigner::verify(const std::string& token) const {
  const auto dot = token.find('.');
  if (dot == std::string::npos || token.size() > 4096) return std::nullopt;
  const auto payload = unbase64url(token.substr(0, dot));
  const auto signature = unbase64url(token.substr(dot + 1));
  if (!payload || !signature || signature->size() != kMacBytes) return std::nullopt;
  const std::string expected = mac(secret_, *payload);
  if (CRYPTO_memcmp(expected.data(), signature->data(), kMacBytes) != 0) return std::nullopt;
  const auto fields = nlohmann::json::parse(*payload, nullptr, false);
  if (!fields.is_array() || fields.size() != 4) return std::nullopt;
  for (const auto& field : fields)
    if (!field.is_string()) return std::nullopt;
  return LinkTarget{fields[0], fields[1], fields[2], fields[3]};
}

std::string LinkSigner::unsubscribe_url(const std::string& client, const std::string& contact,
                                        const std::string& channel) const {
  return public_url_ + "/u/" + token({"u", client, contact, channel});
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
