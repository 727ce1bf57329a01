#include "key/dep_info.h"

#include <unordered_set>

#include "util/lines.h"

namespace cratecache {
namespace {

// Splits a rule's right-hand side on unescaped spaces ("\ " is a space inside a path).
void add_prerequisites(std::string_view rhs, std::vector<std::string>& files,
                       std::unordered_set<std::string>& seen) {
  std::string current;
  auto flush = [&] {
    if (!current.empty() && seen.insert(current).second) files.push_back(current);
    current.clear();
  };
  for (size_t i = 0; i < rhs.size(); ++i) {
    char c = rhs[i];
    if (c == '\\' && i + 1 < rhs.size() && rhs[i + 1] == ' ') {
      current += ' ';
      ++i;
    } else if (c == ' ' || c == '\t') {
      flush();
    } else {
      current += c;
    }
  }
  flush();
}

// The colon that ends a rule's target: the first one followed by a space or the line's end.
size_t rule_colon(std::string_view line) {
  for (size_t i = 0; i < line.size(); ++i) {
    if (line[i] == ':' && (i + 1 == line.size() || line[i + 1] == ' ')) return i;
  }
  return std::string_view::npos;
}

}  // namespace

std::string unescape_env_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (size_t i = 0; i < value.size(); ++i) {
    if (value[i] == '\\' && i + 1 < value.size()) {
      char next = value[i + 1];
      if (next == 'n') {
        out += '\n';
        ++i;
        continue;
      }
      if (next == 'r') {
        out += '\r';
        ++i;
        continue;
      }
      if (next == '\\') {
        out += '\\';
        ++i;
        continue;
      }
    }
    out += value[i];
  }
  return out;
}

DepInfo parse_dep_info(std::string_view text) {
  DepInfo info;
  std::unordered_set<std::string> seen;
  std::unordered_set<std::string> targets;
  std::vector<std::string> all;
  for_each_line(text, [&](std::string_view line) {
    if (line.empty()) return;
    static constexpr std::string_view kEnvDep = "# env-dep:";
    if (line.rfind(kEnvDep, 0) == 0) {
      std::string_view rest = line.substr(kEnvDep.size());
      auto eq = rest.find('=');
      if (eq == std::string_view::npos) {
        info.env.push_back({std::string(rest), std::nullopt});
      } else {
        info.env.push_back({std::string(rest.substr(0, eq)), unescape_env_value(rest.substr(eq + 1))});
      }
      return;
    }
    if (line[0] == '#') return;
    size_t colon = rule_colon(line);
    if (colon == std::string_view::npos) return;
    std::string_view rhs = line.substr(colon + 1);
    // Outputs are the targets of rules with prerequisites; sources reappear as empty rules.
    if (rhs.find_first_not_of(" \t") != std::string_view::npos) targets.insert(std::string(line.substr(0, colon)));
    add_prerequisites(rhs, all, seen);
  });
  for (auto& f : all) {
    if (!targets.count(f)) info.files.push_back(std::move(f));
  }
  return info;
}

}  // namespace cratecache
