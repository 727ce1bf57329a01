#include "store/remote/redis_storage.h"

#include <hiredis/hiredis.h>

#include <stdexcept>

namespace cratecache {

struct RedisStorage::Reply {
  bool nil = true;
  std::string value;
};

namespace {

timeval to_timeval(int ms) { return {ms / 1000, (ms % 1000) * 1000}; }

// "MOVED 3999 127.0.0.1:6381" / "ASK 3999 127.0.0.1:6381" -> host, port
bool parse_redirect(const std::string& error, std::string& kind, std::string& host, int& port) {
  auto sp1 = error.find(' ');
  auto sp2 = error.find(' ', sp1 + 1);
  if (sp1 == std::string::npos || sp2 == std::string::npos) return false;
  kind = error.substr(0, sp1);
  if (kind != "MOVED" && kind != "ASK") return false;
  std::string addr = error.substr(sp2 + 1);
  auto colon = addr.rfind(':');
  if (colon == std::string::npos) return false;
  host = addr.substr(0, colon);
  port = std::stoi(addr.substr(colon + 1));
  return true;
}

}  // namespace

RedisStorage::RedisStorage(const RemoteUrl& url, int connect_timeout_ms, int io_timeout_ms)
    : host_(url.host),
      port_(url.port),
      prefix_(url.path.empty() ? "cratecache:" : url.path + ":"),
      connect_timeout_ms_(connect_timeout_ms),
      io_timeout_ms_(io_timeout_ms) {}

RedisStorage::~RedisStorage() {
  for (auto& [addr, ctx] : connections_) redisFree(ctx);
}

redisContext* RedisStorage::connection(const std::string& host, int port) {
  std::string addr = host + ":" + std::to_string(port);
  if (auto it = connections_.find(addr); it != connections_.end()) return it->second;
  redisContext* ctx = redisConnectWithTimeout(host.c_str(), port, to_timeval(connect_timeout_ms_));
  if (!ctx || ctx->err) {
    std::string err = ctx ? ctx->errstr : "out of memory";
    if (ctx) redisFree(ctx);
    throw std::runtime_error("redis " + addr + ": " + err);
  }
  redisSetTimeout(ctx, to_timeval(io_timeout_ms_));
  connections_[addr] = ctx;
  return ctx;
}

RedisStorage::Reply RedisStorage::command(const std::string& verb, const std::string& key, const std::string* value) {
  std::string host = host_;
  int port = port_;
  bool asking = false;
  std::string full_key = prefix_ + key;
  for (int hop = 0; hop < 5; ++hop) {
    redisContext* ctx = connection(host, port);
    if (asking) {
      redisReply* ok = static_cast<redisReply*>(redisCommand(ctx, "ASKING"));
      if (ok) freeReplyObject(ok);
    }
    redisReply* reply =
        value ? static_cast<redisReply*>(redisCommand(ctx, "%s %b %b", verb.c_str(), full_key.data(), full_key.size(),
                                                      value->data(), value->size()))
              : static_cast<redisReply*>(redisCommand(ctx, "%s %b", verb.c_str(), full_key.data(), full_key.size()));
    if (!reply) {
      std::string err = ctx->errstr;
      redisFree(ctx);
      connections_.erase(host + ":" + std::to_string(port));
      throw std::runtime_error("redis " + host + ":" + std::to_string(port) + ": " + err);
    }
    Reply out;
    std::string error;
    if (reply->type == REDIS_REPLY_ERROR) {
      error.assign(reply->str, reply->len);
    } else if (reply->type == REDIS_REPLY_STRING) {
      out.nil = false;
      out.value.assign(reply->str, reply->len);
    }
    freeReplyObject(reply);
    if (error.empty()) return out;
    std::string kind;
    if (!parse_redirect(error, kind, host, port)) throw std::runtime_error("redis: " + error);
    asking = kind == "ASK";
  }
  throw std::runtime_error("redis: too many cluster redirections");
}

std::optional<std::string> RedisStorage::get(const std::string& key) {
  Reply r = command("GET", key, nullptr);
  if (r.nil) return std::nullopt;
  return std::move(r.value);
}

void RedisStorage::put(const std::string& key, const std::string& bytes) { command("SET", key, &bytes); }

void RedisStorage::remove(const std::string& key) { command("DEL", key, nullptr); }

}  // namespace cratecache
