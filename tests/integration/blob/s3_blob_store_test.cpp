// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include "core/storage_location.hpp"
#include <sys/resource.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <future>
#include <random>
#include <thread>

#include "adapters/blob/s3_blob_store.hpp"
#include "adapters/blob/s3_url.hpp"
#include "support/s3_fixture.hpp"

namespace ve::testing {
namespace {

namespace fs = std::filesystem;
using adapters::blob::S3BlobStore;
using adapters::blob::S3Settings;

// A file of `size` pseudo-random bytes, written 1 MiB at a time (never whole in memory).
void write_random_file(const fs::path& path, uint64_t size, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<uint64_t> chunk(1 << 17);
  std::ofstream out(path, std::ios::binary);
  for (uint64_t left = size; left > 0;) {
    for (auto& word : chunk) word = rng();
    const auto n = static_cast<std::streamsize>(std::min<uint64_t>(left, chunk.size() * 8));
    out.write(reinterpret_cast<const char*>(chunk.data()), n);
    left -= static_cast<uint64_t>(n);
  }
}

// FNV-1a over the file, read in 1 MiB chunks.
uint64_t file_hash(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<char> buffer(1 << 20);
  uint64_t h = 1469598103934665603ULL;
  while (in.read(buffer.data(), static_cast<std::streamsize>(buffer.size())) || in.gcount() > 0) {
    for (std::streamsize i = 0; i < in.gcount(); ++i) h = (h ^ static_cast<unsigned char>(buffer[i])) * 1099511628211ULL;
  }
  return h;
}

long peak_rss_mb() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024;
}

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr long kRssLimitMb = 400;  // sanitizer shadow memory and quarantine
#else
constexpr long kRssLimitMb = 100;
#endif

class S3BlobStoreTest : public ::testing::Test {
 protected:
  void round_trip(S3BlobStore& store, const std::string& key, uint64_t size) {
    const auto in = dir / "in.bin";
    const auto out = dir / "out" / "copy.bin";
    write_random_file(in, size, size);
    ASSERT_TRUE(store.upload(in, "media", key)) << store.upload(in, "media", key).error().message;
    uint64_t stored = 0;
    ASSERT_TRUE(store.head("media", key, &stored));
    EXPECT_EQ(stored, size);
    const auto got = store.download("media", key, out);
    ASSERT_TRUE(got) << got.error().message;
    EXPECT_EQ(fs::file_size(out), size);
    EXPECT_EQ(file_hash(out), file_hash(in));
    EXPECT_EQ(list_names(dir / "out"), std::vector<std::string>{"copy.bin"});  // no temp file left
  }

  S3Server server{{"media", "other"}};
  TempDir dir;
};

TEST(S3UrlTest, PathStyleVirtualHostedAndCanonicalQuery) {
  using adapters::blob::object_url;
  EXPECT_EQ(object_url("http://127.0.0.1:9000/", true, "media", "a b/ü+c.m4s"),
            "http://127.0.0.1:9000/media/a%20b/%C3%BC%2Bc.m4s");
  EXPECT_EQ(object_url("https://s3.eu-west-1.amazonaws.com", false, "media", "k"),
            "https://media.s3.eu-west-1.amazonaws.com/k");
  EXPECT_EQ(object_url("http://h", true, "b", "", {{"prefix", "a/b c"}, {"list-type", "2"}, {"uploads", ""}}),
            "http://h/b/?list-type=2&prefix=a%2Fb%20c&uploads=");
  EXPECT_STREQ(core::content_type_for("x/manifest.mpd"), "application/dash+xml");
}

TEST_F(S3BlobStoreTest, SmallObjectRoundTrip) {
  S3BlobStore store(server.settings());
  round_trip(store, "jobs/1/small.bin", 1000);
}

// The liveness probe's heartbeat during a download: the bytes received, told as they arrive.
TEST_F(S3BlobStoreTest, DownloadTellsTheBytesAsTheyArrive) {
  S3BlobStore store(server.settings());
  const uint64_t size = (3 << 20) + 5;
  write_random_file(dir / "in.bin", size, 3);
  ASSERT_TRUE(store.upload(dir / "in.bin", "media", "in/big.bin"));
  std::vector<uint64_t> told;
  auto ok = store.download("media", "in/big.bin", dir / "out.bin", {}, [&](uint64_t bytes) { told.push_back(bytes); });
  ASSERT_TRUE(ok) << ok.error().message;
  ASSERT_GT(told.size(), 3u) << "a 3 MiB object arrives in several pieces";
  EXPECT_TRUE(std::is_sorted(told.begin(), told.end()));
  EXPECT_EQ(told.back(), size);
  EXPECT_EQ(fs::file_size(dir / "out.bin"), size);
}

// Pieces of an object as /outputs serves them: a range inside, one across the end, one past it,
// and at most kMaxReadLength per read.
TEST_F(S3BlobStoreTest, ReadsRangesOfAnObject) {
  S3BlobStore store(server.settings());
  const auto in = dir / "in.bin";
  const uint64_t size = 700 * 1024 + 3;
  write_random_file(in, size, 7);
  ASSERT_TRUE(store.upload(in, "media", "p/seg.m4s"));
  std::ifstream file(in, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(file)), {});
  auto inside = store.read("media", "p/seg.m4s", 1000, 5000);
  ASSERT_TRUE(inside) << inside.error().message;
  EXPECT_TRUE(*inside == bytes.substr(1000, 5000));
  auto capped = store.read("media", "p/seg.m4s", 0, size);
  ASSERT_TRUE(capped) << capped.error().message;
  EXPECT_EQ(capped->size(), ports::BlobStore::kMaxReadLength);
  EXPECT_TRUE(*capped == bytes.substr(0, ports::BlobStore::kMaxReadLength));
  auto tail = store.read("media", "p/seg.m4s", size - 10, 100);
  ASSERT_TRUE(tail) << tail.error().message;
  EXPECT_TRUE(*tail == bytes.substr(size - 10));
  auto past = store.read("media", "p/seg.m4s", size + 5, 100);
  ASSERT_TRUE(past) << past.error().message;
  EXPECT_TRUE(past->empty());
  auto missing = store.read("media", "p/none.m4s", 0, 10);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().kind, core::ErrorKind::NotFound);
}

