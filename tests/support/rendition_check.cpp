// SPDX-License-Identifier: Apache-2.0
#include "support/rendition_check.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "support/test_support.hpp"

namespace ve::testing {
namespace {

nlohmann::json ffprobe_json(const std::string& arguments, const std::filesystem::path& file) {
  const auto r = run("ffprobe -v error -of json " + arguments + " " + quote(file.string()));
  EXPECT_EQ(r.exit_code, 0) << file << ": " << r.output;
  // ffprobe may print warnings before the JSON; parse from the first brace.
  const size_t brace = r.output.find('{');
  if (brace == std::string::npos) return nlohmann::json::object();
  auto parsed = nlohmann::json::parse(r.output.substr(brace), nullptr, false);
  EXPECT_FALSE(parsed.is_discarded()) << r.output;
  return parsed.is_discarded() ? nlohmann::json::object() : parsed;
}

std::string text(const nlohmann::json& j, const char* key) {
  return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : std::string();
}

int number(const nlohmann::json& j, const char* key) {
  if (!j.contains(key)) return 0;
  if (j[key].is_number()) return j[key].get<int>();
  if (j[key].is_string()) return std::atoi(j[key].get<std::string>().c_str());
  return 0;
}

std::string attribute(const std::string& element, const std::string& name) {
  std::smatch m;
  if (std::regex_search(element, m, std::regex("\\s" + name + "=\"([^\"]*)\""))) return m[1];
  return "";
}

}  // namespace

std::vector<ProbedStream> probe_streams(const std::filesystem::path& file) {
  std::vector<ProbedStream> out;
  const auto j = ffprobe_json("-show_streams", file);
  if (!j.contains("streams")) return out;
  for (const auto& s : j["streams"]) {
    ProbedStream p;
    p.index = number(s, "index");
    p.codec_type = text(s, "codec_type");
    p.codec_name = text(s, "codec_name");
    p.profile = text(s, "profile");
    p.width = number(s, "width");
    p.height = number(s, "height");
    p.pix_fmt = text(s, "pix_fmt");
    p.sample_aspect_ratio = text(s, "sample_aspect_ratio");
    p.field_order = text(s, "field_order");
    p.color_primaries = text(s, "color_primaries");
    p.color_transfer = text(s, "color_transfer");
    p.color_space = text(s, "color_space");
    p.sample_rate = number(s, "sample_rate");
    p.channels = number(s, "channels");
    if (s.contains("tags")) p.language = text(s["tags"], "language");
    if (s.contains("side_data_list")) {
      for (const auto& d : s["side_data_list"]) {
        if (text(d, "side_data_type") != "Display Matrix") continue;
        p.display_matrix = true;
        p.rotation = number(d, "rotation");
      }
    }
    out.push_back(p);
  }
  return out;
}

std::vector<ProbedFrame> probe_video_frames(const std::filesystem::path& file) {
  std::vector<ProbedFrame> out;
  const auto j = ffprobe_json("-select_streams v:0 -show_entries frame=pts_time,key_frame,pict_type,interlaced_frame",
                              file);
  if (!j.contains("frames")) return out;
  for (const auto& f : j["frames"]) {
    ProbedFrame p;
    const std::string pts = text(f, "pts_time");
    p.pts = pts.empty() ? std::numeric_limits<double>::quiet_NaN() : std::stod(pts);
    p.key = number(f, "key_frame") == 1;
    p.pict_type = text(f, "pict_type");
    p.interlaced = std::to_string(number(f, "interlaced_frame"));
    out.push_back(p);
  }
  std::stable_sort(out.begin(), out.end(), [](const ProbedFrame& a, const ProbedFrame& b) { return a.pts < b.pts; });
  return out;
}

double shown_duration(const std::vector<ProbedFrame>& frames) {
  if (frames.empty()) return 0;
  std::vector<double> gaps;
  for (size_t i = 1; i < frames.size(); ++i) gaps.push_back(frames[i].pts - frames[i - 1].pts);
  double typical = 0;
  if (!gaps.empty()) {
    std::nth_element(gaps.begin(), gaps.begin() + static_cast<long>(gaps.size() / 2), gaps.end());
    typical = gaps[gaps.size() / 2];
  }
  return frames.back().pts - frames.front().pts + typical;
}

namespace {

// The smallest of the times ffprobe printed one per line (csv), NaN when there is none.
double earliest_time(const std::string& output) {
  double first = std::numeric_limits<double>::quiet_NaN();
  std::istringstream lines(output);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || !(std::isdigit(static_cast<unsigned char>(line[0])) || line[0] == '-')) continue;
    const double t = std::stod(line);
    if (std::isnan(first) || t < first) first = t;
  }
  return first;
}

}  // namespace

