#include "buildscript/run_key.h"

#include <gtest/gtest.h>

#include <map>

#include "scratch_dir.h"
#include "util/fs.h"

namespace cratecache {
namespace {

class RunKeyTest : public ::testing::Test {
 protected:
  void SetUp() override { write_file_atomic(manifest_dir_ + "/Cargo.toml", "[package]\nname = \"cdep\"\n"); }

  std::string key(std::map<std::string, std::string> env, const std::string& cpu, const std::string& closure = "") {
    env.emplace("TARGET", "x86_64-unknown-linux-gnu");
    EnvLookup lookup = [&env](const char* name) -> const char* {
      auto it = env.find(name);
      return it == env.end() ? nullptr : it->second.c_str();
    };
    std::vector<std::string> names;
    for (const auto& [k, v] : env) names.push_back(k);
    StatCache digests(scratch_.path().string() + "/stat");
    RunKeyContext ctx{"script-digest", "rustc-1", manifest_dir_, normaliser_, lookup, names, digests, closure};
    ctx.host_cpu = [&cpu] { return cpu; };
    return compute_run_key(ctx);
  }

  ScratchDir scratch_{"run-key"};
  std::string manifest_dir_ = scratch_.path().string() + "/cdep";
  PathNormaliser normaliser_;
};

TEST_F(RunKeyTest, HostCpuIsAnInputOnlyWhenTheFlagsAskForIt) {
  EXPECT_EQ(key({{"CFLAGS", "-O2"}}, "cpu-a"), key({{"CFLAGS", "-O2"}}, "cpu-b"));
  EXPECT_NE(key({{"CFLAGS", "-march=native"}}, "cpu-a"), key({{"CFLAGS", "-march=native"}}, "cpu-b"));
  EXPECT_NE(key({{"CARGO_ENCODED_RUSTFLAGS", "-Ctarget-cpu=native"}}, "cpu-a"),
            key({{"CARGO_ENCODED_RUSTFLAGS", "-Ctarget-cpu=native"}}, "cpu-b"));
  EXPECT_EQ(key({{"HOME", "-march=native"}, {"CFLAGS", "-O2"}}, "cpu-a"),
            key({{"HOME", "-march=native"}, {"CFLAGS", "-O2"}}, "cpu-b"))
      << "variables outside the key do not count";
}

TEST_F(RunKeyTest, DeclaredClosureOfTheScriptIsAnInput) {
  EXPECT_NE(key({}, "cpu", std::string(64, 'a')), key({}, "cpu", std::string(64, 'b')));
  EXPECT_NE(key({}, "cpu", std::string(64, 'a')), key({}, "cpu"));
}

}  // namespace
}  // namespace cratecache
