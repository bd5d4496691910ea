// SPDX-License-Identifier: Apache-2.0
#include "adapters/media/encode_pipeline.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>
#include <optional>
#include <set>
#include <thread>

#include "adapters/media/audio_transcoder.hpp"
#include "adapters/media/decoder.hpp"
#include "adapters/media/encoded_output.hpp"
#include "adapters/media/filter_chain.hpp"
#include "adapters/media/poster.hpp"
#include "adapters/media/rung_encoder.hpp"
#include "core/codec_string.hpp"
#include "core/encoder_threads.hpp"
#include "core/output_naming.hpp"
#include "core/picture_filters.hpp"
#include "core/poster_choice.hpp"
#include "core/segment_planner.hpp"

extern "C" {
#include <libavutil/mathematics.h>
}

namespace ve::adapters::media {
namespace {

using core::Error;
using core::fail;

std::string rung_id(int input_index, const core::PlannedRendition& r) {
  return core::representation_id(core::MediaKind::Video, input_index) +
         (r.keep_source ? "" : "-" + std::to_string(r.size.height) + "p");
}

std::string language_of(const AVStream& st) {
  const AVDictionaryEntry* lang = av_dict_get(st.metadata, "language", nullptr, 0);
  return lang && std::string_view(lang->value) != "und" ? lang->value : "";
}

std::vector<uint8_t> bytes_of(const AVPacket& p) { return {p.data, p.data + p.size}; }

int64_t ticks_of(double seconds, AVRational tb) {
  return std::max<int64_t>(1, std::llround(seconds * tb.den / tb.num));
}

// The video half: decoder, picture fixes, the rungs, the kept source, segment boundaries, the
// poster and the error counts.
class VideoLadder {
 public:
  VideoLadder(SourceMedia& in, const ports::PackageOptions& options) : in_(in), options_(options) {}

  core::Status open(const std::vector<core::PlannedRendition>& plan, EncodedOutput& out,
                    std::vector<ports::RenditionSummary>& summaries) {
    const AVStream& st = *in_.video();
    std::vector<int64_t> encoded_pixels;
    for (const core::PlannedRendition& r : plan) {
      if (!r.keep_source) encoded_pixels.push_back(int64_t{r.size.width} * r.size.height);
    }
    const unsigned cores = options_.cores != 0 ? options_.cores : std::max(1u, std::thread::hardware_concurrency());
    const core::EncodeThreads threads =
        core::encode_threads(int64_t{st.codecpar->width} * st.codecpar->height, encoded_pixels, cores);
    auto decoder = open_decoder(st, threads.decoder);  // 0 (libavcodec's choice) when nothing is encoded
    if (!decoder) return fail(decoder.error());
    decoder_ = std::move(*decoder);
    const core::SourceVideo facts = in_.video_facts();

    VideoFormat source;
    source.width = st.codecpar->width;
    source.height = st.codecpar->height;
    source.pixel_format = static_cast<AVPixelFormat>(st.codecpar->format);
    source.sample_aspect_ratio = av_guess_sample_aspect_ratio(in_.context(), const_cast<AVStream*>(&st), nullptr);
    source.time_base = st.time_base;
    source.frame_rate = av_guess_frame_rate(in_.context(), const_cast<AVStream*>(&st), nullptr);
    if (source.pixel_format == AV_PIX_FMT_NONE) {
      return fail(Error::invalid_input("track " + std::to_string(st.index) + ": unknown pixel format"));
    }
    const core::PictureFixes fixes{facts.interlaced, facts.hdr, facts.rotation};
    auto fixer = FilterChain::video(source, core::picture_filter_chain(fixes));
    if (!fixer) return fail(fixer.error());
    fixer_.emplace(std::move(*fixer));
    const VideoFormat upright = fixer_->output_video();
    frame_tb_ = upright.time_base;
    planner_.emplace(ticks_of(options_.segment_duration_seconds, frame_tb_));

    const core::Rational rate{source.frame_rate.num, source.frame_rate.den};
    for (const core::PlannedRendition& r : plan) {
      OutputTrackSpec spec;
      spec.id = rung_id(st.index, r);
      core::TrackDescription& d = spec.description;
      d.input_index = st.index;
      d.kind = core::MediaKind::Video;
      d.codec = core::Codec::H264;
      d.frame_rate = rate;
      ports::RenditionSummary summary;
      summary.id = spec.id;
      summary.encoded = !r.keep_source;
      if (r.keep_source) {
        auto codecs = core::codecs_parameter(
            core::Codec::H264, {st.codecpar->extradata, static_cast<size_t>(st.codecpar->extradata_size)}, {});
        if (!codecs) return fail(Error::invalid_input("track " + std::to_string(st.index) + ": " + codecs.error().message));
        d.codecs = *codecs;
        d.width = st.codecpar->width;
        d.height = st.codecpar->height;
        d.sample_aspect_ratio = facts.sample_aspect_ratio;
        spec.stream = &st;
        spec.time_base = st.time_base;
        kept_track_ = out.add_track(spec);
        kept_planner_.emplace(ticks_of(options_.segment_duration_seconds, st.time_base));
      } else {
        RungSettings settings;
        settings.rendition = r;
        settings.x264_preset = options_.x264_preset;
        settings.threads = threads.rungs[rungs_.size()];
        settings.yields = threads.yields[rungs_.size()];
        settings.input = upright;
        // Tags: BT.709 after tone mapping; otherwise the source's own.
        settings.primaries = facts.hdr ? AVCOL_PRI_BT709 : st.codecpar->color_primaries;
        settings.transfer = facts.hdr ? AVCOL_TRC_BT709 : st.codecpar->color_trc;
        settings.matrix = facts.hdr ? AVCOL_SPC_BT709 : st.codecpar->color_space;
        auto rung = RungEncoder::open(settings);
        if (!rung) return fail(rung.error());
        d.codecs = (*rung)->codecs();
        d.width = r.size.width;
        d.height = r.size.height;
        spec.stream = &(*rung)->stream();
        spec.time_base = (*rung)->time_base();
        rung_tracks_.push_back(out.add_track(spec));
        rungs_.push_back(std::move(*rung));
      }
      summary.width = d.width;
      summary.height = d.height;
      summary.codecs = d.codecs;
      summaries.push_back(summary);
    }
    if (rungs_.empty()) decoder_->skip_frame = AVDISCARD_NONKEY;  // decoded only for the poster
    const core::PictureSize top = plan.front().size;
    poster_size_ = top;
    picker_.emplace(in_.duration_seconds());
    decoded_.reset(av_frame_alloc());
    fixed_.reset(av_frame_alloc());
    if (!decoded_ || !fixed_) return fail(Error::internal("out of memory"));
    started_ = std::chrono::steady_clock::now();
    return {};
  }

