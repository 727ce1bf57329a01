#!/usr/bin/env bash
# Benchmarks cratecache against plain cargo and sccache on the corpus projects; see docs/benchmarks.md.
#
# Usage: bench/bench.sh [--projects "hello-hyper big"] [--profiles "dev release"] [--repeat N]
#                       [--cold-repeat N] [--hit-reps N] [--out FILE] [--work DIR] [--keep]
#                       [--fs xfs|btrfs] [--fs-size SIZE]
#   --repeat N       runs of each warm/floor phase (median reported), default 3
#   --cold-repeat N  runs of each cold phase (each with a fresh empty store), default 1
#   --hit-reps N     timed replays of every cache-hit rustc invocation (hit latency), default 5
#   --out FILE       Markdown results (default bench/results/<date>-<time>.md)
#   --work DIR       scratch directory (default: a new /tmp/cratecache-bench.XXXXXX)
#   --keep           keep project copies and stores (default: only logs are kept)
#   --fs TYPE        run projects, stores and targets on a fresh loop-mounted xfs (reflink=1) or btrfs
#                    image under the work dir, removed at exit (default: the work dir's filesystem)
#   --fs-size SIZE   size of that sparse image (truncate -s), default 32G
# Env: CRATECACHE_BIN (default build/cratecache; a snapshot is taken at start), CRATECACHE_COMPRESSION
# (the store's codec, passed through and named in the report), SCCACHE_BIN
# (default /usr/bin/sccache), BENCH_QUIET_WAIT (seconds to wait for the machine to be idle (< 10 %
# CPU busy for 3 s) before each timed phase, default 600; 0 disables waiting).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
here=$root/bench
helpers=$here/bench_helpers.py

projects="hello-hyper big"
profiles="dev release"
repeat=3
cold_repeat=1
hit_reps=5
out=""
work=""
keep=0
fs=""
fs_size=32G
command_line="bench/bench.sh $*"
while [ $# -gt 0 ]; do
  case $1 in
    --projects) projects=$2; shift 2 ;;
    --profiles) profiles=$2; shift 2 ;;
    --repeat) repeat=$2; shift 2 ;;
    --cold-repeat) cold_repeat=$2; shift 2 ;;
    --hit-reps) hit_reps=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    --fs) fs=$2; shift 2 ;;
    --fs-size) fs_size=$2; shift 2 ;;
    -h | --help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "bench.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
for p in $projects; do [ -d "$root/tests/projects/$p" ] || { echo "bench.sh: no project $p" >&2; exit 2; }; done
case $fs in "" | xfs | btrfs) ;; *) echo "bench.sh: --fs must be xfs or btrfs" >&2; exit 2 ;; esac
for prof in $profiles; do case $prof in dev | release) ;; *) echo "bench.sh: profile must be dev or release" >&2; exit 2 ;; esac; done

export PATH="$HOME/.cargo/bin:$PATH"
# Ambient settings would change what cargo does; every phase sets what it needs itself.
unset RUSTC_WRAPPER RUSTC_WORKSPACE_WRAPPER RUSTFLAGS CARGO_ENCODED_RUSTFLAGS CARGO_TARGET_DIR \
  CARGO_BUILD_TARGET_DIR CARGO_INCREMENTAL RUSTUP_TOOLCHAIN CRATECACHE_DIR CRATECACHE_LOG \
  CRATECACHE_DISABLE CRATECACHE_CACHE_PATH_PACKAGES SCCACHE_DIR SCCACHE_LOG
sccache_bin=${SCCACHE_BIN:-/usr/bin/sccache}
[ -x "$sccache_bin" ] || { echo "bench.sh: $sccache_bin missing (apt-get install -y sccache)" >&2; exit 1; }
# A private sccache server (own port, never idles out) so nothing else on the machine shares it.
export SCCACHE_SERVER_PORT=${SCCACHE_SERVER_PORT:-$((20000 + $$ % 20000))} SCCACHE_IDLE_TIMEOUT=0 SCCACHE_CACHE_SIZE=50G
quiet_wait=${BENCH_QUIET_WAIT:-600}

if [ -z "$work" ]; then work=$(mktemp -d /tmp/cratecache-bench.XXXXXX); fi
mkdir -p "$work/bin" "$work/results" "$work/logs"
work=$(cd "$work" && pwd -P)
date_tag=$(date +%Y-%m-%d-%H%M)
[ -n "$out" ] || out=$root/bench/results/$date_tag.md
mkdir -p "$(dirname "$out")"

