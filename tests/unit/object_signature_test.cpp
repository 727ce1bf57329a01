#include "store/remote/object_signature.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "scratch_dir.h"

namespace cratecache {
namespace {

class ObjectSignatureTest : public ::testing::Test {
 protected:
  void SetUp() override {
    generate_key_pair(path("builder"));
    generate_key_pair(path("other"));
  }
  std::string path(const std::string& name) const { return (scratch_.path() / name).string(); }

  ScratchDir scratch_{"signature"};
};

TEST_F(ObjectSignatureTest, KeygenWritesAPrivateKeyOnlyItsOwnerReads) {
  struct stat st {};
  ASSERT_EQ(::stat(path("builder").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_THROW(generate_key_pair(path("builder")), std::runtime_error) << "an existing key is never replaced";
  EXPECT_THROW(SigningKey::load(path("builder.pub")), std::runtime_error);
  EXPECT_THROW(TrustedKeys::load({path("builder")}), std::runtime_error) << "a private key is not a trusted key";
}

TEST_F(ObjectSignatureTest, OnlyTheSameBytesUnderTheSameNameFromATrustedKeyVerify) {
  SigningKey key = SigningKey::load(path("builder"));
  TrustedKeys trusted = TrustedKeys::load({path("other.pub"), path("builder.pub")});
  std::string signed_bytes = key.sign("entry/aa/bb", "payload", 3);
  EXPECT_EQ(trusted.verify("entry/aa/bb", signed_bytes, 0).value_or("-"), "payload");
  EXPECT_EQ(trusted.verify("entry/aa/bb", signed_bytes, 3).value_or("-"), "payload");
  // Served under another name: another crate's entry, or an older result of this input key.
  EXPECT_FALSE(trusted.verify("entry/aa/cc", signed_bytes, 0));
  EXPECT_FALSE(trusted.verify("manifest/aa/bb", signed_bytes, 0));
  // Revoked by a newer epoch.
  EXPECT_FALSE(trusted.verify("entry/aa/bb", signed_bytes, 4));
  // Other bytes under the signature; a trailer re-stamped with a newer epoch.
  std::string tampered = signed_bytes;
  tampered[2] ^= 1;
  EXPECT_FALSE(trusted.verify("entry/aa/bb", tampered, 0));
  std::string restamped = signed_bytes;
  restamped[7 + 6 + 32] = 9;
  EXPECT_FALSE(trusted.verify("entry/aa/bb", restamped, 0));
  // Not signed at all, or by a key nobody trusts.
  EXPECT_FALSE(trusted.verify("entry/aa/bb", "payload", 0));
  EXPECT_FALSE(TrustedKeys::load({path("other.pub")}).verify("entry/aa/bb", signed_bytes, 0));
  EXPECT_EQ(without_signature(signed_bytes), "payload");
}

}  // namespace
}  // namespace cratecache
