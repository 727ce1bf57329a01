#include "key/project_roots.h"

#include <gtest/gtest.h>

#include <map>

#include "scratch_dir.h"
#include "util/fs.h"

namespace cratecache {
namespace {

namespace fs = std::filesystem;

constexpr const char* kTriple = "x86_64-unknown-linux-gnu";

class ProjectRootsTest : public ::testing::Test {
 protected:
  EnvLookup lookup() {
    return [this](const char* name) -> const char* {
      auto it = env_.find(name);
      return it == env_.end() ? nullptr : it->second.c_str();
    };
  }

  // A registry crate's rustc call as Cargo writes it; `out` is its --out-dir, `deps` the
  // out-dirs of its dependencies, `externs` their files.
  ProjectRoots rustc_roots(const std::string& out, const std::vector<std::string>& deps,
                           const std::vector<std::string>& externs, std::vector<std::string> extra = {},
                           const std::string& input = "/reg/foo-1.0/src/lib.rs", const std::string& cwd = "/reg/foo-1.0") {
    std::vector<std::string> a{"--crate-name", "foo", input, "--crate-type", "lib", "--emit=dep-info,metadata,link", "--out-dir", out,
                               "--cap-lints", "allow"};
    for (const auto& d : deps) a.insert(a.end(), {"-L", "dependency=" + d});
    for (const auto& e : externs) a.insert(a.end(), {"--extern", "dep=" + e});
    a.insert(a.end(), extra.begin(), extra.end());
    ParseResult parsed = parse_rustc_args(a);
    EXPECT_FALSE(parsed.not_cacheable) << parsed.not_cacheable.value_or("");
    return find_project_roots(parsed.args, cwd, lookup());
  }

