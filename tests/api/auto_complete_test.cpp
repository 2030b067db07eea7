// A reservation not released by reserved_end is completed by the periodic
// complete_reservations job (docs/api.md "Bookings").
#include "support/api_helpers.h"
#include "support/parkd_process.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

namespace parkd::test {
namespace {

TEST(AutoComplete, AReservationPastItsEndIsCompletedWithItsWindowCost) {
  TempDir dir;
  std::int64_t booking_id = 0;
  std::string token, reserved_start, reserved_end;
  {
    // No scheduler: its every-minute sweep would complete the reservation on its own
    // whenever a minute turned, before the test looks.
    ParkdProcess today({}, {"serve", "--no-scheduler"}, dir.path());
    auto admin = today.admin_token();
    auto lot = create_lot(today.client(), admin, 1, 2.5);
    token = today.register_user("auto-complete@example.com");
    reserved_start = iso_from_now(600);
    reserved_end = iso_from_now(600 + 5400);  // 90 minutes at 2.50 = 3.75
    auto r = today.client().post("/api/book",
                                 {{"lot_id", lot["id"]},
                                  {"booking_type", "reserved"},
                                  {"reserved_start", reserved_start},
                                  {"reserved_end", reserved_end}},
                                 token);
    ASSERT_EQ(r.status, 201) << r.body;
    booking_id = r.json()["booking"]["id"].get<std::int64_t>();
  }
  // Three hours later: the window has ended and nobody released it.
  ParkdProcess later({{"PARKD_CLOCK_OFFSET", "10800"}}, {"serve", "--no-scheduler"}, dir.path());
  auto before = later.client().get("/api/bookings/" + std::to_string(booking_id), token).json();
  EXPECT_EQ(before["booking"]["status"], "Active");
  auto queued = run_parkd({"job", "enqueue", "complete_reservations"},
                          {{"PARKD_CLOCK_OFFSET", "10800"}}, dir.path());
  ASSERT_EQ(queued.exit_code, 0) << queued.output;

  nlohmann::json booking;
  for (int i = 0; i < 100; ++i) {
    booking =
        later.client().get("/api/bookings/" + std::to_string(booking_id), token).json()["booking"];
    if (booking["status"] == "Completed") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(booking["status"], "Completed");
  EXPECT_EQ(unix_of(booking["end_time"].get<std::string>()), unix_of(reserved_end));
  EXPECT_EQ(booking["total_cost"], 3.75);
  // The spot is free again and a completed booking cannot be released.
  EXPECT_EQ(
      later.client().post("/api/release/" + std::to_string(booking_id), nullptr, token).status,
      409);
}

}  // namespace
}  // namespace parkd::test
