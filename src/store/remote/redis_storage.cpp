#include "store/remote/redis_storage.h"

#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string_view>

#include "store/remote/request_budget.h"

namespace cratecache {

struct RedisStorage::Reply {
  char type = 0;     // '+' status, '-' error, ':' integer, '$' bulk
  std::string text;  // the line after the type, or the bulk's bytes
  bool nil = false;  // "$-1"
};

namespace {

// Longest reply line (status, error, integer, bulk header): anything longer is not Redis.
constexpr size_t kMaxLine = 64 << 10;
constexpr int kMaxRedirections = 5;

std::string address(const RemoteNode& node) { return node.host + ":" + std::to_string(node.port); }

// What a server said, fit for a message: short, control characters replaced.
std::string printable(const std::string& text) {
  std::string out = text.substr(0, 200);
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  }
  return text.size() > out.size() ? out + "..." : out;
}

// A decimal of at most 18 digits (no overflow), optionally negative.
std::optional<long long> parse_integer(const std::string& text) {
  size_t sign = !text.empty() && text[0] == '-' ? 1 : 0;
  auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
  if (text.size() == sign || text.size() > sign + 18 || !std::all_of(text.begin() + sign, text.end(), is_digit)) {
    return std::nullopt;
  }
  return std::stoll(text);
}

struct Redirect {
  bool ask = false;
  RemoteNode node;
};

// "MOVED 3999 127.0.0.1:6381" / "ASK 3999 127.0.0.1:6381"
std::optional<Redirect> parse_redirect(const std::string& error) {
  auto sp1 = error.find(' ');
  if (sp1 == std::string::npos) return std::nullopt;
  auto sp2 = error.find(' ', sp1 + 1);
  if (sp2 == std::string::npos) return std::nullopt;
  std::string kind = error.substr(0, sp1);
  if (kind != "MOVED" && kind != "ASK") return std::nullopt;
  std::string addr = error.substr(sp2 + 1);
  auto colon = addr.rfind(':');
  auto port = colon == std::string::npos ? std::nullopt : parse_integer(addr.substr(colon + 1));
  if (!port || *port <= 0 || *port > 65535) return std::nullopt;
  return Redirect{kind == "ASK", {addr.substr(0, colon), static_cast<int>(*port)}};
}

}  // namespace

// One socket to one node, read and written without blocking: each wait is bounded by the I/O
// timeout and by what is left of the request's budget.
class RedisStorage::Connection {
 public:
  Connection(const RemoteNode& node, const RemoteLimits& limits, RequestBudget& budget)
      : where_("redis " + address(node)), limits_(limits) {
    int ms = std::min(limits.connect_timeout_ms, budget.remaining_ms());
    if (ms <= 0) throw std::runtime_error(where_ + ": not connected within the request deadline");
    ctx_ = redisConnectWithTimeout(node.host.c_str(), node.port, {ms / 1000, (ms % 1000) * 1000});
    if (!ctx_ || ctx_->err) {
      std::string err = ctx_ ? ctx_->errstr : "out of memory";
      throw std::runtime_error(where_ + ": " + err);
    }
    int flags = fcntl(ctx_->fd, F_GETFL);
    if (flags < 0 || fcntl(ctx_->fd, F_SETFL, flags | O_NONBLOCK) < 0) {
      throw std::runtime_error(where_ + ": fcntl: " + std::strerror(errno));
    }
  }
  ~Connection() {
    if (ctx_) redisFree(ctx_);
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  const std::string& where() const { return where_; }

  void send(const std::vector<std::string_view>& argv, RequestBudget& budget) {
    std::vector<const char*> args;
    std::vector<size_t> lens;
    for (const auto& a : argv) args.push_back(a.data()), lens.push_back(a.size());
    char* cmd = nullptr;
    int len = redisFormatCommandArgv(&cmd, static_cast<int>(args.size()), args.data(), lens.data());
    if (len < 0) throw std::runtime_error(where_ + ": cannot encode the command");
    std::unique_ptr<char, decltype(&redisFreeCommand)> owned(cmd, &redisFreeCommand);
    for (size_t sent = 0; sent < static_cast<size_t>(len);) {
      ssize_t n = ::write(ctx_->fd, cmd + sent, len - sent);
      if (n > 0) {
        sent += n;
        budget.moved(n);
      } else if (errno == EAGAIN || errno == EINTR) {
        wait_for(POLLOUT, budget);
      } else {
        throw std::runtime_error(where_ + ": write: " + std::strerror(errno));
      }
    }
  }

  // One reply; a bulk one only if its announced length is within the object cap.
  Reply receive(RequestBudget& budget) {
    std::string line = take_line(budget);
    Reply reply{line.empty() ? '\0' : line[0], line.empty() ? "" : line.substr(1)};
    if (reply.type == '+' || reply.type == '-' || reply.type == ':') return reply;
    if (reply.type != '$') throw std::runtime_error(where_ + ": unexpected reply '" + printable(line) + "'");
    auto length = parse_integer(reply.text);
    if (!length || *length < -1) throw std::runtime_error(where_ + ": bad bulk length '" + printable(line) + "'");
    if (*length == -1) {
      reply.nil = true;
      reply.text.clear();
      return reply;
    }
    if (static_cast<uint64_t>(*length) > limits_.max_object_bytes) {
      throw std::runtime_error(where_ + ": reply announces " + std::to_string(*length) + " bytes, over the " +
                               std::to_string(limits_.max_object_bytes) + "-byte object cap; refused");
    }
    reply.text = take(static_cast<size_t>(*length) + 2, budget);
    if (reply.text.compare(reply.text.size() - 2, 2, "\r\n") != 0) {
      throw std::runtime_error(where_ + ": bulk reply not ended by CRLF");
    }
    reply.text.resize(reply.text.size() - 2);
    return reply;
  }

 private:
  void wait_for(short events, RequestBudget& budget) {
    for (;;) {
      int left = budget.remaining_ms();
      if (left == 0) {
        throw std::runtime_error(where_ + ": not done within the request deadline (" +
                                 std::to_string(budget.allowed_ms()) + " ms for " +
                                 std::to_string(budget.moved_bytes()) + " bytes)");
      }
      int ms = std::min(limits_.io_timeout_ms, left);
      pollfd p{ctx_->fd, events, 0};
      int r = ::poll(&p, 1, ms);
      if (r > 0) return;
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) throw std::runtime_error(where_ + ": poll: " + std::strerror(errno));
      if (ms == limits_.io_timeout_ms) {
        throw std::runtime_error(where_ + ": stalled, nothing for " + std::to_string(ms) + " ms");
      }
    }
  }

