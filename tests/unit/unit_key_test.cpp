#include "key/unit_key.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "key/project_roots.h"
#include "scratch_dir.h"
#include "util/fs.h"

namespace cratecache {
namespace {

namespace fs = std::filesystem;

// A project laid out as Cargo would: <root>/target/debug/deps with one extern rlib.
class UnitKeyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    make_project(base_ / "a");
    make_project(base_ / "elsewhere" / "b");
  }

  static void make_project(const fs::path& root) {
    fs::create_directories(root / "target/debug/deps");
    write_file_atomic((root / "target/debug/deps/libdep-1.rmeta").string(), "dep metadata v1");
  }

  std::vector<std::string> argv(const fs::path& root, std::vector<std::string> extra = {}) const {
    std::string deps = (root / "target/debug/deps").string();
    std::vector<std::string> a{"--crate-name", "foo", "--edition=2021", "/reg/foo-1.0/src/lib.rs",
                               "--crate-type", "lib", "--emit=dep-info,metadata,link", "-C", "opt-level=0",
                               "-C", "extra-filename=-abc", "--out-dir", deps, "-L", "dependency=" + deps,
                               "--extern", "dep=" + deps + "/libdep-1.rmeta", "--cap-lints", "allow"};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  }

  std::string key(const fs::path& root, std::vector<std::string> extra = {},
                  std::map<std::string, std::string> env = {}, const std::string& toolchain = "tc1") {
    ParseResult parsed = parse_rustc_args(argv(root, std::move(extra)));
    EXPECT_FALSE(parsed.not_cacheable) << parsed.not_cacheable.value_or("");
    env.emplace("CARGO_PKG_NAME", "foo");
    env.emplace("OUT_DIR", (root / "target/debug/build/foo-1/out").string());
    EnvLookup lookup = [&env](const char* name) -> const char* {
      auto it = env.find(name);
      return it == env.end() ? nullptr : it->second.c_str();
    };
    std::vector<std::string> names;
    for (const auto& [k, v] : env) names.push_back(k);
    Toolchain tc{toolchain, "1.0.0", "/sysroot"};
    PathNormaliser normaliser = make_normaliser(find_project_roots(parsed.args, "/reg/foo-1.0", lookup));
    StatCache digests((base_ / "stat").string());
    KeyContext ctx{parsed.args, tc, normaliser, "/reg/foo-1.0", lookup, names, digests};
    ctx.host_cpu = [this] {
      ++host_cpu_asked_;
      return host_cpu_;
    };
    return compute_input_key(ctx);
  }

  std::string host_cpu_ = "cpu-a";
  int host_cpu_asked_ = 0;

  ScratchDir scratch_{"key"};
  fs::path base_ = scratch_.path();
};

TEST_F(UnitKeyTest, ProjectLocationDoesNotChangeTheKey) {
  EXPECT_EQ(key(base_ / "a"), key(base_ / "elsewhere" / "b"));
}

// Objects name their .dwo files by absolute path: split debug info is keyed on the out-dir itself.
TEST_F(UnitKeyTest, SplitDebuginfoIsKeyedOnTheOutDir) {
  const std::vector<std::string> split{"-C", "split-debuginfo=unpacked"};
  EXPECT_NE(key(base_ / "a", split), key(base_ / "elsewhere" / "b", split));
  EXPECT_EQ(key(base_ / "a", split), key(base_ / "a", split));
  EXPECT_NE(key(base_ / "a", split), key(base_ / "a"));
}

TEST_F(UnitKeyTest, EachInputChangesTheKey) {
  const std::string base = key(base_ / "a");
  EXPECT_NE(base, key(base_ / "a", {"--cfg", "feature=\"std\""})) << "features";
  EXPECT_NE(base, key(base_ / "a", {"-C", "debuginfo=2"})) << "codegen flags (profile, RUSTFLAGS)";
  EXPECT_NE(base, key(base_ / "a", {"--cfg", "my_cfg"})) << "--cfg";
  EXPECT_NE(base, key(base_ / "a", {"--target", "aarch64-unknown-linux-gnu"})) << "target";
  EXPECT_NE(base, key(base_ / "a", {}, {{"CARGO_PKG_VERSION", "2.0.0"}})) << "package env";
  EXPECT_NE(base, key(base_ / "a", {}, {{"RUSTC_BOOTSTRAP", "1"}})) << "RUSTC_BOOTSTRAP";
  EXPECT_NE(base, key(base_ / "a", {}, {}, "tc2")) << "toolchain";
}

