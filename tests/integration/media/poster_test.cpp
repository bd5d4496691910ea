// SPDX-License-Identifier: Apache-2.0
#include "adapters/media/poster.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <string>

#include "adapters/media/av_handles.hpp"
#include "support/test_support.hpp"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
}

namespace ve::adapters::media {
namespace {

using ve::testing::quote;
using ve::testing::run;

// What the test's own decode loop picked.
struct Pick {
  Frame frame;
  double seconds = 0;
  int index = -1;  // decoded frame number, for ffmpeg's select filter
};

// Decodes the first video stream of `input` in presentation order, the way the encoder will,
// feeding the picker; keeps the chosen frame. Stops once the picker wants nothing more.
void pick_poster(const std::filesystem::path& input, bool known_duration, Pick& pick) {
  AVFormatContext* raw = nullptr;
  ASSERT_EQ(avformat_open_input(&raw, input.c_str(), nullptr, nullptr), 0) << input;
  InputContext in(raw);
  ASSERT_GE(avformat_find_stream_info(in.get(), nullptr), 0);
  const AVCodec* decoder = nullptr;
  const int index = av_find_best_stream(in.get(), AVMEDIA_TYPE_VIDEO, -1, -1, &decoder, 0);
  ASSERT_GE(index, 0);
  const AVStream* stream = in->streams[index];
  CodecContext context(avcodec_alloc_context3(decoder));
  ASSERT_GE(avcodec_parameters_to_context(context.get(), stream->codecpar), 0);
  ASSERT_EQ(avcodec_open2(context.get(), decoder, nullptr), 0);

  const double duration = known_duration && in->duration > 0 ? static_cast<double>(in->duration) / AV_TIME_BASE : 0;
  core::PosterPicker picker(duration);
  const int64_t start = stream->start_time == AV_NOPTS_VALUE ? 0 : stream->start_time;
  Frame frame(av_frame_alloc());
  Packet packet(av_packet_alloc());
  pick.frame.reset(av_frame_alloc());
  int decoded = 0;
  const auto drain = [&] {
    while (avcodec_receive_frame(context.get(), frame.get()) == 0) {
      const double seconds = static_cast<double>(frame->best_effort_timestamp - start) * av_q2d(stream->time_base);
      if (picker.wants(seconds) && picker.offer(seconds, luma_stats(*frame))) {
        av_frame_unref(pick.frame.get());
        av_frame_move_ref(pick.frame.get(), frame.get());
        pick.seconds = seconds;
        pick.index = decoded;
      }
      av_frame_unref(frame.get());
      ++decoded;
    }
  };
  while (!picker.done() && av_read_frame(in.get(), packet.get()) >= 0) {
    if (packet->stream_index == index) avcodec_send_packet(context.get(), packet.get());
    av_packet_unref(packet.get());
    drain();
  }
  avcodec_send_packet(context.get(), nullptr);
  drain();
  ASSERT_TRUE(picker.has_choice()) << input;
  EXPECT_EQ(picker.chosen_seconds(), pick.seconds);
}

// The frame of a one-frame file.
Frame first_frame(const std::filesystem::path& input) {
  Pick pick;
  pick_poster(input, false, pick);
  EXPECT_EQ(pick.index, 0);
  return std::move(pick.frame);
}

std::string probe(const std::filesystem::path& file) {
  return run("ffprobe -v error -show_entries stream=codec_name,width,height,pix_fmt -of default=nw=1 " +
             quote(file.string()))
      .output;
}

// Mean luma of a picture file as ffmpeg's signalstats measures it.
double mean_luma(const std::filesystem::path& file) {
  const auto r = run("ffmpeg -nostdin -v error -i " + quote(file.string()) +
                     " -vf signalstats,metadata=print:key=lavfi.signalstats.YAVG:file=- -f null -");
  std::smatch m;
  if (!std::regex_search(r.output, m, std::regex(R"(YAVG=([0-9.]+))"))) {
    ADD_FAILURE() << r.output;
    return -1;
  }
  return std::stod(m[1]);
}

// Luma PSNR between the poster and ffmpeg's own picture of frame `index` of `input` at the same size,
// read as `input_matrix`/`input_range` say (scale's names) and turned into the full-range BT.601 luma a
// JPEG holds. Luma because 4:2:0 chroma alone caps an RGB comparison of sharp colour bars near 29 dB,
// while a wrong range or matrix costs luma 20 dB or more.
double luma_psnr_against_ffmpeg(const std::filesystem::path& poster, const std::filesystem::path& input, int index,
                                const std::string& input_matrix, const std::string& input_range) {
  const std::string graph = "[1:v]select=eq(n\\," + std::to_string(index) +
                            "),setpts=0,scale=640:360:flags=bicubic+accurate_rnd+full_chroma_int:in_color_matrix=" +
                            input_matrix + ":in_range=" + input_range +
                            ",format=rgb24,scale=out_color_matrix=bt601:out_range=full:flags=accurate_rnd,"
                            "format=yuvj444p[ref];[0:v]format=yuvj444p[poster];[poster][ref]psnr=stats_file=-";
  const auto r = run("ffmpeg -nostdin -v error -i " + quote(poster.string()) + " -i " + quote(input.string()) +
                     " -filter_complex " + quote(graph) + " -f null -");
  std::smatch m;
  if (!std::regex_search(r.output, m, std::regex(R"(psnr_y:([0-9.]+|inf))"))) {
    ADD_FAILURE() << r.output;
    return 0;
  }
  return m[1] == "inf" ? 100 : std::stod(m[1]);
}

TEST(Poster, SampleVideoGetsARepresentative640x360Jpeg) {
  ve::testing::TempDir tmp;
  const auto input = ve::testing::shared_media("video.mp4");
  Pick pick;
  ASSERT_NO_FATAL_FAILURE(pick_poster(input, true, pick));
  // Candidates lie within 5%..80% of the 5.056 s; the first frame is only the fallback.
  EXPECT_GE(pick.seconds, 0.25);
  EXPECT_LE(pick.seconds, 4.1);
  const auto poster = tmp / "poster.jpg";
  const auto written = write_poster_jpeg(*pick.frame, 640, 360, poster);
  ASSERT_TRUE(written) << written.error().message;
  EXPECT_FALSE(std::filesystem::exists(tmp / "poster.jpg.tmp"));
  EXPECT_EQ(probe(poster), "codec_name=mjpeg\nwidth=640\nheight=360\npix_fmt=yuvj420p\n");
  EXPECT_GT(mean_luma(poster), 30);
  EXPECT_GT(luma_psnr_against_ffmpeg(poster, input, pick.index, "bt601", "full"), 40);
}

TEST(Poster, BlackStartAndFadeInAreNotChosen) {
  ve::testing::TempDir tmp;
  const auto input = tmp / "fade.mp4";
  ve::testing::ffmpeg_generate(
      "-filter_complex \"color=c=black:s=640x360:r=25:d=1[b];testsrc2=s=640x360:r=25:d=4,fade=t=in:st=0:d=1[t];"
      "[b][t]concat=n=2:v=1:a=0,format=yuv420p\" -c:v libx264 -preset ultrafast -colorspace bt709 -color_range tv",
      input);
  for (const bool known_duration : {true, false}) {
    Pick pick;
    ASSERT_NO_FATAL_FAILURE(pick_poster(input, known_duration, pick));
    // Black until 1 s, the fade reaches full brightness at 2 s.
    EXPECT_GE(pick.seconds, 1.5) << known_duration;
    const auto poster = tmp / "poster.jpg";
    const auto written = write_poster_jpeg(*pick.frame, 640, 360, poster);
    ASSERT_TRUE(written) << written.error().message;
    EXPECT_EQ(probe(poster), "codec_name=mjpeg\nwidth=640\nheight=360\npix_fmt=yuvj420p\n");
    EXPECT_GT(mean_luma(poster), 60);
    EXPECT_GT(luma_psnr_against_ffmpeg(poster, input, pick.index, "bt709", "limited"), 40) << known_duration;
  }
}

TEST(Poster, TenBit422InputGivesACorrectPoster) {
  ve::testing::TempDir tmp;
  const auto input = tmp / "ten_bit.mkv";
  ve::testing::ffmpeg_generate("-f lavfi -i testsrc2=s=1280x720:r=25:d=1 -pix_fmt yuv422p10le -c:v ffv1 "
                               "-colorspace bt709 -color_range tv",
                               input);
  Pick pick;
  ASSERT_NO_FATAL_FAILURE(pick_poster(input, true, pick));
  ASSERT_EQ(pick.frame->format, AV_PIX_FMT_YUV422P10LE);
  const auto poster = tmp / "poster.jpg";
  const auto written = write_poster_jpeg(*pick.frame, 640, 360, poster);
  ASSERT_TRUE(written) << written.error().message;
  EXPECT_EQ(probe(poster), "codec_name=mjpeg\nwidth=640\nheight=360\npix_fmt=yuvj420p\n");
  EXPECT_GT(luma_psnr_against_ffmpeg(poster, input, pick.index, "bt709", "limited"), 40);
}

TEST(Poster, LumaStatsAgreeAcrossBitDepthAndRange) {
  ve::testing::TempDir tmp;
  const std::string source = "-f lavfi -i testsrc2=s=320x240:r=25:d=0.04 -frames:v 1 -c:v ffv1 ";
  ve::testing::ffmpeg_generate(source + "-pix_fmt yuv420p -color_range tv", tmp / "limited8.mkv");
  ve::testing::ffmpeg_generate(source + "-pix_fmt yuv420p10le -color_range tv", tmp / "limited10.mkv");
  ve::testing::ffmpeg_generate(source + "-vf scale=out_range=full -pix_fmt yuvj420p -color_range pc",
                               tmp / "full8.mkv");
  const auto reference = luma_stats(*first_frame(tmp / "limited8.mkv"));
  EXPECT_GT(reference.mean, 40);
  EXPECT_GT(reference.stddev, 20);
  EXPECT_GT(reference.edge, 0.3);
  for (const char* name : {"limited10.mkv", "full8.mkv"}) {
    const auto stats = luma_stats(*first_frame(tmp / name));
    EXPECT_NEAR(stats.mean, reference.mean, 1.5) << name;
    EXPECT_NEAR(stats.stddev, reference.stddev, 1.5) << name;
    EXPECT_NEAR(stats.edge, reference.edge, 1.0) << name;
  }
  // A limited-range black frame is black (mean 0), not the 16 its samples hold.
  ve::testing::ffmpeg_generate("-f lavfi -i color=c=black:s=320x240:d=0.04 -frames:v 1 -c:v ffv1 -pix_fmt yuv420p10le",
                               tmp / "black.mkv");
  EXPECT_LT(luma_stats(*first_frame(tmp / "black.mkv")).mean, 1);
}

TEST(Poster, OneFrameVideoGetsAPoster) {
  ve::testing::TempDir tmp;
  const auto input = tmp / "one.mp4";
  ve::testing::ffmpeg_generate("-f lavfi -i testsrc2=s=320x240:r=25 -frames:v 1 -c:v libx264 -pix_fmt yuv420p", input);
  Pick pick;
  ASSERT_NO_FATAL_FAILURE(pick_poster(input, true, pick));
  EXPECT_EQ(pick.index, 0);
  const auto written = write_poster_jpeg(*pick.frame, 320, 240, tmp / "poster.jpg");
  ASSERT_TRUE(written) << written.error().message;
  EXPECT_EQ(probe(tmp / "poster.jpg"), "codec_name=mjpeg\nwidth=320\nheight=240\npix_fmt=yuvj420p\n");
}

TEST(Poster, BadSizeOrFolderIsInternalAndLeavesNoFile) {
  ve::testing::TempDir tmp;
  Pick pick;
  ASSERT_NO_FATAL_FAILURE(pick_poster(ve::testing::shared_media("bento4-video-h264-001.mp4"), true, pick));
  const AVFrame& frame = *pick.frame;
  const auto zero = write_poster_jpeg(frame, 0, 360, tmp / "poster.jpg");
  ASSERT_FALSE(zero);
  EXPECT_EQ(zero.error().kind, core::ErrorKind::Internal);
  const auto missing = write_poster_jpeg(frame, 160, 120, tmp / "no" / "poster.jpg");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().kind, core::ErrorKind::Internal);
  EXPECT_NE(missing.error().message.find("poster.jpg"), std::string::npos) << missing.error().message;
  EXPECT_TRUE(ve::testing::list_names(tmp.path()).empty());
}

}  // namespace
}  // namespace ve::adapters::media
