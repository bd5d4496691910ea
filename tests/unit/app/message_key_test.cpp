// SPDX-License-Identifier: Apache-2.0
#include "app/message_key.hpp"

#include <gtest/gtest.h>

namespace ve::app {
namespace {

TEST(MessageKey, ProducerMessageIdWins) {
  EXPECT_EQ(message_key({1, "{}", "3f1c-42", false}), "id:3f1c-42");
}

TEST(MessageKey, WithoutMessageIdTheBodysSha256) {
  // FIPS 180-2 test vector for "abc".
  EXPECT_EQ(message_key({1, "abc", "", false}),
            "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_NE(message_key({1, "abc ", "", false}), message_key({1, "abc", "", false}));
}

}  // namespace
}  // namespace ve::app
