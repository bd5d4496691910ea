// SPDX-License-Identifier: Apache-2.0
#include "app/message_key.hpp"

#include <openssl/evp.h>

#include <stdexcept>

namespace ve::app {

std::string message_key(const ports::Delivery& delivery) {
  if (!delivery.message_id.empty()) return "id:" + delivery.message_id;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_Digest(delivery.body.data(), delivery.body.size(), digest, &size, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("OpenSSL could not compute a SHA-256 digest");  // only when out of memory
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string key = "sha256:";
  for (unsigned int i = 0; i < size; ++i) {
    key += kHex[digest[i] >> 4];
    key += kHex[digest[i] & 0xf];
  }
  return key;
}

}  // namespace ve::app
