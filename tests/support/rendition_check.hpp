// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace ve::testing {

// One stream as ffprobe describes it (-show_streams, JSON). Fields ffprobe leaves out are empty or 0.
struct ProbedStream {
  int index = 0;
  std::string codec_type;  // "video", "audio"
  std::string codec_name;  // "h264", "aac"
  std::string profile;     // "High", "LC"
  int width = 0;
  int height = 0;
  std::string pix_fmt;
  std::string sample_aspect_ratio;  // "1:1"
  std::string field_order;          // "progressive", "tt", ...
  std::string color_primaries;
  std::string color_transfer;
  std::string color_space;
  bool display_matrix = false;  // rotation side data present
  int rotation = 0;             // ffprobe's (counterclockwise) degrees of that side data
  int sample_rate = 0;
  int channels = 0;
  std::string language;
};
std::vector<ProbedStream> probe_streams(const std::filesystem::path& file);

// The decoded video frames of a file's first video stream, in presentation order.
struct ProbedFrame {
  double pts = 0;  // seconds
  bool key = false;
  std::string pict_type;  // "I", "P", "B"
  std::string interlaced;  // "1" when the decoder flags the frame interlaced
};
std::vector<ProbedFrame> probe_video_frames(const std::filesystem::path& file);

// Seconds from the first to the last frame's presentation time plus one typical frame interval
// (the median gap): the video's shown duration, also for variable frame rates.
double shown_duration(const std::vector<ProbedFrame>& frames);

// First presentation time (seconds) of a stream ("v:0", "a:1", or an index "2", as ffprobe's
// -select_streams takes it) as ffprobe reads it from the file's packets; NaN when there is none.
double first_pts(const std::filesystem::path& file, const std::string& stream);

// Presentation time (seconds) of the first decoded frame of the stream with this index, after the
// priming a decoder drops (an edit list's, Opus' pre-skip); NaN when it has none.
double first_frame_time(const std::filesystem::path& file, int stream);

// One Representation of a DASH manifest, read with regular expressions (independently of the
// packager's own MPD reader): its AdaptationSet's contentType and lang, and its SegmentTimeline.
struct MpdRepresentation {
  std::string id;
  std::string content_type;
  std::string lang;
  std::string codecs;
  int width = 0;
  int height = 0;
  int64_t timescale = 1;
  int64_t presentation_time_offset = 0;
  std::vector<int64_t> starts;  // S@t of every segment, repeats expanded
  int64_t end = 0;              // end of the last segment
  double start_seconds(size_t i) const;
  double end_seconds() const;
};
std::vector<MpdRepresentation> parse_mpd(const std::filesystem::path& mpd);

// The init segment and media segments (seg-<id>-NNNNN.m4s, numbers only) of one representation
// joined into `out`; the number of media segments joined.
size_t join_representation(const std::filesystem::path& dir, const std::string& id, const std::filesystem::path& out);

// Average PSNR (all planes, dB) of `encoded`'s video against `reference`'s video (rotated by
// ffmpeg's autorotate, filtered by `reference_filters` if not empty, scaled to WxH with bicubic),
// both timelines started at zero. A value <= 0 means ffmpeg failed (its output is logged).
double psnr_against(const std::filesystem::path& encoded, const std::filesystem::path& reference, int width,
                    int height, const std::string& reference_filters = "");

// Number of frames the idet filter classifies as interlaced (TFF + BFF, multi-frame detection).
int interlaced_frame_count(const std::filesystem::path& file);

// The size a viewer sees a probed video stream at: the sample aspect ratio applied to the width,
// then a quarter turn of rotation swapping the sides.
struct DisplaySize {
  double width = 0;
  int height = 0;
};
DisplaySize display_size_of(const ProbedStream& video);

// What a presentation made from `input` should look like to a viewer.
struct LadderExpectations {
  double segment_seconds = 2;  // PackageOptions::segment_duration_seconds used
  // Every video rendition encoded (none kept): segments start every segment_seconds from the
  // first frame, within one frame.
  bool all_encoded = true;
  bool check_psnr = true;
  std::function<double(int height)> psnr_floor;  // dB floor for an encoded rendition of that height
  std::string reference_filters;                 // applied to the input before scaling for PSNR
  int audio_representations = -1;                // -1: as many as the input has audio streams
  bool audio_encoded = true;                     // AAC-LC stereo 48 kHz expected (else kept as is)
  double frame_tolerance = 1;                    // allowed difference of shown duration, in frames
};

// One video rendition as the checks found it.
struct CheckedRendition {
  std::string id;
  int width = 0;
  int height = 0;
  bool encoded = true;
  double psnr = 0;  // 0 when not measured
};

// The viewer-level checks of a packaged folder against its input, reported through GoogleTest:
// - every video representation: H.264, never taller than the displayed source, its aspect ratio
//   within 1% of the displayed source's, square pixels, 8-bit 4:2:0, no rotation side data, High
//   profile when encoded (a kept one carries the input's packets byte for byte), as many frames
//   as the input shows and a duration within frame_tolerance frames of it;
// - every video representation has the same SegmentTimeline and each segment begins with an IDR
//   frame at its start time;
// - audio: AAC-LC, 48 kHz stereo when encoded; video and audio start within one audio frame of
//   the input's relative start;
// - the PSNR floor per encoded rendition; ffmpeg reads master.m3u8 and manifest.mpd without errors.
std::vector<CheckedRendition> expect_good_ladder(const std::filesystem::path& input, const std::filesystem::path& dir,
                                                 const LadderExpectations& expected);

// ffmpeg decodes every stream of `playlist_or_manifest` to the end without printing an error.
void expect_plays_without_errors(const std::filesystem::path& playlist_or_manifest);

}  // namespace ve::testing
