// The file names a rustc unit's hit may write (is_unit_output), from command lines as Cargo writes
// them: exactly what collect() stores for that unit, nothing another unit or a planted entry names.
#include <gtest/gtest.h>

#include "wrapper/compile.h"

namespace cratecache {
namespace {

RustcArgs parsed(const std::vector<std::string>& argv) {
  ParseResult r = parse_rustc_args(argv);
  EXPECT_FALSE(r.not_cacheable) << *r.not_cacheable;
  return r.args;
}

// `cargo build` of a registry library (serde 1.0.219).
RustcArgs registry_lib(const std::vector<std::string>& extra = {}) {
  std::vector<std::string> argv{"--crate-name", "serde", "--edition=2018",
                                "/home/u/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/serde-1.0.219/src/lib.rs",
                                "--error-format=json", "--json=diagnostic-rendered-ansi,artifacts,future-incompat",
                                "--crate-type", "lib", "--emit=dep-info,metadata,link", "-C", "embed-bitcode=no",
                                "-C", "debuginfo=2", "--cfg", "feature=\"std\"", "-C", "metadata=c3b1bd2ab0d2bdb5",
                                "-C", "extra-filename=-bb8b3b8b8ee53e50", "--out-dir", "/p/target/debug/deps", "-L",
                                "dependency=/p/target/debug/deps", "--cap-lints", "allow"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return parsed(argv);
}

TEST(UnitOutputs, ALibraryWritesItsRlibRmetaAndDepInfo) {
  RustcArgs lib = registry_lib();
  EXPECT_TRUE(is_unit_output(lib, "libserde-bb8b3b8b8ee53e50.rlib"));
  EXPECT_TRUE(is_unit_output(lib, "libserde-bb8b3b8b8ee53e50.rmeta"));
  EXPECT_TRUE(is_unit_output(lib, "serde-bb8b3b8b8ee53e50.d"));
  EXPECT_FALSE(is_unit_output(lib, "libserde-0000000000000000.rlib")) << "another build of the crate";
  EXPECT_FALSE(is_unit_output(lib, "libserde-bb8b3b8b8ee53e50.so"));
  EXPECT_FALSE(is_unit_output(lib, "serde-bb8b3b8b8ee53e50"));
  EXPECT_FALSE(is_unit_output(lib, "libitoa-bb8b3b8b8ee53e50.rlib"));
  EXPECT_FALSE(is_unit_output(lib, "sub/libserde-bb8b3b8b8ee53e50.rlib"));
  EXPECT_FALSE(is_unit_output(lib, "serde-bb8b3b8b8ee53e50.0.rcgu.dwo")) << "no split debug info asked for";
}

TEST(UnitOutputs, ACheckWritesNoRlib) {
  RustcArgs check = parsed({"--crate-name", "itoa", "--edition=2018", "/r/itoa-1.0.15/src/lib.rs", "--crate-type",
                            "lib", "--emit=dep-info,metadata", "-C", "metadata=7a1c", "-C", "extra-filename=-9e0c",
                            "--out-dir", "/p/target/debug/deps", "--cap-lints", "allow"});
  EXPECT_TRUE(is_unit_output(check, "libitoa-9e0c.rmeta"));
  EXPECT_TRUE(is_unit_output(check, "itoa-9e0c.d"));
  EXPECT_FALSE(is_unit_output(check, "libitoa-9e0c.rlib"));
}

TEST(UnitOutputs, ProcMacroBuildScriptAndBinary) {
  RustcArgs pm = parsed({"--crate-name", "serde_derive", "--edition=2015", "/r/serde_derive-1.0.219/src/lib.rs",
                         "--crate-type", "proc-macro", "--emit=dep-info,link", "-C", "prefer-dynamic", "-C",
                         "metadata=11", "-C", "extra-filename=-5f1e", "--out-dir", "/p/target/debug/deps", "--extern",
                         "proc_macro", "--cap-lints", "allow"});
  EXPECT_TRUE(is_unit_output(pm, "libserde_derive-5f1e.so"));
  EXPECT_TRUE(is_unit_output(pm, "serde_derive-5f1e.d"));
  EXPECT_FALSE(is_unit_output(pm, "libserde_derive-5f1e.rlib"));

  RustcArgs script = parsed({"--crate-name", "build_script_build", "--edition=2018", "/r/serde-1.0.219/build.rs",
                             "--crate-type", "bin", "--emit=dep-info,link", "-C", "metadata=22", "-C",
                             "extra-filename=-0a9c", "--out-dir", "/p/target/debug/build/serde-0a9c", "--cap-lints",
                             "allow"});
  EXPECT_TRUE(is_unit_output(script, "build_script_build-0a9c"));
  EXPECT_TRUE(is_unit_output(script, "build_script_build-0a9c.d"));
  EXPECT_FALSE(is_unit_output(script, "build-script-build")) << "Cargo's hard link, not rustc's output";

  RustcArgs test = parsed({"--crate-name", "app", "--edition=2021", "src/main.rs", "--emit=dep-info,link", "--test",
                           "-C", "metadata=33", "-C", "extra-filename=-9f", "--out-dir", "/p/target/debug/deps"});
  EXPECT_TRUE(is_unit_output(test, "app-9f"));
  EXPECT_FALSE(is_unit_output(test, "libapp-9f.rlib"));
}

TEST(UnitOutputs, StaticAndDynamicLibraries) {
  RustcArgs libs = parsed({"--crate-name", "ffi", "src/lib.rs", "--crate-type", "staticlib", "--crate-type", "cdylib",
                           "--emit=dep-info,link", "-C", "extra-filename=-77", "--out-dir", "/p/target/release/deps"});
  EXPECT_TRUE(is_unit_output(libs, "libffi-77.a"));
  EXPECT_TRUE(is_unit_output(libs, "libffi-77.so"));
  EXPECT_FALSE(is_unit_output(libs, "libffi-77.rlib"));
}

// The .dwo/.dwp files of this unit, found after the run, directly in the out-dir.
TEST(UnitOutputs, SplitDebugInfoFilesOfThisUnitOnly) {
  RustcArgs unpacked = registry_lib({"-C", "split-debuginfo=unpacked"});
  EXPECT_TRUE(is_unit_output(unpacked, "serde-bb8b3b8b8ee53e50.serde.a1b2c3d4-cgu.0.rcgu.dwo"));
  EXPECT_TRUE(is_unit_output(unpacked, "libserde-bb8b3b8b8ee53e50.dwp"));
  EXPECT_FALSE(is_unit_output(unpacked, "itoa-bb8b3b8b8ee53e50.itoa.0.rcgu.dwo"));
  EXPECT_FALSE(is_unit_output(unpacked, "serde-bb8b3b8b8ee53e50.serde.0.rcgu.o"));
  EXPECT_FALSE(is_unit_output(unpacked, "serde-bb8b3b8b8ee53e50.x/y.dwo")) << "never in a subdirectory";

  RustcArgs off = registry_lib({"-C", "split-debuginfo=off"});
  EXPECT_FALSE(is_unit_output(off, "libserde-bb8b3b8b8ee53e50.dwp"));
}

}  // namespace
}  // namespace cratecache
