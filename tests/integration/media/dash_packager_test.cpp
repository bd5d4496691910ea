// SPDX-License-Identifier: Apache-2.0
// The packager over real media: files of ../shared/media and inputs generated with ffmpeg. Every
// presentation is checked twice: by the built-in verification and independently, by joining each
// representation's segments in manifest order and reading them with ffprobe/ffmpeg.
#include "adapters/media/dash_packager.hpp"

#include <gtest/gtest.h>

#include <regex>

#include "adapters/media/mpd_reader.hpp"
#include "support/presentation_check.hpp"
#include "support/test_support.hpp"

namespace ve::adapters::media {
namespace {

using ve::testing::expect_presentation_matches;
using ve::testing::TempDir;

const std::vector<std::string> kMalformed = {"chunk_out_of_range.mp4", "invalid_userdata.mp4"};

core::Result<ports::PackageSummary> package(const std::filesystem::path& input, const std::filesystem::path& out,
                                            double segment_seconds = 4.0) {
  DashPackager packager;
  ports::PackageOptions options;
  options.verify = true;
  options.segment_duration_seconds = segment_seconds;
  return packager.package(input, out, options, nullptr);
}

class GoodSharedMedia : public ::testing::TestWithParam<std::string> {};

TEST_P(GoodSharedMedia, PackagesVerifiesAndMatchesTheInput) {
  TempDir out;
  const auto input = ve::testing::shared_media(GetParam());
  auto summary = package(input, out / "p");
  ASSERT_TRUE(summary) << summary.error().message;
  EXPECT_TRUE(summary->verified);
  EXPECT_GT(summary->segments, 0u);
  EXPECT_GT(summary->duration_seconds, 0.5);
  expect_presentation_matches(input, out / "p");
  EXPECT_EQ(ve::testing::list_names(out.path()), std::vector<std::string>{"p"});  // no staging left
}

std::vector<std::string> good_shared_media() {
  std::vector<std::string> names;
  for (const auto& p : ve::testing::all_shared_media()) {
    const auto name = p.filename().string();
    if (std::find(kMalformed.begin(), kMalformed.end(), name) == kMalformed.end()) names.push_back(name);
  }
  return names;
}

INSTANTIATE_TEST_SUITE_P(SharedMedia, GoodSharedMedia, ::testing::ValuesIn(good_shared_media()),
                         [](const auto& info) { return std::regex_replace(info.param, std::regex("[^A-Za-z0-9]"), "_"); });

TEST(DashPackager, HevcIsSignalledAsHvc1) {
  TempDir out;
  ASSERT_TRUE(package(ve::testing::shared_media("video-h265.mp4"), out / "p"));
  const std::string mpd = ve::testing::read_text(out / "p/manifest.mpd");
  EXPECT_NE(mpd.find("codecs=\"hvc1.1.6.L120.90\""), std::string::npos) << mpd;
  const std::string init = ve::testing::read_text(out / "p/init-video0.mp4");
  EXPECT_NE(init.find("hvc1"), std::string::npos);
  EXPECT_EQ(init.find("hev1"), std::string::npos);
  EXPECT_NE(init.find("hvcC"), std::string::npos);
}

TEST(DashPackager, ManifestCarriesLanguageAspectRatioAndAudioFormat) {
  TempDir out;
  ASSERT_TRUE(package(ve::testing::shared_media("bento4-video-h264-001.mp4"), out / "b"));
  ASSERT_TRUE(package(ve::testing::shared_media("sar_2x1.mp4"), out / "s"));
  const std::string b = ve::testing::read_text(out / "b/manifest.mpd");
  EXPECT_NE(b.find("contentType=\"video\" mimeType=\"video/mp4\" segmentAlignment=\"true\" startWithSAP=\"1\" "
                   "lang=\"eng\""),
            std::string::npos)
      << b;
  EXPECT_NE(b.find("width=\"160\" height=\"120\" sar=\"1:1\" frameRate=\"15\""), std::string::npos);
  EXPECT_NE(b.find("audioSamplingRate=\"22050\""), std::string::npos);
  EXPECT_NE(b.find("codecs=\"avc1.4d400a\""), std::string::npos);
  const std::string s = ve::testing::read_text(out / "s/manifest.mpd");
  EXPECT_NE(s.find("sar=\"2:1\""), std::string::npos) << s;
}

TEST(DashPackager, RotationSurvivesInTheInitSegment) {
  TempDir out;
  ASSERT_TRUE(package(ve::testing::shared_media("rotate-buck-bunny.mp4"), out / "p"));
  const auto r = ve::testing::run("ffprobe -v error -select_streams v:0 -show_entries stream_side_data=rotation "
                                  "-of csv=p=0 " + ve::testing::quote((out / "p/init-video0.mp4").string()));
  EXPECT_NE(r.output.find("-90"), std::string::npos) << r.output;
}

TEST(DashPackager, ReplacesAnEarlierPresentationOnlyOnSuccess) {
  TempDir out;
  std::filesystem::create_directories(out / "p");
  ve::testing::write_bytes(out / "p/stale.txt", "old");
  ASSERT_TRUE(package(ve::testing::shared_media("bento4-video-h264-001.mp4"), out / "p"));
  EXPECT_FALSE(std::filesystem::exists(out / "p/stale.txt"));
  EXPECT_TRUE(std::filesystem::exists(out / "p/manifest.mpd"));

  // A failing input leaves the existing presentation exactly as it was.
  ve::testing::write_bytes(out / "junk.mp4", "not a video at all");
  EXPECT_FALSE(package(out / "junk.mp4", out / "p"));
  EXPECT_TRUE(std::filesystem::exists(out / "p/manifest.mpd"));
  EXPECT_EQ(ve::testing::list_names(out.path()), (std::vector<std::string>{"junk.mp4", "p"}));
}

TEST(DashPackager, SegmentDurationFollowsTheTargetOnKeyframes) {
  TempDir tmp;
  const auto input = tmp / "gop1s.mp4";
  ve::testing::ffmpeg_generate("-f lavfi -i testsrc2=size=320x240:rate=25:duration=9 -c:v libx264 -preset ultrafast "
                               "-g 25 -keyint_min 25 -sc_threshold 0",
                               input);
  ASSERT_TRUE(package(input, tmp / "p", 2.0));
  const std::string mpd = ve::testing::read_text(tmp / "p/manifest.mpd");
  // 9 s at 2 s: four segments of 2 s (r=3) and a 1 s tail, in the 12800 Hz timescale.
  EXPECT_NE(mpd.find("d=\"25600\" r=\"3\""), std::string::npos) << mpd;
  EXPECT_NE(mpd.find("d=\"12800\"/>"), std::string::npos) << mpd;
  expect_presentation_matches(input, tmp / "p");
}

TEST(DashPackager, SparseKeyframesGiveLongerSegmentsNotAFailure) {
  TempDir tmp;
  const auto input = tmp / "onegop.mp4";
  ve::testing::ffmpeg_generate("-f lavfi -i testsrc2=size=320x240:rate=25:duration=10 -c:v libx264 -preset ultrafast "
                               "-g 1000 -sc_threshold 0",
                               input);
  auto summary = package(input, tmp / "p");
  ASSERT_TRUE(summary) << summary.error().message;
  EXPECT_EQ(summary->segments, 1u);
  expect_presentation_matches(input, tmp / "p");
}

struct GeneratedCase {
  std::string name;
  std::string ffmpeg_args;
  std::string expect_in_manifest;
};

void PrintTo(const GeneratedCase& c, std::ostream* os) { *os << c.name; }

class GeneratedMedia : public ::testing::TestWithParam<GeneratedCase> {};

TEST_P(GeneratedMedia, PackagesAndMatchesTheInput) {
  TempDir tmp;
  const auto input = tmp / (GetParam().name + ".mp4");
  ve::testing::ffmpeg_generate(GetParam().ffmpeg_args, input);
  if (HasFatalFailure()) return;
  auto summary = package(input, tmp / "p", 1.0);
  ASSERT_TRUE(summary) << summary.error().message;
  EXPECT_TRUE(summary->verified);
  expect_presentation_matches(input, tmp / "p");
  const std::string mpd = ve::testing::read_text(tmp / "p/manifest.mpd");
  EXPECT_NE(mpd.find(GetParam().expect_in_manifest), std::string::npos) << mpd;
}

const char* kVideo = "-f lavfi -i testsrc2=size=320x240:rate=25:duration=3 ";
const char* kSine = "-f lavfi -i sine=frequency=440:sample_rate=48000:duration=3 ";

INSTANTIATE_TEST_SUITE_P(
    Codecs, GeneratedMedia,
    ::testing::Values(
        GeneratedCase{"bframes", std::string(kVideo) + kSine + "-c:v libx264 -bf 3 -g 12 -c:a aac -shortest",
                      "codecs=\"avc1."},
        GeneratedCase{"vfr", std::string(kVideo) + "-vf select='not(mod(n\\,3))+eq(n\\,4)' -fps_mode vfr -c:v libx264 -bf 2",
                      "codecs=\"avc1."},
        GeneratedCase{"fragmented_input",
                      std::string(kVideo) + kSine + "-c:v libx264 -g 25 -c:a aac -movflags frag_keyframe+empty_moov",
                      "codecs=\"mp4a.40.2\""},
        GeneratedCase{"opus", std::string(kSine) + "-c:a libopus", "codecs=\"opus\""},
        GeneratedCase{"ac3", std::string(kSine) + "-c:a ac3", "codecs=\"ac-3\""},
        GeneratedCase{"eac3", std::string(kSine) + "-c:a eac3", "codecs=\"ec-3\""},
        GeneratedCase{"flac", std::string(kSine) + "-c:a flac -strict -2", "codecs=\"fLaC\""},
        GeneratedCase{"mp3", std::string(kSine) + "-c:a libmp3lame", "codecs=\"mp4a.6B\""},
        GeneratedCase{"mp3_mpeg2_rate", "-f lavfi -i sine=sample_rate=22050:duration=3 -c:a libmp3lame",
                      "codecs=\"mp4a.69\""},
        GeneratedCase{"mp2", std::string(kSine) + "-c:a mp2", "codecs=\"mp4a.6B\""},
        GeneratedCase{"mp2_mpeg2_rate", "-f lavfi -i sine=sample_rate=24000:duration=3 -c:a mp2",
                      "codecs=\"mp4a.69\""},
        GeneratedCase{"dts", std::string(kSine) + "-ac 2 -c:a dca -strict -2", "codecs=\"mp4a.a9\""},
        GeneratedCase{"truehd", std::string(kSine) + "-ac 2 -c:a truehd -strict -2", "codecs=\"mlpa\""},
        GeneratedCase{"alac", std::string(kSine) + "-c:a alac", "codecs=\"alac\""},
        GeneratedCase{"hevc_bframes", std::string(kVideo) + "-c:v libx265 -x265-params log-level=error:bframes=3",
                      "codecs=\"hvc1."},
        GeneratedCase{"av1", "-f lavfi -i testsrc2=size=160x120:rate=10:duration=1 -c:v libaom-av1 -cpu-used 8 -g 5",
                      "codecs=\"av01.0."},
        GeneratedCase{"two_languages",
                      std::string(kVideo) + kSine + kSine +
                          "-map 0 -map 1 -map 2 -c:v libx264 -c:a aac -metadata:s:a:0 language=eng "
                          "-metadata:s:a:1 language=fra",
                      "lang=\"fra\""},
        GeneratedCase{"with_subtitle_track",
                      std::string(kVideo) + "-f lavfi -i anullsrc=r=48000:cl=mono -t 3 "
                                            "-map 0 -map 1 -c:v libx264 -c:a aac -shortest",
                      "codecs=\"avc1."}),
    [](const auto& info) { return info.param.name; });

// The first sample entry of the file's first stsd, as bytes (a whole box).
std::string first_sample_entry(const std::string& file) {
  const size_t stsd = file.find("stsd");
  if (stsd == std::string::npos || stsd + 20 > file.size()) return {};
  const auto* b = reinterpret_cast<const unsigned char*>(file.data() + stsd + 12);
  const size_t size = (size_t{b[0]} << 24) | (size_t{b[1]} << 16) | (size_t{b[2]} << 8) | b[3];
  return file.substr(stsd + 12, size);
}

// DTS as other muxers (MP4Box, L-SMASH) store it, in a sample entry of its own with a 'ddts' box,
// made from FFmpeg's 'mp4a' DTS by tests/data/dts/relabel_dts.py. FFmpeg's muxer would write it
// back as 'mp4a' (core DTS), so the init segment carries the input's entry byte for byte instead,
// and the codecs value names it.
class DtsSampleEntries : public ::testing::TestWithParam<std::string> {};

TEST_P(DtsSampleEntries, AreCarriedIntoTheInitSegmentAndNamedInTheManifest) {
  TempDir tmp;
  const auto core = tmp / "core.mp4";
  const auto input = tmp / (GetParam() + ".mp4");
  ve::testing::ffmpeg_generate(std::string(kSine) + "-ac 2 -c:a dca -strict -2", core);
  if (HasFatalFailure()) return;
  const auto script = ve::testing::test_data("dts/relabel_dts.py");
  const auto relabel = ve::testing::run("python3 " + ve::testing::quote(script.string()) + " " +
                                        ve::testing::quote(core.string()) + " " + ve::testing::quote(input.string()) +
                                        " " + GetParam());
  ASSERT_EQ(relabel.exit_code, 0) << relabel.output;

  auto summary = package(input, tmp / "p", 1.0);
  ASSERT_TRUE(summary) << summary.error().message;
  EXPECT_TRUE(summary->verified);
  expect_presentation_matches(input, tmp / "p");
  const std::string mpd = ve::testing::read_text(tmp / "p/manifest.mpd");
  EXPECT_NE(mpd.find("codecs=\"" + GetParam() + "\""), std::string::npos) << mpd;

  const std::string entry = first_sample_entry(ve::testing::read_text(tmp / "p/init-audio0.mp4"));
  ASSERT_GE(entry.size(), 8u);
  EXPECT_EQ(entry.substr(4, 4), GetParam());
  EXPECT_EQ(entry, first_sample_entry(ve::testing::read_text(input)));
  EXPECT_NE(entry.find("ddts"), std::string::npos);
  const auto probe = ve::testing::run("ffprobe -v error -show_entries stream=codec_name,codec_tag_string,sample_rate,"
                                      "channels -of csv=p=0 " +
                                      ve::testing::quote((tmp / "p/init-audio0.mp4").string()));
  // FFmpeg 5.1 has no codec for DTS:X ('dtsx'; the script's is a stand-in): carried all the same.
  EXPECT_EQ(probe.output, (GetParam() == "dtsx" ? "unknown," : "dts,") + GetParam() + ",48000,2\n");
}

INSTANTIATE_TEST_SUITE_P(Dts, DtsSampleEntries, ::testing::Values("dtsc", "dtsh", "dtse", "dtsl", "dtsx"));

struct BadInput {
  std::string name;
  std::string expect_in_error;
};

void PrintTo(const BadInput& c, std::ostream* os) { *os << c.name; }

class BadInputs : public ::testing::TestWithParam<BadInput> {};

// Writes the named malformed input into dir; returns its path.
std::filesystem::path make_bad_input(const std::string& name, const TempDir& dir) {
  const auto path = dir / (name + ".mp4");
  const std::string video = ve::testing::read_text(ve::testing::shared_media("video.mp4"));
  if (name == "empty") ve::testing::write_bytes(path, "");
  if (name == "random_bytes") {
    std::string bytes(100000, '\0');
    uint32_t x = 12345;
    for (char& c : bytes) c = static_cast<char>((x = x * 1103515245 + 12345) >> 24);
    ve::testing::write_bytes(path, bytes);
  }
  if (name == "text") ve::testing::write_bytes(path, "This is a text file, not a video.\n");
  if (name == "truncated_half") ve::testing::write_bytes(path, video.substr(0, video.size() / 2));
  if (name == "only_ftyp") ve::testing::write_bytes(path, video.substr(0, 32));
  if (name == "mpegts") {
    ve::testing::ffmpeg_generate("-i " + ve::testing::quote(ve::testing::shared_media("video.mp4").string()) +
                                     " -map 0 -c copy -f mpegts",
                                 path);
  }
  if (name == "unsupported_codec") {
    ve::testing::ffmpeg_generate("-f lavfi -i testsrc2=size=160x120:duration=1 -c:v mpeg4", path);
  }
  // Vorbis goes into MP4 only under FFmpeg's unregistered object type 0xDD; PCM in MP4 is beyond
  // FFmpeg 5.1's MP4 muxer, so a QuickTime file is the way it comes.
  if (name == "vorbis") ve::testing::ffmpeg_generate("-f lavfi -i sine=duration=1 -c:a libvorbis", path);
  if (name == "pcm_in_mov") ve::testing::ffmpeg_generate("-f lavfi -i sine=duration=1 -c:a pcm_s16le -f mov", path);
  return path;
}

TEST_P(BadInputs, FailWithAClearErrorAndLeaveNothing) {
  TempDir tmp;
  std::filesystem::create_directories(tmp / "in");
  std::filesystem::create_directories(tmp / "out");
  TempDir inputs;
  const auto path = GetParam().name == "missing" ? tmp / "in/missing.mp4" : make_bad_input(GetParam().name, inputs);
  auto result = package(path, tmp / "out/p");
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, GetParam().name == "missing" ? core::ErrorKind::NotFound : core::ErrorKind::InvalidInput);
  EXPECT_NE(result.error().message.find(path.string()), std::string::npos) << result.error().message;
  EXPECT_NE(result.error().message.find(GetParam().expect_in_error), std::string::npos) << result.error().message;
  EXPECT_TRUE(ve::testing::list_names(tmp / "out").empty());
}

INSTANTIATE_TEST_SUITE_P(
    Generated, BadInputs,
    ::testing::Values(BadInput{"missing", "no such file"}, BadInput{"empty", "file is empty"},
                      BadInput{"random_bytes", "not a valid MP4"}, BadInput{"text", "not a valid MP4"},
                      BadInput{"truncated_half", "truncated"}, BadInput{"only_ftyp", "not a valid MP4"},
                      BadInput{"mpegts", "not an MP4 file"}, BadInput{"unsupported_codec",
                               "unsupported codec mpeg4 in track 0 (supported: H.264, HEVC, AV1, AAC, AC-3, "
                               "E-AC-3, Opus, FLAC, MP3, MP2, DTS, Dolby TrueHD, ALAC)"},
                      BadInput{"vorbis", "unsupported codec vorbis"},
                      BadInput{"pcm_in_mov", "unsupported codec pcm_s16le"}),
    [](const auto& info) { return info.param.name; });

TEST(DashPackager, MalformedSharedMediaFailsClearly) {
  for (const auto& name : kMalformed) {
    TempDir out;
    const auto input = ve::testing::shared_media(name);
    auto result = package(input, out / "p");
    ASSERT_FALSE(result) << name;
    EXPECT_EQ(result.error().kind, core::ErrorKind::InvalidInput);
    EXPECT_NE(result.error().message.find(input.string()), std::string::npos) << result.error().message;
    EXPECT_TRUE(ve::testing::list_names(out.path()).empty()) << name;
  }
}

// 100,001 one-byte key frames of 10 s (generated by tests/data/hostile/make_hostile.py) would be as
// many segment files: refused at the limit, and the staging folder with its segments goes.
TEST(DashPackager, ATrackNeedingMoreThanTheSegmentLimitIsRefused) {
  TempDir dir;
  const auto input = dir / "many-segments.mp4";
  const auto script = ve::testing::test_data("hostile/make_hostile.py");
  const auto generated = ve::testing::run("python3 " + ve::testing::quote(script.string()) + " --many-segments " +
                                          ve::testing::quote(input.string()));
  ASSERT_EQ(generated.exit_code, 0) << generated.output;
  std::filesystem::create_directories(dir / "out");
  auto result = package(input, dir / "out" / "p");
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, core::ErrorKind::InvalidInput);
  EXPECT_EQ(result.error().message,
            input.string() + ": track 0 needs more than 100000 segments (corrupt timing tables, or a presentation too "
                             "long for the segment duration)");
  EXPECT_TRUE(ve::testing::list_names(dir / "out").empty());
}

