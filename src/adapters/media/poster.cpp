// SPDX-License-Identifier: Apache-2.0
#include "adapters/media/poster.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <span>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "adapters/media/av_handles.hpp"
#include "adapters/media/file_io.hpp"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>
}

namespace ve::adapters::media {
// A named namespace: ve_adapter_media is a unity build and its files keep helpers of their own.
namespace poster_detail {

using core::Error;
using core::fail;
using core::Result;

constexpr int kGridStep = 4;
constexpr int kMaxSide = 16384;
// MJPEG quantiser scale (2..31, lower is better): 2 is what `ffmpeg -q:v 2` gives, visually
// lossless at a few hundred kB for 1080p and well under 100 kB at poster sizes.
constexpr int kJpegQscale = 2;
// Bicubic as asked; accurate rounding and full chroma interpolation cost little at poster size and
// avoid the banding and chroma bleeding of swscale's fast paths.
constexpr int kScaleFlags = SWS_BICUBIC | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT;
constexpr int kUnitContrast = 1 << 16;  // sws_setColorspaceDetails' 16.16 fixed point 1.0

const AVPixFmtDescriptor* descriptor(const AVFrame& frame) {
  return av_pix_fmt_desc_get(static_cast<AVPixelFormat>(frame.format));
}

bool is_rgb_like(const AVPixFmtDescriptor& d) {
  return (d.flags & (AV_PIX_FMT_FLAG_RGB | AV_PIX_FMT_FLAG_PAL | AV_PIX_FMT_FLAG_BAYER)) != 0;
}

// The same layout without the range in its name: the range is passed to libswscale explicitly, and
// it warns about the deprecated yuvj formats on every context made for one.
AVPixelFormat plain_format(AVPixelFormat f) {
  switch (f) {
    case AV_PIX_FMT_YUVJ420P: return AV_PIX_FMT_YUV420P;
    case AV_PIX_FMT_YUVJ422P: return AV_PIX_FMT_YUV422P;
    case AV_PIX_FMT_YUVJ444P: return AV_PIX_FMT_YUV444P;
    case AV_PIX_FMT_YUVJ440P: return AV_PIX_FMT_YUV440P;
    case AV_PIX_FMT_YUVJ411P: return AV_PIX_FMT_YUV411P;
    default: return f;
  }
}

// The range the samples use. Unspecified follows libswscale: the yuvj formats and gray are full,
// other YUV is limited (TV) range.
bool is_full_range(const AVFrame& frame, const AVPixFmtDescriptor& d) {
  if (frame.color_range == AVCOL_RANGE_JPEG) return true;
  if (frame.color_range == AVCOL_RANGE_MPEG) return false;
  const auto format = static_cast<AVPixelFormat>(frame.format);
  return is_rgb_like(d) || d.nb_components <= 2 || plain_format(format) != format;
}

// libswscale's matrix for the frame (SWS_CS_* numbers). Unspecified: BT.709 from 720 lines up,
// BT.601 below, the guess browsers and players make.
int sws_colorspace(const AVFrame& frame) {
  switch (frame.colorspace) {
    case AVCOL_SPC_BT709: return SWS_CS_ITU709;
    case AVCOL_SPC_BT470BG:
    case AVCOL_SPC_SMPTE170M: return SWS_CS_ITU601;
    case AVCOL_SPC_SMPTE240M: return SWS_CS_SMPTE240M;
    case AVCOL_SPC_FCC: return SWS_CS_FCC;
    case AVCOL_SPC_BT2020_NCL:
    case AVCOL_SPC_BT2020_CL: return SWS_CS_BT2020;
    default: return frame.height >= 720 ? SWS_CS_ITU709 : SWS_CS_ITU601;
  }
}

// Reads luma sample x of a row, whatever its storage: bytes up to 8 bits, else 16-bit words in the
// format's byte order holding the value at `shift` (P010 keeps its 10 bits at the top).
struct LumaReader {
  const AVComponentDescriptor& comp;
  bool big_endian;
  uint32_t mask;

