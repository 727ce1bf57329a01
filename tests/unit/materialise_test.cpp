#include "job/materialise.h"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>

#include "scratch_dir.h"
#include "util/clone.h"
#include "util/fs.h"

namespace cratecache {
namespace {

namespace fs = std::filesystem;

TEST(Materialise, RejectsNamesOutsideTheDirectory) {
  EXPECT_TRUE(is_safe_entry_name("libfoo-1.rlib"));
  EXPECT_TRUE(is_safe_entry_name("sub/gen.rs"));
  for (const char* bad : {"", "/etc/passwd", "../x", "a/../../x", "a//b", "./x", "a/."}) {
    EXPECT_FALSE(is_safe_entry_name(bad)) << bad;
  }
}

TEST(Materialise, AnEntryWithATraversalNameWritesNothing) {
  ScratchDir scratch("traverse");
  fs::path dir = scratch.path();
  Entry e;
  e.crate_name = "evil";
  e.unit_kind = "lib";
  e.blobs.push_back({"../escaped", 0644, false, "owned", "", ""});
  std::string bytes = encode_entry(e, {Codec::kLz4});
  PathNormaliser n;
  StatCache digests((dir / "stat").string());
  EXPECT_THROW(materialise(bytes, (dir / "out").string(), n, digests), CorruptEntry);
  EXPECT_FALSE(fs::exists(dir / "escaped"));
}

// From an aligned entry's file a hit clones whole blocks and writes the tail, where the filesystem
// can (reflink_hits runs this on XFS and btrfs); elsewhere the same files are written.
TEST(Materialise, AlignedEntryFromItsFileGivesTheSameFiles) {
  ScratchDir scratch("aligned");
  fs::path dir = scratch.path();
  Entry e;
  e.crate_name = "foo";
  e.unit_kind = "lib";
  std::string rlib(5 * kCloneBlock + 123, '\0');
  for (size_t i = 0; i < rlib.size(); ++i) rlib[i] = static_cast<char>(i * 7 % 251);
  e.blobs.push_back({"libfoo-1.rlib", 0644, false, rlib, "", ""});
  e.blobs.push_back({"libfoo-1.rmeta", 0644, false, rlib.substr(0, 100), "", ""});
  std::string entry_path = (dir / "foo.entry").string();
  write_file_atomic(entry_path, encode_entry(e, {Codec::kAligned}));
  int fd = ::open(entry_path.c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  std::string bytes = read_file(entry_path);
  PathNormaliser n;
  StatCache digests((dir / "stat").string());
  Replay replay = materialise(bytes, (dir / "out").string(), n, digests, "", true, fd);
  ::close(fd);
  EXPECT_EQ(read_file((dir / "out/libfoo-1.rlib").string()), rlib);
  EXPECT_EQ(read_file((dir / "out/libfoo-1.rmeta").string()), rlib.substr(0, 100));
  EXPECT_EQ(replay.cloned_bytes, dir_can_clone(dir.string()) ? 5 * kCloneBlock : 0);
}

}  // namespace
}  // namespace cratecache
