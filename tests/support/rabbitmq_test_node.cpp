// SPDX-License-Identifier: Apache-2.0
// The setup and cleanup tests of a CTest fixture that runs one RabbitMQ node for several suites:
// `rabbitmq_test_node start DIR` starts it on free ports (or keeps the one running there),
// `rabbitmq_test_node stop DIR` stops it and removes DIR. Tests reach it with
// RabbitMqNode::for_test(), each in a virtual host of its own.
#include <cstdio>
#include <string_view>

#include "support/rabbitmq_fixture.hpp"

int main(int argc, char** argv) {
  if (argc == 3 && std::string_view(argv[1]) == "start") return ve::testing::start_node_in(argv[2]);
  if (argc == 3 && std::string_view(argv[1]) == "stop") return ve::testing::stop_node_in(argv[2]);
  std::fputs("usage: rabbitmq_test_node start|stop DIR\n", stderr);
  return 2;
}
