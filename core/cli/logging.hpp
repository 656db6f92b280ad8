// Where log lines go: stderr, always (stdout is for a command's own output, which
// scripts parse). Every command starts at info in text; `run` then applies the
// config's [log] level and format (text for people, JSON one object a line for
// collectors such as journald exporters, Vector or Fluent Bit).
#pragma once

#include <string>

namespace parcours::cli {

void configure_logging();
// `level`: trace|debug|info|warn|error; `format`: text|json (validated by the config).
void apply_log_settings(const std::string& level, const std::string& format);

}  // namespace parcours::cli