scratch=$work # projects, stores, targets and CARGO_HOME; logs, results and the binary stay in $work
cleanup() {
  local rc=$?
  "$sccache_bin" --stop-server >/dev/null 2>&1 || true
  if [ -n "$fs" ] && [ "$keep" = 0 ] && mountpoint -q "$work/fs"; then
    umount "$work/fs" 2>/dev/null || { sleep 2; umount "$work/fs"; } || umount -l "$work/fs" || true
    rm -f "$work/fs.img"
  elif [ -n "$fs" ]; then
    echo "bench.sh: $fs image $work/fs.img left mounted on $work/fs (umount it, then remove it)" >&2
  fi
  if [ "$keep" = 0 ]; then
    find "$work" -mindepth 1 -maxdepth 1 -type d ! -name logs ! -name results -exec rm -rf {} + 2>/dev/null || true
  fi
  echo "bench.sh: logs in $work/logs" >&2
  return "$rc"
}
trap cleanup EXIT

say() { echo "[$(date +%H:%M:%S)] $*" >&2; }
now() { date +%s.%N; }

# --- the filesystem under test: a fresh loop-mounted image with --fs ------------------------------
if [ -n "$fs" ]; then
  command -v "mkfs.$fs" >/dev/null || apt-get install -y xfsprogs btrfs-progs >/dev/null
  truncate -s "$fs_size" "$work/fs.img"
  case $fs in
    xfs) mkfs.xfs -q -m reflink=1 "$work/fs.img" ;;
    btrfs) mkfs.btrfs -q "$work/fs.img" ;;
  esac
  mkdir -p "$work/fs"
  mount -o loop "$work/fs.img" "$work/fs"
  scratch=$work/fs
fi

# --- the binary under test: a snapshot, so a rebuild by someone else mid-run changes nothing ---------
src_bin=${CRATECACHE_BIN:-$root/build/cratecache}
bin=$work/bin/cratecache
for attempt in $(seq 60); do
  if [ -x "$src_bin" ] && cp "$src_bin" "$bin.tmp" 2>/dev/null && "$bin.tmp" --help >/dev/null 2>&1; then
    mv "$bin.tmp" "$bin"
    break
  fi
  [ "$attempt" = 60 ] && { echo "bench.sh: no working binary at $src_bin" >&2; exit 1; }
  say "waiting for $src_bin (being rebuilt?)"
  sleep 5
done

cargo_home=$("$root/scripts/setup-corpus.sh" "$scratch/cargo-home")
export CARGO_HOME=$cargo_home

meta=$work/meta.tsv
{
  printf 'date\t%s\n' "$(date '+%Y-%m-%d %H:%M %Z')"
  printf 'commit\t%s\n' "$(git -C "$root" log -1 --format=%h 2>/dev/null || echo '?')"
  if [ -n "$(git -C "$root" status --porcelain -- src CMakeLists.txt 2>/dev/null)" ]; then
    printf 'dirty\t%s\n' " (working tree had uncommitted changes in src/ or CMakeLists.txt)"
  fi
  printf 'binary_sha\t%s\n' "$(sha256sum "$bin" | cut -d' ' -f1)"
  printf 'binary_mtime\t%s\n' "built $(date -r "$src_bin" '+%Y-%m-%d %H:%M')"
  printf 'rustc\t%s\n' "$(rustc --version)"
  printf 'cargo\t%s\n' "$(cargo --version)"
  printf 'sccache\t%s\n' "$("$sccache_bin" --version)"
  printf 'compression\t%s\n' "${CRATECACHE_COMPRESSION:-auto (default: aligned where the store filesystem has reflinks, else lz4)}"
  printf 'filesystem\t%s\n' "$(findmnt -no FSTYPE,SOURCE -T "$scratch" | tr -s ' ')$([ -n "$fs" ] && echo ", a fresh $fs_size sparse loop image (--fs $fs$([ "$fs" = xfs ] && echo ', mkfs.xfs -m reflink=1'))")"
  printf 'cpus\t%s\n' "$(nproc)"
  printf 'kernel\t%s\n' "$(uname -sr)"
  printf 'load\t%s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
  printf 'command\t%s\n' "$command_line"
  printf 'projects\t%s\n' "$projects"
  printf 'profiles\t%s\n' "$profiles"
  printf 'repeat\t%s\n' "$repeat"
  printf 'cold_repeat\t%s\n' "$cold_repeat"
  printf 'hit_reps\t%s\n' "$hit_reps"
} >"$meta"
say "work dir $work; binary $(git -C "$root" log -1 --format=%h); results -> $out"

