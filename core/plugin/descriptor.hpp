// Checks a plugin's descriptor and reads its declaration — the JSON of settings_json
// and params_json (parcours/plugin.h) into config::PluginDeclaration. A descriptor
// the host cannot trust (no id, unknown kind, settings that are not the declared
// JSON form, a default of the wrong type, a missing callback its kind needs) is
// refused with a reason that names the field, so the plugin's author can fix it.
#pragma once

#include <parcours/plugin.h>

#include "config/plugin_declaration.hpp"

namespace parcours::plugin {

// Throws Refusal ("malformed descriptor: ...") when `descriptor` is not well formed.
config::PluginDeclaration read_declaration(const parcours_plugin& descriptor);

}  // namespace parcours::plugin
