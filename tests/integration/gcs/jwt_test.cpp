// SPDX-License-Identifier: Apache-2.0
#include "adapters/blob/gcs/jwt.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "adapters/blob/gcs/service_account.hpp"
#include "fake_gcs_server.hpp"
#include "support/test_support.hpp"

namespace ve::adapters::blob::gcs {
namespace {

using ve::testing::gcs_test_data;
using ve::testing::quote;
using ve::testing::run;

constexpr long long kIat = 1'700'000'000;
const std::string kTokenUri = "https://oauth2.googleapis.com/token";

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out(1);
  for (char c : s) {
    if (c == '.') {
      out.emplace_back();
    } else {
      out.back().push_back(c);
    }
  }
  return out;
}

std::string base64url_decode(const std::string& in) {
  std::string out;
  unsigned value = 0;
  int bits = 0;
  for (char c : in) {
    const auto pos = std::string("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_").find(c);
    EXPECT_NE(pos, std::string::npos) << "not base64url: " << c;
    value = value << 6 | static_cast<unsigned>(pos);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>(value >> bits & 0xff));
    }
  }
  return out;
}

class JwtTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto account = parse_service_account(ve::testing::service_account_json(kTokenUri), "test.json");
    ASSERT_TRUE(account) << account.error().message;
    account_ = *account;
    auto jwt = make_jwt_assertion(account_, std::chrono::system_clock::time_point(std::chrono::seconds(kIat)));
    ASSERT_TRUE(jwt) << jwt.error().message;
    jwt_ = *jwt;
  }
  ServiceAccount account_;
  std::string jwt_;
  ve::testing::TempDir dir_;
};

TEST(Base64Url, RfcVectorsWithoutPadding) {
  EXPECT_EQ(base64url(""), "");
  EXPECT_EQ(base64url("f"), "Zg");
  EXPECT_EQ(base64url("fo"), "Zm8");
  EXPECT_EQ(base64url("foo"), "Zm9v");
  EXPECT_EQ(base64url("foob"), "Zm9vYg");
  EXPECT_EQ(base64url("fooba"), "Zm9vYmE");
  EXPECT_EQ(base64url("\xfb\xff\xbf"), "-_-_");
}

TEST_F(JwtTest, MatchesTheAssertionComputedWithTheOpensslCli) {
  const auto r = run(std::string(VE_PYTHON3) + " " + quote(VE_MAKE_JWT_SCRIPT) + " " +
                     quote(gcs_test_data("test_key.pem").string()) + " " + quote(ve::testing::FakeGcs::kKeyId) + " " +
                     quote(ve::testing::FakeGcs::kClientEmail) + " " + quote(kTokenUri) + " " + std::to_string(kIat));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(jwt_ + "\n", r.output);
}

TEST_F(JwtTest, SignatureVerifiesWithThePublicKey) {
  const auto parts = split(jwt_);
  ASSERT_EQ(parts.size(), 3u);
  ve::testing::write_bytes(dir_ / "input", parts[0] + "." + parts[1]);
  ve::testing::write_bytes(dir_ / "sig", base64url_decode(parts[2]));
  const std::string verify = "openssl dgst -sha256 -verify " + quote(gcs_test_data("test_key.pub.pem").string()) +
                             " -signature " + quote((dir_ / "sig").string()) + " ";
  const auto good = run(verify + quote((dir_ / "input").string()));
  EXPECT_EQ(good.exit_code, 0) << good.output;
  EXPECT_NE(good.output.find("Verified OK"), std::string::npos) << good.output;
  ve::testing::write_bytes(dir_ / "input", parts[0] + "." + parts[1] + "x");
  EXPECT_NE(run(verify + quote((dir_ / "input").string())).exit_code, 0) << "a tampered input must not verify";
}

TEST_F(JwtTest, HeaderAndClaims) {
  const auto parts = split(jwt_);
  ASSERT_EQ(parts.size(), 3u);
  for (const auto& p : parts) EXPECT_EQ(p.find('='), std::string::npos) << "padding in " << p;
  EXPECT_EQ(nlohmann::json::parse(base64url_decode(parts[0])),
            (nlohmann::json{{"alg", "RS256"}, {"typ", "JWT"}, {"kid", ve::testing::FakeGcs::kKeyId}}));
  EXPECT_EQ(nlohmann::json::parse(base64url_decode(parts[1])),
            (nlohmann::json{{"iss", ve::testing::FakeGcs::kClientEmail},
                            {"scope", "https://www.googleapis.com/auth/devstorage.read_write"},
                            {"aud", kTokenUri},
                            {"iat", kIat},
                            {"exp", kIat + 3600}}));
  EXPECT_EQ(base64url_decode(parts[2]).size(), 256u);  // RSA-2048
}

