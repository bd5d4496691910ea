// SPDX-License-Identifier: Apache-2.0
#include "core/webvtt.hpp"

#include "unit/core/box_bytes.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

namespace ve::core {
namespace {

using namespace box_bytes;

std::vector<uint8_t> box(const std::string& type, const std::vector<uint8_t>& body) {
  std::vector<uint8_t> out;
  put32(out, 8 + body.size());
  append_type(out, type.c_str());
  append(out, body);
  return out;
}

WebVttCue cue(int64_t start_us, int64_t end_us, std::string text, std::string id = "", std::string settings = "") {
  WebVttCue c;
  c.start_us = start_us;
  c.end_us = end_us;
  c.id = std::move(id);
  c.settings = std::move(settings);
  c.text = std::move(text);
  return c;
}

std::vector<uint8_t> bytes(const std::string& s) { return {s.begin(), s.end()}; }

std::vector<uint8_t> join(std::initializer_list<std::vector<uint8_t>> parts) { return cat(parts); }

TEST(WebVttTimestamp, FormatsHoursMinutesSecondsMilliseconds) {
  EXPECT_EQ(webvtt_timestamp(0), "00:00:00.000");
  EXPECT_EQ(webvtt_timestamp(1'250'000), "00:00:01.250");
  EXPECT_EQ(webvtt_timestamp(3'723'004'000), "01:02:03.004");
  EXPECT_EQ(webvtt_timestamp(int64_t{99} * 3600'000'000 + int64_t{59} * 60'000'000 + 59'999'000), "99:59:59.999");
}

TEST(WebVttTimestamp, HoursPastNinetyNineTakeMoreDigits) {
  EXPECT_EQ(webvtt_timestamp(int64_t{100} * 3600'000'000), "100:00:00.000");
  EXPECT_EQ(webvtt_timestamp(int64_t{12345} * 3600'000'000 + 1000), "12345:00:00.001");
  // The largest time does not overflow.
  EXPECT_EQ(webvtt_timestamp(std::numeric_limits<int64_t>::max()), "2562047788:00:54.776");
}

TEST(WebVttTimestamp, RoundsToTheNearestMillisecond) {
  EXPECT_EQ(webvtt_timestamp(499), "00:00:00.000");
  EXPECT_EQ(webvtt_timestamp(500), "00:00:00.001");
  EXPECT_EQ(webvtt_timestamp(1'499), "00:00:00.001");
  EXPECT_EQ(webvtt_timestamp(59'999'500), "00:01:00.000");  // carries into the minutes
  EXPECT_EQ(webvtt_timestamp(3'599'999'600), "01:00:00.000");
  EXPECT_EQ(webvtt_timestamp(-1), "00:00:00.000");
}

TEST(WebVttRender, WritesHeaderAndCues) {
  const std::vector<WebVttCue> cues = {
      cue(500'000, 1'250'000, "Hello <i>world</i>"),
      cue(1'500'000, 2'000'000, "Line one\nLine two", "c2", "line:10% align:start"),
  };
  EXPECT_EQ(render_webvtt(cues),
            "WEBVTT\n\n"
            "00:00:00.500 --> 00:00:01.250\nHello <i>world</i>\n\n"
            "c2\n00:00:01.500 --> 00:00:02.000 line:10% align:start\nLine one\nLine two\n\n");
  EXPECT_EQ(render_webvtt({}), "WEBVTT\n\n");
}

TEST(WebVttRender, WritesTheHlsTimestampMapWhenGiven) {
  const std::vector<WebVttCue> cues = {cue(10'000'000, 12'000'000, "x")};
  EXPECT_EQ(render_webvtt(cues, 900000),
            "WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:900000,LOCAL:00:00:00.000\n\n"
            "00:00:10.000 --> 00:00:12.000\nx\n\n");
  EXPECT_EQ(render_webvtt({}, 0), "WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:0,LOCAL:00:00:00.000\n\n");
}

TEST(WebVttRender, CueTextCannotBreakTheFile) {
  const std::vector<WebVttCue> cues = {
      cue(0, 1'000'000, "\n\nfirst\r\n\r\n  \nsecond --> third\rfourth\n\n"),
      cue(1'000'000, 2'000'000, "a--->b ---->"),
  };
  EXPECT_EQ(render_webvtt(cues),
            "WEBVTT\n\n"
            "00:00:00.000 --> 00:00:01.000\nfirst\nsecond --&gt; third\nfourth\n\n"
            "00:00:01.000 --> 00:00:02.000\na---&gt;b ----&gt;\n\n");
}

TEST(WebVttRender, IdsAndSettingsStayOnOneLine) {
  const std::vector<WebVttCue> cues = {
      cue(0, 1'000'000, "t", "a-->b\nc", "line:0\r\nalign:end -->>"),
      cue(1'000'000, 2'000'000, "u", " \n ", "\n"),
  };
  EXPECT_EQ(render_webvtt(cues),
            "WEBVTT\n\n"
            "a--b c\n00:00:00.000 --> 00:00:01.000 line:0  align:end --\nt\n\n"
            "00:00:01.000 --> 00:00:02.000\nu\n\n");
}

TEST(WebVttRender, ReplacesInvalidUtf8AndDropsNul) {
  const std::string text = std::string("caf\xC3\xA9 \xFF\xC3 x") + '\0' + "\xE2\x82\xAC \xED\xA0\x80";
  const std::vector<WebVttCue> cues = {cue(0, 1'000, text)};
  EXPECT_EQ(render_webvtt(cues),
            "WEBVTT\n\n00:00:00.000 --> 00:00:00.001\n"
            "caf\xC3\xA9 \xEF\xBF\xBD\xEF\xBF\xBD x\xE2\x82\xAC "
            "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\n\n");
}

TEST(WebVttRender, SortsByStartAndLeavesOutCuesThatDoNotEndAfterTheyStart) {
  const std::vector<WebVttCue> cues = {
      cue(2'000'000, 3'000'000, "late"),          cue(1'000'000, 1'000'400, "rounds to nothing"),
      cue(1'000'000, 4'000'000, "early"),         cue(5'000'000, 4'000'000, "backwards"),
      cue(-2'000'000, -1'000'000, "before zero"), cue(6'000'000, 7'000'000, ""),
  };
  EXPECT_EQ(render_webvtt(cues),
            "WEBVTT\n\n"
            "00:00:01.000 --> 00:00:04.000\nearly\n\n"
            "00:00:02.000 --> 00:00:03.000\nlate\n\n"
            "00:00:06.000 --> 00:00:07.000\n\n");
}

TEST(WebVttEscape, EscapesMarkupCharacters) {
  EXPECT_EQ(webvtt_escape("a < b & c > d"), "a &lt; b &amp; c &gt; d");
  EXPECT_EQ(webvtt_escape("plain"), "plain");
}

TEST(WebVttCuesBetween, KeepsCuesOverlappingTheHalfOpenRange) {
  const std::vector<WebVttCue> cues = {
      cue(0, 2'000'000, "ends at the start"),
      cue(1'000'000, 2'000'001, "ends just inside"),
      cue(3'000'000, 5'000'000, "inside"),
      cue(3'500'000, 9'000'000, "spans the end"),
      cue(6'000'000, 7'000'000, "starts at the end"),
      cue(1'000'000, 9'000'000, "covers all"),
  };
  std::vector<std::string> texts;
  for (const auto& c : cues_between(cues, 2'000'000, 6'000'000)) texts.push_back(c.text);
  EXPECT_EQ(texts, (std::vector<std::string>{"ends just inside", "inside", "spans the end", "covers all"}));
  // A cue spanning a boundary appears in both segments, with its own times.
  const auto next = cues_between(cues, 6'000'000, 8'000'000);
  ASSERT_EQ(next.size(), 3u);
  EXPECT_EQ(next[0], cues[3]);
  EXPECT_EQ(next[1], cues[4]);
  EXPECT_EQ(next[2], cues[5]);
  EXPECT_TRUE(cues_between(cues, 9'000'000, 10'000'000).empty());
  EXPECT_TRUE(cues_between({}, 0, 1).empty());
}

TEST(WebVttCuesBetween, ZeroLengthCueBelongsWhereItStarts) {
  const std::vector<WebVttCue> cues = {cue(2'000'000, 2'000'000, "instant")};
  EXPECT_TRUE(cues_between(cues, 0, 2'000'000).empty());
  EXPECT_EQ(cues_between(cues, 2'000'000, 4'000'000).size(), 1u);
}

TEST(WebVttParseWvtt, ReadsCuesWithIdAndSettings) {
  const auto sample = join({box("vttc", join({box("iden", bytes("c1")), box("sttg", bytes("line:10%")),
                                              box("payl", bytes("Hello <i>world</i>"))})),
                            box("vttc", box("payl", bytes("Second\nline"))), box("vtta", bytes("a comment"))});
  auto cues = parse_wvtt_sample(sample);
  ASSERT_TRUE(cues) << cues.error().message;
  ASSERT_EQ(cues->size(), 2u);
  EXPECT_EQ((*cues)[0], cue(0, 0, "Hello <i>world</i>", "c1", "line:10%"));
  EXPECT_EQ((*cues)[1], cue(0, 0, "Second\nline"));
}

TEST(WebVttParseWvtt, EmptyCueBoxAndEmptySampleHaveNoCues) {
  auto vtte = parse_wvtt_sample(box("vtte", {}));
  ASSERT_TRUE(vtte);
  EXPECT_TRUE(vtte->empty());
  auto empty = parse_wvtt_sample({});
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->empty());
}

TEST(WebVttParseWvtt, UnknownChildBoxesAreIgnoredAndTheFirstOfARepeatedOneCounts) {
  const auto sample =
      box("vttc", join({box("ctim", bytes("00:00.000")), box("payl", bytes("one")), box("payl", bytes("two"))}));
  auto cues = parse_wvtt_sample(sample);
  ASSERT_TRUE(cues) << cues.error().message;
  ASSERT_EQ(cues->size(), 1u);
  EXPECT_EQ((*cues)[0].text, "one");
}

TEST(WebVttParseWvtt, SizeZeroRunsToTheEndAndLargeSizesAreRead) {
  std::vector<uint8_t> to_end = {0, 0, 0, 0, 'v', 't', 't', 'c'};
  const auto payl = box("payl", bytes("tail"));
  append(to_end, payl);
  auto a = parse_wvtt_sample(to_end);
  ASSERT_TRUE(a) << a.error().message;
  ASSERT_EQ(a->size(), 1u);
  EXPECT_EQ((*a)[0].text, "tail");

  std::vector<uint8_t> large = {0, 0, 0, 1, 'v', 't', 't', 'c', 0, 0, 0, 0, 0, 0, 0, uint8_t(16 + payl.size())};
  append(large, payl);
  auto b = parse_wvtt_sample(large);
  ASSERT_TRUE(b) << b.error().message;
  ASSERT_EQ(b->size(), 1u);
  EXPECT_EQ((*b)[0].text, "tail");
}

TEST(WebVttParseWvtt, RefusesMoreCuesThanTheCallerAllows) {
  const auto two = join({box("vttc", box("payl", bytes("a"))), box("vtte", {}), box("vttc", box("payl", bytes("b")))});
  EXPECT_EQ(parse_wvtt_sample(two, 2)->size(), 2u);
  auto r = parse_wvtt_sample(two, 1);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::InvalidInput);
  EXPECT_NE(r.error().message.find("more than 1 cues"), std::string::npos) << r.error().message;
}

void expect_invalid(const std::vector<uint8_t>& sample, const std::string& message_part) {
  auto r = parse_wvtt_sample(sample);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::InvalidInput);
  EXPECT_NE(r.error().message.find(message_part), std::string::npos) << r.error().message;
}

TEST(WebVttParseWvtt, RefusesMalformedBoxes) {
  const auto good = box("vttc", box("payl", bytes("text")));
  // Truncated anywhere: the box claims more bytes than the sample holds.
  for (size_t cut = 1; cut < good.size(); ++cut) {
    SCOPED_TRACE(cut);
    const std::vector<uint8_t> truncated(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(cut));
    EXPECT_FALSE(parse_wvtt_sample(truncated));
  }
  expect_invalid({0, 0, 0, 4, 'v', 't', 't', 'c'}, "claims 4 bytes");
  expect_invalid({0xFF, 0xFF, 0xFF, 0xFF, 'v', 't', 't', 'c'}, "claims 4294967295 bytes where 8 are left");
  expect_invalid({0, 0, 0, 1, 'v', 't', 't', 'c', 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}, "claims");
  expect_invalid({0, 0, 0, 1, 'v', 't', 't', 'c', 0, 0, 0, 0}, "truncated box header");
  expect_invalid(join({box("vtte", {}), {0, 0, 0}}), "truncated box header");
  // A child box running past its parent, though not past the sample.
  auto overrun = join({box("vttc", box("payl", bytes("abc"))), box("vtte", {})});
  overrun[11] = 8 + 3 + 4;  // payl's size now reaches into the vtte box after vttc
  expect_invalid(overrun, "vttc byte 0: box 'payl' claims 15 bytes where 11 are left");
  expect_invalid(box("vttc", box("sttg", bytes("line:0"))), "no 'payl'");
  expect_invalid(box("vttc", {}), "no 'payl'");
}

}  // namespace
}  // namespace ve::core