  // Appends what the socket has (at least one byte) to `out`.
  void fill(std::string& out, size_t most, RequestBudget& budget) {
    char buf[64 << 10];
    for (;;) {
      ssize_t n = ::read(ctx_->fd, buf, std::min(sizeof buf, most));
      if (n > 0) {
        budget.moved(n);
        out.append(buf, n);
        return;
      }
      if (n == 0) throw std::runtime_error(where_ + ": connection closed by the server");
      if (errno != EAGAIN && errno != EINTR) throw std::runtime_error(where_ + ": read: " + std::strerror(errno));
      wait_for(POLLIN, budget);
    }
  }

  std::string take_line(RequestBudget& budget) {
    for (;;) {
      auto crlf = in_.find("\r\n");
      if (crlf != std::string::npos) {
        std::string line = in_.substr(0, crlf);
        in_.erase(0, crlf + 2);
        return line;
      }
      if (in_.size() > kMaxLine) throw std::runtime_error(where_ + ": reply line longer than 64 KiB");
      fill(in_, kMaxLine, budget);
    }
  }

  // Exactly `n` bytes, grown as they arrive (an announced length reserves nothing up front).
  std::string take(size_t n, RequestBudget& budget) {
    std::string out = in_.substr(0, n);
    in_.erase(0, out.size());
    while (out.size() < n) fill(out, n - out.size(), budget);
    return out;
  }

  redisContext* ctx_ = nullptr;
  std::string where_;
  RemoteLimits limits_;
  std::string in_;  // read but not yet taken
};

RedisStorage::RedisStorage(const RemoteUrl& url, const RemoteLimits& limits)
    : nodes_(url.nodes.empty() ? std::vector<RemoteNode>{{url.host, url.port}} : url.nodes),
      user_(url.user),
      password_(url.password),
      prefix_(url.path.empty() ? "cratecache:" : url.path + ":"),
      limits_(limits) {}

RedisStorage::~RedisStorage() = default;

RedisStorage::Connection& RedisStorage::connection(const RemoteNode& node, RequestBudget& budget) {
  std::string addr = address(node);
  if (auto it = connections_.find(addr); it != connections_.end()) return *it->second;
  auto conn = std::make_unique<Connection>(node, limits_, budget);
  if (!user_.empty() || !password_.empty()) {
    conn->send(user_.empty() ? std::vector<std::string_view>{"AUTH", password_}
                             : std::vector<std::string_view>{"AUTH", user_, password_},
               budget);
    Reply ok = conn->receive(budget);
    if (ok.type != '+') throw std::runtime_error(conn->where() + ": AUTH refused: " + printable(ok.text));
  }
  return *(connections_[addr] = std::move(conn));
}

RedisStorage::Reply RedisStorage::command(const std::vector<std::string_view>& argv) {
  RequestBudget budget(limits_);
  RemoteNode node = nodes_.front();
  bool asking = false;
  for (int hop = 0; hop < kMaxRedirections; ++hop) {
    Reply reply;
    std::string where;
    try {
      Connection& conn = connection(node, budget);
      where = conn.where();
      if (asking) {
        conn.send({"ASKING"}, budget);
        conn.receive(budget);
      }
      conn.send(argv, budget);
      reply = conn.receive(budget);
    } catch (...) {
      connections_.erase(address(node));  // in an unknown state
      throw;
    }
    if (reply.type != '-') return reply;
    auto redirect = parse_redirect(reply.text);
    if (!redirect) throw std::runtime_error(where + ": " + printable(reply.text));
    if (std::find(nodes_.begin(), nodes_.end(), redirect->node) == nodes_.end()) {
      throw std::runtime_error(where + ": redirected to " + printable(address(redirect->node)) +
                               ", not a configured node (list the cluster's nodes in ?nodes=); refused");
    }
    node = redirect->node;
    asking = redirect->ask;
  }
  throw std::runtime_error("redis: too many cluster redirections");
}

std::optional<std::string> RedisStorage::get(const std::string& key) {
  std::string name = prefix_ + key;
  Reply r = command({"GET", name});
  if (r.type != '$') throw std::runtime_error("redis: GET answered '" + printable(std::string(1, r.type) + r.text) + "'");
  if (r.nil) return std::nullopt;
  return std::move(r.text);
}

void RedisStorage::put(const std::string& key, const std::string& bytes) {
  if (bytes.size() > limits_.max_object_bytes) {
    throw std::runtime_error("redis: " + std::to_string(bytes.size()) + " bytes, over the " +
                             std::to_string(limits_.max_object_bytes) + "-byte object cap");
  }
  std::string name = prefix_ + key;
  command({"SET", name, bytes});
}

void RedisStorage::remove(const std::string& key) {
  std::string name = prefix_ + key;
  command({"DEL", name});
}

}  // namespace cratecache
