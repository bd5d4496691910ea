// SPDX-License-Identifier: Apache-2.0
#include "adapters/media/media_input.hpp"

#include <algorithm>
#include <cstring>
#include <mutex>
#include <span>
#include <string_view>

#include "adapters/media/file_io.hpp"
#include "adapters/media/input_guards.hpp"
#include "core/codec_string.hpp"
#include "core/mp4_sample_tables.hpp"
#include "core/sample_entry.hpp"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/mem.h>
}

namespace ve::adapters::media {
namespace {

using core::Error;
using core::fail;

// What "unsupported codec" errors list: every codec the packager carries into fMP4.
constexpr const char* kSupportedCodecs =
    "H.264, HEVC, AV1, AAC, AC-3, E-AC-3, Opus, FLAC, MP3, MP2, DTS, Dolby TrueHD, ALAC";

std::string four_cc(uint32_t tag) {
  std::string s(4, ' ');
  for (int i = 0; i < 4; ++i) s[static_cast<size_t>(i)] = static_cast<char>((tag >> (8 * i)) & 0xff);
  return s;
}

// Left out on purpose: Vorbis, which MP4 knows only by FFmpeg's unregistered object type 0xDD (no
// codecs value, no player); PCM, for which FFmpeg 5.1's MP4 muxer has no sample entry.
std::optional<core::Codec> codec_of(const AVCodecParameters& p) {
  switch (p.codec_id) {
    case AV_CODEC_ID_H264: return core::Codec::H264;
    case AV_CODEC_ID_HEVC: return core::Codec::Hevc;
    case AV_CODEC_ID_AV1: return core::Codec::Av1;
    case AV_CODEC_ID_AAC: return core::Codec::Aac;
    case AV_CODEC_ID_AC3: return core::Codec::Ac3;
    case AV_CODEC_ID_EAC3: return core::Codec::Eac3;
    case AV_CODEC_ID_OPUS: return core::Codec::Opus;
    case AV_CODEC_ID_FLAC: return core::Codec::Flac;
    case AV_CODEC_ID_MP3: return core::Codec::Mp3;
    case AV_CODEC_ID_MP2: return core::Codec::Mp2;
    case AV_CODEC_ID_DTS: return core::Codec::Dts;
    case AV_CODEC_ID_TRUEHD: return core::Codec::TrueHd;
    case AV_CODEC_ID_ALAC: return core::Codec::Alac;
    // FFmpeg 5.1 does not know DTS:X (DTS-UHD, ETSI TS 103 491) but its sample entry is DTS's,
    // and carried whole.
    case AV_CODEC_ID_NONE:
      if (p.codec_type == AVMEDIA_TYPE_AUDIO && four_cc(p.codec_tag) == "dtsx") return core::Codec::Dts;
      return std::nullopt;
    default: return std::nullopt;
  }
}

bool is_mp4_family(const AVInputFormat* f) { return f && std::string_view(f->name).find("mp4") != std::string_view::npos; }

bool needs_stream_info(const AVStream* st) {
  const AVCodecParameters* p = st->codecpar;
  if (p->codec_type == AVMEDIA_TYPE_VIDEO) return p->width <= 0 || p->height <= 0;
  return p->sample_rate <= 0 || p->ch_layout.nb_channels <= 0;
}

// DTS in one of its own sample entries: that entry, read from the file, for the init segment to
// carry (empty for DTS as 'mp4a', which the muxer writes the same way).
core::Result<std::vector<uint8_t>> carried_sample_entry(const std::filesystem::path& path, int fd, int64_t file_size,
                                                        const AVStream* st, core::Codec codec) {
  const std::string tag = four_cc(st->codecpar->codec_tag);
  if (codec != core::Codec::Dts || !core::is_dts_sample_entry(tag)) return std::vector<uint8_t>{};
  const std::string where = path.string() + ": track " + std::to_string(st->index);
  auto entry = core::read_first_sample_entry(reader_of(fd), static_cast<uint64_t>(file_size),
                                             static_cast<uint32_t>(st->id));
  if (!entry) return fail(Error::invalid_input(where + ": " + entry.error().message));
  if (core::sample_entry_type(*entry) != tag) {
    return fail(Error::invalid_input(where + ": its first sample entry is '" + core::sample_entry_type(*entry) +
                                     "', not the '" + tag + "' its samples were read as"));
  }
  return entry;
}

core::Result<core::TrackDescription> describe(const std::filesystem::path& path, const AVStream* st,
                                              core::Codec codec, std::span<const uint8_t> own_entry) {
  const AVCodecParameters* p = st->codecpar;
  core::TrackDescription d;
  d.input_index = st->index;
  d.kind = core::media_kind_of(codec);
  d.codec = codec;
  const std::string carried = core::sample_entry_type(own_entry);
  auto codecs = core::codecs_parameter(
      codec, std::span<const uint8_t>(p->extradata, p->extradata ? static_cast<size_t>(p->extradata_size) : 0),
      core::SampleEntryFacts{p->sample_rate, carried});
  if (!codecs) {
    return fail(Error::invalid_input(path.string() + ": track " + std::to_string(st->index) + ": " +
                                     codecs.error().message));
  }
  d.codecs = *codecs;
  if (const AVDictionaryEntry* lang = av_dict_get(st->metadata, "language", nullptr, 0);
      lang && std::strcmp(lang->value, "und") != 0) {
    d.language = lang->value;
  }
  d.timescale = static_cast<uint32_t>(st->time_base.den);
  if (d.kind == core::MediaKind::Video) {
    d.width = p->width;
    d.height = p->height;
    const AVRational sar = st->sample_aspect_ratio.num > 0 ? st->sample_aspect_ratio : p->sample_aspect_ratio;
    d.sample_aspect_ratio = {sar.num, sar.den};
    d.frame_rate = {st->avg_frame_rate.num, st->avg_frame_rate.den};
  } else {
    d.sample_rate = p->sample_rate;
    d.channels = p->ch_layout.nb_channels;
  }
  return d;
}

}  // namespace

core::Result<MediaInput> MediaInput::open(const std::filesystem::path& path, bool read_sample_data) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (!std::filesystem::exists(status)) return fail(Error::not_found(path.string() + ": no such file"));
  if (!std::filesystem::is_regular_file(status)) return fail(Error::invalid_input(path.string() + ": not a regular file"));
  MediaInput in;
  in.path_ = path;
  in.file_size_ = static_cast<int64_t>(std::filesystem::file_size(path, ec));
  if (ec) return fail(Error::invalid_input(path.string() + ": cannot read file size: " + ec.message()));
  if (in.file_size_ == 0) return fail(Error::invalid_input(path.string() + ": file is empty"));

