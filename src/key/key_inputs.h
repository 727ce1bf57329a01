#pragma once
// What a key was made of, for `cratecache explain`: each input under a label ("-C opt-level",
// "env CARGO_PKG_VERSION", "--extern serde"), recorded only when asked for (a miss, a store), so
// the hit path hashes exactly as before and allocates nothing more.
#include <string>
#include <string_view>
#include <vector>

#include "util/digest.h"

namespace cratecache {

struct KeyInput {
  std::string label;
  std::string value;  // as hashed, or a digest of it where it may be a secret
  bool operator==(const KeyInput&) const = default;
};
using KeyInputs = std::vector<KeyInput>;

class KeyHasher {
 public:
  explicit KeyHasher(KeyInputs* record = nullptr) : record_(record) {}

  // A field that structures the key (a version, a tag before a name); not an input of its own.
  void field(std::string_view data) { hash_.field(data); }
  // Hashes `value` as one field and records it as the input "<kind> <name>" (or "<kind>").
  void input(std::string_view kind, std::string_view name, std::string_view value);
  // As input(), but records only a digest of the value (an environment value may be a token).
  void secret_input(std::string_view kind, std::string_view name, std::string_view value);
  std::string hex_final() { return hash_.hex_final(); }

 private:
  void record(std::string_view kind, std::string_view name, std::string value);

  Sha256 hash_;
  KeyInputs* record_;
};

// The short digest shown for a value that is not printed.
std::string shown_digest(std::string_view value);

struct InputDifference {
  std::string label;
  std::vector<std::string> now;     // values in the new key, not in the stored one
  std::vector<std::string> stored;  // values in the stored key, not in the new one
};

// Labels whose values differ between two keys (compared as multisets per label), in label order.
std::vector<InputDifference> diff_inputs(const KeyInputs& now, const KeyInputs& stored);

}  // namespace cratecache
