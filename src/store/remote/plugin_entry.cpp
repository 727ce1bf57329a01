// Entry point of libcratecache-remote.so (see remote_plugin.h): the backends behind an ABI that
// no exception crosses.
#include "store/remote/http_storage.h"
#include "store/remote/redis_storage.h"
#include "store/remote/remote_plugin.h"

namespace cratecache {

struct RemoteBackend {
  std::unique_ptr<Storage> storage;
};

namespace {

// Runs `action`, turning an exception into false + its message.
template <typename Action>
bool guarded(std::string& error, Action&& action) {
  try {
    action();
    return true;
  } catch (const std::exception& e) {
    error = e.what();
  } catch (...) {
    error = "unknown error in the remote plugin";
  }
  return false;
}

RemoteBackend* open(const RemoteUrl& url, const RemoteLimits& limits, std::string& error) {
  RemoteBackend* backend = nullptr;
  guarded(error, [&] {
    auto b = std::make_unique<RemoteBackend>();
    if (url.scheme == "redis") b->storage = std::make_unique<RedisStorage>(url, limits);
    else b->storage = std::make_unique<HttpStorage>(url, limits);
    backend = b.release();
  });
  return backend;
}

bool get(RemoteBackend* b, const std::string& key, std::optional<std::string>& bytes, std::string& error) {
  return guarded(error, [&] { bytes = b->storage->get(key); });
}

bool put(RemoteBackend* b, const std::string& key, const std::string& bytes, std::string& error) {
  return guarded(error, [&] { b->storage->put(key, bytes); });
}

bool remove(RemoteBackend* b, const std::string& key, std::string& error) {
  return guarded(error, [&] { b->storage->remove(key); });
}

void close(RemoteBackend* b) { delete b; }

constexpr RemotePluginApi kApi{open, get, put, remove, close};

}  // namespace
}  // namespace cratecache

extern "C" const cratecache::RemotePluginApi* cratecache_remote_plugin_api() { return &cratecache::kApi; }

// The loader's declaration and this definition must agree.
static_assert(std::is_same_v<decltype(&cratecache_remote_plugin_api), cratecache::GetRemotePluginApiFn>);