  auto io = InputFileIo::open(path, in.file_size_);
  if (!io) return fail(io.error());
  in.io_ = std::move(*io);
  auto declared = declared_tracks(path, in.io_->fd(), in.file_size_);
  if (!declared) return fail(declared.error());
  limit_libav_allocations();
  AVFormatContext* raw = avformat_alloc_context();
  if (!raw) return fail(Error::internal("out of memory"));
  raw->pb = in.io_->context();
  // Packets exactly as stored: no parser may split, merge or fill in anything.
  raw->flags |= AVFMT_FLAG_CUSTOM_IO | AVFMT_FLAG_NOPARSE | AVFMT_FLAG_NOFILLIN;
  const int rc = avformat_open_input(&raw, path.c_str(), nullptr, nullptr);
  if (rc < 0) {
    // avformat_open_input frees the context on failure.
    if (rc == AVERROR_INVALIDDATA) {
      return fail(Error::invalid_input(path.string() + ": not a valid MP4 file or corrupt headers (" +
                                       av_error_text(rc) + ")"));
    }
    if (rc == AVERROR(ENOMEM)) return fail(Error::invalid_input(too_big_for_memory(path)));
    return fail(Error::invalid_input(path.string() + ": cannot open: " + av_error_text(rc)));
  }
  in.ctx_.reset(raw);
  if (!is_mp4_family(raw->iformat)) {
    return fail(Error::invalid_input(path.string() + ": not an MP4 file (detected " + raw->iformat->long_name + ")"));
  }

