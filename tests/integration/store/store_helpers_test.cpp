// SPDX-License-Identifier: Apache-2.0
// The store's pure helpers: RFC 3339 times, DSN handling, id checks.
#include <gtest/gtest.h>

#include "adapters/store/postgres_dsn.hpp"
#include "core/time_format.hpp"
#include "adapters/store/store_records.hpp"

namespace ve::adapters::store {
namespace {

using namespace std::chrono;

TEST(StoreHelpersTest, Rfc3339IsFixedWidthUtcWithMicroseconds) {
  const auto t = sys_days{year{2024} / 5 / 1} + hours{12} + minutes{34} + seconds{56} + nanoseconds{789012345};
  EXPECT_EQ(core::format_rfc3339(t), "2024-05-01T12:34:56.789012Z");
  EXPECT_EQ(core::format_rfc3339(sys_days{year{1970} / 1 / 1}), "1970-01-01T00:00:00.000000Z");
  EXPECT_EQ(core::parse_rfc3339("2024-05-01T12:34:56.789012Z"), floor<microseconds>(t));
  const auto later = t + microseconds{1};
  EXPECT_LT(core::format_rfc3339(t), core::format_rfc3339(later));
}

TEST(StoreHelpersTest, Rfc3339ParsesOffsetsAndRejectsJunk) {
  const auto utc = core::parse_rfc3339("2024-05-01T12:00:00Z");
  ASSERT_TRUE(utc);
  EXPECT_EQ(core::parse_rfc3339("2024-05-01T14:00:00+02:00"), utc);
  EXPECT_EQ(core::parse_rfc3339("2024-05-01 09:30:00-02:30"), utc);
  EXPECT_EQ(core::parse_rfc3339("2024-05-01T12:00:00.5Z"), *utc + milliseconds{500});
  for (const char* junk : {"", "2024-05-01", "2024-13-01T00:00:00Z", "2024-05-01T12:00:00", "2024-05-01T12:00:00Zx",
                           "2024-02-30T00:00:00Z", "2024-05-01T12:00:00.Z"}) {
    EXPECT_FALSE(core::parse_rfc3339(junk)) << junk;
  }
}

TEST(StoreHelpersTest, ConnectTimeoutIsAddedOnce) {
  EXPECT_EQ(with_connect_timeout("postgresql://u:p@h:5432/db", 5), "postgresql://u:p@h:5432/db?connect_timeout=5");
  EXPECT_EQ(with_connect_timeout("postgresql://h/db?sslmode=disable", 5),
            "postgresql://h/db?sslmode=disable&connect_timeout=5");
  EXPECT_EQ(with_connect_timeout("postgresql://h/db?connect_timeout=2", 5), "postgresql://h/db?connect_timeout=2");
  EXPECT_EQ(with_connect_timeout("host=h dbname=db", 5), "host=h dbname=db connect_timeout=5");
  EXPECT_EQ(with_connect_timeout("", 5), "connect_timeout=5");
}

TEST(StoreHelpersTest, SecretsAreFoundAndScrubbed) {
  EXPECT_EQ(scrub("postgresql://u:s3cr%40t@h/db", dsn_secrets("postgresql://u:s3cr%40t@h/db")), "postgresql://u:***@h/db");
  EXPECT_EQ(dsn_secrets("postgresql://u:s3cr%40t@h/db"), (std::vector<std::string>{"s3cr%40t", "s3cr@t"}));
  EXPECT_EQ(dsn_secrets("postgresql://u@h/db?password=abc&sslmode=disable"), std::vector<std::string>{"abc"});
  EXPECT_EQ(dsn_secrets("host=h password = it user=u"), std::vector<std::string>{"it"});
  EXPECT_EQ(dsn_secrets("host=h password='a b\\'c' user=u"), std::vector<std::string>{"a b'c"});
  EXPECT_EQ(dsn_secrets("host=h mypassword=x password=plain"), std::vector<std::string>{"plain"});
  EXPECT_TRUE(dsn_secrets("postgresql://u@h/db").empty());
  EXPECT_EQ(scrub("failed for plain and plain", {"plain"}), "failed for *** and ***");
}

TEST(StoreHelpersTest, IdsAreCanonicalUuids) {
  EXPECT_TRUE(is_uuid("123e4567-e89b-12d3-a456-426614174000"));
  EXPECT_TRUE(is_uuid("123E4567-E89B-12D3-A456-426614174000"));
  EXPECT_FALSE(is_uuid("123e4567e89b12d3a456426614174000"));
  EXPECT_FALSE(is_uuid("123e4567-e89b-12d3-a456-42661417400g"));
  EXPECT_EQ(normalize_id("123E4567-E89B-12D3-A456-426614174000"), "123e4567-e89b-12d3-a456-426614174000");
}

}  // namespace
}  // namespace ve::adapters::store
