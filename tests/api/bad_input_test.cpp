// Black-box, table-driven: every kind of bad request gets its 4xx with the contract's
// error body, never a 500, and changes nothing (docs/api.md "Conventions").
#include "support/api_helpers.h"
#include "support/parkd_process.h"

#include <gtest/gtest.h>

#include <map>

namespace parkd::test {
namespace {

enum class Who { nobody, bad_token, user, admin };

struct BadRequest {
  const char* name;  // the test's name
  Who who;
  const char* method;
  const char* path;  // {placeholders} are filled in at run time
  const char* body;  // raw text, placeholders too; "" sends none
  long status;
  const char* error = "";   // expected "error" code, "" = any
  const char* field = "";   // expected key in "fields", "" = none checked
  const char* header = "";  // an extra request header
};

// The shared state the table refers to (see SetUpTestSuite).
struct World {
  std::map<std::string, std::string> values;
};

class BadInput : public ::testing::TestWithParam<BadRequest> {
 public:
  static void SetUpTestSuite() {
    parkd_ = new ParkdProcess();
    admin_ = parkd_->admin_token();
    alice_ = new TestUser(make_user(*parkd_, "alice"));
    bob_ = new TestUser(make_user(*parkd_, "bob"));
    auto http = parkd_->client();
    auto& v = world_.values;

    auto free = create_lot(http, admin_, 3, 2);
    auto other = create_lot(http, admin_, 1, 2);
    auto busy = create_lot(http, admin_, 2, 2);
    v["free"] = free["id"].dump();
    v["free_name"] = free["name"].get<std::string>();
    v["other"] = other["id"].dump();
    v["busy"] = busy["id"].dump();
    v["free_spot"] = lot_spots(http, admin_, free["id"])[0]["id"].dump();
    v["other_spot"] = lot_spots(http, admin_, other["id"])[0]["id"].dump();
    v["busy_spot"] = lot_spots(http, admin_, busy["id"])[0]["id"].dump();

    auto must_book = [&](const std::string& token, const json& body,
                         const std::vector<std::string>& headers = {}) {
      auto r = book(http, token, body, headers);
      EXPECT_EQ(r.status, 201) << r.body;
      return r.json()["booking"];
    };
    v["active"] = must_book(alice_->token, {{"lot_id", busy["id"]}})["id"].dump();
    must_book(alice_->token, {{"lot_id", busy["id"]}});
    auto completed = must_book(alice_->token, {{"lot_id", free["id"]}});
    EXPECT_EQ(http.post("/api/release/" + completed["id"].dump(), json(), alice_->token).status,
              200);
    v["completed"] = completed["id"].dump();
    v["bob_reserved"] =
        must_book(bob_->token, reservation(free["id"], 86400, 86400 + 3600))["id"].dump();
    v["bob_active"] = must_book(bob_->token, {{"lot_id", other["id"]}})["id"].dump();
    // A first request with a fixed key, so that another body with it is a mismatch.
    must_book(alice_->token, {{"lot_id", free["id"]}}, {"Idempotency-Key: fixed-key"});

    v["in1h"] = iso_from_now(3600);
    v["in3h"] = iso_from_now(3 * 3600);
    v["ago10m"] = iso_from_now(-600);
    v["in31d"] = iso_from_now(3600 + 31 * 86400);
    v["in1h_no_zone"] = iso_from_now(3600).substr(0, 19);
    v["long_name"] = std::string(101, 'n');
    v["long_address"] = std::string(501, 'a');
    v["long_plate"] = std::string(17, 'A');
    v["long_key"] = std::string(256, 'k');
    v["huge"] = std::string(1024 * 1024 + 10, 'x');

    bookings_before_ = admin_bookings(http, admin_, "").size();
    lots_before_ = http.get("/api/lots", admin_).json()["total"].get<std::size_t>();
  }
  static void TearDownTestSuite() {
    delete bob_;
    delete alice_;
    delete parkd_;
  }

