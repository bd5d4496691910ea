#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Encoding benchmark: video-encoder's ladder encode vs ONE ffmpeg process producing the same ladder
# (split + scale + libx264 per rung, AAC, ffmpeg's dash muxer), on a 60 s 1080p H.264+AAC input
# built by looping the sample video.mp4. Prints figures side by side; never asserts a timing.
#   1. RUNS alternating timed runs of each side: median wall, median user+sys CPU, peak RSS.
#   2. Untimed checks of the last run's output of each side: every video rendition's size, SAR and
#      IDR frames at 0, 4, 8, ... s (ffprobe -skip_frame nokey -show_frames: key_frame/pict_type),
#      the audio rendition's codec/rate/channels.
#   3. Per rung: PSNR of the rendition (init + segments concatenated) against the source scaled to
#      the rung's size with bicubic, and the rendition's bit rate (init + segment bytes / duration).
#   4. video-encoder only: --renditions auto on the same input (wall; ratio to the full ladder;
#      the renditions it made),
#      and --jobs 2 on two copies of the input vs two invocations one after the other.
#   5. The goals' ratios: ours/ffmpeg wall (goal <= 0.9; as the ratio of the medians, and as the
#      median of each round's ratio, which a host whose speed drifts disturbs less), PSNR
#      difference per rung (goal within 0.1 dB), peak RSS ours/ffmpeg, auto/full wall (goal <= 0.5).
#
# Usage: bench/encode_bench.sh [options] [VIDEO_ENCODER_BINARY]
#   --bin PATH        video-encoder binary (env VE_BIN; default build/release/src/video-encoder,
#                     built with ./scripts/build release when missing). It must support
#                     `package --renditions`; the script stops with an error otherwise
#   --ffmpeg-only     only the ffmpeg side (env FFMPEG_ONLY=1): no binary needed
#   --runs N          timed runs per side (env RUNS, default 3)
#   --seconds S       input length in seconds (env SECONDS, default 60; rounded to whole loops of
#                     the 5 s sample). SECONDS is a bash special variable, so the script reads the
#                     value it was started with from /proc/self/environ, not $SECONDS
#   --work-dir DIR    outputs and logs (env WORK_DIR; default a fresh mktemp dir under /tmp,
#                     removed at the end unless KEEP=1; a directory you name is never removed)
#   --keep            keep the temporary work dir (env KEEP=1)
#   -h, --help
# Other env: PRESET (x264 preset, default veryfast), LADDER (default
#   1080p:5000k,720p:2800k,480p:1400k,360p:800k; HEIGHTp:RATE with k/M; rungs taller than the
#   source are left out, as video-encoder does), EXTRA_RUNS (runs of each step 4 measurement,
#   default 1), CACHE_DIR (default bench/.cache, git-ignored: the looped input is cached there),
#   MEDIA_DIR (default <repo>/../shared/media), SYNC (default 1: `sync` after removing a run's
#   output), WAIT_IDLE (default 0: seconds to wait, before each timed section, for other
#   processes' CPU use below 10%).
# Examples: bench/encode_bench.sh; RUNS=1 SECONDS=10 bench/encode_bench.sh --ffmpeg-only
set -euo pipefail
export LC_ALL=C

# Before anything else: SECONDS as given in the environment (bash's $SECONDS counts up from it).
env_seconds=$(tr '\0' '\n' </proc/$$/environ 2>/dev/null | sed -n 's/^SECONDS=//p' | tail -n 1 || true)

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$script_dir/.." && pwd)

VE_BIN=${VE_BIN:-}
FFMPEG_ONLY=${FFMPEG_ONLY:-0}
RUNS=${RUNS:-3}
EXTRA_RUNS=${EXTRA_RUNS:-1}
INPUT_SECONDS=${env_seconds:-60}
PRESET=${PRESET:-veryfast}
LADDER=${LADDER:-1080p:5000k,720p:2800k,480p:1400k,360p:800k}
WORK_DIR=${WORK_DIR:-}
KEEP=${KEEP:-0}
SYNC=${SYNC:-1}
WAIT_IDLE=${WAIT_IDLE:-0}
CACHE_DIR=${CACHE_DIR:-$script_dir/.cache}
MEDIA_DIR=${MEDIA_DIR:-$repo/../shared/media}
SEGMENT_SECONDS=4
AUDIO_BITRATE=128k

usage() { sed -n '4,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; }
die() { echo "encode_bench: error: $*" >&2; exit 1; }
warn() { echo "encode_bench: WARNING: $*" >&2; }
section() { printf '\n== %s\n' "$*"; }
# Shared helpers: CPU idleness, medians, timing.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

while (($#)); do
  case $1 in
    --bin) VE_BIN=${2:?--bin needs a path}; shift 2 ;;
    --ffmpeg-only) FFMPEG_ONLY=1; shift ;;
    --runs) RUNS=${2:?--runs needs a number}; shift 2 ;;
    --seconds) INPUT_SECONDS=${2:?--seconds needs a number}; shift 2 ;;
    --work-dir) WORK_DIR=${2:?--work-dir needs a path}; shift 2 ;;
    --keep) KEEP=1; shift ;;
    -h|--help) usage; exit 0 ;;
    -*) die "unknown option $1 (see --help)" ;;
    *) [[ -z $VE_BIN ]] || die "binary given twice"; VE_BIN=$1; shift ;;
  esac
