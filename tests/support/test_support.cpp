// SPDX-License-Identifier: Apache-2.0
#include "support/test_support.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

namespace ve::testing {

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "ve-test-XXXXXX").string();
  if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

CommandResult run(const std::string& command) {
  CommandResult r;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return r;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) r.output.append(buf, n);
  const int status = ::pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::filesystem::path shared_media(const std::string& name) {
  return std::filesystem::path(VE_SHARED_MEDIA_DIR) / name;
}

std::filesystem::path test_data(const std::string& name) { return std::filesystem::path(VE_TEST_DATA_DIR) / name; }

std::vector<std::filesystem::path> all_shared_media() {
  std::vector<std::filesystem::path> out;
  for (const auto& e : std::filesystem::directory_iterator(VE_SHARED_MEDIA_DIR)) {
    if (e.path().extension() == ".mp4") out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

void ffmpeg_generate(const std::string& arguments, const std::filesystem::path& output) {
  const auto r = run("ffmpeg -nostdin -hide_banner -v error -y " + arguments + " " + quote(output.string()));
  ASSERT_EQ(r.exit_code, 0) << "ffmpeg " << arguments << "\n" << r.output;
}

std::vector<std::string> stream_hashes(const std::filesystem::path& file) {
  const auto r = run("ffmpeg -nostdin -v error -i " + quote(file.string()) +
                     " -map 0 -c copy -f streamhash -hash md5 -");
  std::vector<std::string> out;
  std::istringstream lines(r.output);
  for (std::string line; std::getline(lines, line);) {
    if (line.find("MD5=") != std::string::npos) out.push_back(line.substr(line.find("MD5=")));
  }
  return out;
}

std::vector<long> packet_counts(const std::filesystem::path& file) {
  const auto r = run("ffprobe -v error -count_packets -show_entries stream=nb_read_packets -of csv=p=0 " +
                     quote(file.string()));
  std::vector<long> out;
  std::istringstream lines(r.output);
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty() && std::isdigit(static_cast<unsigned char>(line[0]))) out.push_back(std::stol(line));
  }
  return out;
}

size_t garble_video_packets(const std::filesystem::path& in, const std::filesystem::path& out,
                            const std::function<bool(size_t index)>& pick) {
  const auto r = run("ffprobe -v error -select_streams v:0 -show_entries packet=size,pos -of compact=p=0 " +
                     quote(in.string()));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  std::string bytes = read_text(in);
  uint32_t x = 2718;
  size_t index = 0, garbled = 0;
  std::istringstream lines(r.output);
  for (std::string line; std::getline(lines, line); ++index) {
    // "size=8656|pos=48"
    const auto size_at = line.find("size="), pos_at = line.find("pos=");
    if (size_at == std::string::npos || pos_at == std::string::npos) {
      ADD_FAILURE() << "unexpected ffprobe line: " << line;
      return garbled;
    }
    const size_t size = std::stoul(line.substr(size_at + 5)), pos = std::stoul(line.substr(pos_at + 4));
    if (!pick(index) || size <= 6 || pos + size > bytes.size()) continue;
    for (size_t k = pos + 6; k < pos + size; ++k) bytes[k] = static_cast<char>((x = x * 1103515245 + 12345) >> 24);
    ++garbled;
  }
  write_bytes(out, bytes);
  return garbled;
}

void concatenate(const std::vector<std::filesystem::path>& parts, const std::filesystem::path& out) {
  std::ofstream o(out, std::ios::binary);
  for (const auto& p : parts) {
    std::ifstream i(p, std::ios::binary);
    o << i.rdbuf();
  }
}

std::string read_text(const std::filesystem::path& file) {
  std::ifstream i(file, std::ios::binary);
  std::ostringstream s;
  s << i.rdbuf();
  return s.str();
}

void write_bytes(const std::filesystem::path& file, const std::string& bytes) {
  std::ofstream o(file, std::ios::binary);
  o << bytes;
}

int free_local_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket() failed");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
                  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0;
  ::close(fd);
  if (!ok) throw std::runtime_error("cannot find a free port on 127.0.0.1");
  return ntohs(address.sin_port);
}

std::vector<std::string> list_names(const std::filesystem::path& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

std::string metric_sample(const std::string& exposition, const std::string& series) {
  std::istringstream lines(exposition);
  for (std::string line; std::getline(lines, line);) {
    if (line.size() > series.size() && line.compare(0, series.size(), series) == 0 && line[series.size()] == ' ') {
      return line.substr(series.size() + 1);
    }
  }
  return "absent";
}

bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout,
                std::chrono::milliseconds interval) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(interval);
  }
  return condition();
}

}  // namespace ve::testing
