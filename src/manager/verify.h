#pragma once
// `cratecache verify`: reads every entry of the local store and checks its digests; reports the
// damaged ones and, with --remove, deletes them.
#include "config/config.h"

namespace cratecache {

// Returns 0 when every entry is intact, 1 otherwise.
int run_verify(const Config& config, bool remove_bad);

}  // namespace cratecache
