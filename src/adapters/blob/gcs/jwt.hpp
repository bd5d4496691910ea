// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "adapters/blob/gcs/service_account.hpp"
#include "core/error.hpp"

namespace ve::adapters::blob::gcs {

inline constexpr std::string_view kStorageScope = "https://www.googleapis.com/auth/devstorage.read_write";
inline constexpr std::chrono::seconds kAssertionLifetime{3600};

// RFC 4648 section 5 alphabet, no padding.
std::string base64url(std::string_view bytes);

// The OAuth2 JWT bearer assertion (RFC 7523) Google's token endpoint exchanges for an access
// token: header {"alg":"RS256","kid":private_key_id,"typ":"JWT"}, claims iss=client_email,
// scope=kStorageScope, aud=token_uri, iat=now, exp=now+1h; RS256 over "header.claims".
// JSON members are in lexicographic order, compact. InvalidInput when the key cannot be used.
core::Result<std::string> make_jwt_assertion(const ServiceAccount& account, std::chrono::system_clock::time_point now);

// Whether private_key is a PEM RSA key OpenSSL can sign with. InvalidInput naming the key file.
core::Status check_private_key(const ServiceAccount& account);

}  // namespace ve::adapters::blob::gcs
