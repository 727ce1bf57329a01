#pragma once
// Sizes as people read them, for listings and reports.
#include <cstdint>
#include <string>

namespace cratecache {

// "512 B", "1.5 KiB", "3.2 GiB".
std::string human_bytes(uint64_t bytes);

}  // namespace cratecache