double first_pts(const std::filesystem::path& file, const std::string& stream) {
  const auto r = run("ffprobe -v error -select_streams " + stream + " -show_entries packet=pts_time -of csv=p=0 " +
                     quote(file.string()));
  return earliest_time(r.output);
}

double first_frame_time(const std::filesystem::path& file, int stream) {
  const auto r = run("ffprobe -v error -select_streams " + std::to_string(stream) +
                     " -read_intervals %+#5 -show_entries frame=pts_time -of csv=p=0 " + quote(file.string()));
  return earliest_time(r.output);
}

double MpdRepresentation::start_seconds(size_t i) const {
  return static_cast<double>(starts.at(i) - presentation_time_offset) / static_cast<double>(timescale);
}

double MpdRepresentation::end_seconds() const {
  return static_cast<double>(end - presentation_time_offset) / static_cast<double>(timescale);
}

std::vector<MpdRepresentation> parse_mpd(const std::filesystem::path& mpd) {
  const std::string xml = read_text(mpd);
  std::vector<MpdRepresentation> out;
  static const std::regex set_pattern("<AdaptationSet([^>]*)>([\\s\\S]*?)</AdaptationSet>");
  static const std::regex rep_pattern("<Representation([^>]*)>([\\s\\S]*?)</Representation>");
  static const std::regex template_pattern("<SegmentTemplate([^>]*)>");
  static const std::regex s_pattern("<S\\s([^>]*)/>");
  for (std::sregex_iterator set(xml.begin(), xml.end(), set_pattern), end; set != end; ++set) {
    const std::string set_attributes = (*set)[1];
    const std::string set_body = (*set)[2];
    for (std::sregex_iterator rep(set_body.begin(), set_body.end(), rep_pattern); rep != end; ++rep) {
      MpdRepresentation r;
      const std::string attributes = (*rep)[1];
      const std::string body = (*rep)[2];
      r.id = attribute(attributes, "id");
      r.codecs = attribute(attributes, "codecs");
      r.width = std::atoi(attribute(attributes, "width").c_str());
      r.height = std::atoi(attribute(attributes, "height").c_str());
      r.content_type = attribute(set_attributes, "contentType");
      r.lang = attribute(set_attributes, "lang");
      std::smatch m;
      if (std::regex_search(body, m, template_pattern)) {
        const std::string t = m[1];
        r.timescale = std::max<int64_t>(1, std::atoll(attribute(t, "timescale").c_str()));
        r.presentation_time_offset = std::atoll(attribute(t, "presentationTimeOffset").c_str());
      }
      int64_t time = 0;
      for (std::sregex_iterator s(body.begin(), body.end(), s_pattern); s != end; ++s) {
        const std::string e = " " + (*s)[1].str();
        if (!attribute(e, "t").empty()) time = std::atoll(attribute(e, "t").c_str());
        const int64_t d = std::atoll(attribute(e, "d").c_str());
        const int64_t repeats = std::atoll(attribute(e, "r").c_str());
        for (int64_t k = 0; k <= repeats; ++k) {
          r.starts.push_back(time);
          time += d;
        }
      }
      r.end = time;
      out.push_back(r);
    }
  }
  return out;
}

size_t join_representation(const std::filesystem::path& dir, const std::string& id, const std::filesystem::path& out) {
  // Exactly seg-<id>-<digits>.m4s: "seg-video0-*" would also match "seg-video0-720p-...".
  const std::regex own("seg-" + std::regex_replace(id, std::regex("[.^$|()\\[\\]{}*+?\\\\]"), "\\$&") +
                       "-[0-9]+\\.m4s");
  std::vector<std::filesystem::path> parts;
  for (const auto& name : list_names(dir)) {
    if (std::regex_match(name, own)) parts.push_back(dir / name);
  }
  std::sort(parts.begin(), parts.end());
  const size_t segments = parts.size();
  parts.insert(parts.begin(), dir / ("init-" + id + ".mp4"));
  concatenate(parts, out);
  return segments;
}

