// SPDX-License-Identifier: Apache-2.0
#include "adapters/blob/gcs/gcs_blob_store.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <future>
#include <random>
#include <thread>

#include "fake_gcs_server.hpp"
#include "support/test_support.hpp"

namespace ve::adapters::blob::gcs {
namespace {

using ve::testing::read_text;
using ve::testing::write_bytes;

constexpr std::size_t kKiB = 1024;

std::string random_bytes(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

class GcsBlobStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { fake_ = std::make_unique<ve::testing::FakeGcs>(dir_.path()); }
  void TearDown() override {
    const auto stats = fake_->stats();
    EXPECT_TRUE(stats["violations"].empty()) << stats["violations"].dump(2);
  }

  GcsSettings settings() const {
    GcsSettings s;
    s.credentials_file = fake_->key_file();
    s.api_endpoint = fake_->endpoint();
    s.base_backoff = std::chrono::milliseconds(5);
    s.chunk_bytes = 256 * kKiB;
    return s;
  }
  std::unique_ptr<GcsBlobStore> make(GcsSettings s) {
    auto store = GcsBlobStore::create(std::move(s));
    EXPECT_TRUE(store) << store.error().message;
    return store ? std::move(*store) : nullptr;
  }
  std::unique_ptr<GcsBlobStore> make() { return make(settings()); }

  // Uploads `bytes` as bucket/key and checks what the fake stored.
  void upload_and_check(GcsBlobStore& store, const std::string& key, const std::string& bytes,
                        const std::string& content_type = "") {
    const auto file = dir_ / ("src-" + std::to_string(std::hash<std::string>{}(key)));
    write_bytes(file, bytes);
    auto ok = store.upload(file, "out-bucket", key);
    ASSERT_TRUE(ok) << ok.error().message;
    const auto stored = fake_->object("out-bucket", key);
    ASSERT_TRUE(stored) << key;
    EXPECT_EQ(stored->bytes.size(), bytes.size());
    EXPECT_TRUE(stored->bytes == bytes) << key;
    if (!content_type.empty()) {
      EXPECT_EQ(stored->content_type, content_type) << key;
    }
  }

  ve::testing::TempDir dir_;
  std::unique_ptr<ve::testing::FakeGcs> fake_;
};

TEST_F(GcsBlobStoreTest, DownloadRoundTripWithAnEncodedName) {
  const std::string key = "in/sub dir/video+1 é.mp4";
  const std::string bytes = random_bytes(3 * 1024 * kKiB + 17, 1);
  fake_->put_object("in-bucket", key, bytes);
  auto store = make();
  const auto to = dir_ / "work" / "input.mp4";
  auto ok = store->download("in-bucket", key, to);
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_TRUE(read_text(to) == bytes);
  EXPECT_EQ(ve::testing::list_names(dir_ / "work"), std::vector<std::string>{"input.mp4"});  // no temp file left
}

TEST_F(GcsBlobStoreTest, DownloadTellsTheBytesAsTheyArrive) {
  const std::string bytes = random_bytes(3 * 1024 * kKiB + 5, 2);
  fake_->put_object("in-bucket", "in/big.mp4", bytes);
  auto store = make();
  std::vector<uint64_t> told;
  auto ok = store->download("in-bucket", "in/big.mp4", dir_ / "work" / "input.mp4", {},
                            [&](uint64_t n) { told.push_back(n); });
  ASSERT_TRUE(ok) << ok.error().message;
  ASSERT_GT(told.size(), 3u) << "a 3 MiB object arrives in several pieces";
  EXPECT_TRUE(std::is_sorted(told.begin(), told.end()));
  EXPECT_EQ(told.back(), bytes.size());
}

TEST_F(GcsBlobStoreTest, MissingObjectIsNotFound) {
  auto store = make();
  const auto to = dir_ / "work" / "input.mp4";
  auto ok = store->download("in-bucket", "videos/missing.mp4", to);
  ASSERT_FALSE(ok);
  EXPECT_EQ(ok.error().kind, core::ErrorKind::NotFound);
  EXPECT_EQ(ok.error().message, "input not found: in-bucket/videos/missing.mp4");
  EXPECT_TRUE(ve::testing::list_names(dir_ / "work").empty());
}

// What GET /outputs streams from a GCS bucket: pieces by ranged GETs, never the whole object.
TEST_F(GcsBlobStoreTest, ReadsRangesOfAnObject) {
  const uint64_t size = 700 * kKiB + 3;
  const std::string bytes = random_bytes(size, 7);
  fake_->put_object("out-bucket", "video/seg 1.m4s", bytes);
  auto store = make();
  auto inside = store->read("out-bucket", "video/seg 1.m4s", 1000, 5000);
  ASSERT_TRUE(inside) << inside.error().message;
  EXPECT_TRUE(*inside == bytes.substr(1000, 5000));
  auto capped = store->read("out-bucket", "video/seg 1.m4s", 0, size);
  ASSERT_TRUE(capped) << capped.error().message;
  EXPECT_EQ(capped->size(), ports::BlobStore::kMaxReadLength);
  EXPECT_TRUE(*capped == bytes.substr(0, ports::BlobStore::kMaxReadLength));
  auto tail = store->read("out-bucket", "video/seg 1.m4s", size - 10, 100);
  ASSERT_TRUE(tail) << tail.error().message;
  EXPECT_TRUE(*tail == bytes.substr(size - 10));
  auto past = store->read("out-bucket", "video/seg 1.m4s", size + 5, 100);
  ASSERT_TRUE(past) << past.error().message;
  EXPECT_TRUE(past->empty());
  auto missing = store->read("out-bucket", "video/none.m4s", 0, 10);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().kind, core::ErrorKind::NotFound);
  const auto stats = fake_->stats();
  EXPECT_EQ(stats["ranged_gets"], 4) << stats.dump();  // each read one ranged GET, the last one 416
  EXPECT_EQ(stats["media_gets"], 4) << stats.dump();
}

TEST_F(GcsBlobStoreTest, UnsafeKeysAndBucketsAreInvalidInput) {
  auto store = make();
  for (const auto& [bucket, key] : std::vector<std::pair<std::string, std::string>>{
           {"in-bucket", "../etc/passwd"}, {"in-bucket", "/abs.mp4"}, {"Bad_Bucket!", "a.mp4"}, {"in/b", "a.mp4"}}) {
    auto ok = store->download(bucket, key, dir_ / "x");
    ASSERT_FALSE(ok) << bucket << "/" << key;
    EXPECT_EQ(ok.error().kind, core::ErrorKind::InvalidInput);
  }
  EXPECT_EQ(fake_->stats()["api_requests"], 0);
}

TEST_F(GcsBlobStoreTest, UploadSmallObject) {
  auto store = make();
  upload_and_check(*store, "out/manifest.mpd", "<MPD/>", "application/dash+xml");
  EXPECT_EQ(fake_->stats()["chunk_puts"], 1);
  EXPECT_EQ(fake_->object("out-bucket", "out/manifest.mpd")->acl, "none");
}

TEST_F(GcsBlobStoreTest, UploadEmptyObject) {
  auto store = make();
  upload_and_check(*store, "out/empty.bin", "");
}

TEST_F(GcsBlobStoreTest, UploadMultiChunkObject) {
  auto store = make();  // 256 KiB chunks: 5 full ones and a short one
  upload_and_check(*store, "out/video/seg-1.m4s", random_bytes(5 * 256 * kKiB + 1000, 2), "video/iso.segment");
  EXPECT_EQ(fake_->stats()["chunk_puts"], 6);
}

TEST_F(GcsBlobStoreTest, UploadWithDefaultEightMebibyteChunks) {
  auto s = settings();
  s.chunk_bytes = GcsSettings{}.chunk_bytes;
  auto store = make(s);
  upload_and_check(*store, "out/big.mp4", random_bytes(2 * 8 * 1024 * kKiB + 12345, 3), "video/mp4");
  EXPECT_EQ(fake_->stats()["chunk_puts"], 3);
}

TEST_F(GcsBlobStoreTest, ContentTypesByExtension) {
  auto store = make();
  upload_and_check(*store, "p/manifest.mpd", "m", "application/dash+xml");
  upload_and_check(*store, "p/v/seg-1.m4s", "s", "video/iso.segment");
  upload_and_check(*store, "p/v/init.mp4", "i", "video/mp4");
  upload_and_check(*store, "p/index.m3u8", "h", "application/vnd.apple.mpegurl");
  upload_and_check(*store, "p/notes.txt", "t", "application/octet-stream");
  upload_and_check(*store, "p/noext", "n", "application/octet-stream");
}

TEST_F(GcsBlobStoreTest, PublicReadAclOnlyWhenAsked) {
  auto s = settings();
  s.public_read = true;
  auto store = make(s);
  upload_and_check(*store, "pub/manifest.mpd", "<MPD/>");
  EXPECT_EQ(fake_->object("out-bucket", "pub/manifest.mpd")->acl, "publicRead");
}

TEST_F(GcsBlobStoreTest, TokenIsCachedAndConnectionsReused) {
  auto store = make();
  fake_->put_object("in-bucket", "a.mp4", "abc");
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(store->download("in-bucket", "a.mp4", dir_ / "a.mp4"));
    upload_and_check(*store, "o" + std::to_string(i) + ".m4s", "x");
  }
  const auto stats = fake_->stats();
  EXPECT_EQ(stats["token_requests"], 1);
  // Token endpoint, API and test controls share one host here, so one connection serves all.
  EXPECT_LE(stats["connections"].get<int>(), 2) << stats.dump();
}

