// Where log lines go: stderr, always (stdout is for a command's own output, which
// scripts parse). `run` will apply [log] level and format; until then every command
// logs at info in text.
#pragma once

namespace parcours::cli {

void configure_logging();

}  // namespace parcours::cli
