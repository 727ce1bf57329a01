#pragma once
// Remote tier on Redis (hiredis): GET/SET/DEL of whole entries. Follows Redis Cluster's MOVED and
// ASK redirections, so a cluster works with any node as the configured address.
#include <map>
#include <memory>
#include <string>

#include "store/remote/remote_config.h"
#include "store/storage.h"

struct redisContext;

namespace cratecache {

class RedisStorage : public Storage {
 public:
  RedisStorage(const RemoteUrl& url, int connect_timeout_ms, int io_timeout_ms);
  ~RedisStorage() override;

  std::optional<std::string> get(const std::string& key) override;
  void put(const std::string& key, const std::string& bytes) override;
  void remove(const std::string& key) override;

 private:
  struct Reply;
  // Runs one command, following redirections; throws on connection or server errors.
  Reply command(const std::string& verb, const std::string& key, const std::string* value);
  redisContext* connection(const std::string& host, int port);

  std::string host_;
  int port_;
  std::string prefix_;
  int connect_timeout_ms_;
  int io_timeout_ms_;
  std::map<std::string, redisContext*> connections_;  // "host:port" -> open connection
};

}  // namespace cratecache
