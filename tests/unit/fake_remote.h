#pragma once
// A remote tier for tests: objects as files in a directory, so that what a detached upload child
// puts is seen by the test; `failing` makes every call throw, as a dead server would.
#include <filesystem>
#include <memory>
#include <string>

#include "store/store.h"
#include "util/fs.h"

namespace cratecache {

class DirStorage : public Storage {
 public:
  DirStorage(std::string dir, bool failing) : dir_(std::move(dir)), failing_(failing) {}

  std::optional<std::string> get(const std::string& name) override {
    check();
    return try_read_file(dir_ + "/" + name);
  }
  // Each put is also appended to order.log, to check what went first.
  void put(const std::string& name, const std::string& bytes) override {
    check();
    write_file_atomic(dir_ + "/" + name, bytes);
    append_line(dir_ + "/order.log", name);
  }
  void remove(const std::string& name) override {
    check();
    std::filesystem::remove(dir_ + "/" + name);
  }

 private:
  void check() const {
    if (failing_) throw std::runtime_error("connection refused (fake)");
  }
  static void append_line(const std::string& path, const std::string& line) {
    std::string text = try_read_file(path).value_or("");
    write_file_atomic(path, text + line + "\n");
  }

  std::string dir_;
  bool failing_;
};

inline RemoteTier dir_remote(const std::string& dir, bool failing = false) {
  std::filesystem::create_directories(dir);
  RemoteTier tier;
  tier.connect = [dir, failing] { return std::make_unique<DirStorage>(dir, failing); };
  return tier;
}

}  // namespace cratecache
