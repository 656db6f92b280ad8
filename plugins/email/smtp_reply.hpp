// SMTP replies (RFC 5321 §4.2) read out of the bytes a server sends: a reply is one or
// more lines "250-first", "250 last" with the same three-digit code. With pipelining
// (RFC 2920) several replies arrive in one read, and one reply may span two reads, so
// the reader keeps what it has not yet handed out.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace parcours::email {

struct SmtpReply {
  int code = 0;
  std::string text;                // the lines joined by a space, codes kept: "250-a 250 b"
  std::vector<std::string> lines;  // each line without its code and separator (EHLO keywords)

  bool positive() const { return code >= 200 && code < 400; }
};

class ReplyReader {
 public:
  void feed(std::string_view bytes);
  // The next complete reply, or nothing until more bytes come. Throws
  // std::runtime_error when the server sends something that is not an SMTP reply.
  std::optional<SmtpReply> next();
  // Whether bytes are waiting that no reply has consumed yet.
  bool has_pending() const { return start_ < buffer_.size(); }

 private:
  std::string buffer_;
  std::size_t start_ = 0;  // first byte not yet consumed
  SmtpReply partial_;      // lines of a multi-line reply seen so far
};

}  // namespace parcours::email
