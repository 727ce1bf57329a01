#include "manager/warm_source.h"

#include <gtest/gtest.h>

namespace cratecache {
namespace {

// A tenant's recorded dependency tables: warm, which runs with the builder's powers, must build
// registry packages only.
TEST(WarmSource, OnlyRegistryPackagesAreBuilt) {
  WarmSource s;
  s.label = "tenant/Cargo.toml";
  s.dependencies =
      "[package]\nname = \"app\"\nversion = \"0.1.0\"\n"
      "[dependencies]\nserde = \"1\"\nitoa = { version = \"1\", features = [\"std\"] }\n"
      "evil = { path = \"../evil\" }\nfrom-git = { git = \"https://example.invalid/x\" }\n"
      "other-registry = { version = \"1\", registry = \"private\" }\n"
      "[build-dependencies]\nbuild-evil = { path = \"tools\" }\ncc = \"1\"\n"
      "[target.'cfg(unix)'.dependencies]\nunix-evil = { path = \"u\" }\nlibc = \"0.2\"\n"
      "[patch.crates-io]\nserde = { path = \"../my-serde\" }\n"
      "[replace]\n\"itoa:1.0.0\" = { path = \"../my-itoa\" }\n";
  auto kept = registry_packages_only(s);
  ASSERT_TRUE(kept);
  for (const char* gone : {"evil", "from-git", "other-registry", "build-evil", "unix-evil", "[patch", "[replace", "path"}) {
    EXPECT_EQ(kept->dependencies.find(gone), std::string::npos) << gone << " in\n" << kept->dependencies;
  }
  for (const char* stays : {"serde", "itoa", "cc", "libc"}) {
    EXPECT_NE(kept->dependencies.find(stays), std::string::npos) << stays;
  }
  EXPECT_EQ(kept->dropped.size(), 7u);
}

TEST(WarmSource, ACustomTargetSpecIsNotWarmed) {
  WarmSource s;
  s.dependencies = "[package]\nname = \"app\"\nversion = \"0.1.0\"\n";
  s.target = "specs/my-target.json";
  EXPECT_FALSE(registry_packages_only(s));
  s.target = "x86_64-unknown-linux-musl";
  EXPECT_TRUE(registry_packages_only(s));
}

}  // namespace
}  // namespace cratecache
