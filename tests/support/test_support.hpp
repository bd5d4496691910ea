// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace ve::testing {

// A fresh folder under the system temp dir, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

// Runs a shell command line and captures what it prints.
CommandResult run(const std::string& command);

// Single-quotes a path or argument for the shell.
std::string quote(const std::string& s);

// A file of ../shared/media (absolute path).
std::filesystem::path shared_media(const std::string& name);
// A file of the repository's tests/data folder (name may hold a subfolder).
std::filesystem::path test_data(const std::string& name);

// Every .mp4 file of ../shared/media.
std::vector<std::filesystem::path> all_shared_media();

// Generates a media file with the ffmpeg CLI (an independent tool, used by tests only). Fails the
// calling test with ffmpeg's output when it cannot.
void ffmpeg_generate(const std::string& arguments, const std::filesystem::path& output);

// Per-stream MD5 of packet data and per-stream packet count, as ffmpeg and ffprobe read a file.
std::vector<std::string> stream_hashes(const std::filesystem::path& file);
std::vector<long> packet_counts(const std::filesystem::path& file);

// Copies `in` to `out` with the payload of some packets of its first video stream overwritten by
// pseudo-random bytes (the first 6 bytes of each kept: length prefix and NAL header), the container
// left intact, so a decoder meets damaged pictures. `pick` chooses by packet index (0-based, file
// order). Returns how many packets were garbled; fails the calling test when ffprobe cannot list them.
size_t garble_video_packets(const std::filesystem::path& in, const std::filesystem::path& out,
                            const std::function<bool(size_t index)>& pick);

// Joins files into one.
void concatenate(const std::vector<std::filesystem::path>& parts, const std::filesystem::path& out);

std::string read_text(const std::filesystem::path& file);
void write_bytes(const std::filesystem::path& file, const std::string& bytes);

// A TCP port on 127.0.0.1 that nothing listens on right now (bound to port 0, then released).
int free_local_port();

// Files directly inside a folder, by name.
std::vector<std::string> list_names(const std::filesystem::path& dir);

// The value, as written, of the sample `series` (its name and labels as rendered, e.g.
// `jobs_total{status="completed"}`) in a Prometheus text exposition; "absent" when there is none.
std::string metric_sample(const std::string& exposition, const std::string& series);

// Asks `condition` every `interval` until it holds or `timeout` passed; one last answer after the
// deadline.
bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout,
                std::chrono::milliseconds interval = std::chrono::milliseconds(100));

}  // namespace ve::testing
