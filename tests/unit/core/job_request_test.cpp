// SPDX-License-Identifier: Apache-2.0
#include "core/job_request.hpp"

#include <gtest/gtest.h>

namespace ve::core {
namespace {

std::string reason(std::string_view body) {
  auto r = parse_job_request(body);
  if (r) return "ok";
  EXPECT_EQ(r.error().kind, ErrorKind::InvalidInput);
  return r.error().message;
}

TEST(JobRequest, ParsesTheSeedContract) {
  auto r = parse_job_request(R"({"resource_id": "abc-1", "file_path": "uploads/2024/clip.mp4", "extra": 1})");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->resource_id, "abc-1");
  EXPECT_EQ(r->file_path, "uploads/2024/clip.mp4");
}

TEST(JobRequest, RejectsMalformedMessagesWithAReason) {
  EXPECT_EQ(reason("not json"), "message is not valid JSON");
  EXPECT_EQ(reason("[1,2]"), "message must be a JSON object, not array");
  EXPECT_EQ(reason(R"({"file_path": "a.mp4"})"), "message has no \"resource_id\" field");
  EXPECT_EQ(reason(R"({"resource_id": 5, "file_path": "a.mp4"})"), "\"resource_id\" must be a string, not number");
  EXPECT_EQ(reason(R"({"resource_id": "", "file_path": "a.mp4"})"), "\"resource_id\" is empty");
  EXPECT_EQ(reason(R"({"resource_id": "x", "file_path": null})"), "\"file_path\" must be a string, not null");
  EXPECT_NE(reason(R"({"resource_id": ")" + std::string(300, 'a') + R"(", "file_path": "a.mp4"})").find("longer"),
            std::string::npos);
  EXPECT_NE(reason(std::string(kMaxMessageBytes + 1, ' ')).find("limit"), std::string::npos);
  EXPECT_EQ(reason("{\"resource_id\": \"\xff\xfe\", \"file_path\": \"a.mp4\"}"), "message is not valid JSON");
}

TEST(JobRequest, RejectsPathsThatEscapeTheBucket) {
  EXPECT_EQ(reason(R"({"resource_id": "x", "file_path": "../etc/passwd"})"), "file_path must not contain '..' segments");
  EXPECT_EQ(reason(R"({"resource_id": "x", "file_path": "a/../../b.mp4"})"), "file_path must not contain '..' segments");
  EXPECT_EQ(reason(R"({"resource_id": "x", "file_path": "/etc/passwd"})"), "file_path must be relative, not start with '/'");
  EXPECT_EQ(reason(R"({"resource_id": "x", "file_path": "a\u0000b.mp4"})"), "file_path contains a NUL byte");
  EXPECT_EQ(reason(R"({"resource_id": "x", "file_path": "a//b.mp4"})"), "file_path has an empty or '.' segment");
  EXPECT_EQ(reason(R"({"resource_id": "x", "file_path": "a\\..\\b.mp4"})"), "file_path contains a backslash");
  EXPECT_EQ(reason(R"({"resource_id": "x", "file_path": "a/"})"), "file_path has an empty or '.' segment");
  EXPECT_EQ(reason(R"({"resource_id": "x", "file_path": "..."})"), "ok");  // a legal, if odd, file name
}

TEST(JobRequest, RejectsRawNulBytesAndControlCharactersInTheResourceId) {
  using namespace std::string_literals;
  EXPECT_EQ(reason("{\"resource_id\": \"x\", \"file_path\": \"a.mp4\"}\0garbage"s),
            "message is not valid JSON: raw NUL byte at offset 42");
  EXPECT_EQ(reason(R"({"resource_id": "a\u0000b", "file_path": "a.mp4"})"), "\"resource_id\" contains a NUL byte");
  EXPECT_EQ(reason(R"({"resource_id": "line\nforged", "file_path": "a.mp4"})"),
            "\"resource_id\" contains a control character");
}

TEST(ObjectKey, ValidatesUtf8AndControlCharacters) {
  EXPECT_TRUE(validate_object_key("vidéo/clip.mp4"));
  EXPECT_FALSE(validate_object_key("bad\xc3"));
  EXPECT_FALSE(validate_object_key("tab\there"));
  EXPECT_FALSE(validate_object_key("."));
}

}  // namespace
}  // namespace ve::core
