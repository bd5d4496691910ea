// SPDX-License-Identifier: Apache-2.0
#include "adapters/media/source_media.hpp"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <string_view>

#include "adapters/media/file_io.hpp"
#include "adapters/media/input_guards.hpp"

extern "C" {
#include <libavutil/display.h>
#include <libavutil/pixdesc.h>
}

namespace ve::adapters::media {
namespace {

using core::Error;
using core::fail;

bool is_cover_art(const AVStream* st) { return (st->disposition & AV_DISPOSITION_ATTACHED_PIC) != 0; }

std::optional<core::Codec> carried_codec(const AVCodecParameters& p) {
  switch (p.codec_id) {
    case AV_CODEC_ID_H264: return core::Codec::H264;
    case AV_CODEC_ID_HEVC: return core::Codec::Hevc;
    case AV_CODEC_ID_AV1: return core::Codec::Av1;
    case AV_CODEC_ID_AAC: return core::Codec::Aac;
    default: return std::nullopt;
  }
}

// Length-prefixed parameters (avcC for H.264, an AudioSpecificConfig for AAC) are what fMP4
// carries; MPEG-TS holds Annex B H.264 and ADTS AAC with no such record. And only MP4/MOV give
// every packet its own decode time at the track's own resolution: Matroska stores presentation
// times in milliseconds (B-frames' decode times would have to be guessed, AAC frames' durations
// would jitter), so its streams are encoded.
bool carried_as_is(const AVFormatContext& ctx, const AVCodecParameters& p) {
  if (std::string_view(ctx.iformat->name).find("mp4") == std::string_view::npos) return false;
  if (p.extradata_size <= 0 || !p.extradata) return false;
  if (p.codec_id == AV_CODEC_ID_H264) return p.extradata[0] == 1;
  return true;
}

// ISO base media files (MP4, MOV, M4V, 3GP) begin with one of these boxes.
bool looks_like_iso_bmff(const std::filesystem::path& path) {
  auto fd = open_for_reading(path);
  if (!fd) return false;
  char head[8] = {};
  if (::pread(fd->get(), head, sizeof head, 0) != static_cast<ssize_t>(sizeof head)) return false;
  const std::string_view type(head + 4, 4);
  return type == "ftyp" || type == "moov" || type == "mdat" || type == "free" || type == "wide" || type == "skip";
}

bool named_like_mp4(const std::filesystem::path& path) {
  std::string ext = path.extension().string();
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext == ".mp4" || ext == ".m4v" || ext == ".mov" || ext == ".m4a" || ext == ".3gp";
}

}  // namespace

int rotation_of(const AVStream& st) {
  const uint8_t* matrix = av_stream_get_side_data(&st, AV_PKT_DATA_DISPLAYMATRIX, nullptr);
  if (!matrix) return 0;
  // av_display_rotation_get answers counterclockwise degrees.
  const double ccw = av_display_rotation_get(reinterpret_cast<const int32_t*>(matrix));
  if (std::isnan(ccw)) return 0;
  const long cw = (std::lround(-ccw / 90.0) * 90 % 360 + 360) % 360;
  return static_cast<int>(cw);
}

bool is_hdr(const AVCodecParameters& p) {
  return p.color_trc == AVCOL_TRC_SMPTE2084 || p.color_trc == AVCOL_TRC_ARIB_STD_B67;
}

core::Result<SourceMedia> SourceMedia::open(const std::filesystem::path& path) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (!std::filesystem::exists(status)) return fail(Error::not_found(path.string() + ": no such file"));
  if (!std::filesystem::is_regular_file(status)) return fail(Error::invalid_input(path.string() + ": not a regular file"));
  if (std::filesystem::file_size(path, ec) == 0) return fail(Error::invalid_input(path.string() + ": file is empty"));
  limit_libav_allocations();
  // An MP4's sample tables are checked before libavformat builds its index from them, so that a
  // small hostile file cannot take gigabytes (as MediaInput does).
  std::vector<core::DeclaredTrack> declared;
  if (looks_like_iso_bmff(path)) {
    auto fd = open_for_reading(path);
    if (!fd) return fail(fd.error());
    auto tracks = declared_tracks(path, fd->get(), static_cast<int64_t>(std::filesystem::file_size(path, ec)));
    if (!tracks) return fail(tracks.error());
    declared = std::move(*tracks);
  }
  SourceMedia in;
  in.path_ = path;
  AVFormatContext* raw = nullptr;
  const int rc = avformat_open_input(&raw, path.c_str(), nullptr, nullptr);
  if (rc < 0) {
    if (rc == AVERROR(ENOMEM)) return fail(Error::invalid_input(too_big_for_memory(path)));
    const char* what = named_like_mp4(path) ? "not a valid MP4 file or corrupt headers"
                                            : "not a video file FFmpeg can read, or corrupt headers";
    return fail(Error::invalid_input(path.string() + ": " + what + " (" + av_error_text(rc) + ")"));
  }
  in.ctx_.reset(raw);
  if (const int info = avformat_find_stream_info(raw, nullptr); info < 0) {
    return fail(Error::invalid_input(path.string() + ": cannot read stream parameters: " + av_error_text(info)));
  }
  const int best = av_find_best_stream(raw, AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
  for (unsigned i = 0; i < raw->nb_streams; ++i) {
    AVStream* st = raw->streams[i];
    if (auto edits = check_edits_repeat_nothing(path, st, declared); !edits) return fail(edits.error());
    const auto type = st->codecpar->codec_type;
    if (type == AVMEDIA_TYPE_VIDEO && static_cast<int>(i) == best && !is_cover_art(st)) {
      in.video_ = st;
    } else if (type == AVMEDIA_TYPE_AUDIO && st->codecpar->codec_id != AV_CODEC_ID_NONE) {
      in.audio_.push_back(st);
    } else {
      st->discard = AVDISCARD_ALL;
      in.other_streams_ = true;
    }
  }
  in.packets_read_.assign(raw->nb_streams, 0);
  if (!in.video_ && in.audio_.empty()) {
    return fail(Error::invalid_input(path.string() + ": no audio or video stream"));
  }
  if (in.video_ && (in.video_->codecpar->width <= 0 || in.video_->codecpar->height <= 0 ||
                    in.video_->codecpar->format == AV_PIX_FMT_NONE)) {
    return fail(Error::invalid_input(path.string() + ": track " + std::to_string(in.video_->index) +
                                     ": no picture could be decoded from its first packets (size or pixel format "
                                     "unknown): the video is corrupt or truncated"));
  }
  return in;
}

core::SourceVideo SourceMedia::video_facts() const {
  const AVCodecParameters& p = *video_->codecpar;
  core::SourceVideo v;
  v.width = p.width;
  v.height = p.height;
  const AVRational sar = av_guess_sample_aspect_ratio(ctx_.get(), video_, nullptr);
  if (sar.num > 0 && sar.den > 0) v.sample_aspect_ratio = {sar.num, sar.den};
  v.rotation = rotation_of(*video_);
  v.codec = carried_as_is(*ctx_, p) ? carried_codec(p) : std::nullopt;
  v.h264_profile = p.profile & 0xff;  // Constrained Baseline is 66 with a constraint flag above
  if (const AVPixFmtDescriptor* d = av_pix_fmt_desc_get(static_cast<AVPixelFormat>(p.format))) {
    v.bit_depth = d->comp[0].depth;
    v.chroma_420 = d->log2_chroma_w == 1 && d->log2_chroma_h == 1 && d->nb_components >= 3;
  } else {
    v.chroma_420 = false;
  }
  v.interlaced = p.field_order != AV_FIELD_PROGRESSIVE && p.field_order != AV_FIELD_UNKNOWN;
  v.hdr = is_hdr(p);
  v.bitrate = p.bit_rate;
  // From the container's index (MP4/MOV sample tables, Matroska cues) where it lists key frames.
  // In doubles: a hostile file's times may be anywhere in int64_t.
  const int entries = avformat_index_get_entries_count(video_);
  double previous = 0;
  double longest = 0;
  bool any = false;
  for (int i = 0; i < entries; ++i) {
    const AVIndexEntry* e = avformat_index_get_entry(video_, i);
    if (!(e->flags & AVINDEX_KEYFRAME)) continue;
    const auto t = static_cast<double>(e->timestamp);
    if (any) longest = std::max(longest, t - previous);
    previous = t;
    any = true;
  }
  if (any) {
    const double start = video_->start_time != AV_NOPTS_VALUE ? static_cast<double>(video_->start_time) : 0.0;
    if (video_->duration > 0) longest = std::max(longest, start + static_cast<double>(video_->duration) - previous);
    v.longest_keyframe_gap_seconds = longest * av_q2d(video_->time_base);
  }
  return v;
}

core::SourceAudio SourceMedia::audio_facts(const AVStream& stream) const {
  const AVCodecParameters& p = *stream.codecpar;
  core::SourceAudio a;
  a.codec = carried_as_is(*ctx_, p) ? carried_codec(p) : std::nullopt;
  a.aac_object_type = p.codec_id == AV_CODEC_ID_AAC && p.profile >= 0 ? p.profile + 1 : 0;
  a.channels = p.ch_layout.nb_channels;
  return a;
}

double SourceMedia::duration_seconds() const {
  if (ctx_->duration > 0) return static_cast<double>(ctx_->duration) / AV_TIME_BASE;
  if (video_ && video_->duration > 0) return static_cast<double>(video_->duration) * av_q2d(video_->time_base);
  return 0;
}

core::Result<bool> SourceMedia::next(AVPacket* packet) {
  for (;;) {
    av_packet_unref(packet);
    const int rc = av_read_frame(ctx_.get(), packet);
    if (rc == AVERROR_EOF) {
      // The MP4 demuxer answers a cut-off file with an early end; its sample tables know better.
      if (std::string_view(ctx_->iformat->name).find("mp4") != std::string_view::npos) {
        for (unsigned i = 0; i < ctx_->nb_streams; ++i) {
          const AVStream* st = ctx_->streams[i];
          if (st->discard == AVDISCARD_ALL) continue;
          const int64_t listed = avformat_index_get_entries_count(st);
          const int64_t read = packets_read_[static_cast<size_t>(st->index)];
          if (read < listed) {
            return fail(Error::invalid_input(path_.string() + ": track " + std::to_string(st->index) + " ends after " +
                                             std::to_string(read) + " of the " + std::to_string(listed) +
                                             " samples its tables list: the file is truncated"));
          }
        }
      }
      return false;
    }
    if (rc == AVERROR(ENOMEM)) return fail(Error::invalid_input(too_big_for_memory(path_)));
    if (rc < 0) return fail(Error::invalid_input(path_.string() + ": cannot read: " + av_error_text(rc)));
    if (ctx_->streams[packet->stream_index]->discard != AVDISCARD_ALL) {
      ++packets_read_[static_cast<size_t>(packet->stream_index)];
      return true;
    }
  }
}

}  // namespace ve::adapters::media
