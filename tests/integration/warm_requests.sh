#!/usr/bin/env bash
# One machine, a trusted builder (root) and two tenants (real unix users), Debian's toolchain:
# - warm's builds run as a build user (--build-user) in a sandbox: a registry package's build
#   script cannot read the signing key, write the published store or see secrets of warm's
#   environment; what the builds produce is published (owned by the builder) by warm itself;
# - tenant A, reading the published store as its shared store, compiles its new dependency once
#   (into its own store) and leaves a request in the drop box, which it cannot list;
# - after one `warm --from-requests`, tenant B gets every dependency of the same project from the
#   published store (0 compiles), byte-identical to an uncached build;
# - hostile requests (a FIFO, a symlink, a forged name, oversize, a path dependency) are refused
#   or cut down, without a hang; a tenant's share per drain is bounded.
# Needs root (users, setpriv); without it, says so and skips.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

if [ "$(id -u)" != 0 ]; then
  echo "SKIP $TEST_NAME: needs root (it creates users)"
  exit 0
fi
need_debian_toolchain

# Everything the users touch lives outside $WORK (0700): a dir all may traverse.
SHARED=$(mktemp -d /tmp/cc-warm-requests.XXXXXX)
chmod 755 "$SHARED"
[ "${KEEP_WORK:-0}" = 1 ] || at_exit "rm -rf '$SHARED'"
suffix=$$
declare -A uid_of
for role in b ta tb; do
  name=cc$role$suffix
  useradd -M -d "$SHARED/$role" -s /bin/sh "$name"
  at_exit "userdel '$name'"
  uid_of[$role]=$(id -u "$name")
  mkdir -p "$SHARED/$role"
  chown "$name:" "$SHARED/$role"
  chmod 700 "$SHARED/$role"
done
BUILD_USER=ccb$suffix

# The binary, where the users can run it.
mkdir -p "$SHARED/bin"
cp "$CRATECACHE_BIN" "$(dirname "$CRATECACHE_BIN")"/libcratecache-*.so "$SHARED/bin/"
chmod -R a+rX "$SHARED/bin"
BIN=$SHARED/bin/cratecache

