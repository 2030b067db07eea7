#include "support/parkd_process.h"

#include <gtest/gtest.h>

namespace parkd::test {

TEST(Smoke, HealthzAnswersOkOnAFreshDatabase) {
  ParkdProcess parkd;
  auto r = parkd.client().get("/healthz");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.json()["status"], "ok");
}

}  // namespace parkd::test
