#pragma once
// `cratecache warm`: builds the dependency units of recorded projects (or an operator's manifest,
// or tenants' requests) for a toolchain, through the cache, so the first user build after an
// upgrade, or the next tenant's, hits. The builds run in a sandbox (warm_sandbox.h); what they
// produce is checked, signed and published by warm itself (publish.h).
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
  bool from_requests = false;         // tenants' requests (request_spool.h) instead of the records
  size_t requests_per_sender = 10;    // the most taken from one user in one drain
  std::string build_user;             // builds run as this user (warm runs as root)
  RecordFilter filter;
};

// Returns 0 when every project built, 1 when some failed (the others still ran).
int run_warm(const Config& config, const WarmOptions& options);

}  // namespace cratecache