  void start(EncodedOutput& out) {
    for (size_t i = 0; i < rungs_.size(); ++i) rungs_[i]->start(out, rung_tracks_[i]);
  }

  core::Status packet(const AVPacket& p, EncodedOutput& out, const ports::ProgressFn& progress) {
    if (kept_track_) {
      if (first_packet_pts_ == AV_NOPTS_VALUE) first_packet_pts_ = p.pts;
      const bool key = (p.flags & AV_PKT_FLAG_KEY) != 0;
      const bool begins = kept_planner_->begins_segment(p.pts - first_packet_pts_, key);
      if (begins) boundaries_.insert(p.pts);
      if (auto ok = out.deliver(*kept_track_, p.pts, p.dts, p.duration, key, bytes_of(p), begins); !ok) return ok;
    }
    ++packets_;
    return decode(&p, progress);
  }

  core::Status finish(EncodedOutput& out, const ports::ProgressFn& progress) {
    if (auto ok = decode(nullptr, progress); !ok) return ok;
    if (auto ok = fixer_->end(); !ok) return ok;
    if (auto ok = drain_fixer(progress); !ok) return ok;
    core::Status first_error;
    // Every rung flushes its encoder at once, rather than each waiting for the ones before it.
    for (auto& r : rungs_) r->end_input();
    for (auto& r : rungs_) {
      auto ok = r->finish();
      if (!ok && first_error) first_error = ok;
    }
    if (!first_error) return first_error;
    if (kept_track_) {
      if (auto ok = out.end_track(*kept_track_); !ok) return ok;
    }
    return check_damage();
  }

  void abort() {
    for (auto& r : rungs_) r->abort();
  }

  int64_t frames() const { return frames_; }
  DecodedSource decoded_source() const {
    DecodedSource s;
    s.frames = frames_;
    if (first_pts_ != AV_NOPTS_VALUE) s.duration_seconds = static_cast<double>(end_pts_ - first_pts_) * av_q2d(frame_tb_);
    s.frame_seconds = static_cast<double>(longest_frame_) * av_q2d(frame_tb_);
    return s;
  }
  std::vector<std::string> warnings() const { return warnings_; }
  Frame take_poster() { return std::move(poster_); }
  core::PictureSize poster_size() const { return poster_size_; }

