// SPDX-License-Identifier: Apache-2.0
#include "core/hls_playlist.hpp"

#include <algorithm>
#include <cassert>
#include <cstdio>
#include <deque>
#include <limits>
#include <optional>
#include <set>
#include <sstream>

#include "core/language_tag.hpp"
#include "core/output_naming.hpp"

namespace ve::core {
namespace {

// Products of tick counts and byte counts exceed 64 bits; GCC's 128-bit integers keep them exact.
using Wide = __int128;

constexpr int64_t kMicrosPerSecond = 1'000'000;

// A duration split into whole seconds and microseconds, rounded to the nearest microsecond (halves up).
struct Seconds {
  int64_t whole = 0;
  int64_t micros = 0;
};

Seconds seconds_of(int64_t ticks, uint32_t timescale) {
  assert(timescale > 0);
  if (ticks <= 0) return {};  // a negative duration means corrupt timing, and EXTINF cannot be negative
  Seconds s{ticks / timescale, 0};
  const int64_t rem = ticks % timescale;  // < 2^32, so rem * 2e6 fits
  s.micros = (2 * rem * kMicrosPerSecond + timescale) / (2 * static_cast<int64_t>(timescale));
  if (s.micros == kMicrosPerSecond) {
    ++s.whole;
    s.micros = 0;
  }
  return s;
}

// EXTINF value: 3 to 6 decimals, so 2.002 stays "2.002" and 1024/48000 s becomes "0.021333".
std::string extinf(Seconds s) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%lld.%06lld", static_cast<long long>(s.whole), static_cast<long long>(s.micros));
  std::string text = buf;
  while (text.size() - text.find('.') > 4 && text.back() == '0') text.pop_back();
  return text;
}

// The nearest integer number of seconds to an EXTINF value as written (halves up), as a client reads it.
int64_t rounded_seconds(Seconds s) { return s.whole + (s.micros >= kMicrosPerSecond / 2 ? 1 : 0); }

uint64_t ceil_rate(Wide bits_times_timescale, Wide ticks) {
  if (ticks <= 0) return 0;
  const Wide rate = (bits_times_timescale + ticks - 1) / ticks;
  constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
  return rate > static_cast<Wide>(kMax) ? kMax : static_cast<uint64_t>(rate);
}

// A quoted-string attribute value (RFC 8216 4.2) cannot hold '"', CR or LF: quotes become apostrophes,
// control characters are dropped. (Not named `quoted`: for a std::string argument ADL picks std::quoted.)
std::string quoted_value(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"') {
      out += '\'';
    } else if (static_cast<unsigned char>(c) >= 0x20 && c != 0x7f) {
      out += c;
    }
  }
  return out + '"';
}

// A URI reference fit for a playlist line or a quoted URI attribute. Characters that cannot appear there
// (and a leading '#', which would make the line a tag or comment) are percent-encoded rather than
// dropped, so the reference still names the same file.
std::string uri_reference(std::string_view uri) {
  std::string out;
  for (const char c : uri) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte == 0x7f || c == '"' || (c == '#' && out.empty())) {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", byte);
      out += buf;
    } else {
      out += c;
    }
  }
  return out;
}

// Prefix sums of the segments' durations (negative ones count as 0) and bytes: run [i, j) lasts
// ticks[j] - ticks[i] and holds bytes[j] - bytes[i].
struct PrefixSums {
  std::vector<Wide> ticks{0};
  std::vector<Wide> bytes{0};
};

PrefixSums prefix_sums(const HlsMediaPlaylist& playlist) {
  PrefixSums sums;
  for (const HlsSegment& s : playlist.segments) {
    sums.ticks.push_back(sums.ticks.back() + std::max<int64_t>(0, s.duration));
    sums.bytes.push_back(sums.bytes.back() + s.bytes);
  }
  return sums;
}

struct Run {
  size_t begin = 0;
  size_t end = 0;
  Wide value = 0;
};

