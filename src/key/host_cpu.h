#pragma once
// The host CPU as a key input. Code built with `-C target-cpu=native` (or C flags such as
// `-march=native`) is for this CPU model and feature set only: a fleet sharing a store must not
// serve it to a machine with another CPU, where it could die of an illegal instruction. Units
// that name no native CPU stay machine-independent.
#include <string>
#include <string_view>

namespace cratecache {

// Do these flags (a rustc -C/-Z value, RUSTFLAGS, CFLAGS, ...) ask for the host's CPU?
bool names_host_cpu(std::string_view flags);

// Digest of what identifies a CPU in /proc/cpuinfo text (vendor, family, model, feature flags;
// on ARM implementer, part, features), from the first processor. Throws std::runtime_error if
// none of those fields is present.
std::string cpu_fingerprint(std::string_view cpuinfo);

// cpu_fingerprint of this machine's /proc/cpuinfo, read once per process.
std::string host_cpu_fingerprint();

}  // namespace cratecache
