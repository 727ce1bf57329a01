#include "store/remote/http_storage.h"

#include <curl/curl.h>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <sstream>
#include <stdexcept>

#include "store/remote/request_budget.h"
#include "util/fs.h"

namespace cratecache {
namespace {

struct Upload {
  const std::string* data;
  size_t pos = 0;
};

// The reply body as it arrives, refused once it would pass the cap whatever the headers said.
struct Download {
  std::string body;
  uint64_t cap;
  bool over_cap = false;
};

size_t write_body(char* ptr, size_t size, size_t n, void* user) {
  auto* down = static_cast<Download*>(user);
  if (down->body.size() + size * n > down->cap) {
    down->over_cap = true;
    return 0;  // libcurl aborts the transfer
  }
  down->body.append(ptr, size * n);
  return size * n;
}

int check_deadline(void* user, curl_off_t, curl_off_t dlnow, curl_off_t, curl_off_t ulnow) {
  auto* budget = static_cast<RequestBudget*>(user);
  budget->moved(static_cast<uint64_t>(dlnow + ulnow) - budget->moved_bytes());
  return budget->spent() ? 1 : 0;  // nonzero: libcurl aborts the transfer
}

size_t read_body(char* buffer, size_t size, size_t n, void* user) {
  auto* up = static_cast<Upload*>(user);
  size_t len = std::min(size * n, up->data->size() - up->pos);
  std::memcpy(buffer, up->data->data() + up->pos, len);
  up->pos += len;
  return len;
}

std::string getenv_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

}  // namespace

AwsCredentials load_aws_credentials() {
  AwsCredentials c{getenv_or("AWS_ACCESS_KEY_ID", ""), getenv_or("AWS_SECRET_ACCESS_KEY", ""),
                   getenv_or("AWS_SESSION_TOKEN", "")};
  if (!c.access_key.empty() && !c.secret_key.empty()) return c;
  std::string file = getenv_or("AWS_SHARED_CREDENTIALS_FILE", home_dir() + "/.aws/credentials");
  std::string profile = "[" + getenv_or("AWS_PROFILE", "default") + "]";
  auto text = try_read_file(file);
  if (text) {
    std::istringstream in(*text);
    std::string line;
    bool in_profile = false;
    while (std::getline(in, line)) {
      if (!line.empty() && line[0] == '[') {
        in_profile = line.substr(0, line.find(']') + 1) == profile;
        continue;
      }
      auto eq = line.find('=');
      if (!in_profile || eq == std::string::npos) continue;
      auto trim = [](std::string s) {
        s.erase(0, s.find_first_not_of(" \t"));
        s.erase(s.find_last_not_of(" \t\r") + 1);
        return s;
      };
      std::string k = trim(line.substr(0, eq)), v = trim(line.substr(eq + 1));
      if (k == "aws_access_key_id") c.access_key = v;
      if (k == "aws_secret_access_key") c.secret_key = v;
      if (k == "aws_session_token") c.session_token = v;
    }
  }
  if (c.access_key.empty() || c.secret_key.empty()) {
    throw std::runtime_error("no AWS credentials (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or " + file + ")");
  }
  return c;
}

HttpStorage::HttpStorage(const RemoteUrl& url, const RemoteLimits& limits) : limits_(limits) {
  static const bool curl_ready = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
  if (!curl_ready) throw std::runtime_error("libcurl initialisation failed");
  std::string prefix = url.path.empty() ? "" : url.path + "/";
  if (url.scheme == "s3") {
    std::string region = url.query.count("region") ? url.query.at("region") : "us-east-1";
    if (url.query.count("endpoint")) {
      std::string endpoint = url.query.at("endpoint");
      while (!endpoint.empty() && endpoint.back() == '/') endpoint.pop_back();
      base_ = endpoint + "/" + url.host + "/" + prefix;  // path-style: any S3-compatible server
    } else {
      base_ = "https://" + url.host + ".s3." + region + ".amazonaws.com/" + prefix;
    }
    sigv4_ = "aws:amz:" + region + ":s3";
    AwsCredentials c = load_aws_credentials();
    credentials_ = c.access_key + ":" + c.secret_key;
    session_token_ = c.session_token;
  } else {
    base_ = url.scheme + "://" + url.host + (url.port ? ":" + std::to_string(url.port) : "") + "/" + prefix;
    user_ = url.user;
    password_ = url.password;
  }
}

HttpStorage::Response HttpStorage::request(const std::string& method, const std::string& key, const std::string* body) {
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), &curl_easy_cleanup);
  if (!curl) throw std::runtime_error("libcurl: cannot create a handle");
  std::string url = base_ + key;
  if (body && body->size() > limits_.max_object_bytes) {
    throw std::runtime_error(method + " " + url + ": " + std::to_string(body->size()) + " bytes, over the " +
                             std::to_string(limits_.max_object_bytes) + "-byte object cap");
  }
  CURL* h = curl.get();
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(limits_.connect_timeout_ms));
  // A slow server is a dead one: give up when under 1 KiB/s for the I/O timeout ...
  curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1024L);
  curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, std::max(1L, static_cast<long>(limits_.io_timeout_ms / 1000)));
  // ... and a steady trickle is cut by the request's total deadline.
  RequestBudget budget(limits_);
  curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, check_deadline);
  curl_easy_setopt(h, CURLOPT_XFERINFODATA, &budget);
  // A Content-Length over the cap is refused before the body is read; a body without one (chunked,
  // or longer than announced) is stopped by write_body.
  Download download{{}, limits_.max_object_bytes};
  curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(limits_.max_object_bytes));
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, write_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &download);
  if (!user_.empty() || !password_.empty()) {
    curl_easy_setopt(h, CURLOPT_USERNAME, user_.c_str());
    curl_easy_setopt(h, CURLOPT_PASSWORD, password_.c_str());
  }
  curl_slist* headers = nullptr;
  if (!sigv4_.empty()) {
    curl_easy_setopt(h, CURLOPT_AWS_SIGV4, sigv4_.c_str());
    curl_easy_setopt(h, CURLOPT_USERPWD, credentials_.c_str());
    if (!session_token_.empty()) headers = curl_slist_append(headers, ("x-amz-security-token: " + session_token_).c_str());
    // S3 requires the payload hash header on every SigV4 request; libcurl signs what it is given.
    headers = curl_slist_append(headers, "x-amz-content-sha256: UNSIGNED-PAYLOAD");
  }
  Upload upload{body};
  if (method == "PUT") {
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(h, CURLOPT_READFUNCTION, read_body);
    curl_easy_setopt(h, CURLOPT_READDATA, &upload);
    curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(body->size()));
    headers = curl_slist_append(headers, "Content-Type: application/octet-stream");
    headers = curl_slist_append(headers, "Expect:");
  } else if (method != "GET") {
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method.c_str());
  }
  if (headers) curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
  CURLcode rc = curl_easy_perform(h);
  curl_slist_free_all(headers);
  if (rc == CURLE_FILESIZE_EXCEEDED || download.over_cap) {
    throw std::runtime_error(method + " " + url + ": reply body over the " + std::to_string(limits_.max_object_bytes) +
                             "-byte object cap, refused");
  }
  if (rc == CURLE_ABORTED_BY_CALLBACK) {
    throw std::runtime_error(method + " " + url + ": not done within the request deadline (" +
                             std::to_string(budget.allowed_ms()) + " ms for " + std::to_string(budget.moved_bytes()) +
                             " bytes)");
  }
  if (rc != CURLE_OK) throw std::runtime_error(method + " " + url + ": " + curl_easy_strerror(rc));
  Response response;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &response.status);
  response.body = std::move(download.body);
  return response;
}

std::optional<std::string> HttpStorage::get(const std::string& key) {
  Response r = request("GET", key, nullptr);
  if (r.status == 404) return std::nullopt;
  if (r.status != 200) throw std::runtime_error("GET " + base_ + key + ": HTTP " + std::to_string(r.status));
  return std::move(r.body);
}

void HttpStorage::put(const std::string& key, const std::string& bytes) {
  Response r = request("PUT", key, &bytes);
  if (r.status < 200 || r.status >= 300) {
    throw std::runtime_error("PUT " + base_ + key + ": HTTP " + std::to_string(r.status));
  }
}

void HttpStorage::remove(const std::string& key) {
  Response r = request("DELETE", key, nullptr);
  if (r.status >= 300 && r.status != 404) {
    throw std::runtime_error("DELETE " + base_ + key + ": HTTP " + std::to_string(r.status));
  }
}

}  // namespace cratecache
