// SPDX-License-Identifier: Apache-2.0
#include "adapters/amqp/amqp_client.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "support/rabbitmq_fixture.hpp"
#include "support/test_support.hpp"

namespace ve::adapters::amqp {
namespace {

using namespace std::chrono_literals;
using testing::BrokerProbe;
using testing::RabbitMqNode;

// The suite's broker: the CTest fixture's (VE_TEST_RABBITMQ_DIR), or one started on first use.
RabbitMqNode& shared_broker() {
  static std::unique_ptr<RabbitMqNode> node = [] {
    try {
      const char* dir = std::getenv("VE_TEST_RABBITMQ_DIR");
      return dir && *dir ? RabbitMqNode::attach(dir) : RabbitMqNode::start_new();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "%s\n", e.what());
      std::exit(1);
    }
  }();
  return *node;
}

bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

// The next delivery, waiting up to `timeout`; fails the test when none comes.
std::optional<ports::Delivery> next_delivery(AmqpClient& client, std::chrono::milliseconds timeout = 10s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    auto d = client.next(200ms);
    if (d && *d) return **d;
  }
  ADD_FAILURE() << "no delivery within " << timeout.count() << " ms";
  return std::nullopt;
}

class AmqpClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Each test has its own queues and exchanges, so that tests can share the broker and run in
    // parallel.
    const std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    settings_ = shared_broker().settings();
    settings_.queue = "videos-" + name;
    settings_.failed_queue = "videos-failed-" + name;
    settings_.result_queue = "videos-result-" + name;
    settings_.dead_letter_exchange = "dlx-" + name;
    settings_.routing_key = "jobs-" + name;
    settings_.consumer_name = "ve-test-" + name;
    probe_ = std::make_unique<BrokerProbe>(settings_);
    remove_topology();
  }

  void remove_topology() {
    for (const auto& q : {settings_.queue, settings_.failed_queue, settings_.result_queue}) probe_->delete_queue(q);
    probe_->delete_exchange(settings_.dead_letter_exchange);
    if (settings_.notification_exchange.rfind("amq.", 0) != 0) probe_->delete_exchange(settings_.notification_exchange);
  }

  std::unique_ptr<AmqpClient> connect(int prefetch = 1) {
    settings_.prefetch = prefetch;
    auto client = AmqpClient::connect(settings_);
    if (!client) {
      ADD_FAILURE() << "connect: " << client.error().message;
      return nullptr;
    }
    return std::move(*client);
  }

  core::AmqpSettings settings_;
  std::unique_ptr<BrokerProbe> probe_;
};

TEST_F(AmqpClientTest, DeclaresTopologyWithTheServiceNames) {
  const core::AmqpSettings defaults;
  settings_ = shared_broker().settings();
  ASSERT_EQ(settings_.queue, "videos");
  remove_topology();
  auto client = connect();
  ASSERT_TRUE(client);
  EXPECT_EQ(probe_->message_count("videos"), 0u);
  EXPECT_EQ(probe_->message_count("videos-failed"), 0u);
  EXPECT_EQ(probe_->message_count("videos-result"), 0u);
  EXPECT_TRUE(probe_->exchange_exists("dlx"));
  EXPECT_FALSE(probe_->exchange_exists("no-such-exchange"));
  EXPECT_FALSE(probe_->message_count("no-such-queue"));

  // The dead-letter exchange feeds the failure queue whatever the routing key.
  probe_->publish("dlx", "any-key", R"({"dead":1})");
  auto dead = probe_->wait_get("videos-failed");
  ASSERT_TRUE(dead);
  EXPECT_EQ(dead->body, R"({"dead":1})");
  // amq.direct with the routing key feeds the result queue.
  probe_->publish("amq.direct", defaults.routing_key, R"({"result":1})");
  auto result = probe_->wait_get("videos-result");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->body, R"({"result":1})");
}

TEST_F(AmqpClientTest, DeclaresANotificationExchangeOfItsOwn) {
  settings_.notification_exchange = "notify-" + settings_.queue;
  probe_->delete_exchange(settings_.notification_exchange);
  auto client = connect();
  ASSERT_TRUE(client);
  EXPECT_TRUE(probe_->exchange_exists(settings_.notification_exchange));
  ASSERT_TRUE(client->publish(R"({"status":"COMPLETED"})"));
  auto m = probe_->wait_get(settings_.result_queue);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->body, R"({"status":"COMPLETED"})");
  client.reset();
  probe_->delete_exchange(settings_.notification_exchange);
}

