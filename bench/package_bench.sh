#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Packaging benchmark: video-encoder vs cp (physical floor) vs ffmpeg's dash muxer vs Shaka Packager,
# all stream copy (no re-encoding), on a ~5-minute 1080p H.264+AAC input built by looping the sample
# video.mp4. Also measures video-encoder's peak memory on a 4x longer input and its --jobs scaling.
# Prints figures only; it never fails because something is slow. See bench/README.md.
#
# Usage: bench/package_bench.sh [options] [VIDEO_ENCODER_BINARY]
#   --bin PATH        video-encoder binary (env VE_BIN; default build/release/src/video-encoder,
#                     built with the release preset when missing)
#   --runs N          timed runs per tool and per mode (env RUNS, default 5)
#   --work-dir DIR    inputs, outputs and logs (env WORK_DIR; default a fresh mktemp dir under /tmp,
#                     removed at the end unless KEEP=1; a directory you name is never removed)
#   --keep            keep the temporary work dir (env KEEP=1)
#   --no-shaka        skip Shaka Packager (env SKIP_SHAKA=1)
#   -h, --help
# Other env: CACHE_DIR (default bench/.cache: Shaka Packager; git-ignored),
#   MEDIA_DIR (default <repo>/../shared/media), SHAKA_PACKAGE (npm spec, default shaka-packager),
#   SYNC (default 1: `sync` after removing a run's output, so its write-back does not land in the
#   next timed run; nothing is dropped from the page cache either way), WAIT_IDLE (default 0: up to
#   this many seconds to wait, before each timed section, for other processes' CPU use below 10%).
set -euo pipefail
export LC_ALL=C

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$script_dir/.." && pwd)

VE_BIN=${VE_BIN:-}
RUNS=${RUNS:-5}
WORK_DIR=${WORK_DIR:-}
KEEP=${KEEP:-0}
SKIP_SHAKA=${SKIP_SHAKA:-0}
SYNC=${SYNC:-1}
WAIT_IDLE=${WAIT_IDLE:-0}
CACHE_DIR=${CACHE_DIR:-$script_dir/.cache}
MEDIA_DIR=${MEDIA_DIR:-$repo/../shared/media}
SHAKA_PACKAGE=${SHAKA_PACKAGE:-shaka-packager}
SHORT_SECONDS=300   # the "5-minute" input
LONG_FACTOR=4       # the memory-scaling input is this many times longer
SEGMENT_SECONDS=4   # target segment duration for all three packagers (video-encoder's default)
CONCURRENT=4        # copies of the 5-minute input in the concurrency check

usage() { sed -n '4,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; }
die() { echo "package_bench: error: $*" >&2; exit 1; }
warn() { echo "package_bench: WARNING: $*" >&2; }
section() { printf '\n== %s\n' "$*"; }
# Shared helpers: CPU idleness, medians, timing.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

while (($#)); do
  case $1 in
    --bin) VE_BIN=${2:?--bin needs a path}; shift 2 ;;
    --runs) RUNS=${2:?--runs needs a number}; shift 2 ;;
    --work-dir) WORK_DIR=${2:?--work-dir needs a path}; shift 2 ;;
    --keep) KEEP=1; shift ;;
    --no-shaka) SKIP_SHAKA=1; shift ;;
    -h|--help) usage; exit 0 ;;
    -*) die "unknown option $1 (see --help)" ;;
    *) [[ -z $VE_BIN ]] || die "binary given twice"; VE_BIN=$1; shift ;;
  esac
done
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer, got '$RUNS'"
[[ $WAIT_IDLE =~ ^[0-9]+$ ]] || die "WAIT_IDLE must be a number of seconds, got '$WAIT_IDLE'"
[[ -x /usr/bin/time ]] || die "/usr/bin/time is missing (apt-get install time)"
for c in ffmpeg ffprobe awk cp; do command -v "$c" >/dev/null || die "$c is missing"; done
src_media=$MEDIA_DIR/video.mp4
[[ -f $src_media ]] || die "sample $src_media not found (set MEDIA_DIR)"

