#include "util/env.h"

#include <cstdlib>
#include <string_view>

extern char** environ;

namespace cratecache {

const char* getenv_fn(const char* name) { return std::getenv(name); }

std::vector<std::string> environment_names() {
  std::vector<std::string> names;
  for (char** e = environ; *e; ++e) {
    std::string_view kv(*e);
    names.emplace_back(kv.substr(0, kv.find('=')));
  }
  return names;
}

}  // namespace cratecache