 private:
  core::Status decode(const AVPacket* p, const ports::ProgressFn& progress) {
    int rc = avcodec_send_packet(decoder_.get(), p);
    if (rc == AVERROR_INVALIDDATA) {
      ++damaged_;
      return {};
    }
    if (rc < 0 && rc != AVERROR_EOF) {
      return fail(Error::invalid_input("track " + std::to_string(in_.video()->index) +
                                       ": cannot decode video: " + av_error_text(rc)));
    }
    for (;;) {
      rc = avcodec_receive_frame(decoder_.get(), decoded_.get());
      if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF) return {};
      if (rc == AVERROR_INVALIDDATA) {
        ++damaged_;
        continue;
      }
      if (rc < 0) {
        return fail(Error::invalid_input("track " + std::to_string(in_.video()->index) +
                                         ": cannot decode video: " + av_error_text(rc)));
      }
      ++decoded_frames_;
      if (decoded_->decode_error_flags != 0 || (decoded_->flags & AV_FRAME_FLAG_CORRUPT)) ++concealed_;
      decoded_->pts = decoded_->best_effort_timestamp;
      if (decoded_->pts == AV_NOPTS_VALUE) {
        av_frame_unref(decoded_.get());
        ++dropped_;
        continue;
      }
      auto ok = fixer_->push(decoded_.get());
      av_frame_unref(decoded_.get());
      if (!ok) return ok;
      if (auto drained = drain_fixer(progress); !drained) return drained;
    }
  }

  core::Status drain_fixer(const ports::ProgressFn& progress) {
    for (;;) {
      const int rc = fixer_->pull(fixed_.get());
      if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF) return {};
      if (rc < 0) return fail(Error::internal("picture filters: " + av_error_text(rc)));
      auto ok = upright_frame(fixed_.get(), progress);
      av_frame_unref(fixed_.get());
      if (!ok) return ok;
    }
  }

  core::Status upright_frame(AVFrame* f, const ports::ProgressFn& progress) {
    if (last_pts_ != AV_NOPTS_VALUE && f->pts <= last_pts_) {
      ++dropped_;  // a repeated timestamp: no encoder takes two frames at one time
      return {};
    }
    last_pts_ = f->pts;
    if (first_pts_ == AV_NOPTS_VALUE) first_pts_ = f->pts;
    const AVRational rate = fixer_->output_frame_rate();
    const int64_t one_frame = f->pkt_duration > 0 ? f->pkt_duration
                              : rate.num > 0      ? av_rescale_q(1, av_inv_q(rate), frame_tb_)
                                                  : 0;
    end_pts_ = std::max(end_pts_, f->pts + one_frame);
    longest_frame_ = std::max(longest_frame_, one_frame);
    const double seconds = static_cast<double>(f->pts - first_pts_) * av_q2d(frame_tb_);
    if (picker_->wants(seconds)) {
      if (picker_->offer(seconds, luma_stats(*f))) poster_.reset(av_frame_clone(f));
    }
    if (rungs_.empty()) return {};
    bool idr = false;
    if (kept_track_) {
      // The kept source's own key frames begin its segments; the encoded rungs follow them.
      while (!boundaries_.empty() && *boundaries_.begin() < f->pts) boundaries_.erase(boundaries_.begin());
      idr = boundaries_.erase(f->pts) > 0 || frames_ == 0;
    } else {
      idr = planner_->begins_segment(f->pts - first_pts_, true);
    }
    f->pict_type = idr ? AV_PICTURE_TYPE_I : AV_PICTURE_TYPE_NONE;
    for (auto& r : rungs_) {
      Frame copy(av_frame_clone(f));
      if (!copy) return fail(Error::internal("out of memory"));
      if (!r->push(std::move(copy))) {
        // That rung stopped on an error, which finish() reports.
        return r->finish();
      }
    }
    ++frames_;
    if (progress) {
      const double duration = in_.duration_seconds();
      const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
      ports::Progress p;
      p.fraction = duration > 0 ? std::clamp(seconds / duration, 0.0, 0.99) : 0;
      p.frames = frames_;
      p.frames_per_second = elapsed > 0 ? static_cast<double>(frames_) / elapsed : 0;
      progress(p);
    }
    return {};
  }

