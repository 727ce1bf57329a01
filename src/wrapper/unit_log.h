#pragma once
// CRATECACHE_LOG: one tab-separated line per rustc invocation (outcome, crate, unit kind, detail),
// appended with a single write so concurrent jobs never interleave within a line.
#include <string>

namespace cratecache {

void append_unit_log(const std::string& log_file, const std::string& outcome, const std::string& crate_name,
                     const std::string& unit_kind, const std::string& detail);

}  // namespace cratecache