// Among runs lasting between min_ticks and max_ticks, the one maximising q * bytes - p * ticks, i.e. how
// far its byte rate exceeds p/q. The qualifying starts of a run ending at j form a window that only moves
// forward as j grows, so a monotone deque of prefix values finds each end's best start in linear total time.
std::optional<Run> best_run(const PrefixSums& s, Wide min_ticks, Wide max_ticks, Wide p, Wide q) {
  const auto v = [&](size_t k) { return q * s.bytes[k] - p * s.ticks[k]; };
  std::optional<Run> best;
  std::deque<size_t> starts;  // increasing index and increasing v
  size_t next_start = 0;
  for (size_t end = 1; end < s.ticks.size(); ++end) {
    for (; next_start < end && s.ticks[end] - s.ticks[next_start] >= min_ticks; ++next_start) {
      while (!starts.empty() && v(starts.back()) >= v(next_start)) starts.pop_back();
      starts.push_back(next_start);
    }
    while (!starts.empty() && s.ticks[end] - s.ticks[starts.front()] > max_ticks) starts.pop_front();
    if (starts.empty()) continue;
    const Wide value = v(end) - v(starts.front());
    if (!best || value > best->value) best = Run{starts.front(), end, value};
  }
  return best;
}

// The audio renditions of one codec (Apple: one group per codec); members in input order.
struct AudioGroup {
  std::string id;
  std::vector<const HlsRendition*> members;
  std::vector<std::string> codecs;  // distinct, in order of appearance
  uint64_t peak = 0;                // the largest member's
  uint64_t average = 0;
};

std::vector<AudioGroup> audio_groups(const std::vector<HlsRendition>& audios) {
  std::vector<AudioGroup> groups;
  for (const HlsRendition& a : audios) {
    const std::string id = audio_group_id(a.codecs);
    auto g = std::ranges::find(groups, id, &AudioGroup::id);
    if (g == groups.end()) g = groups.insert(groups.end(), AudioGroup{id, {}, {}, 0, 0});
    g->members.push_back(&a);
    if (!a.codecs.empty() && std::ranges::find(g->codecs, a.codecs) == g->codecs.end()) g->codecs.push_back(a.codecs);
    g->peak = std::max(g->peak, a.peak_bit_rate);
    g->average = std::max(g->average, a.average_bit_rate);
  }
  return groups;
}

// NAME: the language's English name, else "<fallback> <position>", then " 2", " 3" until unused in the group.
std::string rendition_name(const HlsRendition& r, std::string_view fallback, size_t position,
                           std::set<std::string>& taken) {
  std::string base = language_name(r.language);
  if (base.empty()) base = std::string(fallback) + ' ' + std::to_string(position + 1);
  std::string name = base;
  for (int n = 2; !taken.insert(name).second; ++n) name = base + ' ' + std::to_string(n);
  return name;
}

void write_rendition(std::ostringstream& o, const HlsRendition& r, std::string_view type, std::string_view group,
                     const std::string& name, bool is_default) {
  o << "#EXT-X-MEDIA:TYPE=" << type << ",GROUP-ID=" << quoted_value(group);
  if (const std::string tag = bcp47_language(r.language); !tag.empty()) o << ",LANGUAGE=" << quoted_value(tag);
  o << ",NAME=" << quoted_value(name);
  if (type == "AUDIO" && r.channels > 0) o << ",CHANNELS=\"" << r.channels << '"';
  o << ",DEFAULT=" << (is_default ? "YES" : "NO") << ",AUTOSELECT=YES";
  o << ",URI=" << quoted_value(uri_reference(r.uri)) << '\n';
}

std::string frame_rate_text(Rational rate) {
  rate = reduce(rate);
  if (rate.num <= 0 || rate.den <= 0) return "";
  const Wide millis = (static_cast<Wide>(rate.num) * 2000 + rate.den) / (2 * static_cast<Wide>(rate.den));
  char buf[48];
  std::snprintf(buf, sizeof buf, "%lld.%03lld", static_cast<long long>(millis / 1000),
                static_cast<long long>(millis % 1000));
  return buf;
}

