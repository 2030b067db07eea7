// Black-box tests of GET /api/settings (docs/openapi.yaml, tag meta): the currency,
// time zone and minimum charge clients format money and times with.
#include "support/api_assertions.h"
#include "support/parkd_process.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace parkd::test {
namespace {

TEST(Settings, DefaultsToRupeesForAnyoneWithoutAToken) {
  ParkdProcess parkd;
  auto r = parkd.client().get("/api/settings");
  ASSERT_EQ(r.status, 200) << r.body;
  auto body = r.json();
  EXPECT_EQ(body["currency"], "INR");
  EXPECT_EQ(body["currency_symbol"], "₹");
  EXPECT_EQ(body["timezone"], "UTC");
  EXPECT_EQ(body["min_charge_minutes"], 60);
}

TEST(Settings, FollowTheConfiguration) {
  ParkdProcess parkd(std::map<std::string, std::string>{
      {"CURRENCY", "EUR"}, {"TIMEZONE", "Europe/Berlin"}, {"MIN_CHARGE_MINUTES", "15"}});
  auto body = parkd.client().get("/api/settings").json();
  EXPECT_EQ(body["currency"], "EUR");
  EXPECT_EQ(body["currency_symbol"], "€");
  EXPECT_EQ(body["timezone"], "Europe/Berlin");
  EXPECT_EQ(body["min_charge_minutes"], 15);
}

TEST(Settings, ShowTheCodeOfACurrencyWithoutASymbolOfItsOwn) {
  ParkdProcess parkd(std::map<std::string, std::string>{{"CURRENCY", "CHF"}});
  auto body = parkd.client().get("/api/settings").json();
  EXPECT_EQ(body["currency"], "CHF");
  EXPECT_EQ(body["currency_symbol"], "CHF");
}

TEST(Settings, AreReadOnly) {
  ParkdProcess parkd;
  auto r = parkd.client().put("/api/settings", {{"currency", "USD"}}, parkd.admin_token());
  EXPECT_TRUE(IsJsonError(r, 405, "method_not_allowed"));
  EXPECT_EQ(parkd.client().get("/api/settings").json()["currency"], "INR");
}

}  // namespace
}  // namespace parkd::test
