#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "links/html_tracking.hpp"

using parcours::links::add_tracking;
using parcours::links::decode_html_attribute;
using parcours::links::LinkSigner;
using parcours::links::LinkTarget;

namespace {

const LinkSigner signer("secret", "https://p.example");
const LinkTarget message{"", "acme", "ann", "email", "key-1", "welcome", "w1", ""};

// The destinations of the tracked links in `html`, in order.
std::vector<std::string> tracked(const std::string& html) {
  std::vector<std::string> out;
  for (std::size_t at = html.find("https://p.example/t/c/"); at != std::string::npos;
       at = html.find("https://p.example/t/c/", at + 1)) {
    const std::size_t start = at + 22;
    const std::size_t end = html.find_first_of("\"' >", start);
    const auto target = signer.verify(html.substr(start, end - start));
    out.push_back(target ? target->url : "(invalid)");
  }
  return out;
}

}  // namespace

TEST_CASE("every http(s) link goes through /t/c/, whatever its quoting, and the pixel goes before </body>") {
  const std::string html =
      "<html><BODY><A HREF=\"https://shop.test/a?x=1&amp;y=2\">a</A> <a class=b href='http://shop.test/b'>b</a>"
      " <a href=https://shop.test/c>c</a></body></html>";
  const std::string out = add_tracking(html, signer, message);
  CHECK(tracked(out) ==
        std::vector<std::string>{"https://shop.test/a?x=1&y=2", "http://shop.test/b", "https://shop.test/c"});
  const auto pixel = out.find("<img src=\"https://p.example/t/o/");
  REQUIRE(pixel != std::string::npos);
  CHECK(pixel < out.find("</body>"));
  CHECK(out.find(">a</A>") != std::string::npos);  // the rest of the tag is kept
}

TEST_CASE("links that are not the reader's to track are left alone") {
  const std::string html =
      "<p><a href=\"mailto:help@acme.test\">m</a><a href=\"tel:+33600000000\">t</a><a href=\"#top\">#</a>"
      "<a href=\"https://p.example/u/tok\">unsubscribe</a><a data-no-track href=\"https://shop.test/x\">x</a>"
      "<!-- <a href=\"https://shop.test/commented\">c</a> --><abbr href=\"https://shop.test/no\">n</abbr>"
      "<a name=\"anchor\">no href</a></p>";
  const std::string out = add_tracking(html, signer, message);
  CHECK(tracked(out).empty());
  CHECK(out.substr(0, html.size()) == html);  // unchanged but for the pixel appended (no </body>)
  CHECK(out.find("/t/o/") != std::string::npos);
}

TEST_CASE("an unclosed tag or quote ends the rewriting without breaking anything") {
  CHECK(tracked(add_tracking("<a href=\"https://shop.test/a", signer, message)).empty());
  CHECK(tracked(add_tracking("<a href='https://shop.test/a'", signer, message)).empty());
}

TEST_CASE("attribute values are decoded as a browser reads them") {
  CHECK(decode_html_attribute("a&amp;b&#38;c&#x26;d&quot;&lt;&gt;") == "a&b&c&d\"<>");
  CHECK(decode_html_attribute("&eacute;&unknown;&") == "&eacute;&unknown;&");
  CHECK(decode_html_attribute("&#233;") == "é");
}