  static std::string fill(std::string text) {
    for (;;) {
      auto open = text.find('{');
      if (open == std::string::npos) return text;
      auto close = text.find('}', open);
      if (close == std::string::npos) return text;
      auto key = text.substr(open + 1, close - open - 1);
      auto it = world_.values.find(key);
      if (it == world_.values.end()) {
        // Not a placeholder (JSON braces): look further on.
        auto rest = fill(text.substr(open + 1));
        return text.substr(0, open + 1) + rest;
      }
      text.replace(open, close - open + 1, it->second);
    }
  }

  static inline ParkdProcess* parkd_ = nullptr;
  static inline std::string admin_;
  static inline TestUser* alice_ = nullptr;
  static inline TestUser* bob_ = nullptr;
  static inline World world_;
  static inline std::size_t bookings_before_ = 0;
  static inline std::size_t lots_before_ = 0;
};

TEST_P(BadInput, IsRefusedWithItsErrorAndNeverA500) {
  const BadRequest& c = GetParam();
  std::vector<std::string> headers;
  switch (c.who) {
    case Who::nobody:
      break;
    case Who::bad_token:
      headers.push_back("Authorization: Bearer not-a-token");
      break;
    case Who::user:
      headers.push_back("Authorization: Bearer " + alice_->token);
      break;
    case Who::admin:
      headers.push_back("Authorization: Bearer " + admin_);
      break;
  }
  std::string header = fill(c.header);
  if (!header.empty()) headers.push_back(header);
  if (*c.body && !header.starts_with("Content-Type")) {
    headers.push_back("Content-Type: application/json");
  }
  std::string path = fill(c.path);
  auto r = parkd_->client().request(c.method, path, fill(c.body), headers);

  ASSERT_EQ(r.status, c.status) << c.method << " " << path << "\n" << r.body.substr(0, 500);
  auto body = r.json();
  ASSERT_TRUE(body.is_object()) << r.body.substr(0, 500);
  EXPECT_TRUE(body["error"].is_string()) << r.body;
  EXPECT_TRUE(body["message"].is_string()) << r.body;
  if (*c.error) {
    EXPECT_EQ(body["error"], c.error) << r.body;
  }
  if (*c.field) {
    ASSERT_TRUE(body["fields"].is_object()) << r.body;
    EXPECT_TRUE(body["fields"][c.field].is_string()) << r.body;
  }
  // Nothing was created or changed.
  auto http = parkd_->client();
  EXPECT_EQ(admin_bookings(http, admin_, "").size(), bookings_before_);
  EXPECT_EQ(http.get("/api/lots", admin_).json()["total"], lots_before_);
}

constexpr const char* kV = "validation_error";

const BadRequest kBadRequests[] = {
    // Lots: malformed bodies and each field out of range.
    {"LotBodyNotJson", Who::admin, "POST", "/api/lots", R"({"name":)", 400, "invalid_json"},
    {"LotBodyAnArray", Who::admin, "POST", "/api/lots", "[1]", 400, "invalid_json"},
    {"LotBodyAString", Who::admin, "POST", "/api/lots", R"("lot")", 400, "invalid_json"},
    {"LotBodyNotJsonType", Who::admin, "POST", "/api/lots",
     R"({"name":"T","capacity":1,"price_per_hour":1})", 415, "", "", "Content-Type: text/plain"},
    {"LotBodyTooLarge", Who::admin, "POST", "/api/lots", R"({"name":"{huge}"})", 413},
    {"LotNameMissing", Who::admin, "POST", "/api/lots", R"({"capacity":1,"price_per_hour":1})", 400,
     kV, "name"},
    {"LotNameEmpty", Who::admin, "POST", "/api/lots",
     R"({"name":"","capacity":1,"price_per_hour":1})", 400, kV, "name"},
    {"LotNameBlank", Who::admin, "POST", "/api/lots",
     R"({"name":"   ","capacity":1,"price_per_hour":1})", 400, kV, "name"},
    {"LotNameTooLong", Who::admin, "POST", "/api/lots",
     R"({"name":"{long_name}","capacity":1,"price_per_hour":1})", 400, kV, "name"},
    {"LotNameNotAString", Who::admin, "POST", "/api/lots",
     R"({"name":5,"capacity":1,"price_per_hour":1})", 400, kV, "name"},
    {"LotNameControlCharacter", Who::admin, "POST", "/api/lots",
     R"({"name":"A\u0001B","capacity":1,"price_per_hour":1})", 400, kV, "name"},
    {"LotCapacityMissing", Who::admin, "POST", "/api/lots", R"({"name":"T","price_per_hour":1})",
     400, kV, "capacity"},
    {"LotCapacityZero", Who::admin, "POST", "/api/lots",
     R"({"name":"T","capacity":0,"price_per_hour":1})", 400, kV, "capacity"},
    {"LotCapacityNegative", Who::admin, "POST", "/api/lots",
     R"({"name":"T","capacity":-1,"price_per_hour":1})", 400, kV, "capacity"},
    {"LotCapacityAboveTenThousand", Who::admin, "POST", "/api/lots",
     R"({"name":"T","capacity":10001,"price_per_hour":1})", 400, kV, "capacity"},
    {"LotCapacityFractional", Who::admin, "POST", "/api/lots",
     R"({"name":"T","capacity":1.5,"price_per_hour":1})", 400, kV, "capacity"},
    {"LotCapacityText", Who::admin, "POST", "/api/lots",
     R"({"name":"T","capacity":"many","price_per_hour":1})", 400, kV, "capacity"},
    {"LotCapacityBoolean", Who::admin, "POST", "/api/lots",
     R"({"name":"T","capacity":true,"price_per_hour":1})", 400, kV, "capacity"},
    {"LotCapacityHuge", Who::admin, "POST", "/api/lots",
     R"({"name":"T","capacity":1e300,"price_per_hour":1})", 400, kV, "capacity"},
    {"LotCapacityBeyondInt64", Who::admin, "POST", "/api/lots",
     R"({"name":"T","capacity":18446744073709551615,"price_per_hour":1})", 400, kV, "capacity"},
    {"LotCapacityAnArray", Who::admin, "POST", "/api/lots",
     R"({"name":"T","capacity":[3],"price_per_hour":1})", 400, kV, "capacity"},
    {"LotPriceMissing", Who::admin, "POST", "/api/lots", R"({"name":"T","capacity":1})", 400, kV,
     "price_per_hour"},
    {"LotPriceZero", Who::admin, "POST", "/api/lots",
     R"({"name":"T","capacity":1,"price_per_hour":0})", 400, kV, "price_per_hour"},
    {"LotPriceNegative", Who::admin, "POST", "/api/lots",
     R"({"name":"T","capacity":1,"price_per_hour":-2})", 400, kV, "price_per_hour"},
    {"LotPriceAboveTheMaximum", Who::admin, "POST", "/api/lots",
     R"({"name":"T","capacity":1,"price_per_hour":100000.01})", 400, kV, "price_per_hour"},
    {"LotPriceThreeDecimals", Who::admin, "POST", "/api/lots",
     R"({"name":"T","capacity":1,"price_per_hour":1.234})", 400, kV, "price_per_hour"},
    {"LotPriceThreeDecimalsNearTheMaximum", Who::admin, "POST", "/api/lots",
     R"({"name":"T","capacity":1,"price_per_hour":99999.991})", 400, kV, "price_per_hour"},
    {"LotPriceText", Who::admin, "POST", "/api/lots",
     R"({"name":"T","capacity":1,"price_per_hour":"cheap"})", 400, kV, "price_per_hour"},
    {"LotPriceBoolean", Who::admin, "POST", "/api/lots",
     R"({"name":"T","capacity":1,"price_per_hour":true})", 400, kV, "price_per_hour"},
    {"LotPriceHuge", Who::admin, "POST", "/api/lots",
     R"({"name":"T","capacity":1,"price_per_hour":1e308})", 400, kV, "price_per_hour"},
    {"LotAddressNotAString", Who::admin, "POST", "/api/lots",
     R"({"name":"T","capacity":1,"price_per_hour":1,"address":7})", 400, kV, "address"},
    {"LotAddressTooLong", Who::admin, "POST", "/api/lots",
     R"({"name":"T","capacity":1,"price_per_hour":1,"address":"{long_address}"})", 400, kV,
     "address"},
    {"LotUpdateBodyNotJson", Who::admin, "PUT", "/api/lots/{free}", "{", 400, "invalid_json"},
    {"LotUpdateCapacityZero", Who::admin, "PUT", "/api/lots/{free}", R"({"capacity":0})", 400, kV,
     "capacity"},
    {"LotUpdateCapacityAboveTenThousand", Who::admin, "PUT", "/api/lots/{free}",
     R"({"capacity":10001})", 400, kV, "capacity"},
    {"LotUpdateNameEmpty", Who::admin, "PUT", "/api/lots/{free}", R"({"name":""})", 400, kV,
     "name"},
    {"LotUpdatePriceThreeDecimals", Who::admin, "PUT", "/api/lots/{free}",
     R"({"price_per_hour":0.001})", 400, kV, "price_per_hour"},

    // Paging and filters.
    {"LotsLimitZero", Who::user, "GET", "/api/lots?limit=0", "", 400, kV, "limit"},
    {"LotsLimitAboveTenThousand", Who::user, "GET", "/api/lots?limit=10001", "", 400, kV, "limit"},
    {"LotsLimitText", Who::user, "GET", "/api/lots?limit=all", "", 400, kV, "limit"},
    {"LotsOffsetNegative", Who::user, "GET", "/api/lots?offset=-1", "", 400, kV, "offset"},
    {"BookingsLimitAboveTenThousand", Who::user, "GET", "/api/bookings?limit=10001", "", 400, kV,
     "limit"},
    {"BookingsUnknownStatus", Who::user, "GET", "/api/bookings?status=Pending", "", 400, kV,
     "status"},
    {"AdminBookingsLotIdText", Who::admin, "GET", "/api/admin/bookings?lot_id=abc", "", 400, kV,
     "lot_id"},
    {"AdminBookingsUserIdZero", Who::admin, "GET", "/api/admin/bookings?user_id=0", "", 400, kV,
     "user_id"},
    {"AdminBookingsUnknownStatus", Who::admin, "GET", "/api/admin/bookings?status=Gone", "", 400,
     kV, "status"},
    {"AdminBookingsFromNotATime", Who::admin, "GET", "/api/admin/bookings?from=yesterday", "", 400,
     kV, "from"},
    {"AdminBookingsToImpossibleDate", Who::admin, "GET", "/api/admin/bookings?to=2026-02-30", "",
     400, kV, "to"},
    {"AdminBookingsFromWithoutZone", Who::admin, "GET",
     "/api/admin/bookings?from=2026-11-24T10:00:00", "", 400, kV, "from"},
    {"AdminBookingsVehicleTooLong", Who::admin, "GET",
     "/api/admin/bookings?vehicle_number=ABCDEFGHIJKLMNOPQ", "", 400, kV, "vehicle_number"},
    {"AdminBookingsVehicleOnlyHyphens", Who::admin, "GET", "/api/admin/bookings?vehicle_number=--",
     "", 400, kV, "vehicle_number"},
    {"AdminJobsUnknownStatus", Who::admin, "GET", "/api/admin/jobs?status=bogus", "", 400, kV,
     "status"},
    {"UsersLimitZero", Who::admin, "GET", "/api/users?limit=0", "", 400, kV, "limit"},

    // Booking: each field.
    {"BookBodyNotJson", Who::user, "POST", "/api/book", R"({"lot_id":)", 400, "invalid_json"},
    {"BookBodyAnArray", Who::user, "POST", "/api/book", "[]", 400, "invalid_json"},
    {"BookLotIdMissing", Who::user, "POST", "/api/book", "{}", 400, kV, "lot_id"},
    {"BookLotIdNull", Who::user, "POST", "/api/book", R"({"lot_id":null})", 400, kV, "lot_id"},
    {"BookLotIdText", Who::user, "POST", "/api/book", R"({"lot_id":"first"})", 400, kV, "lot_id"},
    {"BookLotIdZero", Who::user, "POST", "/api/book", R"({"lot_id":0})", 400, kV, "lot_id"},
    {"BookLotIdNegative", Who::user, "POST", "/api/book", R"({"lot_id":-5})", 400, kV, "lot_id"},
    {"BookLotIdFractional", Who::user, "POST", "/api/book", R"({"lot_id":1.5})", 400, kV, "lot_id"},
    {"BookLotIdBoolean", Who::user, "POST", "/api/book", R"({"lot_id":true})", 400, kV, "lot_id"},
    {"BookLotIdAnObject", Who::user, "POST", "/api/book", R"({"lot_id":{"id":1}})", 400, kV,
     "lot_id"},
    {"BookSpotOfAnotherLot", Who::user, "POST", "/api/book",
     R"({"lot_id":{free},"spot_id":{other_spot}})", 400, kV, "spot_id"},
    {"BookSpotUnknown", Who::user, "POST", "/api/book", R"({"lot_id":{free},"spot_id":987654})",
     400, kV, "spot_id"},
    {"BookSpotZero", Who::user, "POST", "/api/book", R"({"lot_id":{free},"spot_id":0})", 400, kV,
     "spot_id"},
    {"BookSpotText", Who::user, "POST", "/api/book",
     R"({"lot_id":{free},"spot_id":"near the door"})", 400, kV, "spot_id"},
    {"BookUnknownType", Who::user, "POST", "/api/book",
     R"({"lot_id":{free},"booking_type":"weekly"})", 400, kV, "booking_type"},
    {"BookTypeNotAString", Who::user, "POST", "/api/book", R"({"lot_id":{free},"booking_type":1})",
     400, kV, "booking_type"},
    {"BookPlateTooLong", Who::user, "POST", "/api/book",
     R"({"lot_id":{free},"vehicle_number":"{long_plate}"})", 400, kV, "vehicle_number"},
    {"BookPlateUnderscore", Who::user, "POST", "/api/book",
     R"({"lot_id":{free},"vehicle_number":"AB_12"})", 400, kV, "vehicle_number"},
    {"BookPlateMarkup", Who::user, "POST", "/api/book",
     R"({"lot_id":{free},"vehicle_number":"<b>X</b>"})", 400, kV, "vehicle_number"},
    {"BookPlateNotAString", Who::user, "POST", "/api/book",
     R"({"lot_id":{free},"vehicle_number":1234})", 400, kV, "vehicle_number"},
    {"ReserveWithoutStart", Who::user, "POST", "/api/book",
     R"({"lot_id":{free},"booking_type":"reserved","reserved_end":"{in3h}"})", 400, kV,
     "reserved_start"},
    {"ReserveWithoutEnd", Who::user, "POST", "/api/book",
     R"({"lot_id":{free},"booking_type":"reserved","reserved_start":"{in1h}"})", 400, kV,
     "reserved_end"},
    {"ReserveWithoutTimes", Who::user, "POST", "/api/book",
     R"({"lot_id":{free},"booking_type":"reserved"})", 400, kV, "reserved_start"},
    {"ReserveEndEqualToStart", Who::user, "POST", "/api/book",
     R"({"lot_id":{free},"booking_type":"reserved","reserved_start":"{in1h}","reserved_end":"{in1h}"})",
     400, kV, "reserved_end"},
    {"ReserveEndBeforeStart", Who::user, "POST", "/api/book",
     R"({"lot_id":{free},"booking_type":"reserved","reserved_start":"{in3h}","reserved_end":"{in1h}"})",
     400, kV, "reserved_end"},
    {"ReserveStartWithoutZone", Who::user, "POST", "/api/book",
     R"({"lot_id":{free},"booking_type":"reserved","reserved_start":"{in1h_no_zone}","reserved_end":"{in3h}"})",
     400, kV, "reserved_start"},
    {"ReserveEndWithoutZone", Who::user, "POST", "/api/book",
     R"({"lot_id":{free},"booking_type":"reserved","reserved_start":"{in1h}","reserved_end":"2099-01-01T10:00:00"})",
     400, kV, "reserved_end"},
    {"ReserveStartNotATime", Who::user, "POST", "/api/book",
     R"({"lot_id":{free},"booking_type":"reserved","reserved_start":"tomorrow","reserved_end":"{in3h}"})",
     400, kV, "reserved_start"},
    {"ReserveStartImpossibleDate", Who::user, "POST", "/api/book",
     R"({"lot_id":{free},"booking_type":"reserved","reserved_start":"2099-02-30T10:00:00Z","reserved_end":"{in3h}"})",
     400, kV, "reserved_start"},
    {"ReserveStartImpossibleHour", Who::user, "POST", "/api/book",
     R"({"lot_id":{free},"booking_type":"reserved","reserved_start":"2099-01-01T25:00:00Z","reserved_end":"{in3h}"})",
     400, kV, "reserved_start"},
    {"ReserveStartANumber", Who::user, "POST", "/api/book",
     R"({"lot_id":{free},"booking_type":"reserved","reserved_start":1795543200,"reserved_end":"{in3h}"})",
     400, kV, "reserved_start"},
    {"ReserveStartTenMinutesAgo", Who::user, "POST", "/api/book",
     R"({"lot_id":{free},"booking_type":"reserved","reserved_start":"{ago10m}","reserved_end":"{in3h}"})",
     400, kV, "reserved_start"},
    {"ReserveLongerThanThirtyDays", Who::user, "POST", "/api/book",
     R"({"lot_id":{free},"booking_type":"reserved","reserved_start":"{in1h}","reserved_end":"{in31d}"})",
     400, kV, "reserved_end"},
    {"BookIdempotencyKeyTooLong", Who::user, "POST", "/api/book", R"({"lot_id":{free}})", 400, kV,
     "Idempotency-Key", "Idempotency-Key: {long_key}"},

    // Not signed in.
    {"LotsWithoutToken", Who::nobody, "GET", "/api/lots", "", 401, "unauthorized"},
    {"LotsWithABadToken", Who::bad_token, "GET", "/api/lots", "", 401, "unauthorized"},
    {"BookWithoutToken", Who::nobody, "POST", "/api/book", R"({"lot_id":{free}})", 401,
     "unauthorized"},
    {"StatsWithoutToken", Who::nobody, "GET", "/api/stats/user", "", 401, "unauthorized"},

    // A user where only an admin may go.
    {"UserCreatesALot", Who::user, "POST", "/api/lots",
     R"({"name":"Mine","capacity":1,"price_per_hour":1})", 403, "forbidden"},
    {"UserUpdatesALot", Who::user, "PUT", "/api/lots/{free}", R"({"price_per_hour":0.5})", 403,
     "forbidden"},
    {"UserDeletesALot", Who::user, "DELETE", "/api/lots/{free}", "", 403, "forbidden"},
    {"UserReadsSpotDetail", Who::user, "GET", "/api/lots/{free}/spots/{free_spot}", "", 403,
     "forbidden"},
    {"UserDeletesASpot", Who::user, "DELETE", "/api/lots/{free}/spots/{free_spot}", "", 403,
     "forbidden"},
    {"UserListsAllBookings", Who::user, "GET", "/api/admin/bookings", "", 403, "forbidden"},
    {"UserListsUsers", Who::user, "GET", "/api/users", "", 403, "forbidden"},
    {"UserReadsAdminStats", Who::user, "GET", "/api/stats/admin", "", 403, "forbidden"},
    {"UserListsJobs", Who::user, "GET", "/api/admin/jobs", "", 403, "forbidden"},

    // Unknown ids and paths.
    {"UnknownLot", Who::user, "GET", "/api/lots/987654", "", 404, "not_found"},
    {"LotIdNotANumber", Who::user, "GET", "/api/lots/abc", "", 404, "not_found"},
    {"LotIdZero", Who::user, "GET", "/api/lots/0", "", 404, "not_found"},
    {"LotIdNegative", Who::user, "GET", "/api/lots/-1", "", 404, "not_found"},
    {"LotIdBeyondInt64", Who::user, "GET", "/api/lots/99999999999999999999", "", 404, "not_found"},
    {"UpdateUnknownLot", Who::admin, "PUT", "/api/lots/987654", R"({"price_per_hour":3})", 404,
     "not_found"},
    {"DeleteUnknownLot", Who::admin, "DELETE", "/api/lots/987654", "", 404, "not_found"},
    {"SpotsOfUnknownLot", Who::user, "GET", "/api/lots/987654/spots", "", 404, "not_found"},
    {"SpotsOfUnknownLotOriginalPath", Who::user, "GET", "/api/spots/987654", "", 404, "not_found"},
    {"UnknownSpot", Who::admin, "GET", "/api/lots/{free}/spots/987654", "", 404, "not_found"},
    {"SpotOfAnotherLot", Who::admin, "GET", "/api/lots/{free}/spots/{other_spot}", "", 404,
     "not_found"},
    {"DeleteUnknownSpot", Who::admin, "DELETE", "/api/lots/{free}/spots/987654", "", 404,
     "not_found"},
    {"DeleteSpotOfAnotherLot", Who::admin, "DELETE", "/api/lots/{free}/spots/{other_spot}", "", 404,
     "not_found"},
    {"BookUnknownLot", Who::user, "POST", "/api/book", R"({"lot_id":987654})", 404, "not_found"},
    {"ReleaseUnknownBooking", Who::user, "POST", "/api/release/987654", "", 404, "not_found"},
    {"ReleaseBookingIdNotANumber", Who::user, "POST", "/api/release/abc", "", 404, "not_found"},
    {"CancelUnknownBooking", Who::user, "POST", "/api/bookings/987654/cancel", "", 404,
     "not_found"},
    {"GetUnknownBooking", Who::user, "GET", "/api/bookings/987654", "", 404, "not_found"},
    {"GetSomeoneElsesBooking", Who::user, "GET", "/api/bookings/{bob_reserved}", "", 404,
     "not_found"},
    {"ReleaseSomeoneElsesBooking", Who::user, "POST", "/api/release/{bob_active}", "", 404,
     "not_found"},
    {"CancelSomeoneElsesBooking", Who::user, "POST", "/api/bookings/{bob_reserved}/cancel", "", 404,
     "not_found"},
    {"UnknownJob", Who::user, "GET", "/api/jobs/987654", "", 404, "not_found"},
    {"UnknownPath", Who::user, "GET", "/api/nothing-here", "", 404, "not_found"},
    {"WrongMethod", Who::user, "PUT", "/api/book", R"({"lot_id":{free}})", 405,
     "method_not_allowed"},

    // State conflicts.
    {"CreateLotWithATakenName", Who::admin, "POST", "/api/lots",
     R"({"name":"{free_name}","capacity":1,"price_per_hour":1})", 409, "lot_name_taken"},
    {"RenameLotToATakenName", Who::admin, "PUT", "/api/lots/{other}", R"({"name":"{free_name}"})",
     409, "lot_name_taken"},
    {"BookAFullLot", Who::user, "POST", "/api/book", R"({"lot_id":{busy}})", 409, "lot_full"},
    {"BookAnOccupiedSpot", Who::user, "POST", "/api/book",
     R"({"lot_id":{busy},"spot_id":{busy_spot}})", 409, "spot_unavailable"},
    {"CancelAnActiveBooking", Who::user, "POST", "/api/bookings/{active}/cancel", "", 409,
     "booking_not_reserved"},
    {"CancelACompletedBooking", Who::user, "POST", "/api/bookings/{completed}/cancel", "", 409,
     "booking_not_reserved"},
    {"ReleaseACompletedBooking", Who::user, "POST", "/api/release/{completed}", "", 409,
     "booking_not_active"},
    {"DeleteALotInUse", Who::admin, "DELETE", "/api/lots/{busy}", "", 409, "lot_in_use"},
    {"DeleteASpotInUse", Who::admin, "DELETE", "/api/lots/{busy}/spots/{busy_spot}", "", 409,
     "spot_in_use"},
    {"ShrinkBelowTheFreeSpots", Who::admin, "PUT", "/api/lots/{busy}", R"({"capacity":1})", 409,
     "spots_in_use"},
    {"ReuseAnIdempotencyKeyWithAnotherBody", Who::user, "POST", "/api/book",
     R"({"lot_id":{free},"vehicle_number":"OTHER"})", 409, "idempotency_mismatch", "",
     "Idempotency-Key: fixed-key"},
};

INSTANTIATE_TEST_SUITE_P(Table, BadInput, ::testing::ValuesIn(kBadRequests),
                         [](const ::testing::TestParamInfo<BadRequest>& info) {
                           return std::string(info.param.name);
                         });

}  // namespace
}  // namespace parkd::test
