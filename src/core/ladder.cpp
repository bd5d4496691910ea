// SPDX-License-Identifier: Apache-2.0
#include "core/ladder.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <optional>
#include <set>

namespace ve::core {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::optional<int64_t> whole_number(std::string_view s) {
  int64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

Result<Rung> parse_rung(std::string_view text) {
  const auto bad = [&](const std::string& why) {
    return fail(Error::invalid_input("rendition '" + std::string(text) + "': " + why +
                                     " (expected HEIGHTp:BITRATE, e.g. 720p:2800k)"));
  };
  const size_t colon = text.find(':');
  if (colon == std::string_view::npos) return bad("no ':'");
  std::string_view height = trim(text.substr(0, colon));
  std::string_view rate = trim(text.substr(colon + 1));
  if (height.empty() || (height.back() != 'p' && height.back() != 'P')) return bad("the height must end in 'p'");
  height.remove_suffix(1);
  const auto h = whole_number(height);
  if (!h || *h < 16 || *h > 4320 || *h % 2 != 0) return bad("the height must be an even number from 16 to 4320");
  int64_t scale = 1;
  if (!rate.empty() && (rate.back() == 'k' || rate.back() == 'K')) {
    scale = 1000;
    rate.remove_suffix(1);
  } else if (!rate.empty() && (rate.back() == 'm' || rate.back() == 'M')) {
    scale = 1000000;
    rate.remove_suffix(1);
  }
  const auto r = whole_number(rate);
  if (!r || *r <= 0 || *r > 200'000'000 / scale || *r * scale < 50'000) {
    return bad("the bit rate must be from 50k to 200M");
  }
  return Rung{static_cast<int>(*h), *r * scale};
}

PlannedRendition encoded(PictureSize size, int64_t bitrate) {
  return {size, bitrate, bitrate * 3 / 2, bitrate * 2, false};
}

// The rungs no taller than the displayed source, or one at the source's own size.
std::vector<PlannedRendition> capped(const std::vector<Rung>& rungs, PictureSize display) {
  std::vector<PlannedRendition> out;
  for (const Rung& r : rungs) {
    if (r.height <= display.height) out.push_back(encoded({even_width_for(r.height, display), r.height}, r.bitrate));
  }
  if (out.empty() && !rungs.empty()) {
    const int height = std::max(2, display.height & ~1);
    out.push_back(encoded({even_width_for(height, display), height}, rungs.back().bitrate));
  }
  return out;
}

}  // namespace

Result<RenditionsSetting> parse_renditions(std::string_view text) {
  const std::string_view t = trim(text);
  if (equals_ignoring_case(t, "source")) return RenditionsSetting{RenditionMode::Source, {}};
  if (equals_ignoring_case(t, "auto")) return RenditionsSetting{RenditionMode::Auto, {}};
  if (t.empty()) return fail(Error::invalid_input("renditions: empty (use source, auto or a list like 720p:2800k)"));
  RenditionsSetting setting{RenditionMode::List, {}};
  std::set<int> heights;
  size_t start = 0;
  for (;;) {
    const size_t comma = t.find(',', start);
    auto rung = parse_rung(trim(t.substr(start, comma == std::string_view::npos ? t.npos : comma - start)));
    if (!rung) return fail(rung.error());
    if (!heights.insert(rung->height).second) {
      return fail(Error::invalid_input("renditions: " + std::to_string(rung->height) + "p is listed twice"));
    }
    setting.rungs.push_back(*rung);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  std::sort(setting.rungs.begin(), setting.rungs.end(), [](const Rung& a, const Rung& b) { return a.height > b.height; });
  return setting;
}

Result<int64_t> parse_audio_bitrate(std::string_view text) {
  std::string_view rate = trim(text);
  int64_t scale = 1;
  if (!rate.empty() && (rate.back() == 'k' || rate.back() == 'K')) {
    scale = 1000;
    rate.remove_suffix(1);
  }
  const auto r = whole_number(rate);
  if (!r || *r <= 0 || *r > 512'000 / scale || *r * scale < 32'000) {
    return fail(Error::invalid_input("audio bit rate '" + std::string(text) + "' must be from 32k to 512k"));
  }
  return *r * scale;
}

Result<std::string> parse_x264_preset(std::string_view text) {
  static const char* const kPresets[] = {"ultrafast", "superfast", "veryfast", "faster", "fast",
                                         "medium",    "slow",      "slower",   "veryslow", "placebo"};
  const std::string_view name = trim(text);
  for (const char* p : kPresets) {
    if (equals_ignoring_case(name, p)) return std::string(p);
  }
  return fail(Error::invalid_input("x264 preset '" + std::string(text) +
                                   "' is not one of ultrafast, superfast, veryfast, faster, fast, medium, slow, "
                                   "slower, veryslow, placebo"));
}

const std::vector<Rung>& default_ladder() {
  static const std::vector<Rung> kLadder = {{2160, 16'000'000}, {1440, 9'000'000}, {1080, 5'000'000},
                                            {720, 2'800'000},   {480, 1'400'000},  {360, 800'000}};
  return kLadder;
}

PictureSize display_size(const SourceVideo& s) {
  const Rational sar = s.sample_aspect_ratio.num > 0 && s.sample_aspect_ratio.den > 0 ? s.sample_aspect_ratio
                                                                                        : Rational{1, 1};
  const int width = static_cast<int>(std::llround(static_cast<double>(s.width) * sar.num / sar.den));
  const bool sideways = ((s.rotation % 360) + 360) % 180 == 90;
  return sideways ? PictureSize{s.height, width} : PictureSize{width, s.height};
}

int even_width_for(int height, PictureSize display) {
  if (display.height <= 0 || display.width <= 0) return std::max(2, height & ~1);
  const double exact = static_cast<double>(height) * display.width / display.height;
  return std::max(2, static_cast<int>(std::llround(exact / 2)) * 2);
}

bool keeps_audio(const SourceAudio& a, RenditionMode mode) {
  if (mode == RenditionMode::Source) return true;
  if (mode == RenditionMode::List) return false;
  return a.codec == Codec::Aac && a.aac_object_type == 2 && a.channels >= 1 && a.channels <= 2;
}

bool is_browser_safe(const SourceVideo& s, int64_t rung_bitrate, double segment_seconds) {
  if (segment_seconds > 0 && s.longest_keyframe_gap_seconds > 2 * segment_seconds) return false;
  const bool profile_ok = s.h264_profile == 66 || s.h264_profile == 77 || s.h264_profile == 100;
  const bool rate_ok = s.bitrate <= 0 || s.bitrate * 2 <= rung_bitrate * 3;
  return s.codec == Codec::H264 && profile_ok && s.bit_depth == 8 && s.chroma_420 && !s.interlaced && !s.hdr && s.rotation % 360 == 0 && rate_ok;
}

std::vector<PlannedRendition> plan_renditions(const SourceVideo& source, const RenditionsSetting& setting,
                                              double segment_seconds) {
  const PictureSize display = display_size(source);
  if (setting.mode == RenditionMode::Source) return {{display, source.bitrate, 0, 0, true}};
  if (setting.mode == RenditionMode::List) return capped(setting.rungs, display);

  const std::vector<Rung>& ladder = default_ladder();
  const Rung* reference = &ladder.front();  // the shortest rung at least as tall as the source
  for (const Rung& r : ladder) {
    if (r.height >= display.height) reference = &r;
  }
  if (!is_browser_safe(source, reference->bitrate, segment_seconds)) return capped(ladder, display);
  std::vector<PlannedRendition> out = {{display, source.bitrate, 0, 0, true}};
  std::vector<Rung> below;
  for (const Rung& r : ladder) {
    if (r.height < display.height) below.push_back(r);
  }
  for (const Rung& r : spaced_below(source.bitrate, below)) {
    out.push_back(encoded({even_width_for(r.height, display), r.height}, r.bitrate));
  }
  return out;
}

std::vector<Rung> spaced_below(int64_t top_bitrate, const std::vector<Rung>& rungs) {
  if (top_bitrate <= 0) return rungs;
  std::vector<Rung> out;
  int64_t above = top_bitrate;
  for (size_t i = 0; i < rungs.size(); ++i) {
    const int64_t rate = std::min(rungs[i].bitrate, above * 2 / 3);
    const int64_t next = i + 1 < rungs.size() ? rungs[i + 1].bitrate : 0;
    if (rate * 2 < next * 3) continue;  // squeezed between its neighbours: a player gains nothing from it
    out.push_back({rungs[i].height, rate});
    above = rate;
  }
  return out;
}

int h264_level(PictureSize size, Rational frame_rate, int64_t maxrate, int64_t bufsize) {
  struct Level {
    int idc;
    int64_t max_fs;    // macroblocks per frame
    int64_t max_mbps;  // macroblocks per second
    int64_t max_br;    // kbit/s (Baseline/Main; High allows 1.25x)
    int64_t max_cpb;   // kbit (likewise)
  };
  static constexpr Level kLevels[] = {
      {10, 99, 1485, 64, 175},           {11, 396, 3000, 192, 500},          {12, 396, 6000, 384, 1000},
      {13, 396, 11880, 768, 2000},       {20, 396, 11880, 2000, 2000},       {21, 792, 19800, 4000, 4000},
      {22, 1620, 20250, 4000, 4000},     {30, 1620, 40500, 10000, 10000},    {31, 3600, 108000, 14000, 14000},
      {32, 5120, 216000, 20000, 20000},  {40, 8192, 245760, 20000, 25000},   {41, 8192, 245760, 50000, 62500},
      {42, 8704, 522240, 50000, 62500},  {50, 22080, 589824, 135000, 135000}, {51, 36864, 983040, 240000, 240000},
      {52, 36864, 2073600, 240000, 240000}, {60, 139264, 4177920, 240000, 240000},
      {61, 139264, 8355840, 480000, 480000}, {62, 139264, 16711680, 800000, 800000}};
  const int64_t mb_w = (size.width + 15) / 16;
  const int64_t mb_h = (size.height + 15) / 16;
  const int64_t fs = mb_w * mb_h;
  const double fps = frame_rate.num > 0 && frame_rate.den > 0 ? static_cast<double>(frame_rate.num) / frame_rate.den : 30;
  for (const Level& l : kLevels) {
    const auto side = static_cast<int64_t>(std::sqrt(8.0 * static_cast<double>(l.max_fs)));
    if (fs > l.max_fs || mb_w > side || mb_h > side) continue;
    if (static_cast<double>(fs) * fps > static_cast<double>(l.max_mbps) + 1e-6) continue;
    if (maxrate > l.max_br * 1250 || bufsize > l.max_cpb * 1250) continue;  // High: 1.25x, in bits
    return l.idc;
  }
  return 0;
}

}  // namespace ve::core
