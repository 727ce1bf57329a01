#pragma once
// The remote tier's settings, from the URL (CRATECACHE_REMOTE / remote) and its companions.
#include <cstdint>
#include <map>
#include <string>

namespace cratecache {

enum class RemotePolicy { ReadWrite, ReadOnly, WriteOnly };

struct RemoteUrl {
  std::string scheme;  // "redis", "http", "https", "s3"
  std::string host;    // redis host, http(s) authority, s3 bucket
  int port = 0;
  std::string path;    // http prefix or s3 key prefix, without leading or trailing '/'
  std::map<std::string, std::string> query;  // s3: endpoint, region; redis: cluster=1
};

// Throws std::invalid_argument naming what is wrong.
RemoteUrl parse_remote_url(const std::string& url);
RemotePolicy parse_remote_policy(const std::string& text);

}  // namespace cratecache