# A directory registry: the corpus plus one package whose build script probes what it can reach.
REGISTRY=$SHARED/registry
mkdir -p "$REGISTRY" "$SHARED/report"
chmod 1777 "$SHARED/report"
for crate in /usr/share/cargo/registry/*; do ln -s "$crate" "$REGISTRY/"; done
PUBLISHED=$SHARED/published
KEY=$WORK/builder.key
probe=$REGISTRY/ccprobe-0.1.0
mkdir -p "$probe/src"
printf '[package]\nname = "ccprobe"\nversion = "0.1.0"\nedition = "2018"\nbuild = "build.rs"\n' >"$probe/Cargo.toml"
echo 'pub fn probed() -> bool { true }' >"$probe/src/lib.rs"
echo '{"package":null,"files":{}}' >"$probe/.cargo-checksum.json"
cat >"$probe/build.rs" <<RS
use std::fs;
fn main() {
    let status = fs::read_to_string("/proc/self/status").unwrap_or_default();
    let uid = status.lines().find(|l| l.starts_with("Uid:")).unwrap_or("").split_whitespace().nth(1).unwrap_or("").to_string();
    let mut report = format!("uid={}\n", uid);
    report += &format!("key_read={}\n", fs::read("$KEY").is_ok());
    report += &format!("store_write={}\n", fs::write("$PUBLISHED/poison", b"x").is_ok());
    for (name, _) in std::env::vars() {
        if name.contains("SIGNING") || name.starts_with("AWS_") || name.contains("TOKEN") {
            report += &format!("env={}\n", name);
        }
    }
    fs::write("$SHARED/report/probe", report).unwrap();
}
RS
chmod -R a+rX "$REGISTRY"

cargo_home_for() { # DIR: a CARGO_HOME replacing crates-io with the registry above
  mkdir -p "$1"
  printf '[source.crates-io]\nreplace-with = "local"\n\n[source.local]\ndirectory = "%s"\n\n[net]\noffline = true\n' \
    "$REGISTRY" >"$1/config.toml"
}

# as_tenant ROLE CMD...: runs CMD as that tenant, with nothing of root's environment.
as_tenant() {
  local role=$1
  shift
  setpriv --reuid="${uid_of[$role]}" --regid="$(id -g "cc$role$suffix")" --clear-groups \
    env -i PATH=/usr/bin:/bin HOME="$SHARED/$role" CARGO_HOME="$SHARED/$role/cargo-home" RUSTC=/usr/bin/rustc \
    CRATECACHE_DIR="$SHARED/$role/store" CRATECACHE_SHARED_STORE="$PUBLISHED" "$@"
}

# tenant_project ROLE DIR: a bin using itoa (warmed), memchr and libz-sys (new to the published
# store; libz-sys's build script reads the system's zlib through pkg-config).
tenant_project() {
  mkdir -p "$2/src"
  printf '[package]\nname = "tenant-app"\nversion = "0.1.0"\nedition = "2018"\n\n[dependencies]\nitoa = "=1.0.1"\nmemchr = "=2.5.0"\nlibz-sys = "=1.1.8"\n' >"$2/Cargo.toml"
  echo 'fn main() { let mut b = itoa::Buffer::new(); let z = unsafe { libz_sys::zlibVersion() }; assert!(!z.is_null()); println!("{} {:?}", b.format(42), memchr::memchr(b'"'"'z'"'"', b"xyz")); }' >"$2/src/main.rs"
  chown -R "cc$1$suffix:" "$2"
}

# tenant_build ROLE DIR LOG: a cached build as the tenant; the program must print "42 Some(2)".
tenant_build() {
  as_tenant "$1" sh -c "cd '$2' && RUSTC_WRAPPER='$BIN' CRATECACHE_LOG='$3' timeout $BUILD_TIMEOUT cargo build -q" ||
    fail "$1's build in $2 failed"
  assert_eq "42 Some(2)" "$(as_tenant "$1" "$2/target/debug/tenant-app")" "$1's program"
}

# builder_warm OUT ARGS...: warm as root with the signing key, its builds as the build user.
builder_warm() {
  local out=$1
  shift
  # The tenants' environment (what enters keys, e.g. LIBRARY_PATH, must match), and secrets.
  env -i PATH=/usr/bin:/bin HOME=/root CARGO_HOME="$SHARED/builder-cargo-home" CRATECACHE_DIR="$PUBLISHED" \
    CRATECACHE_SIGNING_KEY="$KEY" AWS_SECRET_ACCESS_KEY=builder-secret timeout "$BUILD_TIMEOUT" "$BIN" warm --toolchain /usr/bin/rustc \
    --build-user "$BUILD_USER" "$@" >"$out" 2>&1 || { cat "$out" >&2; fail "warm $* failed"; }
}

cargo_home_for "$SHARED/builder-cargo-home"
for role in ta tb; do
  as_tenant "$role" sh -c "mkdir -p \"\$CARGO_HOME\""
  cargo_home_for "$SHARED/$role/cargo-home"
  chown -R "cc$role$suffix:" "$SHARED/$role/cargo-home"
done
"$BIN" keygen "$KEY" >/dev/null

step "the builder warms itoa and the probe package; the probe runs as the build user, powerless"
printf '[[crate]]\nname = "itoa"\nversion = "1.0.1"\n\n[[crate]]\nname = "ccprobe"\nversion = "0.1.0"\n' >"$WORK/ops.toml"
builder_warm "$WORK/warm1.out" --manifest "$WORK/ops.toml"
assert_eq "1 0" "$(warm_summary "$WORK/warm1.out" | cut -d" " -f1,2)" "stub projects built/failed"
report=$(cat "$SHARED/report/probe")
assert_eq "uid=${uid_of[b]}" "$(grep '^uid=' <<<"$report")" "the probe's uid (the build user)"
assert_eq "key_read=false" "$(grep '^key_read=' <<<"$report")" "the probe reading the signing key"
assert_eq "store_write=false" "$(grep '^store_write=' <<<"$report")" "the probe writing the published store"
assert_eq "" "$(grep '^env=' <<<"$report" || true)" "secret variables in the probe's environment"
[ ! -e "$PUBLISHED/poison" ] || fail "the probe wrote into the published store"
foreign=$(find "$PUBLISHED" -path "$PUBLISHED/warm" -prune -o ! -user root -print | first_lines 3)
assert_eq "" "$foreign" "files in the published store not owned by the builder"
published_entries=$(find "$PUBLISHED/entries" -name '*.entry' | wc -l)
assert_gt "$published_entries" 2 "entries published"
assert_eq 0 "$(pgrep -u "$BUILD_USER" | wc -l)" "build user's processes left after warm"

step "the drop box: made by warm --from-requests, 1733, empty to start with"
builder_warm "$WORK/warm-empty.out" --from-requests
assert_eq "1733 root" "$(command stat -c '%a %U' "$PUBLISHED/requests")" "drop box mode and owner"

step "tenant A: itoa from the published store, memchr compiled once into its own store, one request left"
tenant_project ta "$SHARED/ta/proj"
tenant_build ta "$SHARED/ta/proj" "$SHARED/ta/units.log"
log=$SHARED/ta/units.log
assert_gt "$(awk -F'\t' '$1 == "hit" && $2 == "itoa"' "$log" | wc -l)" 0 "A's itoa hits from the published store"
assert_gt "$(awk -F'\t' '$1 == "miss" && $2 == "memchr"' "$log" | wc -l)" 0 "A's memchr misses"
assert_eq 1 "$(find "$PUBLISHED/requests" -type f -name "${uid_of[ta]}-*.request" | wc -l)" "A's requests in the box"
if as_tenant ta ls "$PUBLISHED/requests" >/dev/null 2>&1; then fail "a tenant can list the drop box"; fi

step "warm --from-requests builds A's request; tenant B then compiles nothing"
builder_warm "$WORK/warm2.out" --from-requests
assert_eq "1 0" "$(warm_summary "$WORK/warm2.out" | cut -d' ' -f1,2)" "requests built/failed"
assert_eq 0 "$(find "$PUBLISHED/requests" -type f | wc -l)" "requests left in the box"
tenant_project tb "$SHARED/tb/refp"
as_tenant tb sh -c "cd '$SHARED/tb/refp' && timeout $BUILD_TIMEOUT cargo build -q" || fail "B's uncached reference build"
tenant_project tb "$SHARED/tb/proj"
tenant_build tb "$SHARED/tb/proj" "$SHARED/tb/units.log"
LAST_LOG=$SHARED/tb/units.log
assert_no_dep_compiles "tenant B after warm --from-requests"
compare_outputs "$SHARED/tb/proj" "$SHARED/tb/refp" "$SHARED/tb/proj" debug 4 tenant-app

step "hostile requests: refused, none hangs; a request's path dependency is left out"
box=$PUBLISHED/requests
as_tenant ta mkfifo "$box/${uid_of[ta]}-00000000000000000000000000000000.request"
as_tenant ta ln -s /etc/shadow "$box/${uid_of[ta]}-11111111111111111111111111111111.request"
as_tenant ta sh -c "echo '{}' > '$box/${uid_of[tb]}-22222222222222222222222222222222.request'" # B's name, A's file
as_tenant ta sh -c "head -c 2000000 /dev/zero > '$box/${uid_of[ta]}-33333333333333333333333333333333.request'"
path_request=$(python3 -c '
import json, sys
deps = "[package]\nname = \"evil\"\nversion = \"0.1.0\"\n\n[dependencies]\nitoa = \"=1.0.1\"\nowned = { path = \"/etc\" }\n"
print(json.dumps({"dependencies": deps, "lockfile": "", "toolchain": "1.63.0", "profile": "dev", "target": ""}))')
digest=$(printf '%s' "$path_request" | sha256sum | cut -c1-32)
as_tenant ta sh -c "printf '%s' '$path_request' > '$box/${uid_of[ta]}-$digest.request'"
builder_warm "$WORK/warm3.out" --from-requests
assert_eq 4 "$(grep -c 'refused a request' "$WORK/warm3.out")" "refused requests"
assert_gt "$(grep -c 'left out dependencies owned (path)' "$WORK/warm3.out")" 0 "the path dependency left out"
assert_eq 0 "$(find "$box" -mindepth 1 | wc -l)" "files left in the box"

step "a tenant's share of one drain is bounded"
for v in 1 2 3; do
  r=$(python3 -c "import json; print(json.dumps({'dependencies': '[package]\nname = \"r$v\"\nversion = \"0.1.0\"\n\n[dependencies]\nitoa = \"=1.0.1\"\n', 'lockfile': '', 'toolchain': '1.63.0', 'profile': 'dev', 'target': ''}))")
  d=$(printf '%s' "$r" | sha256sum | cut -c1-32)
  as_tenant ta sh -c "printf '%s' '$r' > '$box/${uid_of[ta]}-$d.request'"
done
builder_warm "$WORK/warm4.out" --from-requests --requests-per-user 2
assert_eq "2 0" "$(warm_summary "$WORK/warm4.out" | cut -d' ' -f1,2)" "requests built with a share of 2"
assert_eq 1 "$(find "$box" -type f | wc -l)" "requests left for the next drain"

echo "PASS $TEST_NAME: build user powerless; $published_entries entries published; a request built once served tenant B with 0 compiles; 4 hostile requests refused"