double psnr_against(const std::filesystem::path& encoded, const std::filesystem::path& reference, int width,
                    int height, const std::string& reference_filters) {
  const std::string size = std::to_string(width) + ":" + std::to_string(height);
  const std::string ref_chain = (reference_filters.empty() ? "" : reference_filters + ",") + "scale=" + size +
                                ":flags=bicubic,setsar=1,format=yuv420p,setpts=PTS-STARTPTS";
  const auto r = run("ffmpeg -nostdin -hide_banner -i " + quote(encoded.string()) + " -i " + quote(reference.string()) +
                     " -lavfi " +
                     quote("[1:v]" + ref_chain + "[ref];[0:v]format=yuv420p,setpts=PTS-STARTPTS[enc];[enc][ref]psnr") +
                     " -f null -");
  std::smatch m;
  if (r.exit_code != 0 || !std::regex_search(r.output, m, std::regex("PSNR y:[0-9.inf]+ u:[0-9.inf]+ v:[0-9.inf]+ "
                                                                      "average:([0-9.]+|inf)"))) {
    ADD_FAILURE() << "psnr of " << encoded << " against " << reference << ":\n" << r.output;
    return 0;
  }
  return m[1] == "inf" ? 100.0 : std::stod(m[1]);
}

int interlaced_frame_count(const std::filesystem::path& file) {
  const auto r = run("ffmpeg -nostdin -hide_banner -i " + quote(file.string()) + " -map 0:v:0 -vf idet -f null -");
  std::smatch m;
  if (!std::regex_search(r.output, m, std::regex("Multi frame detection: TFF:\\s*([0-9]+)\\s*BFF:\\s*([0-9]+)"))) {
    ADD_FAILURE() << "idet on " << file << ":\n" << r.output;
    return -1;
  }
  return std::stoi(m[1]) + std::stoi(m[2]);
}

DisplaySize display_size_of(const ProbedStream& v) {
  double sar = 1;
  int num = 0;
  int den = 0;
  if (std::sscanf(v.sample_aspect_ratio.c_str(), "%d:%d", &num, &den) == 2 && num > 0 && den > 0) {
    sar = static_cast<double>(num) / den;
  }
  const double width = v.width * sar;
  if (std::abs(v.rotation) % 180 == 90) return {static_cast<double>(v.height), static_cast<int>(std::lround(width))};
  return {width, v.height};
}

void expect_plays_without_errors(const std::filesystem::path& file) {
  // Timestamps passed through: with ffmpeg's default vsync a variable frame rate would be retimed
  // to the frame rate it guesses and complain about its own retimed timestamps.
  const auto r = run("ffmpeg -nostdin -v error -vsync passthrough -i " + quote(file.string()) + " -map 0 -f null -");
  EXPECT_EQ(r.exit_code, 0) << file << ": " << r.output;
  // What counts is what the demuxers and decoders report. The null muxer's complaints about the
  // timestamps ffmpeg itself derives are left out: FFmpeg 5.1's DASH demuxer hands the last frames
  // of a B-frame representation with several segments colliding timestamps even for the
  // repackaging DashPackager (not the encoder) writes, while the same segments joined, and the
  // HLS demuxer, read cleanly.
  std::istringstream lines(r.output);
  std::string errors;
  for (std::string line; std::getline(lines, line);) {
    if (line.find("non monotonically increasing dts to muxer") == std::string::npos) errors += line + "\n";
  }
  EXPECT_EQ(errors, "") << file;
}

namespace {

double median_gap(const std::vector<ProbedFrame>& frames) {
  if (frames.size() < 2) return 0.04;
  std::vector<double> gaps;
  for (size_t i = 1; i < frames.size(); ++i) gaps.push_back(frames[i].pts - frames[i - 1].pts);
  std::nth_element(gaps.begin(), gaps.begin() + static_cast<long>(gaps.size() / 2), gaps.end());
  return gaps[gaps.size() / 2];
}

bool same_timeline(const MpdRepresentation& a, const MpdRepresentation& b) {
  if (a.starts.size() != b.starts.size()) return false;
  const auto same = [&](int64_t x, int64_t y) {
    return static_cast<__int128>(x - a.presentation_time_offset) * b.timescale ==
           static_cast<__int128>(y - b.presentation_time_offset) * a.timescale;
  };
  for (size_t i = 0; i < a.starts.size(); ++i) {
    if (!same(a.starts[i], b.starts[i])) return false;
  }
  return same(a.end, b.end);
}

// Each segment of `rep` begins with an IDR frame at its start time (relative to the first).
void expect_idr_at_boundaries(const MpdRepresentation& rep, const std::vector<ProbedFrame>& frames, double frame) {
  ASSERT_FALSE(frames.empty()) << rep.id;
  for (size_t k = 0; k < rep.starts.size(); ++k) {
    const double want = rep.start_seconds(k) - rep.start_seconds(0);
    const auto nearest = std::min_element(frames.begin(), frames.end(), [&](const ProbedFrame& a, const ProbedFrame& b) {
      return std::abs(a.pts - frames.front().pts - want) < std::abs(b.pts - frames.front().pts - want);
    });
    EXPECT_NEAR(nearest->pts - frames.front().pts, want, frame / 2) << rep.id << " segment " << k + 1;
    EXPECT_TRUE(nearest->key && nearest->pict_type == "I")
        << rep.id << " segment " << k + 1 << " at " << want << " s begins with a " << nearest->pict_type
        << (nearest->key ? " key" : " non-key") << " frame";
  }
}

}  // namespace

