#include "store/remote/entry_signature.h"

#include <gtest/gtest.h>

namespace cratecache {
namespace {

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

}  // namespace
}  // namespace cratecache
