#pragma once
// What a directory source's `.cargo-checksum.json` proves about a package (docs/build-scripts.md).
// Cargo checks the SHA-256 of every file the checksum file lists before it builds a unit of the
// package, and fails the build when one differs; files it does not list, and the `package` value,
// are never checked against the package's content. Debian's registry lists no files at all.
#include <optional>
#include <set>
#include <string>

namespace cratecache {

struct PackageChecksum {
  std::string file;             // the checksum file's path
  std::set<std::string> listed;  // relative paths of the files Cargo verifies
};

// The package's checksum file when it proves the package immutable: it lists files (with SHA-256
// digests) and a real package checksum (64 hex digits), as `cargo vendor` writes for a registry
// crate. nullopt for no checksum file, an unreadable or malformed one, `"files":{}` or a
// placeholder package value: the package's files are then inputs like any other.
std::optional<PackageChecksum> proven_package_checksum(const std::string& package_dir);

// Whether `path` (absolute) is one of the files `checksum` lists for `package_dir`.
bool lists_file(const PackageChecksum& checksum, const std::string& package_dir, const std::string& path);

}  // namespace cratecache
