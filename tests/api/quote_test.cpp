// Black-box: POST /api/quote answers what POST /api/book would give, and stores nothing
// (docs/api.md "Quotes").
#include "support/api_assertions.h"
#include "support/api_helpers.h"
#include "support/parkd_process.h"

#include <gtest/gtest.h>

namespace parkd::test {
namespace {

constexpr std::int64_t kHour = 3600;

class QuoteApi : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    parkd_ = new ParkdProcess();
    admin_ = parkd_->admin_token();
    user_ = new TestUser(make_user(*parkd_));
    other_ = new TestUser(make_user(*parkd_));
  }
  static void TearDownTestSuite() {
    delete other_;
    delete user_;
    delete parkd_;
  }

  static HttpClient http() { return parkd_->client(); }
  static HttpResult quote(const json& body, const std::string& token) {
    return http().post("/api/quote", body, token);
  }
  static json quoted(const HttpResult& r) {
    EXPECT_EQ(r.status, 200) << r.body;
    auto j = r.json();
    return j.is_object() && j.contains("quote") ? j["quote"] : json();
  }
  static std::size_t bookings_of(const json& lot) {
    return admin_bookings(http(), admin_, "lot_id=" + lot["id"].dump()).size();
  }

  static inline ParkdProcess* parkd_ = nullptr;
  static inline std::string admin_;
  static inline TestUser* user_ = nullptr;
  static inline TestUser* other_ = nullptr;
};

TEST_F(QuoteApi, AnImmediateQuoteIsTheSpotTheNextBookingGetsAtTheMinimumCharge) {
  auto lot = create_lot(http(), admin_, 3, 2.5);
  ASSERT_EQ(book(http(), other_->token, {{"lot_id", lot["id"]}}).status, 201);

  auto q = quoted(quote({{"lot_id", lot["id"]}}, user_->token));
  EXPECT_EQ(q["lot_id"], lot["id"]);
  EXPECT_EQ(q["spot_number"], 2);
  EXPECT_EQ(q["booking_type"], "immediate");
  EXPECT_TRUE(q["reserved_start"].is_null());
  EXPECT_TRUE(q["reserved_end"].is_null());
  EXPECT_EQ(q["price_per_hour"], 2.5);
  EXPECT_EQ(q["total_cost"], 2.5);  // MIN_CHARGE_MINUTES = 60 at 2.50 an hour
  EXPECT_EQ(q["currency"], "INR");
  EXPECT_EQ(bookings_of(lot), 1u);  // the quote stored nothing

  auto r = book(http(), user_->token, {{"lot_id", lot["id"]}});
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.json()["booking"]["spot_id"], q["spot_id"]);
  EXPECT_EQ(r.json()["booking"]["spot_number"], q["spot_number"]);
  EXPECT_EQ(r.json()["booking"]["price_per_hour"], q["price_per_hour"]);
}

// The quote names the currency the operator configured, as GET /api/settings does.
TEST(QuoteCurrency, IsTheConfiguredCurrency) {
  ParkdProcess parkd(std::map<std::string, std::string>{{"CURRENCY", "EUR"}});
  auto admin = parkd.admin_token();
  auto user = make_user(parkd);
  auto lot = create_lot(parkd.client(), admin, 1, 2);
  auto r = parkd.client().post("/api/quote", json{{"lot_id", lot["id"]}}, user.token);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()["quote"]["currency"], "EUR");
  EXPECT_EQ(parkd.client().get("/api/settings").json()["currency"], "EUR");
}

TEST_F(QuoteApi, AReservationQuoteIsTheSpotAndCostTheBookingThenGets) {
  auto lot = create_lot(http(), admin_, 2, 3);
  auto body = reservation(lot["id"].get<std::int64_t>(), kHour, 3 * kHour + 1800);
  ASSERT_EQ(book(http(), other_->token, body).status, 201);  // takes spot 1 for the window

  auto q = quoted(quote(body, user_->token));
  EXPECT_EQ(q["spot_number"], 2);
  EXPECT_EQ(q["booking_type"], "reserved");
  EXPECT_EQ(q["reserved_start"], body["reserved_start"]);
  EXPECT_EQ(q["reserved_end"], body["reserved_end"]);
  EXPECT_EQ(q["total_cost"], 7.5);  // 2.5 h at 3.00
  EXPECT_EQ(bookings_of(lot), 1u);

  auto r = book(http(), user_->token, body);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.json()["booking"]["spot_id"], q["spot_id"]);
  EXPECT_EQ(r.json()["booking"]["total_cost"], q["total_cost"]);
}

