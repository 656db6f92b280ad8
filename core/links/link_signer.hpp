// Links in messages that act without a login — unsubscribe today, open and click
// tracking next — carry who and what they are for in a token signed with the host's
// secret (HMAC-SHA256). A forged or altered token does not verify, so it can do nothing.
#pragma once

#include <optional>
#include <string>

namespace parcours::links {

struct LinkTarget {
  std::string purpose;  // "u": unsubscribe
  std::string client;
  std::string contact;
  std::string channel;
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

 private:
  std::string secret_;
  std::string public_url_;
};

// 32 random bytes as hex, for a new secret.
std::string random_secret();

}  // namespace parcours::links