TEST_F(GcsBlobStoreTest, TokenIsRenewedBeforeItExpires) {
  fake_->control("expires_in", {{"seconds", 2}});  // renewed halfway, after 1 s
  auto store = make();
  fake_->put_object("in-bucket", "a.mp4", "abc");
  ASSERT_TRUE(store->download("in-bucket", "a.mp4", dir_ / "a.mp4"));
  ASSERT_TRUE(store->download("in-bucket", "a.mp4", dir_ / "a.mp4"));
  EXPECT_EQ(fake_->stats()["token_requests"], 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  ASSERT_TRUE(store->download("in-bucket", "a.mp4", dir_ / "a.mp4"));
  const auto stats = fake_->stats();
  EXPECT_EQ(stats["token_requests"], 2);
  EXPECT_EQ(stats["unauthorized"], 0);  // renewed before the server refused it
}

TEST_F(GcsBlobStoreTest, RevokedTokenIsRenewedOnceOn401) {
  auto store = make();
  fake_->put_object("in-bucket", "a.mp4", "abc");
  ASSERT_TRUE(store->download("in-bucket", "a.mp4", dir_ / "a.mp4"));
  fake_->control("revoke_tokens");
  auto ok = store->download("in-bucket", "a.mp4", dir_ / "a.mp4");
  ASSERT_TRUE(ok) << ok.error().message;
  const auto stats = fake_->stats();
  EXPECT_EQ(stats["token_requests"], 2);
  EXPECT_EQ(stats["unauthorized"], 1);
}

TEST_F(GcsBlobStoreTest, RetriesOn503ThenSucceeds) {
  auto store = make();
  fake_->put_object("in-bucket", "a.mp4", "abc");
  fake_->control("fail", {{"count", 3}, {"status", 503}});
  auto ok = store->download("in-bucket", "a.mp4", dir_ / "a.mp4");
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(read_text(dir_ / "a.mp4"), "abc");
  fake_->control("fail", {{"count", 2}, {"status", 429}});
  upload_and_check(*store, "o.mpd", "<MPD/>");
  EXPECT_EQ(fake_->stats()["failed_injected"], 5);
}

TEST_F(GcsBlobStoreTest, RemoveDeletesRetriesAndAMissingObjectIsNoError) {
  auto store = make();
  fake_->put_object("out-bucket", "v/sub dir/seg 1.m4s", "segment");
  fake_->control("fail", {{"count", 1}, {"status", 503}});
  const auto removed = store->remove("out-bucket", "v/sub dir/seg 1.m4s");
  ASSERT_TRUE(removed) << removed.error().message;
  EXPECT_FALSE(fake_->object("out-bucket", "v/sub dir/seg 1.m4s"));
  EXPECT_TRUE(store->remove("out-bucket", "v/sub dir/seg 1.m4s"));  // 404 now: no error
  const auto stats = fake_->stats();
  EXPECT_EQ(stats["deletes"], 1);
  EXPECT_EQ(stats["failed_injected"], 1);
}

// An outage's backoff between attempts ends as soon as a stop is requested: Transient, nothing left.
TEST_F(GcsBlobStoreTest, ACancelledDownloadStopsRetrying) {
  auto s = settings();
  s.max_attempts = 1000;
  s.base_backoff = std::chrono::seconds(60);  // each wait up to the 30 s cap: minutes in all
  auto store = make(s);
  fake_->put_object("in-bucket", "a.mp4", "abc");
  fake_->control("fail", {{"count", 1000}, {"status", 503}});
  std::stop_source stop;
  auto download = std::async(std::launch::async,
                             [&] { return store->download("in-bucket", "a.mp4", dir_ / "got" / "a.mp4", stop.get_token()); });
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  stop.request_stop();
  ASSERT_EQ(download.wait_for(std::chrono::seconds(10)), std::future_status::ready) << "still retrying";
  const auto r = download.get();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, core::ErrorKind::Transient);
  EXPECT_EQ(r.error().message, "downloading gs://in-bucket/a.mp4: cancelled");
  EXPECT_TRUE(ve::testing::list_names(dir_ / "got").empty());
  EXPECT_GE(fake_->stats()["failed_injected"], 1);
}

