#include "smtp_transport.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cstring>

namespace parcours::email {
namespace {

struct Upload {
  const std::string* data = nullptr;
  std::size_t offset = 0;
};

std::size_t on_read(char* buffer, std::size_t size, std::size_t count, void* user) {
  auto* upload = static_cast<Upload*>(user);
  const std::size_t n = std::min(size * count, upload->data->size() - upload->offset);
  std::memcpy(buffer, upload->data->data() + upload->offset, n);
  upload->offset += n;
  return n;
}

// The server's replies during one message: the last one, and the first refusal (after
// which libcurl says QUIT, whose "221 Bye" would hide why).
struct Replies {
  std::string last;
  std::string refusal;
};

// For SMTP, libcurl hands the header callback each reply line of the server.
std::size_t on_reply(char* data, std::size_t size, std::size_t count, void* user) {
  auto* replies = static_cast<Replies*>(user);
  std::string* reply = &replies->last;
  const std::size_t bytes = size * count;
  std::string line(data, bytes);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
  // A multi-line reply ("250-..." then "250 ...") is kept whole; a new reply replaces it.
  if (line.size() >= 4 && line[3] == '-') {
    if (!reply->empty() && (reply->size() < 4 || (*reply)[3] != '-')) reply->clear();
    *reply += (reply->empty() ? "" : " ") + line;
  } else if (!line.empty()) {
    if (!reply->empty() && reply->size() >= 4 && (*reply)[3] == '-' && reply->compare(0, 3, line, 0, 3) == 0)
      *reply += " " + line;
    else
      *reply = line;
  }
  if (replies->refusal.empty() && (reply->starts_with('4') || reply->starts_with('5')) && reply->size() >= 4 &&
      (*reply)[3] == ' ')
    replies->refusal = *reply;
  return bytes;
}

}  // namespace

SmtpTransport::SmtpTransport(SmtpSettings settings) : settings_(std::move(settings)) {}

SmtpTransport::~SmtpTransport() = default;

SmtpOutcome SmtpTransport::send(const std::string& from_address, const std::string& to_address,
                                const std::string& data) {
  SmtpOutcome outcome;
  CURL* handle = pool_.take();
  if (handle == nullptr) {
    outcome.error = "libcurl could not start (curl_easy_init failed)";
    return outcome;
  }

  Upload upload{&data, 0};
  Replies replies;
  char error_buffer[CURL_ERROR_SIZE] = "";
  const std::string mail_from = "<" + from_address + ">";
  curl_slist* recipients = curl_slist_append(nullptr, ("<" + to_address + ">").c_str());

  curl_easy_setopt(handle, CURLOPT_URL, settings_.url.c_str());
  curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt(handle, CURLOPT_MAIL_FROM, mail_from.c_str());
  curl_easy_setopt(handle, CURLOPT_MAIL_RCPT, recipients);
  curl_easy_setopt(handle, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(handle, CURLOPT_READFUNCTION, on_read);
  curl_easy_setopt(handle, CURLOPT_READDATA, &upload);
  curl_easy_setopt(handle, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(data.size()));
  curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, on_reply);
  curl_easy_setopt(handle, CURLOPT_HEADERDATA, &replies);
  curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(handle, CURLOPT_USE_SSL,
                   settings_.starttls == SmtpSettings::StartTls::required ? static_cast<long>(CURLUSESSL_ALL)
                   : settings_.starttls == SmtpSettings::StartTls::off    ? static_cast<long>(CURLUSESSL_NONE)
                                                                          : static_cast<long>(CURLUSESSL_TRY));
  if (!settings_.ca_file.empty()) curl_easy_setopt(handle, CURLOPT_CAINFO, settings_.ca_file.c_str());
  curl_easy_setopt(handle, CURLOPT_SSL_VERIFYPEER, settings_.verify ? 1L : 0L);
  curl_easy_setopt(handle, CURLOPT_SSL_VERIFYHOST, settings_.verify ? 2L : 0L);
  if (!settings_.username.empty()) {
    curl_easy_setopt(handle, CURLOPT_USERNAME, settings_.username.c_str());
    curl_easy_setopt(handle, CURLOPT_PASSWORD, settings_.password.c_str());
  }
  curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS, static_cast<long>(settings_.timeout.count()));
  curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(std::min<std::int64_t>(settings_.timeout.count(), 10'000)));
  curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);  // timeouts without SIGALRM: the host has threads
  curl_easy_setopt(handle, CURLOPT_TCP_NODELAY, 1L);

  const CURLcode code = curl_easy_perform(handle);
  curl_slist_free_all(recipients);
  curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &outcome.code);
  outcome.reply = replies.refusal.empty() ? replies.last : replies.refusal;
  if (code == CURLE_OK) {
    outcome.kind = SmtpOutcome::Kind::accepted;
  } else {
    const std::string what = error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(code);
    if (code == CURLE_OPERATION_TIMEDOUT) {
      outcome.kind = SmtpOutcome::Kind::transient;
      outcome.error = "the SMTP server did not answer within " + std::to_string(settings_.timeout.count()) + " ms";
    } else if (outcome.code >= 500 && outcome.code < 600) {
      outcome.kind = SmtpOutcome::Kind::permanent;
      outcome.error = "the SMTP server refused the message: " + (outcome.reply.empty() ? what : outcome.reply);
    } else if (outcome.code >= 400 && outcome.code < 500) {
      outcome.kind = SmtpOutcome::Kind::transient;
      outcome.error = "the SMTP server deferred the message: " + (outcome.reply.empty() ? what : outcome.reply);
    } else {
      outcome.kind = SmtpOutcome::Kind::transient;
      outcome.error = "cannot reach the SMTP server: " + what;
    }
  }
  pool_.give(handle);
  return outcome;
}

}  // namespace parcours::email
