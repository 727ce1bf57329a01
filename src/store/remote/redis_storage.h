#pragma once
// Remote tier on Redis: GET/SET/DEL of whole entries. hiredis (0.14) connects and encodes commands;
// replies are read here, from a non-blocking socket, so that every request obeys RemoteLimits: the
// connect timeout, a stall limit (no byte for the I/O timeout), a total deadline (request_budget.h)
// and the object cap, checked on a bulk reply's announced length before its body is read. AUTH
// (`redis://[user]:password@host`) is sent first on every connection. Redis Cluster's MOVED and ASK
// redirections are followed only to configured nodes (the URL's host and `?nodes=`); any other
// target is a fault, never a connection.
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "store/remote/remote_config.h"
#include "store/storage.h"

namespace cratecache {

class RequestBudget;

class RedisStorage : public Storage {
 public:
  RedisStorage(const RemoteUrl& url, const RemoteLimits& limits);
  ~RedisStorage() override;

  std::optional<std::string> get(const std::string& key) override;
  void put(const std::string& key, const std::string& bytes) override;
  void remove(const std::string& key) override;

 private:
  class Connection;
  struct Reply;
  // Runs one command, following redirections; throws on connection or server errors.
  Reply command(const std::vector<std::string_view>& argv);
  Connection& connection(const RemoteNode& node, RequestBudget& budget);

  std::vector<RemoteNode> nodes_;  // the configured one first
  std::string user_;
  std::string password_;
  std::string prefix_;
  RemoteLimits limits_;
  std::map<std::string, std::unique_ptr<Connection>> connections_;  // "host:port" -> open connection
};

}  // namespace cratecache