  uint32_t operator()(const uint8_t* row, int x) const {
    const uint8_t* p = row + comp.offset + static_cast<ptrdiff_t>(x) * comp.step;
    if (comp.depth <= 8) return (uint32_t{p[0]} >> comp.shift) & mask;
    const uint32_t word = big_endian ? (uint32_t{p[0]} << 8 | p[1]) : (uint32_t{p[1]} << 8 | p[0]);
    return (word >> comp.shift) & mask;
  }
};

Result<Frame> allocate_frame(int width, int height, AVPixelFormat format) {
  Frame frame(av_frame_alloc());
  if (!frame) return fail(Error::internal("out of memory allocating a picture"));
  frame->width = width;
  frame->height = height;
  frame->format = format;
  if (const int rc = av_frame_get_buffer(frame.get(), 0); rc < 0) {
    return fail(Error::internal("cannot allocate a " + std::to_string(width) + "x" + std::to_string(height) +
                                " picture: " + av_error_text(rc)));
  }
  return frame;
}

// One libswscale pass from `in` into a new width x height picture of `format`, with explicit
// matrices and ranges: by itself libswscale reads the range only from a format's name (yuvj) and
// not from the frame's tag, and takes every YUV source for BT.601.
Result<Frame> convert(const AVFrame& in, bool in_full_range, int in_colorspace, int width, int height,
                      AVPixelFormat format, int out_colorspace) {
  const auto in_format = plain_format(static_cast<AVPixelFormat>(in.format));
  Scaler scaler(sws_getContext(in.width, in.height, in_format, width, height, format, kScaleFlags, nullptr,
                               nullptr, nullptr));
  if (!scaler) {
    return fail(Error::internal(std::string("libswscale cannot convert ") + av_get_pix_fmt_name(in_format) +
                                " " + std::to_string(in.width) + "x" + std::to_string(in.height) + " to " +
                                av_get_pix_fmt_name(format)));
  }
  if (sws_setColorspaceDetails(scaler.get(), sws_getCoefficients(in_colorspace), in_full_range ? 1 : 0,
                               sws_getCoefficients(out_colorspace), 1, 0, kUnitContrast, kUnitContrast) < 0) {
    return fail(Error::internal(std::string("libswscale cannot set colour details for ") +
                                av_get_pix_fmt_name(in_format)));
  }
  auto out = allocate_frame(width, height, format);
  if (!out) return out;
  if (sws_scale(scaler.get(), in.data, in.linesize, 0, in.height, (*out)->data, (*out)->linesize) <= 0) {
    return fail(Error::internal(std::string("libswscale failed to scale ") + av_get_pix_fmt_name(in_format)));
  }
  return out;
}

Result<std::vector<uint8_t>> encode_jpeg(AVFrame& picture) {
  const AVCodec* codec = avcodec_find_encoder(AV_CODEC_ID_MJPEG);
  if (!codec) return fail(Error::internal("this FFmpeg has no mjpeg encoder"));
  CodecContext encoder(avcodec_alloc_context3(codec));
  if (!encoder) return fail(Error::internal("out of memory allocating the mjpeg encoder"));
  encoder->width = picture.width;
  encoder->height = picture.height;
  encoder->pix_fmt = AV_PIX_FMT_YUVJ420P;
  encoder->color_range = AVCOL_RANGE_JPEG;
  encoder->colorspace = AVCOL_SPC_BT470BG;
  encoder->time_base = AVRational{1, 25};  // required by the encoder, meaningless for one picture
  // A fixed quantiser rather than a bit rate: the MPEG-video family takes it from each frame's
  // `quality` under AV_CODEC_FLAG_QSCALE, global_quality being the value ffmpeg -q:v copies there.
  encoder->flags |= AV_CODEC_FLAG_QSCALE;
  encoder->global_quality = kJpegQscale * FF_QP2LAMBDA;
  if (const int rc = avcodec_open2(encoder.get(), codec, nullptr); rc < 0) {
    return fail(Error::internal("cannot open the mjpeg encoder: " + av_error_text(rc)));
  }
  picture.quality = encoder->global_quality;
  picture.pts = 0;
  Packet packet(av_packet_alloc());
  if (!packet) return fail(Error::internal("out of memory allocating a packet"));
  int rc = avcodec_send_frame(encoder.get(), &picture);
  if (rc >= 0) rc = avcodec_send_frame(encoder.get(), nullptr);
  if (rc >= 0) rc = avcodec_receive_packet(encoder.get(), packet.get());
  if (rc < 0) return fail(Error::internal("the mjpeg encoder failed: " + av_error_text(rc)));
  return std::vector<uint8_t>(packet->data, packet->data + packet->size);
}

core::Status write_atomically(const std::filesystem::path& file, std::span<const uint8_t> bytes) {
  std::filesystem::path partial = file;
  partial += ".tmp";
  if (auto written = write_file(partial, bytes); !written) {
    std::error_code ignored;
    std::filesystem::remove(partial, ignored);
    return written;
  }
  std::error_code ec;
  std::filesystem::rename(partial, file, ec);
  if (ec) {
    std::filesystem::remove(partial, ec);
    return fail(Error::internal("cannot move " + partial.string() + " to " + file.string() + ": " +
                                ec.message()));
  }
  return {};
}

}  // namespace poster_detail

core::LumaStats luma_stats(const AVFrame& frame) {
  const AVPixFmtDescriptor* d = poster_detail::descriptor(frame);
  if (!d || poster_detail::is_rgb_like(*d) || (d->flags & (AV_PIX_FMT_FLAG_HWACCEL | AV_PIX_FMT_FLAG_BITSTREAM))) {
    return {};
  }
  const AVComponentDescriptor& comp = d->comp[0];
  if (comp.depth < 8 || comp.depth > 16 || !frame.data[comp.plane] || frame.width < 2 || frame.height < 1) return {};
  const poster_detail::LumaReader read{comp, (d->flags & AV_PIX_FMT_FLAG_BE) != 0, (1u << comp.depth) - 1};

  // Integer sums at the native depth: 16-bit squares over a 16K-wide grid stay far below 2^64.
  uint64_t count = 0, sum = 0, sum_squares = 0, edge_sum = 0;
  for (int y = 0; y < frame.height; y += poster_detail::kGridStep) {
    const uint8_t* row = frame.data[comp.plane] + static_cast<ptrdiff_t>(y) * frame.linesize[comp.plane];
    for (int x = 0; x + 1 < frame.width; x += poster_detail::kGridStep) {
      const uint32_t v = read(row, x);
      const uint32_t right = read(row, x + 1);
      sum += v;
      sum_squares += uint64_t{v} * v;
      edge_sum += v > right ? v - right : right - v;
      ++count;
    }
  }
  const double n = static_cast<double>(count);
  const double mean = static_cast<double>(sum) / n;
  const double variance = std::max(0.0, static_cast<double>(sum_squares) / n - mean * mean);
  const double edge = static_cast<double>(edge_sum) / n;

  // To 8-bit full range: limited range puts black at 16 and white at 235 (scaled by the depth).
  const double unit = static_cast<double>(1u << (comp.depth - 8));
  const bool full = poster_detail::is_full_range(frame, *d);
  const double black = full ? 0 : 16 * unit;
  const double scale = full ? 255.0 / static_cast<double>(read.mask) : 255.0 / (219 * unit);
  return {std::clamp((mean - black) * scale, 0.0, 255.0), std::sqrt(variance) * scale, edge * scale};
}

core::Status write_poster_jpeg(const AVFrame& frame, int width, int height, const std::filesystem::path& file) {
  using poster_detail::kMaxSide;
  const auto named = [&](core::Error e) {
    e.message = "poster " + file.string() + ": " + e.message;
    return core::fail(std::move(e));
  };
  if (width < 1 || height < 1 || width > kMaxSide || height > kMaxSide) {
    return named(core::Error::internal("size " + std::to_string(width) + "x" + std::to_string(height) +
                                       " is outside 1..16384"));
  }
  const AVPixFmtDescriptor* d = poster_detail::descriptor(frame);
  if (!d || (d->flags & AV_PIX_FMT_FLAG_HWACCEL) || !sws_isSupportedInput(static_cast<AVPixelFormat>(frame.format)) ||
      frame.width < 1 || frame.height < 1) {
    const bool hardware = d && (d->flags & AV_PIX_FMT_FLAG_HWACCEL);
    return named(core::Error::internal(std::string("cannot read a picture of format ") +
                                       (d ? d->name : std::to_string(frame.format)) +
                                       (hardware ? " (download hardware frames first)" : "")));
  }
  // Two passes: libswscale does not change the matrix between two YUV formats, and JFIF is BT.601
  // while HD sources are BT.709. The first pass scales into RGB (cheap at poster size), the second
  // turns it into full-range BT.601 4:2:0.
  const bool full_range = poster_detail::is_full_range(frame, *d);
  auto rgb = poster_detail::convert(frame, full_range, poster_detail::sws_colorspace(frame), width, height,
                                    AV_PIX_FMT_RGB24, SWS_CS_ITU601);
  if (!rgb) return named(rgb.error());
  // Converted as yuv420p with a full output range, then labelled yuvj420p for the encoder.
  auto yuv = poster_detail::convert(**rgb, true, SWS_CS_ITU601, width, height, AV_PIX_FMT_YUV420P, SWS_CS_ITU601);
  if (!yuv) return named(yuv.error());
  (*yuv)->format = AV_PIX_FMT_YUVJ420P;
  (*yuv)->color_range = AVCOL_RANGE_JPEG;
  auto jpeg = poster_detail::encode_jpeg(**yuv);
  if (!jpeg) return named(jpeg.error());
  return poster_detail::write_atomically(file, *jpeg);
}

}  // namespace ve::adapters::media
