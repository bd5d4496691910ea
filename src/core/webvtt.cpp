// SPDX-License-Identifier: Apache-2.0
#include "core/webvtt.hpp"

#include <algorithm>
#include <cstdio>
#include <limits>

namespace ve::core {
// A named namespace rather than an anonymous one: ve_core is a unity build, so helper names must
// not meet those of the other sources.
namespace webvtt_detail {

constexpr std::string_view kReplacementCharacter = "\xEF\xBF\xBD";  // U+FFFD

// Length of the well-formed UTF-8 sequence at the start of s (RFC 3629), 0 when it is not one.
size_t utf8_sequence_length(std::string_view s) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  const auto continuation = [&](size_t i, unsigned char lo = 0x80, unsigned char hi = 0xBF) {
    return i < s.size() && byte(i) >= lo && byte(i) <= hi;
  };
  const unsigned char c = byte(0);
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) return continuation(1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    const unsigned char lo = c == 0xE0 ? 0xA0 : 0x80;  // no overlong forms
    const unsigned char hi = c == 0xED ? 0x9F : 0xBF;  // no UTF-16 surrogates
    return continuation(1, lo, hi) && continuation(2) ? 3 : 0;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    const unsigned char lo = c == 0xF0 ? 0x90 : 0x80;
    const unsigned char hi = c == 0xF4 ? 0x8F : 0xBF;  // nothing past U+10FFFF
    return continuation(1, lo, hi) && continuation(2) && continuation(3) ? 4 : 0;
  }
  return 0;
}

// Valid UTF-8 without NUL: each byte that starts no well-formed sequence becomes U+FFFD.
std::string valid_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  while (!s.empty()) {
    const size_t n = utf8_sequence_length(s);
    if (n == 0) {
      out += kReplacementCharacter;
      s.remove_prefix(1);
      continue;
    }
    if (s[0] != '\0') out.append(s.substr(0, n));
    s.remove_prefix(n);
  }
  return out;
}

bool ends_with_two_dashes(const std::string& s) { return s.ends_with("--"); }

// One line for an id or the settings: line breaks become spaces and no "-->" may remain (the '>'
// goes), so the line can be neither ended early nor taken for a timing line.
std::string single_line(std::string_view raw) {
  std::string out;
  for (const char c : valid_utf8(raw)) {
    if (c == '\r' || c == '\n') {
      out += ' ';
    } else if (c == '>' && ends_with_two_dashes(out)) {
      continue;
    } else {
      out += c;
    }
  }
  const size_t first = out.find_first_not_of(" \t");
  if (first == std::string::npos) return {};
  return out.substr(first, out.find_last_not_of(" \t") - first + 1);
}

// Cue text without blank lines (one would end the cue) and without "-->" (a line holding it would
// be read as the next cue's timings): the '>' is written as the reference "&gt;", which shows the same.
std::string cue_text(std::string_view raw) {
  const std::string text = valid_utf8(raw);
  std::string out;
  std::string line;
  const auto flush = [&] {
    if (line.find_first_not_of(" \t\f") != std::string::npos) {
      if (!out.empty()) out += '\n';
      out += line;
    }
    line.clear();
  };
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\r' || c == '\n') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      flush();
    } else if (c == '>' && ends_with_two_dashes(line)) {
      line += "&gt;";
    } else {
      line += c;
    }
  }
  flush();
  return out;
}

int64_t rounded_ms(int64_t us) {
  if (us < 0) return 0;
  return us / 1000 + (us % 1000 >= 500 ? 1 : 0);
}

uint32_t read_be32(std::span<const uint8_t> d, size_t at) {
  return (uint32_t{d[at]} << 24) | (uint32_t{d[at + 1]} << 16) | (uint32_t{d[at + 2]} << 8) | uint32_t{d[at + 3]};
}

constexpr uint32_t fourcc(const char (&s)[5]) {
  return (uint32_t(uint8_t(s[0])) << 24) | (uint32_t(uint8_t(s[1])) << 16) | (uint32_t(uint8_t(s[2])) << 8) |
         uint32_t(uint8_t(s[3]));
}

std::string fourcc_text(uint32_t type) {
  std::string out;
  for (int shift = 24; shift >= 0; shift -= 8) {
    const auto c = static_cast<unsigned char>(type >> shift);
    out += c >= 0x20 && c < 0x7F ? static_cast<char>(c) : '?';
  }
  return out;
}

struct WvttBox {
  uint32_t type = 0;
  std::span<const uint8_t> body;
};

