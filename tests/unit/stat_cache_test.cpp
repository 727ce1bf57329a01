// StatCache: a recorded digest is trusted until the file changes; hashing is the fallback.
#include "key/stat_cache.h"

#include <gtest/gtest.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <filesystem>

#include "util/digest.h"
#include "scratch_dir.h"
#include "util/fs.h"

namespace cratecache {
namespace {

namespace fs = std::filesystem;

class StatCacheTest : public ::testing::Test {
 protected:
  void SetUp() override { write_file_replacing(file_, "contents", 0644); }

  ScratchDir scratch_{"statcache"};
  fs::path dir_ = scratch_.path();
  std::string file_ = (dir_ / "lib.rlib").string();
};

TEST_F(StatCacheTest, UnrecordedFileIsHashed) {
  StatCache cache((dir_ / "stat").string());
  EXPECT_EQ(cache.digest(file_), sha256_hex("contents"));
}

// A recorded digest is returned without reading the file: the recorded value, not the content's.
TEST_F(StatCacheTest, RecordedDigestIsServedUntilTheFileChanges) {
  StatCache cache((dir_ / "stat").string());
  const std::string recorded(64, 'a');
  cache.record(file_, recorded);
  EXPECT_EQ(StatCache((dir_ / "stat").string()).digest(file_), recorded);

  write_file_replacing(file_, "other contents", 0644);
  EXPECT_EQ(cache.digest(file_), sha256_hex("other contents"));
}

// Rewritten in place with the same size: the new mtime invalidates the record.
TEST_F(StatCacheTest, InPlaceRewriteOfTheSameSizeIsNoticed) {
  StatCache cache((dir_ / "stat").string());
  cache.record(file_, std::string(64, 'b'));
  ::usleep(20000);  // a coarse-timestamp filesystem still sees a new mtime
  FILE* f = std::fopen(file_.c_str(), "r+");
  ASSERT_NE(f, nullptr);
  std::fputs("CONTENTS", f);
  std::fclose(f);
  EXPECT_EQ(cache.digest(file_), sha256_hex("CONTENTS"));
}

// A digest claimed in an attribute of another user's file (a tenant's, in a shared directory) is
// not taken: the file is hashed.
TEST_F(StatCacheTest, AnotherUsersAttributeIsNotTrusted) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to give the file to another user";
  const std::string claimed(64, 'c');
  ASSERT_EQ(::chown(file_.c_str(), 65534, 65534), 0);
  auto st = stat_file(file_);
  ASSERT_TRUE(st);
  std::string value = claimed + " " + std::to_string(st->size) + " " + std::to_string(st->mtime_ns);
  if (::setxattr(file_.c_str(), "user.cratecache.sha256", value.data(), value.size(), 0) != 0) {
    GTEST_SKIP() << "no user attributes on this filesystem";
  }
  EXPECT_EQ(StatCache((dir_ / "stat").string()).digest(file_), sha256_hex("contents"));
}

}  // namespace
}  // namespace cratecache