// What one EXT-X-STREAM-INF says besides its URI.
struct Variant {
  uint64_t peak = 0;
  uint64_t average = 0;
  std::vector<std::string> codecs;
  const HlsVideo* video = nullptr;
  const AudioGroup* audio = nullptr;
  bool subtitles = false;
};

void write_variant(std::ostringstream& o, const Variant& v, std::string_view uri) {
  o << "#EXT-X-STREAM-INF:BANDWIDTH=" << std::max<uint64_t>(1, v.peak);
  if (v.average > 0) o << ",AVERAGE-BANDWIDTH=" << v.average;
  std::string codecs;
  for (const std::string& c : v.codecs) {
    if (c.empty()) continue;
    if (!codecs.empty()) codecs += ',';
    codecs += c;
  }
  if (!codecs.empty()) o << ",CODECS=" << quoted_value(codecs);
  if (v.video && v.video->width > 0 && v.video->height > 0) {
    o << ",RESOLUTION=" << v.video->width << 'x' << v.video->height;
  }
  if (v.video) {
    if (const std::string rate = frame_rate_text(v.video->frame_rate); !rate.empty()) o << ",FRAME-RATE=" << rate;
  }
  if (v.audio) o << ",AUDIO=" << quoted_value(v.audio->id);
  if (v.subtitles) o << ",SUBTITLES=\"subs\"";
  o << '\n' << uri_reference(uri) << '\n';
}

}  // namespace

HlsMediaPlaylist media_playlist_of(const PackagedTrack& track) {
  HlsMediaPlaylist out;
  out.timescale = track.track.timescale;
  out.init_uri = init_segment_name(track.id);
  const std::vector<SegmentRecord>& segs = track.segments;
  for (size_t i = 0; i < segs.size(); ++i) {
    const int64_t next = i + 1 < segs.size() ? segs[i + 1].earliest_time : segs[i].end_time;
    out.segments.push_back({next - segs[i].earliest_time, segs[i].bytes,
                            media_segment_name(track.id, kFirstSegmentNumber + static_cast<uint32_t>(i))});
  }
  return out;
}

int64_t target_duration_seconds(const HlsMediaPlaylist& playlist) {
  int64_t target = 1;  // 0 is no usable target: clients derive reload and buffer times from it
  for (const HlsSegment& s : playlist.segments) {
    target = std::max(target, rounded_seconds(seconds_of(s.duration, playlist.timescale)));
  }
  return target;
}

uint64_t average_bit_rate(const HlsMediaPlaylist& playlist) {
  const PrefixSums s = prefix_sums(playlist);
  return ceil_rate(s.bytes.back() * 8 * playlist.timescale, s.ticks.back());
}

uint64_t peak_bit_rate(const HlsMediaPlaylist& playlist) {
  if (playlist.timescale == 0) return 0;
  const PrefixSums s = prefix_sums(playlist);
  const Wide target_ticks = static_cast<Wide>(target_duration_seconds(playlist)) * playlist.timescale;
  const Wide min_ticks = (target_ticks + 1) / 2;  // 2 * ticks >= target
  const Wide max_ticks = target_ticks * 3 / 2;    // 2 * ticks <= 3 * target
  // Dinkelbach's method: the best run against rate p/q has a higher rate than p/q until p/q is the peak.
  // The first round (rate 0) finds whether any run qualifies at all.
  std::optional<Run> best = best_run(s, min_ticks, max_ticks, 0, 1);
  if (!best) return average_bit_rate(playlist);
  for (;;) {
    const Wide p = s.bytes[best->end] - s.bytes[best->begin];
    const Wide q = s.ticks[best->end] - s.ticks[best->begin];
    const std::optional<Run> better = best_run(s, min_ticks, max_ticks, p, q);
    if (!better || better->value <= 0) return ceil_rate(p * 8 * playlist.timescale, q);
    best = better;
  }
}

