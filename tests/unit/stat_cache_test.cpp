// StatCache: a recorded digest is trusted until the file changes; hashing is the fallback.
#include "key/stat_cache.h"

#include <gtest/gtest.h>
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

}  // namespace
}  // namespace cratecache
