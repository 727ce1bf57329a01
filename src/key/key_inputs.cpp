#include "key/key_inputs.h"

#include <algorithm>
#include <map>

namespace cratecache {

void KeyHasher::input(std::string_view kind, std::string_view name, std::string_view value) {
  hash_.field(value);
  if (record_) record(kind, name, std::string(value));
}

void KeyHasher::secret_input(std::string_view kind, std::string_view name, std::string_view value) {
  hash_.field(value);
  if (record_) record(kind, name, shown_digest(value));
}

void KeyHasher::record(std::string_view kind, std::string_view name, std::string value) {
  std::string label(kind);
  if (!name.empty()) label.append(" ").append(name);
  record_->push_back({std::move(label), std::move(value)});
}

std::string shown_digest(std::string_view value) { return "sha256:" + sha256_hex(value).substr(0, 12); }

std::vector<InputDifference> diff_inputs(const KeyInputs& now, const KeyInputs& stored) {
  std::map<std::string, std::pair<std::vector<std::string>, std::vector<std::string>>> by_label;
  for (const auto& i : now) by_label[i.label].first.push_back(i.value);
  for (const auto& i : stored) by_label[i.label].second.push_back(i.value);
  std::vector<InputDifference> out;
  for (auto& [label, values] : by_label) {
    auto& [mine, theirs] = values;
    std::sort(mine.begin(), mine.end());
    std::sort(theirs.begin(), theirs.end());
    InputDifference d{label, {}, {}};
    std::set_difference(mine.begin(), mine.end(), theirs.begin(), theirs.end(), std::back_inserter(d.now));
    std::set_difference(theirs.begin(), theirs.end(), mine.begin(), mine.end(), std::back_inserter(d.stored));
    if (!d.now.empty() || !d.stored.empty()) out.push_back(std::move(d));
  }
  return out;
}

}  // namespace cratecache
