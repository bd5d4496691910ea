// SPDX-License-Identifier: Apache-2.0
#include "adapters/media/text_tracks.hpp"

#include "adapters/media/input_guards.hpp"

#include <algorithm>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string_view>

#include "adapters/media/av_handles.hpp"
#include "adapters/media/file_io.hpp"
#include "core/mp4_sample_tables.hpp"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/avutil.h>
#include <libavutil/mem.h>
#include <libavutil/rational.h>
}

namespace ve::adapters::media {
// A named namespace: ve_adapter_media is a unity build, and media_input.cpp has helpers of its own.
namespace text_tracks_detail {

using core::Error;
using core::fail;

constexpr uint32_t kWvttTag = MKTAG('w', 'v', 't', 't');
constexpr uint32_t kTimecodeTag = MKTAG('t', 'm', 'c', 'd');
// The packager's bound on timestamps: beyond 2^53 ticks a time is a corrupt table, not a subtitle.
constexpr int64_t kMaxTicks = int64_t{1} << 53;

struct CodecContextDeleter {
  void operator()(AVCodecContext* c) const { avcodec_free_context(&c); }
};
using CodecContext = std::unique_ptr<AVCodecContext, CodecContextDeleter>;

// An AVSubtitle as filled by avcodec_decode_subtitle2, freed on every path.
struct DecodedSubtitle {
  AVSubtitle sub{};
  DecodedSubtitle() = default;
  DecodedSubtitle(const DecodedSubtitle&) = delete;
  DecodedSubtitle& operator=(const DecodedSubtitle&) = delete;
  ~DecodedSubtitle() { avsubtitle_free(&sub); }
};

// How a track's samples become cues.
enum class TextFormat {
  MovText,     // 'tx3g': libavcodec decodes to ASS, its WebVTT encoder writes cue text
  WvttBoxes,   // 'wvtt' in MP4: FFmpeg 5.1 hands the samples over as stored (a data stream)
  WebVttText,  // AV_CODEC_ID_WEBVTT as other demuxers give it: cue text, id and settings as side data
};

struct StreamPlan {
  std::optional<TextFormat> format;
  std::string skip_reason;  // empty with no format: an audio/video track, the packager's
};

StreamPlan plan_for(const AVStream* st) {
  const AVCodecParameters* p = st->codecpar;
  const std::string codec = avcodec_get_name(p->codec_id);
  if (p->codec_tag == kWvttTag) return {TextFormat::WvttBoxes, {}};
  switch (p->codec_type) {
    case AVMEDIA_TYPE_VIDEO: return {std::nullopt, (st->disposition & AV_DISPOSITION_ATTACHED_PIC) ? "cover art" : ""};
    case AVMEDIA_TYPE_AUDIO: return {};
    case AVMEDIA_TYPE_SUBTITLE: {
      if (p->codec_id == AV_CODEC_ID_MOV_TEXT) return {TextFormat::MovText, {}};
      if (p->codec_id == AV_CODEC_ID_WEBVTT) return {TextFormat::WebVttText, {}};
      const AVCodecDescriptor* d = avcodec_descriptor_get(p->codec_id);
      if (d && (d->props & AV_CODEC_PROP_BITMAP_SUB)) {
        return {std::nullopt, "subtitle codec " + codec + " is a bitmap format"};
      }
      return {std::nullopt, "subtitle codec " + codec + " is not supported"};
    }
    case AVMEDIA_TYPE_DATA: {
      if (p->codec_tag == kTimecodeTag) return {std::nullopt, "timecode track"};
      if (p->codec_id == AV_CODEC_ID_TIMED_ID3) return {std::nullopt, "timed metadata track"};
      char tag[AV_FOURCC_MAX_STRING_SIZE] = {};
      av_fourcc_make_string(tag, p->codec_tag);
      return {std::nullopt, p->codec_tag ? "data track (" + std::string(tag) + ")" : "data track"};
    }
    case AVMEDIA_TYPE_ATTACHMENT: return {std::nullopt, "attachment"};
    default: return {std::nullopt, "track of unknown type"};
  }
}

// ASS dialogue text with & < > escaped for WebVTT, outside its override blocks ("{\i1}"), which
// libavcodec's WebVTT encoder turns into tags itself and copies all other text as is. The text is
// the field after the eighth comma (ReadOrder,Layer,Style,Name,MarginL,MarginR,MarginV,Effect,Text).
std::string escape_ass_dialogue(std::string_view ass) {
  size_t at = 0;
  for (int commas = 0; at < ass.size() && commas < 8; ++at) {
    if (ass[at] == ',') ++commas;
  }
  std::string out(ass.substr(0, at));
  bool in_override = false;
  for (; at < ass.size(); ++at) {
    const char c = ass[at];
    if (in_override) {
      in_override = c != '}';
      out += c;
    } else if (c == '{' && at + 1 < ass.size() && ass[at + 1] == '\\') {
      in_override = true;
      out += c;
    } else {
      out += core::webvtt_escape(std::string_view(&ass[at], 1));
    }
  }
  return out;
}

// mov_text samples to WebVTT cue text, through libavcodec: its mov_text decoder yields ASS, its
// WebVTT encoder writes that as cue text. Move-only.
class MovTextConverter {
 public:
  static core::Result<MovTextConverter> open(const AVStream* st, const std::string& where) {
    MovTextConverter c;
    const AVCodec* decoder = avcodec_find_decoder(st->codecpar->codec_id);
    const AVCodec* encoder = avcodec_find_encoder(AV_CODEC_ID_WEBVTT);
    if (!decoder || !encoder) return fail(Error::internal("libavcodec lacks the mov_text decoder or WebVTT encoder"));
    c.decoder_.reset(avcodec_alloc_context3(decoder));
    c.encoder_.reset(avcodec_alloc_context3(encoder));
    if (!c.decoder_ || !c.encoder_) return fail(Error::internal("out of memory"));
    if (avcodec_parameters_to_context(c.decoder_.get(), st->codecpar) < 0) {
      return fail(Error::internal("out of memory"));
    }
    c.decoder_->pkt_timebase = st->time_base;
    if (const int rc = avcodec_open2(c.decoder_.get(), decoder, nullptr); rc < 0) {
      return fail(Error::invalid_input(where + ": cannot read its sample description: " + av_error_text(rc)));
    }
    // The encoder reads the styles of the decoder's ASS header (a C string).
    const int header_size = c.decoder_->subtitle_header_size;
    auto* header = static_cast<uint8_t*>(av_mallocz(static_cast<size_t>(header_size) + 1));
    if (!header) return fail(Error::internal("out of memory"));
    if (header_size > 0) std::memcpy(header, c.decoder_->subtitle_header, static_cast<size_t>(header_size));
    c.encoder_->subtitle_header = header;  // owned and freed by the encoder context from here
    c.encoder_->subtitle_header_size = header_size;
    c.encoder_->time_base = st->time_base;
    if (const int rc = avcodec_open2(c.encoder_.get(), encoder, nullptr); rc < 0) {
      return fail(Error::invalid_input(where + ": its style header cannot be read: " + av_error_text(rc)));
    }
    return c;
  }

