// SPDX-License-Identifier: Apache-2.0
#include "main/console_progress.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>

#include "core/output_formats.hpp"
#include "core/output_naming.hpp"

namespace ve::main {

ConsoleProgress::ConsoleProgress(std::FILE* out, bool terminal, std::vector<std::string> names)
    : out_(out), terminal_(terminal), names_(std::move(names)), percent_(names_.size(), 0),
      fps_(names_.size(), 0), started_at_(names_.size()), state_(names_.size(), State::Waiting) {}

namespace {

// "1:05" or "1:02:03".
std::string clock_text(double seconds) {
  const auto s = static_cast<long>(seconds + 0.5);
  if (s >= 3600) return fmt::format("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60);
  return fmt::format("{}:{:02}", s / 60, s % 60);
}

}  // namespace

std::string ConsoleProgress::rate_and_eta_locked(size_t i) const {
  if (fps_[i] <= 0 || percent_[i] <= 0 || percent_[i] >= 100) return "";
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_at_[i]).count();
  const double left = elapsed * (100 - percent_[i]) / percent_[i];
  return fmt::format("{:.0f} fps, {} left", fps_[i], clock_text(left));
}

void ConsoleProgress::started(size_t index) {
  std::lock_guard lock(mutex_);
  state_[index] = State::Running;
  started_at_[index] = std::chrono::steady_clock::now();
  if (terminal_) {
    redraw_locked();
  } else {
    fmt::print(out_, "{}: started\n", names_[index]);
    std::fflush(out_);
  }
}

void ConsoleProgress::progressed(size_t index, const ports::Progress& progress) {
  std::lock_guard lock(mutex_);
  const int percent = std::clamp(static_cast<int>(progress.fraction * 100), 0, 100);
  const int step = terminal_ ? 1 : 10;
  fps_[index] = progress.frames_per_second;
  if (percent / step <= percent_[index] / step) return;
  percent_[index] = percent;
  if (terminal_) {
    redraw_locked();
  } else if (percent < 100) {
    const std::string rate = rate_and_eta_locked(index);
    fmt::print(out_, "{}: {}%{}\n", names_[index], percent, rate.empty() ? "" : " (" + rate + ")");
    std::fflush(out_);
  }
}

void ConsoleProgress::finished(size_t index, const app::BatchResult& result) {
  std::lock_guard lock(mutex_);
  state_[index] = result.outcome ? State::Done : State::Failed;
  if (result.outcome) percent_[index] = 100;
  if (terminal_) {
    redraw_locked();
  } else if (result.outcome) {
    fmt::print(out_, "{}: done in {:.2f} s\n", names_[index], result.seconds);
  } else {
    fmt::print(out_, "{}: FAILED: {}\n", names_[index], result.outcome.error().message);
  }
  std::fflush(out_);
}

void ConsoleProgress::redraw_locked() {
  constexpr int kWidth = 30;
  if (drawn_) fmt::print(out_, "\x1b[{}F", names_.size());
  drawn_ = true;
  for (size_t i = 0; i < names_.size(); ++i) {
    const int filled = percent_[i] * kWidth / 100;
    const char* label = state_[i] == State::Waiting ? "waiting"
                        : state_[i] == State::Running ? "running"
                        : state_[i] == State::Done    ? "done"
                                                      : "FAILED";
    const std::string rate = state_[i] == State::Running ? rate_and_eta_locked(i) : "";
    fmt::print(out_, "\x1b[2K{:<32.32} [{}{}] {:>3}% {}{}\n", names_[i], std::string(filled, '#'),
               std::string(kWidth - filled, ' '), percent_[i], label, rate.empty() ? "" : "  " + rate);
  }
  std::fflush(out_);
}

std::string summary_table(const std::vector<app::BatchResult>& results) {
  std::string out = fmt::format("{:<40} {:>6} {:>10} {:>8} {:>12} {:>8}  {}\n", "file", "tracks", "duration",
                                "segments", "bytes", "seconds", "status");
  for (const auto& r : results) {
    const std::string file = r.input.filename().string();
    if (r.outcome) {
      const auto& s = *r.outcome;
      out += fmt::format("{:<40} {:>6} {:>9.3f}s {:>8} {:>12} {:>8.2f}  {}\n", file, s.tracks, s.duration_seconds,
                         s.segments, s.bytes, r.seconds, s.verified ? "ok (verified)" : "ok");
      for (const auto& rendition : s.renditions) {
        const std::string size = rendition.video ? fmt::format("{}x{}", rendition.width, rendition.height) : "audio";
        out += fmt::format("  {:<16} {:>10} {:>8.0f} kbit/s  {:<12} {}\n", rendition.id, size,
                           static_cast<double>(rendition.bitrate) / 1000, rendition.codecs,
                           rendition.encoded ? "encoded" : "kept as it is");
      }
      if (s.frames_encoded > 0 && r.seconds > 0) {
        out += fmt::format("  {} frames encoded, {:.1f} frames/s\n", s.frames_encoded,
                           static_cast<double>(s.frames_encoded) / r.seconds);
      }
      for (const std::string& note : s.skipped) out += fmt::format("  skipped {}\n", note);
      for (const std::string& warning : s.warnings) out += fmt::format("  warning: {}\n", warning);
    } else {
      out += fmt::format("{:<40} {:>6} {:>10} {:>8} {:>12} {:>8.2f}  FAILED: {}\n", file, "-", "-", "-", "-",
                         r.seconds, r.outcome.error().message);
    }
  }
  return out;
}

std::string where_to_play(const std::vector<app::BatchItem>& items, const std::vector<app::BatchResult>& results,
                          const core::OutputFormats& formats) {
  std::string out;
  std::filesystem::path root;
  std::string first;  // the first presentation's main manifest, relative to root
  for (size_t i = 0; i < results.size() && i < items.size(); ++i) {
    if (!results[i].outcome || !items[i].target) continue;
    const std::filesystem::path& folder = *items[i].target;
    if (out.empty()) {
      out = "\nPresentations:\n";
      root = folder.parent_path();
      const auto main = folder / (formats.dash ? core::kManifestName : core::kHlsMasterName);
      first = main.lexically_relative(root).generic_string();
    }
    out += "  ";
    if (formats.dash) out += (folder / core::kManifestName).string();
    if (formats.dash && formats.hls) out += "  ";
    if (formats.hls) out += (folder / core::kHlsMasterName).string();
    out += "\n";
  }
  if (out.empty()) return out;
  out += fmt::format(
      "Play one with `ffplay {0}` or VLC, or serve the folder to a browser player ({1}):\n"
      "  python3 -m http.server --bind 127.0.0.1 --directory {2} 8000\n"
      "  then open http://127.0.0.1:8000/{3}\n",
      (root / first).string(),
      formats.hls ? (formats.dash ? "dash.js or Shaka Player for the MPD; Safari, hls.js or Shaka Player for master.m3u8"
                                  : "Safari, hls.js or Shaka Player")
                  : "dash.js, Shaka Player",
      root.empty() ? "." : root.string(), first);
  return out;
}

}  // namespace ve::main
