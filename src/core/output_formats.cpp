// SPDX-License-Identifier: Apache-2.0
#include "core/output_formats.hpp"

#include <algorithm>
#include <cctype>

namespace ve::core {
namespace {

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string lowered(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

}  // namespace

Result<OutputFormats> parse_output_formats(std::string_view text) {
  OutputFormats formats{false, false};
  size_t start = 0;
  for (;;) {
    const size_t comma = text.find(',', start);
    const std::string name = lowered(trimmed(text.substr(start, comma == std::string_view::npos ? text.npos : comma - start)));
    bool* flag = name == "dash" ? &formats.dash : name == "hls" ? &formats.hls : nullptr;
    if (!flag) {
      return fail(Error::invalid_input("unknown output format '" + name + "' (use dash, hls or dash,hls)"));
    }
    if (*flag) return fail(Error::invalid_input("output format '" + name + "' is listed twice"));
    *flag = true;
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return formats;
}

std::string to_string(const OutputFormats& formats) {
  if (formats.dash && formats.hls) return "dash,hls";
  return formats.dash ? "dash" : "hls";
}

}  // namespace ve::core
