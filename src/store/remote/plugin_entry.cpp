// Entry point of libcratecache-remote.so (see remote_plugin.h).
#include "store/remote/http_storage.h"
#include "store/remote/redis_storage.h"
#include "store/remote/remote_plugin.h"

extern "C" cratecache::Storage* cratecache_open_remote(const cratecache::RemoteUrl& url, int connect_timeout_ms,
                                                       int io_timeout_ms, std::string& error) {
  try {
    if (url.scheme == "redis") return new cratecache::RedisStorage(url, connect_timeout_ms, io_timeout_ms);
    return new cratecache::HttpStorage(url, connect_timeout_ms, io_timeout_ms);
  } catch (const std::exception& e) {
    error = e.what();
    return nullptr;
  }
}

// The caller's declaration and this definition must agree.
static_assert(std::is_same_v<decltype(&cratecache_open_remote), cratecache::OpenRemoteFn>);