TEST_F(S3BlobStoreTest, EmptyObjectRoundTrip) {
  S3BlobStore store(server.settings());
  round_trip(store, "empty.bin", 0);
}

// 200 MB through a single streamed PUT, then through multipart; memory stays flat.
TEST_F(S3BlobStoreTest, LargeObjectsStreamWithFlatMemory) {
  auto settings = server.settings();
  settings.multipart_threshold = 1ULL << 40;
  S3BlobStore single(settings);
  round_trip(single, "large/single.bin", 200ULL << 20);
  S3BlobStore multi(server.settings());
  round_trip(multi, "large/multi.bin", 200ULL << 20);
  EXPECT_EQ(server.pending_multipart_uploads("media"), 0u);
  EXPECT_LT(peak_rss_mb(), kRssLimitMb) << "peak RSS " << peak_rss_mb() << " MB";
}

TEST_F(S3BlobStoreTest, ForcedMultipartRoundTrip) {
  auto settings = server.settings();
  settings.multipart_threshold = 1 << 20;
  settings.part_size = 1 << 20;  // clamped to 8 MiB: 20 MiB + 5 bytes -> 3 parts
  S3BlobStore store(settings);
  round_trip(store, "multi/forced.mp4", (20ULL << 20) + 5);
  EXPECT_EQ(server.pending_multipart_uploads("media"), 0u);
}

TEST_F(S3BlobStoreTest, FailedMultipartIsAbortedWithoutLeftoverParts) {
  auto settings = server.settings();
  settings.multipart_threshold = 1 << 20;
  settings.max_attempts = 2;
  S3BlobStore store(settings);
  write_random_file(dir / "in.bin", 20 << 20, 7);
  // The proxy fails part 2 of this key every time.
  const auto r = store.upload(dir / "in.bin", "media", "multi/inject-part-failure.bin");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, core::ErrorKind::Transient) << r.error().message;
  EXPECT_EQ(server.pending_multipart_uploads("media"), 0u);
  EXPECT_EQ(store.head("media", "multi/inject-part-failure.bin", nullptr).error().kind, core::ErrorKind::NotFound);
}

TEST_F(S3BlobStoreTest, ListingFollowsContinuationTokens) {
  S3BlobStore store(server.settings());
  write_bytes(dir / "tiny", "x");
  constexpr int kKeys = 1100;
  std::vector<std::future<bool>> workers;
  for (int w = 0; w < 8; ++w) {
    workers.push_back(std::async(std::launch::async, [&, w] {
      for (int i = w; i < kKeys; i += 8) {
        if (!store.upload(dir / "tiny", "media", "many/" + std::to_string(10000 + i) + ".m4s")) return false;
      }
      return true;
    }));
  }
  for (auto& w : workers) ASSERT_TRUE(w.get());
  ASSERT_TRUE(store.upload(dir / "tiny", "media", "manyother.bin"));
  const auto keys = store.list("media", "many/");
  ASSERT_TRUE(keys) << keys.error().message;
  ASSERT_EQ(keys->size(), static_cast<size_t>(kKeys));
  EXPECT_EQ(keys->front(), "many/10000.m4s");
  EXPECT_EQ(keys->back(), "many/" + std::to_string(10000 + kKeys - 1) + ".m4s");
  EXPECT_TRUE(std::is_sorted(keys->begin(), keys->end()));
}