done
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer, got '$RUNS'"
[[ $EXTRA_RUNS =~ ^[0-9]+$ ]] || die "EXTRA_RUNS must be a number, got '$EXTRA_RUNS'"
[[ $INPUT_SECONDS =~ ^[1-9][0-9]*$ ]] || die "SECONDS must be a positive whole number, got '$INPUT_SECONDS'"
[[ $WAIT_IDLE =~ ^[0-9]+$ ]] || die "WAIT_IDLE must be a number of seconds, got '$WAIT_IDLE'"
[[ $PRESET =~ ^[a-z]+$ ]] || die "PRESET must be an x264 preset name, got '$PRESET'"
[[ -x /usr/bin/time ]] || die "/usr/bin/time is missing (apt-get install time)"
for c in ffmpeg ffprobe awk; do command -v "$c" >/dev/null || die "$c is missing"; done
# (grep on captured text: `cmd | grep -q` can fail under pipefail when grep exits first)
ff_encoders=$(ffmpeg -hide_banner -encoders 2>/dev/null || true)
grep -q ' libx264 ' <<<"$ff_encoders" || die "this ffmpeg has no libx264 encoder"
src_media=$MEDIA_DIR/video.mp4
[[ -f $src_media ]] || die "sample $src_media not found (set MEDIA_DIR)"

# ---------------------------------------------------------------------------------------------
# Small helpers (awk; numeric input one number per line)
# ---------------------------------------------------------------------------------------------
bench_start=$(now)
calc() { awk "BEGIN {print $*}"; }                 # calc '1/3' -> 0.333333
probe() { ffprobe -v error "$@"; }
fmt() { [[ $2 == nan || $2 == - || -z $2 ]] && echo - || printf "%$1" "$2"; }   # fmt .2f VALUE

# Bits per second of "5000k", "5M", "800000".
rate_bps() {
  local r=$1
  case $r in
    *[kK]) echo $(( ${r%?} * 1000 )) ;;
    *[mM]) echo $(( ${r%?} * 1000000 )) ;;
    *) echo "$r" ;;
  esac
}

# ---------------------------------------------------------------------------------------------
# Work dir, cache dir
# ---------------------------------------------------------------------------------------------
own_work_dir=0
if [[ -z $WORK_DIR ]]; then
  WORK_DIR=$(mktemp -d /tmp/ve-encode-bench.XXXXXX)
  own_work_dir=1
else
  mkdir -p "$WORK_DIR"
fi
WORK_DIR=$(cd "$WORK_DIR" && pwd)
cleanup() {
  if ((own_work_dir)) && [[ $KEEP != 1 ]]; then
    rm -rf -- "$WORK_DIR"
  else
    echo "encode_bench: work dir kept: $WORK_DIR" >&2
  fi
}
trap cleanup EXIT
logs=$WORK_DIR/logs results=$WORK_DIR/results out_root=$WORK_DIR/out rend_dir=$WORK_DIR/renditions
rm -rf -- "$results" "$out_root" "$rend_dir"
mkdir -p "$logs" "$results" "$out_root" "$rend_dir"
mkdir -p "$CACHE_DIR"
[[ -f $CACHE_DIR/.gitignore ]] || echo '*' >"$CACHE_DIR/.gitignore"   # keeps the cache out of git
CACHE_DIR=$(cd "$CACHE_DIR" && pwd)

# ---------------------------------------------------------------------------------------------
# video-encoder binary (first, so a binary without --renditions fails before minutes of ffmpeg)
# ---------------------------------------------------------------------------------------------
ve_stamp="" VE_BIN_ORIG=""
if [[ $FFMPEG_ONLY == 1 ]]; then
  echo "video-encoder: skipped (--ffmpeg-only)"
else
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
  ve_help=$("$VE_BIN" package --help 2>&1 || true)
  if ! grep -q -- '--renditions' <<<"$ve_help"; then
    die "$VE_BIN does not support encoding yet: \`package --help\` does not mention --renditions.
  Build a tree with the ladder encoder (issue 11), pass it with --bin PATH, or run
  bench/encode_bench.sh --ffmpeg-only for the ffmpeg side alone."
  fi
  VE_BIN_ORIG=$(cd "$(dirname "$VE_BIN")" && pwd)/$(basename "$VE_BIN")
  # Benchmark a private copy, so a rebuild during the run can't swap the binary half-way.
  VE_BIN=$WORK_DIR/video-encoder
  cp "$VE_BIN_ORIG" "$VE_BIN"
  ve_stamp="$(date -r "$VE_BIN_ORIG" '+built %F %T'), sha256 $(sha256sum "$VE_BIN" | cut -c1-12)"
fi

