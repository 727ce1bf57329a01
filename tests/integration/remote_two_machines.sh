#!/usr/bin/env bash
# Fleet tier, per backend: machine A's cold build uploads to the remote; machine B (empty local
# store, project in another directory) then compiles no dependency, every entry and manifest
# coming from the remote, and B's binary works. Backends: Redis, a 3-node Redis Cluster (the
# client must follow MOVED), nginx WebDAV (the URL prefix must be kept), S3 (s3rver: SigV4 form).
# REMOTE_BACKENDS="redis webdav" runs a subset.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=servers.sh
source "$HERE/servers.sh"

# hex_objects DIR [SUFFIX]: files named <64 hex>SUFFIX (an ERE) under DIR.
hex_objects() { find "$1" -type f 2>/dev/null | grep -cE "/[0-9a-f]{64}${2:-}\$" || true; }

# Objects each backend holds, counted on the server side (not through cratecache).
objects_redis() { redis_keys "$REDIS_PORT"; }
objects_redis_cluster() {
  local p n total=0
  for p in "${CLUSTER_PORTS[@]}"; do
    n=$(redis_keys "$p")
    # 3 nodes own a third of the slots each: an empty node means redirections were not followed.
    assert_gt "$n" 0 "keys on cluster node $p"
    total=$((total + n))
  done
  echo "$total"
}
objects_webdav() { hex_objects "$DAV_ROOT/cratecache/v1"; }
objects_s3() { hex_objects "$WORK/s3rver-$S3_PORT/data/cratecache/fleet" '\._S3rver_object'; }

# two_machines BACKEND URL
two_machines() {
  local name=$1 url=$2 a=$WORK/$1/machine-a b=$WORK/$1/machine-b misses objects
  copy_project hello-hyper "$a/hello-hyper"
  copy_project hello-hyper "$b/elsewhere/hello-hyper"

  step "$name: machine A, cold build uploading to $url"
  CRATECACHE_DIR=$a/store CRATECACHE_REMOTE=$url cached_build "$a/hello-hyper"
  misses=$(count_log miss)
  assert_gt "$misses" 40 "$name: misses of A's cold build"
  CRATECACHE_DIR=$a/store timeout 300 "$CRATECACHE_BIN" flush-uploads || fail "$name: flush-uploads"
  assert_eq 0 "$(CRATECACHE_DIR=$a/store stat errors.remote_put)" "$name: A's errors.remote_put"
  assert_gt "$(CRATECACHE_DIR=$a/store stat remote_uploads)" 0 "$name: A's remote_uploads"
  objects=$("objects_$name")
  # One entry per miss plus the manifests.
  [ "$objects" -gt "$misses" ] || fail "$name: remote holds $objects objects for $misses misses"

  step "$name: machine B, empty local store, project elsewhere"
  CRATECACHE_DIR=$b/store CRATECACHE_REMOTE=$url cached_build "$b/elsewhere/hello-hyper"
  assert_no_dep_compiles "$name: machine B"
  assert_eq "$misses" "$(count_log hit)" "$name: B's hits (= A's misses)"
  assert_eq "$misses" "$(CRATECACHE_DIR=$b/store stat remote_hits)" "$name: B's remote_hits"
  assert_eq 0 "$(CRATECACHE_DIR=$b/store stat errors.remote_get)" "$name: B's errors.remote_get"
  ! grep -q 'remote cache unavailable' "$LAST_ERR" || fail "$name: B warned: $(grep -m1 remote "$LAST_ERR")"
  serve_check "$b/elsewhere/hello-hyper/target/debug/hello-hyper"
  echo "$name: $misses units from the remote ($objects objects)"
}

for backend in ${REMOTE_BACKENDS:-redis redis_cluster webdav s3}; do
  case $backend in
  redis) start_redis; two_machines redis "$REDIS_URL" ;;
  redis_cluster) start_redis_cluster; two_machines redis_cluster "$CLUSTER_URL" ;;
  webdav) start_webdav; two_machines webdav "$DAV_URL" ;;
  s3) start_s3; two_machines s3 "$S3_URL" ;;
  *) fail "unknown backend $backend" ;;
  esac
done
echo "PASS $TEST_NAME: ${REMOTE_BACKENDS:-redis redis_cluster webdav s3}"
