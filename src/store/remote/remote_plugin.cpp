#include "store/remote/remote_plugin.h"

#include <dlfcn.h>

#include <stdexcept>

#include "util/process.h"
#include "util/fs.h"

namespace cratecache {
namespace {

// The binary's side of a backend in the plugin.
class PluginStorage : public Storage {
 public:
  PluginStorage(const RemotePluginApi& api, RemoteBackend* backend) : api_(api), backend_(backend) {}
  ~PluginStorage() override { api_.close(backend_); }
  PluginStorage(const PluginStorage&) = delete;
  PluginStorage& operator=(const PluginStorage&) = delete;

  std::optional<std::string> get(const std::string& key) override {
    std::optional<std::string> bytes;
    std::string error;
    if (!api_.get(backend_, key, bytes, error)) throw std::runtime_error(error);
    return bytes;
  }
  void put(const std::string& key, const std::string& bytes) override {
    std::string error;
    if (!api_.put(backend_, key, bytes, error)) throw std::runtime_error(error);
  }
  void remove(const std::string& key) override {
    std::string error;
    if (!api_.remove(backend_, key, error)) throw std::runtime_error(error);
  }

 private:
  const RemotePluginApi& api_;
  RemoteBackend* backend_;
};

const RemotePluginApi& load_plugin() {
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
    if (auto fn = reinterpret_cast<GetRemotePluginApiFn>(::dlsym(handle, kRemotePluginApiSymbol))) return *fn();
    error = path + " has no " + kRemotePluginApiSymbol;
  }
  throw std::runtime_error("remote tier plugin libcratecache-remote.so not usable" +
                           (error.empty() ? " (not found beside " + exe_dir + ")" : ": " + error));
}

}  // namespace

std::unique_ptr<Storage> open_remote_storage(const RemoteUrl& url, int connect_timeout_ms, int io_timeout_ms,
                                             uint64_t max_object_bytes) {
  static const RemotePluginApi& api = load_plugin();
  std::string error;
  RemoteBackend* backend =
      api.open(url, remote_limits(url, connect_timeout_ms, io_timeout_ms, max_object_bytes), error);
  if (!backend) throw std::runtime_error(error);
  return std::make_unique<PluginStorage>(api, backend);
}

}  // namespace cratecache
