#include "store/project_db.h"

#include <gtest/gtest.h>

namespace cratecache {
namespace {

TEST(ProjectRecord, KeepsOnlyDependencyTables) {
  std::string toml = dependency_tables(
      "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\ndescription = \"secret\"\n"
      "[dependencies]\nserde = { version = \"1\", features = [\"derive\"] }\n"
      "[dev-dependencies]\nproptest = \"1\"\n[[bin]]\nname = \"app\"\npath = \"src/main.rs\"\n"
      "[target.'cfg(unix)'.dependencies]\nlibc = \"0.2\"\n[profile.release]\nlto = true\n");
  EXPECT_NE(toml.find("serde"), std::string::npos);
  EXPECT_NE(toml.find("libc"), std::string::npos);
  EXPECT_NE(toml.find("lto"), std::string::npos);
  EXPECT_EQ(toml.find("secret"), std::string::npos);
  EXPECT_EQ(toml.find("proptest"), std::string::npos);
  EXPECT_EQ(toml.find("src/main.rs"), std::string::npos);
}

}  // namespace
}  // namespace cratecache
