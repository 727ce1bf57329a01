#pragma once
// `cratecache warm`: builds the dependency units of recorded projects (or an operator's manifest)
// for a toolchain, through the cache, so the first user build after an upgrade hits.
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "manager/warm_source.h"

namespace cratecache {

struct WarmOptions {
  std::string toolchain;              // rustup name or path to rustc / a toolchain dir; empty: current
  std::vector<std::string> profiles;  // empty: each record's own
  std::string target;                 // empty: each record's own
  int jobs = 2;                       // stub projects built at once
  std::string manifest;               // operator manifest instead of the records
  RecordFilter filter;
};

// Returns 0 when every project built, 1 when some failed (the others still ran).
int run_warm(const Config& config, const WarmOptions& options);

}  // namespace cratecache