TEST_F(AmqpClientTest, ConnectFailsWhenTheQueueExistsWithOtherArguments) {
  auto first = connect();
  ASSERT_TRUE(first);
  settings_.dead_letter_exchange = "other-dlx-" + settings_.queue;
  auto second = AmqpClient::connect(settings_);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().kind, core::ErrorKind::Internal) << second.error().message;
  EXPECT_NE(second.error().message.find("406"), std::string::npos) << second.error().message;
  probe_->delete_exchange(settings_.dead_letter_exchange);
}

TEST_F(AmqpClientTest, ConnectFailsWhenNothingListens) {
  settings_.port = testing::free_local_port();
  AmqpClientOptions options;
  options.connect_timeout = 2s;
  auto client = AmqpClient::connect(settings_, options);
  ASSERT_FALSE(client);
  EXPECT_EQ(client.error().kind, core::ErrorKind::Transient);
  EXPECT_NE(client.error().message.find(std::to_string(settings_.port)), std::string::npos) << client.error().message;
}

TEST_F(AmqpClientTest, DeliversBodyAndMessageIdAndAckRemovesTheMessage) {
  auto client = connect();
  ASSERT_TRUE(client);
  const std::string body = R"({"resource_id":"r1","file_path":"in/a.mp4"})";
  probe_->publish("", settings_.queue, body, "5b0c7f7e-0000-4000-8000-000000000001");
  auto d = next_delivery(*client);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->body, body);
  EXPECT_EQ(d->message_id, "5b0c7f7e-0000-4000-8000-000000000001");
  EXPECT_FALSE(d->redelivered);
  ASSERT_TRUE(client->ack(d->tag));
  client->close();
  EXPECT_EQ(probe_->message_count(settings_.queue), 0u);
  EXPECT_EQ(probe_->message_count(settings_.failed_queue), 0u);
}

TEST_F(AmqpClientTest, UnsettledDeliveryReturnsToTheQueueOnClose) {
  auto client = connect();
  ASSERT_TRUE(client);
  probe_->publish("", settings_.queue, "{}");
  ASSERT_TRUE(next_delivery(*client));
  client->close();
  EXPECT_TRUE(wait_until([&] { return probe_->message_count(settings_.queue) == 1u; }, 5s));
  auto next = client->next(10ms);
  ASSERT_FALSE(next);
  EXPECT_EQ(next.error().kind, core::ErrorKind::Transient);
}

TEST_F(AmqpClientTest, RejectWithoutRequeueDeadLetters) {
  auto client = connect();
  ASSERT_TRUE(client);
  probe_->publish("", settings_.queue, R"({"bad":true})", "id-dead");
  auto d = next_delivery(*client);
  ASSERT_TRUE(d);
  ASSERT_TRUE(client->reject(d->tag, /*requeue=*/false));
  auto dead = probe_->wait_get(settings_.failed_queue);
  ASSERT_TRUE(dead);
  EXPECT_EQ(dead->body, R"({"bad":true})");
  EXPECT_EQ(dead->message_id, "id-dead");
  client->close();
  EXPECT_EQ(probe_->message_count(settings_.queue), 0u);
}

TEST_F(AmqpClientTest, RejectWithRequeueRedelivers) {
  auto client = connect();
  ASSERT_TRUE(client);
  probe_->publish("", settings_.queue, R"({"n":1})", "id-again");
  auto first = next_delivery(*client);
  ASSERT_TRUE(first);
  ASSERT_TRUE(client->reject(first->tag, /*requeue=*/true));
  auto again = next_delivery(*client);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->body, R"({"n":1})");
  EXPECT_EQ(again->message_id, "id-again");
  EXPECT_TRUE(again->redelivered);
  EXPECT_NE(again->tag, first->tag);
  EXPECT_TRUE(client->ack(again->tag));
  EXPECT_EQ(probe_->message_count(settings_.failed_queue), 0u);
}

TEST_F(AmqpClientTest, SettlingTwiceFailsAndKeepsTheConnection) {
  auto client = connect();
  ASSERT_TRUE(client);
  probe_->publish("", settings_.queue, "{}");
  auto d = next_delivery(*client);
  ASSERT_TRUE(d);
  ASSERT_TRUE(client->ack(d->tag));
  auto twice = client->ack(d->tag);
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.error().kind, core::ErrorKind::Internal) << twice.error().message;
  auto bogus = client->reject(d->tag + 1000, false);
  ASSERT_FALSE(bogus);
  EXPECT_EQ(bogus.error().kind, core::ErrorKind::Internal);
  // Still the same connection: nothing was redelivered and new messages arrive.
  probe_->publish("", settings_.queue, R"({"n":2})");
  auto d2 = next_delivery(*client);
  ASSERT_TRUE(d2);
  EXPECT_EQ(d2->body, R"({"n":2})");
  EXPECT_FALSE(d2->redelivered);
  EXPECT_EQ(d2->tag >> 44, d->tag >> 44);
  EXPECT_TRUE(client->ack(d2->tag));
}

