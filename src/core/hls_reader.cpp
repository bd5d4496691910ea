// SPDX-License-Identifier: Apache-2.0
#include "core/hls_reader.hpp"

#include <cstdlib>

namespace ve::core {
namespace {

std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return lines;
}

// The value of NAME in an attribute list (quoted or not); empty when absent.
std::string attribute(std::string_view list, std::string_view name) {
  size_t at = 0;
  while (at < list.size()) {
    const size_t eq = list.find('=', at);
    if (eq == std::string_view::npos) break;
    const std::string_view key = list.substr(at, eq - at);
    size_t end;
    std::string_view value;
    if (eq + 1 < list.size() && list[eq + 1] == '"') {
      const size_t close = list.find('"', eq + 2);
      if (close == std::string_view::npos) break;
      value = list.substr(eq + 2, close - eq - 2);
      end = close + 1;
    } else {
      end = list.find(',', eq + 1);
      value = list.substr(eq + 1, end == std::string_view::npos ? list.npos : end - eq - 1);
    }
    if (key == name) return std::string(value);
    if (end == std::string_view::npos) break;
    at = list.find(',', end);
    if (at == std::string_view::npos) break;
    ++at;
  }
  return {};
}

bool starts(std::string_view line, std::string_view tag) { return line.substr(0, tag.size()) == tag; }

Error bad(const std::string& why) { return Error::invalid_input("HLS playlist: " + why); }

}  // namespace

Result<std::vector<HlsMasterEntry>> parse_master_playlist(std::string_view text) {
  const auto lines = lines_of(text);
  if (lines.empty() || lines[0] != "#EXTM3U") return fail(bad("does not begin with #EXTM3U"));
  std::vector<HlsMasterEntry> out;
  bool expect_uri = false;
  for (size_t i = 1; i < lines.size(); ++i) {
    const std::string_view line = lines[i];
    if (line.empty()) continue;
    if (starts(line, "#EXTINF") || starts(line, "#EXT-X-TARGETDURATION")) return fail(bad("a media playlist, not a master"));
    if (starts(line, "#EXT-X-STREAM-INF:")) {
      if (expect_uri) return fail(bad("EXT-X-STREAM-INF without a URI"));
      expect_uri = true;
    } else if (starts(line, "#EXT-X-MEDIA:")) {
      const std::string_view list = line.substr(13);
      std::string uri = attribute(list, "URI");
      if (!uri.empty()) out.push_back({attribute(list, "TYPE"), std::move(uri)});
    } else if (line[0] != '#') {
      if (!expect_uri) return fail(bad("URI '" + std::string(line) + "' without EXT-X-STREAM-INF"));
      out.push_back({"VARIANT", std::string(line)});
      expect_uri = false;
    }
  }
  if (expect_uri) return fail(bad("EXT-X-STREAM-INF without a URI"));
  return out;
}

Result<HlsMediaFiles> parse_media_playlist(std::string_view text) {
  const auto lines = lines_of(text);
  if (lines.empty() || lines[0] != "#EXTM3U") return fail(bad("does not begin with #EXTM3U"));
  HlsMediaFiles out;
  bool ended = false;
  double pending = -1;
  for (size_t i = 1; i < lines.size(); ++i) {
    const std::string_view line = lines[i];
    if (line.empty()) continue;
    if (starts(line, "#EXT-X-MAP:")) {
      out.init_uri = attribute(line.substr(11), "URI");
    } else if (starts(line, "#EXTINF:")) {
      const std::string value(line.substr(8, line.find(',') == std::string_view::npos ? line.npos : line.find(',') - 8));
      char* end = nullptr;
      pending = std::strtod(value.c_str(), &end);
      if (end == value.c_str() || pending < 0) return fail(bad("bad EXTINF duration '" + value + "'"));
    } else if (line == "#EXT-X-ENDLIST") {
      ended = true;
    } else if (line[0] != '#') {
      if (pending < 0) return fail(bad("segment '" + std::string(line) + "' without EXTINF"));
      out.segment_uris.emplace_back(line);
      out.durations.push_back(pending);
      pending = -1;
    }
  }
  if (!ended) return fail(bad("no EXT-X-ENDLIST (not a complete VOD playlist)"));
  return out;
}

}  // namespace ve::core