  // The cue text of one sample; "" for an empty sample (a gap).
  core::Result<std::string> convert(AVPacket* pkt, const std::string& where, size_t max_bytes) {
    DecodedSubtitle decoded;
    int got = 0;
    if (const int rc = avcodec_decode_subtitle2(decoder_.get(), &decoded.sub, &got, pkt); rc < 0) {
      return fail(Error::invalid_input(where + " is corrupt: " + av_error_text(rc)));
    }
    if (!got || decoded.sub.num_rects == 0) return std::string();
    size_t ass_bytes = 0;
    for (unsigned i = 0; i < decoded.sub.num_rects; ++i) {
      AVSubtitleRect* rect = decoded.sub.rects[i];
      if (rect->type != SUBTITLE_ASS || !rect->ass) return fail(Error::invalid_input(where + " holds no text"));
      char* escaped = av_strdup(escape_ass_dialogue(rect->ass).c_str());
      if (!escaped) return fail(Error::internal("out of memory"));
      av_free(rect->ass);
      rect->ass = escaped;
      ass_bytes += std::strlen(escaped);
    }
    decoded.sub.start_display_time = 0;  // the encoder insists; times come from the packet
    // Tags the encoder adds take at most a few bytes per byte of ASS; grow the buffer if not.
    std::vector<uint8_t> out(std::min(max_bytes, 4 * ass_bytes + 1024));
    for (;;) {
      const int n = avcodec_encode_subtitle(encoder_.get(), out.data(), static_cast<int>(out.size()), &decoded.sub);
      if (n >= 0) return std::string(reinterpret_cast<const char*>(out.data()), static_cast<size_t>(n));
      if (n == AVERROR_BUFFER_TOO_SMALL && out.size() >= max_bytes) {
        return fail(Error::invalid_input(where + " holds more than " + std::to_string(max_bytes >> 20) +
                                         " MiB of text (the limit per input)"));
      }
      if (n != AVERROR_BUFFER_TOO_SMALL) {
        return fail(
            Error::invalid_input(where + ": its text cannot be converted to WebVTT (" + av_error_text(n) + ")"));
      }
      out.resize(std::min(max_bytes, out.size() * 2));
    }
  }

