// Links in messages that act without a login — unsubscribe today, open and click
// tracking next — carry who and what they are for in a token signed with the host's
// secret (HMAC-SHA256). A forged or altered token does not verify, so it can do nothing.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace parcours::links {

struct LinkTarget {
  std::string purpose;  // "u": unsubscribe, "o": open pixel, "c": click
  std::string client;
  std::string contact;
  std::string channel;
  // Open and click links only: the message (its idempotency key) and the send step
  // that queued it, and for a click the address the link leads to.
  std::string message;
  std::string journey;
  std::string step;
  std::string url;
};

class LinkSigner {
 public:
  // `secret`: any string, kept by the host (host::Service keeps it in the store);
  // `public_url`: the base the links start with ([server] public_url).
  LinkSigner(std::string secret, std::string public_url);

  std::string token(const LinkTarget& target) const;
  // The target of a token this host signed; nothing for anything else.
  std::optional<LinkTarget> verify(const std::string& token) const;

  // public_url + "/u/" + token.
  std::string unsubscribe_url(const std::string& client, const std::string& contact, const std::string& channel) const;
  // public_url + "/t/o/" + token: the open pixel of a message (`target.url` unused).
  std::string open_url(const LinkTarget& target) const;
  // public_url + "/t/c/" + token: a link of a message, leading on to `url`.
  std::string click_url(const LinkTarget& target, const std::string& url) const;
  // Whether `url` leads to this host (its own links are never tracked).
  bool is_own(const std::string& url) const;

 private:
  std::string secret_;
  std::string public_url_;
  // HMAC-SHA256 keyed with the secret once: OpenSSL 3's one-shot HMAC() looks the
  // algorithm up and sets the key on every call, a cost paid per link of every message.
  struct Mac;
  std::shared_ptr<Mac> mac_;
  static constexpr std::size_t kMacBytes = 16;  // 128 bits of HMAC-SHA256: short links, still unforgeable
  void mac(std::string_view payload, unsigned char (&out)[kMacBytes]) const;
  // What a token signs, borrowed from the caller: every link of every message goes
  // through append_token, so nothing is copied on the way (three links a tracked email).
  struct Fields {
    std::string_view purpose, client, contact, channel, message, journey, step, url;
  };
  static Fields fields_of(const LinkTarget& target, std::string_view purpose, std::string_view url);
  void append_token(std::string& out, const Fields& fields) const;
};

// 32 random bytes as hex, for a new secret.
std::string random_secret();

}  // namespace parcours::links