# ---------------------------------------------------------------------------------------------
# Work dir, cache dir
# ---------------------------------------------------------------------------------------------
own_work_dir=0
if [[ -z $WORK_DIR ]]; then
  WORK_DIR=$(mktemp -d /tmp/ve-package-bench.XXXXXX)
  own_work_dir=1
else
  mkdir -p "$WORK_DIR"
fi
WORK_DIR=$(cd "$WORK_DIR" && pwd)
cleanup() {
  if ((own_work_dir)) && [[ $KEEP != 1 ]]; then
    rm -rf -- "$WORK_DIR"
  else
    echo "package_bench: work dir kept: $WORK_DIR" >&2
  fi
}
trap cleanup EXIT
logs=$WORK_DIR/logs results=$WORK_DIR/results out_root=$WORK_DIR/out
rm -rf -- "$results" "$out_root"
mkdir -p "$logs" "$results" "$out_root"

mkdir -p "$CACHE_DIR"
[[ -f $CACHE_DIR/.gitignore ]] || echo '*' >"$CACHE_DIR/.gitignore"   # keeps the cache out of git
CACHE_DIR=$(cd "$CACHE_DIR" && pwd)

bench_start=$(now)

# Sampled before each timed section, while the benchmark itself is idle: other processes' load
# (or the hypervisor's steal), which makes the timings noisy.

# ---------------------------------------------------------------------------------------------
# Small numeric helpers (awk; all input one number per line)
# ---------------------------------------------------------------------------------------------
calc() { awk "BEGIN {print $*}"; }                 # calc '1/3' -> 0.333333
col() { awk -v c="$1" '{print $c}' "$2"; }          # column c of a results file
mb() { calc "$1/1e6"; }
dir_stats() { # "<files> <bytes>" of a directory tree
  find "$1" -type f -printf '%s\n' | awk '{n++; b+=$1} END {printf "%d %d\n", n, b}'
}

# ---------------------------------------------------------------------------------------------
# video-encoder binary
# ---------------------------------------------------------------------------------------------
if [[ -z $VE_BIN ]]; then
  VE_BIN=$repo/build/release/src/video-encoder
  if [[ ! -x $VE_BIN ]]; then
    section "Building video-encoder (release preset)"
    (cd "$repo" && ./scripts/build release) >"$logs/build-release.log" 2>&1 \
      || { tail -n 20 "$logs/build-release.log" >&2; die "the release build failed"; }
    echo "built $VE_BIN"
  fi
fi
[[ -x $VE_BIN ]] || die "video-encoder binary $VE_BIN not found or not executable"
VE_BIN_ORIG=$(cd "$(dirname "$VE_BIN")" && pwd)/$(basename "$VE_BIN")
# Benchmark a private copy: a rebuild of the original during the run would otherwise change the
# binary under test half-way (or make it briefly unrunnable while it is being linked).
VE_BIN=$WORK_DIR/video-encoder
cp "$VE_BIN_ORIG" "$VE_BIN"
ve_stamp="$(date -r "$VE_BIN_ORIG" '+built %F %T'), sha256 $(sha256sum "$VE_BIN" | cut -c1-12)"

# ---------------------------------------------------------------------------------------------
# Shaka Packager (official static binary from the npm package)
# ---------------------------------------------------------------------------------------------
shaka_bin="" shaka_version="skipped"
if [[ $SKIP_SHAKA == 1 ]]; then
  echo "Shaka Packager: skipped (SKIP_SHAKA=1)"
  shaka_version="skipped (SKIP_SHAKA=1)"
