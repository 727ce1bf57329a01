#include "store/remote/remote_config.h"

#include <algorithm>
#include <cctype>
#include <stdexcept>

#include "config/config.h"

namespace cratecache {
namespace {

std::string trim_slashes(std::string s) {
  while (!s.empty() && s.front() == '/') s.erase(s.begin());
  while (!s.empty() && s.back() == '/') s.pop_back();
  return s;
}

// The URL as a message may quote it: credentials replaced by "***".
std::string redacted(const std::string& url) {
  auto start = url.find("://");
  start = start == std::string::npos ? 0 : start + 3;
  auto at = url.find('@', start);
  if (at == std::string::npos || at > url.find('/', start)) return url;
  return url.substr(0, start) + "***" + url.substr(at);
}

std::string percent_decoded(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

int parse_port(const std::string& text, const std::string& url) {
  size_t used = 0;
  int port = 0;
  try {
    port = std::stoi(text, &used);
  } catch (const std::exception&) {
  }
  if (used != text.size() || port <= 0 || port > 65535) throw std::invalid_argument("bad port in remote URL: " + redacted(url));
  return port;
}

// "host:port" (or "[v6]:port", or "host" with the default port).
RemoteNode parse_node(const std::string& text, int default_port, const std::string& url) {
  RemoteNode node{text, default_port};
  auto colon = text.rfind(':');
  if (colon != std::string::npos && text.find(']', colon) == std::string::npos) {
    node.host = text.substr(0, colon);
    node.port = parse_port(text.substr(colon + 1), url);
  }
  if (node.host.empty()) throw std::invalid_argument("remote URL has no host: " + redacted(url));
  return node;
}

std::map<std::string, std::string> parse_query(const std::string& query) {
  std::map<std::string, std::string> out;
  size_t start = 0;
  while (start < query.size()) {
    size_t amp = query.find('&', start);
    if (amp == std::string::npos) amp = query.size();
    std::string kv = query.substr(start, amp - start);
    auto eq = kv.find('=');
    if (!kv.empty()) out[kv.substr(0, eq)] = eq == std::string::npos ? "" : kv.substr(eq + 1);
    start = amp + 1;
  }
  return out;
}

void parse_userinfo(const std::string& userinfo, RemoteUrl& r) {
  auto colon = userinfo.find(':');
  r.user = percent_decoded(userinfo.substr(0, colon));
  if (colon != std::string::npos) r.password = percent_decoded(userinfo.substr(colon + 1));
}

// Redis: the configured node first, then those of `?nodes=`.
void parse_redis_nodes(const std::string& url, RemoteUrl& r) {
  r.nodes.push_back({r.host, r.port});
  auto it = r.query.find("nodes");
  if (it == r.query.end()) return;
  size_t start = 0;
  const std::string& list = it->second;
  while (start <= list.size()) {
    size_t comma = std::min(list.find(',', start), list.size());
    RemoteNode node = parse_node(list.substr(start, comma - start), 6379, url);
    if (std::find(r.nodes.begin(), r.nodes.end(), node) == r.nodes.end()) r.nodes.push_back(node);
    start = comma + 1;
  }
}

}  // namespace

RemoteUrl parse_remote_url(const std::string& url) {
  RemoteUrl r;
  auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos) throw std::invalid_argument("remote URL needs a scheme: " + redacted(url));
  r.scheme = url.substr(0, scheme_end);
  if (r.scheme == "rediss") {
    throw std::invalid_argument(
        "rediss:// (Redis over TLS) is not supported: the hiredis this build uses (0.14) has no TLS; use "
        "redis:// on a trusted network or through a TLS tunnel (stunnel, spiped)");
  }
  if (r.scheme != "redis" && r.scheme != "http" && r.scheme != "https" && r.scheme != "s3") {
    throw std::invalid_argument("unsupported remote scheme '" + r.scheme + "' (redis, http, https, s3)");
  }
  std::string rest = url.substr(scheme_end + 3);
  auto q = rest.find('?');
  if (q != std::string::npos) {
    r.query = parse_query(rest.substr(q + 1));
    rest = rest.substr(0, q);
  }
  auto slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  r.path = slash == std::string::npos ? "" : trim_slashes(rest.substr(slash));
  auto at = authority.rfind('@');
  if (at != std::string::npos) {
    parse_userinfo(authority.substr(0, at), r);
    authority = authority.substr(at + 1);
  }
  RemoteNode node = parse_node(authority, r.scheme == "redis" ? 6379 : 0, url);
  r.host = node.host;
  r.port = node.port;
  if (r.scheme == "redis") parse_redis_nodes(url, r);
  if (r.query.count("max_object")) parse_size(r.query.at("max_object"));  // a bad size fails here, not later
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

RemoteLimits remote_limits(const RemoteUrl& url, int connect_timeout_ms, int io_timeout_ms, uint64_t max_object_bytes) {
  RemoteLimits limits{connect_timeout_ms, io_timeout_ms, std::min(max_object_bytes, kMaxRemoteObjectBytes)};
  if (auto it = url.query.find("max_object"); it != url.query.end()) {
    limits.max_object_bytes = std::min(limits.max_object_bytes, parse_size(it->second));
  }
  return limits;
}

}  // namespace cratecache
