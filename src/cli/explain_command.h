#pragma once
// `cratecache explain [NAME]`: why a unit missed, the way Cargo's -v says "Dirty X: the env
// variable Y changed". Reads the miss records (store/miss_record.h) and the stored manifests.
#include <string>

#include "config/config.h"

namespace cratecache {

// Without `name`: one line per recently missed unit. With it: each of that crate's or package's
// last misses in full (its key's labelled inputs, then what differs from the store).
int explain_misses(const Config& config, const std::string& name);

}  // namespace cratecache
