#include "buildscript/input_trace.h"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <algorithm>
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
    TracedInputs traced = trace->inputs({dir + "/skipped", "/proc"});
    std::vector<std::string> read;  // the programs run (cat) are the other test's
    for (const auto& f : traced.files) {
      if (f.starts_with(dir)) read.push_back(f);
    }
    EXPECT_EQ((std::vector<std::string>{dir + "/input.txt"}), read);
    EXPECT_NE(nullptr, std::getenv("CRATECACHE_TRACE"));
  }
  EXPECT_EQ(nullptr, std::getenv("CRATECACHE_TRACE")) << "the environment is restored";
  const char* preload = std::getenv("LD_PRELOAD");
  EXPECT_TRUE(preload == nullptr || std::string(preload).find("cratecache-trace") == std::string::npos);
}

// What was looked for and not found, and the programs run (through PATH and `#!`), are inputs too.
TEST(InputTrace, FindsWhatTheRunLookedForAndRan) {
  ScratchDir scratch("trace-probe");
  std::string dir = scratch.path().string();
  write_file_atomic(dir + "/later/tool", "#!/bin/sh\necho \"$CRATECACHE_TEST_CHOICE ${OTHER_CHOICE:-x} $HOME $local\"\n");
  ::chmod((dir + "/later/tool").c_str(), 0755);
  write_file_atomic(dir + "/inc/.keep", "");
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  auto trace = InputTrace::start(CRATECACHE_TRACE_LIBRARY_DIR);
  ASSERT_TRUE(trace);
  std::string path = dir + "/first:" + dir + "/later";
  TeeResult run = run_tee("sh", {"-c", "cd '" + dir + "' && test ! -e missing.h && cat inc/none.h 2>/dev/null; "
                                       "PATH='" + path + "' exec /usr/bin/env tool"});
  ASSERT_EQ(0, run.exit_code) << run.err;
  TracedInputs traced = trace->inputs({"/proc"});
  auto has = [](const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); };
  EXPECT_TRUE(has(traced.absent, dir + "/missing.h"));
  EXPECT_TRUE(has(traced.absent, dir + "/inc/none.h"));
  EXPECT_TRUE(has(traced.absent, dir + "/first/tool")) << "the PATH entry before the hit";
  EXPECT_TRUE(has(traced.files, dir + "/later/tool"));
  EXPECT_TRUE(has(traced.files, "/bin/sh") || has(traced.files, "/usr/bin/sh")) << "the script's interpreter";
  EXPECT_TRUE(has(traced.path_lookups, "tool")) << "a name looked up on PATH";
  EXPECT_FALSE(has(traced.path_lookups, "/usr/bin/env")) << "a program started by path";
  EXPECT_FALSE(has(traced.env, "PATH")) << "PATH itself is not an input: what its names find is";
  EXPECT_TRUE(has(traced.env, "CRATECACHE_TEST_CHOICE"));
  EXPECT_TRUE(has(traced.env, "OTHER_CHOICE"));
  EXPECT_FALSE(has(traced.env, "HOME")) << "a session variable";
}

}  // namespace
}  // namespace cratecache
