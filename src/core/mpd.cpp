// SPDX-License-Identifier: Apache-2.0
#include "core/mpd.hpp"

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "core/output_naming.hpp"
#include "core/text_encoding.hpp"

namespace ve::core {
namespace {

std::string iso_duration(double seconds) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "PT%.3fS", seconds < 0 ? 0.0 : seconds);
  return buf;
}

std::string ratio(Rational r, char sep) {
  r = reduce(r);
  return std::to_string(r.num) + sep + std::to_string(r.den);
}

void write_video_attributes(std::ostringstream& o, const TrackDescription& t) {
  Rational sar = t.sample_aspect_ratio.num > 0 && t.sample_aspect_ratio.den > 0 ? t.sample_aspect_ratio
                                                                                   : Rational{1, 1};
  o << " width=\"" << t.width << "\" height=\"" << t.height << "\" sar=\"" << ratio(sar, ':') << '"';
  const Rational fr = reduce(t.frame_rate);
  if (fr.num > 0 && fr.den > 0) {
    o << " frameRate=\"" << (fr.den == 1 ? std::to_string(fr.num) : ratio(fr, '/')) << '"';
  }
}

void write_timeline(std::ostringstream& o, const PackagedTrack& p) {
  o << "          <SegmentTimeline>\n";
  for (const TimelineEntry& e : build_timeline(p.segments)) {
    o << "            <S t=\"" << e.t << "\" d=\"" << e.d << '"';
    if (e.r > 0) o << " r=\"" << e.r << '"';
    o << "/>\n";
  }
  o << "          </SegmentTimeline>\n";
}

void write_representation(std::ostringstream& o, const PackagedTrack& p) {
  const TrackDescription& t = p.track;
  const bool video = t.kind == MediaKind::Video;
  o << "      <Representation id=\"" << xml_escape(p.id) << "\" codecs=\"" << xml_escape(t.codecs)
    << "\" bandwidth=\"" << std::max<uint64_t>(1, peak_bandwidth(p.segments, t.timescale)) << '"';
  if (video) {
    write_video_attributes(o, t);
  } else {
    o << " audioSamplingRate=\"" << t.sample_rate << '"';
  }
  o << ">\n";
  if (!video && t.channels > 0) {
    o << "        <AudioChannelConfiguration schemeIdUri=\"urn:mpeg:dash:23003:3:audio_channel_configuration:2011\""
         " value=\""
      << t.channels << "\"/>\n";
  }
  o << "        <SegmentTemplate timescale=\"" << t.timescale << '"';
  if (p.presentation_time_offset != 0) o << " presentationTimeOffset=\"" << p.presentation_time_offset << '"';
  o << " initialization=\"" << kInitTemplate << "\" media=\"" << kMediaTemplate << "\" startNumber=\""
    << kFirstSegmentNumber << "\">\n";
  write_timeline(o, p);
  o << "        </SegmentTemplate>\n      </Representation>\n";
}

Rational picture_aspect(const TrackDescription& t) {
  const Rational sar = t.sample_aspect_ratio.num > 0 ? t.sample_aspect_ratio : Rational{1, 1};
  return reduce({t.width * sar.num, t.height * sar.den});
}