else
  case $(uname -m) in
    x86_64) shaka_name=packager-linux-x64 ;;
    aarch64|arm64) shaka_name=packager-linux-arm64 ;;
    *) shaka_name="" ;;
  esac
  shaka_dir=$CACHE_DIR/shaka-packager
  candidate=$shaka_dir/node_modules/shaka-packager/bin/$shaka_name
  if [[ -z $shaka_name ]]; then
    echo "Shaka Packager: no npm binary for $(uname -m); skipped"
    shaka_version="skipped (no binary for $(uname -m))"
  else
    if [[ ! -x $candidate ]]; then
      section "Installing Shaka Packager ($SHAKA_PACKAGE from npm) into $shaka_dir"
      if ! command -v npm >/dev/null; then
        echo "npm not found; skipping Shaka Packager"
      elif ! npm install --no-save --no-audit --no-fund --loglevel=error --prefix "$shaka_dir" \
          "$SHAKA_PACKAGE" >"$logs/npm-install.log" 2>&1; then
        echo "npm install $SHAKA_PACKAGE FAILED; skipping Shaka Packager. Log tail:"
        tail -n 5 "$logs/npm-install.log" | sed 's/^/  /'
      fi
    fi
    if [[ -x $candidate ]]; then
      if ! shaka_version=$("$candidate" --version 2>&1); then
        echo "Shaka Packager binary $candidate does not run; skipped"
        shaka_version="skipped (binary does not run)"
      else
        shaka_help=$("$candidate" --help 2>&1 || true)
        missing_flags=()
        for f in segment_duration generate_static_live_mpd mpd_output quiet; do
          grep -q -- "--$f " <<<"$shaka_help" || missing_flags+=("--$f")
        done
        if ((${#missing_flags[@]})); then
          echo "Shaka Packager lacks ${missing_flags[*]}; skipped"
          shaka_version="skipped (flags missing)"
        else
          shaka_bin=$candidate
          shaka_version=${shaka_version##*version }
          echo "Shaka Packager: $shaka_bin ($shaka_version)"
        fi
      fi
    else
      [[ $shaka_version != skipped* ]] || shaka_version="skipped (install failed)"
    fi
  fi
fi

# ---------------------------------------------------------------------------------------------
# Inputs: loop the sample by stream copy.
# `-stream_loop N -c copy` is NOT used: with stream copy ffmpeg 5.1 offsets each loop by the
# last timestamp + 1 tick for audio (the last frame's duration is unknown without decoding),
# so every join overlaps one AAC frame, and video gets a gap when audio is longer. Instead the
# concat demuxer is run once per stream, each list declaring that stream's own duration, so both
# streams are gap-free with constant timestamp steps (video ends up a few seconds shorter than
# audio, by loops x (audio - video duration) of the sample).
# ---------------------------------------------------------------------------------------------
stream_duration() { # file, v|a -> seconds (empty if no such stream)
  ffprobe -v error -select_streams "$2:0" -show_entries stream=duration -of default=nw=1:nk=1 "$1" |
    awk -F, 'NR==1 {print $1}'
}
src_vdur=$(stream_duration "$src_media" v)
src_adur=$(stream_duration "$src_media" a)
[[ -n $src_vdur ]] || die "$src_media has no video stream"

make_input() { # out_file loops
  local out=$1 loops=$2 i
  local vlist=$WORK_DIR/concat-video.txt alist=$WORK_DIR/concat-audio.txt
  : >"$vlist"; : >"$alist"
  local quoted=${src_media//\'/\'\\\'\'}
  for ((i = 0; i < loops; i++)); do
    printf "file '%s'\nduration %s\n" "$quoted" "$src_vdur" >>"$vlist"
    [[ -z $src_adur ]] || printf "file '%s'\nduration %s\n" "$quoted" "$src_adur" >>"$alist"
  done
  local args=(-hide_banner -nostdin -y -v error -f concat -safe 0 -auto_convert 0 -i "$vlist")
  if [[ -n $src_adur ]]; then
    args+=(-f concat -safe 0 -auto_convert 0 -i "$alist" -map 0:v:0 -map 1:a:0)
  else
    args+=(-map 0:v:0)
  fi
  ffmpeg "${args[@]}" -c copy -f mp4 "$out.tmp" 2>"$logs/$(basename "$out").ffmpeg.log" ||
    { cat "$logs/$(basename "$out").ffmpeg.log" >&2; die "could not generate $out"; }
  [[ ! -s $logs/$(basename "$out").ffmpeg.log ]] ||
    { warn "ffmpeg reported while generating $out:"; head -n 5 "$logs/$(basename "$out").ffmpeg.log" >&2; }
  mv -f "$out.tmp" "$out"
}

describe_input() { # file label -> prints a description, checks timestamps
  local f=$1 label=$2
  printf '%-8s %s\n' "$label" "$f"
  printf '         size %.1f MB (%d bytes), container duration %.3f s\n' "$(mb "$(file_size "$f")")" \
    "$(file_size "$f")" "$(ffprobe -v error -show_entries format=duration -of default=nw=1:nk=1 "$f")"
  ffprobe -v error -show_entries stream=index,codec_type,codec_name,width,height,duration,nb_frames \
    -of compact=p=0 "$f" | awk 'NF {sub(/\|$/, ""); gsub(/\|/, " "); print "         stream: " $0}'
  # Per stream: packet count, non-increasing DTS count, distinct DTS steps (1 = constant rate).
  ffprobe -v error -show_entries packet=stream_index,dts -of csv=p=0 "$f" | awk -F, '
    $1 ~ /^[0-9]+$/ && $2 ~ /^-?[0-9]+$/ { s=$1; if (s in last) { d=$2-last[s]; if (d<=0) bad[s]++; if (!((s, d) in seen)) { seen[s, d]=1; steps[s]++ } }
      last[s]=$2; n[s]++ }
    END { for (s in n) printf "         timestamps stream %s: %d packets, %d non-increasing DTS, %d distinct DTS step(s)%s\n",
            s, n[s], bad[s]+0, steps[s], (bad[s] ? "  <-- NOT CLEAN" : "") }' | sort
  # Decode the first two joins to catch bitstream problems at the loop boundaries.
  local errs
  errs=$(ffmpeg -hide_banner -nostdin -v error -t "$(calc "2*$src_vdur+2")" -i "$f" -f null - 2>&1 | head -n 3 || true)
  if [[ -n $errs ]]; then echo "         decode check: ERRORS: $errs"; else echo "         decode check (first 2 joins): clean"; fi
}

section "Inputs (stream copy of $src_media, looped)"
short_loops=$(calc "int($SHORT_SECONDS/$src_vdur + 0.5)")
long_loops=$((short_loops * LONG_FACTOR))
in_short=$WORK_DIR/input-5min.mp4
in_long=$WORK_DIR/input-20min.mp4
for pair in "$in_short:$short_loops" "$in_long:$long_loops"; do
  f=${pair%:*} loops=${pair##*:}
  if [[ -s $f ]] && [[ $(stream_duration "$f" v) == $(calc "$loops*$src_vdur" | awk '{printf "%.6f", $1}') ]]; then
    echo "reusing $f"
  else
    t0=$(now); make_input "$f" "$loops"; t1=$(now)
    printf 'generated %s (%d loops) in %.1f s\n' "$f" "$loops" "$(calc "$t1-$t0")"
  fi
done
describe_input "$in_short" "5-min"
describe_input "$in_long" "20-min"
short_bytes=$(file_size "$in_short")
long_bytes=$(file_size "$in_long")
short_dur=$(ffprobe -v error -show_entries format=duration -of default=nw=1:nk=1 "$in_short")
long_dur=$(ffprobe -v error -show_entries format=duration -of default=nw=1:nk=1 "$in_long")

# ---------------------------------------------------------------------------------------------
# Timed runs
# ---------------------------------------------------------------------------------------------
# run_timed KEY LOG CMD...: one run under /usr/bin/time; appends "wall cpu rss_kb time_e" to
# results/KEY.tsv. wall is the bash EPOCHREALTIME span around /usr/bin/time (microsecond
# resolution; /usr/bin/time's %e only has 10 ms, too coarse for cp's ~40 ms). Returns the rc.
run_timed() {
  local key=$1 log=$2; shift 2
  local tfile=$WORK_DIR/time.out t0 t1 rc line e u s m wall cpu
  t0=$(now)
  set +e
  /usr/bin/time -o "$tfile" -f '%e %U %S %M' "$@" >"$log" 2>&1
  rc=$?
  set -e
  t1=$(now)
  if ((rc != 0)); then return "$rc"; fi
  line=$(tail -n 1 "$tfile")
  read -r e u s m <<<"$line"
  wall=$(calc "$t1-$t0")
  cpu=$(calc "$u+$s")
  echo "$wall $cpu $m $e" >>"$results/$key.tsv"
  LAST_FIGURES=$(printf 'wall %7.3f s  cpu %6.2f s  rss %7.1f MiB' "$wall" "$cpu" "$(calc "$m/1024")")
}


# Commands per tool, into array CMD. $1 = input, $2 = output dir.
tool_cmd() {
  local tool=$1 in=$2 out=$3
  case $tool in
    cp) CMD=(cp "$in" "$out/copy.mp4") ;;
    video-encoder) CMD=("$VE_BIN" package "$in" --out "$out" --segment-duration "$SEGMENT_SECONDS" -q) ;;
    ffmpeg) CMD=(ffmpeg -nostdin -v error -i "$in" -map 0 -c copy -f dash -seg_duration "$SEGMENT_SECONDS"
                 -use_template 1 -use_timeline 1 "$out/manifest.mpd") ;;
    shaka) CMD=("$shaka_bin"
                "in=$in,stream=video,init_segment=$out/v_init.mp4,segment_template=$out/v_\$Number\$.m4s"
                "in=$in,stream=audio,init_segment=$out/a_init.mp4,segment_template=$out/a_\$Number\$.m4s"
                --segment_duration "$SEGMENT_SECONDS" --generate_static_live_mpd
                --mpd_output "$out/manifest.mpd" --quiet) ;;
  esac
}

tools=(cp video-encoder ffmpeg)
[[ -z $shaka_bin ]] || tools+=(shaka)
declare -A failed=() out_files=() out_bytes=() mpd_duration=()

section "Packaging the 5-min input: ${tools[*]}; $RUNS runs each, round-robin"
check_idle packaging
echo "warm-up: cp of the input (untimed) so it is in the page cache"
cp "$in_short" "$out_root/warmup.mp4" && rm -f "$out_root/warmup.mp4"
for ((run = 1; run <= RUNS; run++)); do
  for tool in "${tools[@]}"; do
    [[ -z ${failed[$tool]:-} ]] || continue
    dir=$out_root/$tool
    fresh_dir "$dir"
    tool_cmd "$tool" "$in_short" "$dir"
    if run_timed "$tool" "$logs/$tool.run$run.log" "${CMD[@]}"; then
      printf '  run %d/%d  %-14s %s\n' "$run" "$RUNS" "$tool" "$LAST_FIGURES"
    else
      rc=$?
      failed[$tool]="exit status $rc"
      printf '  run %d/%d  %-14s FAILED (exit status %d); log tail:\n' "$run" "$RUNS" "$tool" "$rc"
      tail -n 5 "$logs/$tool.run$run.log" | sed 's/^/      /'
    fi
    if ((run == RUNS)) && [[ -z ${failed[$tool]:-} ]]; then
      read -r "out_files[$tool]" "out_bytes[$tool]" < <(dir_stats "$dir")
      mpd=$(find "$dir" -name manifest.mpd -print -quit)
      mpd_duration[$tool]=$( [[ -n $mpd ]] && grep -o 'mediaPresentationDuration="[^"]*"' "$mpd" | cut -d'"' -f2 || echo -)
    fi
    rm -rf -- "$dir"
  done
done

section "Sanity: video-encoder --verify on the 5-min input (untimed)"
fresh_dir "$out_root/verify"
if "$VE_BIN" package "$in_short" --out "$out_root/verify" --segment-duration "$SEGMENT_SECONDS" -q --verify >"$logs/verify.log" 2>&1; then
  # The CLI's table: file tracks duration segments bytes seconds status...
  verify_result=$(awk 'NR==2 {st=$7; for (i=8; i<=NF; i++) st=st " " $i
                    printf "%s: %s tracks, %s, %s segments, %s bytes", st, $2, $3, $4, $5}' "$logs/verify.log")
else
  verify_result="FAILED (exit $?): $(tail -n 2 "$logs/verify.log" | tr '\n' ' ')"
fi
echo "  $verify_result"
rm -rf -- "$out_root/verify"

# ---------------------------------------------------------------------------------------------
section "Memory scaling: video-encoder on the 20-min input, $RUNS runs"
check_idle memory
echo "warm-up: cp of the 20-min input (untimed)"
cp "$in_long" "$out_root/warmup.mp4" && rm -f "$out_root/warmup.mp4"
long_failed=""
for ((run = 1; run <= RUNS; run++)); do
  dir=$out_root/ve-20min
  fresh_dir "$dir"
  tool_cmd video-encoder "$in_long" "$dir"
  if run_timed ve-20min "$logs/ve-20min.run$run.log" "${CMD[@]}"; then
    printf '  run %d/%d  %-14s %s\n' "$run" "$RUNS" "20-min" "$LAST_FIGURES"
  else
    long_failed="exit status $?"
    echo "  run $run FAILED ($long_failed):"; tail -n 5 "$logs/ve-20min.run$run.log" | sed 's/^/      /'
    rm -rf -- "$dir"; break
  fi
  rm -rf -- "$dir"
done

# ---------------------------------------------------------------------------------------------
section "Concurrency: $CONCURRENT copies of the 5-min input, $RUNS runs per mode, round-robin"
check_idle concurrency
conc_in=$WORK_DIR/concurrent
mkdir -p "$conc_in"
conc_inputs=()
for ((i = 1; i <= CONCURRENT; i++)); do
  f=$conc_in/input-5min-$i.mp4
  [[ -e $f ]] || ln "$in_short" "$f" 2>/dev/null || cp "$in_short" "$f"
  conc_inputs+=("$f")
done
echo "inputs: ${conc_inputs[*]} (hard links where possible)"
modes=("jobs$CONCURRENT" jobs1 separate)
declare -A mode_label=([jobs$CONCURRENT]="one invocation, --jobs $CONCURRENT" [jobs1]="one invocation, --jobs 1"
                       [separate]="$CONCURRENT invocations, one after another")
declare -A conc_failed=()
for ((run = 1; run <= RUNS; run++)); do
  for mode in "${modes[@]}"; do
    [[ -z ${conc_failed[$mode]:-} ]] || continue
    dir=$out_root/conc-$mode
    fresh_dir "$dir"
    # shellcheck disable=SC2016  # $1, $2, $f are expanded by the inner bash
    case $mode in
      separate) CMD=(bash -c 'bin=$1 out=$2 seg=$3; shift 3
                              for f; do "$bin" package "$f" --out "$out" --segment-duration "$seg" -q || exit; done'
                     _ "$VE_BIN" "$dir" "$SEGMENT_SECONDS" "${conc_inputs[@]}") ;;
      *) CMD=("$VE_BIN" package "${conc_inputs[@]}" --out "$dir" --jobs "${mode#jobs}"
              --segment-duration "$SEGMENT_SECONDS" -q) ;;
    esac
    if run_timed "conc-$mode" "$logs/conc-$mode.run$run.log" "${CMD[@]}"; then
      printf '  run %d/%d  %-10s %s\n' "$run" "$RUNS" "$mode" "$LAST_FIGURES"
    else
      conc_failed[$mode]="exit status $?"
      echo "  run $run $mode FAILED; log tail:"; tail -n 5 "$logs/conc-$mode.run$run.log" | sed 's/^/      /'
    fi
    rm -rf -- "$dir"
  done