TEST_F(GcsBlobStoreTest, UploadResumesAfterAFailedChunk) {
  auto store = make();
  // The start and the first chunk pass; the second chunk gets a 503, then a status query.
  fake_->control("fail", {{"count", 1}, {"status", 503}, {"after", 2}});
  upload_and_check(*store, "out/seg.m4s", random_bytes(4 * 256 * kKiB + 5, 4));
  const auto stats = fake_->stats();
  EXPECT_EQ(stats["failed_injected"], 1);
  EXPECT_EQ(stats["status_queries"], 1);
  EXPECT_EQ(stats["chunk_puts"], 5);  // no chunk sent twice
}

TEST_F(GcsBlobStoreTest, GivesUpAfterMaxAttemptsAsTransient) {
  auto s = settings();
  s.max_attempts = 3;
  auto store = make(s);
  fake_->control("fail", {{"count", 100}, {"status", 503}});
  auto ok = store->download("in-bucket", "a.mp4", dir_ / "a.mp4");
  ASSERT_FALSE(ok);
  EXPECT_EQ(ok.error().kind, core::ErrorKind::Transient);
  EXPECT_NE(ok.error().message.find("gave up after 3 attempts"), std::string::npos) << ok.error().message;
  EXPECT_EQ(fake_->stats()["failed_injected"], 3);
}

