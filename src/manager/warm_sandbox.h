#pragma once
// Where and as whom `cratecache warm`'s builds run. The builds run registry packages' build
// scripts and proc-macros, so they get none of the builder's powers: a work dir under the
// published store's warm/, a scratch store and a CARGO_HOME of their own, the published store to
// read only, an environment without the signing key, the remote tier or credentials, and (when warm
// runs as root with --build-user) another uid. What they store is published by the parent
// (publish.h).
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "store/layout.h"
#include "util/process.h"

namespace cratecache {

class WarmSandbox {
 public:
  // Throws std::runtime_error when the work dir cannot be made, or a build user is given to a
  // process that is not root.
  WarmSandbox(const StoreLayout& published, std::optional<UserIdentity> build_user);

  const std::string& work_dir() const { return work_; }
  std::string scratch_dir() const { return work_ + "/scratch"; }
  std::string unit_log() const { return work_ + "/units.log"; }
  // The uid whose files in the scratch store are the builds' own.
  uid_t producer() const;

  // A directory for one stub project; hand_over() gives everything in it to the build user, once
  // its stub is written and before its build starts.
  std::string job_dir(const std::string& name) const { return work_ + "/" + name; }
  void hand_over(const std::string& dir) const;

  // Everything a build's cargo gets: the few variables of ours a build needs, and `extra`.
  std::vector<std::pair<std::string, std::string>> environment(
      const std::vector<std::pair<std::string, std::string>>& extra) const;
  SpawnIsolation isolation() const { return {true, build_user_}; }

  // Ends every process of the build user (a build script can leave a daemon behind to tamper with
  // the scratch store while it is published); only with a build user.
  void end_leftover_processes() const;

 private:
  std::string work_;
  std::string published_dir_;
  std::optional<UserIdentity> build_user_;
};

}  // namespace cratecache
