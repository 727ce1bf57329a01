#pragma once
// `cratecache gc`: trims the store to a size (least recently used first) and drops the entries of
// toolchains nobody used for a while.
#include <cstdint>
#include <optional>

#include "config/config.h"

namespace cratecache {

struct GcOptions {
  std::optional<uint64_t> max_size;          // default: the configured max_size
  std::optional<int> drop_unused_for_days;   // toolchains whose last use is older
};

int run_gc(const Config& config, const GcOptions& options);

}  // namespace cratecache
