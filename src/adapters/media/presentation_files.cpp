// SPDX-License-Identifier: Apache-2.0
#include "adapters/media/presentation_files.hpp"

#include <algorithm>
#include <cmath>

#include "adapters/media/file_io.hpp"
#include "adapters/media/text_track_writer.hpp"
#include "adapters/media/text_tracks.hpp"
#include "core/hls_playlist.hpp"
#include "core/hls_presentation.hpp"
#include "core/output_naming.hpp"

namespace ve::adapters::media {
namespace {

double longest_segment_seconds(const std::vector<core::PackagedTrack>& tracks) {
  double longest = 0;
  for (const auto& t : tracks) {
    for (const auto& e : core::build_timeline(t.segments)) {
      longest = std::max(longest, static_cast<double>(e.d) / t.track.timescale);
    }
  }
  return longest;
}

// Every media playlist, then master.m3u8; the bytes written.
core::Result<uint64_t> write_hls_playlists(const std::filesystem::path& folder,
                                           const std::vector<core::PackagedTrack>& tracks,
                                           const std::vector<WrittenTextTrack>& texts) {
  uint64_t bytes = 0;
  const auto write = [&](const std::string& name, const std::string& text) -> core::Status {
    bytes += text.size();
    return write_text_file(folder / name, text);
  };
  for (const core::PackagedTrack& t : tracks) {
    const std::string playlist = core::render_media_playlist(core::media_playlist_of(t));
    if (auto ok = write(core::hls_playlist_name(t.id), playlist); !ok) return core::fail(ok.error());
  }
  std::vector<core::HlsRendition> subtitles;
  for (const WrittenTextTrack& t : texts) {
    if (auto ok = write(core::hls_playlist_name(t.file.id), core::render_media_playlist(t.playlist)); !ok) {
      return core::fail(ok.error());
    }
    core::HlsRendition r;
    r.uri = core::hls_playlist_name(t.file.id);
    r.language = t.file.language;
    subtitles.push_back(std::move(r));
  }
  const std::string master = core::render_master_playlist(core::hls_presentation_of(tracks, std::move(subtitles)));
  if (auto ok = write(std::string(core::kHlsMasterName), master); !ok) return core::fail(ok.error());
  return bytes;
}

}  // namespace

core::Result<uint64_t> write_presentation_files(const std::filesystem::path& input, bool read_texts,
                                                const std::filesystem::path& folder,
                                                const std::vector<core::PackagedTrack>& tracks,
                                                const TextTiming& timing, const ports::PackageOptions& options,
                                                std::vector<std::string>& skipped_tracks) {
  uint64_t bytes = 0;
  // Subtitle tracks, as WebVTT beside the media segments (a second, subtitle-only read of the
  // input, made only when it has tracks besides audio and video).
  std::vector<SkippedTrack> skipped;
  auto text_tracks = read_texts ? read_text_tracks(input, options.cancel, &skipped)
                                : core::Result<std::vector<TextTrack>>{};
  if (!text_tracks) return core::fail(text_tracks.error());
  for (const SkippedTrack& k : skipped) {
    skipped_tracks.push_back("track " + std::to_string(k.input_index) + ": " + k.reason);
  }
  std::vector<WrittenTextTrack> texts;
  if (!text_tracks->empty()) {
    const core::PackagedTrack* reference = &tracks.front();
    for (const auto& t : tracks) {
      if (t.track.kind == core::MediaKind::Video) {
        reference = &t;
        break;
      }
    }
    const auto end_us = static_cast<int64_t>(std::llround(core::presentation_duration_seconds(tracks) * 1e6));
    const auto starts = core::text_segment_starts_us(*reference);
    for (TextTrack& t : *text_tracks) {
      for (auto& cue : t.cues) {
        cue.start_us += timing.cue_shift_us;
        cue.end_us += timing.cue_shift_us;
      }
      auto written = write_text_track(t, folder, options.formats, starts, end_us, timing.mpegts_origin);
      if (!written) return core::fail(written.error());
      bytes += written->bytes;
      texts.push_back(std::move(*written));
    }
  }

  if (options.formats.dash) {
    std::vector<core::PackagedTextFile> files;
    for (const auto& t : texts) files.push_back(t.file);
    const std::string mpd = core::render_mpd(
        tracks, std::max(options.segment_duration_seconds, longest_segment_seconds(tracks)), files);
    if (auto ok = write_text_file(folder / core::kManifestName, mpd); !ok) return core::fail(ok.error());
    bytes += mpd.size();
  }
  if (options.formats.hls) {
    auto written = write_hls_playlists(folder, tracks, texts);
    if (!written) return core::fail(written.error());
    bytes += *written;
  }
  return bytes;
}

}  // namespace ve::adapters::media
