#include "entry/entry.h"

#include <fmt/core.h>
#include <gtest/gtest.h>
#include <lz4frame.h>
#include <zstd.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <thread>

#include "decode_all.h"
#include "util/digest.h"

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

const Compression kLz4{Codec::kLz4, 3};
const Compression kZstd{Codec::kZstd, 3};
const Compression kRaw{Codec::kNone, 3};
const Compression kAligned{Codec::kAligned, 3};

class EntryCodec : public ::testing::TestWithParam<Compression> {};

INSTANTIATE_TEST_SUITE_P(Codecs, EntryCodec, ::testing::Values(kLz4, kZstd, kRaw, kAligned),
                         [](const auto& info) { return std::string(codec_name(info.param.codec)); });

TEST_P(EntryCodec, RoundTrips) {
  Entry e = sample();
  std::string bytes = encode_entry(e, GetParam());
  Entry d = decode_all(bytes);
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

TEST_P(EntryCodec, EveryFlippedByteIsDetected) {
  Entry e = sample();
  std::string bytes = encode_entry(e, GetParam());
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::string bad = bytes;
    bad[i] = static_cast<char>(bad[i] ^ 0x5a);
    EXPECT_THROW(decode_all(bad), CorruptEntry) << "byte " << i;
  }
}

TEST_P(EntryCodec, TruncationAndTrailingBytesAreDetected) {
  Entry e = sample();
  std::string bytes = encode_entry(e, GetParam());
  EXPECT_THROW(decode_all(bytes + "x"), CorruptEntry);
  for (size_t len : {size_t{0}, size_t{5}, bytes.size() / 2, bytes.size() - 1}) {
    EXPECT_THROW(decode_all(bytes.substr(0, len)), CorruptEntry) << "length " << len;
  }
}

}  // namespace
}  // namespace cratecache

namespace cratecache {
namespace {

TEST(Entry, UncompressedIsStoredRawAndChecked) {
  Entry e = sample();
  std::string bytes = encode_entry(e, kRaw);
  EXPECT_NE(bytes.find("rlib-bytes"), std::string::npos);  // stored raw
  Entry d = decode_all(bytes);
  ASSERT_EQ(d.blobs.size(), 3u);
  EXPECT_EQ(d.blobs[0].data, e.blobs[0].data);
  std::string bad = bytes;
  bad[bad.find("rlib-bytes")] ^= 1;
  EXPECT_THROW(decode_all(bad), CorruptEntry);
  EXPECT_THROW(decode_all(bytes + "x"), CorruptEntry);
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
    EXPECT_THROW(decode_all(read_file(f.path().string())), CorruptEntry) << f.path();
  }
  EXPECT_GT(seen, 0);
}

}  // namespace
}  // namespace cratecache

namespace cratecache {
namespace {

// Frames in a payload, found by walking each frame's compressed size (zstd), or by decoding the
// frames one by one (lz4, whose frame format has no such query).
size_t frames_in(std::string_view payload, Codec codec) {
  size_t frames = 0;
  if (codec == Codec::kZstd) {
    for (; !payload.empty(); ++frames) {
      size_t size = ZSTD_findFrameCompressedSize(payload.data(), payload.size());
      if (ZSTD_isError(size)) return 0;
      payload.remove_prefix(size);
    }
    return frames;
  }
  LZ4F_dctx* ctx = nullptr;
  LZ4F_createDecompressionContext(&ctx, LZ4F_VERSION);
  std::string out(1 << 20, '\0');
  while (!payload.empty()) {
    size_t written = out.size(), consumed = payload.size();
    size_t rc = LZ4F_decompress(ctx, out.data(), &written, payload.data(), &consumed, nullptr);
    if (LZ4F_isError(rc)) break;
    payload.remove_prefix(consumed);
    if (rc == 0) ++frames;
  }
  LZ4F_freeDecompressionContext(ctx);
  return frames;
}

TEST_P(EntryCodec, LargePayloadIsCompressedInParallelSegmentsAndRoundTrips) {
  Entry e;
  e.crate_name = "big";
  e.unit_kind = "bin";
  std::mt19937 random(7);
  // 26 MiB over three blobs whose boundaries fall inside segments.
  for (size_t size : {size_t{5} << 20, size_t{13} << 20, size_t{8} << 20}) {
    std::string data(size, '\0');
    for (auto& c : data) c = static_cast<char>("abcdefgh"[random() % 8]);
    e.blobs.push_back({fmt::format("blob{}", e.blobs.size()), 0644, false, std::move(data), "", ""});
  }
  std::string bytes = encode_entry(e, GetParam());
  if (GetParam().codec != Codec::kNone && GetParam().codec != Codec::kAligned) {
    uint32_t header_size;
    std::memcpy(&header_size, bytes.data() + 8, sizeof header_size);  // after the magic (entry.h)
    size_t payload_offset = 8 + sizeof header_size + header_size + 32;
    size_t cores = std::max(1u, std::thread::hardware_concurrency());
    EXPECT_EQ(frames_in(std::string_view(bytes).substr(payload_offset), GetParam().codec),
              std::min<size_t>(3, cores));
  }
  Entry d = decode_all(bytes);
  ASSERT_EQ(d.blobs.size(), 3u);
  for (size_t i = 0; i < 3; ++i) EXPECT_TRUE(d.blobs[i].data == e.blobs[i].data) << "blob " << i;
  EXPECT_THROW(decode_all(bytes.substr(0, bytes.size() - 1)), CorruptEntry);
}

// An aligned entry keeps every blob raw from a clone block on, and says where: a hit clones them.
TEST(Entry, AlignedBlobsLieRawOnCloneBlocks) {
  class RangeSink : public BlobSink {
   public:
    void begin(const Blob& header) override { ranges.push_back(header.in_place); }
    void data(const char*, size_t) override {}
    void end() override {}
    void abandon() override {}
    std::vector<std::optional<Blob::Range>> ranges;
  };
  Entry e = sample();
  e.blobs[0].data = std::string(3 * 4096 + 17, 'r');
  std::string bytes = encode_entry(e, kAligned);
  RangeSink sink;
  decode_entry(bytes, sink);
  ASSERT_EQ(sink.ranges.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    ASSERT_TRUE(sink.ranges[i]) << i;
    EXPECT_EQ(sink.ranges[i]->offset % 4096, 0u) << i;
    EXPECT_EQ(sink.ranges[i]->size, e.blobs[i].data.size());
    EXPECT_EQ(bytes.substr(sink.ranges[i]->offset, sink.ranges[i]->size), e.blobs[i].data) << i;
  }
  // The other codecs have no range to clone.
  RangeSink lz4;
  decode_entry(encode_entry(e, kLz4), lz4);
  for (const auto& range : lz4.ranges) EXPECT_FALSE(range);
}

TEST(Entry, UnknownCompressionIsCorrupt) {
  Entry e = sample();
  std::string bytes = encode_entry(e, kLz4);
  uint32_t header_size;
  std::memcpy(&header_size, bytes.data() + 8, sizeof header_size);
  size_t at = bytes.find("\"lz4\"");
  ASSERT_NE(at, std::string::npos);
  bytes.replace(at, 5, "\"lz5\"");
  // A header digest that matches the altered header: only the codec name is wrong.
  std::string hex = sha256_hex(std::string_view(bytes).substr(12, header_size));
  for (size_t i = 0; i < 32; ++i) bytes[12 + header_size + i] = static_cast<char>(std::stoi(hex.substr(2 * i, 2), nullptr, 16));
  EXPECT_THROW(decode_all(bytes), CorruptEntry);
}

}  // namespace
}  // namespace cratecache
