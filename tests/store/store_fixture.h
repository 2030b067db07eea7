#pragma once
// The fixture of the store-contract suite: every case runs once per backend, through
// the Store/Tx interface only, each on a fresh database (a SQLite file in a scratch
// directory; a new PostgreSQL database on the server PARKD_TEST_POSTGRES names, or the
// case is skipped). The helpers keep each case to the rule it checks: times are seconds
// after a fixed base, and units of work that must succeed fail the case when they do not.

#include "store/store.h"
#include "support/scratch_dir.h"
#include "support/test_database.h"

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace parkd::store_test {

enum class Backend { sqlite, postgresql };

inline std::string backend_name(const ::testing::TestParamInfo<Backend>& info) {
  return info.param == Backend::sqlite ? "sqlite" : "postgresql";
}

// A fixed "now" far from the epoch; cases name times as seconds after it.
inline Timestamp at(std::int64_t seconds) { return from_unix(1'800'000'000 + seconds); }

// [at(from), at(to)), or open from at(from) when `to` is nullopt.
inline Window window(std::int64_t from, std::optional<std::int64_t> to) {
  return Window{at(from), to ? std::optional<Timestamp>(at(*to)) : std::nullopt};
}

class StoreContract : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (postgres() && !test::testing_postgres()) {
      GTEST_SKIP() << "needs a PostgreSQL server (PARKD_TEST_POSTGRES; the pg.* run)";
    }
    url_ = postgres() ? test::database_url_for(dir_.path())
                      : "sqlite:///" + (dir_ / "store.db").string();
    ASSERT_FALSE(url_.empty()) << "no test database";
    auto opened = open_store(url_, StoreOptions{.max_connections = 4, .durable_commits = false});
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    store_ = std::move(*opened);
    ASSERT_TRUE(store_->migrate().ok());
    user_ = write([](Tx& tx) { return tx.insert_user(new_user("driver@example.com", "Driver")); });
  }

  void TearDown() override {
    store_.reset();  // closes its connections before the database goes
    if (postgres()) test::drop_database_for(dir_.path());
  }

  bool postgres() const { return GetParam() == Backend::postgresql; }

  // Runs `fn` in one write transaction, which must commit; returns what `fn` returned.
  template <class F>
  std::invoke_result_t<F&, Tx&> write(F&& fn) {
    return run(true, std::forward<F>(fn));
  }
  // The same in a read transaction.
  template <class F>
  std::invoke_result_t<F&, Tx&> read(F&& fn) {
    return run(false, std::forward<F>(fn));
  }

  static NewUser new_user(const std::string& email, std::optional<std::string> username,
                          Role role = Role::user, Timestamp created_at = at(0)) {
    return NewUser{email, std::move(username), "hash", role, created_at};
  }

  // A lot priced 100 cents an hour with `spots` spots numbered 1..spots.
  Id make_lot(const std::string& name, std::int64_t spots) {
    return write([&](Tx& tx) {
      Id lot = tx.insert_lot(name, "1 Road", 100, at(0));
      tx.add_spots(lot, spots);
      return lot;
    });
  }

  // The spot of `lot` numbered `number`.
  Spot spot_number(Id lot, std::int64_t number) {
    auto all = read([&](Tx& tx) { return tx.spots(lot, at(0)); });
    for (const Spot& s : all) {
      if (s.number == number) return s;
    }
    ADD_FAILURE() << "lot " << lot << " has no spot " << number;
    return {};
  }

  // The booking as the services write it: a reservation over a closed window, an
  // immediate booking from the window's start with no end.
  static NewBooking new_booking(Id user, Id lot, const Spot& spot, Window window,
                                std::int64_t cost_cents = 0) {
    NewBooking b;
    b.user_id = user;
    b.lot_id = lot;
    b.lot_name = "Lot";
    b.spot_id = spot.id;
    b.spot_number = spot.number;
    b.type = window.end ? BookingType::reserved : BookingType::immediate;
    b.created_at = window.start;
    b.occupies = window;
    b.price_cents = 100;
    b.cost_cents = cost_cents;
    return b;
  }

  // Books spot `number` of `lot` for the driver over `window` (open-ended: immediate),
  // after the overlap check the services make, so that a case that books a taken window
  // by mistake fails on SQLite too instead of only on PostgreSQL's constraint.
  Id book(Id lot, std::int64_t number, Window window, std::int64_t cost_cents = 0) {
    Spot spot = spot_number(lot, number);
    return write([&](Tx& tx) {
      EXPECT_FALSE(tx.spot_conflict(spot.id, window)) << "spot " << number << " is taken";
      return tx.insert_booking(new_booking(user_, lot, spot, window, cost_cents)).id;
    });
  }

  Booking booking(Id id) {
    auto b = read([&](Tx& tx) { return tx.booking(id); });
    EXPECT_TRUE(b.has_value()) << "no booking " << id;
    return b.value_or(Booking{});
  }

  std::unique_ptr<Store> store_;
  std::string url_;  // of the case's database, for a second store on it
  Id user_ = 0;

 private:
  template <class F, class R = std::invoke_result_t<F&, Tx&>>
  R run(bool writing, F&& fn) {
    if constexpr (std::is_void_v<R>) {
      Status st = unit(writing, [&](Tx& tx) { fn(tx); });
      EXPECT_TRUE(st.ok()) << st.error().message;
    } else {
      R out{};
      Status st = unit(writing, [&](Tx& tx) { out = fn(tx); });
      EXPECT_TRUE(st.ok()) << st.error().message;
      return out;
    }
  }

  template <class F>
  Status unit(bool writing, F&& body) {
    Store::Work work = [&](Tx& tx) {
      body(tx);
      return ok_status();
    };
    return writing ? store_->write(work) : store_->read(work);
  }

  testing::ScratchDir dir_;
};

}  // namespace parkd::store_test
