// SPDX-License-Identifier: Apache-2.0
#include "adapters/media/encoded_output.hpp"

#include <algorithm>

#include "adapters/media/file_io.hpp"
#include "adapters/media/init_segment.hpp"
#include "core/output_naming.hpp"

extern "C" {
#include <libavutil/mathematics.h>
}

namespace ve::adapters::media {

EncodedOutput::EncodedOutput(std::filesystem::path folder, double segment_seconds)
    : folder_(std::move(folder)), segment_seconds_(segment_seconds) {}

size_t EncodedOutput::add_track(OutputTrackSpec spec) {
  std::lock_guard lock(mutex_);
  Track t;
  t.spec = std::move(spec);
  tracks_.push_back(std::move(t));
  return tracks_.size() - 1;
}

core::Status EncodedOutput::deliver(size_t index, int64_t pts, int64_t dts, int64_t duration, bool key,
                                    std::vector<uint8_t> bytes, std::optional<bool> begins_segment) {
  std::lock_guard lock(mutex_);
  Track& t = tracks_.at(index);
  if (pts == AV_NOPTS_VALUE) pts = dts;
  if (dts == AV_NOPTS_VALUE) dts = pts;
  if (pts == AV_NOPTS_VALUE) {
    return core::fail(core::Error::invalid_input("representation " + t.spec.id + ": a packet has no timestamp"));
  }
  Buffered b;
  b.sample.pts = pts;
  b.sample.dts = dts;
  b.sample.duration = duration;
  b.sample.sync = key;
  b.sample.size = static_cast<uint32_t>(bytes.size());
  b.bytes = std::move(bytes);
  b.begins = begins_segment;
  if (!started_) {
    if (t.first_pts == AV_NOPTS_VALUE || pts < t.first_pts) t.first_pts = pts;
    if (t.waiting.empty()) {
      auto init = build_init_segment(*t.spec.stream, b.bytes);
      if (!init) return core::fail(init.error());
      t.writer_time_base = init->time_base;
      t.init_bytes = init->bytes.size();
      if (auto ok = write_file(folder_ / core::init_segment_name(t.spec.id), init->bytes); !ok) return ok;
    }
    t.waiting.push_back(std::move(b));
    bool all_known = true;
    for (const Track& other : tracks_) all_known = all_known && (other.ended || !other.waiting.empty());
    return all_known ? start_writers() : core::Status{};
  }
  return write(t, std::move(b));
}

core::Status EncodedOutput::end_track(size_t index) {
  std::lock_guard lock(mutex_);
  tracks_.at(index).ended = true;
  if (started_) return {};
  for (const Track& other : tracks_) {
    if (!other.ended && other.waiting.empty()) return {};
  }
  return start_writers();
}

core::Status EncodedOutput::start_writers() {
  started_ = true;
  // Each zero as found, in its track's time base; each track's offsets are then rounded in its own.
  int64_t media_zero = 0;
  int64_t presentation_zero = 0;
  AVRational media_tb{1, 1};
  AVRational presentation_tb{1, 1};
  bool any = false;
  for (const Track& t : tracks_) {
    if (t.waiting.empty()) continue;
    const int64_t content = t.spec.content_start != AV_NOPTS_VALUE ? std::max(t.spec.content_start, t.first_pts)
                                                                   : t.first_pts + std::max<int64_t>(t.spec.priming, 0);
    if (!any || av_compare_ts(t.first_pts, t.spec.time_base, media_zero, media_tb) < 0) {
      media_zero = t.first_pts;
      media_tb = t.spec.time_base;
    }
    if (!any || av_compare_ts(content, t.spec.time_base, presentation_zero, presentation_tb) < 0) {
      presentation_zero = content;
      presentation_tb = t.spec.time_base;
    }
    any = true;
  }
  constexpr AVRational kMicro{1, 1000000};
  media_zero_us_ = av_rescale_q(media_zero, media_tb, kMicro);
  presentation_zero_us_ = av_rescale_q(presentation_zero, presentation_tb, kMicro);
  constexpr auto kDown = static_cast<AVRounding>(AV_ROUND_DOWN);
  for (Track& t : tracks_) {
    if (t.waiting.empty()) continue;
    // In the writer's time base (which the init segment chose, fine enough for every track: a
    // video time base of 1/25 becomes 1/12800), rounded down so that no track starts before zero.
    // The priming before presentation time zero goes to the writer, which starts the media
    // timeline there and makes its length the presentationTimeOffset (dash.js otherwise seeks
    // over the gap before the first picture, and may lose a sidecar WebVTT file's cues on the
    // way: dash.js issue 5135).
    t.offset = av_rescale_q_rnd(presentation_zero, presentation_tb, t.writer_time_base, kDown);
    const int64_t lead = av_rescale_q_rnd(media_zero, media_tb, t.writer_time_base, kDown) - t.offset;
    t.writer.emplace(t.spec.description, t.writer_time_base, t.writer_time_base, segment_seconds_, folder_, -1, lead,
                     t.writer_time_base);
    t.writer->set_id(t.spec.id);
    std::vector<Buffered> waiting = std::move(t.waiting);
    t.waiting.clear();
    for (Buffered& b : waiting) {
      if (auto ok = write(t, std::move(b)); !ok) return ok;
    }
  }
  return {};
}

core::Status EncodedOutput::write(Track& t, Buffered b) {
  b.sample.pts = av_rescale_q(b.sample.pts, t.spec.time_base, t.writer_time_base) - t.offset;
  b.sample.dts = av_rescale_q(b.sample.dts, t.spec.time_base, t.writer_time_base) - t.offset;
  b.sample.duration = av_rescale_q(b.sample.duration, t.spec.time_base, t.writer_time_base);
  return t.writer->add(b.sample, std::move(b.bytes), b.begins);
}

core::Result<std::vector<core::PackagedTrack>> EncodedOutput::finish() {
  std::lock_guard lock(mutex_);
  if (!started_) {
    if (auto ok = start_writers(); !ok) return core::fail(ok.error());
  }
  std::vector<core::PackagedTrack> packaged;
  for (Track& t : tracks_) {
    if (!t.writer) {
      return core::fail(core::Error::invalid_input("track " + std::to_string(t.spec.description.input_index) +
                                                   " produced no " + core::to_string(t.spec.description.kind) +
                                                   " (representation " + t.spec.id + ")"));
    }
    if (auto ok = t.writer->finish(); !ok) return core::fail(ok.error());
    packaged.push_back(t.writer->packaged());
  }
  return packaged;
}

uint64_t EncodedOutput::bytes_written() const {
  std::lock_guard lock(mutex_);
  uint64_t bytes = 0;
  for (const Track& t : tracks_) bytes += t.init_bytes + (t.writer ? t.writer->bytes_written() : 0);
  return bytes;
}

}  // namespace ve::adapters::media