TEST_F(UnitKeyTest, ExternContentIsAnInputButItsPathIsNot) {
  const std::string before = key(base_ / "a");
  write_file_atomic((base_ / "a/target/debug/deps/libdep-1.rmeta").string(), "dep metadata v2");
  EXPECT_NE(before, key(base_ / "a"));
}

TEST_F(UnitKeyTest, PresentationOnlyFlagsAreIgnored) {
  EXPECT_EQ(key(base_ / "a"), key(base_ / "a", {"--diagnostic-width=80", "--color=always"}));
}

TEST_F(UnitKeyTest, UnrelatedEnvironmentIsIgnored) {
  EXPECT_EQ(key(base_ / "a"), key(base_ / "a", {}, {{"HOME", "/somewhere"}, {"CARGO_MAKEFLAGS", "-j2"}}));
}

TEST_F(UnitKeyTest, HostCpuIsAnInputOnlyForNativeCode) {
  const std::string portable = key(base_ / "a");
  const std::string native = key(base_ / "a", {"-C", "target-cpu=native"});
  const std::string tuned = key(base_ / "a", {"-Ztune-cpu=native"});
  host_cpu_ = "cpu-b";
  EXPECT_EQ(portable, key(base_ / "a")) << "portable code does not depend on the machine";
  EXPECT_EQ(portable, key(base_ / "a", {}, {{"CFLAGS", "-march=native"}})) << "C flags do not reach rustc";
  EXPECT_EQ(2, host_cpu_asked_) << "the CPU is looked at only for native units";
  EXPECT_NE(native, key(base_ / "a", {"-C", "target-cpu=native"})) << "native code on another CPU";
  EXPECT_NE(tuned, key(base_ / "a", {"-Ztune-cpu=native"}));
  EXPECT_NE(key(base_ / "a", {"-C", "target-cpu=native"}), key(base_ / "a", {"-C", "target-cpu=skylake"}));
}

TEST_F(UnitKeyTest, CustomTargetSpecIsAnInputByContent) {
  std::string spec = (base_ / "a/my-target.json").string();
  std::map<std::string, std::string> search{{"RUST_TARGET_PATH", "/none:" + (base_ / "a").string()}};
  write_file_atomic(spec, R"({"llvm-target": "x86_64-unknown-none"})");
  const std::string by_path = key(base_ / "a", {"--target", spec});
  const std::string by_name = key(base_ / "a", {"--target", "my-target"}, search);
  write_file_atomic(spec, R"({"llvm-target": "x86_64-unknown-none", "features": "-sse"})");
  EXPECT_NE(by_path, key(base_ / "a", {"--target", spec}));
  EXPECT_NE(by_name, key(base_ / "a", {"--target", "my-target"}, search));
  EXPECT_EQ(key(base_ / "a", {"--target", "x86_64-unknown-none"}),
            key(base_ / "a", {"--target", "x86_64-unknown-none"}, {{"RUST_TARGET_PATH", "/none"}}))
      << "a built-in target has no spec file";
}

TEST(ResultKey, SourcesAndEnvDepsChangeIt) {
  std::vector<SourceDigest> sources{{"/reg/foo/src/lib.rs", "d1"}};
  std::string base = compute_result_key("in", sources, {});
  EXPECT_NE(base, compute_result_key("in", {{"/reg/foo/src/lib.rs", "d2"}}, {}));
  EXPECT_NE(base, compute_result_key("in", sources, {{"FOO", "1"}}));
  EXPECT_NE(compute_result_key("in", sources, {{"FOO", "1"}}), compute_result_key("in", sources, {{"FOO", std::nullopt}}));
  EXPECT_EQ(base, compute_result_key("in", sources, {}));
}

}  // namespace
}  // namespace cratecache