  core::Status check_damage() {
    const std::string track = "track " + std::to_string(in_.video()->index);
    const int64_t bad = damaged_ + concealed_;
    if (decoded_frames_ == 0) {
      return fail(Error::invalid_input(track + ": no video frame could be decoded (" + std::to_string(damaged_) +
                                       " of " + std::to_string(packets_) + " packets damaged)"));
    }
    if (!rungs_.empty() && bad * 2 > packets_) {
      return fail(Error::invalid_input(track + ": the video is mostly damaged: " + std::to_string(bad) + " of " +
                                       std::to_string(packets_) + " packets could not be decoded cleanly"));
    }
    if (bad > 0) {
      warnings_.push_back(track + ": " + std::to_string(bad) + " of " + std::to_string(packets_) +
                          " video packets were damaged (concealed or skipped)");
    }
    if (dropped_ > 0) {
      warnings_.push_back(track + ": " + std::to_string(dropped_) +
                          " decoded frames without a timestamp of their own (none or a repeated one) were left out");
    }
    return {};
  }

  SourceMedia& in_;
  const ports::PackageOptions& options_;
  CodecContext decoder_;
  std::optional<FilterChain> fixer_;
  AVRational frame_tb_{1, 1};
  std::optional<core::SegmentPlanner> planner_;       // boundaries when everything is encoded
  std::optional<core::SegmentPlanner> kept_planner_;  // boundaries from the kept source's packets
  std::optional<size_t> kept_track_;
  std::set<int64_t> boundaries_;  // presentation times of the kept source's segment starts
  int64_t first_packet_pts_ = AV_NOPTS_VALUE;
  std::vector<std::unique_ptr<RungEncoder>> rungs_;
  std::vector<size_t> rung_tracks_;
  std::optional<core::PosterPicker> picker_;
  Frame poster_;
  core::PictureSize poster_size_;
  Frame decoded_;
  Frame fixed_;
  int64_t first_pts_ = AV_NOPTS_VALUE;
  int64_t last_pts_ = AV_NOPTS_VALUE;
  int64_t end_pts_ = 0;
  int64_t longest_frame_ = 0;
  int64_t frames_ = 0;
  int64_t packets_ = 0;
  int64_t decoded_frames_ = 0;
  int64_t damaged_ = 0;
  int64_t concealed_ = 0;
  int64_t dropped_ = 0;
  std::vector<std::string> warnings_;
  std::chrono::steady_clock::time_point started_;
};

// One audio track: kept (packets as they are) or transcoded.
struct AudioTrack {
  const AVStream* stream = nullptr;
  size_t track = 0;
  std::unique_ptr<AudioTranscoder> transcoder;  // null when kept
};

}  // namespace