TEST_F(AmqpClientTest, PublishLandsInTheResultQueueConfirmedAndPersistent) {
  auto client = connect();
  ASSERT_TRUE(client);
  const std::string body = R"({"job_id":"j1","status":"COMPLETED"})";
  ASSERT_TRUE(client->publish(body));
  // Confirmed means routed: the message is already there.
  EXPECT_EQ(probe_->message_count(settings_.result_queue), 1u);
  auto m = probe_->get(settings_.result_queue);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->body, body);
  EXPECT_EQ(m->content_type, "application/json");
  EXPECT_EQ(m->delivery_mode, 2);
}

TEST_F(AmqpClientTest, PublishToQueueIsDeliveredToTheConsumer) {
  auto client = connect();
  ASSERT_TRUE(client);
  const std::string body = R"({"resource_id":"r2","file_path":"b.mp4"})";
  ASSERT_TRUE(client->publish_to_queue(body, "0d7c6d7e-1f7a-4b8e-9a55-5f8e0f2f3a10"));
  auto d = next_delivery(*client);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->body, body);
  EXPECT_EQ(d->message_id, "0d7c6d7e-1f7a-4b8e-9a55-5f8e0f2f3a10");
  EXPECT_TRUE(client->ack(d->tag));
}

TEST_F(AmqpClientTest, PrefetchLimitsUnsettledDeliveries) {
  auto client = connect(/*prefetch=*/2);
  ASSERT_TRUE(client);
  for (int i = 0; i < 5; ++i) probe_->publish("", settings_.queue, std::to_string(i));
  auto d0 = next_delivery(*client);
  auto d1 = next_delivery(*client);
  ASSERT_TRUE(d0 && d1);
  EXPECT_EQ(d0->body, "0");
  EXPECT_EQ(d1->body, "1");
  auto none = client->next(500ms);
  ASSERT_TRUE(none) << none.error().message;
  EXPECT_FALSE(*none);
  EXPECT_EQ(probe_->message_count(settings_.queue), 3u);

  ASSERT_TRUE(client->ack(d0->tag));
  auto d2 = next_delivery(*client);
  ASSERT_TRUE(d2);
  EXPECT_EQ(d2->body, "2");
  auto still_none = client->next(300ms);
  ASSERT_TRUE(still_none);
  EXPECT_FALSE(*still_none);
  ASSERT_TRUE(client->ack(d1->tag));
  ASSERT_TRUE(client->ack(d2->tag));
  for (const char* expected : {"3", "4"}) {
    auto d = next_delivery(*client);
    ASSERT_TRUE(d);
    EXPECT_EQ(d->body, expected);
    ASSERT_TRUE(client->ack(d->tag));
  }
}

// Graceful shutdown: after stop_consuming() the deliveries the client holds but nobody took, and
// those still arriving, go back to the queue; the one being worked on can still be acked.
TEST_F(AmqpClientTest, StopConsumingReturnsUntakenDeliveriesAndKeepsSettling) {
  auto client = connect(/*prefetch=*/3);
  ASSERT_TRUE(client);
  for (int i = 0; i < 5; ++i) probe_->publish("", settings_.queue, std::to_string(i));
  auto in_progress = next_delivery(*client);
  ASSERT_TRUE(in_progress);
  EXPECT_EQ(in_progress->body, "0");
  // Two more sit in the client's buffer (prefetch 3), two in the queue.
  ASSERT_TRUE(wait_until([&] { return probe_->message_count(settings_.queue) == 2u; }, 5s));

  client->stop_consuming();
  EXPECT_TRUE(wait_until([&] { return probe_->consumer_count(settings_.queue) == 0u; }, 5s));
  EXPECT_TRUE(wait_until([&] { return probe_->message_count(settings_.queue) == 4u; }, 5s))
      << probe_->message_count(settings_.queue).value_or(0) << " ready";
  auto none = client->next(300ms);
  ASSERT_TRUE(none) << none.error().message;
  EXPECT_FALSE(*none);
  ASSERT_TRUE(client->ack(in_progress->tag));
  ASSERT_TRUE(client->publish("done"));
  client->stop_consuming();  // idempotent
  client->close();
  EXPECT_EQ(probe_->message_count(settings_.queue), 4u);
  std::set<std::string> left;
  while (auto m = probe_->get(settings_.queue)) left.insert(m->body);
  EXPECT_EQ(left, (std::set<std::string>{"1", "2", "3", "4"}));
}