std::vector<CheckedRendition> expect_good_ladder(const std::filesystem::path& input, const std::filesystem::path& dir,
                                                 const LadderExpectations& expected) {
  std::vector<CheckedRendition> checked;
  const auto streams = probe_streams(input);
  const ProbedStream* source = nullptr;
  std::vector<const ProbedStream*> source_audio;
  for (const auto& s : streams) {
    if (s.codec_type == "video" && !source) source = &s;
    if (s.codec_type == "audio") source_audio.push_back(&s);
  }
  const auto reps = parse_mpd(dir / "manifest.mpd");
  std::vector<const MpdRepresentation*> video;
  std::vector<const MpdRepresentation*> audio;
  for (const auto& r : reps) (r.content_type == "video" ? video : audio).push_back(&r);
  EXPECT_EQ(video.empty(), source == nullptr) << dir;
  EXPECT_EQ(static_cast<int>(audio.size()),
            expected.audio_representations >= 0 ? expected.audio_representations : static_cast<int>(source_audio.size()));
  TempDir scratch;

  std::vector<ProbedFrame> input_frames;
  DisplaySize display;
  double frame = 0.04;
  if (source) {
    input_frames = probe_video_frames(input);
    display = display_size_of(*source);
    frame = median_gap(input_frames);
  }
  const std::vector<std::string> input_hashes = stream_hashes(input);
  for (const MpdRepresentation* rep : video) {
    SCOPED_TRACE(rep->id);
    CheckedRendition c;
    c.id = rep->id;
    c.encoded = !std::regex_match(rep->id, std::regex("video[0-9]+"));
    const auto joined = scratch / (rep->id + ".mp4");
    EXPECT_EQ(join_representation(dir, rep->id, joined), rep->starts.size());
    const auto probed = probe_streams(joined);
    if (probed.size() != 1) {
      ADD_FAILURE() << joined << " holds " << probed.size() << " streams";
      continue;
    }
    const ProbedStream& v = probed[0];
    c.width = v.width;
    c.height = v.height;
    EXPECT_EQ(v.codec_name, "h264");
    EXPECT_EQ(v.width, rep->width);
    EXPECT_EQ(v.height, rep->height);
    EXPECT_FALSE(v.display_matrix) << "rotation side data left in " << rep->id;
    // Encoded: 8-bit 4:2:0 in the source's range (a full-range yuvj420p source stays full range).
    if (c.encoded || !source) {
      EXPECT_TRUE(v.pix_fmt == "yuv420p" || (v.pix_fmt == "yuvj420p" && source && source->pix_fmt == "yuvj420p"))
          << rep->id << ": " << v.pix_fmt;
    } else {
      EXPECT_EQ(v.pix_fmt, source->pix_fmt);
    }
    EXPECT_EQ(v.field_order == "progressive" || v.field_order.empty(), true) << v.field_order;
    const DisplaySize shown = display_size_of(v);
    EXPECT_LE(v.height, display.height) << "upscaled";
    EXPECT_NEAR(shown.width / shown.height, display.width / display.height, 0.01 * display.width / display.height)
        << v.width << "x" << v.height << " sar " << v.sample_aspect_ratio << " vs display " << display.width << "x"
        << display.height;
    if (c.encoded) {
      EXPECT_EQ(v.profile, "High");
      EXPECT_EQ(v.sample_aspect_ratio, "1:1");
      EXPECT_EQ(v.width % 2, 0);
      EXPECT_EQ(v.height % 2, 0);
    } else {
      const auto hashes = stream_hashes(joined);
      EXPECT_EQ(hashes.size(), 1u);
      if (!hashes.empty() && source) {
        EXPECT_EQ(hashes[0], input_hashes.at(static_cast<size_t>(source->index)));
      }
    }
    const auto frames = probe_video_frames(joined);
    EXPECT_EQ(frames.size(), input_frames.size()) << "frames shown";
    EXPECT_NEAR(shown_duration(frames), shown_duration(input_frames), expected.frame_tolerance * frame + 1e-6);
    if (!rep->starts.empty()) {
      EXPECT_NEAR(rep->end_seconds() - rep->start_seconds(0), shown_duration(input_frames),
                  expected.frame_tolerance * frame + 1e-6)
          << "timeline duration";
    }
    expect_idr_at_boundaries(*rep, frames, frame);
    // No segment is shorter than a frame: the last frame is shown for a frame's time too.
    for (size_t k = 0; k < rep->starts.size(); ++k) {
      const double next = k + 1 < rep->starts.size() ? rep->start_seconds(k + 1) : rep->end_seconds();
      EXPECT_GE(next - rep->start_seconds(k), frame / 2) << "segment " << k + 1 << " of " << rep->starts.size();
    }
    if (expected.all_encoded) {
      for (size_t k = 0; k < rep->starts.size(); ++k) {
        EXPECT_NEAR(rep->start_seconds(k) - rep->start_seconds(0), static_cast<double>(k) * expected.segment_seconds,
                    frame + 1e-6)
            << "segment " << k + 1 << " starts off the grid";
      }
    }
    EXPECT_TRUE(same_timeline(*rep, *video.front())) << rep->id << " and " << video.front()->id << " differ";
    if (c.encoded && expected.check_psnr) {
      c.psnr = psnr_against(joined, input, v.width, v.height, expected.reference_filters);
      const double floor = expected.psnr_floor ? expected.psnr_floor(v.height) : 0;
      std::printf("[ PSNR     ] %s %s %dx%d: %.2f dB (floor %.1f)\n", input.filename().c_str(), rep->id.c_str(),
                  v.width, v.height, c.psnr, floor);
      EXPECT_GE(c.psnr, floor) << rep->id;
    }
    checked.push_back(c);
  }

  if (source && !video.empty()) {
    // The first picture comes at the presentation's start, as in the input: the video starts where
    // the input's did after its earliest audio or video content (decoded frames, so the priming a
    // decoder drops, an edit list's or Opus' pre-skip, does not count), within a millisecond. A
    // player otherwise meets a gap and seeks over it (and dash.js may then lose a WebVTT file's
    // cues).
    const double picture = first_frame_time(input, source->index);
    double earliest = picture;
    for (const ProbedStream* a : source_audio) earliest = std::min(earliest, first_frame_time(input, a->index));
    EXPECT_NEAR(video.front()->start_seconds(0), picture - earliest, 0.001)
        << "first picture at " << video.front()->start_seconds(0) << " s of the presentation";
  }
  for (const MpdRepresentation* rep : audio) {
    SCOPED_TRACE(rep->id);
    const auto joined = scratch / (rep->id + ".mp4");
    EXPECT_EQ(join_representation(dir, rep->id, joined), rep->starts.size());
    const auto probed = probe_streams(joined);
    if (probed.size() != 1) {
      ADD_FAILURE() << joined << " holds " << probed.size() << " streams";
      continue;
    }
    EXPECT_EQ(probed[0].codec_name, "aac");
    EXPECT_EQ(probed[0].profile, "LC");
    if (expected.audio_encoded) {
      EXPECT_EQ(probed[0].sample_rate, 48000);
      EXPECT_EQ(probed[0].channels, 2);
    }
    std::smatch m;
    if (!video.empty() && source && std::regex_search(rep->id, m, std::regex("([0-9]+)$"))) {
      // Video and audio keep the input's relative start, within one audio frame (1024 samples
      // of the output's AAC) plus 2 ms for containers that keep time in milliseconds. Encoded
      // AAC's 1024 priming samples sit before the audio's first real sample, so the video starts
      // that much after the audio track.
      const double input_offset = first_pts(input, std::to_string(source->index)) - first_pts(input, m[1]);
      const double priming = expected.audio_encoded ? 1024.0 / 48000 : 0;
      const double output_offset = video.front()->start_seconds(0) - rep->start_seconds(0) - priming;
      EXPECT_NEAR(output_offset, input_offset, 1024.0 / std::max(1, probed[0].sample_rate) + 0.002)
          << "video starts " << output_offset << " s after audio; in the input " << input_offset << " s";
    }
  }
  if (std::filesystem::exists(dir / "master.m3u8")) expect_plays_without_errors(dir / "master.m3u8");
  expect_plays_without_errors(dir / "manifest.mpd");
  return checked;
}

}  // namespace ve::testing
