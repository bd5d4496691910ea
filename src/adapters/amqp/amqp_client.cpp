// SPDX-License-Identifier: Apache-2.0
#include "adapters/amqp/amqp_client.hpp"

#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <future>
#include <random>
#include <utility>
#include <variant>

#include "adapters/amqp/amqp_session.hpp"

namespace ve::adapters::amqp {
namespace {

// A Delivery's tag is the connection's number in the upper bits and the broker's delivery tag in
// the lower ones, so a tag of a lost connection can never settle a message of the next one.
constexpr int kTagBits = 44;
constexpr uint64_t kTagMask = (uint64_t{1} << kTagBits) - 1;
constexpr uint64_t kGenerationMask = (uint64_t{1} << (64 - kTagBits)) - 1;

// How long the connection thread waits for a frame before looking at queued commands again.
constexpr auto kPollInterval = std::chrono::milliseconds(50);
// A connection that lived this long resets the reconnect backoff; one failing sooner keeps it
// growing, so a broker that accepts and then drops connections is not hammered.
constexpr auto kStableConnection = std::chrono::seconds(5);

// Between half and all of `d`, so that many workers losing the broker together do not all
// come back in step.
std::chrono::milliseconds jittered(std::chrono::milliseconds d, std::mt19937& rng) {
  std::uniform_int_distribution<long long> pick(d.count() / 2, d.count());
  return std::chrono::milliseconds(pick(rng));
}

std::string endpoint(const core::AmqpSettings& s) {
  return s.user + "@" + s.host + ":" + std::to_string(s.port) + " vhost " + s.vhost;
}

}  // namespace

struct AmqpClient::Command {
  enum class Kind { Ack, Reject, Publish, StopConsuming };
  Kind kind = Kind::Ack;
  uint64_t tag = 0;
  bool requeue = false;
  std::string exchange;
  std::string routing_key;
  std::string body;
  std::string message_id;
  std::promise<core::Status> done;
};

WakeFd::WakeFd() : fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {}

WakeFd::~WakeFd() {
  if (fd_ >= 0) ::close(fd_);
}

void WakeFd::signal() const {
  const uint64_t one = 1;
  [[maybe_unused]] const ssize_t n = ::write(fd_, &one, sizeof one);  // EAGAIN: already signalled
}

void WakeFd::drain() const {
  uint64_t value = 0;
  [[maybe_unused]] const ssize_t n = ::read(fd_, &value, sizeof value);
}

AmqpClient::AmqpClient(const core::AmqpSettings& settings, const AmqpClientOptions& options)
    : settings_(settings), options_(options), thread_([this](std::stop_token stop) { run(stop); }) {}

AmqpClient::~AmqpClient() { close(); }

core::Result<std::unique_ptr<AmqpClient>> AmqpClient::connect(const core::AmqpSettings& settings,
                                                             const AmqpClientOptions& options) {
  std::unique_ptr<AmqpClient> client(new AmqpClient(settings, options));
  core::Status first;
  {
    std::unique_lock lock(client->mutex_);
    client->state_changed_.wait(lock, [&] { return client->first_connection_.has_value(); });
    first = *client->first_connection_;
  }
  if (!first) return core::fail(first.error());
  return client;
}

void AmqpClient::close() {
  std::call_once(close_once_, [this] {
    {
      std::lock_guard lock(mutex_);
      closed_ = true;
    }
    deliveries_changed_.notify_all();
    thread_.request_stop();
    if (thread_.joinable()) thread_.join();
  });
}

bool AmqpClient::connected() const {
  std::lock_guard lock(mutex_);
  return connected_;
}

core::Result<std::optional<ports::Delivery>> AmqpClient::next(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  deliveries_changed_.wait_for(lock, timeout, [this] { return !deliveries_.empty() || closed_; });
  if (closed_) return core::fail(core::Error::transient("the AMQP client is closed"));
  if (!deliveries_.empty()) {
    ports::Delivery d = std::move(deliveries_.front());
    deliveries_.pop_front();
    return d;
  }
  if (!connected_) {
    return core::fail(core::Error::transient("not connected to RabbitMQ at " + settings_.host + ":" +
                                             std::to_string(settings_.port) + "; reconnecting"));
  }
  return std::optional<ports::Delivery>();
}

core::Status AmqpClient::ack(uint64_t tag) {
  auto command = std::make_unique<Command>();
  command->kind = Command::Kind::Ack;
  command->tag = tag;
  return submit(std::move(command));
}

core::Status AmqpClient::reject(uint64_t tag, bool requeue) {
  auto command = std::make_unique<Command>();
  command->kind = Command::Kind::Reject;
  command->tag = tag;
  command->requeue = requeue;
  return submit(std::move(command));
}

void AmqpClient::stop_consuming() {
  {
    std::lock_guard lock(mutex_);
    if (!consuming_) return;
    consuming_ = false;
  }
  auto command = std::make_unique<Command>();
  command->kind = Command::Kind::StopConsuming;
  // When the connection is down, the next one cancels its consumer as it opens (see run()).
  if (auto ok = submit(std::move(command)); !ok) spdlog::debug("amqp: stop consuming: {}", ok.error().message);
}

void AmqpClient::stop_consumer(Session& session) {
  std::deque<ports::Delivery> unclaimed;
  {
    std::lock_guard lock(mutex_);
    unclaimed.swap(deliveries_);
  }
  if (auto ok = session.cancel_consumer(settings_.consumer_name); !ok) {
    spdlog::warn("amqp: cannot cancel the consumer: {}", ok.error().message);
  }
  for (const auto& d : unclaimed) {
    if ((d.tag >> kTagBits) == generation_) (void)session.reject(d.tag & kTagMask, /*requeue=*/true);
  }
  if (!unclaimed.empty()) spdlog::info("amqp: returned {} deliveries not yet started to the queue", unclaimed.size());
}

core::Status AmqpClient::publish(const std::string& body) {
  return publish_message(settings_.notification_exchange, settings_.routing_key, body, "");
}

core::Status AmqpClient::publish_to_queue(const std::string& body, const std::string& message_id) {
  return publish_message("", settings_.queue, body, message_id);
}

core::Status AmqpClient::publish_message(std::string exchange, std::string routing_key, std::string body,
                                         std::string message_id) {
  auto command = std::make_unique<Command>();
  command->kind = Command::Kind::Publish;
  command->exchange = std::move(exchange);
  command->routing_key = std::move(routing_key);
  command->body = std::move(body);
  command->message_id = std::move(message_id);
  return submit(std::move(command));
}

core::Status AmqpClient::submit(std::unique_ptr<Command> command) {
  std::future<core::Status> done = command->done.get_future();
  {
    std::lock_guard lock(mutex_);
    if (closed_) return core::fail(core::Error::transient("the AMQP client is closed"));
    // Failing at once while reconnecting lets the caller back off instead of piling up work.
    if (!connected_) {
      return core::fail(core::Error::transient("not connected to RabbitMQ at " + settings_.host + ":" +
                                               std::to_string(settings_.port) + "; reconnecting"));
    }
    commands_.push_back(std::move(command));
  }
  wake_.signal();
  if (done.wait_for(options_.command_timeout) != std::future_status::ready) {
    return core::fail(core::Error::transient("RabbitMQ did not confirm within " +
                                             std::to_string(options_.command_timeout.count()) + " ms"));
  }
  return done.get();
}

void AmqpClient::run(std::stop_token stop) {
  const SessionOptions session_options{options_.connect_timeout, options_.rpc_timeout, options_.heartbeat};
  std::mt19937 rng(std::random_device{}());
  auto backoff = options_.initial_backoff;
  bool first = true;
  while (!stop.stop_requested()) {
    auto session = Session::open(settings_, session_options);
    if (!session) {
      if (first) {  // the caller of connect() decides what to do
        std::lock_guard lock(mutex_);
        first_connection_ = core::fail(session.error());
        state_changed_.notify_all();
        return;
      }
      const auto wait = jittered(backoff, rng);
      spdlog::warn("amqp: reconnecting failed: {}; next attempt in {} ms", session.error().message, wait.count());
      sleep_for(wait, stop);
      backoff = std::min(backoff * 2, options_.max_backoff);
      continue;
    }

    generation_ = (generation_ + 1) & kGenerationMask;
    if (generation_ == 0) generation_ = 1;  // so that tag 0 is never valid
    spdlog::info("amqp: connected to {} (connection {}), consuming {} with prefetch {}", endpoint(settings_),
                 generation_, settings_.queue, settings_.prefetch);
    {
      std::lock_guard lock(mutex_);
      connected_ = true;
      if (first) first_connection_ = core::Status();
    }
    state_changed_.notify_all();
    first = false;

    bool stopped_consuming = false;
    {
      std::lock_guard lock(mutex_);
      stopped_consuming = !consuming_;
    }
    if (stopped_consuming) stop_consumer(*session);  // reconnected while shutting down

    const auto since = std::chrono::steady_clock::now();
    const core::Error why = serve(*session, stop);
    session->close();
    if (stop.stop_requested()) {
      connection_ended(core::Error::transient("the AMQP client is closing"));
      spdlog::info("amqp: connection to {} closed", endpoint(settings_));
      break;
    }
    connection_ended(why);
    if (std::chrono::steady_clock::now() - since >= kStableConnection) backoff = options_.initial_backoff;
    const auto wait = jittered(backoff, rng);
    spdlog::warn("amqp: connection to {} lost: {}; reconnecting in {} ms", endpoint(settings_), why.message,
                 wait.count());
    sleep_for(wait, stop);
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
  std::lock_guard lock(mutex_);
  if (!first_connection_) first_connection_ = core::fail(core::Error::transient("the AMQP client is closing"));
  state_changed_.notify_all();
}

core::Error AmqpClient::serve(Session& session, std::stop_token stop) {
  while (!stop.stop_requested()) {
    std::deque<std::unique_ptr<Command>> batch;
    {
      std::lock_guard lock(mutex_);
      batch.swap(commands_);
    }
    for (auto& command : batch) execute(session, std::move(command));
    if (session.failure()) return *session.failure();

    // Sleep until the broker sends something, a caller queues a command, or the poll interval
    // passes (heartbeats and the stop request are looked at then).
    if (!session.has_buffered_frames()) {
      pollfd fds[2] = {{session.socket_fd(), POLLIN, 0}, {wake_.fd(), POLLIN, 0}};
      ::poll(fds, 2, static_cast<int>(kPollInterval.count()));
      if (fds[1].revents & POLLIN) wake_.drain();
    }
    auto event = session.poll(std::chrono::milliseconds(0));
    if (!event) return event.error();
    if (auto* in = std::get_if<Incoming>(&*event)) {
      if (in->tag > kTagMask) return core::Error::transient("delivery tags exhausted; reconnecting");
      ports::Delivery d{(generation_ << kTagBits) | in->tag, std::move(in->body), std::move(in->message_id),
                        in->redelivered};
      bool taken = false;
      {
        std::lock_guard lock(mutex_);
        if (consuming_) {
          deliveries_.push_back(std::move(d));
          taken = true;
        }
      }
      if (taken) {
        deliveries_changed_.notify_one();
      } else {
        (void)session.reject(in->tag, /*requeue=*/true);  // sent before our basic.cancel arrived
      }
    } else if (auto* c = std::get_if<Confirm>(&*event)) {
      confirm(c->seq, c->multiple, c->ack);
    }
  }
  return core::Error::transient("the AMQP client is closing");
}

void AmqpClient::execute(Session& session, std::unique_ptr<Command> command) {
  switch (command->kind) {
    case Command::Kind::Ack:
    case Command::Kind::Reject: {
      if ((command->tag >> kTagBits) != generation_) {
        command->done.set_value(core::fail(core::Error::transient(
            "delivery " + std::to_string(command->tag) +
            " came over a broker connection that has been lost; the broker delivers the message again")));
        return;
      }
      const uint64_t tag = command->tag & kTagMask;
      command->done.set_value(command->kind == Command::Kind::Ack ? session.ack(tag)
                                                                  : session.reject(tag, command->requeue));
      return;
    }
    case Command::Kind::StopConsuming:
      stop_consumer(session);
      command->done.set_value(session.failure() ? core::Status(core::fail(*session.failure())) : core::Status());
      return;
    case Command::Kind::Publish: {
      auto seq = session.publish(command->exchange, command->routing_key, command->body, command->message_id);
      if (!seq) {
        command->done.set_value(core::fail(seq.error()));
        return;
      }
      unconfirmed_.emplace(*seq, std::move(command));
      return;
    }
  }
}

void AmqpClient::confirm(uint64_t seq, bool multiple, bool ack) {
  const auto first = multiple ? unconfirmed_.begin() : unconfirmed_.find(seq);
  const auto last = multiple ? unconfirmed_.upper_bound(seq) : (first == unconfirmed_.end() ? first : std::next(first));
  for (auto it = first; it != last; ++it) {
    it->second->done.set_value(ack ? core::Status()
                                   : core::fail(core::Error::transient("RabbitMQ refused the message (basic.nack)")));
  }
  unconfirmed_.erase(first, last);
}

void AmqpClient::connection_ended(const core::Error& why) {
  std::deque<std::unique_ptr<Command>> stranded;
  {
    std::lock_guard lock(mutex_);
    connected_ = false;
    // The broker delivers these again on the next connection.
    deliveries_.clear();
    stranded.swap(commands_);
  }
  deliveries_changed_.notify_all();
  for (auto& command : stranded) {
    command->done.set_value(core::fail(core::Error::transient("connection to RabbitMQ lost: " + why.message)));
  }
  for (auto& [seq, command] : unconfirmed_) {
    command->done.set_value(core::fail(core::Error::transient(
        "connection to RabbitMQ lost before it confirmed the message: " + why.message)));
  }
  unconfirmed_.clear();
}

void AmqpClient::sleep_for(std::chrono::milliseconds d, std::stop_token stop) {
  std::unique_lock lock(mutex_);
  state_changed_.wait_for(lock, stop, d, [] { return false; });
}

}  // namespace ve::adapters::amqp