 private:
  MovTextConverter() = default;
  CodecContext decoder_;
  CodecContext encoder_;
};

std::string side_data_text(const AVPacket* pkt, AVPacketSideDataType type) {
  size_t size = 0;
  const uint8_t* data = av_packet_get_side_data(pkt, type, &size);
  return data ? std::string(reinterpret_cast<const char*>(data), size) : std::string();
}

struct TrackReader {
  const AVStream* stream = nullptr;
  TextFormat format = TextFormat::MovText;
  std::optional<MovTextConverter> mov_text;
  std::string name;  // "<input>: subtitle track N", for messages
  int64_t samples = 0;
  TextTrack track;
};

// Refuses sample tables that would have libavformat allocate far more than the file justifies,
// before it allocates anything (the same guard as MediaInput::open: this is a second demuxer).
core::Status check_declared_sample_tables(const std::filesystem::path& path, int64_t file_size) {
  auto fd = open_for_reading(path);
  if (!fd) return fail(fd.error());
  auto tracks = declared_tracks(path, fd->get(), file_size);
  if (!tracks) return fail(tracks.error());
  return {};
}

core::Result<InputContext> open_text_input(const std::filesystem::path& path) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (!std::filesystem::exists(status)) return fail(Error::not_found(path.string() + ": no such file"));
  if (!std::filesystem::is_regular_file(status)) {
    return fail(Error::invalid_input(path.string() + ": not a regular file"));
  }
  const auto size = static_cast<int64_t>(std::filesystem::file_size(path, ec));
  if (ec) return fail(Error::invalid_input(path.string() + ": cannot read file size: " + ec.message()));
  if (size == 0) return fail(Error::invalid_input(path.string() + ": file is empty"));
  if (auto ok = check_declared_sample_tables(path, size); !ok) return fail(ok.error());
  limit_libav_allocations();
  AVFormatContext* raw = nullptr;
  // "file:" so that a name with a colon is not taken for a protocol.
  const std::string url = "file:" + path.string();
  if (const int rc = avformat_open_input(&raw, url.c_str(), nullptr, nullptr); rc < 0) {
    if (rc == AVERROR(ENOMEM)) return fail(Error::invalid_input(too_big_for_memory(path)));
    return fail(Error::invalid_input(path.string() + ": cannot open: " + av_error_text(rc)));
  }
  return InputContext(raw);
}

// The sample's start and end in microseconds.
core::Result<std::pair<int64_t, int64_t>> sample_times(const AVPacket* pkt, AVRational time_base,
                                                       const std::string& where) {
  const int64_t t = pkt->pts != AV_NOPTS_VALUE ? pkt->pts : pkt->dts;
  if (t == AV_NOPTS_VALUE) return fail(Error::invalid_input(where + " has no timestamp"));
  const int64_t duration = std::max<int64_t>(pkt->duration, 0);
  const AVRational us{1, 1'000'000};
  const int64_t start = t > -kMaxTicks && t < kMaxTicks ? av_rescale_q(t, time_base, us) : INT64_MIN;
  const int64_t end =
      duration < kMaxTicks && start != INT64_MIN ? av_rescale_q(t + duration, time_base, us) : INT64_MIN;
  if (start == INT64_MIN || end == INT64_MIN) {
    return fail(Error::invalid_input(where + " has a timestamp or duration beyond 2^53 ticks (corrupt timing tables)"));
  }
  return std::pair{start, end};
}

// The cues of one sample, times not yet set. A 'wvtt' sample of more than max_cues cues is refused
// before they are stored (a few bytes of boxes per cue could otherwise take far more memory).
core::Result<std::vector<core::WebVttCue>> sample_cues(TrackReader& r, AVPacket* pkt, const std::string& where,
                                                       size_t max_cues) {
  std::vector<core::WebVttCue> cues;
  switch (r.format) {
    case TextFormat::MovText: {
      auto text = r.mov_text->convert(pkt, where, kMaxTextCueBytes);
      if (!text) return fail(text.error());
      cues.emplace_back().text = std::move(*text);
      break;
    }
    case TextFormat::WvttBoxes: {
      auto parsed = core::parse_wvtt_sample({pkt->data, static_cast<size_t>(pkt->size)}, max_cues);
      if (!parsed) return fail(Error::invalid_input(where + ": " + parsed.error().message));
      cues = std::move(*parsed);
      break;
    }
    case TextFormat::WebVttText: {
      core::WebVttCue& cue = cues.emplace_back();
      cue.id = side_data_text(pkt, AV_PKT_DATA_WEBVTT_IDENTIFIER);
      cue.settings = side_data_text(pkt, AV_PKT_DATA_WEBVTT_SETTINGS);
      cue.text = std::string(reinterpret_cast<const char*>(pkt->data), static_cast<size_t>(pkt->size));
      break;
    }
  }
  return cues;
}

// The input's streams: a reader per text track, every other stream discarded so that the demuxer
// skips its samples without reading them.
core::Result<std::vector<TrackReader>> plan_readers(AVFormatContext* ctx, const std::filesystem::path& input,
                                                    std::vector<SkippedTrack>* skipped) {
  std::vector<TrackReader> readers;
  for (unsigned i = 0; i < ctx->nb_streams; ++i) {
    AVStream* st = ctx->streams[i];
    StreamPlan plan = plan_for(st);
    if (!plan.format) {
      st->discard = AVDISCARD_ALL;
      if (skipped && !plan.skip_reason.empty()) skipped->push_back({st->index, std::move(plan.skip_reason)});
      continue;
    }
    TrackReader r;
    r.stream = st;
    r.format = *plan.format;
    r.name = input.string() + ": subtitle track " + std::to_string(st->index);
    r.track.input_index = st->index;
    if (const AVDictionaryEntry* lang = av_dict_get(st->metadata, "language", nullptr, 0);
        lang && std::strcmp(lang->value, "und") != 0) {
      r.track.language = lang->value;
    }
    if (r.format == TextFormat::MovText) {
      auto converter = MovTextConverter::open(st, r.name);
      if (!converter) return fail(converter.error());
      r.mov_text.emplace(std::move(*converter));
    }
    readers.push_back(std::move(r));
  }
  return readers;
}

core::Result<std::vector<TextTrack>> read_tracks(const std::filesystem::path& input, std::stop_token stop,
                                                 std::vector<SkippedTrack>* skipped) {
  auto ctx = open_text_input(input);
  if (!ctx) return fail(ctx.error());
  auto readers = plan_readers(ctx->get(), input, skipped);
  if (!readers) return fail(readers.error());
  std::vector<TrackReader*> reader_of_stream((*ctx)->nb_streams, nullptr);
  for (auto& r : *readers) reader_of_stream[static_cast<size_t>(r.stream->index)] = &r;
  const int64_t file_size = avio_size((*ctx)->pb);

  Packet packet(av_packet_alloc());
  if (!packet) return fail(Error::internal("out of memory"));
  size_t cue_count = 0;
  size_t cue_bytes = 0;
  while (!readers->empty()) {
    if (stop.stop_requested()) {
      return fail(Error::transient("reading the subtitles of " + input.string() + " was cancelled"));
    }
    AVPacket* pkt = packet.get();
    av_packet_unref(pkt);
    const int rc = av_read_frame(ctx->get(), pkt);
    if (rc == AVERROR_EOF) break;
    if (rc == AVERROR(ENOMEM)) return fail(Error::invalid_input(too_big_for_memory(input)));
    if (rc < 0) return fail(Error::invalid_input(input.string() + ": cannot read subtitles: " + av_error_text(rc)));
    if (pkt->stream_index < 0 || static_cast<size_t>(pkt->stream_index) >= reader_of_stream.size()) continue;
    TrackReader* r = reader_of_stream[static_cast<size_t>(pkt->stream_index)];
    if (!r) continue;
    const std::string where = r->name + " sample " + std::to_string(++r->samples);
    if ((pkt->flags & AV_PKT_FLAG_CORRUPT) || (pkt->pos >= 0 && file_size > 0 && pkt->pos + pkt->size > file_size)) {
      return fail(Error::invalid_input(where + " lies beyond the end of the file (truncated)"));
    }
    auto times = sample_times(pkt, r->stream->time_base, where);
    if (!times) return fail(times.error());
    // Text is never larger than its sample: a sample past the limit is refused before it is converted.
    if (static_cast<size_t>(pkt->size) > kMaxTextCueBytes) {
      return fail(Error::invalid_input(where + " is larger than " + std::to_string(kMaxTextCueBytes >> 20) +
                                       " MiB, the limit of subtitle text per input"));
    }
    // One more than the cues left, so that the check below names the limit.
    auto cues = sample_cues(*r, pkt, where, kMaxTextCues - cue_count + 1);
    if (!cues) return fail(cues.error());
    for (auto& cue : *cues) {
      // A cue without text is a gap; a cue over before 0 never shows, one starting before 0 shows from 0.
      if (cue.text.find_first_not_of(" \t\r\n") == std::string::npos || times->second <= 0) continue;
      cue.start_us = std::max<int64_t>(times->first, 0);
      cue.end_us = times->second;
      cue_bytes += cue.text.size() + cue.id.size() + cue.settings.size();
      if (++cue_count > kMaxTextCues) {
        return fail(Error::invalid_input(input.string() + ": more than " + std::to_string(kMaxTextCues) +
                                         " subtitle cues (the limit per input)"));
      }
      if (cue_bytes > kMaxTextCueBytes) {
        return fail(Error::invalid_input(input.string() + ": more than " + std::to_string(kMaxTextCueBytes >> 20) +
                                         " MiB of subtitle text (the limit per input)"));
      }
      r->track.cues.push_back(std::move(cue));
    }
  }

  std::vector<TextTrack> tracks;
  for (auto& r : *readers) {
    const int listed = avformat_index_get_entries_count(r.stream);
    if (r.samples < listed) {
      return fail(Error::invalid_input(r.name + " lists " + std::to_string(listed) + " samples but only " +
                                       std::to_string(r.samples) + " could be read (file truncated)"));
    }
    std::stable_sort(r.track.cues.begin(), r.track.cues.end(),
                     [](const core::WebVttCue& a, const core::WebVttCue& b) { return a.start_us < b.start_us; });
    tracks.push_back(std::move(r.track));
  }
  return tracks;
}

}  // namespace text_tracks_detail

core::Result<std::vector<TextTrack>> read_text_tracks(const std::filesystem::path& input, std::stop_token stop,
                                                      std::vector<SkippedTrack>* skipped) {
  return text_tracks_detail::read_tracks(input, std::move(stop), skipped);
}

}  // namespace ve::adapters::media
