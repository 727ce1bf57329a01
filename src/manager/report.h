#pragma once
// `cratecache report --html FILE`: one self-contained HTML page (inline SVG, no scripts or
// external resources) with the cache's history and contents: hit rate over time, time saved,
// store size per toolchain, top crates by size and by hits, reasons for not caching.
#include <string>

#include "config/config.h"

namespace cratecache {

int write_html_report(const Config& config, const std::string& path);

}  // namespace cratecache
