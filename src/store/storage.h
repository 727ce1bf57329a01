#pragma once
// A remote engine (redis, http, s3, and fakes in tests): objects by name. The Store (store.h)
// names them, signs, checks and tiers them.
#include <optional>
#include <string>

namespace cratecache {

class Storage {
 public:
  virtual ~Storage() = default;
  // The object's bytes, or nullopt when there is none. Throws std::runtime_error on a fault.
  virtual std::optional<std::string> get(const std::string& name) = 0;
  // Stores atomically: a concurrent get sees the old state or the whole new object.
  virtual void put(const std::string& name, const std::string& bytes) = 0;
  virtual void remove(const std::string& name) = 0;
};

}  // namespace cratecache