// One AdaptationSet for the representations of one input track (a ladder's renditions are
// switchable: same content, aligned segments).
void write_adaptation_set(std::ostringstream& o, const std::vector<const PackagedTrack*>& reps, size_t set_id) {
  const TrackDescription& t = reps.front()->track;
  const bool video = t.kind == MediaKind::Video;
  o << "    <AdaptationSet id=\"" << set_id << "\" contentType=\"" << to_string(t.kind) << "\" mimeType=\""
    << (video ? "video/mp4" : "audio/mp4") << "\" segmentAlignment=\"true\" startWithSAP=\"1\"";
  if (!t.language.empty()) o << " lang=\"" << xml_escape(t.language) << '"';
  if (video && t.width > 0 && t.height > 0) {
    // par only when every representation shows the same shape (even-width rounding of the rungs
    // can differ by a pixel), and the largest size for players that pick by it.
    bool same_par = true;
    int max_width = 0;
    int max_height = 0;
    for (const PackagedTrack* r : reps) {
      same_par = same_par && picture_aspect(r->track) == picture_aspect(t);
      max_width = std::max(max_width, r->track.width);
      max_height = std::max(max_height, r->track.height);
    }
    if (same_par) o << " par=\"" << ratio(picture_aspect(t), ':') << '"';
    if (reps.size() > 1) o << " maxWidth=\"" << max_width << "\" maxHeight=\"" << max_height << '"';
  }
  o << ">\n";
  for (const PackagedTrack* r : reps) write_representation(o, *r);
  o << "    </AdaptationSet>\n";
}

void write_text_adaptation_set(std::ostringstream& o, const PackagedTextFile& t, size_t set_id, double seconds) {
  o << "    <AdaptationSet id=\"" << set_id << "\" contentType=\"text\" mimeType=\"text/vtt\"";
  if (!t.language.empty()) o << " lang=\"" << xml_escape(t.language) << '"';
  o << ">\n";
  o << "      <Role schemeIdUri=\"urn:mpeg:dash:role:2011\" value=\"subtitle\"/>\n";
  const uint64_t bandwidth = seconds > 0 ? static_cast<uint64_t>(static_cast<double>(t.bytes) * 8 / seconds) : 0;
  o << "      <Representation id=\"" << xml_escape(t.id) << "\" bandwidth=\"" << std::max<uint64_t>(1, bandwidth)
    << "\">\n";
  o << "        <BaseURL>" << xml_escape(webvtt_file_name(t.id)) << "</BaseURL>\n";
  o << "      </Representation>\n    </AdaptationSet>\n";
}

}  // namespace

double presentation_duration_seconds(const std::vector<PackagedTrack>& tracks) {
  double longest = 0;
  for (const PackagedTrack& p : tracks) {
    if (p.segments.empty() || p.track.timescale == 0) continue;
    const double end = static_cast<double>(p.segments.back().end_time - p.presentation_time_offset) /
                       p.track.timescale;
    longest = std::max(longest, end);
  }
  return longest;
}

std::string render_mpd(const std::vector<PackagedTrack>& tracks, double min_buffer_seconds,
                       const std::vector<PackagedTextFile>& texts) {
  const double seconds = presentation_duration_seconds(tracks);
  const std::string duration = iso_duration(seconds);
  std::ostringstream o;
  o << "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
    << "<MPD xmlns=\"urn:mpeg:dash:schema:mpd:2011\" profiles=\"urn:mpeg:dash:profile:isoff-live:2011\""
    << " type=\"static\" mediaPresentationDuration=\"" << duration << "\" minBufferTime=\""
    << iso_duration(min_buffer_seconds) << "\">\n"
    << "  <Period id=\"0\" start=\"PT0.000S\" duration=\"" << duration << "\">\n";
  // Representations of the same input track and kind share a set, in the order given.
  std::vector<std::vector<const PackagedTrack*>> sets;
  for (const PackagedTrack& p : tracks) {
    auto same = std::find_if(sets.begin(), sets.end(), [&](const auto& set) {
      return set.front()->track.input_index == p.track.input_index && set.front()->track.kind == p.track.kind;
    });
    if (same == sets.end()) {
      sets.push_back({&p});
    } else {
      same->push_back(&p);
    }
  }
  size_t set_id = 0;
  for (const auto& set : sets) write_adaptation_set(o, set, set_id++);
  for (const PackagedTextFile& t : texts) write_text_adaptation_set(o, t, set_id++, seconds);
  o << "  </Period>\n</MPD>\n";
  return o.str();
}

}  // namespace ve::core
