#pragma once
// The identity of a rustc: `rustc -vV` plus the digests of the compiler driver and the standard
// libraries of its sysroot, computed once per toolchain and remembered by stat snapshot.
#include <string>

namespace cratecache {

struct Toolchain {
  std::string identity;  // hex digest; part of every key
  std::string release;   // e.g. "1.95.0", for stats and listings
  std::string sysroot;
  // Names the toolchain's directory in the store and its records.
  std::string short_id() const { return identity.substr(0, 16); }
};

// `records_dir` keeps one record per rustc path (and the release of each identity, under its short
// id, for listings). Throws std::runtime_error when rustc cannot be probed.
Toolchain identify_toolchain(const std::string& rustc, const std::string& records_dir);

}  // namespace cratecache