TEST_F(GcsBlobStoreTest, OtherClientErrorsAreNotRetried) {
  auto store = make();
  fake_->control("fail", {{"count", 100}, {"status", 403}});
  auto ok = store->download("in-bucket", "a.mp4", dir_ / "a.mp4");
  ASSERT_FALSE(ok);
  EXPECT_EQ(ok.error().kind, core::ErrorKind::Internal);
  EXPECT_NE(ok.error().message.find("permission denied"), std::string::npos) << ok.error().message;
  EXPECT_EQ(fake_->stats()["failed_injected"], 1);
}

TEST_F(GcsBlobStoreTest, RejectedCredentialsSayWhatToDoWithoutSecrets) {
  fake_->control("reject_credentials");
  auto store = make();
  auto ok = store->download("in-bucket", "a.mp4", dir_ / "a.mp4");
  ASSERT_FALSE(ok);
  const std::string& m = ok.error().message;
  EXPECT_EQ(ok.error().kind, core::ErrorKind::Internal);
  EXPECT_NE(m.find("service account credentials were rejected"), std::string::npos) << m;
  EXPECT_NE(m.find("invalid_grant"), std::string::npos) << m;
  EXPECT_NE(m.find(fake_->key_file().string()), std::string::npos) << m;
  EXPECT_EQ(m.find("PRIVATE KEY"), std::string::npos) << m;
  EXPECT_EQ(m.find("assertion"), std::string::npos) << m;
  EXPECT_EQ(m.find("eyJ"), std::string::npos) << m;  // no JWT (base64url of '{"')
  EXPECT_EQ(fake_->stats()["token_requests"], 1);     // not retried
}

TEST_F(GcsBlobStoreTest, MalformedKeyFileFailsCreate) {
  write_bytes(dir_ / "bad.json", R"({"type": "service_account", "client_email": "x@y", "token_uri": "https://t"})");
  auto s = settings();
  s.credentials_file = dir_ / "bad.json";
  auto store = GcsBlobStore::create(s);
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().kind, core::ErrorKind::InvalidInput);
  EXPECT_NE(store.error().message.find("service account key " + (dir_ / "bad.json").string() +
                                       ": missing field \"private_key\""),
            std::string::npos)
      << store.error().message;
}

TEST_F(GcsBlobStoreTest, EightThreadsUploadAtOnce) {
  auto store = make();
  std::vector<std::string> payloads;
  for (unsigned i = 0; i < 8; ++i) payloads.push_back(random_bytes(3 * 256 * kKiB + i * 1000, 10 + i));
  for (unsigned i = 0; i < 8; ++i) write_bytes(dir_ / ("p" + std::to_string(i)), payloads[i]);
  fake_->control("fail", {{"count", 4}, {"status", 503}, {"after", 6}});
  std::vector<core::Status> results(8 * 3);
  {
    std::vector<std::jthread> threads;
    for (unsigned t = 0; t < 8; ++t) {
      threads.emplace_back([&, t] {
        for (unsigned j = 0; j < 3; ++j) {
          results[t * 3 + j] = store->upload(dir_ / ("p" + std::to_string(t)), "out-bucket",
                                             "t" + std::to_string(t) + "/seg-" + std::to_string(j) + ".m4s");
        }
      });
    }
  }
  for (const auto& r : results) ASSERT_TRUE(r) << r.error().message;
  for (unsigned t = 0; t < 8; ++t) {
    for (unsigned j = 0; j < 3; ++j) {
      const auto stored = fake_->object("out-bucket", "t" + std::to_string(t) + "/seg-" + std::to_string(j) + ".m4s");
      ASSERT_TRUE(stored);
      EXPECT_TRUE(stored->bytes == payloads[t]);
    }
  }
  EXPECT_EQ(fake_->stats()["token_requests"], 1);
}

}  // namespace
}  // namespace ve::adapters::blob::gcs
