#pragma once
// A tier of the store: the local directory now, remote engines later, all behind this interface.
#include <optional>
#include <string>

namespace cratecache {

class Storage {
 public:
  virtual ~Storage() = default;
  // Encoded entry bytes, or nullopt on a miss. Throws std::runtime_error on an I/O fault.
  virtual std::optional<std::string> get(const std::string& key) = 0;
  // Stores atomically: a concurrent get sees the old state or the whole new entry.
  virtual void put(const std::string& key, const std::string& bytes) = 0;
  virtual void remove(const std::string& key) = 0;
};

}  // namespace cratecache
