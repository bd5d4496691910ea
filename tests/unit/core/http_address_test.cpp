// SPDX-License-Identifier: Apache-2.0
#include "core/http_address.hpp"

#include <gtest/gtest.h>

#include "core/config.hpp"

namespace ve::core {
namespace {

TEST(HttpAddress, ParsesIpv4Ipv6AndNames) {
  auto a = parse_http_address("127.0.0.1:8080");
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 8080);
  auto b = parse_http_address("[::1]:9000");
  ASSERT_TRUE(b) << b.error().message;
  EXPECT_EQ(b->host, "::1");
  EXPECT_EQ(to_string(*b), "[::1]:9000");
  auto c = parse_http_address("localhost:1");
  ASSERT_TRUE(c);
  EXPECT_EQ(to_string(*c), "localhost:1");
}

TEST(HttpAddress, RefusesWhatIsNotHostAndPort) {
  for (const char* bad : {"8080", ":8080", "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:65536", "127.0.0.1:80x", "::1:80",
                          "[::1]80", "[::1", "host name:80", "a/b:80"}) {
    auto a = parse_http_address(bad);
    EXPECT_FALSE(a) << bad;
    if (!a) {
      EXPECT_NE(a.error().message.find(bad), std::string::npos) << a.error().message;
    }
  }
}

TEST(HttpAddress, OnlyThisMachinesAddressesAreLoopback) {
  for (const char* own : {"127.0.0.1", "127.1.2.3", "::1", "localhost"}) EXPECT_TRUE(is_loopback({own, 80})) << own;
  for (const char* other : {"0.0.0.0", "10.0.0.1", "127.0.0.1.example.com", "127.0.0", "127.0.0.256", "::", "example.com"}) {
    EXPECT_FALSE(is_loopback({other, 80})) << other;
  }
}

TEST(HttpConfig, DefaultsToLoopbackAndCanBeTurnedOff) {
  auto c = load_config({});
  ASSERT_TRUE(c);
  ASSERT_TRUE(c->http_address);
  EXPECT_EQ(to_string(*c->http_address), "127.0.0.1:8080");
  auto off = load_config({{"HTTP_ADDR", ""}});
  ASSERT_TRUE(off);
  EXPECT_FALSE(off->http_address);
}

TEST(HttpConfig, APublicAddressNeedsAToken) {
  auto refused = load_config({{"HTTP_ADDR", "0.0.0.0:8080"}});
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("HTTP_TOKEN"), std::string::npos) << refused.error().message;
  auto allowed = load_config({{"HTTP_ADDR", "0.0.0.0:8080"}, {"HTTP_TOKEN", "0123456789abcdef0123"}});
  ASSERT_TRUE(allowed) << allowed.error().message;
  EXPECT_EQ(describe(*allowed).find("0123456789abcdef0123"), std::string::npos) << "the token is logged";
  auto short_token = load_config({{"HTTP_TOKEN", "short"}});
  ASSERT_FALSE(short_token);
  EXPECT_NE(short_token.error().message.find("16"), std::string::npos);
}

}  // namespace
}  // namespace ve::core
