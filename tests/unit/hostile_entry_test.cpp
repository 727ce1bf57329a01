// Entries made by an adversary (anyone who can write the store or a remote): what they can do on
// the machine that serves them is bounded. Forms the encoder cannot produce are made by editing
// the encoded header and fixing its digest, as fuzz/fuzz_entry_decoder.cpp does.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>

#include "entry/deferred_blob.h"
#include "entry/entry.h"
#include "job/materialise.h"
#include "edited_entry.h"
#include "scratch_dir.h"
#include "util/digest.h"
#include "util/fs.h"

namespace cratecache {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

Entry entry_of(std::vector<Blob> blobs) {
  Entry e;
  e.crate_name = "evil";
  e.unit_kind = "lib";
  e.blobs = std::move(blobs);
  return e;
}

class HostileEntry : public ::testing::Test {
 protected:
  HostileEntry() : scratch_("hostile-entry"), dir_(scratch_.path()), digests_((dir_ / "stat").string()) {
    fs::create_directories(out());
    fs::create_directories(outside());
  }
  fs::path out() const { return dir_ / "out"; }
  fs::path outside() const { return dir_ / "outside"; }
  Replay serve(const std::string& bytes) { return materialise(bytes, out().string(), normaliser_, digests_); }

  ScratchDir scratch_;
  fs::path dir_;
  PathNormaliser normaliser_;
  StatCache digests_;
};

uint32_t mode_of(const fs::path& p) {
  struct stat st {};
  EXPECT_EQ(::lstat(p.c_str(), &st), 0) << p;
  return st.st_mode & 07777;
}

TEST_F(HostileEntry, ModesAreMaskedTo0755Or0644) {
  Entry e = entry_of({{"setuid", 06777, false, "x", "", ""},
                      {"writable", 0666, false, "y", "", ""},
                      {"sticky", 01711, false, "z", "", ""},
                      {"plain", 0600, false, "w", "", ""}});
  serve(encode_entry(e, {Codec::kLz4}));
  EXPECT_EQ(mode_of(out() / "setuid"), 0755u);
  EXPECT_EQ(mode_of(out() / "writable"), 0644u);
  EXPECT_EQ(mode_of(out() / "sticky"), 0755u);
  EXPECT_EQ(mode_of(out() / "plain"), 0644u);
}

TEST_F(HostileEntry, ExtractedBlobModeIsMasked) {
  Entry e = entry_of({{"bs", 06777, false, "#!/bin/sh\n", "", ""}, {"other", 0644, false, "o", "", ""}});
  std::string bytes = encode_entry(e, {Codec::kZstd});
  extract_blob(bytes, "bs", (dir_ / "real").string());
  EXPECT_EQ(read_file((dir_ / "real").string()), "#!/bin/sh\n");
  EXPECT_EQ(mode_of(dir_ / "real"), 0755u);
}

TEST_F(HostileEntry, SymlinkedSubdirectoryIsNotWrittenThrough) {
  fs::create_directory_symlink(outside(), out() / "sub");
  Entry e = entry_of({{"sub/x", 0644, false, "owned", "", ""}});
  EXPECT_THROW(serve(encode_entry(e, {Codec::kLz4})), OutputThroughSymlink);
  EXPECT_FALSE(fs::exists(outside() / "x"));
}

TEST_F(HostileEntry, SymlinkDeeperDownOrToBeCreatedBelowIsRefusedToo) {
  fs::create_directories(out() / "a");
  fs::create_directory_symlink(outside(), out() / "a" / "link");
  // "a/link/new/x": the walk (openat2 stops at the link, the rest does not exist yet) refuses it.
  Entry e = entry_of({{"a/link/new/x", 0644, false, "owned", "", ""}});
  EXPECT_THROW(serve(encode_entry(e, {Codec::kLz4})), OutputThroughSymlink);
  EXPECT_FALSE(fs::exists(outside() / "new"));
}

TEST_F(HostileEntry, SymlinkAtTheFileItselfIsReplacedNotFollowed) {
  write_file_atomic((outside() / "target").string(), "victim");
  fs::create_symlink(outside() / "target", out() / "lib.rlib");
  Entry e = entry_of({{"lib.rlib", 0644, false, "cached", "", ""}, {"sub/dir/gen.rs", 0644, false, "gen", "", ""}});
  serve(encode_entry(e, {Codec::kLz4}));
  EXPECT_EQ(read_file((outside() / "target").string()), "victim");
  EXPECT_FALSE(fs::is_symlink(out() / "lib.rlib"));
  EXPECT_EQ(read_file((out() / "lib.rlib").string()), "cached");
  EXPECT_EQ(read_file((out() / "sub/dir/gen.rs").string()), "gen") << "real subdirectories are created";
}

std::string one_blob_entry(const std::string& name, bool has_paths) {
  Entry e = entry_of({{name, 0644, has_paths, "small", "", ""}});
  return encode_entry(e, {Codec::kZstd});
}

void set_size(json& header, size_t blob, uint64_t size) { header["blobs"][blob]["size"] = size; }

TEST_F(HostileEntry, DeclaredBlobOverTheBoundIsCorruptBeforeDecoding) {
  std::string bytes =
      with_header(one_blob_entry("lib.rlib", false), [](json& h) { set_size(h, 0, kMaxBlobBytes + 1); });
  EXPECT_THROW(peek_entry_info(bytes), CorruptEntry);
  EXPECT_THROW(serve(bytes), CorruptEntry);
  EXPECT_FALSE(fs::exists(out() / "lib.rlib")) << "refused on the header: no file begun";
}

TEST_F(HostileEntry, InMemoryBlobsHaveASmallerBound) {
  for (auto [name, paths] : {std::pair{":stdout", false}, {":stderr", false}, {"dep.d", true}}) {
    std::string bytes =
        with_header(one_blob_entry(name, paths), [](json& h) { set_size(h, 0, kMaxInMemoryBlobBytes + 1); });
    EXPECT_THROW(peek_entry_info(bytes), CorruptEntry) << name;
  }
  // A file blob of that size is fine as far as the header goes (it streams to its file).
  std::string bytes =
      with_header(one_blob_entry("lib.rlib", false), [](json& h) { set_size(h, 0, kMaxInMemoryBlobBytes + 1); });
  EXPECT_EQ(peek_entry_info(bytes).size, kMaxInMemoryBlobBytes + 1);
}

TEST_F(HostileEntry, EntryTotalOverTheBoundIsCorrupt) {
  Entry e = entry_of(
      {{"a", 0644, false, "1", "", ""}, {"b", 0644, false, "2", "", ""}, {"c", 0644, false, "3", "", ""}});
  std::string bytes = with_header(encode_entry(e, {Codec::kLz4}), [](json& h) {
    for (size_t i = 0; i < 3; ++i) set_size(h, i, kMaxBlobBytes);  // each within its bound, 12 GiB in all
  });
  EXPECT_THROW(peek_entry_info(bytes), CorruptEntry);
}

TEST_F(HostileEntry, EncoderRefusesAMessageOverItsBound) {
  Entry e = entry_of({});
  e.blobs.push_back({":stderr", 0, true, std::string(kMaxInMemoryBlobBytes + 1, 'w'), "", ""});
  EXPECT_THROW(encode_entry(e, {Codec::kNone}), std::length_error);
}

// Counts what the decoder hands to a sink, per blob.
class CountingSink : public BlobSink {
 public:
  void begin(const Blob& header) override { declared_ = header; received_ = 0; }
  void data(const char*, size_t size) override {
    received_ += size;
    max_over_ = std::max<int64_t>(max_over_, static_cast<int64_t>(received_) - static_cast<int64_t>(expected_size_));
  }
  void end() override {}
  void abandon() override {}
  uint64_t expected_size_ = 0;
  int64_t max_over_ = 0;

