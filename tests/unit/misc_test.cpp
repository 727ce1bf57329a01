// Small units: config, manifest, single-flight, signatures, remote URLs, build-script directives,
// materialisation safety, project records.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <map>

#include "config/config.h"
#include "key/directives.h"
#include "key/manifest.h"
#include "manager/project_record.h"
#include "store/materialise.h"
#include "store/remote/entry_signature.h"
#include "store/remote/remote_config.h"
#include "store/single_flight.h"
#include "scratch_dir.h"
#include "util/fs.h"

namespace cratecache {
namespace {

namespace fs = std::filesystem;

TEST(Config, EnvironmentOverridesFileAndBadValuesAreReported) {
  ScratchDir scratch("config");
  fs::path dir = scratch.path();
  write_file_atomic((dir / "config.toml").string(), "max_size = \"2G\"\ncache_path_packages = true\n");
  std::map<std::string, std::string> env{{"CRATECACHE_DIR", dir.string()}, {"CRATECACHE_MAX_SIZE", "512M"}};
  auto lookup = [&env](const char* n) -> const char* {
    auto it = env.find(n);
    return it == env.end() ? nullptr : it->second.c_str();
  };
  Config c = Config::load(lookup);
  EXPECT_EQ(c.max_size, 512ULL << 20);
  EXPECT_TRUE(c.cache_path_packages);
  EXPECT_FALSE(c.read_only);
  env["CRATECACHE_READ_ONLY"] = "yes";
  EXPECT_TRUE(Config::load(lookup).read_only);
  env["CRATECACHE_MAX_SIZE"] = "lots";
  EXPECT_THROW(Config::load(lookup), std::runtime_error);
}

TEST(Config, ChoosesTheEntryCodec) {
  std::map<std::string, std::string> env{{"CRATECACHE_DIR", "/nonexistent-cratecache-dir"}};
  auto lookup = [&env](const char* n) -> const char* {
    auto it = env.find(n);
    return it == env.end() ? nullptr : it->second.c_str();
  };
  EXPECT_EQ(Config::load(lookup).compression.codec, Codec::kLz4);
  env["CRATECACHE_COMPRESSION"] = "zstd";
  env["CRATECACHE_COMPRESSION_LEVEL"] = "7";
  Config zstd = Config::load(lookup);
  EXPECT_EQ(zstd.compression.codec, Codec::kZstd);
  EXPECT_EQ(zstd.compression.zstd_level, 7);
  env["CRATECACHE_COMPRESSION_LEVEL"] = "0";  // the older spelling of "none"
  EXPECT_EQ(Config::load(lookup).compression.codec, Codec::kNone);
  env["CRATECACHE_COMPRESSION"] = "brotli";
  EXPECT_THROW(Config::load(lookup), std::runtime_error);
}

TEST(Config, ParsesSizes) {
  EXPECT_EQ(parse_size("10G"), 10ULL << 30);
  EXPECT_EQ(parse_size("1.5GiB"), 3ULL << 29);
  EXPECT_EQ(parse_size("4096"), 4096u);
  EXPECT_THROW(parse_size("3X"), std::invalid_argument);
}

TEST(Manifest, MatchesByStatOrContentAndRoundTrips) {
  ScratchDir scratch("manifest");
  fs::path dir = scratch.path();
  std::string file = (dir / "src.rs").string();
  write_file_atomic(file, "fn main() {}");
  PathNormaliser n;
  n.add_root(dir.string(), "PROJECT");
  ManifestCandidate c;
  c.files.push_back(describe_input(file, n.normalise(file)));
  c.env.push_back({"MY_VAR", std::nullopt});
  c.result_key = "tc/r1";
  Manifest m;
  m.add(c);
  Manifest copy = Manifest::parse(m.serialize());
  auto no_env = [](const char*) -> const char* { return nullptr; };
  StatCache digests((dir / "stat").string());
  EXPECT_EQ(copy.match(n, no_env, digests).value_or(""), "tc/r1");
  auto with_var = [](const char* name) -> const char* { return std::string(name) == "MY_VAR" ? "1" : nullptr; };
  EXPECT_FALSE(copy.match(n, with_var, digests)) << "an env-dep that changed must not match";
  write_file_atomic(file, "fn main() { changed(); }");
  EXPECT_FALSE(copy.match(n, no_env, digests)) << "changed content must not match";
  write_file_atomic(file, "fn main() {}");
  EXPECT_EQ(copy.match(n, no_env, digests).value_or(""), "tc/r1") << "same content, new inode: matches by digest";
}

TEST(SingleFlight, SecondHolderWaitsAndLockDiesWithItsOwner) {
  ScratchDir scratch("flight");
  fs::path dir = scratch.path();
  {
    SingleFlight first(dir.string(), "abcdef");
    ASSERT_TRUE(first.try_lock());
    SingleFlight second(dir.string(), "abcdef");
    EXPECT_FALSE(second.try_lock());
    EXPECT_FALSE(second.wait(std::chrono::milliseconds(50)));
  }
  pid_t child = ::fork();
  if (child == 0) {
    SingleFlight held(dir.string(), "abcdef");
    held.try_lock();
    ::pause();  // killed below while holding the lock
    ::_exit(0);
  }
  ::usleep(100000);
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  SingleFlight after(dir.string(), "abcdef");
  EXPECT_TRUE(after.wait(std::chrono::milliseconds(1000)));
}

TEST(EntrySignature, SignsVerifiesAndRejects) {
  EntrySignature k1("0123456789abcdef-key-one"), k2("0123456789abcdef-key-two");
  std::string signed_entry = k1.sign("entry bytes");
  EXPECT_EQ(k1.verify(signed_entry).value_or(""), "entry bytes");
  EXPECT_FALSE(k2.verify(signed_entry));
  EXPECT_FALSE(k1.verify("entry bytes"));
  std::string tampered = signed_entry;
  tampered[0] ^= 1;
  EXPECT_FALSE(k1.verify(tampered));
  EXPECT_EQ(strip_signature(signed_entry), "entry bytes");
}

TEST(RemoteUrl, ParsesEachScheme) {
  RemoteUrl r = parse_remote_url("redis://127.0.0.1:7000");
  EXPECT_EQ(r.scheme, "redis");
  EXPECT_EQ(r.port, 7000);
  RemoteUrl h = parse_remote_url("http://cache.local:8080/ac/");
  EXPECT_EQ(h.host, "cache.local");
  EXPECT_EQ(h.path, "ac");
  RemoteUrl s = parse_remote_url("s3://bucket/pre/fix?endpoint=http://127.0.0.1:9000&region=eu-west-1");
  EXPECT_EQ(s.host, "bucket");
  EXPECT_EQ(s.path, "pre/fix");
  EXPECT_EQ(s.query.at("region"), "eu-west-1");
  EXPECT_THROW(parse_remote_url("ftp://x"), std::invalid_argument);
  EXPECT_THROW(parse_remote_url("s3://bucket"), std::invalid_argument);
  EXPECT_THROW(parse_remote_policy("sometimes"), std::invalid_argument);
}

TEST(Directives, ReadsBothSyntaxes) {
  auto d = parse_rerun_directives(
      "cargo:rerun-if-changed=build.rs\ncargo::rerun-if-env-changed=FOO\ncargo:rustc-cfg=x\nnoise\r\n"
      "cargo:rerun-if-changed=data/dir\r\n");
  EXPECT_EQ(d.changed_paths, (std::vector<std::string>{"build.rs", "data/dir"}));
  EXPECT_EQ(d.env_vars, (std::vector<std::string>{"FOO"}));
}

TEST(Materialise, RejectsNamesOutsideTheDirectory) {
  EXPECT_TRUE(is_safe_entry_name("libfoo-1.rlib"));
  EXPECT_TRUE(is_safe_entry_name("sub/gen.rs"));
  for (const char* bad : {"", "/etc/passwd", "../x", "a/../../x", "a//b", "./x", "a/."}) {
    EXPECT_FALSE(is_safe_entry_name(bad)) << bad;
  }
}

TEST(Materialise, AnEntryWithATraversalNameWritesNothing) {
  ScratchDir scratch("traverse");
  fs::path dir = scratch.path();
  Entry e;
  e.crate_name = "evil";
  e.unit_kind = "lib";
  e.blobs.push_back({"../escaped", 0644, false, "owned", "", ""});
  std::string bytes = encode_entry(e, {Codec::kLz4});
  PathNormaliser n;
  StatCache digests((dir / "stat").string());
  EXPECT_THROW(materialise(bytes, (dir / "out").string(), n, digests), CorruptEntry);
  EXPECT_FALSE(fs::exists(dir / "escaped"));
}

TEST(ProjectRecord, KeepsOnlyDependencyTables) {
  std::string toml = dependency_tables(
      "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\ndescription = \"secret\"\n"
      "[dependencies]\nserde = { version = \"1\", features = [\"derive\"] }\n"
      "[dev-dependencies]\nproptest = \"1\"\n[[bin]]\nname = \"app\"\npath = \"src/main.rs\"\n"
      "[target.'cfg(unix)'.dependencies]\nlibc = \"0.2\"\n[profile.release]\nlto = true\n");
  EXPECT_NE(toml.find("serde"), std::string::npos);
  EXPECT_NE(toml.find("libc"), std::string::npos);
  EXPECT_NE(toml.find("lto"), std::string::npos);
  EXPECT_EQ(toml.find("secret"), std::string::npos);
  EXPECT_EQ(toml.find("proptest"), std::string::npos);
  EXPECT_EQ(toml.find("src/main.rs"), std::string::npos);
}

}  // namespace
}  // namespace cratecache

namespace cratecache {
namespace {

TEST(Manifest, EnvDepWithAProjectPathMatchesInAnotherProject) {
  PathNormaliser a, b;
  a.add_root("/p1/target", "TARGET");
  b.add_root("/elsewhere/p2/target", "TARGET");
  ManifestCandidate c;
  c.env.push_back({"OUT_DIR", a.normalise("/p1/target/debug/build/x-1/out")});
  c.result_key = "tc/r";
  Manifest m;
  m.add(c);
  StatCache digests("/nonexistent/stat");
  auto env_b = [](const char* n) -> const char* {
    return std::string(n) == "OUT_DIR" ? "/elsewhere/p2/target/debug/build/x-1/out" : nullptr;
  };
  EXPECT_EQ(m.match(b, env_b, digests).value_or(""), "tc/r");
  auto env_other = [](const char* n) -> const char* {
    return std::string(n) == "OUT_DIR" ? "/elsewhere/p2/target/debug/build/x-2/out" : nullptr;
  };
  EXPECT_FALSE(m.match(b, env_other, digests));
}

}  // namespace
}  // namespace cratecache
