#include "store/remote/remote_plugin.h"

#include <dlfcn.h>

#include <stdexcept>

#include "buildscript/launcher.h"
#include "util/fs.h"

namespace cratecache {
namespace {

OpenRemoteFn load_plugin() {
  std::string exe_dir = dirname_of(own_executable_path());
  std::string error;
  for (const std::string& path :
       {exe_dir + "/libcratecache-remote.so", exe_dir + "/../lib/cratecache/libcratecache-remote.so"}) {
    if (!stat_file(path)) continue;
    void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
      error = ::dlerror();
      continue;
    }
    if (auto fn = reinterpret_cast<OpenRemoteFn>(::dlsym(handle, kOpenRemoteSymbol))) return fn;
    error = path + " has no " + kOpenRemoteSymbol;
  }
  throw std::runtime_error("remote tier plugin libcratecache-remote.so not usable" +
                           (error.empty() ? " (not found beside " + exe_dir + ")" : ": " + error));
}

}  // namespace

std::unique_ptr<Storage> open_remote_storage(const RemoteUrl& url, int connect_timeout_ms, int io_timeout_ms) {
  static OpenRemoteFn open = load_plugin();
  std::string error;
  std::unique_ptr<Storage> storage(open(url, connect_timeout_ms, io_timeout_ms, error));
  if (!storage) throw std::runtime_error(error);
  return storage;
}

}  // namespace cratecache