core::Result<EncodedTracks> encode_tracks(SourceMedia& in, const std::vector<core::PlannedRendition>& plan,
                                          const std::vector<bool>& keep_audio, const std::filesystem::path& folder,
                                          const ports::PackageOptions& options, const ports::ProgressFn& progress) {
  EncodedTracks result;
  EncodedOutput out(folder, options.segment_duration_seconds);
  std::optional<VideoLadder> video;
  if (in.video() && !plan.empty()) {
    video.emplace(in, options);
    if (auto ok = video->open(plan, out, result.renditions); !ok) return fail(ok.error());
  }
  std::vector<AudioTrack> audio;
  std::vector<int> audio_of_stream(in.context()->nb_streams, -1);
  for (size_t i = 0; i < in.audio().size(); ++i) {
    const AVStream& st = *in.audio()[i];
    AudioTrack a;
    a.stream = &st;
    OutputTrackSpec spec;
    spec.id = core::representation_id(core::MediaKind::Audio, st.index);
    core::TrackDescription& d = spec.description;
    d.input_index = st.index;
    d.kind = core::MediaKind::Audio;
    d.codec = core::Codec::Aac;
    d.language = language_of(st);
    if (keep_audio.at(i)) {
      auto codecs = core::codecs_parameter(core::Codec::Aac,
                                           {st.codecpar->extradata, static_cast<size_t>(st.codecpar->extradata_size)},
                                           core::SampleEntryFacts{st.codecpar->sample_rate, {}});
      if (!codecs) return fail(Error::invalid_input("track " + std::to_string(st.index) + ": " + codecs.error().message));
      d.codecs = *codecs;
      d.sample_rate = st.codecpar->sample_rate;
      d.channels = st.codecpar->ch_layout.nb_channels;
      spec.stream = &st;
      spec.time_base = st.time_base;
      spec.content_start = st.start_time;  // after an edit list's priming
    } else {
      auto t = AudioTranscoder::open(st, options.audio_bitrate);
      if (!t) return fail(t.error());
      a.transcoder = std::move(*t);
      d.codecs = a.transcoder->codecs();
      d.sample_rate = 48000;
      d.channels = 2;
      spec.stream = &a.transcoder->stream();
      spec.time_base = a.transcoder->time_base();
      spec.priming = a.transcoder->priming();
    }
    ports::RenditionSummary summary;
    summary.id = spec.id;
    summary.video = false;
    summary.encoded = a.transcoder != nullptr;
    summary.codecs = d.codecs;
    result.renditions.push_back(summary);
    a.track = out.add_track(std::move(spec));
    audio_of_stream[static_cast<size_t>(st.index)] = static_cast<int>(audio.size());
    audio.push_back(std::move(a));
  }
  if (video) video->start(out);

  Packet packet(av_packet_alloc());
  if (!packet) return fail(Error::internal("out of memory"));
  const auto give_up = [&](core::Error e) -> core::Result<EncodedTracks> {
    if (video) video->abort();
    return fail(std::move(e));
  };
  for (;;) {
    if (options.cancel.stop_requested()) {
      return give_up(Error::transient("encoding " + in.path().string() + " was cancelled"));
    }
    auto more = in.next(packet.get());
    if (!more) return give_up(more.error());
    if (!*more) break;
    const AVPacket& p = *packet;
    if (video && p.stream_index == in.video()->index) {
      if (auto ok = video->packet(p, out, progress); !ok) return give_up(ok.error());
      continue;
    }
    const int a = audio_of_stream[static_cast<size_t>(p.stream_index)];
    if (a < 0) continue;
    AudioTrack& t = audio[static_cast<size_t>(a)];
    core::Status ok;
    if (t.transcoder) {
      ok = t.transcoder->send(&p, [&](const AVPacket& e) {
        return out.deliver(t.track, e.pts, e.dts, e.duration, true, bytes_of(e), std::nullopt);
      });
    } else {
      ok = out.deliver(t.track, p.pts, p.dts, p.duration, true, bytes_of(p), std::nullopt);
    }
    if (!ok) return give_up(ok.error());
    if (!video && progress && in.duration_seconds() > 0 && p.pts != AV_NOPTS_VALUE) {
      progress({std::clamp(static_cast<double>(p.pts) * av_q2d(t.stream->time_base) / in.duration_seconds(), 0.0, 0.99)});
    }
  }

  for (AudioTrack& t : audio) {
    if (t.transcoder) {
      auto ok = t.transcoder->send(nullptr, [&](const AVPacket& e) {
        return out.deliver(t.track, e.pts, e.dts, e.duration, true, bytes_of(e), std::nullopt);
      });
      if (!ok) return give_up(ok.error());
      if (t.transcoder->frames_decoded() == 0) {
        return give_up(Error::invalid_input("track " + std::to_string(t.stream->index) +
                                            ": no audio frame could be decoded"));
      }
    }
    if (auto ok = out.end_track(t.track); !ok) return give_up(ok.error());
  }
  if (video) {
    if (auto ok = video->finish(out, progress); !ok) return give_up(ok.error());
    result.frames = video->frames();
    result.source = video->decoded_source();
    result.warnings = video->warnings();
    result.poster = video->take_poster();
    result.poster_size = video->poster_size();
  }
  auto tracks = out.finish();
  if (!tracks) return fail(tracks.error());
  result.tracks = std::move(*tracks);
  result.media_zero_us = out.media_zero_us();
  result.presentation_zero_us = out.presentation_zero_us();
  for (size_t i = 0; i < result.tracks.size(); ++i) {
    const core::PackagedTrack& t = result.tracks[i];
    uint64_t bytes = 0;
    for (const auto& s : t.segments) bytes += s.bytes;
    const double seconds = t.segments.empty() || t.track.timescale == 0
                               ? 0
                               : static_cast<double>(t.segments.back().end_time - t.segments.front().earliest_time) /
                                     t.track.timescale;
    result.renditions[i].bitrate = seconds > 0 ? static_cast<int64_t>(static_cast<double>(bytes) * 8 / seconds) : 0;
  }
  return result;
}

}  // namespace ve::adapters::media