// Sample tables that would make libavformat allocate gigabytes for a file of a few kilobytes
// (tests/data/hostile/make_hostile.py) are refused with the reason before it does; timestamps
// that would overflow (found by the fuzzer) are refused too.
TEST(DashPackager, HostileSampleTablesAreRefusedBeforeTheyTakeMemory) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"fixed-size-count.mp4",
       "track 0 declares 50000000 samples of 1 bytes, more sample data than the whole file holds (1370 bytes): corrupt "
       "sample tables"},
      {"long-edit-list.mp4", "track 0 has an edit list of 1000 entries; at most 64 are supported"},
      {"huge-timestamps.mp4",
       "track 0 sample at byte 946 has a timestamp or duration out of any real range (decode 5476377146882523136, "
       "presentation 5476377146882527232, duration 0 in 1/1000 s): corrupt timing tables"},
      {"repeating-edits.mp4",
       "track 0: its edit list plays 300 samples out of 100 stored (samples repeated); repeating edit lists are not "
       "supported"},
  };
  for (const auto& [name, reason] : cases) {
    TempDir out;
    const auto input = ve::testing::test_data("hostile/" + name);
    auto result = package(input, out / "p");
    ASSERT_FALSE(result) << name;
    EXPECT_EQ(result.error().kind, core::ErrorKind::InvalidInput) << name;
    EXPECT_EQ(result.error().message, input.string() + ": " + reason);
    EXPECT_TRUE(ve::testing::list_names(out.path()).empty()) << name;
  }
}

}  // namespace
}  // namespace ve::adapters::media