  // The container does not always carry what the manifest needs (a sample aspect ratio that lives
  // only in the H.264/HEVC parameter sets, say): let libavformat look at the first packets.
  if (const int info = avformat_find_stream_info(raw, nullptr); info < 0) {
    return fail(Error::invalid_input(path.string() + ": cannot read stream parameters: " + av_error_text(info)));
  }

  in.track_of_stream_.assign(raw->nb_streams, -1);
  for (unsigned i = 0; i < raw->nb_streams; ++i) {
    AVStream* st = raw->streams[i];
    const auto type = st->codecpar->codec_type;
    const bool media = (type == AVMEDIA_TYPE_VIDEO && !(st->disposition & AV_DISPOSITION_ATTACHED_PIC)) ||
                       type == AVMEDIA_TYPE_AUDIO;
    if (!media) {
      st->discard = AVDISCARD_ALL;
      in.other_tracks_ = true;
      continue;
    }
    const auto codec = codec_of(*st->codecpar);
    if (!codec) {
      const std::string tag = st->codecpar->codec_id == AV_CODEC_ID_NONE
                                  ? " ('" + four_cc(st->codecpar->codec_tag) + "')"
                                  : std::string();
      return fail(Error::invalid_input(path.string() + ": unsupported codec " +
                                       avcodec_get_name(st->codecpar->codec_id) + tag + " in track " +
                                       std::to_string(i) + " (supported: " + kSupportedCodecs + ")"));
    }
    if (auto edits = check_edits_repeat_nothing(path, st, *declared); !edits) return fail(edits.error());
    if (needs_stream_info(st)) {
      return fail(Error::invalid_input(path.string() + ": track " + std::to_string(i) +
                                       " lacks its dimensions or audio format"));
    }
    auto own_entry = carried_sample_entry(path, in.io_->fd(), in.file_size_, st, *codec);
    if (!own_entry) return fail(own_entry.error());
    auto description = describe(path, st, *codec, *own_entry);
    if (!description) return fail(description.error());
    in.track_of_stream_[i] = static_cast<int>(in.tracks_.size());
    in.tracks_.push_back({std::move(*description), st, std::move(*own_entry)});
    // A lower bound of the first presentation time: the first decode time, or the start time
    // avformat_find_stream_info reported (which leaves out priming samples).
    for (const int64_t t : {st->start_time, avformat_index_get_entries_count(st) > 0
                                                ? avformat_index_get_entry(st, 0)->timestamp
                                                : AV_NOPTS_VALUE}) {
      if (t != AV_NOPTS_VALUE && av_compare_ts(t, st->time_base, in.origin_, in.origin_tb_) < 0) {
        in.origin_ = t;
        in.origin_tb_ = st->time_base;
      }
    }
  }
  if (in.tracks_.empty()) return fail(Error::invalid_input(path.string() + ": no audio or video track"));
  in.delivered_.assign(in.tracks_.size(), 0);
  in.last_dts_.assign(in.tracks_.size(), AV_NOPTS_VALUE);
  // Stream-info probing above decoded real frames; from here on an unfragmented file is only read
  // for sample data, which the packager copies itself.
  if (!read_sample_data && !in.io_->has_movie_fragments()) in.io_->set_metadata_only(true);
  in.packet_.reset(av_packet_alloc());
  if (!in.packet_) return fail(Error::internal("out of memory"));
  return in;
}

