#pragma once
// rustc's dep-info (`--emit=dep-info`, Makefile syntax): the source files a crate read, and the
// environment variables it observed through env!/option_env! (`# env-dep:` lines).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cratecache {

struct EnvDep {
  std::string name;
  std::optional<std::string> value;  // nullopt: the crate saw the variable unset
  bool operator==(const EnvDep&) const = default;
};

struct DepInfo {
  std::vector<std::string> files;  // prerequisites, first-seen order, no duplicates
  std::vector<EnvDep> env;
};

DepInfo parse_dep_info(std::string_view text);
// rustc escapes newlines and backslashes in env-dep values; this undoes it.
std::string unescape_env_value(std::string_view value);

}  // namespace cratecache