# --- other work on the machine (e.g. someone running the test suite) -------------------------------
# The benchmark cannot stop it, so it waits for a quiet machine before each timed phase and measures
# how much of the machine's CPU others used during the phase: machine-wide busy time (/proc/stat)
# minus the CPU time of everything this phase ran (cargo's children, plus the sccache server).
hz=$(getconf CLK_TCK)
machine_cpu() { # prints "busy total" jiffies over all CPUs
  local _ u n s i w q sq st rest
  read -r _ u n s i w q sq st rest </proc/stat
  echo "$((u + n + s + q + sq + st)) $((u + n + s + i + w + q + sq + st))"
}

waited_total=0
# Waits (at most $quiet_wait s) until the machine has been < 10 % busy for 3 s in a row.
wait_quiet() {
  [ "$quiet_wait" -gt 0 ] || return 0
  local quiet=0 waited=0 said=0 b0 t0 b1 t1
  while [ "$quiet" -lt 3 ] && [ "$waited" -lt "$quiet_wait" ]; do
    read -r b0 t0 < <(machine_cpu)
    sleep 1
    read -r b1 t1 < <(machine_cpu)
    if [ $((100 * (b1 - b0))) -lt $((10 * (t1 - t0 > 0 ? t1 - t0 : 1))) ]; then
      quiet=$((quiet + 1))
    else
      quiet=0
      [ "$said" = 1 ] || { say "  waiting for the machine to be idle"; said=1; }
    fi
    waited=$((waited + 1))
  done
  waited_total=$((waited_total + waited - quiet))
}

# This benchmark's sccache server (not Cargo's child, so not in the build's counters): "user system"
# CPU ticks (self + waited children) and the bytes it caused to be written to storage; 0 0 0 when none.
sccache_server_usage() {
  local pid
  for pid in $(pgrep -x sccache); do
    grep -qaz "^SCCACHE_SERVER_PORT=$SCCACHE_SERVER_PORT\$" "/proc/$pid/environ" 2>/dev/null || continue
    echo "$(awk '{print $14 + $16, $15 + $17}' "/proc/$pid/stat") $(awk '$1 == "write_bytes:" {print $2}' "/proc/$pid/io")" && return
  done
  echo 0 0 0
}

# The calling shell's I/O counters: "write_bytes wchar". Linux adds a waited child's counters (and
# those it had collected from its own children) to the parent's, so after `wait` they cover the whole
# build. write_bytes counts page-cache pages dirtied (bytes sent towards the disk, reflinks none);
# wchar bytes passed to write(2)-like calls (copy_file_range too).
io_counters() { awk '$1 == "write_bytes:" {w = $2} $1 == "wchar:" {c = $2} END {print w, c}' "/proc/$BASHPID/io"; }

profile_dir() { [ "$1" = release ] && echo release || echo debug; }

copy_project() { # NAME DEST
  mkdir -p "$(dirname "$2")"
  cp -r "$root/tests/projects/$1" "$2"
  rm -rf "$2/target" "$2/Cargo.lock"
}

