#pragma once
// The trusted side of `cratecache warm`: what its builds produced in a scratch store (as the build
// user, running registry code) is checked here, by a process that runs no build code, and only then
// signed and published.
#include <sys/types.h>

#include <string>
#include <vector>

#include "store/store.h"

namespace cratecache {

struct PublishCounts {
  size_t entries = 0;    // new entries published
  size_t manifests = 0;  // manifests published (new, or with new candidates)
  std::vector<std::string> refused;  // each file not published, and why
};

// Publishes the entries and manifests of the scratch store at `scratch_dir` into `published`
// (signed and queued for upload when it has a signer and a remote; the caller uploads). Nothing is
// taken on the scratch store's word: every file is opened without following a link anywhere below
// `scratch_dir`, must be a regular file of `producer` within its size bound and a name of the
// store's form; every entry is decoded, checked and encoded again here, so its blobs' digests are
// computed by this process; a manifest's candidates must all name entries of one toolchain.
PublishCounts publish_scratch(const std::string& scratch_dir, uid_t producer, Store& published);

}  // namespace cratecache