 private:
  Blob declared_;
  uint64_t received_ = 0;
};

TEST_F(HostileEntry, ABlobLongerThanDeclaredIsStoppedAtItsSize) {
  // 64 MiB of zeros compress to a few KiB; the header claims 10 bytes.
  Entry e = entry_of({});
  e.blobs.push_back({"lib.rlib", 0644, false, std::string(64 << 20, '\0'), "", ""});
  std::string bytes = with_header(encode_entry(e, {Codec::kZstd}), [](json& h) { set_size(h, 0, 10); });
  CountingSink sink;
  sink.expected_size_ = 10;
  EXPECT_THROW(decode_entry(bytes, sink), CorruptEntry);
  EXPECT_LE(sink.max_over_, 0) << "the sink got more than the declared size";
}

// A proc-macro served under a claimed SHA-256 would key its dependents on the claim: from an entry
// that is not authenticated, the digest is computed as the file is written and must be the claim.
TEST_F(HostileEntry, AClaimedDigestIsCheckedUnlessTheEntryIsAuthenticated) {
  const std::string claimed(64, 'c');
  std::string bytes =
      with_header(one_blob_entry("libpm.so", false), [&](json& h) { h["blobs"][0]["sha256"] = claimed; });
  EXPECT_THROW(materialise(bytes, out().string(), normaliser_, digests_, "", false), CorruptEntry);
  std::string honest = one_blob_entry("libpm.so", false);
  EXPECT_NO_THROW(materialise(honest, out().string(), normaliser_, digests_, "", false));
  EXPECT_EQ(digests_.digest((out() / "libpm.so").string()), sha256_hex("small"));
  // This user's own entry (or a signed one) is taken on its word: no hashing on the hit path.
  EXPECT_NO_THROW(materialise(bytes, out().string(), normaliser_, digests_, "", true));
  EXPECT_EQ(digests_.digest((out() / "libpm.so").string()), claimed);
}

}  // namespace
}  // namespace cratecache
