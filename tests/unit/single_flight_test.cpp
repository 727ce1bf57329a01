#include "job/single_flight.h"

#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "scratch_dir.h"

namespace cratecache {
namespace {

TEST(SingleFlight, SecondHolderWaitsAndLockDiesWithItsOwner) {
  ScratchDir scratch("flight");
  StoreLayout layout(scratch.path().string());
  const std::string kKey(64, 'a');
  {
    SingleFlight first(layout, kKey);
    ASSERT_TRUE(first.try_lock());
    SingleFlight second(layout, kKey);
    EXPECT_FALSE(second.try_lock());
    EXPECT_FALSE(second.wait(std::chrono::milliseconds(50)));
  }
  pid_t child = ::fork();
  if (child == 0) {
    SingleFlight held(layout, kKey);
    held.try_lock();
    ::pause();  // killed below while holding the lock
    ::_exit(0);
  }
  ::usleep(100000);
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  SingleFlight after(layout, kKey);
  EXPECT_TRUE(after.wait(std::chrono::milliseconds(1000)));
}

}  // namespace
}  // namespace cratecache
