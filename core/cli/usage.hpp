// Command-line parsing shared by every subcommand, so that --help, usage errors
// and their exit codes (CLI.md: 2 on a usage error) behave the same everywhere.
#pragma once

#include <boost/program_options.hpp>

#include <optional>
#include <string>
#include <vector>

namespace parcours::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitInvalidInput = 1;
inline constexpr int kExitUsage = 2;

// Parses `args` (the words after the subcommand) into `values`. Returns an exit code
// when the command should stop now: 0 after printing --help, 2 after a usage error
// (printed on stderr with the usage); nothing when the command should run.
// `positional` names options that may also be given without their --name.
std::optional<int> parse_command_line(
    const std::vector<std::string>& args, const boost::program_options::options_description& options,
    boost::program_options::variables_map& values,
    const boost::program_options::positional_options_description* positional = nullptr);

}  // namespace parcours::cli
