// The text part of an email whose template has only HTML: what a reader would see,
// as plain text — paragraphs and line breaks kept, lists as "- " items, links as
// "text (address)", no <head>, <style> or <script>, character references decoded.
// Not a renderer: enough for mail programs that show text, and for spam filters that
// frown on HTML-only mail.
#pragma once

#include <string>

namespace parcours::email {

std::string html_to_text(const std::string& html);

}  // namespace parcours::email
