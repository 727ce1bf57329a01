#include "args/rustc_args.h"

#include <gtest/gtest.h>

namespace cratecache {
namespace {

std::vector<std::string> cargo_lib_args() {
  return {"--crate-name", "tokio", "--edition=2018", "/reg/tokio-1.24.2/src/lib.rs", "--error-format=json",
          "--json=diagnostic-rendered-ansi,artifacts,future-incompat", "--crate-type", "lib",
          "--emit=dep-info,metadata,link", "-C", "embed-bitcode=no", "-C", "debuginfo=2", "--cfg",
          "feature=\"rt\"", "-C", "metadata=776f", "-C", "extra-filename=-48dd", "--out-dir", "/p/target/debug/deps",
          "-L", "dependency=/p/target/debug/deps", "--extern", "libc=/p/target/debug/deps/liblibc-00.rmeta",
          "--cap-lints", "allow"};
}

TEST(RustcArgs, ParsesCargoLibraryInvocation) {
  auto r = parse_rustc_args(cargo_lib_args());
  ASSERT_FALSE(r.not_cacheable) << *r.not_cacheable;
  EXPECT_EQ(r.args.crate_name, "tokio");
  EXPECT_EQ(r.args.input, "/reg/tokio-1.24.2/src/lib.rs");
  EXPECT_EQ(r.args.crate_types, std::vector<std::string>{"lib"});
  EXPECT_EQ(r.args.emit, (std::vector<std::string>{"dep-info", "metadata", "link"}));
  EXPECT_EQ(r.args.extra_filename, "-48dd");
  EXPECT_EQ(r.args.out_dir, "/p/target/debug/deps");
  ASSERT_EQ(r.args.externs.size(), 1u);
  EXPECT_EQ(r.args.externs[0].name, "libc");
  EXPECT_EQ(r.args.externs[0].path, "/p/target/debug/deps/liblibc-00.rmeta");
  ASSERT_EQ(r.args.lib_paths.size(), 1u);
  EXPECT_EQ(r.args.lib_paths[0].kind, "dependency");
  EXPECT_TRUE(r.args.has_cap_lints);
  EXPECT_EQ(r.args.unit_kind(), UnitKind::Lib);
  EXPECT_FALSE(r.args.links());
  EXPECT_EQ(r.args.expected_outputs(),
            (std::vector<std::string>{"libtokio-48dd.rlib", "libtokio-48dd.rmeta", "tokio-48dd.d"}));
}

TEST(RustcArgs, JoinedAndSeparateFormsAreCanonicalised) {
  auto a = parse_rustc_args({"-Copt-level=3", "--codegen=debuginfo=2", "-Ldependency=/d", "x.rs"});
  auto b = parse_rustc_args({"-C", "opt-level=3", "--codegen", "debuginfo=2", "-L", "dependency=/d", "x.rs"});
  ASSERT_EQ(a.args.options.size(), b.args.options.size());
  for (size_t i = 0; i < a.args.options.size(); ++i) {
    EXPECT_EQ(a.args.options[i].flag, b.args.options[i].flag);
    EXPECT_EQ(a.args.options[i].value, b.args.options[i].value);
  }
  EXPECT_EQ(a.args.codegen("opt-level"), "3");
}

TEST(RustcArgs, ProcMacroAndBuildScriptKinds) {
  auto pm = parse_rustc_args({"--crate-name", "m", "--crate-type", "proc-macro", "--emit=dep-info,link", "m.rs",
                              "--out-dir", "/o"});
  EXPECT_EQ(pm.args.unit_kind(), UnitKind::ProcMacro);
  EXPECT_TRUE(pm.args.links());
  EXPECT_EQ(pm.args.expected_outputs(), (std::vector<std::string>{"libm.so", "m.d"}));
  auto bs = parse_rustc_args({"--crate-name", "build_script_build", "--crate-type", "bin", "--emit=dep-info,link",
                              "-C", "extra-filename=-ab", "build.rs", "--out-dir", "/o"});
  EXPECT_EQ(bs.args.unit_kind(), UnitKind::BuildScript);
  EXPECT_EQ(bs.args.expected_outputs(), (std::vector<std::string>{"build_script_build-ab", "build_script_build-ab.d"}));
}

TEST(RustcArgs, RefusesWhatItCannotCache) {
  auto with = [](std::vector<std::string> extra) {
    std::vector<std::string> a{"--crate-name", "c", "--crate-type", "lib", "--emit=dep-info,link", "c.rs",
                               "--out-dir", "/o"};
    a.insert(a.end(), extra.begin(), extra.end());
    return parse_rustc_args(a).not_cacheable.value_or("");
  };
  EXPECT_EQ(with({}), "");
  EXPECT_EQ(with({"-C", "incremental=/i"}), "");  // only members are incremental; they are gated by config
  EXPECT_EQ(with({"--print", "cfg"}), "print");
  EXPECT_EQ(with({"--bogus-flag"}), "unknown_flag");
  EXPECT_EQ(with({"other.rs"}), "multiple_inputs");
  EXPECT_EQ(with({"-o", "x"}), "output_path");
  EXPECT_EQ(with({"@args.txt"}), "argfile");
  EXPECT_EQ(with({"--emit=asm"}), "emit_kind");
  EXPECT_EQ(with({"-C", "split-debuginfo=packed"}), "");
  EXPECT_EQ(with({"-C", "split-debuginfo=unpacked", "-C", "incremental=/i"}), "split_debuginfo_incremental");
  EXPECT_EQ(with({"--test"}), "crate_type");
  EXPECT_EQ(with({"--crate-type"}), "unknown_flag");  // value missing
}

// `cargo build -vv` caps dependencies' lints at warn: any cap marks a non-local package.
// `cargo test` builds each test target as `--test` without a crate type: an executable.
TEST(RustcArgs, TestHarnessIsAnExecutable) {
  auto r = parse_rustc_args({"--crate-name", "app", "--edition=2021", "src/lib.rs", "--emit=dep-info,link", "--test",
                             "-C", "extra-filename=-9f", "--out-dir", "/p/target/debug/deps"});
  ASSERT_FALSE(r.not_cacheable) << *r.not_cacheable;
  EXPECT_TRUE(r.args.test_harness);
  EXPECT_EQ(r.args.unit_kind(), UnitKind::Bin);
  EXPECT_TRUE(r.args.links());
  EXPECT_EQ(r.args.expected_outputs(), (std::vector<std::string>{"app-9f", "app-9f.d"}));
}

TEST(RustcArgs, SplitDebuginfo) {
  EXPECT_TRUE(parse_rustc_args({"-C", "split-debuginfo=unpacked", "x.rs"}).args.splits_debuginfo());
  EXPECT_TRUE(parse_rustc_args({"-Csplit-debuginfo=packed", "x.rs"}).args.splits_debuginfo());
  EXPECT_FALSE(parse_rustc_args({"-C", "split-debuginfo=off", "x.rs"}).args.splits_debuginfo());
  EXPECT_FALSE(parse_rustc_args({"x.rs"}).args.splits_debuginfo());
}

// anyhow's build script probes rustc with the `=` form of every option.
TEST(RustcArgs, EqualsFormOfLongOptions) {
  auto r = parse_rustc_args({"--crate-name=anyhow_build", "--crate-type=lib", "--emit=metadata", "--out-dir=/o/probe",
                             "--cap-lints=allow", "probe.rs"});
  EXPECT_EQ(r.args.crate_name, "anyhow_build");
  EXPECT_EQ(r.args.crate_types, std::vector<std::string>{"lib"});
  EXPECT_EQ(r.args.out_dir, "/o/probe");
  EXPECT_EQ(r.not_cacheable.value_or(""), "no_dep_info");
}

TEST(RustcArgs, AnyLintCapMarksANonLocalPackage) {
  EXPECT_TRUE(parse_rustc_args({"--cap-lints", "warn", "x.rs"}).args.has_cap_lints);
  EXPECT_TRUE(parse_rustc_args({"--cap-lints=allow", "x.rs"}).args.has_cap_lints);
  EXPECT_FALSE(parse_rustc_args({"x.rs"}).args.has_cap_lints);
}

TEST(RustcArgs, CargoProbeIsPrint) {
  auto r = parse_rustc_args({"-", "--crate-name", "___", "--print=file-names", "--crate-type", "bin"});
  EXPECT_EQ(r.not_cacheable.value_or(""), "print");
}

TEST(RustcArgs, NoDepInfoIsNotCached) {
  auto r = parse_rustc_args({"--crate-name", "c", "--crate-type", "lib", "--emit=link", "c.rs", "--out-dir", "/o"});
  EXPECT_EQ(r.not_cacheable.value_or(""), "no_dep_info");
}

}  // namespace
}  // namespace cratecache
