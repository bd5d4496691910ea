// SPDX-License-Identifier: Apache-2.0
#include "adapters/blob/s3_xml.hpp"

#include <cstdint>

namespace ve::adapters::blob {
namespace {

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

std::string unescape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const size_t semi = text[i] == '&' ? text.find(';', i) : std::string_view::npos;
    if (semi == std::string_view::npos || semi - i > 10) {
      out += text[i];
      continue;
    }
    const auto entity = text.substr(i + 1, semi - i - 1);
    if (entity == "amp") out += '&';
    else if (entity == "lt") out += '<';
    else if (entity == "gt") out += '>';
    else if (entity == "quot") out += '"';
    else if (entity == "apos") out += '\'';
    else if (entity.size() > 1 && entity[0] == '#') {
      const bool hex = entity[1] == 'x' || entity[1] == 'X';
      append_utf8(out, static_cast<uint32_t>(std::stoul(std::string(entity.substr(hex ? 2 : 1)), nullptr, hex ? 16 : 10)));
    } else {
      out.append(text.substr(i, semi - i + 1));
    }
    i = semi;
  }
  return out;
}

}  // namespace

std::vector<std::string> xml_values(std::string_view xml, std::string_view tag) {
  // Built by appending: GCC 12 at -O3 misreports "literal" + string as overlapping (-Wrestrict).
  std::string open(1, '<');
  open.append(tag).append(1, '>');
  std::string close("</");
  close.append(tag).append(1, '>');
  std::vector<std::string> out;
  for (size_t at = xml.find(open); at != std::string_view::npos; at = xml.find(open, at)) {
    const size_t start = at + open.size();
    const size_t end = xml.find(close, start);
    if (end == std::string_view::npos) break;
    try {
      out.push_back(unescape(xml.substr(start, end - start)));
    } catch (const std::exception&) {  // a malformed numeric entity: keep the raw text
      out.emplace_back(xml.substr(start, end - start));
    }
    at = end + close.size();
  }
  return out;
}

std::optional<std::string> xml_value(std::string_view xml, std::string_view tag) {
  auto values = xml_values(xml, tag);
  if (values.empty()) return std::nullopt;
  return std::move(values.front());
}

}  // namespace ve::adapters::blob
