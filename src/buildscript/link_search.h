#pragma once
// Where a build-script output may send the linker. A replayed run's stdout comes from an entry any
// writer of the store (or a remote) could have made: a `-L` to a directory of the attacker's lets
// a later `rustc-link-lib` pick the attacker's library. So the search paths a run adds must lie in
// its package, its OUT_DIR or the system's library directories.
#include <optional>
#include <string>
#include <string_view>

#include "key/path_normaliser.h"

namespace cratecache {

// The first link search path that `stdout_text` adds outside `package_dir`, `out_dir` and the
// system library directories (/usr/lib, /usr/lib64, /lib, /lib64, /usr/local/lib and what is
// below them, the multiarch dirs included); nullopt when there is none. Both `cargo:` and
// `cargo::` forms of `rustc-link-search` (with or without a KIND= prefix) and the `-L` of
// `rustc-flags` are read. An absolute path is compared after resolving "." and ".."; a relative
// one (against rustc's working directory, which is the project's) may not contain "..".
std::optional<std::string> link_search_outside(std::string_view stdout_text, const std::string& package_dir,
                                               const std::string& out_dir);

// The same check on the stdout a hit of a stored run is about to replay (its paths restored).
// Throws CorruptEntry when it adds such a path.
void check_replayed_link_search(std::string_view replayed_stdout, const std::string& package_dir,
                                const std::string& out_dir);

}  // namespace cratecache
