#pragma once
// The remote tier's settings, from the URL (CRATECACHE_REMOTE / remote) and its companions, and the
// bounds every request to it obeys (docs/remote.md, "Bounds").
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace cratecache {

enum class RemotePolicy { ReadWrite, ReadOnly, WriteOnly };

struct RemoteNode {
  std::string host;
  int port = 0;
  bool operator==(const RemoteNode& other) const { return host == other.host && port == other.port; }
};

struct RemoteUrl {
  std::string scheme;  // "redis", "http", "https", "s3"
  std::string host;    // redis host, http(s) authority, s3 bucket
  int port = 0;
  std::string path;    // http prefix or s3 key prefix, without leading or trailing '/'
  std::map<std::string, std::string> query;  // s3: endpoint, region; redis: nodes; any: max_object
  std::string user;      // from `user:password@`, percent-decoded; never shown in a message
  std::string password;
  // Redis: the nodes a MOVED/ASK redirection may lead to: the URL's host and `?nodes=h1:p1,h2:p2`.
  std::vector<RemoteNode> nodes;
};

// Throws std::invalid_argument naming what is wrong (never quoting a password).
RemoteUrl parse_remote_url(const std::string& url);
RemotePolicy parse_remote_policy(const std::string& text);

// The largest object a remote may send or be sent, unless the caller (the store's max_size) or the
// URL's `?max_object=SIZE` says less: what one reply may cost in memory.
inline constexpr uint64_t kMaxRemoteObjectBytes = 4ULL << 30;

struct RemoteLimits {
  int connect_timeout_ms = 500;
  int io_timeout_ms = 5000;  // a stall: no byte (Redis) or under 1 KiB/s (HTTP) for this long
  uint64_t max_object_bytes = kMaxRemoteObjectBytes;
};

// The limits for `url`: the caller's, lowered by the URL's own `max_object`.
RemoteLimits remote_limits(const RemoteUrl& url, int connect_timeout_ms, int io_timeout_ms, uint64_t max_object_bytes);

}  // namespace cratecache
