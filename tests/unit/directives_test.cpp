#include "key/directives.h"

#include <gtest/gtest.h>

namespace cratecache {
namespace {

TEST(Directives, ReadsBothSyntaxes) {
  auto d = parse_rerun_directives(
      "cargo:rerun-if-changed=build.rs\ncargo::rerun-if-env-changed=FOO\ncargo:rustc-cfg=x\nnoise\r\n"
      "cargo:rerun-if-changed=data/dir\r\n");
  EXPECT_EQ(d.changed_paths, (std::vector<std::string>{"build.rs", "data/dir"}));
  EXPECT_EQ(d.env_vars, (std::vector<std::string>{"FOO"}));
}

}  // namespace
}  // namespace cratecache