// The boxes that exactly fill `data` (ISO/IEC 14496-12 4.2: a 32-bit size, 1 for a 64-bit size
// after the type, 0 for "to the end"). Every size is checked against what is left of `data`.
Result<std::vector<WvttBox>> wvtt_boxes(std::span<const uint8_t> data, std::string_view parent) {
  std::vector<WvttBox> boxes;
  size_t at = 0;
  while (at < data.size()) {
    const size_t left = data.size() - at;
    const auto where = [&] { return "corrupt wvtt sample: " + std::string(parent) + " byte " + std::to_string(at); };
    if (left < 8) return fail(Error::invalid_input(where() + ": truncated box header"));
    const uint32_t size32 = read_be32(data, at);
    const uint32_t type = read_be32(data, at + 4);
    uint64_t size = size32;
    size_t header = 8;
    if (size32 == 1) {
      if (left < 16) return fail(Error::invalid_input(where() + ": truncated box header"));
      size = (uint64_t{read_be32(data, at + 8)} << 32) | read_be32(data, at + 12);
      header = 16;
    } else if (size32 == 0) {
      size = left;
    }
    if (size < header || size > left) {
      return fail(Error::invalid_input(where() + ": box '" + fourcc_text(type) + "' claims " + std::to_string(size) +
                                       " bytes where " + std::to_string(left) + " are left"));
    }
    boxes.push_back({type, data.subspan(at + header, static_cast<size_t>(size) - header)});
    at += static_cast<size_t>(size);
  }
  return boxes;
}

std::string as_text(std::span<const uint8_t> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

Result<WebVttCue> wvtt_cue(std::span<const uint8_t> vttc) {
  auto children = wvtt_boxes(vttc, "vttc");
  if (!children) return fail(children.error());
  WebVttCue cue;
  bool has_payload = false;
  // Each of payl, sttg and iden appears once; should one repeat, the first counts.
  bool has_settings = false;
  bool has_id = false;
  for (const auto& box : *children) {
    if (box.type == fourcc("payl") && !has_payload) {
      cue.text = as_text(box.body);
      has_payload = true;
    } else if (box.type == fourcc("sttg") && !has_settings) {
      cue.settings = as_text(box.body);
      has_settings = true;
    } else if (box.type == fourcc("iden") && !has_id) {
      cue.id = as_text(box.body);
      has_id = true;
    }
  }
  if (!has_payload) return fail(Error::invalid_input("corrupt wvtt sample: a 'vttc' cue box has no 'payl' text"));
  return cue;
}

}  // namespace webvtt_detail

std::string webvtt_timestamp(int64_t us) {
  const int64_t ms = webvtt_detail::rounded_ms(us);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%02lld:%02lld:%02lld.%03lld", static_cast<long long>(ms / 3'600'000),
                static_cast<long long>(ms / 60'000 % 60), static_cast<long long>(ms / 1000 % 60),
                static_cast<long long>(ms % 1000));
  return buf;
}

std::string webvtt_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string render_webvtt(const std::vector<WebVttCue>& cues, std::optional<int64_t> mpegts) {
  std::string out = "WEBVTT\n";
  if (mpegts) out += "X-TIMESTAMP-MAP=MPEGTS:" + std::to_string(*mpegts) + ",LOCAL:00:00:00.000\n";
  out += '\n';
  std::vector<const WebVttCue*> ordered;
  ordered.reserve(cues.size());
  for (const auto& c : cues) ordered.push_back(&c);
  std::stable_sort(ordered.begin(), ordered.end(),
                   [](const WebVttCue* a, const WebVttCue* b) { return a->start_us < b->start_us; });
  for (const WebVttCue* c : ordered) {
    if (webvtt_detail::rounded_ms(c->end_us) <= webvtt_detail::rounded_ms(c->start_us)) continue;
    if (const std::string id = webvtt_detail::single_line(c->id); !id.empty()) out += id + '\n';
    out += webvtt_timestamp(c->start_us) + " --> " + webvtt_timestamp(c->end_us);
    if (const std::string settings = webvtt_detail::single_line(c->settings); !settings.empty()) {
      out += ' ' + settings;
    }
    out += '\n';
    if (const std::string text = webvtt_detail::cue_text(c->text); !text.empty()) out += text + '\n';
    out += '\n';
  }
  return out;
}

std::vector<WebVttCue> cues_between(const std::vector<WebVttCue>& cues, int64_t start_us, int64_t end_us) {
  std::vector<WebVttCue> out;
  for (const auto& c : cues) {
    const bool overlaps = c.end_us > c.start_us ? c.start_us < end_us && c.end_us > start_us
                                                : c.start_us >= start_us && c.start_us < end_us;
    if (overlaps) out.push_back(c);
  }
  return out;
}

Result<std::vector<WebVttCue>> parse_wvtt_sample(std::span<const uint8_t> sample) {
  return parse_wvtt_sample(sample, std::numeric_limits<size_t>::max());
}

Result<std::vector<WebVttCue>> parse_wvtt_sample(std::span<const uint8_t> sample, size_t max_cues) {
  using webvtt_detail::fourcc;
  auto boxes = webvtt_detail::wvtt_boxes(sample, "top level");
  if (!boxes) return fail(boxes.error());
  std::vector<WebVttCue> cues;
  for (const auto& box : *boxes) {
    if (box.type != fourcc("vttc")) continue;  // 'vtte' marks a gap; 'vtta' holds a comment
    if (cues.size() == max_cues) {
      return fail(Error::invalid_input("wvtt sample: more than " + std::to_string(max_cues) + " cues"));
    }
    auto cue = webvtt_detail::wvtt_cue(box.body);
    if (!cue) return fail(cue.error());
    cues.push_back(std::move(*cue));
  }
  return cues;
}

}  // namespace ve::core
