# SPDX-License-Identifier: Apache-2.0
# Process helpers sourced by the test-server scripts in this folder.

# True while process $1 runs. A process that exited but is not reaped yet (a zombie: our detached
# servers are children of init, which may take a second or more to reap them) counts as gone.
running() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }  # the fields after "(comm) "; the first is the state
  [ -n "$stat" ] && [ "${stat%% *}" != Z ]
}
