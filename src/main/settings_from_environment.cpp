// SPDX-License-Identifier: Apache-2.0
#include "main/settings_from_environment.hpp"

#include <fstream>
#include <sstream>

extern char** environ;

namespace ve::main {

core::Result<core::Settings> settings_from_environment(const std::filesystem::path& dotenv) {
  core::Settings settings;
  std::error_code ec;
  if (std::filesystem::exists(dotenv, ec)) {
    std::ifstream in(dotenv);
    if (!in) return core::fail(core::Error::invalid_input("cannot read " + dotenv.string()));
    std::ostringstream text;
    text << in.rdbuf();
    auto parsed = core::parse_dotenv(text.str());
    if (!parsed) return core::fail(core::Error::invalid_input(dotenv.string() + ": " + parsed.error().message));
    settings = std::move(*parsed);
  }
  for (char** e = environ; e && *e; ++e) {
    const std::string entry(*e);
    const size_t eq = entry.find('=');
    if (eq != std::string::npos && eq > 0) settings[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  return settings;
}

}  // namespace ve::main
