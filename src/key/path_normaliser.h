#pragma once
// Rewrites the machine- and project-specific absolute paths in arguments, environment values,
// dep-info and diagnostics to placeholders (and back), so that the same dependency built in two
// project directories has one key and one stored entry.
#include <string>
#include <string_view>
#include <vector>

namespace cratecache {

class PathNormaliser {
 public:
  // `placeholder` is a bare name such as "TARGET"; it is written as "@@CRATECACHE:TARGET@@".
  void add_root(const std::string& path, const std::string& placeholder);
  std::string normalise(std::string_view text) const;
  std::string restore(std::string_view text) const;

 private:
  struct Root {
    std::string path;
    std::string token;
  };
  std::vector<Root> roots_;  // longest path first, so nested roots resolve to the innermost
};

}  // namespace cratecache