  std::map<std::string, std::string> env_{{"CARGO_HOME", "/home/u/.cargo"}};
  ScratchDir scratch_{"roots"};
  fs::path base_ = scratch_.path();
};

TEST(CargoProfileDir, BothLayouts) {
  EXPECT_EQ(cargo_profile_dir("/t/debug/deps"), "/t/debug");
  EXPECT_EQ(cargo_profile_dir("/t/debug/examples"), "/t/debug");
  EXPECT_EQ(cargo_profile_dir("/t/release/build/foo-0123456789abcdef"), "/t/release") << "old: script binary";
  EXPECT_EQ(cargo_profile_dir("/t/release/build/foo-0123456789abcdef/out"), "/t/release") << "old: OUT_DIR";
  EXPECT_EQ(cargo_profile_dir("/t/debug/build/foo/0123456789abcdef/out"), "/t/debug") << "new: any unit";
  EXPECT_EQ(cargo_profile_dir("/t/debug/build/build/0123456789abcdef/out"), "/t/debug") << "a package named build";
  EXPECT_EQ(cargo_profile_dir("/t/debug/build/my-pkg/0123456789abcdef/out"), "/t/debug");
  EXPECT_EQ(cargo_profile_dir("/t/debug/build/foo/0123456789abcdef/out/"), "/t/debug");
  EXPECT_FALSE(cargo_profile_dir("/t/debug/build/foo/notahash/out"));
  EXPECT_FALSE(cargo_profile_dir("/t/debug/build/foo-xyz/out"));
  EXPECT_FALSE(cargo_profile_dir("/t/debug/build/foo/0123456789abcdef"));
  EXPECT_FALSE(cargo_profile_dir("/opt/lib"));
  EXPECT_FALSE(cargo_profile_dir("/tmp/out"));
}

TEST_F(ProjectRootsTest, OldLayout) {
  env_["OUT_DIR"] = "/w/app/target/debug/build/foo-0123456789abcdef/out";
  ProjectRoots r = rustc_roots("/w/app/target/debug/deps", {"/w/app/target/debug/deps"},
                               {"/w/app/target/debug/deps/libdep-1.rmeta"});
  EXPECT_EQ(r.target_dir, "/w/app/target");
  EXPECT_EQ(r.project_dir, "") << "a registry crate names no project, and no dir named target makes one";
  EXPECT_EQ(r.cargo_home, "/home/u/.cargo");
}

TEST_F(ProjectRootsTest, NewLayout) {
  const std::string b = "/w/app/target/debug/build/";
  env_["OUT_DIR"] = b + "foo/236c5cd66aa8dbac/out";
  ProjectRoots r = rustc_roots(b + "foo/c40012be6f63c535/out",
                               {b + "foo/236c5cd66aa8dbac/out", b + "foo/c40012be6f63c535/out", b + "dep/d6318c4e4aa4c337/out"},
                               {b + "dep/d6318c4e4aa4c337/out/libdep-d6318c4e4aa4c337.rlib"});
  EXPECT_EQ(r.target_dir, "/w/app/target");
}

TEST_F(ProjectRootsTest, ExplicitTargetInBothLayouts) {
  const std::string t = std::string("/w/t/") + kTriple;
  ProjectRoots old_layout = rustc_roots(t + "/debug/deps", {t + "/debug/deps", "/w/t/debug/deps"},
                                        {"/w/t/debug/deps/libmacro-1.so"}, {"--target", kTriple});
  EXPECT_EQ(old_layout.target_dir, "/w/t") << "target units see the host's deps dir too";
  ProjectRoots new_layout = rustc_roots(t + "/debug/build/foo/0123456789abcdef/out",
                                        {"/w/t/debug/build/m/00000000000000aa/out"},
                                        {"/w/t/debug/build/m/00000000000000aa/out/libm-1.so"}, {"--target", kTriple});
  EXPECT_EQ(new_layout.target_dir, "/w/t");
  EXPECT_EQ(rustc_roots("/w/t/debug/deps", {"/w/t/debug/deps"}, {}).target_dir, "/w/t") << "host unit";
  EXPECT_EQ(rustc_roots("/w/t/debug/deps", {}, {}, {"--target", kTriple}).target_dir, "")
      << "a --target unit outside the target's directory is not Cargo's layout";
}

TEST_F(ProjectRootsTest, JsonTargetDirIsTheFileStem) {
  EXPECT_EQ(rustc_roots("/w/t/my-os/debug/deps", {}, {}, {"--target", "/specs/my-os.json"}).target_dir, "/w/t");
}

TEST_F(ProjectRootsTest, BuildDirOfAnyNameAndPlace) {
  EXPECT_EQ(rustc_roots("/tmp/builds/x/release/deps", {}, {}).target_dir, "/tmp/builds/x");
  EXPECT_EQ(rustc_roots("/tmp/deps/debug/deps", {}, {}).target_dir, "/tmp/deps");
  const std::string named_like_triple = std::string("/tmp/") + kTriple;
  EXPECT_EQ(rustc_roots(named_like_triple + "/debug/deps", {}, {}).target_dir, named_like_triple)
      << "without --target no directory is a target's";
  EXPECT_EQ(rustc_roots(named_like_triple + "/" + kTriple + "/debug/deps", {named_like_triple + "/debug/deps"}, {},
                        {"--target", kTriple})
                .target_dir,
            named_like_triple);
}

TEST_F(ProjectRootsTest, EveryCargoPathMustAgree) {
  EXPECT_EQ(rustc_roots("/a/target/debug/deps", {"/b/target/debug/deps"}, {}).target_dir, "");
  EXPECT_EQ(rustc_roots("/a/target/debug/deps", {}, {"/b/target/debug/deps/libdep-1.rlib"}).target_dir, "");
  env_["OUT_DIR"] = "/b/target/debug/build/foo-0123456789abcdef/out";
  EXPECT_EQ(rustc_roots("/a/target/debug/deps", {}, {}).target_dir, "");
  env_.erase("OUT_DIR");
  EXPECT_EQ(rustc_roots("/a/target/debug/deps", {"/opt/lib"}, {"/opt/lib/libx.rlib"}).target_dir, "/a/target")
      << "a dependency dir of another shape is no evidence";
  EXPECT_EQ(rustc_roots("/a/out", {}, {}).target_dir, "") << "an out-dir of no Cargo shape";
  EXPECT_EQ(rustc_roots("/deps", {}, {}).target_dir, "") << "never the root directory";
}

TEST_F(ProjectRootsTest, PathPackageRunsFromTheWorkspaceRoot) {
  ProjectRoots r = rustc_roots("/w/app/out/debug/deps", {}, {}, {}, "crates/a/src/lib.rs", "/w/app");
  EXPECT_EQ(r.project_dir, "/w/app");
  EXPECT_EQ(r.target_dir, "/w/app/out");
}

TEST_F(ProjectRootsTest, VendoredPackageFindsTheWorkspaceByItsLockFile) {
  fs::path ws = base_ / "ws";
  fs::path pkg = ws / "vendor" / "foo-1.0";
  fs::create_directories(pkg / "src");
  write_file_atomic((ws / "Cargo.toml").string(), "[workspace]\n");
  write_file_atomic((ws / "Cargo.lock").string(), "version = 4\n");
  write_file_atomic((pkg / "Cargo.toml").string(), "[package]\n");
  auto roots_of = [&](const fs::path& dir) {
    return rustc_roots("/elsewhere/t/debug/deps", {}, {}, {}, (dir / "src/lib.rs").string(), dir.string());
  };
  EXPECT_EQ(roots_of(pkg).project_dir, ws.string());

  write_file_atomic((pkg / "Cargo.lock").string(), "version = 3\n");
  EXPECT_EQ(roots_of(pkg).project_dir, pkg.string()) << "a package's own lock file: tighter, never looser";

  fs::remove(ws / "Cargo.toml");
  fs::remove(pkg / "Cargo.lock");
  EXPECT_EQ(roots_of(pkg).project_dir, "") << "a lock file without a manifest is no workspace";

  write_file_atomic((ws / "Cargo.toml").string(), "[workspace]\n");
  env_["CARGO_HOME"] = ws.string();
  EXPECT_EQ(roots_of(pkg).project_dir, "") << "packages under CARGO_HOME belong to no project";
}

TEST_F(ProjectRootsTest, ScriptRunInBothLayouts) {
  auto run = [&](const std::string& script, const std::string& out) {
    return find_script_run_roots(script, out, "/reg/foo-1.0", lookup()).target_dir;
  };
  EXPECT_EQ(run("/w/t/debug/build/foo-00000000000000aa/build_script_build-00000000000000aa.cratecache-real",
                "/w/t/debug/build/foo-00000000000000bb/out"),
            "/w/t");
  EXPECT_EQ(run("/w/t/debug/build/foo/00000000000000aa/out/build_script_build.cratecache-real",
                "/w/t/debug/build/foo/00000000000000bb/out"),
            "/w/t");
  const std::string target_out = std::string("/w/t/") + kTriple + "/debug/build/foo/00000000000000bb/out";
  EXPECT_EQ(run("/w/t/debug/build/foo/00000000000000aa/out/build_script_build", target_out), "")
      << "OUT_DIR under a directory that is not the run's target";
  env_["TARGET"] = kTriple;
  EXPECT_EQ(run("/w/t/debug/build/foo/00000000000000aa/out/build_script_build", target_out), "/w/t")
      << "--target: the script is a host unit, its run is the target's";
  EXPECT_EQ(run("/w/t/debug/build/foo/00000000000000aa/out/build_script_build",
                "/w/other/debug/build/foo/00000000000000bb/out"),
            "");
}

}  // namespace
}  // namespace cratecache