TEST_F(QuoteApi, RepeatedQuotesOfTheLastSpotAllSucceed) {
  auto lot = create_lot(http(), admin_, 1);
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(quoted(quote({{"lot_id", lot["id"]}}, user_->token))["spot_number"], 1);
  EXPECT_EQ(bookings_of(lot), 0u);
}

TEST_F(QuoteApi, AFullLotAnswers409LotFullAsBookingDoes) {
  auto lot = create_lot(http(), admin_, 1);
  ASSERT_EQ(book(http(), other_->token, {{"lot_id", lot["id"]}}).status, 201);
  EXPECT_TRUE(IsJsonError(quote({{"lot_id", lot["id"]}}, user_->token), 409, "lot_full"));
}

TEST_F(QuoteApi, ACollidingReservationAnswersLotFullWithTheConflict) {
  auto lot = create_lot(http(), admin_, 1);
  auto body = reservation(lot["id"].get<std::int64_t>(), kHour, 2 * kHour);
  auto first = book(http(), other_->token, body);
  ASSERT_EQ(first.status, 201) << first.body;
  auto r = quote(body, user_->token);
  ASSERT_TRUE(IsJsonError(r, 409, "lot_full"));
  EXPECT_EQ(r.json()["conflict"]["start"], body["reserved_start"]);
  EXPECT_EQ(r.json()["conflict"]["end"], body["reserved_end"]);
}

TEST_F(QuoteApi, ATakenChosenSpotAnswers409SpotUnavailableWithTheConflict) {
  auto lot = create_lot(http(), admin_, 2);
  auto first = book(http(), other_->token, {{"lot_id", lot["id"]}});
  ASSERT_EQ(first.status, 201) << first.body;
  auto b = first.json()["booking"];
  auto r = quote({{"lot_id", lot["id"]}, {"spot_id", b["spot_id"]}}, user_->token);
  ASSERT_TRUE(IsJsonError(r, 409, "spot_unavailable"));
  EXPECT_EQ(r.json()["conflict"]["start"], b["start_time"]);
  EXPECT_TRUE(r.json()["conflict"]["end"].is_null());
}

TEST_F(QuoteApi, AnUnknownLotAnswers404) {
  EXPECT_TRUE(IsJsonError(quote({{"lot_id", 987654}}, user_->token), 404));
}

TEST_F(QuoteApi, InvalidInputAnswers400WithTheFieldsAsBookingDoes) {
  auto lot = create_lot(http(), admin_, 1);
  auto body = reservation(lot["id"].get<std::int64_t>(), 2 * kHour, kHour);
  auto r = quote(body, user_->token);
  ASSERT_TRUE(IsJsonError(r, 400));
  EXPECT_TRUE(r.json()["fields"].contains("reserved_end"));
  auto no_lot = quote(json::object(), user_->token);
  ASSERT_TRUE(IsJsonError(no_lot, 400));
  EXPECT_TRUE(no_lot.json()["fields"].contains("lot_id"));
}

TEST_F(QuoteApi, ASpotOfAnotherLotAnswers400OnSpotId) {
  auto lot = create_lot(http(), admin_, 1);
  auto other_lot = create_lot(http(), admin_, 1);
  auto spot_id = lot_spots(http(), admin_, other_lot["id"].get<std::int64_t>())[0]["id"];
  auto r = quote({{"lot_id", lot["id"]}, {"spot_id", spot_id}}, user_->token);
  ASSERT_TRUE(IsJsonError(r, 400));
  EXPECT_TRUE(r.json()["fields"].contains("spot_id"));
}

TEST_F(QuoteApi, WithoutATokenAnswers401) {
  auto lot = create_lot(http(), admin_, 1);
  EXPECT_TRUE(IsJsonError(quote({{"lot_id", lot["id"]}}, ""), 401));
}

}  // namespace
}  // namespace parkd::test
