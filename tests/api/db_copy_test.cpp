// `parkd db copy`: moving an existing SQLite installation to PostgreSQL. Runs in the pg.*
// pass only, where a PostgreSQL server is there to copy into.
#include "support/api_helpers.h"
#include "support/job_support.h"
#include "support/parkd_process.h"
#include "support/test_database.h"

#include <gtest/gtest.h>

namespace parkd::test {
namespace {

class DbCopy : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!testing_postgres()) GTEST_SKIP() << "needs a PostgreSQL server (the pg.* run)";
  }
  std::string sqlite_url() const { return "sqlite:///" + (old_.path() / "parking.db").string(); }
  Env on_sqlite() const { return {{"DATABASE_URL", sqlite_url()}}; }

  TempDir old_;  // the SQLite installation
  TempDir new_;  // its PostgreSQL database (database_url_for)
};

TEST_F(DbCopy, MovesUsersLotsAndBookingsWithTheirIdsAndNewIdsContinueAfterThem) {
  ASSERT_EQ(run_parkd({"db", "seed", "--demo"}, on_sqlite(), old_.path()).exit_code, 0);
  json booking;
  std::int64_t lot_id = 0;
  {
    ParkdProcess sqlite(on_sqlite(), {"serve"}, old_.path());
    auto login = sqlite.client().post("/auth/login",
                                      {{"email", "user@parking.com"}, {"password", "user1234"}});
    ASSERT_EQ(login.status, 200) << login.body;
    std::string token = login.json()["token"];
    lot_id = sqlite.client().get("/api/lots", token).json()["lots"][0]["id"];
    auto booked = book(sqlite.client(), token, {{"lot_id", lot_id}, {"vehicle_number", "CP 1"}});
    ASSERT_EQ(booked.status, 201) << booked.body;
    booking = booked.json()["booking"];
  }

  std::string target = database_url_for(new_.path());
  auto copied = run_parkd({"db", "copy", "--from", sqlite_url(), "--to", target}, {}, new_.path());
  ASSERT_EQ(copied.exit_code, 0) << copied.output;
  EXPECT_EQ(copied.output.find(target.substr(target.find('@'))), std::string::npos)
      << "the target URL is not echoed (it may hold a password)";

  ParkdProcess pg({}, {"serve"}, new_.path());
  auto login =
      pg.client().post("/auth/login", {{"email", "user@parking.com"}, {"password", "user1234"}});
  ASSERT_EQ(login.status, 200) << "the password hash came along: " << login.body;
  std::string token = login.json()["token"];
  auto mine = pg.client().get("/api/bookings", token);
  ASSERT_EQ(mine.status, 200) << mine.body;
  ASSERT_EQ(mine.json()["bookings"].size(), 1u) << mine.body;
  json moved = mine.json()["bookings"][0];
  EXPECT_EQ(moved["id"], booking["id"]);
  EXPECT_EQ(moved["spot_id"], booking["spot_id"]);
  EXPECT_EQ(moved["start_time"], booking["start_time"]);
  EXPECT_EQ(moved["status"], "Active");
  EXPECT_EQ(get_lot(pg.client(), token, lot_id)["occupied_spots"], 1);

  // The still-active booking holds its spot: the next driver gets spot 2.
  auto driver = make_user(pg);
  auto next = book(pg.client(), driver.token, {{"lot_id", lot_id}});
  ASSERT_EQ(next.status, 201) << next.body;
  EXPECT_GT(next.json()["booking"]["id"], booking["id"]);
  EXPECT_NE(next.json()["booking"]["spot_id"], booking["spot_id"]);
  EXPECT_GT(driver.id, 2) << "new users continue after the copied ids";
  auto lot = create_lot(pg.client(), pg.admin_token(), 3);
  EXPECT_GT(lot["id"], lot_id);
}

TEST_F(DbCopy, RefusesATargetThatAlreadyHasDataAndASourceThatIsNotSqlite) {
  ASSERT_EQ(run_parkd({"db", "seed", "--demo"}, on_sqlite(), old_.path()).exit_code, 0);
  std::string target = database_url_for(new_.path());
  ASSERT_EQ(
      run_parkd({"db", "copy", "--from", sqlite_url(), "--to", target}, {}, new_.path()).exit_code,
      0);
  auto again = run_parkd({"db", "copy", "--from", sqlite_url(), "--to", target}, {}, new_.path());
  EXPECT_NE(again.exit_code, 0);
  EXPECT_NE(again.output.find("already has"), std::string::npos) << again.output;

  auto wrong = run_parkd({"db", "copy", "--from", target, "--to", target}, {}, new_.path());
  EXPECT_NE(wrong.exit_code, 0);
  EXPECT_NE(wrong.output.find("--from must be a sqlite"), std::string::npos) << wrong.output;
}

}  // namespace
}  // namespace parkd::test