done

# ---------------------------------------------------------------------------------------------
# Summary
# ---------------------------------------------------------------------------------------------
stat_of() { # key column(1 wall,2 cpu,3 rss) median|max
  local f=$results/$1.tsv
  [[ -s $f ]] || { echo nan; return; }
  col "$2" "$f" | "$3"
}
cpu_model=$(awk -F': *' '/^model name/ {print $2; exit}' /proc/cpuinfo)
mem_total=$(awk '/^MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)
fs_type=$(df -PT "$WORK_DIR" | awk 'NR==2 {print $2 " (" $1 ")"}')
ffmpeg_version=$(ffmpeg -version); ffmpeg_version=${ffmpeg_version%%$'\n'*}
ve_commit=$(git -C "$repo" describe --always --dirty 2>/dev/null || echo unknown)
total_secs=$(calc "$(now)-$bench_start")

section "SUMMARY"
echo "Machine : $cpu_model, nproc $(nproc), $mem_total RAM, $(uname -sr), work dir on $fs_type"
echo "Versions: video-encoder source $ve_commit, binary $VE_BIN_ORIG ($ve_stamp)"
echo "          $ffmpeg_version"
echo "          Shaka Packager $shaka_version"
echo "          $(cp --version | awk 'NR==1')"
printf 'Inputs  : 5-min  %7.1f MB, %8.3f s  (%s)\n' "$(mb "$short_bytes")" "$short_dur" "$in_short"
printf '          20-min %7.1f MB, %8.3f s\n' "$(mb "$long_bytes")" "$long_dur"
echo "Method  : $RUNS timed runs per tool, round-robin; warm page cache; fresh output dir per run"
echo "          (removed$([[ $SYNC == 1 ]] && echo ' + sync') before the next run); wall = median, ms resolution"
echo "Idle    : CPU busy from other processes before each section: ${busy_notes[*]/%/,}" | sed 's/,$//'
((busy_max <= 10)) || echo "          WARNING: the machine was not idle; the timings are noisy (rerun when it is quiet)"
echo

echo "Packaging the 5-min 1080p input ($(mb "$short_bytes" | awk '{printf "%.1f", $1}') MB)"
ve_wall=$(stat_of video-encoder 1 median)
printf '%-15s %10s %10s %10s %9s %9s %7s %11s %12s\n' tool "wall med" "CPU med" "RSS max" "MB/s" "wall vs" files "output" "MPD duration"
printf '%-15s %10s %10s %10s %9s %9s %7s %11s %12s\n' "" "(s)" "(s)" "(MiB)" "" "v-enc" "" "(MB)" ""
for tool in "${tools[@]}"; do
  w=$(stat_of "$tool" 1 median) c=$(stat_of "$tool" 2 median) r=$(stat_of "$tool" 3 maximum)
  if [[ $w == nan ]]; then
    printf '%-15s %s\n' "$tool" "FAILED: ${failed[$tool]:-no result}"; continue
  fi
  ratio=-; [[ $ve_wall == nan ]] || ratio=$(calc "$w/$ve_wall" | awk '{printf "%.2fx", $1}')
  out_mb=-; [[ -z ${out_bytes[$tool]:-} ]] || out_mb=$(mb "${out_bytes[$tool]}" | awk '{printf "%.1f", $1}')
  printf '%-15s %10.3f %10.2f %10.1f %9.0f %9s %7s %11s %12s%s\n' "$tool" "$w" "$c" "$(calc "$r/1024")" \
    "$(calc "$short_bytes/1e6/$w")" "$ratio" "${out_files[$tool]:--}" "$out_mb" \
    "${mpd_duration[$tool]:--}" "$([[ -n ${failed[$tool]:-} ]] && echo "  (only $(wc -l <"$results/$tool.tsv")/$RUNS runs: then FAILED, ${failed[$tool]})")"
done
[[ -n $shaka_bin ]] || echo "shaka           ${shaka_version}"
echo "video-encoder --verify: $verify_result"
echo

echo "Memory scaling (video-encoder)"
printf '%-8s %10s %10s %10s %10s %9s\n' input "duration" "wall med" "RSS med" "RSS max" "MB/s"
printf '%-8s %10s %10s %10s %10s %9s\n' "" "(s)" "(s)" "(MiB)" "(MiB)" ""
for pair in "5-min:video-encoder:$short_dur:$short_bytes" "20-min:ve-20min:$long_dur:$long_bytes"; do
  IFS=: read -r label key dur bytes <<<"$pair"
  w=$(stat_of "$key" 1 median)
  if [[ $w == nan ]]; then
    why=$long_failed; [[ $key == ve-20min ]] || why=${failed[video-encoder]:-no result}
    printf '%-8s %10.1f  FAILED: %s\n' "$label" "$dur" "$why"; continue
  fi
  printf '%-8s %10.1f %10.3f %10.1f %10.1f %9.0f\n' "$label" "$dur" "$w" "$(calc "$(stat_of "$key" 3 median)/1024")" \
    "$(calc "$(stat_of "$key" 3 maximum)/1024")" "$(calc "$bytes/1e6/$w")"
done
s_med=$(stat_of video-encoder 3 median) l_med=$(stat_of ve-20min 3 median)
s_max=$(stat_of video-encoder 3 maximum) l_max=$(stat_of ve-20min 3 maximum)
if [[ $s_med != nan && $l_med != nan ]]; then
  printf 'peak RSS 5-min -> 20-min (4x the media): %+.1f%% (median), %+.1f%% (max)\n' \
    "$(calc "($l_med-$s_med)*100/$s_med")" "$(calc "($l_max-$s_max)*100/$s_max")"
fi
echo

echo "Concurrency: $CONCURRENT x the 5-min input ($(calc "$CONCURRENT*$short_bytes/1e6" | awk '{printf "%.1f", $1}') MB in total), video-encoder"
printf '%-38s %10s %10s %10s %9s %12s\n' mode "wall med" "CPU med" "RSS max" "MB/s" "vs --jobs $CONCURRENT"
printf '%-38s %10s %10s %10s %9s %12s\n' "" "(s)" "(s)" "(MiB)" "" "(wall)"
j_wall=$(stat_of "conc-jobs$CONCURRENT" 1 median)
for mode in "${modes[@]}"; do
  w=$(stat_of "conc-$mode" 1 median)
  if [[ $w == nan ]]; then printf '%-38s FAILED: %s\n' "${mode_label[$mode]}" "${conc_failed[$mode]:-no result}"; continue; fi
  ratio=-; [[ $j_wall == nan ]] || ratio=$(calc "$w/$j_wall" | awk '{printf "%.2fx", $1}')
  printf '%-38s %10.3f %10.2f %10.1f %9.0f %12s\n' "${mode_label[$mode]}" "$w" "$(stat_of "conc-$mode" 2 median)" \
    "$(calc "$(stat_of "conc-$mode" 3 maximum)/1024")" "$(calc "$CONCURRENT*$short_bytes/1e6/$w")" "$ratio"
done
echo
echo "MB = 10^6 bytes of input; MiB = 2^20 bytes; RSS = peak resident set (/usr/bin/time %M; for the"
echo "separate invocations the largest single process). 'wall vs' = median wall / reference median wall."
printf 'Benchmark took %.0f s. Raw per-run figures: %s/*.tsv (wall cpu rss_kb %%e)\n' "$total_secs" "$results"