std::string render_media_playlist(const HlsMediaPlaylist& playlist) {
  assert(playlist.timescale > 0 || playlist.segments.empty());
  std::ostringstream o;
  // Decimal EXTINF values need version 3; EXT-X-MAP without EXT-X-I-FRAMES-ONLY needs 6 (RFC 8216 7).
  // EXT-X-MEDIA-SEQUENCE is left out: its default, 0, is right for a VOD playlist.
  o << "#EXTM3U\n#EXT-X-VERSION:" << (playlist.init_uri.empty() ? 3 : 6) << '\n'
    << "#EXT-X-TARGETDURATION:" << target_duration_seconds(playlist) << '\n'
    << "#EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-INDEPENDENT-SEGMENTS\n";
  if (!playlist.init_uri.empty()) o << "#EXT-X-MAP:URI=" << quoted_value(uri_reference(playlist.init_uri)) << '\n';
  for (const HlsSegment& s : playlist.segments) {
    o << "#EXTINF:" << extinf(seconds_of(s.duration, playlist.timescale)) << ",\n" << uri_reference(s.uri) << '\n';
  }
  o << "#EXT-X-ENDLIST\n";
  return o.str();
}

std::string audio_group_id(std::string_view codecs) {
  static constexpr std::pair<std::string_view, std::string_view> kKnown[] = {
      {"ac-3", "ac-3"},           {"ec-3", "ec-3"},     {"fLaC", "flac"},     {"mp4a.40.2", "aac"},
      {"mp4a.40.29", "he-aac-v2"}, {"mp4a.40.34", "mp3"}, {"mp4a.40.5", "he-aac"}, {"mp4a.69", "mp3"},
      {"mp4a.6B", "mp3"},         {"Opus", "opus"},     {"opus", "opus"}};
  for (const auto& [value, name] : kKnown) {
    if (codecs == value) return "audio-" + std::string(name);
  }
  if (codecs.empty()) return "audio";
  std::string id = "audio-";
  for (const char c : codecs) {
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-') {
      id += c;
    } else if (c >= 'A' && c <= 'Z') {
      id += static_cast<char>(c - 'A' + 'a');
    } else {
      id += '-';
    }
  }
  return id;
}

std::string render_master_playlist(const HlsPresentation& p) {
  const std::vector<AudioGroup> groups = audio_groups(p.audios);
  const bool subs = !p.subtitles.empty();
  std::ostringstream o;
  o << "#EXTM3U\n#EXT-X-INDEPENDENT-SEGMENTS\n";
  for (const AudioGroup& g : groups) {
    o << '\n';
    std::set<std::string> taken;
    for (const HlsRendition* r : g.members) {
      const auto position = static_cast<size_t>(r - p.audios.data());
      write_rendition(o, *r, "AUDIO", g.id, rendition_name(*r, "Audio", position, taken), r == g.members.front());
    }
  }
  if (subs) {
    o << '\n';
    std::set<std::string> taken;
    for (size_t i = 0; i < p.subtitles.size(); ++i) {
      write_rendition(o, p.subtitles[i], "SUBTITLES", "subs", rendition_name(p.subtitles[i], "Subtitles", i, taken),
                      false);
    }
  }
  // Variants in video order (the first is where clients start), each video once per audio group.
  o << '\n';
  for (const HlsVideo& video : p.videos) {
    if (groups.empty()) {
      write_variant(o, {video.peak_bit_rate, video.average_bit_rate, {video.codecs}, &video, nullptr, subs}, video.uri);
    }
    for (const AudioGroup& g : groups) {
      Variant v{video.peak_bit_rate + g.peak, video.average_bit_rate + g.average, {video.codecs}, &video, &g, subs};
      v.codecs.insert(v.codecs.end(), g.codecs.begin(), g.codecs.end());
      write_variant(o, v, video.uri);
    }
  }
  if (p.videos.empty()) {
    for (const AudioGroup& g : groups) {
      write_variant(o, {g.peak, g.average, g.codecs, nullptr, &g, subs}, g.members.front()->uri);
    }
  }
  return o.str();
}

}  // namespace ve::core
