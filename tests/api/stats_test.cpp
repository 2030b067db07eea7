// Black-box: users listing and statistics (docs/openapi.yaml tag users and
// docs/api.md "Statistics").
#include "support/api_helpers.h"
#include "support/parkd_process.h"

#include <date/date.h>
#include <date/tz.h>
#include <gtest/gtest.h>

#include <map>

namespace parkd::test {
namespace {

constexpr std::int64_t kHour = 3600;

// The last `n` local dates ending today in `zone`, oldest first ("YYYY-MM-DD").
std::vector<std::string> last_days(int n, const std::string& zone = "UTC") {
  auto local = date::make_zoned(zone, std::chrono::system_clock::now()).get_local_time();
  auto today = date::floor<date::days>(local);
  std::vector<std::string> out;
  for (int i = n - 1; i >= 0; --i) out.push_back(date::format("%Y-%m-%d", today - date::days{i}));
  return out;
}

// The last `n` months ending this one, UTC, oldest first ("YYYY-MM").
std::vector<std::string> last_months(int n) {
  date::year_month_day today{date::floor<date::days>(std::chrono::system_clock::now())};
  date::year_month ym{today.year(), today.month()};
  std::vector<std::string> out;
  for (int i = n - 1; i >= 0; --i) out.push_back(date::format("%Y-%m", ym - date::months{i}));
  return out;
}

std::vector<std::string> labels(const json& series, const char* key) {
  std::vector<std::string> out;
  for (const auto& e : series) out.push_back(e[key].get<std::string>());
  return out;
}

// Bookings in `list` whose start_time falls on `day` (UTC) / in `month`.
std::int64_t started_on(const json& list, const std::string& prefix) {
  std::int64_t n = 0;
  for (const auto& b : list) n += b["start_time"].get<std::string>().starts_with(prefix);
  return n;
}

// One server per fixture: the statistics are whole-system numbers.
class StatsApi : public ::testing::Test {
 protected:
  void SetUp() override {
    parkd_ = std::make_unique<ParkdProcess>();
    admin_ = parkd_->admin_token();
  }
  HttpClient http() const { return parkd_->client(); }
  json booked(const HttpResult& r) const {
    EXPECT_EQ(r.status, 201) << r.body;
    return r.json()["booking"];
  }
  void release(const json& b, const std::string& token) const {
    auto r = http().post("/api/release/" + b["id"].dump(), json(), token);
    EXPECT_EQ(r.status, 200) << r.body;
  }
  void cancel(const json& b, const std::string& token) const {
    auto r = http().post("/api/bookings/" + b["id"].dump() + "/cancel", json(), token);
    EXPECT_EQ(r.status, 200) << r.body;
  }
  json get_json(const std::string& path, const std::string& token) const {
    auto r = http().get(path, token);
    EXPECT_EQ(r.status, 200) << path << ": " << r.body;
    return r.json();
  }

