#!/usr/bin/env bash
# `cratecache report --html` after real builds (a cold build, then a fresh copy served from the
# cache) writes one self-contained page that a real browser renders: headless Chromium takes a
# screenshot, which must show a page rather than a blank one. The screenshot is kept as an artifact.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

cold=$WORK/cold/hello-hyper
warm=$WORK/warm/hello-hyper
copy_project hello-hyper "$cold"
copy_project hello-hyper "$warm"

step "cold build in $cold, then a fresh copy in $warm"
cached_build "$cold"
cached_build "$warm"
hits=$(stat hits)
assert_gt "$hits" 40 "hits of the fresh copy"

step "report of an empty store"
CRATECACHE_DIR=$WORK/empty-store "$CRATECACHE_BIN" report --html "$WORK/empty.html" >/dev/null ||
  fail "report of an empty store failed"
grep -q "no data yet" "$WORK/empty.html" || fail "empty report does not say 'no data yet'"

step "report --html"
html=$WORK/report.html
out=$(CRATECACHE_DIR=$STORE "$CRATECACHE_BIN" report --html "$html") || fail "report exited non-zero"
assert_eq "$html" "$out" "report's stdout"
release=$(stats_toolchains | first_lines | cut -d' ' -f3-)
for word in tokio hyper '<svg' "$release" ">$hits<"; do
  grep -qF -- "$word" "$html" || fail "report does not contain '$word'"
done
# Self-contained: nothing to run, nothing to fetch.
if grep -n -i -E '<script|https?://|@import|url\(' "$html" | head -n 5 | grep .; then
  fail "report has a script or an external reference"
fi

CHROMIUM=/usr/bin/chromium
[ -x "$CHROMIUM" ] || "$SRC/scripts/apt-install.sh" chromium || fail "could not install chromium"

# screenshot HTML PNG: renders a page at 1280x2000 in a throwaway browser profile.
screenshot() {
  if ! timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$(mktemp -d "$WORK/chromium.XXXXXX")" --window-size=1280,2000 \
    --screenshot="$2" "file://$1" >"$WORK/chromium.log" 2>&1 || [ ! -s "$2" ]; then
    tail -n 20 "$WORK/chromium.log" >&2
    fail "chromium wrote no screenshot of $1"
  fi
}

step "render in headless chromium"
png=$WORK/report.png
screenshot "$html" "$png"
size=$(wc -c <"$png")
assert_gt "$size" 20000 "screenshot size in bytes"

# Decodes the PNG (8-bit RGB/RGBA, as Chromium writes) and measures how much of the page is
# drawn: a blank or failed render is one colour.
read -r colours inked < <(python3 - "$png" <<'PY'
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat = 8, b""
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    pos += 12 + n
    if kind == b"IHDR":
        w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
    elif kind == b"IDAT":
        idat += body
assert depth == 8 and interlace == 0 and ctype in (2, 6), f"unexpected PNG format {depth} {ctype} {interlace}"
bpp = 3 if ctype == 2 else 4
stride = w * bpp
raw = zlib.decompress(idat)
prev = bytearray(stride)
counts = {}
for y in range(h):
    f = raw[y * (stride + 1)]
    line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a = line[i - bpp] if i >= bpp else 0
        b = prev[i]
        if f == 1:
            line[i] = (line[i] + a) & 255
        elif f == 2:
            line[i] = (line[i] + b) & 255
        elif f == 3:
            line[i] = (line[i] + (a + b) // 2) & 255
        elif f == 4:
            c = prev[i - bpp] if i >= bpp else 0
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    prev = line
    if y % 4 == 0:  # a sample of rows is plenty to tell a page from a blank
        for x in range(0, stride, bpp):
            px = bytes(line[x:x + 3])
            counts[px] = counts.get(px, 0) + 1
background = max(counts.values())
print(len(counts), round(100 * (sum(counts.values()) - background) / sum(counts.values())))
PY
) || fail "could not decode $png"
assert_gt "$colours" 50 "distinct colours in the screenshot"
assert_gt "$inked" 10 "percent of the screenshot that is not background"

artifact=${CRATECACHE_TEST_ARTIFACTS:-/tmp}/cratecache-report.png
mkdir -p "$(dirname "$artifact")"
cp "$png" "$artifact"
echo "screenshot: $artifact"
echo "PASS $TEST_NAME: report of $hits hits rendered ($size bytes, $colours colours, $inked% drawn)"
