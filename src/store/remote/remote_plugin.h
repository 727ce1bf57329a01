#pragma once
// The remote backends (libcurl, hiredis and their ~30 shared libraries) live in a plugin,
// libcratecache-remote.so, loaded only when a remote tier is configured: every other run of
// cratecache, the hit path above all, starts without paying for their dynamic linking.
#include <memory>
#include <string>

#include "store/remote/remote_config.h"
#include "store/storage.h"

namespace cratecache {

// The plugin's one entry point; returns nullptr and fills `error` on failure.
using OpenRemoteFn = Storage* (*)(const RemoteUrl& url, int connect_timeout_ms, int io_timeout_ms,
                                  std::string& error);
inline constexpr const char* kOpenRemoteSymbol = "cratecache_open_remote";

// Loads the plugin (beside the executable, or in ../lib/cratecache/) once and opens a backend.
// Throws std::runtime_error when the plugin is missing or the backend cannot be created.
std::unique_ptr<Storage> open_remote_storage(const RemoteUrl& url, int connect_timeout_ms, int io_timeout_ms);

}  // namespace cratecache
