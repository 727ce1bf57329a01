#pragma once
// Remote tier over HTTP(S) with libcurl: GET/PUT/DELETE of `<url>/<name>`. Works with nginx's
// WebDAV module, bazel-remote's /ac/ namespace (names are 64 hex digits), and S3 (`s3://bucket/prefix`,
// AWS SigV4 signed by libcurl, credentials from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/
// AWS_SESSION_TOKEN or ~/.aws/credentials). Every request obeys RemoteLimits: the connect timeout, a
// stall limit (under 1 KiB/s for the I/O timeout), a total deadline (request_budget.h) and the
// object cap (Content-Length checked before the body, the body itself as it arrives). Redirections
// are not followed.
#include <string>

#include "store/remote/remote_config.h"
#include "store/storage.h"

namespace cratecache {

class HttpStorage : public Storage {
 public:
  HttpStorage(const RemoteUrl& url, const RemoteLimits& limits);

  std::optional<std::string> get(const std::string& key) override;
  void put(const std::string& key, const std::string& bytes) override;
  void remove(const std::string& key) override;

 private:
  struct Response {
    long status = 0;
    std::string body;
  };
  Response request(const std::string& method, const std::string& key, const std::string* body);

  std::string base_;       // URL up to the object name, ending in '/'
  std::string sigv4_;      // libcurl's CURLOPT_AWS_SIGV4 value, empty when not S3
  std::string credentials_;  // "key:secret" for S3
  std::string session_token_;
  std::string user_;  // http(s) basic auth from the URL
  std::string password_;
  RemoteLimits limits_;
};

struct AwsCredentials {
  std::string access_key;
  std::string secret_key;
  std::string session_token;
};

// From the standard environment variables, else the [default] (or $AWS_PROFILE) section of
// ~/.aws/credentials (or $AWS_SHARED_CREDENTIALS_FILE). Throws when none are found.
AwsCredentials load_aws_credentials();

}  // namespace cratecache
