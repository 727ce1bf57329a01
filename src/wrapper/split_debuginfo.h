#pragma once
// Under `-C split-debuginfo`, rustc writes the debug info beside a unit's outputs: one .dwo per
// codegen unit (unpacked; an rlib also bundles them) or one .dwp beside a linked artifact
// (packed). How many depends on the partitioning, so they are found by name after the run; only
// those this run wrote count (a stale file of an earlier run with more codegen units is not the
// unit's output).
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "util/fs.h"

namespace cratecache {

// A name of this unit's debug info: `<stem>.<cgu>.rcgu.dwo`, `<stem>.dwp` (binary) or
// `lib<stem>.dwp` (dylib, proc-macro).
bool is_unit_debuginfo(std::string_view name, const std::string& stem);

class SplitDebuginfoFiles {
 public:
  // Takes the snapshot before rustc runs. `stem` is crate name + extra filename.
  SplitDebuginfoFiles(std::string out_dir, std::string stem);
  // Names (in the out-dir) of the .dwo/.dwp files of this unit written since the snapshot.
  std::vector<std::string> written() const;

 private:
  std::map<std::string, FileStat> candidates() const;

  std::string out_dir_;
  std::string stem_;
  std::map<std::string, FileStat> before_;
};

}  // namespace cratecache
