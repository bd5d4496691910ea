// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>

#include "ports/job_source.hpp"

namespace ve::app {

// A message's identity across redeliveries: "id:<message_id>" when the producer set one (`submit`
// always does), else "sha256:<hex digest of the body>". Two messages with the same body and no
// message id share a key.
std::string message_key(const ports::Delivery& delivery);

}  // namespace ve::app
