// Open and click tracking of an HTML message (CONFIG.md, "Templates"): an open pixel
// before </body>, and every http(s) link sent through the host's /t/c/ route, which
// records the click and redirects to the address the link had. Done by the host, in
// the dispatcher, for channels with `tracking = true`, so that every email-like
// channel plugin — the shipped one or an integrator's — gets the same signed links.
#pragma once

#include <string>

#include "links/link_signer.hpp"

namespace parcours::links {

// `message` names the message (purpose and url are set here). Left alone: links that
// are not http(s) (mailto:, tel:, #anchors), links to the host itself (unsubscribe),
// and links marked with a `data-no-track` attribute.
std::string add_tracking(const std::string& html, const LinkSigner& signer, const LinkTarget& message);

// The text of an HTML attribute value with its character references decoded (&amp;
// and the like, numeric ones too): what a browser would follow.
std::string decode_html_attribute(const std::string& value);

}  // namespace parcours::links
