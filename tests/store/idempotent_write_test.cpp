// The Idempotency-Key rule of api/idempotent.h against both stores: a repeat replays the
// first answer without running its unit again, another body under the same key is
// refused, refusals are replayed and server errors are not, and a unit without a key
// always runs. The black-box tests (BookingsApi, Races) cover it through POST /api/book.
#include "api/idempotent.h"
#include "store_fixture.h"

#include <future>

namespace parkd::store_test {
namespace {

struct Run {
  Response answer;
  int unit_runs = 0;
  int committed = 0;
};

class IdempotentWriteTest : public StoreContract {
 protected:
  // Writes with `key` (hash `hash`), a unit that books spot 1 of a fresh lot on each run
  // unless `refuse` says otherwise, rendered 201 with the booking's id or as `refuse`.
  Response book(std::optional<std::string> key, const std::string& hash,
                std::optional<Error> refuse = std::nullopt, int refused_status = 409) {
    IdempotentWrite<Booking> w;
    w.user_id = user_;
    if (key) w.key = IdempotencyKey{*key, hash};
    w.unit = [this, refuse](Tx& tx, Timestamp when) -> Result<Booking> {
      ++runs_;
      if (refuse) return *refuse;
      Id lot = tx.insert_lot("Lot " + std::to_string(runs_), "1 Road", 100, when);  // unique
      tx.add_spots(lot, 1);
      Spot spot = tx.spots(lot, when).front();
      return tx.insert_booking(new_booking(user_, lot, spot, Window{when, std::nullopt}));
    };
    w.render = [refused_status](const Result<Booking>& outcome) {
      Response r;
      if (outcome) {
        r.status = 201;
        r.body = std::to_string(outcome->id);
      } else {
        r.status = refused_status;
        r.body = outcome.error().code;
      }
      return r;
    };
    w.committed = [this](const Booking&) { ++committed_; };
    std::promise<Response> answered;
    write_idempotent(*store_, std::move(w), {},
                     [&answered](Response r) { answered.set_value(std::move(r)); });
    return answered.get_future().get();
  }

  std::int64_t bookings() {
    return read([&](Tx& tx) { return tx.count_bookings(BookingFilter{}, at(0)); });
  }

  int runs_ = 0;
  int committed_ = 0;
};

TEST_P(IdempotentWriteTest, ARepeatReplaysTheFirstAnswerWithoutRunningItsUnitAgain) {
  Response first = book("k1", "body-a");
  ASSERT_EQ(first.status, 201) << first.body;
  Response again = book("k1", "body-a");
  EXPECT_EQ(again.status, 201);
  EXPECT_EQ(again.body, first.body);
  EXPECT_EQ(runs_, 1);
  EXPECT_EQ(committed_, 1) << "a replay is not a new success";
  EXPECT_EQ(bookings(), 1);
}

TEST_P(IdempotentWriteTest, TheSameKeyWithAnotherBodyIsRefusedAndRunsNothing) {
  ASSERT_EQ(book("k1", "body-a").status, 201);
  Response other = book("k1", "body-b");
  EXPECT_EQ(other.status, 409);
  EXPECT_NE(other.body.find("idempotency_mismatch"), std::string::npos) << other.body;
  EXPECT_EQ(runs_, 1);
  EXPECT_EQ(bookings(), 1);
}

TEST_P(IdempotentWriteTest, ARefusalIsReplayedButAServerErrorRunsAgain) {
  Error full = Error::conflict("lot_full", "full");
  EXPECT_EQ(book("refused", "h", full).body, "lot_full");
  EXPECT_EQ(book("refused", "h").body, "lot_full") << "replayed, not booked";
  EXPECT_EQ(runs_, 1);

  Error broken = Error::internal("broken");
  EXPECT_EQ(book("failed", "h", broken, 500).status, 500);
  EXPECT_EQ(book("failed", "h").status, 201) << "a 5xx is not kept for replay";
  EXPECT_EQ(runs_, 3);
  EXPECT_EQ(committed_, 1);
}

TEST_P(IdempotentWriteTest, WithoutAKeyEveryRequestRuns) {
  EXPECT_EQ(book(std::nullopt, "").status, 201);
  EXPECT_EQ(book(std::nullopt, "").status, 201);
  EXPECT_EQ(runs_, 2);
  EXPECT_EQ(committed_, 2);
  EXPECT_EQ(bookings(), 2);
}

INSTANTIATE_TEST_SUITE_P(, IdempotentWriteTest,
                         ::testing::Values(Backend::sqlite, Backend::postgresql), backend_name);

}  // namespace
}  // namespace parkd::store_test
