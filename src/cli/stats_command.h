#pragma once
#include "config/config.h"

namespace cratecache {

int print_stats(const Config& config, bool as_json);
int zero_stats(const Config& config);

}  // namespace cratecache