TEST_F(AmqpClientTest, ConcurrentWorkersConsumePublishAndAck) {
  constexpr int kWorkers = 4;
  constexpr int kMessages = 60;
  auto client = connect(/*prefetch=*/kWorkers);
  ASSERT_TRUE(client);

  std::mutex mutex;
  std::set<std::string> seen;
  std::atomic<int> failures{0};
  std::atomic<bool> done{false};
  std::vector<std::jthread> threads;
  for (int w = 0; w < kWorkers; ++w) {
    threads.emplace_back([&] {
      while (!done) {
        auto d = client->next(100ms);
        if (!d) {
          ++failures;
          continue;
        }
        if (!*d) continue;
        if (!client->publish(R"({"done":")" + (*d)->body + R"("})")) ++failures;
        if (!client->ack((*d)->tag)) ++failures;
        std::lock_guard lock(mutex);
        seen.insert((*d)->body);
      }
    });
  }
  // Producers use the same client from two more threads.
  for (int p = 0; p < 2; ++p) {
    threads.emplace_back([&, p] {
      for (int i = p; i < kMessages; i += 2) {
        if (!client->publish_to_queue("m" + std::to_string(i), "id-" + std::to_string(i))) ++failures;
      }
    });
  }
  EXPECT_TRUE(wait_until(
      [&] {
        std::lock_guard lock(mutex);
        return seen.size() == kMessages;
      },
      60s));
  done = true;
  threads.clear();
  EXPECT_EQ(failures, 0);

  std::set<std::string> results;
  while (auto m = probe_->get(settings_.result_queue)) results.insert(m->body);
  EXPECT_EQ(results.size(), static_cast<size_t>(kMessages));
  EXPECT_TRUE(results.count(R"({"done":"m0"})"));
  client->close();
  EXPECT_EQ(probe_->message_count(settings_.queue), 0u);
}

// Restarts its own broker, so that the other tests keep theirs.
TEST(AmqpClientRestartTest, ReconnectsAfterBrokerRestartAndRefusesStaleTags) {
  auto node = RabbitMqNode::start_new();
  const core::AmqpSettings settings = node->settings();
  AmqpClientOptions options;
  options.initial_backoff = 100ms;
  options.max_backoff = 1s;
  auto connected = AmqpClient::connect(settings, options);
  ASSERT_TRUE(connected) << connected.error().message;
  AmqpClient& client = **connected;

  BrokerProbe(settings).publish("", settings.queue, R"({"n":"before"})", "id-before");
  auto before = next_delivery(client);
  ASSERT_TRUE(before);

  node->stop();
  ASSERT_TRUE(wait_until([&] { return !client.connected(); }, 10s));
  auto ack_while_down = client.ack(before->tag);
  ASSERT_FALSE(ack_while_down);
  EXPECT_EQ(ack_while_down.error().kind, core::ErrorKind::Transient);
  auto publish_while_down = client.publish("{}");
  ASSERT_FALSE(publish_while_down);
  EXPECT_EQ(publish_while_down.error().kind, core::ErrorKind::Transient);
  auto next_while_down = client.next(100ms);
  ASSERT_FALSE(next_while_down);
  EXPECT_EQ(next_while_down.error().kind, core::ErrorKind::Transient);

  node->start();
  ASSERT_TRUE(wait_until([&] { return client.connected(); }, 30s));
  // The old tag must not settle whatever the new connection numbered the same.
  auto stale = client.ack(before->tag);
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().kind, core::ErrorKind::Transient) << stale.error().message;

  BrokerProbe probe(settings);
  probe.publish("", settings.queue, R"({"n":"after"})", "id-after");
  bool got_after = false;
  bool got_before_again = false;
  while (!got_after) {
    auto d = next_delivery(client);
    ASSERT_TRUE(d);
    if (d->message_id == "id-after") got_after = true;
    if (d->message_id == "id-before") got_before_again = true;  // persistent, unacked: delivered again
    ASSERT_TRUE(client.ack(d->tag));
  }
  ASSERT_TRUE(client.publish(R"({"after":"restart"})"));
  EXPECT_TRUE(probe.get(settings.result_queue));
  if (!got_before_again) {
    auto d = next_delivery(client);
    ASSERT_TRUE(d);
    EXPECT_EQ(d->message_id, "id-before");
    EXPECT_TRUE(d->redelivered);
    ASSERT_TRUE(client.ack(d->tag));
  }
  client.close();
  EXPECT_EQ(probe.message_count(settings.queue), 0u);
}

}  // namespace
}  // namespace ve::adapters::amqp

int main(int argc, char** argv) {
  // The CTest fixture's setup and cleanup tests.
  if (argc == 3 && std::string_view(argv[1]) == "--start-broker") return ve::testing::start_node_in(argv[2]);
  if (argc == 3 && std::string_view(argv[1]) == "--stop-broker") return ve::testing::stop_node_in(argv[2]);
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
