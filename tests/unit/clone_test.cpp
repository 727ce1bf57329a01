#include "util/clone.h"

#include <sys/vfs.h>

#include <cerrno>
#include <filesystem>
#include <gtest/gtest.h>

#include "scratch_dir.h"

namespace cratecache {
namespace {

constexpr long kExt4Magic = 0xEF53;

TEST(ProbeClone, AFilesystemThatCannotCloneIsNoFailure) {
  ScratchDir dir("clone-probe");
  CloneProbe probe = probe_clone(dir.path().string());
  struct statfs fs {};
  ASSERT_EQ(::statfs(dir.path().c_str(), &fs), 0);
  if (fs.f_type == kExt4Magic) {
    EXPECT_FALSE(probe.can) << "ext4 has no clones";
  }
  if (!probe.can) {
    EXPECT_EQ(probe.failure, 0) << "a filesystem's plain refusal was reported as a failure";
  }
  EXPECT_TRUE(std::filesystem::is_empty(dir.path())) << "the probe left its files";
}

TEST(ProbeClone, ADirectoryItCannotWriteIsAFailure) {
  ScratchDir dir("clone-probe-missing");
  CloneProbe probe = probe_clone((dir.path() / "absent").string());
  EXPECT_FALSE(probe.can);
  EXPECT_EQ(probe.failure, ENOENT);
}

}  // namespace
}  // namespace cratecache
