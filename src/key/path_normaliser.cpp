#include "key/path_normaliser.h"

#include <algorithm>

namespace cratecache {
namespace {

constexpr std::string_view kTokenPrefix = "@@CRATECACHE:";

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
         c == '.' || c == '+' || c == '@' || static_cast<unsigned char>(c) >= 0x80;
}

}  // namespace

void PathNormaliser::add_root(const std::string& path, const std::string& placeholder) {
  std::string clean = path;
  while (clean.size() > 1 && clean.back() == '/') clean.pop_back();
  if (clean.size() <= 1) return;  // "/" would rewrite every path
  for (const auto& r : roots_) {
    if (r.path == clean) return;
  }
  roots_.push_back({clean, std::string(kTokenPrefix) + placeholder + "@@"});
  std::stable_sort(roots_.begin(), roots_.end(),
                   [](const Root& a, const Root& b) { return a.path.size() > b.path.size(); });
}

std::string PathNormaliser::normalise(std::string_view text) const {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    bool replaced = false;
    if (text[i] == '/' && (i == 0 || !is_name_char(text[i - 1]))) {
      for (const auto& r : roots_) {
        if (text.compare(i, r.path.size(), r.path) != 0) continue;
        size_t end = i + r.path.size();
        // Only whole path components: /tmp/a must not match /tmp/ab.
        if (end < text.size() && is_name_char(text[end])) continue;
        out += r.token;
        i = end;
        replaced = true;
        break;
      }
    }
    if (!replaced) out += text[i++];
  }
  return out;
}

// One pass: a dep-info of thousands of paths is restored in time linear in its size.
std::string PathNormaliser::restore(std::string_view text) const {
  std::string out;
  out.reserve(text.size());
  size_t done = 0;
  for (size_t at = text.find(kTokenPrefix); at != std::string_view::npos; at = text.find(kTokenPrefix, at)) {
    auto root = std::find_if(roots_.begin(), roots_.end(),
                             [&](const Root& r) { return text.compare(at, r.token.size(), r.token) == 0; });
    if (root == roots_.end()) {
      ++at;  // no root's token (a path lookup's marker): kept as it is
      continue;
    }
    out.append(text.substr(done, at - done));
    out += root->path;
    at += root->token.size();
    done = at;
  }
  out.append(text.substr(done));
  return out;
}

}  // namespace cratecache
