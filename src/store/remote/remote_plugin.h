#pragma once
// The remote backends (libcurl, hiredis and their ~30 shared libraries) live in a plugin,
// libcratecache-remote.so, loaded only when a remote tier is configured: every other run of
// cratecache, the hit path above all, starts without paying for their dynamic linking.
//
// The binary and the plugin each link their own static copy of the C++ runtime, so no exception
// may cross between them: the plugin reports a failure as text and the loader rethrows it.
#include <memory>
#include <optional>
#include <string>

#include "store/remote/remote_config.h"
#include "store/storage.h"

namespace cratecache {

struct RemoteBackend;  // a Storage inside the plugin, opaque to the binary

// Every function returns false and fills `error` on failure.
struct RemotePluginApi {
  RemoteBackend* (*open)(const RemoteUrl& url, const RemoteLimits& limits, std::string& error);
  bool (*get)(RemoteBackend* backend, const std::string& key, std::optional<std::string>& bytes, std::string& error);
  bool (*put)(RemoteBackend* backend, const std::string& key, const std::string& bytes, std::string& error);
  bool (*remove)(RemoteBackend* backend, const std::string& key, std::string& error);
  void (*close)(RemoteBackend* backend);
};

// The plugin's one exported symbol.
using GetRemotePluginApiFn = const RemotePluginApi* (*)();
inline constexpr const char* kRemotePluginApiSymbol = "cratecache_remote_plugin_api";

// Loads the plugin (beside the executable, or in ../lib/cratecache/) once and opens a backend whose
// every request obeys remote_limits(url, ...): one object is at most `max_object_bytes` (the store
// passes min(4 GiB, its max_size)). Throws std::runtime_error when the plugin is missing or the
// backend cannot be created.
std::unique_ptr<Storage> open_remote_storage(const RemoteUrl& url, int connect_timeout_ms, int io_timeout_ms,
                                             uint64_t max_object_bytes = kMaxRemoteObjectBytes);

}  // namespace cratecache
