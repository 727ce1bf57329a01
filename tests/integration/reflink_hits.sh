#!/usr/bin/env bash
# On a filesystem with reflinks (XFS, btrfs: loop-mounted images), the store's entries are aligned
# and a hit clones its outputs from them instead of writing them: the served files share the
# store's blocks, equal an uncached build byte for byte, and an output edited in place (as a tool
# that patches an rlib would) leaves the store, and what the next project receives, unchanged.
# A project on another filesystem gets the same files written (the clone falls back).
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

if [ "$(id -u)" != 0 ]; then
  echo "SKIP $TEST_NAME: needs root (it loop-mounts filesystem images)"
  exit 0
fi

# sha256 of every entry file of the store at $1, as one digest.
store_digest() { find "$1/entries" -name '*.entry' -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum; }

# The rlibs and rmetas of a debug target (dependencies only: the member has none).
dep_libraries() { (cd "$1/target/debug/deps" && ls lib*.rlib lib*.rmeta | sort); }

for fs in xfs btrfs; do
  mnt=$WORK/mnt-$fs
  mkdir -p "$mnt"
  truncate -s 3G "$WORK/$fs.img"
  if [ "$fs" = xfs ]; then mkfs.xfs -q -m reflink=1 "$WORK/$fs.img"; else mkfs.btrfs -q "$WORK/$fs.img" >/dev/null; fi
  mount -o loop "$WORK/$fs.img" "$mnt"
  at_exit "umount -l $mnt"

  STORE=$mnt/store
  warm=$mnt/warm/hello-hyper
  fresh=$mnt/fresh/hello-hyper
  edited_next=$mnt/next/hello-hyper
  elsewhere=$WORK/else/hello-hyper # on the filesystem of $WORK, not the image's
  for p in "$warm" "$fresh" "$edited_next" "$elsewhere"; do copy_project hello-hyper "$p"; done

  step "$fs: uncached reference build, then the cold build that fills the store"
  reference_build "$warm"
  cached_build "$warm"
  cold_misses=$(count_log miss)
  assert_gt "$cold_misses" 40 "$fs: misses of the cold build"
  not_aligned=0
  for entry in $(find "$STORE/entries" -name '*.entry' -size +1M); do
    head -c 65536 "$entry" | has_match '"compression":"aligned"' || not_aligned=$((not_aligned + 1))
  done
  if [ "$not_aligned" != 0 ]; then
    cat "$LAST_ERR" "$STORE/warnings.log" 2>/dev/null | grep 'cratecache:' | sort | uniq -c >&2 || true
    fail "$fs: $not_aligned entries over 1 MiB not aligned"
  fi

  step "$fs: a fresh copy is served by clones"
  cloned_before=$(stat cloned_bytes)
  cached_build "$fresh"
  assert_no_dep_compiles "$fs fresh copy"
  assert_eq "$cold_misses" "$(count_log hit)" "$fs: hits of the fresh copy"
  cloned=$(($(stat cloned_bytes) - cloned_before))
  served=$(du -sb --apparent-size "$fresh/target/debug/deps" | cut -f1)
  assert_gt "$cloned" $((served / 2)) "$fs: bytes cloned (of $served served in deps/)"
  biggest=$(ls -S "$fresh"/target/debug/deps/lib*.rlib | first_lines)
  filefrag -v "$biggest" | has_match shared || fail "$fs: $biggest shares no block with the store"
  compare_outputs_same_path "$fresh" "$warm" debug 100 hello-hyper

  step "$fs: an output edited in place leaves the store and the next project unchanged"
  before=$(store_digest "$STORE")
  size=$(command stat -c %s "$biggest")
  printf 'EDITED-IN-PLACE' | dd of="$biggest" bs=1 seek=$((size / 2)) conv=notrunc status=none
  grep -aq EDITED-IN-PLACE "$biggest" || fail "$fs: the edit did not land in $biggest"
  assert_eq "$before" "$(store_digest "$STORE")" "$fs: store entries after the edit"
  CRATECACHE_DIR=$STORE "$CRATECACHE_BIN" verify >"$WORK/verify.out" 2>&1 || {
    cat "$WORK/verify.out" >&2
    fail "$fs: verify after the edit"
  }
  cached_build "$edited_next"
  assert_no_dep_compiles "$fs next copy"
  compare_outputs_same_path "$edited_next" "$warm" debug 100 hello-hyper

  step "$fs: a project on another filesystem gets the files written"
  cloned_before=$(stat cloned_bytes)
  cached_build "$elsewhere"
  assert_no_dep_compiles "$fs copy on another filesystem"
  assert_eq "$cloned_before" "$(stat cloned_bytes)" "$fs: bytes cloned across filesystems"
  assert_eq "$(dep_libraries "$edited_next")" "$(dep_libraries "$elsewhere")" "$fs: libraries served elsewhere"
  for f in $(dep_libraries "$elsewhere"); do
    cmp -s "$edited_next/target/debug/deps/$f" "$elsewhere/target/debug/deps/$f" || fail "$fs: $f differs across filesystems"
  done

  rm -rf "$WORK/else"
  umount "$mnt"
  rm -f "$WORK/$fs.img"
done

echo "PASS $TEST_NAME: hits cloned on xfs and btrfs, edits in place kept out of the store"
