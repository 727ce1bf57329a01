# shellcheck shell=bash disable=SC2034 # the variables set here are for the sourcing tests
# Loopback servers for the fleet-tier (remote cache) tests. Source after lib.sh. Each server is
# installed (Debian or npm) if missing, runs from a directory under $WORK on a free 127.0.0.1 port,
# never as the system service, and is killed at exit through lib.sh's at_exit.
# Executed directly, this file is its own smoke test: each server starts, answers and stops.

# need_cmd CMD PACKAGE...: installs the Debian packages when CMD is missing (CI starts fresh).
need_cmd() {
  local cmd=$1
  shift
  command -v "$cmd" >/dev/null && return 0
  "$SRC/scripts/apt-install.sh" "$@" || fail "could not install $*"
}

# A port that was free a moment ago; the short race is caught by wait_ready. Below the kernel's
# ephemeral range, and with port+10000 free too: a cluster node also listens there (bus port).
free_port() {
  python3 -c '
import random, socket
def free(p):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", p))
            return True
        except OSError:
            return False
for _ in range(200):
    p = random.randrange(20000, 30000)
    if free(p) and free(p + 10000):
        print(p)
        break
else:
    raise SystemExit("no free port pair")'
}

# wait_ready WHAT PID LOG CHECK...: polls CHECK for up to 15 s; fails early if PID has exited.
wait_ready() {
  local what=$1 pid=$2 log=$3 i
  shift 3
  for i in $(seq 150); do
    "$@" >/dev/null 2>&1 && return 0
    running "$pid" || break
    sleep 0.1
  done
  tail -n 20 "$log" >&2 || true
  fail "$what did not come up (pid $pid, $i polls)"
}

# running PID: alive and not a zombie (a killed child stays a zombie until reaped by wait).
running() {
  local st
  st=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
  [[ $st != Z* ]]
}

# stop_server PID: TERM, then KILL if it has not exited within 5 s; reaps it.
stop_server() {
  local i
  kill "$1" 2>/dev/null || return 0
  for i in $(seq 50); do
    running "$1" || break
    sleep 0.1
  done
  running "$1" && kill -9 "$1" 2>/dev/null
  wait "$1" 2>/dev/null || true
}

# _redis_node DIR PORT [ARGS...]: one redis-server in the foreground of a background job; sets
# _PID. No persistence: the data dir is only for the cluster's nodes.conf.
_redis_node() {
  local dir=$1 port=$2
  shift 2
  mkdir -p "$dir"
  redis-server --bind 127.0.0.1 --port "$port" --dir "$dir" --save '' --appendonly no \
    --daemonize no --logfile "$dir/redis.log" "$@" &
  _PID=$!
  at_exit "stop_server $_PID"
  wait_ready "redis on port $port" "$_PID" "$dir/redis.log" redis-cli -p "$port" ping
}

# start_redis: one node; sets REDIS_PORT, REDIS_PID, REDIS_URL.
start_redis() {
  need_cmd redis-server redis-server redis-tools
  REDIS_PORT=$(free_port)
  _redis_node "$WORK/redis-$REDIS_PORT" "$REDIS_PORT"
  REDIS_PID=$_PID
  REDIS_URL=redis://127.0.0.1:$REDIS_PORT
}

# start_redis_cluster: three masters owning all 16384 slots, no replicas; sets CLUSTER_PORTS,
# CLUSTER_PIDS and CLUSTER_URL (the first node, the others listed in ?nodes=: the client must
# follow MOVED to them, and only to them).
start_redis_cluster() {
  local port i nodes=()
  need_cmd redis-server redis-server redis-tools
  CLUSTER_PORTS=() CLUSTER_PIDS=()
  for i in 1 2 3; do
    port=$(free_port)
    _redis_node "$WORK/cluster-$port" "$port" --cluster-enabled yes \
      --cluster-config-file "$WORK/cluster-$port/nodes.conf" --cluster-node-timeout 5000
    CLUSTER_PORTS+=("$port") CLUSTER_PIDS+=("$_PID") nodes+=("127.0.0.1:$port")
  done
  timeout 60 redis-cli --cluster create "${nodes[@]}" --cluster-replicas 0 --cluster-yes \
    >"$WORK/cluster-create.log" 2>&1 || { cat "$WORK/cluster-create.log" >&2; fail "cluster create"; }
  for port in "${CLUSTER_PORTS[@]}"; do
    wait_ready "cluster state ok on $port" "${CLUSTER_PIDS[0]}" "$WORK/cluster-create.log" \
      bash -c "redis-cli -p $port cluster info | grep -q '^cluster_state:ok'"
  done
  CLUSTER_URL="redis://127.0.0.1:${CLUSTER_PORTS[0]}?nodes=$(IFS=,; echo "${nodes[*]:1}")"
}

# redis_keys PORT: number of keys of one node.
redis_keys() { redis-cli -p "$1" dbsize; }