# ---------------------------------------------------------------------------------------------
# Input: loop the sample by stream copy, cached in CACHE_DIR.
# Not `ffmpeg -stream_loop -1 -t S -c copy`: with stream copy, ffmpeg 5.1 offsets each loop by the
# last timestamp + 1 tick, so every join overlaps one AAC frame (a 1-tick audio packet) and video
# gets a ~35 ms gap (timestamps step 956 instead of 512 ticks of 1/12800 there). Encoders then
# duplicate or drop frames differently at each join, which would skew the PSNR comparison.
# As in package_bench.sh, the concat demuxer runs once per stream, each list declaring that
# stream's own duration: both streams gap-free with a constant timestamp step.
# ---------------------------------------------------------------------------------------------
stream_duration() { # file, v|a -> seconds (empty if no such stream)
  probe -select_streams "$2:0" -show_entries stream=duration -of default=nw=1:nk=1 "$1" | awk -F, 'NR==1 {print $1}'
}
src_vdur=$(stream_duration "$src_media" v)
src_adur=$(stream_duration "$src_media" a)
[[ -n $src_vdur && -n $src_adur ]] || die "$src_media needs a video and an audio stream"
loops=$(calc "int($INPUT_SECONDS/$src_vdur + 0.5)"); ((loops >= 1)) || loops=1
input=$CACHE_DIR/encode-input-$(calc "$loops*$src_vdur" | awk '{printf "%d", $1}')s.mp4
want_vdur=$(calc "$loops*$src_vdur" | awk '{printf "%.6f", $1}')

section "Input"
if [[ -s $input ]] && [[ $(stream_duration "$input" v) == "$want_vdur" ]]; then
  echo "reusing $input"
