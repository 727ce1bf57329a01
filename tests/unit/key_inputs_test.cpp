#include "key/key_inputs.h"

#include <gtest/gtest.h>

#include "key/manifest.h"
#include "key/stat_cache.h"
#include "scratch_dir.h"

namespace cratecache {
namespace {

TEST(KeyHasher, HashesAsPlainFieldsWhetherRecordingOrNot) {
  Sha256 plain;
  for (const char* f : {"v1", "--cfg", "feature=\"std\"", "env", "FOO", "bar"}) plain.field(f);
  KeyInputs inputs;
  KeyHasher recording(&inputs), silent;
  for (KeyHasher* h : {&recording, &silent}) {
    h->field("v1");
    h->field("--cfg");
    h->input("--cfg", "", "feature=\"std\"");
    h->field("env");
    h->field("FOO");
    h->secret_input("env", "FOO", "bar");
  }
  std::string want = plain.hex_final();
  EXPECT_EQ(want, recording.hex_final());
  EXPECT_EQ(want, silent.hex_final());
  ASSERT_EQ(2u, inputs.size());
  EXPECT_EQ((KeyInput{"--cfg", "feature=\"std\""}), inputs[0]);
  EXPECT_EQ("env FOO", inputs[1].label);
  EXPECT_EQ(shown_digest("bar"), inputs[1].value) << "a secret's value is never recorded";
}

TEST(DiffInputs, ComparesRepeatedLabelsAsMultisets) {
  KeyInputs now{{"--cfg", "a"}, {"--cfg", "b"}, {"-C", "opt-level=3"}, {"env X", "1"}};
  KeyInputs stored{{"--cfg", "b"}, {"--cfg", "a"}, {"-C", "opt-level=0"}, {"env Y", "1"}};
  auto d = diff_inputs(now, stored);
  ASSERT_EQ(3u, d.size());
  EXPECT_EQ("-C", d[0].label);
  EXPECT_EQ(std::vector<std::string>{"opt-level=3"}, d[0].now);
  EXPECT_EQ(std::vector<std::string>{"opt-level=0"}, d[0].stored);
  EXPECT_EQ("env X", d[1].label);
  EXPECT_TRUE(d[1].stored.empty());
  EXPECT_EQ("env Y", d[2].label);
  EXPECT_TRUE(d[2].now.empty());
  EXPECT_TRUE(diff_inputs(now, now).empty());
}

TEST(Manifest, KeepsItsDescriptionAndNamesTheMismatch) {
  Manifest m;
  m.describe({"itoa", "lib", {{"-C", "opt-level=0"}}});
  ManifestCandidate c;
  c.env.push_back({"CRATECACHE_TEST_UNSET_VAR", std::string("was-set")});
  c.result_key = "tc/abc";
  m.add(c);
  Manifest back = Manifest::parse(m.serialize());
  EXPECT_EQ("itoa", back.description().name);
  EXPECT_EQ("lib", back.description().kind);
  EXPECT_EQ(m.description().inputs, back.description().inputs);
  EnvLookup no_env = [](const char*) -> const char* { return nullptr; };
  ScratchDir scratch("key-inputs");
  StatCache digests((scratch.path() / "stat").string());
  EXPECT_EQ(std::vector<std::string>{"env CRATECACHE_TEST_UNSET_VAR changed"},
            back.mismatches(PathNormaliser(), no_env, digests));
  EXPECT_FALSE(back.match(PathNormaliser(), no_env, digests));
}

}  // namespace
}  // namespace cratecache
