#include "store/entry.h"

#include <gtest/gtest.h>

namespace cratecache {
namespace {

Entry sample() {
  Entry e;
  e.crate_name = "foo";
  e.unit_kind = "lib";
  e.toolchain = "1.95.0";
  e.compile_ms = 1234;
  e.blobs.push_back({"libfoo-1.rlib", 0644, false, std::string("\x00\x01rlib-bytes", 12), "", ""});
  e.blobs.push_back({"foo-1.d", 0644, true, "@@CRATECACHE:TARGET@@/x.d: /src/lib.rs\n", "", ""});
  e.blobs.push_back({":stderr", 0, true, "{\"artifact\":\"x\"}\n", "", ""});
  return e;
}

TEST(Entry, RoundTrips) {
  Entry e = sample();
  std::string bytes = encode_entry(e, 3);
  Entry d = decode_entry(bytes);
  EXPECT_EQ(d.crate_name, "foo");
  EXPECT_EQ(d.compile_ms, 1234u);
  ASSERT_EQ(d.blobs.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(d.blobs[i].name, e.blobs[i].name);
    EXPECT_EQ(d.blobs[i].data, e.blobs[i].data);
    EXPECT_EQ(d.blobs[i].has_paths, e.blobs[i].has_paths);
    EXPECT_EQ(d.blobs[i].digest.size(), 64u);
  }
}

TEST(Entry, EveryFlippedByteIsDetected) {
  Entry e = sample();
  std::string bytes = encode_entry(e, 1);
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::string bad = bytes;
    bad[i] = static_cast<char>(bad[i] ^ 0x5a);
    EXPECT_THROW(decode_entry(bad), CorruptEntry) << "byte " << i;
  }
}

TEST(Entry, TruncationIsDetected) {
  Entry e = sample();
  std::string bytes = encode_entry(e, 1);
  for (size_t len : {size_t{0}, size_t{5}, bytes.size() / 2, bytes.size() - 1}) {
    EXPECT_THROW(decode_entry(bytes.substr(0, len)), CorruptEntry) << "length " << len;
  }
}

}  // namespace
}  // namespace cratecache

namespace cratecache {
namespace {

TEST(Entry, UncompressedRoundTripsAndIsChecked) {
  Entry e = sample();
  std::string bytes = encode_entry(e, 0);
  EXPECT_NE(bytes.find("rlib-bytes"), std::string::npos);  // stored raw
  Entry d = decode_entry(bytes);
  ASSERT_EQ(d.blobs.size(), 3u);
  EXPECT_EQ(d.blobs[0].data, e.blobs[0].data);
  std::string bad = bytes;
  bad[bad.find("rlib-bytes")] ^= 1;
  EXPECT_THROW(decode_entry(bad), CorruptEntry);
  EXPECT_THROW(decode_entry(bytes + "x"), CorruptEntry);
}

}  // namespace
}  // namespace cratecache

#include <filesystem>

#include "util/fs.h"

namespace cratecache {
namespace {

// Inputs the fuzzer once crashed on (undefined float-to-integer conversions in the header) must
// be rejected as corrupt.
TEST(Entry, FuzzerFindingsAreCorruptEntries) {
  std::filesystem::path dir = std::filesystem::path(CRATECACHE_SOURCE_DIR) / "fuzz/crashes/fuzz_entry_decoder";
  int seen = 0;
  for (const auto& f : std::filesystem::directory_iterator(dir)) {
    ++seen;
    EXPECT_THROW(decode_entry(read_file(f.path().string())), CorruptEntry) << f.path();
  }
  EXPECT_GT(seen, 0);
}

}  // namespace
}  // namespace cratecache
