// SPDX-License-Identifier: Apache-2.0
// Upload throughput and peak memory of S3BlobStore against the test server (s3rver behind the
// SigV4-verifying proxy, both on loopback): one 200 MB object (single PUT and multipart) and a
// DASH-like folder of 300 files of 300 KB with 1, 4 and 16 concurrent uploaders. Each scenario
// runs in a forked child so its peak RSS is its own. Prints figures; asserts nothing.
// Usage: s3_upload_bench [object MB (200)] [files (300)] [file KB (300)]
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <thread>
#include <vector>

#include "adapters/blob/s3_blob_store.hpp"
#include "support/s3_fixture.hpp"

namespace {

namespace fs = std::filesystem;
using ve::adapters::blob::S3BlobStore;
using ve::adapters::blob::S3Settings;

void write_random_file(const fs::path& path, uint64_t size) {
  std::mt19937_64 rng(size);
  std::vector<uint64_t> chunk(1 << 17);
  std::ofstream out(path, std::ios::binary);
  for (uint64_t left = size; left > 0;) {
    for (auto& w : chunk) w = rng();
    const auto n = static_cast<std::streamsize>(std::min<uint64_t>(left, chunk.size() * 8));
    out.write(reinterpret_cast<const char*>(chunk.data()), n);
    left -= static_cast<uint64_t>(n);
  }
}

// Uploads every file with `threads` uploaders sharing one store; false on the first failure.
bool upload_all(S3BlobStore& store, const std::vector<fs::path>& files, const std::string& prefix, int threads) {
  std::atomic<size_t> next{0};
  std::atomic<bool> ok{true};
  std::vector<std::jthread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      for (size_t i = next++; i < files.size() && ok; i = next++) {
        auto r = store.upload(files[i], "media", prefix + files[i].filename().string());
        if (!r) {
          std::fprintf(stderr, "upload failed: %s\n", r.error().message.c_str());
          ok = false;
        }
      }
    });
  }
  pool.clear();
  return ok;
}

template <typename F>
void scenario(const char* name, uint64_t bytes, F&& body) {
  std::fflush(stdout);
  const pid_t child = ::fork();
  if (child == 0) {
    const auto start = std::chrono::steady_clock::now();
    const bool ok = body();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("%-34s %8.2f s %9.1f MB/s", name, seconds, static_cast<double>(bytes) / 1e6 / seconds);
    if (!ok) std::printf("  FAILED");
    std::fflush(stdout);
    ::_exit(ok ? 0 : 1);
  }
  int status = 0;
  rusage usage{};
  ::wait4(child, &status, 0, &usage);
  std::printf("   peak RSS %5ld MB\n", usage.ru_maxrss / 1024);
}

}  // namespace

int main(int argc, char** argv) {
  const uint64_t object_mb = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 200;
  const int file_count = argc > 2 ? std::atoi(argv[2]) : 300;
  const uint64_t file_kb = argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 300;

  ve::testing::S3Server server;
  ve::testing::TempDir dir;
  const auto object = dir / "object.bin";
  write_random_file(object, object_mb << 20);
  fs::create_directories(dir / "dash");
  std::vector<fs::path> segments;
  for (int i = 0; i < file_count; ++i) {
    segments.push_back(dir / "dash" / ("segment-" + std::to_string(i) + ".m4s"));
    write_random_file(segments.back(), file_kb << 10);
  }
  S3Settings settings = server.settings();
  std::printf("S3 upload through s3rver + SigV4 proxy on loopback (%u cores)\n", std::thread::hardware_concurrency());

  const std::string single_name = std::to_string(object_mb) + " MB, single PUT";
  scenario(single_name.c_str(), object_mb << 20, [&] {
    S3Settings s = settings;
    s.multipart_threshold = 1ULL << 40;
    S3BlobStore store(s);
    return static_cast<bool>(store.upload(object, "media", "bench/single.bin"));
  });
  const std::string multi_name = std::to_string(object_mb) + " MB, multipart 16 MiB parts";
  scenario(multi_name.c_str(), object_mb << 20, [&] {
    S3BlobStore store(settings);
    return static_cast<bool>(store.upload(object, "media", "bench/multi.bin"));
  });
  for (int threads : {1, 4, 16}) {
    const std::string name = std::to_string(file_count) + " x " + std::to_string(file_kb) + " KB, " +
                             std::to_string(threads) + " uploaders";
    scenario(name.c_str(), static_cast<uint64_t>(file_count) * (file_kb << 10), [&] {
      S3BlobStore store(settings);
      return upload_all(store, segments, "bench/dash-" + std::to_string(threads) + "/", threads);
    });
  }
  return 0;
}