TEST_F(S3BlobStoreTest, MissingObjectIsNotFound) {
  S3BlobStore store(server.settings());
  const auto r = store.download("media", "nope/missing.mp4", dir / "got" / "x.mp4");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, core::ErrorKind::NotFound);
  EXPECT_EQ(r.error().message, "input not found: media/nope/missing.mp4");
  EXPECT_TRUE(list_names(dir / "got").empty());
}

// A download the server holds (no byte moves) ends soon after a stop is requested, as Transient,
// without a retry and without leaving a partial file.
TEST_F(S3BlobStoreTest, AHeldDownloadEndsWhenCancelled) {
  S3BlobStore store(server.settings());
  write_bytes(dir / "f", std::string(100000, 'v'));
  ASSERT_TRUE(store.upload(dir / "f", "media", "held.mp4"));
  server.hold_downloads(true);
  std::stop_source stop;
  auto download = std::async(std::launch::async,
                             [&] { return store.download("media", "held.mp4", dir / "got" / "x.mp4", stop.get_token()); });
  EXPECT_EQ(download.wait_for(std::chrono::seconds(2)), std::future_status::timeout) << "the hold did not hold";
  stop.request_stop();
  ASSERT_EQ(download.wait_for(std::chrono::seconds(10)), std::future_status::ready) << "not cancelled";
  const auto r = download.get();
  server.hold_downloads(false);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, core::ErrorKind::Transient);
  EXPECT_EQ(r.error().message, "S3 download media/held.mp4 cancelled after 0 bytes");
  EXPECT_TRUE(list_names(dir / "got").empty());
  ASSERT_TRUE(store.download("media", "held.mp4", dir / "got" / "x.mp4"));  // released: the same store still works
  EXPECT_EQ(fs::file_size(dir / "got" / "x.mp4"), 100000u);
}

TEST_F(S3BlobStoreTest, RemoveDeletesAndAMissingObjectIsNoError) {
  S3BlobStore store(server.settings());
  write_bytes(dir / "f", "segment");
  ASSERT_TRUE(store.upload(dir / "f", "media", "v/seg-1.m4s"));
  ASSERT_TRUE(store.upload(dir / "f", "media", "v/seg-2.m4s"));
  const auto removed = store.remove("media", "v/seg-1.m4s");
  ASSERT_TRUE(removed) << removed.error().message;
  EXPECT_EQ(store.download("media", "v/seg-1.m4s", dir / "x").error().kind, core::ErrorKind::NotFound);
  EXPECT_EQ(*store.list("media", "v/"), std::vector<std::string>{"v/seg-2.m4s"});
  EXPECT_TRUE(store.remove("media", "v/seg-1.m4s"));  // again: no error
  EXPECT_EQ(store.remove("media", "../x").error().kind, core::ErrorKind::InvalidInput);
}

TEST_F(S3BlobStoreTest, UnknownAccessKeyIsReportedWithoutTheSecret) {
  auto settings = server.settings();
  settings.access_key_id = "nobody";
  settings.secret_access_key = "super-secret-value";
  S3BlobStore store(settings);
  write_bytes(dir / "f", "abc");
  const auto r = store.upload(dir / "f", "media", "f.bin");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, core::ErrorKind::Internal);
  EXPECT_NE(r.error().message.find("credentials were rejected (InvalidAccessKeyId)"), std::string::npos)
      << r.error().message;
  EXPECT_EQ(r.error().message.find("super-secret-value"), std::string::npos);
}

TEST_F(S3BlobStoreTest, WrongSecretFailsTheProxysSignatureCheck) {
  auto settings = server.settings();
  settings.secret_access_key += "-corrupted";
  S3BlobStore store(settings);
  const auto r = store.download("media", "any.mp4", dir / "x");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("credentials were rejected (SignatureDoesNotMatch)"), std::string::npos)
      << r.error().message;
  EXPECT_EQ(r.error().message.find(settings.secret_access_key), std::string::npos);
}