  std::unique_ptr<ParkdProcess> parkd_;
  std::string admin_;
};

TEST_F(StatsApi, ANewUsersStatsAreZerosWithCompleteSeries) {
  auto me = make_user(*parkd_);
  auto s = get_json("/api/stats/user", me.token);
  for (const char* key :
       {"total_bookings", "active_bookings", "reserved_bookings", "completed_bookings",
        "cancelled_bookings", "total_spent", "total_hours"}) {
    EXPECT_EQ(s[key], 0) << key;
  }
  EXPECT_TRUE(s["favourite_lot"].is_null());
  EXPECT_EQ(s["lots"], json::array());
  EXPECT_EQ(labels(s["monthly_bookings"], "month"), last_months(6));
  for (const auto& m : s["monthly_bookings"]) {
    EXPECT_EQ(m["bookings"], 0);
    EXPECT_EQ(m["spending"], 0);
  }
  EXPECT_EQ(labels(s["daily_bookings"], "date"), last_days(30));
  for (const auto& d : s["daily_bookings"]) EXPECT_EQ(d["bookings"], 0);
}

TEST_F(StatsApi, UserStatsCountEachStatusAndMoneyOnlyForCompletedBookings) {
  auto me = make_user(*parkd_);
  auto someone = make_user(*parkd_);
  auto garage = create_lot(http(), admin_, 5, 2);
  auto yard = create_lot(http(), admin_, 5, 3);
  booked(book(http(), me.token, {{"lot_id", garage["id"]}}));  // Active
  release(booked(book(http(), me.token, {{"lot_id", garage["id"]}})), me.token);
  release(booked(book(http(), me.token, {{"lot_id", garage["id"]}})), me.token);
  booked(book(http(), me.token, reservation(yard["id"], 2 * kHour, 3 * kHour)));  // Reserved
  cancel(booked(book(http(), me.token, reservation(yard["id"], 4 * kHour, 5 * kHour))), me.token);
  release(booked(book(http(), someone.token, {{"lot_id", yard["id"]}})), someone.token);

  auto s = get_json("/api/stats/user", me.token);
  EXPECT_EQ(s["total_bookings"], 5);
  EXPECT_EQ(s["active_bookings"], 1);
  EXPECT_EQ(s["reserved_bookings"], 1);
  EXPECT_EQ(s["completed_bookings"], 2);
  EXPECT_EQ(s["cancelled_bookings"], 1);
  EXPECT_EQ(s["total_spent"], 4);  // two minimum charges at 2.00; not the reservation's 3.00
  EXPECT_EQ(s["favourite_lot"], garage["name"]);
  ASSERT_EQ(s["lots"].size(), 2u);
  EXPECT_EQ(
      s["lots"][0],
      json(
          {{"lot_id", garage["id"]}, {"lot_name", garage["name"]}, {"bookings", 3}, {"spent", 4}}));
  EXPECT_EQ(
      s["lots"][1],
      json({{"lot_id", yard["id"]}, {"lot_name", yard["name"]}, {"bookings", 2}, {"spent", 0}}));

  auto mine = get_json("/api/bookings", me.token)["bookings"];
  auto this_month = s["monthly_bookings"].back();
  EXPECT_EQ(this_month["month"], last_months(1)[0]);
  EXPECT_EQ(this_month["bookings"], started_on(mine, last_months(1)[0]));
  EXPECT_EQ(this_month["spending"], 4);
  auto today = s["daily_bookings"].back();
  EXPECT_EQ(today["date"], last_days(1)[0]);
  EXPECT_EQ(today["bookings"], started_on(mine, last_days(1)[0]));
}

TEST_F(StatsApi, AReservationCountsOnTheDayItStarts) {
  auto me = make_user(*parkd_);
  auto lot = create_lot(http(), admin_, 1);
  booked(book(http(), me.token, reservation(lot["id"], 2 * 86400, 2 * 86400 + kHour)));
  auto s = get_json("/api/stats/user", me.token);
  EXPECT_EQ(s["total_bookings"], 1);
  std::int64_t in_days = 0;
  for (const auto& d : s["daily_bookings"]) in_days += d["bookings"].get<std::int64_t>();
  EXPECT_EQ(in_days, 0);
}

TEST_F(StatsApi, AUsersStatsKeepADeletedLotsName) {
  auto me = make_user(*parkd_);
  auto lot = create_lot(http(), admin_, 1, 2);
  release(booked(book(http(), me.token, {{"lot_id", lot["id"]}})), me.token);
  ASSERT_EQ(http().del("/api/lots/" + lot["id"].dump(), admin_).status, 200);
  auto s = get_json("/api/stats/user", me.token);
  EXPECT_EQ(s["favourite_lot"], lot["name"]);
  ASSERT_EQ(s["lots"].size(), 1u);
  EXPECT_EQ(s["lots"][0]["lot_name"], lot["name"]);
  EXPECT_EQ(s["total_spent"], 2);
}

TEST_F(StatsApi, AUsersStatsNameARenamedLotByItsCurrentName) {
  auto me = make_user(*parkd_);
  auto lot = create_lot(http(), admin_, 2);
  booked(book(http(), me.token, {{"lot_id", lot["id"]}}));
  std::string name = unique_name("Renamed");
  ASSERT_EQ(http().put("/api/lots/" + lot["id"].dump(), {{"name", name}}, admin_).status, 200);
  booked(book(http(), me.token, {{"lot_id", lot["id"]}}));
  auto s = get_json("/api/stats/user", me.token);
  EXPECT_EQ(s["favourite_lot"], name);
  ASSERT_EQ(s["lots"].size(), 1u);
  EXPECT_EQ(s["lots"][0]["lot_name"], name);
  EXPECT_EQ(s["lots"][0]["bookings"], 2);
  EXPECT_EQ(get_json("/api/stats/admin", admin_)["revenue_by_lot"][0]["lot_name"], name);
}

TEST_F(StatsApi, AdminStatsCountTheWholeSystem) {
  auto ann = make_user(*parkd_);
  auto bob = make_user(*parkd_);
  auto garage = create_lot(http(), admin_, 4, 2);
  auto yard = create_lot(http(), admin_, 2, 5);
  booked(book(http(), ann.token, {{"lot_id", garage["id"]}}));  // Active: 1 of 6 spots
  release(booked(book(http(), bob.token, {{"lot_id", garage["id"]}})), bob.token);
  booked(book(http(), ann.token, reservation(yard["id"], 2 * kHour, 4 * kHour)));
  cancel(booked(book(http(), bob.token, reservation(yard["id"], 5 * kHour, 6 * kHour))), bob.token);

  auto s = get_json("/api/stats/admin", admin_);
  EXPECT_EQ(s["total_users"], 3);
  EXPECT_EQ(s["total_lots"], 2);
  EXPECT_EQ(s["total_spots"], 6);
  EXPECT_EQ(s["occupancy_rate"], 16.7);
  EXPECT_EQ(s["total_bookings"], 4);
  EXPECT_EQ(s["active_bookings"], 1);
  EXPECT_EQ(s["reserved_bookings"], 1);
  EXPECT_EQ(s["completed_bookings"], 1);
  EXPECT_EQ(s["cancelled_bookings"], 1);
  EXPECT_EQ(s["total_revenue"], 2);
  ASSERT_EQ(s["revenue_by_lot"].size(), 2u);
  EXPECT_EQ(s["revenue_by_lot"][0], json({{"lot_id", garage["id"]},
                                          {"lot_name", garage["name"]},
                                          {"revenue", 2},
                                          {"bookings", 2}}));
  EXPECT_EQ(
      s["revenue_by_lot"][1],
      json({{"lot_id", yard["id"]}, {"lot_name", yard["name"]}, {"revenue", 0}, {"bookings", 2}}));

  EXPECT_EQ(labels(s["daily_bookings"], "date"), last_days(30));
  auto all = admin_bookings(http(), admin_, "");
  auto today = s["daily_bookings"].back();
  EXPECT_EQ(today["bookings"], started_on(all, last_days(1)[0]));
  EXPECT_EQ(today["revenue"], 2);
  for (std::size_t i = 0; i + 1 < s["daily_bookings"].size(); ++i) {
    EXPECT_EQ(s["daily_bookings"][i]["bookings"], 0);
    EXPECT_EQ(s["daily_bookings"][i]["revenue"], 0);
  }
}

TEST_F(StatsApi, OccupancyIsZeroWithoutSpots) {
  auto s = get_json("/api/stats/admin", admin_);
  EXPECT_EQ(s["occupancy_rate"], 0);
  EXPECT_EQ(s["total_spots"], 0);
  EXPECT_EQ(s["revenue_by_lot"], json::array());
}

TEST_F(StatsApi, OccupancyCountsAStartedReservation) {
  auto me = make_user(*parkd_);
  auto lot = create_lot(http(), admin_, 3);
  booked(book(http(), me.token, reservation(lot["id"], -60, kHour)));
  booked(book(http(), me.token, reservation(lot["id"], 2 * kHour, 3 * kHour)));
  auto s = get_json("/api/stats/admin", admin_);
  EXPECT_EQ(s["occupancy_rate"], 33.3);
  EXPECT_EQ(s["active_bookings"], 1);
  EXPECT_EQ(s["reserved_bookings"], 1);
}

TEST_F(StatsApi, UsersListingShowsEachUsersTotals) {
  auto ann = make_user(*parkd_);
  auto bob = make_user(*parkd_);
  auto lot = create_lot(http(), admin_, 3, 2);
  booked(book(http(), ann.token, {{"lot_id", lot["id"]}}));
  auto last = booked(book(http(), ann.token, reservation(lot["id"], kHour, 2 * kHour)));
  release(booked(book(http(), bob.token, {{"lot_id", lot["id"]}})), bob.token);
  release(booked(book(http(), bob.token, {{"lot_id", lot["id"]}})), bob.token);

  auto r = get_json("/api/users", admin_);
  EXPECT_EQ(r["total"], 3);
  ASSERT_EQ(r["users"].size(), 3u);
  std::map<std::string, json> by_email;
  for (const auto& u : r["users"]) by_email[u["email"].get<std::string>()] = u;

  auto a = by_email[ann.email];
  EXPECT_EQ(a["id"], ann.id);
  EXPECT_EQ(a["roles"], json::array({"user"}));
  EXPECT_EQ(a["total_bookings"], 2);
  EXPECT_EQ(a["active_bookings"], 1);
  EXPECT_EQ(a["total_spent"], 0);
  EXPECT_EQ(a["last_booking_at"], last["created_at"]);
  EXPECT_FALSE(a.contains("password_hash"));

  auto b = by_email[bob.email];
  EXPECT_EQ(b["total_bookings"], 2);
  EXPECT_EQ(b["active_bookings"], 0);
  EXPECT_EQ(b["total_spent"], 4);

  auto admin = by_email[kAdminEmail];
  EXPECT_EQ(admin["roles"], json::array({"admin"}));
  EXPECT_EQ(admin["total_bookings"], 0);
  EXPECT_TRUE(admin["last_booking_at"].is_null());
}

// The calendar of the statistics is the configured TIMEZONE's: pick a zone whose date
// differs from UTC's right now.
TEST(StatsInATimeZone, DaysAreTheConfiguredZonesDays) {
  auto utc_hour = date::make_time(std::chrono::system_clock::now() -
                                  date::floor<date::days>(std::chrono::system_clock::now()))
                      .hours()
                      .count();
  std::string zone = utc_hour >= 10 ? "Pacific/Kiritimati" : "Pacific/Pago_Pago";
  ParkdProcess parkd(Env{{"TIMEZONE", zone}});
  auto http = parkd.client();
  auto admin = parkd.admin_token();
  auto lot = create_lot(http, admin, 2);
  ASSERT_EQ(book(http, admin, {{"lot_id", lot["id"]}}).status, 201);
  auto days = last_days(30, zone);
  ASSERT_NE(days.back(), last_days(1)[0]) << "the zone's date should differ from UTC's";

  auto s = http.get("/api/stats/admin", admin).json();
  EXPECT_EQ(labels(s["daily_bookings"], "date"), days);
  EXPECT_EQ(s["daily_bookings"].back()["bookings"], 1);
  auto u = http.get("/api/stats/user", admin).json();
  EXPECT_EQ(labels(u["daily_bookings"], "date"), days);
  EXPECT_EQ(u["daily_bookings"].back()["bookings"], 1);
  EXPECT_EQ(u["monthly_bookings"].back()["month"], days.back().substr(0, 7));
  EXPECT_EQ(u["monthly_bookings"].back()["bookings"], 1);
}

}  // namespace
}  // namespace parkd::test
