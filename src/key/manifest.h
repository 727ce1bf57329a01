#pragma once
// Direct mode, as in ccache: for one input key, the source files (with stat snapshots and
// digests) and env-deps seen by earlier compiles, each set leading to a result key. A hit is
// then a few stat calls, without running rustc to learn what the crate reads.
#include <optional>
#include <string>
#include <vector>

#include "util/env.h"
#include "key/dep_info.h"
#include "key/key_inputs.h"
#include "key/path_normaliser.h"
#include "key/project_roots.h"
#include "key/stat_cache.h"
#include "util/fs.h"

namespace cratecache {

struct ManifestFile {
  std::string path;  // normalised
  FileStat stat;     // as last seen (size, mtime, ctime, inode)
  std::string digest;
  // Set for a package's whole tree (key/package_tree.h): its files' snapshot; `digest` is the tree's.
  std::optional<std::string> tree_snapshot;
};

// Snapshot of an input as it is now: stat and content digest (kAbsent when missing).
ManifestFile describe_input(const std::string& path, std::string normalised_path);
// A program name as one input: what it finds on PATH now, by content (kAbsent: nothing).
ManifestFile describe_path_lookup(const std::string& name, StatCache& digests);
// A package dir as one input, its whole tree; nullopt when it has too many files to key.
std::optional<ManifestFile> describe_package_input(const std::string& dir, std::string normalised_path,
                                                   StatCache& digests);

struct ManifestCandidate {
  std::vector<ManifestFile> files;
  std::vector<EnvDep> env;  // values normalised: a project path in a value is a placeholder
  std::string result_key;
};

class Manifest {
 public:
  static constexpr size_t kMaxCandidates = 8;

  // A damaged manifest is an empty one.
  static Manifest parse(const std::string& text);
  std::string serialize() const;

  // The result key of the first candidate whose files and env-deps all match what is on disk and
  // in the environment now. Files whose stat changed are re-hashed; a file that is gone is a mismatch.
  // A package tree whose files' stat changed is re-hashed through `digests`.
  std::optional<std::string> match(const PathNormaliser& normaliser, const EnvLookup& env,
                                   StatCache& digests) const;
  // For a manifest that anyone who can write the store or the remote may have written (not this
  // user's own file, not signed by a trusted key): a candidate naming an input outside `roots`
  // (restored through `normaliser`) is dropped, so it is neither matched nor merged or stored
  // again, and every input is then looked at only beneath its root without following a link
  // (open_path_beneath): a link, or a climb above the root, is a mismatch.
  void confine(InputRoots roots, const PathNormaliser& normaliser);
  // Newest first; an older candidate with the same result key is dropped.
  void add(ManifestCandidate candidate);
  // Adds the other manifest's candidates after this one's (a remote manifest merged locally).
  void merge(const Manifest& other);

  // For `cratecache explain`: why each candidate does not match now ("file X changed", "env Y
  // changed"; values are never shown), in candidate order.
  std::vector<std::string> mismatches(const PathNormaliser& normaliser, const EnvLookup& env,
                                      StatCache& digests) const;
  size_t size() const { return candidates_.size(); }
  std::vector<std::string> result_keys() const;

  // What the input key was made of, and whose it is (for `cratecache explain`).
  struct Description {
    std::string name;
    std::string kind;
    KeyInputs inputs;
  };
  void describe(Description d) { description_ = std::move(d); }
  const Description& description() const { return description_; }

 private:
  std::vector<ManifestCandidate> candidates_;
  Description description_;
  std::optional<InputRoots> confined_;
};

}  // namespace cratecache
