#include "buildscript/input_trace.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <thread>

#include "scratch_dir.h"
#include "util/fs.h"
#include "util/process.h"

namespace cratecache {
namespace {

TEST(InputTrace, FindsWhatTheRunAndItsChildrenRead) {
  ScratchDir scratch("trace");
  std::string dir = scratch.path().string();
  write_file_atomic(dir + "/input.txt", "read me");
  write_file_atomic(dir + "/skipped/input.txt", "covered otherwise");
  // Input mtimes must lie before the run starts (file timestamps are coarser than the clock).
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  {
    auto trace = InputTrace::start(CRATECACHE_TRACE_LIBRARY_DIR);
    ASSERT_TRUE(trace) << "libcratecache-trace.so is built beside the binary";
    TeeResult run = run_tee("sh", {"-c", "cd '" + dir + "' && cat input.txt skipped/input.txt >/dev/null && "
                                         "echo new > made.txt && cat made.txt /proc/self/stat >/dev/null"});
    ASSERT_EQ(0, run.exit_code) << run.err;
    EXPECT_EQ((std::vector<std::string>{dir + "/input.txt"}), trace->inputs({dir + "/skipped", "/proc"}));
    EXPECT_NE(nullptr, std::getenv("CRATECACHE_TRACE"));
  }
  EXPECT_EQ(nullptr, std::getenv("CRATECACHE_TRACE")) << "the environment is restored";
  const char* preload = std::getenv("LD_PRELOAD");
  EXPECT_TRUE(preload == nullptr || std::string(preload).find("cratecache-trace") == std::string::npos);
}

}  // namespace
}  // namespace cratecache
