#include <catch2/catch.hpp>

#include "html_to_text.hpp"

using parcours::email::html_to_text;

TEST_CASE("html becomes the text a reader sees") {
  CHECK(html_to_text("<html><head><title>T</title><style>p{color:red}</style></head>"
                     "<body><h1>Hi  Ann</h1><p>Your&nbsp;cart &amp; more:<br>2 items</p>"
                     "<script>alert(1)</script></body></html>") == "Hi Ann\n\nYour cart & more:\n2 items");
  CHECK(html_to_text("<ul><li>one</li><li>two</li></ul>") == "- one\n- two");
  CHECK(html_to_text("<a href=\"https://x.test/a?b=1&amp;c=2\">See</a>") == "See (https://x.test/a?b=1&c=2)");
  CHECK(html_to_text("<a href=\"https://x.test\">https://x.test</a>") == "https://x.test");
  CHECK(html_to_text("<p>No&#235;l &#x20AC;5 <img src=x alt=\"logo\"></p>") == "Noël €5 logo");
  CHECK(html_to_text("<!-- hidden --><p>shown</p>") == "shown");
  CHECK(html_to_text("<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>") == "a b\nc");
  CHECK(html_to_text("").empty());
}

TEST_CASE("whitespace collapses across runs, tags and references, and links show once") {
  CHECK(html_to_text("<p>  one \n\t two&amp;three  <b>four</b>\r\n five </p>") == "one two&three four five");
  CHECK(html_to_text("<a href=\"mailto:ann@x.test\">ann@x.test</a>") == "ann@x.test");
  CHECK(html_to_text("<a href=\"mailto:ann@x.test\">write to Ann</a>") == "write to Ann (mailto:ann@x.test)");
  CHECK(html_to_text("<a href=\"https://x.test\"></a>") == "(https://x.test)");
  CHECK(html_to_text("<a href=\"#top\">Top</a>") == "Top");
  CHECK(html_to_text("Go <a href=\"https://x.test/see\">see it</a>.") == "Go see it (https://x.test/see).");
  CHECK(html_to_text("<IMG SRC=x Alt='A logo'>x<Img aLT=\"B\">") == "A logoxB");
}

TEST_CASE("tags and attributes are read whatever their case, and only whole attribute names match") {
  CHECK(html_to_text("<HEAD><STYLE>p{}</Style></HEAD><P>Hi</P>") == "Hi");
  CHECK(html_to_text("<A HREF='https://x.test/A'>See</A>") == "See (https://x.test/A)");
  CHECK(html_to_text("<a data-href=\"https://no.test\" Href=https://yes.test>Go</a>") == "Go (https://yes.test)");
  CHECK(html_to_text("<img src=x ALT = \"Logo\">") == "Logo");
  CHECK(html_to_text("<style>never closed") == "");
}
