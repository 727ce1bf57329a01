#pragma once
// `cratecache doctor`: checks the running user's setup for the trust problems of a platform that
// builds untrusted tenants' code (docs/remote.md, "Setups") and says each in one line, with the
// path or setting at fault and its fix. Each check is one function, so each can be tested alone.
#include <cstdint>
#include <string>
#include <vector>

#include "config/config.h"

namespace cratecache {

struct Finding {
  bool problem = true;  // false: a note, which does not make doctor fail
  std::string line;
};
using Findings = std::vector<Finding>;

// What the checks look at.
struct DoctorInput {
  Config config;      // as this user's builds see it: the environment over the store's config.toml
  Config store_file;  // the store's config.toml alone (every build using the store reads it)
  uint32_t uid = 0;   // the user running the checks (geteuid)
  std::string store_setting = "CRATECACHE_DIR";  // where config.dir came from, for the lines
};

// The store dir and what lies directly in it: writable by anyone but its owner, or by this user
// without being theirs, it lets others change what its users receive.
Findings check_store_writers(const DoctorInput& in);
// The dirs of the store that record users' projects (warm's work, events, misses): 0700.
Findings check_disclosure(const DoctorInput& in);
// The `requests` drop box: the store owner's, mode 1733 (anyone drops, nobody lists or removes).
Findings check_requests_dir(const DoctorInput& in);
// The signing key: a valid key, this user's, 0600, not in config.toml, and what can read it.
Findings check_signing_key(const DoctorInput& in);
// require_signature and trusted_keys: valid keys, and signatures required of a remote tier (a
// local store of another user's is safe as long as only its owner can write it).
Findings check_trusted_keys(const DoctorInput& in);
// The remote URL and policy: a tenant does not write a tier others read.
Findings check_remote(const DoctorInput& in);

Findings run_doctor_checks(const DoctorInput& in);

// Loads the settings from the environment, prints a line per finding (or one saying all is well)
// on stdout; 1 when there is a problem.
int run_doctor();

}  // namespace cratecache
