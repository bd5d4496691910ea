// SPDX-License-Identifier: Apache-2.0
#include "adapters/blob/gcs/jwt.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <memory>

#include <nlohmann/json.hpp>

namespace ve::adapters::blob::gcs {
namespace {

struct BioDeleter {
  void operator()(BIO* b) const noexcept { BIO_free(b); }
};
struct PkeyDeleter {
  void operator()(EVP_PKEY* k) const noexcept { EVP_PKEY_free(k); }
};
struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* c) const noexcept { EVP_MD_CTX_free(c); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyDeleter>;

core::Error key_error(const ServiceAccount& account, const std::string& why) {
  // OpenSSL's queue is cleared, not printed: it only ever says "bad decrypt" or similar, and
  // nothing of the key may reach a message.
  ERR_clear_error();
  return core::Error::invalid_input("service account key " + account.source + ": " + why);
}

core::Result<Pkey> read_key(const ServiceAccount& account) {
  std::unique_ptr<BIO, BioDeleter> bio(
      BIO_new_mem_buf(account.private_key.data(), static_cast<int>(account.private_key.size())));
  if (!bio) return core::fail(key_error(account, "out of memory reading \"private_key\""));
  Pkey key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key) return core::fail(key_error(account, "field \"private_key\" is not a readable PEM private key"));
  if (EVP_PKEY_get_base_id(key.get()) != EVP_PKEY_RSA) {
    return core::fail(key_error(account, "field \"private_key\" is not an RSA key (RS256 needs one)"));
  }
  return key;
}

core::Result<std::string> sign_rs256(const ServiceAccount& account, const std::string& input) {
  auto key = read_key(account);
  if (!key) return core::fail(key.error());
  std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx(EVP_MD_CTX_new());
  size_t length = 0;
  const auto* data = reinterpret_cast<const unsigned char*>(input.data());
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key->get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &length, data, input.size()) != 1) {
    return core::fail(key_error(account, "cannot sign with \"private_key\" (RS256)"));
  }
  std::string signature(length, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &length, data, input.size()) != 1) {
    return core::fail(key_error(account, "cannot sign with \"private_key\" (RS256)"));
  }
  signature.resize(length);
  return signature;
}

}  // namespace

std::string base64url(std::string_view bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const unsigned v = static_cast<unsigned char>(bytes[i]) << 16 | static_cast<unsigned char>(bytes[i + 1]) << 8 |
                       static_cast<unsigned char>(bytes[i + 2]);
    out += kAlphabet[v >> 18 & 63];
    out += kAlphabet[v >> 12 & 63];
    out += kAlphabet[v >> 6 & 63];
    out += kAlphabet[v & 63];
  }
  const size_t rest = bytes.size() - i;
  if (rest > 0) {
    unsigned v = static_cast<unsigned char>(bytes[i]) << 16;
    if (rest == 2) v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    out += kAlphabet[v >> 18 & 63];
    out += kAlphabet[v >> 12 & 63];
    if (rest == 2) out += kAlphabet[v >> 6 & 63];
  }
  return out;
}

core::Result<std::string> make_jwt_assertion(const ServiceAccount& account, std::chrono::system_clock::time_point now) {
  const long long iat = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  // nlohmann::json keeps object members sorted, so the encoding is canonical and reproducible.
  const nlohmann::json header = {{"alg", "RS256"}, {"typ", "JWT"}, {"kid", account.private_key_id}};
  const nlohmann::json claims = {{"iss", account.client_email},
                                 {"scope", kStorageScope},
                                 {"aud", account.token_uri},
                                 {"iat", iat},
                                 {"exp", iat + kAssertionLifetime.count()}};
  const std::string input = base64url(header.dump()) + "." + base64url(claims.dump());
  auto signature = sign_rs256(account, input);
  if (!signature) return core::fail(signature.error());
  return input + "." + base64url(*signature);
}

core::Status check_private_key(const ServiceAccount& account) {
  auto key = read_key(account);
  if (!key) return core::fail(key.error());
  return {};
}

}  // namespace ve::adapters::blob::gcs
