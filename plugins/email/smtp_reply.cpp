#include "smtp_reply.hpp"

#include <stdexcept>

namespace parcours::email {
namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

std::string printable(std::string_view line) {
  std::string out;
  for (const char c : line.substr(0, 80)) out += static_cast<unsigned char>(c) < 0x20 ? '?' : c;
  return out;
}

}  // namespace

void ReplyReader::feed(std::string_view bytes) {
  // Drop what was consumed before growing, so a long stream keeps a small buffer.
  if (start_ == buffer_.size()) {
    buffer_.clear();
    start_ = 0;
  } else if (start_ > 4096) {
    buffer_.erase(0, start_);
    start_ = 0;
  }
  buffer_.append(bytes);
}

std::optional<SmtpReply> ReplyReader::next() {
  while (true) {
    const std::size_t end = buffer_.find('\n', start_);
    if (end == std::string::npos) {
      if (buffer_.size() - start_ > 64 * 1024)
        throw std::runtime_error("the server sent a reply line longer than 64 KiB: this is not an SMTP server");
      return std::nullopt;
    }
    std::string_view line(buffer_.data() + start_, end - start_);
    start_ = end + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.size() < 3 || !is_digit(line[0]) || !is_digit(line[1]) || !is_digit(line[2]) ||
        (line.size() > 3 && line[3] != ' ' && line[3] != '-'))
      throw std::runtime_error("the server answered '" + printable(line) + "', which is not an SMTP reply");
    const int code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
    if (!partial_.lines.empty() && code != partial_.code)
      throw std::runtime_error("the server changed its reply code within a multi-line reply ('" + printable(line) +
                               "')");
    partial_.code = code;
    if (!partial_.text.empty()) partial_.text += ' ';
    partial_.text.append(line);
    partial_.lines.emplace_back(line.size() > 4 ? line.substr(4) : std::string_view());
    if (line.size() > 3 && line[3] == '-') continue;  // more lines of this reply follow
    SmtpReply reply = std::move(partial_);
    partial_ = SmtpReply();
    return reply;
  }
}

}  // namespace parcours::email
