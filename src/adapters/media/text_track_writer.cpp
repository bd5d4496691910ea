// SPDX-License-Identifier: Apache-2.0
#include "adapters/media/text_track_writer.hpp"

#include <algorithm>

#include "adapters/media/file_io.hpp"
#include "core/output_naming.hpp"
#include "core/webvtt.hpp"

namespace ve::adapters::media {
namespace {

// The cues on [0, end_us): later cues dropped, one crossing the end cut there.
std::vector<core::WebVttCue> within_presentation(const std::vector<core::WebVttCue>& cues, int64_t end_us) {
  std::vector<core::WebVttCue> out;
  for (const core::WebVttCue& c : cues) {
    if (c.end_us <= 0 || c.start_us >= end_us) continue;
    core::WebVttCue kept = c;
    kept.start_us = std::max<int64_t>(0, kept.start_us);
    kept.end_us = std::min(kept.end_us, end_us);
    out.push_back(std::move(kept));
  }
  return out;
}

}  // namespace

core::Result<WrittenTextTrack> write_text_track(const TextTrack& track, const std::filesystem::path& folder,
                                                const core::OutputFormats& formats,
                                                const std::vector<int64_t>& segment_starts_us, int64_t end_us,
                                                int64_t mpegts_origin) {
  WrittenTextTrack written;
  const std::string id = core::representation_id(core::MediaKind::Text, track.input_index);
  written.file.id = id;
  written.file.language = track.language;
  const std::vector<core::WebVttCue> cues = within_presentation(track.cues, end_us);
  if (formats.dash) {
    const std::string whole = core::render_webvtt(cues);
    if (auto ok = write_text_file(folder / core::webvtt_file_name(id), whole); !ok) return core::fail(ok.error());
    written.file.bytes = whole.size();
    written.bytes += whole.size();
  }
  if (formats.hls) {
    written.playlist.timescale = 1000000;
    for (size_t k = 0; k < segment_starts_us.size(); ++k) {
      const int64_t start = segment_starts_us[k];
      const int64_t end = k + 1 < segment_starts_us.size() ? segment_starts_us[k + 1] : end_us;
      if (end <= start) continue;
      const auto number = static_cast<uint32_t>(core::kFirstSegmentNumber + written.playlist.segments.size());
      const std::string name = core::webvtt_segment_name(id, number);
      const std::string text = core::render_webvtt(core::cues_between(cues, start, end), mpegts_origin);
      if (auto ok = write_text_file(folder / name, text); !ok) return core::fail(ok.error());
      written.playlist.segments.push_back({end - start, text.size(), name});
      written.bytes += text.size();
    }
  }
  return written;
}

}  // namespace ve::adapters::media