TEST_F(JwtTest, AKeyThatIsNotRsaIsRefusedWithoutQuotingIt) {
  const auto r = run("openssl genpkey -algorithm ed25519 -out " + quote((dir_ / "ed.pem").string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  account_.private_key = ve::testing::read_text(dir_ / "ed.pem");
  const auto jwt = make_jwt_assertion(account_, std::chrono::system_clock::now());
  ASSERT_FALSE(jwt);
  EXPECT_EQ(jwt.error().message, "service account key test.json: field \"private_key\" is not an RSA key (RS256 needs one)");
}

// The key file: every problem names the file and the field, and never prints the key.
class ServiceAccountTest : public ::testing::Test {
 protected:
  core::Error load_error(nlohmann::json doc) {
    const auto file = dir_ / "key.json";
    ve::testing::write_bytes(file, doc.dump());
    auto account = load_service_account(file);
    EXPECT_FALSE(account);
    if (account) return {};
    EXPECT_EQ(account.error().message.find("PRIVATE KEY"), std::string::npos) << account.error().message;
    EXPECT_EQ(account.error().message.find(key_body()), std::string::npos);
    return account.error();
  }
  static std::string key_body() { return ve::testing::read_text(gcs_test_data("test_key.pem")).substr(40, 40); }
  nlohmann::json good() { return nlohmann::json::parse(ve::testing::service_account_json(kTokenUri)); }
  ve::testing::TempDir dir_;
};

TEST_F(ServiceAccountTest, LoadsAGoodKey) {
  ve::testing::write_bytes(dir_ / "key.json", good().dump());
  auto account = load_service_account(dir_ / "key.json");
  ASSERT_TRUE(account) << account.error().message;
  EXPECT_EQ(account->client_email, ve::testing::FakeGcs::kClientEmail);
  EXPECT_EQ(account->token_uri, kTokenUri);
}

TEST_F(ServiceAccountTest, EachMissingFieldIsNamed) {
  for (const char* field : {"type", "client_email", "private_key", "private_key_id", "token_uri"}) {
    auto doc = good();
    doc.erase(field);
    const auto e = load_error(doc);
    EXPECT_EQ(e.kind, core::ErrorKind::InvalidInput);
    EXPECT_NE(e.message.find((dir_ / "key.json").string()), std::string::npos) << e.message;
    EXPECT_NE(e.message.find(std::string("missing field \"") + field + "\""), std::string::npos) << e.message;
  }
}

TEST_F(ServiceAccountTest, WrongTypesAndValues) {
  auto doc = good();
  doc["type"] = "authorized_user";
  EXPECT_NE(load_error(doc).message.find("field \"type\" is \"authorized_user\", not \"service_account\""), std::string::npos);
  doc = good();
  doc["private_key"] = 42;
  EXPECT_NE(load_error(doc).message.find("field \"private_key\" is not a string"), std::string::npos);
  doc = good();
  doc["private_key"] = "-----BEGIN PRIVATE KEY-----\nnot base64 at all\n-----END PRIVATE KEY-----\n";
  ve::testing::write_bytes(dir_ / "key.json", doc.dump());
  auto account = load_service_account(dir_ / "key.json");
  ASSERT_TRUE(account);  // PEM-looking: the real check is OpenSSL's
  const auto key = check_private_key(*account);
  ASSERT_FALSE(key);
  EXPECT_EQ(key.error().message, "service account key " + (dir_ / "key.json").string() +
                                     ": field \"private_key\" is not a readable PEM private key");
}

TEST_F(ServiceAccountTest, NotJsonOrMissingFile) {
  const auto file = dir_ / "key.json";
  ve::testing::write_bytes(file, "{\"private_key\": \"" + key_body() + "\" oops");
  auto account = load_service_account(file);
  ASSERT_FALSE(account);
  EXPECT_EQ(account.error().message.find(key_body()), std::string::npos) << account.error().message;
  EXPECT_NE(account.error().message.find(file.string() + ": not valid JSON"), std::string::npos) << account.error().message;
  account = load_service_account(dir_ / "absent.json");
  ASSERT_FALSE(account);
  EXPECT_NE(account.error().message.find("cannot read service account key " + (dir_ / "absent.json").string()),
            std::string::npos);
}

}  // namespace
}  // namespace ve::adapters::blob::gcs