# start_webdav: nginx with PUT/DELETE on a scratch root; sets DAV_PORT, DAV_PID, DAV_ROOT and
# DAV_URL (with a prefix, so the client has to keep the path).
start_webdav() {
  local dir
  need_cmd nginx nginx
  DAV_PORT=$(free_port)
  dir=$WORK/nginx-$DAV_PORT
  DAV_ROOT=$dir/www
  mkdir -p "$DAV_ROOT" "$dir/tmp"
  # user root: when run as root the workers would otherwise be nobody, who cannot enter $WORK.
  cat >"$dir/nginx.conf" <<CONF
daemon off;
user root;
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/error.log;
events { worker_connections 256; }
http {
  access_log $dir/access.log;
  client_body_temp_path $dir/tmp/body;
  proxy_temp_path $dir/tmp/proxy;
  fastcgi_temp_path $dir/tmp/fastcgi;
  uwsgi_temp_path $dir/tmp/uwsgi;
  scgi_temp_path $dir/tmp/scgi;
  server {
    listen 127.0.0.1:$DAV_PORT;
    root $DAV_ROOT;
    client_max_body_size 0;
    location / {
      dav_methods PUT DELETE;
      create_full_put_path on;
    }
  }
}
CONF
  nginx -p "$dir" -e "$dir/error.log" -c "$dir/nginx.conf" &
  DAV_PID=$!
  at_exit "stop_server $DAV_PID"
  wait_ready "nginx on port $DAV_PORT" "$DAV_PID" "$dir/error.log" \
    curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$DAV_PORT/"
  DAV_URL=http://127.0.0.1:$DAV_PORT/cratecache/v1
}

# s3rver, a fake S3 from npm, installed once per machine outside the repo. It checks the form of
# SigV4 requests (Authorization, x-amz-content-sha256, a known access key), not the signature.
S3RVER_HOME=${CRATECACHE_TEST_TOOLS:-$HOME/.cache/cratecache-tests}/s3rver
need_s3rver() {
  [ -f "$S3RVER_HOME/node_modules/s3rver/package.json" ] && return 0
  need_cmd npm npm
  step "installing s3rver from npm into $S3RVER_HOME"
  mkdir -p "$S3RVER_HOME"
  (cd "$S3RVER_HOME" && timeout 300 npm install --no-audit --no-fund --loglevel=error s3rver@3) \
    >&2 || fail "npm install s3rver failed"
}

# start_s3: s3rver with bucket "cratecache"; sets S3_PORT, S3_PID, S3_URL and exports the
# credentials s3rver accepts.
start_s3() {
  local dir
  need_s3rver
  S3_PORT=$(free_port)
  dir=$WORK/s3rver-$S3_PORT
  mkdir -p "$dir/data"
  node "$S3RVER_HOME/node_modules/s3rver/bin/s3rver.js" -d "$dir/data" -a 127.0.0.1 -p "$S3_PORT" \
    --configure-bucket cratecache >"$dir/s3rver.log" 2>&1 &
  S3_PID=$!
  at_exit "stop_server $S3_PID"
  wait_ready "s3rver on port $S3_PORT" "$S3_PID" "$dir/s3rver.log" \
    curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$S3_PORT/"
  export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER
  S3_URL="s3://cratecache/fleet?endpoint=http://127.0.0.1:$S3_PORT&region=us-east-1"
}

# start_stall_server: accepts TCP connections and never answers (nor closes) them, to model a hung
# cache server; it exits by itself after 15 minutes. Sets STALL_PORT, STALL_PID, STALL_URL.
start_stall_server() {
  local dir=$WORK/stall
  mkdir -p "$dir"
  STALL_PORT=$(free_port)
  python3 -c '
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(64)
s.settimeout(1)
held, end = [], time.time() + 900
while time.time() < end:
    try:
        held.append(s.accept()[0])
    except socket.timeout:
        pass
' "$STALL_PORT" >"$dir/stall.log" 2>&1 &
  STALL_PID=$!
  at_exit "stop_server $STALL_PID"
  wait_ready "stall server on $STALL_PORT" "$STALL_PID" "$dir/stall.log" \
    bash -c "exec 3<>/dev/tcp/127.0.0.1/$STALL_PORT"
  STALL_URL=http://127.0.0.1:$STALL_PORT/cache
}

# Smoke test when executed rather than sourced.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  # shellcheck source=lib.sh
  source "$(dirname "$0")/lib.sh"
  step "redis"
  start_redis
  redis-cli -p "$REDIS_PORT" set k v >/dev/null
  assert_eq v "$(redis-cli -p "$REDIS_PORT" get k)" "redis GET"
  step "redis cluster"
  start_redis_cluster
  assert_eq OK "$(redis-cli -c -p "${CLUSTER_PORTS[0]}" set k v)" "cluster SET"
  step "nginx WebDAV"
  start_webdav
  curl -sf --max-time 5 -X PUT --data-binary x "$DAV_URL/obj" || fail "WebDAV PUT"
  assert_eq x "$(curl -sf --max-time 5 "$DAV_URL/obj")" "WebDAV GET"
  step "s3rver"
  start_s3
  # S3 requires x-amz-content-sha256 with SigV4; curl 7.88 does not add it by itself.
  curl -sf --max-time 5 "http://127.0.0.1:$S3_PORT/cratecache" -o /dev/null \
    --aws-sigv4 aws:amz:us-east-1:s3 -u "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
    -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' ||
    fail "signed bucket listing"
  step "stall server"
  start_stall_server
  assert_eq 28 "$(curl -s --max-time 1 "$STALL_URL/x" >/dev/null; echo $?)" "curl timeout on stall"
  step "all stop"
  pids="$REDIS_PID ${CLUSTER_PIDS[*]} $DAV_PID $S3_PID $STALL_PID"
  for p in $pids; do stop_server "$p"; done
  for p in $pids; do ! running "$p" || fail "server $p still running"; done
  echo "PASS $TEST_NAME: redis, redis cluster, nginx WebDAV, s3rver and the stall server start and stop"
fi
