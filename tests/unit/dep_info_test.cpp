#include "key/dep_info.h"

#include <gtest/gtest.h>

namespace cratecache {
namespace {

TEST(DepInfo, ParsesRustcOutput) {
  const char* text =
      "/t/deps/foo-1.d: /r/foo/src/lib.rs /r/foo/src/a\\ b.rs /t/build/foo-2/out/gen.rs\n"
      "\n"
      "/t/deps/libfoo-1.rlib: /r/foo/src/lib.rs /r/foo/src/a\\ b.rs /t/build/foo-2/out/gen.rs\n"
      "\n"
      "/r/foo/src/lib.rs:\n"
      "/r/foo/src/a\\ b.rs:\n"
      "/t/build/foo-2/out/gen.rs:\n"
      "\n"
      "# env-dep:OUT_DIR=/t/build/foo-2/out\n"
      "# env-dep:MULTI=a\\nb\n"
      "# env-dep:UNSET_VAR\n";
  DepInfo d = parse_dep_info(text);
  EXPECT_EQ(d.files, (std::vector<std::string>{"/r/foo/src/lib.rs", "/r/foo/src/a b.rs", "/t/build/foo-2/out/gen.rs"}));
  ASSERT_EQ(d.env.size(), 3u);
  EXPECT_EQ(d.env[0], (EnvDep{"OUT_DIR", "/t/build/foo-2/out"}));
  EXPECT_EQ(d.env[1], (EnvDep{"MULTI", "a\nb"}));
  EXPECT_EQ(d.env[2], (EnvDep{"UNSET_VAR", std::nullopt}));
}

TEST(DepInfo, EmptyInputGivesNothing) {
  DepInfo d = parse_dep_info("");
  EXPECT_TRUE(d.files.empty());
  EXPECT_TRUE(d.env.empty());
}

}  // namespace
}  // namespace cratecache
