// SPDX-License-Identifier: Apache-2.0
#include "adapters/media/representation_writer.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "adapters/media/file_io.hpp"
#include "core/fmp4_fragment.hpp"
#include "core/output_naming.hpp"

extern "C" {
#include <libavutil/mathematics.h>
}

namespace ve::adapters::media {
namespace {

// Timestamps and durations beyond 2^53 ticks (24 days even at a 4.29 GHz timescale, millennia at
// 90 kHz) come from no real file; refusing them keeps every later sum and difference far from
// overflowing. av_rescale_q answers INT64_MIN when the result does not fit, which fails here too.
constexpr int64_t kMaxTicks = int64_t{1} << 53;

bool plausible(int64_t ticks) { return ticks > -kMaxTicks && ticks < kMaxTicks; }

// Segments per representation: 27 hours of 1 s segments, 111 hours of the default 4 s. More means
// broken timing (or a very long input with a very short segment duration); without a limit a small
// file of tiny key frames could have the service write millions of files.
constexpr size_t kMaxSegments = 100000;

int64_t seconds_to_ticks(double seconds, AVRational tb) {
  return std::max<int64_t>(1, std::llround(seconds * tb.den / tb.num));
}

}  // namespace

RepresentationWriter::RepresentationWriter(core::TrackDescription description, AVRational input_time_base,
                                           AVRational output_time_base, double segment_seconds,
                                           std::filesystem::path folder, int input_fd, int64_t origin,
                                           AVRational origin_time_base)
    : input_tb_(input_time_base),
      output_tb_(output_time_base),
      planner_(seconds_to_ticks(segment_seconds, output_time_base)),
      folder_(std::move(folder)),
      input_fd_(input_fd),
      origin_(std::min<int64_t>(0, av_rescale_q_rnd(origin, origin_time_base, output_time_base,
                                                    static_cast<AVRounding>(AV_ROUND_DOWN | AV_ROUND_PASS_MINMAX)))) {
  description.timescale = static_cast<uint32_t>(output_time_base.den);
  packaged_.id = core::representation_id(description.kind, description.input_index);
  packaged_.track = std::move(description);
}

core::Status RepresentationWriter::add(const InputSample& s, std::vector<uint8_t> bytes,
                                       std::optional<bool> begins_segment) {
  const int64_t dts = av_rescale_q(s.dts, input_tb_, output_tb_);
  const int64_t pts = av_rescale_q(s.pts, input_tb_, output_tb_);
  const int64_t duration = s.duration > 0 ? av_rescale_q(s.duration, input_tb_, output_tb_) : 0;
  if (!plausible(dts) || !plausible(pts) || !plausible(duration)) {
    return core::fail(core::Error::invalid_input(
        "track " + std::to_string(packaged_.track.input_index) + " sample at byte " + std::to_string(s.pos) +
        " has a timestamp or duration out of any real range (decode " + std::to_string(s.dts) + ", presentation " +
        std::to_string(s.pts) + ", duration " + std::to_string(s.duration) + " in 1/" + std::to_string(input_tb_.den) +
        " s): corrupt timing tables"));
  }
  if (!started_) {
    started_ = true;
    delay_ = pts - dts;
    shift_ = std::min(origin_, pts);
    packaged_.presentation_time_offset = -shift_;
  }
  const int64_t decode_time = dts + delay_ - shift_;  // >= 0: it increases from pts - shift_ >= 0
  if (!pending_.empty() && decode_time <= pending_.back().decode_time) {
    return core::fail(core::Error::invalid_input("track " + std::to_string(packaged_.track.input_index) +
                                                 ": decode times collide after rescaling"));
  }
  const bool begins = begins_segment ? *begins_segment : planner_.begins_segment(pts, s.sync);
  if (begins && !pending_.empty()) {
    if (auto ok = flush(decode_time); !ok) return ok;
  }
  if (duration > 0) last_duration_ = duration;
  pending_.push_back({s.pos, s.size, decode_time, pts - shift_, s.sync, std::move(bytes)});
  return {};
}

core::Status RepresentationWriter::finish() {
  if (pending_.empty() && packaged_.segments.empty()) {
    return core::fail(core::Error::invalid_input("track " + std::to_string(packaged_.track.input_index) +
                                                 " has no samples"));
  }
  if (pending_.empty()) return {};
  int64_t tail = last_duration_;
  if (tail <= 0 && pending_.size() > 1) tail = pending_.back().decode_time - pending_[pending_.size() - 2].decode_time;
  return flush(pending_.back().decode_time + std::max<int64_t>(1, tail));
}

core::Status RepresentationWriter::flush(int64_t next_decode_time) {
  if (packaged_.segments.size() >= kMaxSegments) {
    return core::fail(core::Error::invalid_input(
        "track " + std::to_string(packaged_.track.input_index) + " needs more than " + std::to_string(kMaxSegments) +
        " segments (corrupt timing tables, or a presentation too long for the segment duration)"));
  }
  const uint32_t number = core::kFirstSegmentNumber + static_cast<uint32_t>(packaged_.segments.size());
  const std::filesystem::path path = folder_ / core::media_segment_name(packaged_.id, number);

  std::vector<core::FragmentSample> samples;
  samples.reserve(pending_.size());
  core::SegmentRecord record;
  record.earliest_time = std::numeric_limits<int64_t>::max();
  record.end_time = std::numeric_limits<int64_t>::min();
  for (size_t i = 0; i < pending_.size(); ++i) {
    const Pending& p = pending_[i];
    const int64_t next = i + 1 < pending_.size() ? pending_[i + 1].decode_time : next_decode_time;
    const int64_t duration = next - p.decode_time;
    const int64_t offset = p.presentation_time - p.decode_time;
    if (duration <= 0 || duration > std::numeric_limits<uint32_t>::max() ||
        offset < std::numeric_limits<int32_t>::min() || offset > std::numeric_limits<int32_t>::max()) {
      return core::fail(core::Error::invalid_input("track " + std::to_string(packaged_.track.input_index) +
                                                   ": sample timing cannot be represented in fragmented MP4"));
    }
    samples.push_back({static_cast<uint32_t>(duration), p.size, p.sync, static_cast<int32_t>(offset)});
    record.earliest_time = std::min(record.earliest_time, p.presentation_time);
    record.end_time = std::max(record.end_time, p.presentation_time + duration);
  }

  const std::vector<uint8_t> header =
      core::build_fragment_header(number, static_cast<uint64_t>(pending_.front().decode_time), samples);
  auto out = create_for_writing(path);
  if (!out) return core::fail(out.error());
  if (auto ok = write_all(out->get(), header, path); !ok) return ok;
  uint64_t bytes = header.size();
  if (input_fd_ < 0) {
    // Straight from each sample's own buffer: joining a segment's samples first would take a
    // fresh buffer of the segment's size (megabytes, new pages to fault in) for every segment.
    std::vector<std::span<const uint8_t>> parts;
    parts.reserve(pending_.size());
    for (const Pending& p : pending_) {
      parts.emplace_back(p.bytes);
      bytes += p.bytes.size();
    }
    if (auto ok = write_parts(out->get(), parts, path); !ok) return ok;
  } else {
    std::vector<ByteRange> ranges;
    ranges.reserve(pending_.size());
    for (const Pending& p : pending_) {
      ranges.push_back({p.pos, p.size});
      bytes += p.size;
    }
    if (auto ok = copy_ranges(input_fd_, ranges, out->get(), path); !ok) return ok;
  }
  record.bytes = bytes;
  bytes_ += bytes;
  packaged_.segments.push_back(record);
  pending_.clear();
  return {};
}

}  // namespace ve::adapters::media