core::Status MediaInput::find_origin(size_t limit) {
  std::vector<int64_t> first_pts(tracks_.size(), AV_NOPTS_VALUE);
  size_t seen = 0;
  while (seen < tracks_.size() && lookahead_.size() < limit) {
    auto sample = read_next();
    if (!sample) return fail(sample.error());
    if (!*sample) break;
    lookahead_.push_back(**sample);
    if (first_pts[(*sample)->track] == AV_NOPTS_VALUE) {
      first_pts[(*sample)->track] = (*sample)->pts;
      ++seen;
    }
  }
  if (seen < tracks_.size()) return {};  // a track starts further on: keep the lower bound
  origin_ = 0;
  origin_tb_ = AVRational{1, 1};
  for (size_t t = 0; t < tracks_.size(); ++t) {
    const AVRational tb = tracks_[t].stream->time_base;
    if (av_compare_ts(first_pts[t], tb, origin_, origin_tb_) < 0) {
      origin_ = first_pts[t];
      origin_tb_ = tb;
    }
  }
  return {};
}

core::Result<std::optional<InputSample>> MediaInput::next() {
  if (!lookahead_.empty()) {
    const InputSample s = lookahead_.front();
    lookahead_.pop_front();
    return std::optional<InputSample>{s};
  }
  return read_next();
}

core::Result<std::optional<InputSample>> MediaInput::read_next() {
  AVPacket* pkt = packet_.get();
  for (;;) {
    av_packet_unref(pkt);
    const int rc = av_read_frame(ctx_.get(), pkt);
    if (rc == AVERROR_EOF) {
      if (auto complete = check_complete(); !complete) return fail(complete.error());
      return std::optional<InputSample>{};
    }
    if (rc == AVERROR(ENOMEM)) return fail(Error::invalid_input(too_big_for_memory(path_)));
    if (rc < 0) return fail(Error::invalid_input(path_.string() + ": cannot read media: " + av_error_text(rc)));
    const int track = pkt->stream_index < static_cast<int>(track_of_stream_.size()) ? track_of_stream_[pkt->stream_index] : -1;
    if (track < 0) continue;

    const std::string where = path_.string() + ": track " + std::to_string(pkt->stream_index) + " sample " +
                              std::to_string(delivered_[track] + 1);
    if (pkt->pos < 0 || pkt->size <= 0 || (pkt->flags & AV_PKT_FLAG_CORRUPT) ||
        pkt->pos + pkt->size > file_size_) {
      return fail(Error::invalid_input(where + " lies beyond the end of the file (truncated or broken sample tables)"));
    }
    if (pkt->dts == AV_NOPTS_VALUE || pkt->pts == AV_NOPTS_VALUE) {
      return fail(Error::invalid_input(where + " has no timestamp"));
    }
    if (last_dts_[track] != AV_NOPTS_VALUE && pkt->dts <= last_dts_[track]) {
      return fail(Error::invalid_input(where + " has a decode time that does not increase"));
    }
    last_dts_[track] = pkt->dts;
    ++delivered_[track];
    InputSample s;
    s.track = static_cast<size_t>(track);
    s.pos = pkt->pos;
    s.size = static_cast<uint32_t>(pkt->size);
    s.dts = pkt->dts;
    s.pts = pkt->pts;
    s.duration = pkt->duration;
    s.sync = pkt->flags & AV_PKT_FLAG_KEY;
    return std::optional<InputSample>{s};
  }
}

std::span<const uint8_t> MediaInput::data() const {
  return {packet_->data, static_cast<size_t>(packet_->size)};
}

core::Status MediaInput::check_complete() const {
  for (size_t t = 0; t < tracks_.size(); ++t) {
    const AVStream* st = tracks_[t].stream;
    const int listed = avformat_index_get_entries_count(st);
    if (delivered_[t] < listed) {
      return fail(Error::invalid_input(path_.string() + ": track " + std::to_string(st->index) + " lists " +
                                       std::to_string(listed) + " samples but only " + std::to_string(delivered_[t]) +
                                       " could be read (file truncated or sample tables broken)"));
    }
    if (delivered_[t] == 0) {
      return fail(Error::invalid_input(path_.string() + ": track " + std::to_string(st->index) + " has no samples"));
    }
  }
  return {};
}

}  // namespace ve::adapters::media
