#pragma once
// Tenants' misses reach the trusted builder as requests: a build that cannot write the shared
// store leaves what rebuilding its dependencies needs (its dependency tables, Cargo.lock,
// toolchain, profile, target; never code) in the store's drop box, and the store's owner drains
// it with `cratecache warm --from-requests`. The drop box is the owner's, mode 1733: anyone may
// add a file; nobody but the owner may list the box, and the sticky bit keeps tenants from
// removing or replacing each other's requests.
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "store/layout.h"

namespace cratecache {

struct BuildRequest {
  std::string dependencies;  // TOML, as ProjectRecord::dependencies
  std::string lockfile;
  std::string toolchain;  // release, e.g. "1.95.0"
  std::string profile;    // "dev", "release", a custom profile name
  std::string target;     // a triple, empty for the host
};

inline constexpr uint64_t kMaxRequestBytes = 1 << 20;

// Leaves `request` in the drop box of the store at `layout`. Returns false when the store has no
// drop box of its owner's; true when the request is there (left now or before: requests are named
// by their content and their sender). Throws std::runtime_error when it cannot be written.
bool submit_request(const StoreLayout& layout, const BuildRequest& request);

// The owner's side: makes the drop box (mode 1733) if it is missing; throws when the path holds
// something else or another user's directory.
void create_request_box(const StoreLayout& layout);

struct DrainedRequest {
  BuildRequest request;
  uid_t sender = 0;
};

struct DrainResult {
  std::vector<DrainedRequest> taken;  // one per distinct content, oldest first
  std::vector<std::string> refused;   // what was wrong with each refused file (removed)
  size_t deferred = 0;                // over a sender's share: left for the next drain
};

// Takes at most `per_sender` requests of each sender, oldest first, and removes them; refuses
// (and removes) every file that is not a regular file of the sender its name says, is over
// kMaxRequestBytes, does not match its name's digest, or is not a request. Throws
// std::runtime_error when the box is missing or not this user's.
DrainResult drain_requests(const StoreLayout& layout, size_t per_sender);

}  // namespace cratecache