else
  vlist=$WORK_DIR/concat-video.txt alist=$WORK_DIR/concat-audio.txt
  : >"$vlist"; : >"$alist"
  quoted=${src_media//\'/\'\\\'\'}
  for ((i = 0; i < loops; i++)); do
    printf "file '%s'\nduration %s\n" "$quoted" "$src_vdur" >>"$vlist"
    printf "file '%s'\nduration %s\n" "$quoted" "$src_adur" >>"$alist"
  done
  ffmpeg -hide_banner -nostdin -y -v error -f concat -safe 0 -auto_convert 0 -i "$vlist" \
    -f concat -safe 0 -auto_convert 0 -i "$alist" -map 0:v:0 -map 1:a:0 -c copy -f mp4 "$input.tmp" \
    2>"$logs/make-input.log" || { cat "$logs/make-input.log" >&2; die "could not generate $input"; }
  mv -f "$input.tmp" "$input"
  echo "generated $input ($loops loops of $src_media)"
fi
input_name=$(basename "$input" .mp4)
input_bytes=$(file_size "$input")
input_vdur=$(stream_duration "$input" v)
input_adur=$(stream_duration "$input" a)
input_frames=$(probe -select_streams v:0 -count_packets -show_entries stream=nb_read_packets -of default=nw=1:nk=1 "$input")
IFS=, read -r src_w src_h src_sar src_fps < <(probe -select_streams v:0 \
  -show_entries stream=width,height,sample_aspect_ratio,r_frame_rate -of csv=p=0 "$input")
src_rot=$(probe -select_streams v:0 -show_entries stream_side_data=rotation -of default=nw=1:nk=1 "$input" | awk 'NR==1')
printf '%s: %.1f MB, video %s s (%s frames, %sx%s, SAR %s, %s fps), audio %s s\n' "$input_name" \
  "$(calc "$input_bytes/1e6")" "$input_vdur" "$input_frames" "$src_w" "$src_h" "$src_sar" "$src_fps" "$input_adur"

# Display size (SAR applied, rotation honoured) and the ladder: even widths for the display aspect
# ratio, square pixels; rungs taller than the source left out. Same rules as core/ladder.cpp.
disp_w=$src_w disp_h=$src_h
if [[ $src_sar =~ ^([1-9][0-9]*):([1-9][0-9]*)$ ]]; then
  disp_w=$(calc "$src_w*${BASH_REMATCH[1]}/${BASH_REMATCH[2]}" | awk '{printf "%.0f", $1}')
fi
if [[ -n $src_rot ]] && (( (${src_rot#-} % 180) == 90 )); then read -r disp_w disp_h <<<"$disp_h $disp_w"; fi
even_width() { calc "$1*$disp_w/$disp_h/2" | awk '{w=int($1+0.5)*2; print (w<2 ? 2 : w)}'; }

rung_h=() rung_w=() rung_rate=() skipped_rungs=()
IFS=, read -r -a ladder_items <<<"$LADDER"
for item in "${ladder_items[@]}"; do
  item=${item// /}
  [[ $item =~ ^([0-9]+)[pP]:([0-9]+[kKmM]?)$ ]] || die "LADDER: bad rung '$item' (expected HEIGHTp:RATE, e.g. 720p:2800k)"
  h=${BASH_REMATCH[1]} r=$(rate_bps "${BASH_REMATCH[2]}")
  ((h % 2 == 0)) || die "LADDER: height $h is odd"
  if ((h > disp_h)); then skipped_rungs+=("${h}p"); continue; fi
  rung_h+=("$h") rung_w+=("$(even_width "$h")") rung_rate+=("$r")
done
((${#rung_h[@]})) || die "LADDER '$LADDER' has no rung at most ${disp_h}p tall"
nrungs=${#rung_h[@]}
ladder_desc=""
for ((i = 0; i < nrungs; i++)); do ladder_desc+="${ladder_desc:+, }${rung_w[i]}x${rung_h[i]}@$((rung_rate[i] / 1000))k"; done
echo "ladder: $ladder_desc; x264 preset $PRESET; AAC $AUDIO_BITRATE stereo 48 kHz; segments ${SEGMENT_SECONDS} s"
((${#skipped_rungs[@]} == 0)) || echo "left out (taller than the ${disp_h}p source): ${skipped_rungs[*]}"

# ---------------------------------------------------------------------------------------------
# The two commands
# ---------------------------------------------------------------------------------------------
# video-encoder: OUT/<input name>/manifest.mpd, init-<id>.mp4, seg-<id>-NNNNN.m4s.
ve_cmd() { # renditions out_dir inputs... -> CMD
  local rend=$1 out=$2; shift 2
  CMD=("$VE_BIN" package "$@" -o "$out" --renditions "$rend" --x264-preset "$PRESET"
       --audio-bitrate "$AUDIO_BITRATE" --segment-duration "$SEGMENT_SECONDS" --formats dash --quiet)
}

# ffmpeg: one process, the same ladder. Representation ids are the output stream indexes: rung i
# is "i", audio is "$nrungs"; the file names are set to video-encoder's pattern.
# ffmpeg's dash muxer refuses representations of different picture aspect ratios (width:height,
# SAR ignored) in one adaptation set ("Conflicting stream aspect ratios values"), and 854x480 is
# not exactly 16:9, so the video rungs get one adaptation set per picture aspect ratio.
# Checked (default ladder, ffmpeg 5.1, x264 core 164): every rendition is High profile at the rung's
# size with SAR 1:1, 250 (10 s) or 1500 (60 s) frames, with IDR frames (ffprobe -skip_frame nokey
# -show_frames: key_frame=1, pict_type=I; NAL type 5 in -bsf:v trace_headers) at 0, 4, 8, ... s,
# and the MPD's segments are all 4 s. At 60 s, x264's scene-cut detection (on by default; the
# command does not turn it off) adds IDR frames at some of the input's 5 s loop joins (10, 15,
# 30, 35, 50, 55 s at 1080p and 720p; 15, 35, 55 s at 480p and 360p), inside segments. The script
# re-checks sizes and IDR times on every run and lists such extra IDR frames (section "Checks").
gcd() { local a=$1 b=$2 t; while ((b)); do t=$((a % b)); a=$b; b=$t; done; echo "$a"; }
ff_filter="[0:v:0]split=$nrungs"
for ((i = 0; i < nrungs; i++)); do ff_filter+="[s$i]"; done
declare -A par_streams=()
par_order=()
for ((i = 0; i < nrungs; i++)); do
  ff_filter+=";[s$i]scale=${rung_w[i]}:${rung_h[i]}:flags=bicubic,setsar=1[v$i]"
  g=$(gcd "${rung_w[i]}" "${rung_h[i]}") par="$((rung_w[i] / g)):$((rung_h[i] / g))"
  [[ -n ${par_streams[$par]:-} ]] || par_order+=("$par")
  par_streams[$par]+="${par_streams[$par]:+,}$i"
done
adaptation_sets="" as_id=0
for par in "${par_order[@]}"; do adaptation_sets+="id=$as_id,streams=${par_streams[$par]} "; as_id=$((as_id + 1)); done
adaptation_sets+="id=$as_id,streams=a"
ff_args=(-nostdin -hide_banner -v error -i "$input" -filter_complex "$ff_filter")
for ((i = 0; i < nrungs; i++)); do ff_args+=(-map "[v$i]"); done
ff_args+=(-map 0:a:0 -c:v libx264 -preset "$PRESET" -profile:v high)
for ((i = 0; i < nrungs; i++)); do
  r=${rung_rate[i]}
  ff_args+=("-b:v:$i" "$r" "-maxrate:v:$i" "$((r * 3 / 2))" "-bufsize:v:$i" "$((r * 2))")
done
# shellcheck disable=SC2016  # $RepresentationID$ and $Number$ are ffmpeg's templates, not bash's
ff_args+=(-force_key_frames "expr:gte(t,n_forced*$SEGMENT_SECONDS)"
          -c:a aac -b:a "$AUDIO_BITRATE" -ac 2 -ar 48000
          -f dash -seg_duration "$SEGMENT_SECONDS" -use_timeline 1 -use_template 1
          -adaptation_sets "$adaptation_sets"
          -init_seg_name 'init-$RepresentationID$.mp4' -media_seg_name 'seg-$RepresentationID$-$Number%05d$.m4s')
ff_cmd() { CMD=(ffmpeg "${ff_args[@]}" "$1/manifest.mpd"); }
# A command line for people: arguments quoted with '' only where the shell needs it.
show_cmd() {
  local a out=""
  for a; do
    if [[ $a =~ ^[A-Za-z0-9_./:=,+@%-]+$ ]]; then out+=" $a"; else out+=" '${a//\'/\'\\\'\'}'"; fi
  done
  echo "${out# }"
}
ff_cmd_shown=$(ff_cmd OUT; show_cmd "${CMD[@]}")

# ---------------------------------------------------------------------------------------------
# Timed runs
# ---------------------------------------------------------------------------------------------
# run_timed KEY LOG CMD...: one run under /usr/bin/time -f '%e %U %S %M'; appends
# "wall cpu rss_kb time_e" to results/KEY.tsv (wall from EPOCHREALTIME). Returns the rc.
run_timed() {
  local key=$1 log=$2; shift 2
  local tfile=$WORK_DIR/time.out t0 t1 rc e u s m wall cpu
  t0=$(now)
  set +e
  /usr/bin/time -o "$tfile" -f '%e %U %S %M' "$@" >"$log" 2>&1
  rc=$?
  set -e
  t1=$(now)
  if ((rc != 0)); then return "$rc"; fi
  read -r e u s m < <(tail -n 1 "$tfile")
  wall=$(calc "$t1-$t0") cpu=$(calc "$u+$s")
  echo "$wall $cpu $m $e" >>"$results/$key.tsv"
  LAST_FIGURES=$(printf 'wall %7.2f s  cpu %7.2f s  rss %7.1f MiB' "$wall" "$cpu" "$(calc "$m/1024")")
}
declare -A failed=()
# timed KEY LABEL RUN OF: runs CMD, prints the figures or the failure (then the key is skipped).
timed() {
  local key=$1 label=$2 run=$3 of=$4 rc
  if run_timed "$key" "$logs/$key.run$run.log" "${CMD[@]}"; then
    printf '  run %d/%d  %-26s %s\n' "$run" "$of" "$label" "$LAST_FIGURES"
  else
    rc=$?
    failed[$key]="exit status $rc"
    printf '  run %d/%d  %-26s FAILED (exit status %d); log tail:\n' "$run" "$of" "$label" "$rc"
    tail -n 5 "$logs/$key.run$run.log" | sed 's/^/      /'
  fi
}

sides=(ffmpeg)
[[ $FFMPEG_ONLY == 1 ]] || sides=(ours ffmpeg)
section "Full ladder: ${sides[*]}; $RUNS run(s) each, alternating"
echo "ffmpeg command: $ff_cmd_shown"
[[ $FFMPEG_ONLY == 1 ]] || { ve_cmd "$LADDER" OUT "$input"; echo "ours: $(show_cmd "${CMD[@]}")"; }
check_idle "full ladder"
cat "$input" >/dev/null   # warm the page cache
for ((run = 1; run <= RUNS; run++)); do
  for side in "${sides[@]}"; do
    [[ -z ${failed[$side]:-} ]] || continue
    dir=$out_root/$side
    fresh_dir "$dir"
    if [[ $side == ours ]]; then ve_cmd "$LADDER" "$dir" "$input"; else ff_cmd "$dir"; fi
    timed "$side" "$side" "$run" "$RUNS"
    ((run == RUNS)) || rm -rf -- "$dir"   # the last run's output is checked below
  done
done

extra_keys=()
if [[ $FFMPEG_ONLY != 1 && -z ${failed[ours]:-} ]] && ((EXTRA_RUNS > 0)); then
  section "video-encoder only: --renditions auto, and --jobs 2 on two copies; $EXTRA_RUNS run(s) each"
  copies=()
  for i in 1 2; do
    f=$WORK_DIR/copy$i.mp4
    [[ -e $f ]] || ln "$input" "$f" 2>/dev/null || cp "$input" "$f"
    copies+=("$f")
  done
  check_idle "video-encoder only"
  extra_keys=(auto jobs2 oneafter)
  for ((run = 1; run <= EXTRA_RUNS; run++)); do
    for key in "${extra_keys[@]}"; do
      [[ -z ${failed[$key]:-} ]] || continue
      dir=$out_root/$key
      fresh_dir "$dir"
      case $key in
        auto) ve_cmd auto "$dir" "$input"; label="--renditions auto" ;;
        jobs2) ve_cmd "$LADDER" "$dir" "${copies[@]}"; CMD+=(--jobs 2); label="2 copies, --jobs 2" ;;
        oneafter)
          ve_cmd "$LADDER" "$dir" "${copies[0]}"; first=("${CMD[@]}")
          ve_cmd "$LADDER" "$dir" "${copies[1]}"
          # shellcheck disable=SC2016  # expanded by the inner bash: first command, then the second
          CMD=(bash -c 'n=$1; shift; "${@:1:n}" && "${@:n+1}"' _ "${#first[@]}" "${first[@]}" "${CMD[@]}")
          label="2 copies, one after other" ;;
      esac
      timed "$key" "$label" "$run" "$EXTRA_RUNS"
      if [[ $key == auto && $run == 1 ]]; then
        # What auto chose: the kept source and the rungs encoded below it, with their bandwidths.
        auto_made=$(grep -ho '<Representation id="[^"]*"[^>]*bandwidth="[0-9]*"' "$dir"/*/manifest.mpd 2>/dev/null |
          sed -E 's/.*id="([^"]*)".*bandwidth="([0-9]*)"/\1 \2/' |
          awk '{printf "%s%s %d kbit/s", (NR > 1 ? ", " : ""), $1, $2 / 1000}' || true)
        echo "  auto made: ${auto_made:-(no manifest)}"
      fi
      rm -rf -- "$dir"
    done
  done
fi

# ---------------------------------------------------------------------------------------------
# Checks and quality, on the last full-ladder run of each side (untimed)
# ---------------------------------------------------------------------------------------------
side_dir() { if [[ $1 == ours ]]; then echo "$out_root/ours/$input_name"; else echo "$out_root/ffmpeg"; fi; }
video_id() { if [[ $1 == ours ]]; then echo "video0-${rung_h[$2]}p"; else echo "$2"; fi; }
audio_id() { if [[ $1 == ours ]]; then echo "audio1"; else echo "$nrungs"; fi; }
# assemble SIDE ID DEST: init + segments in order, as a player would fetch them.
assemble() {
  local dir segs
  dir=$(side_dir "$1")
  [[ -f $dir/init-$2.mp4 ]] || return 1
  segs=("$dir"/seg-"$2"-*.m4s)
  [[ -f ${segs[0]} ]] || return 1
  cat "$dir/init-$2.mp4" "${segs[@]}" >"$3"
}
duration_of() { probe -show_entries format=duration -of default=nw=1:nk=1 "$1"; }

# check_video FILE W H: size, SAR, profile, frames, and the IDR frames (decoded key frames only:
# -skip_frame nokey; key_frame=1 and pict_type=I) against the segment boundaries 0, 4, 8, ...
check_video() {
  local f=$1 w=$2 h=$3 info keys first last dur missing="" extra="" ok=1 t k n
  IFS=, read -r info < <(probe -select_streams v:0 -count_packets \
    -show_entries stream=width,height,sample_aspect_ratio,profile,nb_read_packets -of csv=p=0 "$f")
  IFS=, read -r profile fw fh fsar nframes <<<"$info"
  dur=$(duration_of "$f")
  keys=$(probe -select_streams v:0 -skip_frame nokey -show_entries frame=key_frame,pict_type,pts_time \
    -of csv=p=0 "$f" | awk -F, '$1 == 1 && $3 == "I" {print $2}')
  first=$(head -n 1 <<<"$keys")
  [[ -n $first ]] || first=0
  # Expected boundaries: k*4 at or before the last frame, relative to the first frame, each within
  # half a frame. Not from the file's duration: for fMP4 with negative composition offsets (trun
  # version 1, as ours) libavformat moves every pts later by the largest negative offset (its
  # dts_shift; browsers do not), which lengthens the reported duration by that much.
  last=$(probe -select_streams v:0 -show_entries packet=pts_time -of csv=p=0 "$f" | sort -g | tail -n 1)
  n=$(calc "int(($last - $first + 0.02) / $SEGMENT_SECONDS) + 1")
  for ((k = 0; k < n; k++)); do
    t=$((k * SEGMENT_SECONDS))
    awk -v t="$t" -v f="$first" '{if (($1 - f - t)^2 < 0.0004) found=1} END {exit !found}' <<<"$keys" || { missing+=" $t"; ok=0; }
  done
  extra=$(awk -v f="$first" -v s="$SEGMENT_SECONDS" '{r=($1-f)/s; if ((r-int(r+0.5))^2*s*s >= 0.0004) printf " %.2f", $1-f}' <<<"$keys")
  [[ $fw == "$w" && $fh == "$h" && $fsar == 1:1 ]] || ok=0
  printf '%sx%s SAR %s %s, %s frames, %.2f s; IDR at%s s (first at pts %s)' "$fw" "$fh" "$fsar" "$profile" \
    "$nframes" "$dur" "$(awk -v f="$first" '{printf " %g", $1-f}' <<<"$keys")" "$first"
  [[ -z $missing ]] || printf '; MISSING IDR at%s s' "$missing"
  [[ -z $extra ]] || printf '; extra IDR at%s s' "$extra"
  [[ $fw == "$w" && $fh == "$h" ]] || printf '; WRONG SIZE (expected %sx%s)' "$w" "$h"
  [[ $fsar == 1:1 ]] || printf '; SAR not 1:1'
  ((nframes == input_frames)) || printf '; %s frames, the source has %s' "$nframes" "$input_frames"
  ((ok)) && echo "  ok" || echo "  <-- CHECK"
}

# psnr SIDE I FILE -> "average_psnr frames_compared" (nan 0 on failure)
psnr_of() {
  local side=$1 i=$2 f=$3 base avg frames
  base=psnr-$side-${rung_h[i]}p
  if (cd "$rend_dir" && ffmpeg -hide_banner -nostdin -nostats -i "$f" -i "$input" -lavfi \
      "[1:v]scale=${rung_w[i]}:${rung_h[i]}:flags=bicubic[ref];[0:v][ref]psnr=stats_file=$base.stats" \
      -an -f null -) >"$logs/$base.log" 2>&1; then
    avg=$(grep -o 'average:[^ ]*' "$logs/$base.log" | tail -n 1 | cut -d: -f2)
    frames=$(wc -l <"$rend_dir/$base.stats")
    echo "${avg:-nan} $frames"
  else
    echo "nan 0"
  fi
}

declare -A psnr=() kbps=() checks=()
section "Checks and quality of the last run (untimed): sizes, IDR frames, PSNR against the scaled source"
for side in "${sides[@]}"; do
  [[ -z ${failed[$side]:-} ]] || { echo "$side: failed, nothing to check"; continue; }
  echo "$side ($(side_dir "$side")):"
  for ((i = 0; i < nrungs; i++)); do
    id=$(video_id "$side" "$i") f=$rend_dir/$side-${rung_h[i]}p.mp4
    if ! assemble "$side" "$id" "$f"; then
      printf '  %-20s no init-%s.mp4 / seg-%s-*.m4s  <-- CHECK\n' "${rung_h[i]}p" "$id" "$id"
      checks[$side]=bad; continue
    fi
    line=$(check_video "$f" "${rung_w[i]}" "${rung_h[i]}")
    [[ $line != *CHECK ]] || checks[$side]=bad
    printf '  %-20s %s\n' "${rung_h[i]}p ($id)" "$line"
    kbps[$side,$i]=$(calc "$(file_size "$f")*8/$(duration_of "$f")/1000")
    read -r p frames < <(psnr_of "$side" "$i" "$f")
    psnr[$side,$i]=$p
    ((frames == input_frames)) || warn "$side ${rung_h[i]}p: PSNR compared $frames frames, the source has $input_frames"
    rm -f -- "$f"
  done
  id=$(audio_id "$side") f=$rend_dir/$side-audio.mp4
  if assemble "$side" "$id" "$f"; then
    printf '  %-20s %s, %.2f s, %.0f kbit/s\n' "audio ($id)" \
      "$(probe -select_streams a:0 -show_entries stream=codec_name,profile,sample_rate,channels -of csv=p=0 "$f" | tr , ' ')" \
      "$(duration_of "$f")" "$(calc "$(file_size "$f")*8/$(duration_of "$f")/1000")"
    rm -f -- "$f"
  else
    printf '  %-20s no init-%s.mp4 / seg-%s-*.m4s  <-- CHECK\n' audio "$id" "$id"
    checks[$side]=bad
  fi
done

# ---------------------------------------------------------------------------------------------
# Summary
# ---------------------------------------------------------------------------------------------
stat_of() { # key column(1 wall,2 cpu,3 rss) median|maximum
  local f=$results/$1.tsv
  [[ -s $f ]] || { echo nan; return; }
  awk -v c="$2" '{print $c}' "$f" | "$3"
}
ratio() { if [[ $1 == nan || $2 == nan || -z $1 || -z $2 ]]; then echo nan; else calc "$1/$2"; fi; }
mib() { if [[ $1 == nan ]]; then echo nan; else calc "$1/1024"; fi; }
goal() { # value op limit -> "meets goal" / "misses goal" (information only)
  [[ $1 == nan ]] && { echo "-"; return; }
  awk -v v="$1" -v l="$3" -v op="$2" 'BEGIN {m = (op == "<=") ? v <= l : v >= l; print (m ? "meets goal" : "misses goal")}'
}
cpu_model=$(awk -F': *' '/^model name/ {print $2; exit}' /proc/cpuinfo)
ffmpeg_version=$(ffmpeg -version); ffmpeg_version=${ffmpeg_version%%$'\n'*}
x264_version=$(dpkg-query -W -f '${Package} ${Version} ' 'libx264-*' 2>/dev/null || true)
x264_version=${x264_version% }; x264_version=${x264_version:-libx264 (version unknown)}
ve_commit=$(git -C "$repo" describe --always --dirty 2>/dev/null || echo unknown)

section "SUMMARY"
echo "Machine : $cpu_model, nproc $(nproc), $(awk '/^MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo) RAM, $(uname -sr)"
if [[ $FFMPEG_ONLY == 1 ]]; then echo "Versions: video-encoder not run (--ffmpeg-only); source $ve_commit"
else echo "Versions: video-encoder source $ve_commit, binary $VE_BIN_ORIG ($ve_stamp)"; fi
echo "          $ffmpeg_version; $x264_version"
printf 'Input   : %s, %.1f s of %sx%s %s fps H.264 + AAC (%d loops of %s), %.1f MB\n' "$input" "$input_vdur" \
  "$src_w" "$src_h" "$src_fps" "$loops" "$(basename "$src_media")" "$(calc "$input_bytes/1e6")"
echo "Ladder  : $ladder_desc; maxrate 1.5x, bufsize 2x; preset $PRESET; AAC $AUDIO_BITRATE; ${SEGMENT_SECONDS} s segments; DASH only"
echo "Method  : $RUNS run(s) per side, alternating; warm page cache; fresh output dir per run; median wall and CPU"
echo "Idle    : CPU busy from other processes before each section: ${busy_notes[*]/%/,}" | sed 's/,$//'
((busy_max <= 10)) || echo "          WARNING: the machine was not idle; the timings are noisy (rerun when it is quiet)"
echo

echo "Full ladder"
printf '%-8s %10s %10s %10s %10s %s\n' side "wall med" "CPU med" "RSS max" "speed" ""
printf '%-8s %10s %10s %10s %10s %s\n' "" "(s)" "(s)" "(MiB)" "(x real)" ""
for side in ours ffmpeg; do
  w=$(stat_of "$side" 1 median)
  if [[ $w == nan ]]; then
    printf '%-8s %s\n' "$side" "$([[ $side == ours && $FFMPEG_ONLY == 1 ]] && echo "not run (--ffmpeg-only)" || echo "FAILED: ${failed[$side]:-no result}")"
    continue
  fi
  printf '%-8s %10.2f %10.2f %10.1f %10.2f %s\n' "$side" "$w" "$(stat_of "$side" 2 median)" \
    "$(calc "$(stat_of "$side" 3 maximum)/1024")" "$(calc "$input_vdur/$w")" \
    "$([[ -n ${failed[$side]:-} ]] && echo "(then FAILED: ${failed[$side]})")"
done
echo

echo "Per rung: PSNR (dB, average of Y/U/V as ffmpeg's psnr filter reports it) against the source scaled"
echo "with bicubic to the rung's size; bit rate = (init + segment bytes) x 8 / duration"
printf '%-16s %10s %10s %9s %11s %11s %9s\n' rung "PSNR ours" "PSNR ff" "diff" "kbit/s ours" "kbit/s ff" "target"
psnr_diffs="" psnr_worst=nan
for ((i = 0; i < nrungs; i++)); do
  po=${psnr[ours,$i]:-nan} pf=${psnr[ffmpeg,$i]:-nan} d=nan
  [[ $po == nan || $pf == nan ]] || d=$(calc "$po-$pf")
  printf '%-16s %10s %10s %9s %11s %11s %9s\n' "${rung_h[i]}p ${rung_w[i]}x${rung_h[i]}" "$(fmt .2f "$po")" "$(fmt .2f "$pf")" \
    "$(fmt +.2f "$d")" "$(fmt .0f "${kbps[ours,$i]:-nan}")" "$(fmt .0f "${kbps[ffmpeg,$i]:-nan}")" "$((rung_rate[i] / 1000))"
  if [[ $d != nan ]]; then
    psnr_diffs+="${psnr_diffs:+, }${rung_h[i]}p $(printf '%+.2f' "$d")"
    if [[ $psnr_worst == nan ]] || awk -v a="$d" -v b="$psnr_worst" 'BEGIN {exit !(a < b)}'; then psnr_worst=$d; fi
  fi
done
for side in "${sides[@]}"; do [[ -z ${checks[$side]:-} ]] || echo "WARNING: $side's output failed a check above (size, SAR, IDR or a missing file)"; done
echo

full_ours=$(stat_of ours 1 median) full_ff=$(stat_of ffmpeg 1 median)
auto_w=$(stat_of auto 1 median) jobs_w=$(stat_of jobs2 1 median) seq_w=$(stat_of oneafter 1 median)
if [[ $FFMPEG_ONLY != 1 && ${#extra_keys[@]} == 0 ]]; then
  echo "video-encoder only: not run ($([[ -n ${failed[ours]:-} ]] && echo "the full ladder failed" || echo "EXTRA_RUNS=0"))"
  echo
elif [[ $FFMPEG_ONLY != 1 ]]; then
  echo "video-encoder only ($EXTRA_RUNS run(s) each; median wall)"
  printf '  --renditions auto         %8s s   auto/full ladder %s\n' "$(fmt .2f "$auto_w")" "$(fmt .2f "$(ratio "$auto_w" "$full_ours")")"
  [[ -z ${auto_made:-} ]] || printf '    (%s)\n' "$auto_made"
  printf '  2 copies, --jobs 2        %8s s\n' "$(fmt .2f "$jobs_w")"
  printf '  2 copies, one after other %8s s   jobs2/one-after-other %s\n' "$(fmt .2f "$seq_w")" "$(fmt .2f "$(ratio "$jobs_w" "$seq_w")")"
  for key in "${extra_keys[@]}"; do [[ -z ${failed[$key]:-} ]] || echo "  $key FAILED: ${failed[$key]}"; done
  echo
fi

r_wall=$(ratio "$full_ours" "$full_ff")
# Each round times ours, then ffmpeg, a minute apart: the ratio within a round cancels a host that
# turns slower or faster over the quarter of an hour the runs take, which the ratio of the two
# medians above does not (on a shared machine, the CPU time of the same run has varied by up to
# 50 %).
round_ratios() {
  [[ -s $results/ours.tsv && -s $results/ffmpeg.tsv ]] || return 0
  paste -d' ' "$results/ours.tsv" "$results/ffmpeg.tsv" | awk 'NF == 8 && $5 > 0 {printf "%.2f\n", $1 / $5}'
}
r_rounds=$(round_ratios | tr '\n' ' ')
r_round_med=$([[ -n $r_rounds ]] && round_ratios | median || echo nan)
r_rss=$(ratio "$(stat_of ours 3 maximum)" "$(stat_of ffmpeg 3 maximum)")
r_auto=$(ratio "$auto_w" "$full_ours")
echo "Goals (information only; nothing is asserted)"
printf '  wall ours/ffmpeg     %6s   goal <= 0.90   %s\n' "$(fmt .2f "$r_wall")" "$(goal "$r_wall" '<=' 0.9)"
printf '    round by round     %6s   (median of %s)   %s\n' "$(fmt .2f "$r_round_med")" "${r_rounds% }" \
  "$(goal "$r_round_med" '<=' 0.9)"
printf '  PSNR ours-ffmpeg     %s   goal: within 0.1 dB (ours >= ffmpeg - 0.1)   %s\n' "${psnr_diffs:--}" \
  "$(goal "$psnr_worst" '>=' -0.1)"
printf '  peak RSS ours/ffmpeg %6s   (%s vs %s MiB)\n' "$(fmt .2f "$r_rss")" \
  "$(fmt .1f "$(mib "$(stat_of ours 3 maximum)")")" "$(fmt .1f "$(mib "$(stat_of ffmpeg 3 maximum)")")"
printf '  wall auto/full       %6s   goal <= 0.50   %s\n' "$(fmt .2f "$r_auto")" "$(goal "$r_auto" '<=' 0.5)"
echo
printf 'Benchmark took %.0f s. Raw per-run figures: %s/*.tsv (wall cpu rss_kb %%e)\n' "$(calc "$(now)-$bench_start")" "$results"