TEST_F(S3BlobStoreTest, KeysAreEncodedPerSegment) {
  S3BlobStore store(server.settings());
  write_bytes(dir / "f", "odd keys");
  const std::vector<std::string> keys = {"with space/a b.mp4", "ünïcødé/日本語.m4s", "plus+sign/a+b=c&d;e,f(1)~.mpd",
                                         "percent%20literal/x'y.bin"};
  for (const auto& key : keys) {
    ASSERT_TRUE(store.upload(dir / "f", "media", key)) << key;
    ASSERT_TRUE(store.download("media", key, dir / "g")) << key;
    EXPECT_EQ(read_text(dir / "g"), "odd keys") << key;
  }
  auto listed = store.list("media", "");
  ASSERT_TRUE(listed) << listed.error().message;
  auto expected = keys;
  std::sort(expected.begin(), expected.end());
  std::sort(listed->begin(), listed->end());
  EXPECT_EQ(*listed, expected);
}

TEST_F(S3BlobStoreTest, ContentTypesFollowTheExtension) {
  S3BlobStore store(server.settings());
  write_bytes(dir / "f", "x");
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"p/manifest.mpd", "application/dash+xml"}, {"p/seg-1.m4s", "video/iso.segment"},
      {"p/init.mp4", "video/mp4"},                {"p/list.m3u8", "application/vnd.apple.mpegurl"},
      {"p/seg-text2-00001.vtt", "text/vtt"},      {"p/poster.jpg", "image/jpeg"},
      {"p/other.dat", "application/octet-stream"}};
  for (const auto& [key, type] : cases) {
    ASSERT_TRUE(store.upload(dir / "f", "media", key));
    const auto r = server.curl("-o /dev/null -w '%{content_type}' " + quote(server.endpoint() + "/media/" + key));
    EXPECT_EQ(r.output, type) << key;
  }
}

TEST_F(S3BlobStoreTest, OutageIsTransientAfterRetries) {
  S3BlobStore store(server.settings());
  server.stop();
  const auto r = store.download("media", "a.mp4", dir / "a.mp4");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, core::ErrorKind::Transient) << r.error().message;
  EXPECT_NE(r.error().message.find("after 4 attempts"), std::string::npos) << r.error().message;
  EXPECT_FALSE(fs::exists(dir / "a.mp4"));
}

// The server goes away during a 100 MB upload and comes back: the upload either succeeds through
// retries with the exact bytes stored, or fails as Transient; never a short object reported done.
TEST_F(S3BlobStoreTest, ServerRestartMidUploadNeverStoresACorruptObject) {
  for (const bool multipart : {false, true}) {
    auto settings = server.settings();
    settings.max_attempts = 10;  // the restart takes a few seconds; backoff is capped at 20 s
    settings.base_backoff = std::chrono::milliseconds(300);
    if (!multipart) settings.multipart_threshold = 1ULL << 40;
    S3BlobStore store(settings);
    const std::string key = multipart ? "restart/multi.bin" : "restart/single.bin";
    write_random_file(dir / "in.bin", 100 << 20, 3);
    auto upload = std::async(std::launch::async, [&] { return store.upload(dir / "in.bin", "media", key); });
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    server.stop();
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    server.start();
    const auto r = upload.get();
    if (r) {
      ASSERT_TRUE(store.download("media", key, dir / "out.bin"));
      EXPECT_EQ(file_hash(dir / "out.bin"), file_hash(dir / "in.bin")) << key;
    } else {
      EXPECT_EQ(r.error().kind, core::ErrorKind::Transient) << r.error().message;
      EXPECT_EQ(store.head("media", key, nullptr).error().kind, core::ErrorKind::NotFound);
    }
  }
}

TEST_F(S3BlobStoreTest, ConcurrentUploadsFromEightThreads) {
  auto settings = server.settings();
  settings.multipart_threshold = 9 << 20;
  S3BlobStore store(settings);
  write_random_file(dir / "small", 300 << 10, 1);
  write_random_file(dir / "big", 12 << 20, 2);  // multipart: 8 MiB + 4 MiB
  std::vector<std::future<std::string>> workers;
  for (int t = 0; t < 8; ++t) {
    workers.push_back(std::async(std::launch::async, [&, t]() -> std::string {
      for (int i = 0; i < 6; ++i) {
        const auto from = i == 0 ? dir / "big" : dir / "small";
        const auto r = store.upload(from, "media", "c/" + std::to_string(t) + "/" + std::to_string(i) + ".m4s");
        if (!r) return r.error().message;
      }
      return "";
    }));
  }
  for (auto& w : workers) EXPECT_EQ(w.get(), "");
  const auto keys = store.list("media", "c/");
  ASSERT_TRUE(keys);
  EXPECT_EQ(keys->size(), 48u);
  ASSERT_TRUE(store.download("media", "c/5/0.m4s", dir / "got"));
  EXPECT_EQ(file_hash(dir / "got"), file_hash(dir / "big"));
}

}  // namespace
}  // namespace ve::testing
