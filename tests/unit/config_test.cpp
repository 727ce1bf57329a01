#include "config/config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "scratch_dir.h"
#include "util/fs.h"

namespace cratecache {
namespace {

namespace fs = std::filesystem;

TEST(Config, EnvironmentOverridesFileAndBadValuesAreReported) {
  ScratchDir scratch("config");
  fs::path dir = scratch.path();
  write_file_atomic((dir / "config.toml").string(), "max_size = \"2G\"\ncache_path_packages = true\n");
  std::map<std::string, std::string> env{{"CRATECACHE_DIR", dir.string()}, {"CRATECACHE_MAX_SIZE", "512M"}};
  auto lookup = [&env](const char* n) -> const char* {
    auto it = env.find(n);
    return it == env.end() ? nullptr : it->second.c_str();
  };
  Config c = Config::load(lookup);
  EXPECT_EQ(c.max_size, 512ULL << 20);
  EXPECT_TRUE(c.cache_path_packages);
  EXPECT_FALSE(c.read_only);
  env["CRATECACHE_READ_ONLY"] = "yes";
  EXPECT_TRUE(Config::load(lookup).read_only);
  env["CRATECACHE_MAX_SIZE"] = "lots";
  EXPECT_THROW(Config::load(lookup), std::runtime_error);
}

TEST(Config, TrustedKeysAreAListWithSpacesAndEmptyItemsDropped) {
  std::map<std::string, std::string> env{{"CRATECACHE_DIR", "/nonexistent-cratecache-dir"},
                                         {"CRATECACHE_TRUSTED_KEYS", " /k/a.pub , ,/k/b.pub,"}};
  auto lookup = [&env](const char* n) -> const char* {
    auto it = env.find(n);
    return it == env.end() ? nullptr : it->second.c_str();
  };
  EXPECT_EQ(Config::load(lookup).trusted_keys, (std::vector<std::string>{"/k/a.pub", "/k/b.pub"}));
}

TEST(Config, ChoosesTheEntryCodec) {
  std::map<std::string, std::string> env{{"CRATECACHE_DIR", "/nonexistent-cratecache-dir"}};
  auto lookup = [&env](const char* n) -> const char* {
    auto it = env.find(n);
    return it == env.end() ? nullptr : it->second.c_str();
  };
  // "auto": lz4, aligned where the store can clone (Store::entry_compression).
  EXPECT_EQ(Config::load(lookup).compression.codec, Codec::kLz4);
  EXPECT_TRUE(Config::load(lookup).compression.clone_when_possible);
  env["CRATECACHE_COMPRESSION"] = "auto";
  EXPECT_TRUE(Config::load(lookup).compression.clone_when_possible);
  env["CRATECACHE_COMPRESSION"] = "lz4";  // chosen: never aligned
  EXPECT_FALSE(Config::load(lookup).compression.clone_when_possible);
  env["CRATECACHE_COMPRESSION"] = "aligned";
  EXPECT_EQ(Config::load(lookup).compression.codec, Codec::kAligned);
  env["CRATECACHE_COMPRESSION"] = "zstd";
  env["CRATECACHE_COMPRESSION_LEVEL"] = "7";
  Config zstd = Config::load(lookup);
  EXPECT_EQ(zstd.compression.codec, Codec::kZstd);
  EXPECT_EQ(zstd.compression.zstd_level, 7);
  env["CRATECACHE_COMPRESSION_LEVEL"] = "0";  // the older spelling of "none"
  EXPECT_EQ(Config::load(lookup).compression.codec, Codec::kNone);
  env["CRATECACHE_COMPRESSION"] = "brotli";
  EXPECT_THROW(Config::load(lookup), std::runtime_error);
}

TEST(Config, ParsesSizes) {
  EXPECT_EQ(parse_size("10G"), 10ULL << 30);
  EXPECT_EQ(parse_size("1.5GiB"), 3ULL << 29);
  EXPECT_EQ(parse_size("4096"), 4096u);
  EXPECT_THROW(parse_size("3X"), std::invalid_argument);
}

}  // namespace
}  // namespace cratecache
