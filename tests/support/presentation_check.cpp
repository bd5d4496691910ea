// SPDX-License-Identifier: Apache-2.0
#include "support/presentation_check.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <regex>
#include <sstream>

#include "adapters/media/mpd_reader.hpp"
#include "support/test_support.hpp"

namespace ve::testing {
namespace {

int input_stream_of(const std::string& representation_id) {
  std::smatch m;
  EXPECT_TRUE(std::regex_search(representation_id, m, std::regex("([0-9]+)$"))) << representation_id;
  return std::stoi(m[1]);
}

// "v MD5=..." for each audio/video stream ffmpeg reads from `file` (an MP4 or an HLS master
// playlist), in its stream order.
std::vector<std::string> media_stream_hashes(const std::filesystem::path& file) {
  const auto r = run("ffmpeg -nostdin -v error -i " + quote(file.string()) +
                     " -map 0 -c copy -f streamhash -hash md5 -");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  std::vector<std::string> out;
  std::istringstream lines(r.output);
  std::smatch m;
  for (std::string line; std::getline(lines, line);) {
    if (std::regex_search(line, m, std::regex("^[0-9]+,([av]),(MD5=[0-9a-f]+)"))) out.push_back(m[1].str() + " " + m[2].str());
  }
  return out;
}

// Independently of our own reader: ffmpeg's HLS demuxer reads master.m3u8 and every audio and
// video stream it finds carries exactly the packets of an input stream, and every input stream is
// found. (It opens an audio-only variant's playlist twice, as variant and as rendition, hence sets.)
void expect_hls_matches(const std::filesystem::path& input, const std::filesystem::path& dir) {
  auto expected = media_stream_hashes(input);
  auto actual = media_stream_hashes(dir / "master.m3u8");
  for (auto* v : {&expected, &actual}) {
    std::sort(v->begin(), v->end());
    v->erase(std::unique(v->begin(), v->end()), v->end());
  }
  EXPECT_FALSE(actual.empty()) << dir;
  EXPECT_EQ(actual, expected) << "streams of " << (dir / "master.m3u8") << " vs " << input;
}

// Files the HLS side and the subtitle tracks add beside the DASH ones.
bool is_hls_or_text_file(const std::string& name) {
  static const std::regex pattern("^(master\\.m3u8|(video|audio|text)[0-9]+\\.m3u8|text[0-9]+\\.vtt|seg-text[0-9]+-[0-9]+\\.vtt)$");
  return std::regex_match(name, pattern);
}

}  // namespace

void expect_presentation_matches(const std::filesystem::path& input, const std::filesystem::path& dir) {
  if (std::filesystem::exists(dir / "master.m3u8")) expect_hls_matches(input, dir);
  auto reps = adapters::media::read_manifest(dir / "manifest.mpd");
  ASSERT_TRUE(reps) << reps.error().message;
  const auto input_hashes = stream_hashes(input);
  const auto input_counts = packet_counts(input);
  std::vector<std::string> named = {"manifest.mpd"};
  for (const auto& name : list_names(dir)) {
    if (is_hls_or_text_file(name)) named.push_back(name);
  }
  TempDir scratch;
  for (const auto& rep : *reps) {
    std::vector<std::filesystem::path> parts = {rep.init_segment};
    parts.insert(parts.end(), rep.media_segments.begin(), rep.media_segments.end());
    for (const auto& p : parts) named.push_back(p.filename().string());
    const auto joined = scratch / (rep.id + ".mp4");
    concatenate(parts, joined);
    const int stream = input_stream_of(rep.id);
    ASSERT_LT(static_cast<size_t>(stream), input_hashes.size());
    const auto hashes = stream_hashes(joined);
    const auto counts = packet_counts(joined);
    ASSERT_EQ(hashes.size(), 1u) << rep.id;
    EXPECT_EQ(hashes[0], input_hashes[stream]) << input << " " << rep.id;
    ASSERT_EQ(counts.size(), 1u);
    EXPECT_EQ(counts[0], input_counts[stream]) << input << " " << rep.id;
  }
  // The poster the encoding packager adds (repackaging alone writes none).
  if (std::filesystem::exists(dir / "poster.jpg")) named.push_back("poster.jpg");
  std::sort(named.begin(), named.end());
  EXPECT_EQ(list_names(dir), named);
}

}  // namespace ve::testing
