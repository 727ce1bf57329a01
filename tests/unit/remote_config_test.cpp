#include "store/remote/remote_config.h"

#include <gtest/gtest.h>

namespace cratecache {
namespace {

TEST(RemoteUrl, ParsesEachScheme) {
  RemoteUrl r = parse_remote_url("redis://127.0.0.1:7000");
  EXPECT_EQ(r.scheme, "redis");
  EXPECT_EQ(r.port, 7000);
  RemoteUrl h = parse_remote_url("http://cache.local:8080/ac/");
  EXPECT_EQ(h.host, "cache.local");
  EXPECT_EQ(h.path, "ac");
  RemoteUrl s = parse_remote_url("s3://bucket/pre/fix?endpoint=http://127.0.0.1:9000&region=eu-west-1");
  EXPECT_EQ(s.host, "bucket");
  EXPECT_EQ(s.path, "pre/fix");
  EXPECT_EQ(s.query.at("region"), "eu-west-1");
  EXPECT_THROW(parse_remote_url("ftp://x"), std::invalid_argument);
  EXPECT_THROW(parse_remote_url("s3://bucket"), std::invalid_argument);
  EXPECT_THROW(parse_remote_policy("sometimes"), std::invalid_argument);
}

}  // namespace
}  // namespace cratecache
