#pragma once
// The last miss of each unit, kept for `cratecache explain`: what its input key was made of and,
// when the store knew the input key, why no stored result matched. One small file per unit under
// <dir>/explain/, replaced at each miss.
#include <cstdint>
#include <string>
#include <vector>

#include "key/key_inputs.h"
#include "store/layout.h"

namespace cratecache {

struct MissRecord {
  int64_t time = 0;  // unix seconds
  std::string name;  // crate or package
  std::string kind;
  std::string input_key;
  KeyInputs inputs;
  // One line per stored candidate of the same input key (empty: the input key was new).
  std::vector<std::string> mismatches;
};

void write_miss_record(const StoreLayout& layout, const MissRecord& record);
// Newest first; unreadable records are skipped.
std::vector<MissRecord> read_miss_records(const StoreLayout& layout);

}  // namespace cratecache
