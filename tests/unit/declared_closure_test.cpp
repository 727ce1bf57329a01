#include "key/declared_closure.h"

#include <gtest/gtest.h>

#include <map>

#include "scratch_dir.h"
#include "util/fs.h"

namespace cratecache {
namespace {

// A target dir with one build-script run (pkg-1/output beside pkg-1/out) and the units above it.
class DeclaredClosureTest : public ::testing::Test {
 protected:
  // Records the closure of unit `stem` (externs by stem), with OUT_DIR set when `own_run`.
  std::string record(const std::string& stem, const std::vector<std::string>& externs, bool own_run) {
    RustcArgs args;
    args.out_dir = deps_;
    auto dash = stem.find('-');
    args.crate_name = stem.substr(0, dash);
    args.extra_filename = stem.substr(dash);
    for (const auto& e : externs) args.externs.push_back({e.substr(0, e.find('-')), deps_ + "/lib" + e + ".rlib"});
    std::map<std::string, std::string> env = env_;
    if (own_run) {
      env["OUT_DIR"] = run_dir_ + "/out";
      env["CARGO_MANIFEST_DIR"] = package_;
    }
    EnvLookup lookup = [&env](const char* name) -> const char* {
      auto it = env.find(name);
      return it == env.end() ? nullptr : it->second.c_str();
    };
    StatCache digests(root_ + "/stat");
    record_closure({args, root_, normaliser_, lookup, digests});
    return read_closure(closure_sidecar(deps_, stem));
  }

  void SetUp() override {
    make_dirs(deps_);
    make_dirs(run_dir_ + "/out");
    make_dirs(package_);
    write_file_atomic(package_ + "/data.txt", "one");
  }

  ScratchDir scratch_{"declared-closure"};
  std::string root_ = scratch_.path().string();
  std::string deps_ = root_ + "/target/debug/deps";
  std::string run_dir_ = root_ + "/target/debug/build/gen-1";
  std::string package_ = root_ + "/gen";
  std::map<std::string, std::string> env_;
  PathNormaliser normaliser_;
};

TEST_F(DeclaredClosureTest, SidecarIsNamedAfterTheUnitAndFoundFromItsCrateFile) {
  EXPECT_EQ("/t/deps/gen-1.cratecache-closure", closure_sidecar("/t/deps", "gen-1"));
  EXPECT_EQ("/t/deps/gen-1.cratecache-closure", extern_closure_sidecar("/t/deps/libgen-1.rlib"));
  EXPECT_EQ("/t/deps/gen-1.cratecache-closure", extern_closure_sidecar("/t/deps/libgen-1.rmeta"));
  EXPECT_EQ("/t/deps/mac-2.cratecache-closure", extern_closure_sidecar("/t/deps/libmac-2.so"));
}

TEST_F(DeclaredClosureTest, NoDeclaredInputsMeansNoSidecar) {
  write_file_atomic(run_dir_ + "/output", "cargo:rustc-cfg=foo\n");
  EXPECT_EQ("", record("gen-1", {}, true));
  EXPECT_FALSE(stat_file(closure_sidecar(deps_, "gen-1")));
  EXPECT_EQ("", record("app-2", {"gen-1"}, false));
}

TEST_F(DeclaredClosureTest, DeclaredVariablesAndFilesCountTransitively) {
  write_file_atomic(run_dir_ + "/output", "cargo:rerun-if-env-changed=GEN_VAR\ncargo::rerun-if-changed=data.txt\n");
  std::string unset = record("gen-1", {}, true);
  ASSERT_EQ(64u, unset.size());
  std::string above = record("mid-2", {"gen-1"}, false);
  std::string top = record("top-3", {"mid-2"}, false);
  EXPECT_NE("", above);
  EXPECT_NE(above, top);

  env_["GEN_VAR"] = "B";
  EXPECT_NE(unset, record("gen-1", {}, true));
  EXPECT_NE(top, (record("mid-2", {"gen-1"}, false), record("top-3", {"mid-2"}, false)));
  env_.erase("GEN_VAR");
  write_file_atomic(package_ + "/data.txt", "two");
  EXPECT_NE(unset, record("gen-1", {}, true));
  write_file_atomic(package_ + "/data.txt", "one");
  EXPECT_EQ(unset, record("gen-1", {}, true)) << "the same inputs give the same closure";

  write_file_atomic(run_dir_ + "/output", "");
  EXPECT_EQ("", record("gen-1", {}, true));
  EXPECT_FALSE(stat_file(closure_sidecar(deps_, "gen-1"))) << "a stale sidecar is removed";
}

TEST_F(DeclaredClosureTest, NewBuildDirLayoutRecord) {
  make_dirs(run_dir_ + "/run");
  write_file_atomic(run_dir_ + "/run/stdout", "cargo:rerun-if-env-changed=GEN_VAR\n");
  EXPECT_NE("", record("gen-1", {}, true));
}

TEST_F(DeclaredClosureTest, ProcMacroClosureCountsOnlyProcMacros) {
  std::string d(64, 'd');
  write_file_atomic(deps_ + "/mac-1.cratecache-closure", "cratecache-closure-v1 " + d + "\n");
  write_file_atomic(deps_ + "/lib-2.cratecache-closure", "cratecache-closure-v1 " + d + "\n");
  RustcArgs args;
  args.externs = {{"lib", deps_ + "/liblib-2.rlib"}};
  EXPECT_EQ("", proc_macro_closure(args, root_));
  args.externs.push_back({"mac", deps_ + "/libmac-1.so"});
  std::string with_macro = proc_macro_closure(args, root_);
  EXPECT_EQ(64u, with_macro.size());
  write_file_atomic(deps_ + "/mac-1.cratecache-closure", "cratecache-closure-v1 " + std::string(64, 'e') + "\n");
  EXPECT_NE(with_macro, proc_macro_closure(args, root_));
}

TEST_F(DeclaredClosureTest, DamagedOrUnreadableSidecarIsAFault) {
  write_file_atomic(deps_ + "/bad-1.cratecache-closure", "cratecache-closure-v1 xyz\n");
  EXPECT_THROW(read_closure(deps_ + "/bad-1.cratecache-closure"), std::runtime_error);
  write_file_atomic(deps_ + "/bad-1.cratecache-closure", "cratecache-closure-v1 unreadable\n");
  EXPECT_THROW(read_closure(deps_ + "/bad-1.cratecache-closure"), std::runtime_error);
  // A unit above an unreadable closure is unreadable too.
  EXPECT_THROW(record("top-3", {"bad-1"}, false), std::runtime_error);
}

}  // namespace
}  // namespace cratecache
