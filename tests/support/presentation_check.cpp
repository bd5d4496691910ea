// SPDX-License-Identifier: Apache-2.0
#include "support/presentation_check.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <regex>

#include "adapters/media/mpd_reader.hpp"
#include "support/test_support.hpp"

namespace ve::testing {
namespace {

int input_stream_of(const std::string& representation_id) {
  std::smatch m;
  EXPECT_TRUE(std::regex_search(representation_id, m, std::regex("([0-9]+)$"))) << representation_id;
  return std::stoi(m[1]);
}

}  // namespace

void expect_presentation_matches(const std::filesystem::path& input, const std::filesystem::path& dir) {
  auto reps = adapters::media::read_manifest(dir / "manifest.mpd");
  ASSERT_TRUE(reps) << reps.error().message;
  const auto input_hashes = stream_hashes(input);
  const auto input_counts = packet_counts(input);
  std::vector<std::string> named = {"manifest.mpd"};
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
  std::sort(named.begin(), named.end());
  EXPECT_EQ(list_names(dir), named);
}

}  // namespace ve::testing
