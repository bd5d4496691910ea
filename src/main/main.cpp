// SPDX-License-Identifier: Apache-2.0
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <optional>
#include <algorithm>
#include <thread>

#include "adapters/media/cpu_features.hpp"
#include "adapters/media/dash_packager.hpp"
#include "adapters/media/ladder_packager.hpp"
#include "core/ladder.hpp"
#include "app/batch_package.hpp"
#include "main/console_progress.hpp"
#include "main/service_commands.hpp"
#include "main/settings_from_environment.hpp"

namespace {

struct PackageArgs {
  std::vector<std::string> inputs;
  std::string out_dir;
  unsigned jobs = std::max(1u, std::thread::hardware_concurrency());
  double segment_duration = 4.0;
  std::string formats = "dash,hls";
  bool verify = false;
  bool quiet = false;
  std::string renditions = "auto";
  std::string x264_preset = "veryfast";
  std::string audio_bitrate = "128k";
};

int run_package(const PackageArgs& args) {
  const auto formats = ve::core::parse_output_formats(args.formats);
  if (!formats) {
    spdlog::error("--formats: {}", formats.error().message);
    return 2;
  }
  const auto renditions = ve::core::parse_renditions(args.renditions);
  const auto preset = ve::core::parse_x264_preset(args.x264_preset);
  const auto audio_bitrate = ve::core::parse_audio_bitrate(args.audio_bitrate);
  for (const auto* bad : {renditions ? nullptr : &renditions.error(), preset ? nullptr : &preset.error(),
                          audio_bitrate ? nullptr : &audio_bitrate.error()}) {
    if (bad) {
      spdlog::error("{}", bad->message);
      return 2;
    }
  }
  std::vector<std::filesystem::path> inputs(args.inputs.begin(), args.inputs.end());
  const auto items = ve::app::plan_batch(inputs, args.out_dir);
  std::vector<std::string> names;
  for (const auto& p : inputs) names.push_back(p.filename().string());

  ve::adapters::media::LadderPackager packager;
  ve::ports::PackageOptions options;
  options.renditions = *renditions;
  options.x264_preset = *preset;
  options.audio_bitrate = *audio_bitrate;
  options.segment_duration_seconds = args.segment_duration;
  options.verify = args.verify;
  options.formats = *formats;
  // The inputs encoded at the same time share the cores.
  const auto at_once = static_cast<unsigned>(std::min<size_t>(args.jobs, std::max<size_t>(1, inputs.size())));
  options.cores = std::max(1u, std::thread::hardware_concurrency() / at_once);

  ve::main::ConsoleProgress progress(stderr, ::isatty(STDERR_FILENO) == 1, names);
  const auto results = ve::app::run_batch(items, packager, options, args.jobs, args.quiet ? nullptr : &progress);
  std::fputs(ve::main::summary_table(results).c_str(), stdout);
  if (!args.quiet) std::fputs(ve::main::where_to_play(items, results, *formats).c_str(), stdout);
  int failed = 0;
  for (const auto& r : results) {
    if (!r.outcome) {
      ++failed;
      spdlog::error("{}", r.outcome.error().message);
    }
  }
  return failed == 0 ? 0 : 1;
}

// Configuration for the service commands; prints the reason and returns nullopt when it is wrong.
std::optional<ve::core::Config> service_config() {
  auto settings = ve::main::settings_from_environment();
  if (!settings) {
    spdlog::error("{}", settings.error().message);
    return std::nullopt;
  }
  auto config = ve::core::load_config(*settings);
  if (!config) {
    spdlog::error("{}", config.error().message);
    return std::nullopt;
  }
  if (config->debug) spdlog::set_level(spdlog::level::debug);
  return *config;
}

}  // namespace

int main(int argc, char** argv) {
  ve::adapters::media::avoid_slow_gathers();  // before FFmpeg's libraries choose their code
  CLI::App cli{"video-encoder: packages MP4 files into MPEG-DASH and HLS presentations"};
  cli.require_subcommand(1);
  bool debug = false;
  cli.add_flag("--debug", debug, "Verbose logging, including libavformat's messages");

  PackageArgs args;
  CLI::App* package = cli.add_subcommand("package", "Encode and package videos into DASH and HLS presentations, several at once");
  package->add_option("inputs", args.inputs, "Input videos (MP4, MOV, MKV, WebM, MPEG-TS, ...)")->required();
  package->add_option("--out,-o", args.out_dir,
                      "Output folder; each input gets <out>/<name>/ with manifest.mpd and master.m3u8")
      ->required();
  package->add_option("--jobs,-j", args.jobs, "Inputs packaged at the same time (default: number of cores)")
      ->check(CLI::Range(1u, 256u));
  package->add_option("--segment-duration", args.segment_duration, "Target segment duration in seconds")
      ->check(CLI::Range(0.1, 600.0));
  package->add_option("--formats", args.formats,
                      "Manifests over the one set of segments: dash,hls (default), dash or hls");
  package->add_option("--renditions", args.renditions,
                      "auto (default: the ladder 2160p..360p capped at the source, keeping a browser-safe source "
                      "as the top rendition), source (repackage only, no encoding) or a list like "
                      "1080p:5000k,720p:2800k,480p:1400k,360p:800k");
  package->add_option("--x264-preset", args.x264_preset, "libx264 preset of the encoded renditions (default veryfast)");
  package->add_option("--audio-bitrate", args.audio_bitrate, "AAC bit rate of encoded audio (default 128k)");
  package->add_flag("--verify", args.verify, "Re-read each presentation and compare it with its input");
  package->add_flag("--quiet,-q", args.quiet, "No progress output");

  CLI::App* serve = cli.add_subcommand(
      "serve", "Consume jobs from RabbitMQ, package them, upload the output and publish the results "
               "(configuration: .env and environment variables, see .env.example)");

  std::string resource_id, file_path;
  CLI::App* submit = cli.add_subcommand("submit", "Publish one job message to the job queue");
  submit->add_option("--resource-id", resource_id, "The producer's id for the video")->required();
  submit->add_option("--file-path", file_path, "Object key of the input video in the input bucket")->required();

  std::optional<std::string> status;
  CLI::App* jobs = cli.add_subcommand("jobs", "List recorded jobs, newest first");
  jobs->add_option("--status", status, "Only jobs in this status (e.g. FAILED)");
  std::optional<std::string> job_id;
  jobs->add_option("--job", job_id, "Only this job, with its history (status changes, failure reasons, warnings)");

  CLI11_PARSE(cli, argc, argv);
  spdlog::set_level(debug ? spdlog::level::debug : spdlog::level::info);
  ve::adapters::media::route_libav_logs();
  if (package->parsed()) return run_package(args);
  const auto config = service_config();
  if (!config) return 2;
  if (serve->parsed()) return ve::main::serve(*config);
  if (submit->parsed()) return ve::main::submit(*config, resource_id, file_path);
  if (jobs->parsed()) return ve::main::list_jobs(*config, status, job_id);
  return 2;
}
