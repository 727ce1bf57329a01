#include "wrapper/split_debuginfo.h"

#include <gtest/gtest.h>

#include "scratch_dir.h"
#include "util/fs.h"

namespace cratecache {
namespace {

TEST(SplitDebuginfo, OnlyTheUnitsFilesThisRunWrote) {
  ScratchDir scratch("split-debuginfo");
  std::string dir = scratch.path().string();
  auto put = [&](const std::string& name, const std::string& data) { write_file_atomic(dir + "/" + name, data); };
  put("bytes-1a.bytes.9f-cgu.5.rcgu.dwo", "stale: an earlier run had more codegen units");
  put("bytes-1a.bytes.9f-cgu.0.rcgu.dwo", "old");
  SplitDebuginfoFiles files(dir, "bytes-1a");

  put("bytes-1a.bytes.9f-cgu.0.rcgu.dwo", "rewritten by this run");
  put("bytes-1a.bytes.9f-cgu.1.rcgu.dwo", "new");
  put("app-2b.dwp", "packed, binary");
  put("libmacro-1a.dwp", "another unit's, same hash");
  put("bytes-1a.d", "not debug info");
  put("bytes-1ab.x.rcgu.dwo", "another unit whose stem starts alike");
  EXPECT_EQ(files.written(),
            (std::vector<std::string>{"bytes-1a.bytes.9f-cgu.0.rcgu.dwo", "bytes-1a.bytes.9f-cgu.1.rcgu.dwo"}));

  SplitDebuginfoFiles binary(dir, "app-2b");
  put("app-2b.dwp", "packed, again");
  EXPECT_EQ(binary.written(), std::vector<std::string>{"app-2b.dwp"});
  SplitDebuginfoFiles dylib(dir, "macro-1a");
  put("libmacro-1a.dwp", "packed dylib");
  EXPECT_EQ(dylib.written(), std::vector<std::string>{"libmacro-1a.dwp"});
}

}  // namespace
}  // namespace cratecache
