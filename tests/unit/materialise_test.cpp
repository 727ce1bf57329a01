#include "job/materialise.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "scratch_dir.h"

namespace cratecache {
namespace {

namespace fs = std::filesystem;

TEST(Materialise, RejectsNamesOutsideTheDirectory) {
  EXPECT_TRUE(is_safe_entry_name("libfoo-1.rlib"));
  EXPECT_TRUE(is_safe_entry_name("sub/gen.rs"));
  for (const char* bad : {"", "/etc/passwd", "../x", "a/../../x", "a//b", "./x", "a/."}) {
    EXPECT_FALSE(is_safe_entry_name(bad)) << bad;
  }
}

TEST(Materialise, AnEntryWithATraversalNameWritesNothing) {
  ScratchDir scratch("traverse");
  fs::path dir = scratch.path();
  Entry e;
  e.crate_name = "evil";
  e.unit_kind = "lib";
  e.blobs.push_back({"../escaped", 0644, false, "owned", "", ""});
  std::string bytes = encode_entry(e, {Codec::kLz4});
  PathNormaliser n;
  StatCache digests((dir / "stat").string());
  EXPECT_THROW(materialise(bytes, (dir / "out").string(), n, digests), CorruptEntry);
  EXPECT_FALSE(fs::exists(dir / "escaped"));
}

}  // namespace
}  // namespace cratecache
