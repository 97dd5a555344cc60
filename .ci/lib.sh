# Helpers of .ci/run (sourced; tests/test_ci_run.py runs them with a stand-in apt-get).

# step NAME: announce a step; when the script then fails, the EXIT trap names that step.
step_name=""
step() { step_name="$1"; echo "== $1" >&2; }
name_failed_step() {
  local rc=$?
  if [ "$rc" -ne 0 ] && [ -n "$step_name" ]; then
    echo ".ci/run: the step \"$step_name\" failed (exit code $rc)" >&2
  fi
  return "$rc"
}
trap name_failed_step EXIT

# apt-get that waits, for at most $SAMTBU_APT_LOCK_WAIT seconds (default 600), while another apt or
# dpkg process holds its lock (unattended upgrades on a fresh machine), instead of failing at once.
apt_get() {
  local deadline=$((SECONDS + ${SAMTBU_APT_LOCK_WAIT:-600})) out rc
  while :; do
    rc=0
    out=$(DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=60 "$@" 2>&1) || rc=$?
    if [ "$rc" -eq 0 ]; then return 0; fi
    if grep -qiE "could not get lock|unable to (acquire|lock)|is another process using it" <<<"$out" \
        && [ "$SECONDS" -lt "$deadline" ]; then
      echo "apt is busy (another process holds its lock): waiting, at most $((deadline - SECONDS)) s more" >&2
      sleep "${SAMTBU_APT_LOCK_POLL:-10}"
      continue
    fi
    printf '%s\n' "$out" | tail -n 30 >&2
    return "$rc"
  done
}
