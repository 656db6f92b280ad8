#include "cli/usage.hpp"

#include <iostream>

namespace parcours::cli {

namespace po = boost::program_options;

std::optional<int> parse_command_line(const std::vector<std::string>& args, const po::options_description& options,
                                      po::variables_map& values, const po::positional_options_description* positional) {
  try {
    po::command_line_parser parser(args);
    parser.options(options);
    if (positional != nullptr) parser.positional(*positional);
    po::store(parser.run(), values);
    if (values.count("help") != 0) {
      std::cout << options << '\n';
      return kExitOk;
    }
    po::notify(values);
  } catch (const po::error& error) {
    std::cerr << "parcours: " << error.what() << "\n\n" << options << '\n';
    return kExitUsage;
  }
  return std::nullopt;
}

}  // namespace parcours::cli
