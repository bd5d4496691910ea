// SPDX-License-Identifier: Apache-2.0
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <thread>

#include "adapters/media/dash_packager.hpp"
#include "app/batch_package.hpp"
#include "main/console_progress.hpp"

namespace {

struct PackageArgs {
  std::vector<std::string> inputs;
  std::string out_dir;
  unsigned jobs = std::max(1u, std::thread::hardware_concurrency());
  double segment_duration = 4.0;
  bool verify = false;
  bool quiet = false;
};

int run_package(const PackageArgs& args) {
  std::vector<std::filesystem::path> inputs(args.inputs.begin(), args.inputs.end());
  const auto items = ve::app::plan_batch(inputs, args.out_dir);
  std::vector<std::string> names;
  for (const auto& p : inputs) names.push_back(p.filename().string());

  ve::adapters::media::DashPackager packager;
  ve::ports::PackageOptions options;
  options.segment_duration_seconds = args.segment_duration;
  options.verify = args.verify;

  ve::main::ConsoleProgress progress(stderr, ::isatty(STDERR_FILENO) == 1, names);
  const auto results = ve::app::run_batch(items, packager, options, args.jobs, args.quiet ? nullptr : &progress);
  std::fputs(ve::main::summary_table(results).c_str(), stdout);
  int failed = 0;
  for (const auto& r : results) {
    if (!r.outcome) {
      ++failed;
      spdlog::error("{}", r.outcome.error().message);
    }
  }
  return failed == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"video-encoder: packages MP4 files into MPEG-DASH presentations"};
  cli.require_subcommand(1);
  bool debug = false;
  cli.add_flag("--debug", debug, "Verbose logging, including libavformat's messages");

  PackageArgs args;
  CLI::App* package = cli.add_subcommand("package", "Package MP4 files into DASH presentations, several at once");
  package->add_option("inputs", args.inputs, "Input MP4 files")->required();
  package->add_option("--out,-o", args.out_dir, "Output folder; each input gets <out>/<name>/manifest.mpd")
      ->required();
  package->add_option("--jobs,-j", args.jobs, "Inputs packaged at the same time (default: number of cores)")
      ->check(CLI::Range(1u, 256u));
  package->add_option("--segment-duration", args.segment_duration, "Target segment duration in seconds")
      ->check(CLI::Range(0.1, 600.0));
  package->add_flag("--verify", args.verify, "Re-read each presentation and compare it with its input");
  package->add_flag("--quiet,-q", args.quiet, "No progress output");

  CLI11_PARSE(cli, argc, argv);
  spdlog::set_level(debug ? spdlog::level::debug : spdlog::level::info);
  ve::adapters::media::route_libav_logs();
  if (package->parsed()) return run_package(args);
  return 2;
}
