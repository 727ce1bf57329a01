#include "store/remote/remote_config.h"

#include <stdexcept>

namespace cratecache {
namespace {

std::string trim_slashes(std::string s) {
  while (!s.empty() && s.front() == '/') s.erase(s.begin());
  while (!s.empty() && s.back() == '/') s.pop_back();
  return s;
}

}  // namespace

RemoteUrl parse_remote_url(const std::string& url) {
  RemoteUrl r;
  auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos) throw std::invalid_argument("remote URL needs a scheme: " + url);
  r.scheme = url.substr(0, scheme_end);
  if (r.scheme != "redis" && r.scheme != "http" && r.scheme != "https" && r.scheme != "s3") {
    throw std::invalid_argument("unsupported remote scheme '" + r.scheme + "' (redis, http, https, s3)");
  }
  std::string rest = url.substr(scheme_end + 3);
  auto q = rest.find('?');
  if (q != std::string::npos) {
    std::string query = rest.substr(q + 1);
    rest = rest.substr(0, q);
    size_t start = 0;
    while (start < query.size()) {
      size_t amp = query.find('&', start);
      if (amp == std::string::npos) amp = query.size();
      std::string kv = query.substr(start, amp - start);
      auto eq = kv.find('=');
      if (!kv.empty()) r.query[kv.substr(0, eq)] = eq == std::string::npos ? "" : kv.substr(eq + 1);
      start = amp + 1;
    }
  }
  auto slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  r.path = slash == std::string::npos ? "" : trim_slashes(rest.substr(slash));
  if (authority.empty()) throw std::invalid_argument("remote URL has no host: " + url);
  auto colon = authority.rfind(':');
  if (colon != std::string::npos && authority.find(']') == std::string::npos) {
    r.host = authority.substr(0, colon);
    try {
      r.port = std::stoi(authority.substr(colon + 1));
    } catch (const std::exception&) {
      throw std::invalid_argument("bad port in remote URL: " + url);
    }
  } else {
    r.host = authority;
  }
  if (r.scheme == "redis" && r.port == 0) r.port = 6379;
  if (r.scheme == "s3" && !r.query.count("endpoint") && !r.query.count("region")) {
    throw std::invalid_argument("s3 URL needs ?region=... (and ?endpoint=... for non-AWS servers)");
  }
  return r;
}

RemotePolicy parse_remote_policy(const std::string& text) {
  if (text.empty() || text == "read-write") return RemotePolicy::ReadWrite;
  if (text == "read-only") return RemotePolicy::ReadOnly;
  if (text == "write-only") return RemotePolicy::WriteOnly;
  throw std::invalid_argument("remote policy must be read-write, read-only or write-only");
}

}  // namespace cratecache
