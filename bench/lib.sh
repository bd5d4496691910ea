# SPDX-License-Identifier: Apache-2.0
# Helpers shared by the benchmark scripts (sourced). They use the caller's warn(), calc(), WAIT_IDLE
# and SYNC, and keep busy_notes/busy_max for the caller's report.

# Share of all CPUs that was busy (user, nice, system, irq, softirq, steal) during one second, in %.
cpu_jiffies() { awk '/^cpu / {print $2+$3+$4+$7+$8+$9, $2+$3+$4+$5+$6+$7+$8+$9}' /proc/stat; }
busy_pct() {
  local b0 t0 b1 t1
  read -r b0 t0 < <(cpu_jiffies); sleep 1; read -r b1 t1 < <(cpu_jiffies)
  calc "($t1>$t0) ? ($b1-$b0)*100/($t1-$t0) : 0" | awk '{printf "%.0f", $1}'
}
check_idle() { # label
  local pct waited=0
  pct=$(busy_pct)
  if ((pct > 10 && WAIT_IDLE > 0)); then
    echo "waiting up to ${WAIT_IDLE}s for the machine to be idle (now ${pct}% busy)"
    while ((pct > 10 && waited < WAIT_IDLE)); do pct=$(busy_pct); waited=$((waited + 1)); done
  fi
  busy_notes+=("$1 ${pct}%")
  ((pct <= busy_max)) || busy_max=$pct
  echo "CPU busy from other processes just before this section: ${pct}% of $(nproc) cores (load average $(cut -d' ' -f1-3 /proc/loadavg))"
  if ((pct > 10)); then warn "the machine is not idle (${pct}% CPU busy): the timings below will be noisy"; fi
}
median() { sort -g | awk '{a[NR]=$1} END {if (!NR) print "nan"; else if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
maximum() { awk 'NR==1 || $1>m {m=$1} END {print (NR ? m : "nan")}'; }
file_size() { stat -c %s "$1"; }
now() { echo "${EPOCHREALTIME:-$(date +%s.%N)}"; }
fresh_dir() { rm -rf -- "$1"; if [[ $SYNC == 1 ]]; then sync; fi; mkdir -p "$1"; }
busy_notes=() busy_max=0
