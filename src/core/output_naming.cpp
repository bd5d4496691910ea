// SPDX-License-Identifier: Apache-2.0
#include "core/output_naming.hpp"

#include <cstdio>

namespace ve::core {

Result<std::string> presentation_name(std::string_view input_path) {
  std::string_view name = input_path;
  if (const auto slash = name.find_last_of('/'); slash != std::string_view::npos) name.remove_prefix(slash + 1);
  if (const auto dot = name.find_last_of('.'); dot != std::string_view::npos && dot > 0) name = name.substr(0, dot);
  if (name.empty() || name == "." || name == ".." || name.front() == '.') {
    return fail(Error::invalid_input("cannot derive an output folder name from '" + std::string(input_path) + "'"));
  }
  return std::string(name);
}

std::string representation_id(MediaKind kind, int input_index) {
  return std::string(to_string(kind)) + std::to_string(input_index);
}

std::string init_segment_name(std::string_view id) { return *expand_template(kInitTemplate, id, 0); }

std::string media_segment_name(std::string_view id, uint32_t number) {
  return *expand_template(kMediaTemplate, id, number);
}

std::string hls_playlist_name(std::string_view id) { return std::string(id) + ".m3u8"; }

std::string webvtt_file_name(std::string_view id) { return std::string(id) + ".vtt"; }

std::string webvtt_segment_name(std::string_view id, uint32_t number) {
  char digits[16];
  std::snprintf(digits, sizeof digits, "%05u", number);
  return "seg-" + std::string(id) + "-" + digits + ".vtt";
}

Result<std::string> expand_template(std::string_view tmpl, std::string_view id, uint64_t number) {
  std::string out;
  size_t i = 0;
  while (i < tmpl.size()) {
    if (tmpl[i] != '$') {
      out += tmpl[i++];
      continue;
    }
    const size_t close = tmpl.find('$', i + 1);
    if (close == std::string_view::npos) return fail(Error::invalid_input("unterminated $ in template"));
    const std::string_view ident = tmpl.substr(i + 1, close - i - 1);
    if (ident.empty()) {
      out += '$';
    } else if (ident == "RepresentationID") {
      out += id;
    } else if (ident == "Number") {
      out += std::to_string(number);
    } else if (ident.starts_with("Number%0") && ident.ends_with("d") && ident.size() == 10 &&
               ident[8] >= '1' && ident[8] <= '9') {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%0*llu", ident[8] - '0', static_cast<unsigned long long>(number));
      out += buf;
    } else {
      return fail(Error::invalid_input("unsupported template identifier $" + std::string(ident) + "$"));
    }
    i = close + 1;
  }
  return out;
}

}  // namespace ve::core