# timed DIR PROFILE [VAR=VALUE...]: `cargo build --quiet` in DIR. Sets T (wall seconds), CPU (CPU
# seconds of everything the build ran), USR and SYS (its user and system parts), WB and WCHAR (bytes
# it wrote, see io_counters) and OTHER (% of the machine's CPU used by other processes).
timed() {
  local dir=$1 prof=$2 s e b0 t0 b1 t1 sc0 sc1 rc
  shift 2
  local flags=(--quiet)
  [ "$prof" = release ] && flags+=(--release)
  wait_quiet
  sc0=$(sccache_server_usage)
  read -r b0 t0 < <(machine_cpu)
  s=$(now)
  (
    cd "$dir"
    io_counters >"$dir.io0"
    if env "$@" cargo build "${flags[@]}" >"$dir.out" 2>&1; then rc=0; else rc=$?; fi
    times >"$dir.times" # second line: user and system time of the waited children (cargo and all below)
    io_counters >"$dir.io1"
    exit "$rc"
  ) || {
    echo "bench.sh: build failed in $dir:" >&2
    tail -40 "$dir.out" >&2
    exit 1
  }
  e=$(now)
  read -r b1 t1 < <(machine_cpu)
  sc1=$(sccache_server_usage)
  T=$(awk -v a="$s" -v b="$e" 'BEGIN {printf "%.2f", b - a}')
  read -r USR SYS < <(sed -n 2p "$dir.times" | awk -v a="$sc0" -v b="$sc1" -v hz="$hz" '
    function secs(x,  m) { m = x; sub(/m.*/, "", m); sub(/^[0-9]+m/, "", x); sub(/s$/, "", x); return m * 60 + x }
    {split(a, p, " "); split(b, q, " "); printf "%.2f %.2f\n", secs($1) + (q[1] - p[1]) / hz, secs($2) + (q[2] - p[2]) / hz}')
  CPU=$(awk -v u="$USR" -v y="$SYS" 'BEGIN {printf "%.2f", u + y}')
  read -r WB WCHAR < <(paste "$dir.io0" "$dir.io1" | awk -v a="$sc0" -v b="$sc1" \
    '{split(a, p, " "); split(b, q, " "); print $3 - $1 + q[3] - p[3], $4 - $2}')
  OTHER=$(awk -v db=$((b1 - b0)) -v dt=$((t1 - t0)) -v cpu="$CPU" -v hz="$hz" \
    'BEGIN {o = dt > 0 ? 100 * (db / hz - cpu) / (dt / hz) : 0; printf "%d", o < 0 ? 0 : o}')
}

sc_start() { SCCACHE_DIR=$1 "$sccache_bin" --start-server >/dev/null 2>&1; }
sc_stop() { "$sccache_bin" --stop-server >/dev/null 2>&1 || true; }

run_combo() {
  local p=$1 prof=$2 i d
  local r=$scratch/$p-$prof res=$work/results/$p-$prof.tsv logs=$work/logs/$p-$prof pdir
  pdir=$(profile_dir "$prof")
  rm -rf "$r" "$res"
  mkdir -p "$r" "$logs"
  kv() { printf '%s\t%s\n' "$1" "$2" >>"$res"; }
  kv_from() { # PREFIX: key/value lines on stdin, stored with PREFIX
    local k v
    while IFS=$'\t' read -r k v; do kv "$1$k" "$v"; done
  }
  local samples=() cpus=() others=() usrs=() syss=() wbs=() wchars=() flags=(--quiet)
  [ "$prof" = release ] && flags+=(--release)
  record() { # KEY: median of samples, plus the samples
    kv "$1" "$(python3 "$helpers" median "${samples[@]}")"
    kv "$1_samples" "${samples[*]}"
    kv "$1_cpu" "$(python3 "$helpers" median "${cpus[@]}")"
    kv "$1_cpu_samples" "${cpus[*]}"
    kv "$1_other" "${others[*]}"
    kv "$1_usr" "$(python3 "$helpers" median "${usrs[@]}")"
    kv "$1_sys" "$(python3 "$helpers" median "${syss[@]}")"
    kv "$1_wb" "$(python3 "$helpers" median "${wbs[@]}")"
    kv "$1_wchar" "$(python3 "$helpers" median "${wchars[@]}")"
    kv "$1_io_samples" "$(paste -d/ <(printf '%s\n' "${wbs[@]}") <(printf '%s\n' "${wchars[@]}") | tr '\n' ' ')"
    say "  $1: ${samples[*]} s (cpu ${cpus[*]} s, sys ${syss[*]}; written ${wbs[*]} B; others used ${others[*]} % of the machine)"
    samples=() cpus=() others=() usrs=() syss=() wbs=() wchars=()
  }
  sample() { samples+=("$T") cpus+=("$CPU") others+=("$OTHER") usrs+=("$USR") syss+=("$SYS") wbs+=("$WB") wchars+=("$WCHAR"); }
  local waited_before=$waited_total
  kv project "$p"
  kv profile "$prof"
  say "== $p / $prof"

  # 1. plain cargo, fresh project
  for i in $(seq "$cold_repeat"); do
    d=$r/cargo-cold-$i/$p
    copy_project "$p" "$d"
    timed "$d" "$prof"
    sample
  done
  record cargo_cold

  # 2. floor: the fully built project, main.rs touched, no wrapper
  local floor_dir=$r/cargo-cold-1/$p
  for i in $(seq "$repeat"); do
    touch "$floor_dir/src/main.rs"
    timed "$floor_dir" "$prof"
    sample
  done
  record floor

  # 2b. new-code floor: the same project with the workspace member cleaned (its incremental state
  #     too), rebuilt, no wrapper — what compiling a never-seen member costs with every dependency built
  local clean_flags=(--quiet -p "$p")
  [ "$prof" = release ] && clean_flags+=(--release)
  for i in $(seq "$repeat"); do
    (cd "$floor_dir" && cargo clean "${clean_flags[@]}") >"$floor_dir.clean.out" 2>&1 ||
      { tail -40 "$floor_dir.clean.out" >&2; exit 1; }
    timed "$floor_dir" "$prof"
    sample
  done
  record newcode_floor

  # 3. sccache cold: empty cache dir, fresh server
  local scdir
  for i in $(seq "$cold_repeat"); do
    scdir=$r/sccache-store-$i
    mkdir -p "$scdir"
    sc_stop
    sc_start "$scdir"
    d=$r/sccache-cold-$i/$p
    copy_project "$p" "$d"
    timed "$d" "$prof" RUSTC_WRAPPER="$sccache_bin" SCCACHE_DIR="$scdir"
    "$sccache_bin" --show-stats --stats-format json >"$logs/sccache-cold-$i.json"
    sc_stop
    sample
  done
  record sccache_cold
  python3 "$helpers" scstats "$logs/sccache-cold-1.json" | kv_from scc_
  kv sc_store_bytes "$(du -sb "$scdir" | cut -f1)"

  # 4. sccache warm: same cache, fresh project in another directory, server restarted
  for i in $(seq "$repeat"); do
    sc_start "$scdir"
    d=$r/sccache-warm-$i/elsewhere/$p
    copy_project "$p" "$d"
    timed "$d" "$prof" RUSTC_WRAPPER="$sccache_bin" SCCACHE_DIR="$scdir"
    "$sccache_bin" --show-stats --stats-format json >"$logs/sccache-warm-$i.json"
    sc_stop
    sample
  done
  record sccache_warm
  python3 "$helpers" scstats "$logs/sccache-warm-1.json" | kv_from scw_

  # 5. cratecache cold: empty store
  local store
  for i in $(seq "$cold_repeat"); do
    store=$r/cc-store-$i
    d=$r/cc-cold-$i/$p
    copy_project "$p" "$d"
    timed "$d" "$prof" RUSTC_WRAPPER="$bin" CRATECACHE_DIR="$store" CRATECACHE_LOG="$logs/cc-cold-$i.log"
    sample
  done
  record cc_cold
  CRATECACHE_DIR=$store "$bin" stats --json >"$logs/cc-store-after-cold.json"
  python3 "$helpers" ccstats "$logs/cc-store-after-cold.json" | grep -E '^(entries|bytes|errors)' | kv_from cc_store_
  python3 "$helpers" logsummary "$logs/cc-cold-1.log" | kv_from ccc_

  # 6. cratecache warm: same store, fresh project in another directory
  for i in $(seq "$repeat"); do
    d=$r/cc-warm-$i/another/place/$p
    copy_project "$p" "$d"
    timed "$d" "$prof" RUSTC_WRAPPER="$bin" CRATECACHE_DIR="$store" CRATECACHE_LOG="$logs/cc-warm-$i.log"
    sample
  done
  record cc_warm
  python3 "$helpers" logsummary "$logs/cc-warm-1.log" | kv_from ccw_
  for i in $(seq 2 "$repeat"); do
    if ! cmp -s <(python3 "$helpers" logsummary "$logs/cc-warm-1.log" | sort) \
      <(python3 "$helpers" logsummary "$logs/cc-warm-$i.log" | sort); then
      kv ccw_varies "warm run $i had different outcomes than warm run 1 (see logs)"
    fi
  done
  # 6b. the same with cache_path_packages: a project seen before (another CI runner, a redeploy), so
  #     the workspace member is served too. One untimed build of another copy stores the member.
  d=$r/cc-members-seed/$p
  copy_project "$p" "$d"
  (cd "$d" && RUSTC_WRAPPER="$bin" CRATECACHE_DIR="$store" CRATECACHE_CACHE_PATH_PACKAGES=1 \
    CRATECACHE_LOG="$logs/cc-members-seed.log" cargo build "${flags[@]}") >"$d.out" 2>&1 ||
    { tail -40 "$d.out" >&2; exit 1; }
  for i in $(seq "$repeat"); do
    d=$r/cc-members-$i/yet/another/$p
    copy_project "$p" "$d"
    timed "$d" "$prof" RUSTC_WRAPPER="$bin" CRATECACHE_DIR="$store" CRATECACHE_CACHE_PATH_PACKAGES=1 \
      CRATECACHE_LOG="$logs/cc-members-$i.log"
    sample
  done
  record cc_members
  python3 "$helpers" logsummary "$logs/cc-members-1.log" | kv_from ccm_

  d=$r/cc-warm-1/another/place/$p
  kv build_scripts_invoked "$(find "$d/target/$pdir/build" \( -regex '.*/build/[^/]*/output' -o -regex '.*/build/[^/]*/[0-9a-f]*/run/stdout' \) | wc -l)"
  # Bytes of the files under deps/ and build/ (hard links once), without the workspace member's outputs.
  kv materialised_bytes "$(find "$d/target/$pdir/deps" "$d/target/$pdir/build" -type f \
    ! -path "$d/target/$pdir/deps/${p//-/_}-*" ! -path "$d/target/$pdir/build/$p/*" -printf '%i %s\n' | sort -u | awk '{s += $2} END {printf "%d", s}')"

  # 7. per-hit latency: record every rustc invocation of one more warm build (untimed), then run
  #    each recorded hit directly, hit_reps times, against the warm store.
  say "  hit latency"
  local rec=$r/record
  mkdir -p "$rec"
  d=$r/cc-record/x/$p
  copy_project "$p" "$d"
  (cd "$d" && RUSTC_WRAPPER="$here/record-wrapper.sh" BENCH_RECORD_DIR="$rec" BENCH_REAL_WRAPPER="$bin" \
    CRATECACHE_DIR="$store" CRATECACHE_LOG="$logs/cc-record.log" cargo build "${flags[@]}") >"$d.out" 2>&1 ||
    { tail -40 "$d.out" >&2; exit 1; }
  wait_quiet
  python3 "$helpers" replay "$rec" "$bin" "$hit_reps" "$logs/hit-latency" | kv_from ""

  # 8. breakdown: one more warm build of a fresh copy, and one more floor rebuild, with --timings
  #    (untimed here; the per-unit durations come from Cargo's report).
  say "  breakdown (--timings)"
  d=$r/cc-timings/y/$p
  copy_project "$p" "$d"
  wait_quiet
  (cd "$d" && RUSTC_WRAPPER="$bin" CRATECACHE_DIR="$store" CRATECACHE_LOG="$logs/cc-timings.log" \
    cargo build "${flags[@]}" --timings) >"$d.out" 2>&1 || { tail -40 "$d.out" >&2; exit 1; }
  cp "$d/target/cargo-timings/cargo-timing.html" "$logs/cc-warm-timings.html"
  python3 "$helpers" timings "$logs/cc-warm-timings.html" "$p" | kv_from tw_
  touch "$floor_dir/src/main.rs"
  wait_quiet
  (cd "$floor_dir" && cargo build "${flags[@]}" --timings) >"$floor_dir.out" 2>&1 || { tail -40 "$floor_dir.out" >&2; exit 1; }
  cp "$floor_dir/target/cargo-timings/cargo-timing.html" "$logs/floor-timings.html"
  python3 "$helpers" timings "$logs/floor-timings.html" "$p" | kv_from tf_
  kv waited "$((waited_total - waited_before))"

  python3 "$helpers" report "$work/results" "$meta" >"$out"
  # Cargo's output of every build, kept with the logs.
  (cd "$r" && find . -maxdepth 4 -name '*.out' -exec cp --parents {} "$logs/" \;)
  [ "$keep" = 1 ] || rm -rf "$r"
}

start=$(date +%s)
for p in $projects; do
  for prof in $profiles; do
    run_combo "$p" "$prof"
  done
done
printf 'duration\t%s\n' "$(($(date +%s) - start))" >>"$meta"
python3 "$helpers" report "$work/results" "$meta" >"$out"
cat "$out"
echo
echo "written: $out"
