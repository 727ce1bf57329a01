#include "store/remote/remote_config.h"

#include <gtest/gtest.h>

#include "store/remote/request_budget.h"

namespace cratecache {
namespace {

// The message parse_remote_url rejects `url` with; empty when it accepts it.
std::string rejection_of(const std::string& url) {
  try {
    parse_remote_url(url);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

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

TEST(RemoteUrl, RedisCredentialsAreParsedAndNeverQuoted) {
  RemoteUrl r = parse_remote_url("redis://builder:s%40cret@cache.local:7000/ns");
  EXPECT_EQ(r.user, "builder");
  EXPECT_EQ(r.password, "s@cret");
  EXPECT_EQ(r.host, "cache.local");
  EXPECT_EQ(r.port, 7000);
  EXPECT_EQ(r.path, "ns");
  RemoteUrl p = parse_remote_url("redis://:pw@10.0.0.1");
  EXPECT_EQ(p.user, "");
  EXPECT_EQ(p.password, "pw");
  EXPECT_EQ(p.port, 6379);
  std::string message = rejection_of("redis://u:topsecret@host:notaport");
  EXPECT_NE(message.find("bad port"), std::string::npos) << message;
  EXPECT_EQ(message.find("topsecret"), std::string::npos) << message;
}

TEST(RemoteUrl, RedisRedirectionsOnlyToConfiguredNodes) {
  RemoteUrl r = parse_remote_url("redis://10.0.0.1:7000?nodes=10.0.0.2:7001,10.0.0.3,10.0.0.1:7000");
  std::vector<RemoteNode> expected{{"10.0.0.1", 7000}, {"10.0.0.2", 7001}, {"10.0.0.3", 6379}};
  EXPECT_EQ(r.nodes, expected);
  EXPECT_EQ(parse_remote_url("redis://h").nodes, (std::vector<RemoteNode>{{"h", 6379}}));
  EXPECT_THROW(parse_remote_url("redis://h?nodes=a:1,:2"), std::invalid_argument);
  EXPECT_THROW(parse_remote_url("redis://h?nodes=a:99999"), std::invalid_argument);
}

TEST(RemoteUrl, TlsRedisIsAConfigurationError) {
  std::string message = rejection_of("rediss://:pw@host:6380");
  EXPECT_NE(message.find("TLS"), std::string::npos) << message;
}

TEST(RemoteLimits, ObjectCapIsTheSmallestOfFourGiBStoreAndUrl) {
  RemoteUrl plain = parse_remote_url("http://h/p");
  EXPECT_EQ(remote_limits(plain, 500, 5000, 100ULL << 30).max_object_bytes, kMaxRemoteObjectBytes);
  EXPECT_EQ(remote_limits(plain, 500, 5000, 1ULL << 30).max_object_bytes, 1ULL << 30);
  RemoteUrl capped = parse_remote_url("redis://h?max_object=64M");
  RemoteLimits limits = remote_limits(capped, 250, 1000, 1ULL << 30);
  EXPECT_EQ(limits.max_object_bytes, 64ULL << 20);
  EXPECT_EQ(limits.connect_timeout_ms, 250);
  EXPECT_EQ(limits.io_timeout_ms, 1000);
  EXPECT_THROW(parse_remote_url("redis://h?max_object=lots"), std::invalid_argument);
}

TEST(RequestBudget, FloorThenOneMiBPerSecond) {
  RemoteLimits limits;
  limits.io_timeout_ms = 1000;
  RequestBudget budget(limits);
  EXPECT_EQ(budget.allowed_ms(), 6000);
  EXPECT_GT(budget.remaining_ms(), 0);
  budget.moved(60ULL << 20);  // 60 MiB may take 60 s
  EXPECT_EQ(budget.allowed_ms(), 60000);
  limits.io_timeout_ms = 0;
  EXPECT_TRUE(RequestBudget(limits).spent());
}

}  // namespace
}  // namespace cratecache
