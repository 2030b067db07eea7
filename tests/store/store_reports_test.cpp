// The store contract for statistics, reports, booking lists and users, run against
// SQLite and PostgreSQL alike: the statistics page and the reports add up what these
// aggregates return (buckets are half-open, only Completed bookings earn, a reservation
// that has begun counts as active), and logins find a user by email or username
// whatever the case of the letters typed.
#include "store_fixture.h"

#include <algorithm>

namespace parkd::store_test {
namespace {

// --- Statistics ------------------------------------------------------------------------

TEST_P(StoreContract, BucketTotalsCountBookingsByStartAndSumCompletedCosts) {
  Id lot = make_lot("North", 10);
  Id other = write([](Tx& tx) { return tx.insert_user(new_user("other@example.com", {})); });
  Id a = book(lot, 1, window(0, std::nullopt));
  write([&](Tx& tx) { tx.complete_booking(a, at(50), 100); });
  Id b = book(lot, 2, window(99, 150), 700);
  write([&](Tx& tx) { tx.cancel_booking(b); });
  Id c = book(lot, 3, window(100, std::nullopt));
  write([&](Tx& tx) { tx.complete_booking(c, at(150), 250); });
  book(lot, 4, window(299, 400), 900);      // reserved: counted, not earned
  book(lot, 5, window(300, std::nullopt));  // starts at the last boundary: outside
  book(lot, 6, window(-1, std::nullopt));   // before the first: outside
  Spot seven = spot_number(lot, 7);
  Id theirs = write([&](Tx& tx) {
    return tx.insert_booking(new_booking(other, lot, seven, window(10, std::nullopt))).id;
  });
  write([&](Tx& tx) { tx.complete_booking(theirs, at(20), 40); });

  std::vector<Timestamp> bounds{at(0), at(100), at(200), at(300)};
  auto all = read([&](Tx& tx) { return tx.bucket_totals(std::nullopt, bounds); });
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].count, 3);
  EXPECT_EQ(all[0].sum_cents, 140);
  EXPECT_EQ(all[1].count, 1);
  EXPECT_EQ(all[1].sum_cents, 250);
  EXPECT_EQ(all[2].count, 1);
  EXPECT_EQ(all[2].sum_cents, 0);
  auto mine = read([&](Tx& tx) { return tx.bucket_totals(user_, bounds); });
  ASSERT_EQ(mine.size(), 3u);
  EXPECT_EQ(mine[0].count, 2);
  EXPECT_EQ(mine[0].sum_cents, 100);
  EXPECT_TRUE(read([&](Tx& tx) { return tx.bucket_totals(std::nullopt, {at(0)}); }).empty());
}

TEST_P(StoreContract, BookingCountsSplitByTheStatusInForceNow) {
  Id lot = make_lot("North", 10);
  Id done = book(lot, 1, window(0, std::nullopt));
  write([&](Tx& tx) { tx.complete_booking(done, at(3600), 300); });
  Id cancelled = book(lot, 2, window(500, 600), 100);
  write([&](Tx& tx) { tx.cancel_booking(cancelled); });
  book(lot, 3, window(0, std::nullopt));  // active
  book(lot, 4, window(4000, 5000), 200);  // begun at 4500: active
  book(lot, 5, window(4501, 5000), 200);  // upcoming at 4500: reserved
  Id other = write([](Tx& tx) { return tx.insert_user(new_user("other@example.com", {})); });
  Spot six = spot_number(lot, 6);
  write([&](Tx& tx) { tx.insert_booking(new_booking(other, lot, six, window(0, std::nullopt))); });

  auto all = read([&](Tx& tx) { return tx.booking_counts(std::nullopt, at(4500)); });
  EXPECT_EQ(all.total, 6);
  EXPECT_EQ(all.reserved, 1);
  EXPECT_EQ(all.active, 3);
  EXPECT_EQ(all.completed, 1);
  EXPECT_EQ(all.cancelled, 1);
  EXPECT_EQ(all.spent_cents, 300) << "only completed bookings are spent";
  EXPECT_EQ(all.billed_seconds, 3600);
  auto mine = read([&](Tx& tx) { return tx.booking_counts(user_, at(4500)); });
  EXPECT_EQ(mine.total, 5);
  EXPECT_EQ(mine.active, 2);
  auto none = read([](Tx& tx) { return tx.booking_counts(999'999, at(0)); });
  EXPECT_EQ(none.total, 0);
  EXPECT_EQ(none.spent_cents, 0);
}

TEST_P(StoreContract, PerLotTotalsEarnOnlyCompletedBookings) {
  Id north = make_lot("North", 3);
  Id south = make_lot("South", 1);
  Id empty = make_lot("Empty", 1);
  Id gone_used = make_lot("Gone used", 1);
  Id gone_unused = make_lot("Gone unused", 1);
  Id a = book(north, 1, window(0, std::nullopt));
  write([&](Tx& tx) { tx.complete_booking(a, at(10), 120); });
  book(north, 2, window(100, 200), 999);  // reserved: not earned
  Id other = write([](Tx& tx) { return tx.insert_user(new_user("other@example.com", {})); });
  Spot south1 = spot_number(south, 1);
  Id theirs = write([&](Tx& tx) {
    return tx.insert_booking(new_booking(other, south, south1, window(0, std::nullopt))).id;
  });
  write([&](Tx& tx) { tx.complete_booking(theirs, at(10), 80); });
  book(gone_used, 1, window(0, 10));
  write([&](Tx& tx) {
    tx.soft_delete_lot(gone_used, at(20));
    tx.soft_delete_lot(gone_unused, at(20));
  });

  auto all = read([](Tx& tx) { return tx.per_lot(std::nullopt); });
  ASSERT_EQ(all.size(), 4u) << "every live lot, and deleted ones that had bookings";
  EXPECT_EQ(all[0].lot_id, north);
  EXPECT_EQ(all[0].lot_name, "North");
  EXPECT_EQ(all[0].bookings, 2);
  EXPECT_EQ(all[0].revenue_cents, 120);
  EXPECT_EQ(all[1].lot_id, south);
  EXPECT_EQ(all[1].revenue_cents, 80);
  EXPECT_EQ(all[2].lot_id, empty);
  EXPECT_EQ(all[2].bookings, 0);
  EXPECT_EQ(all[2].revenue_cents, 0);
  EXPECT_EQ(all[3].lot_id, gone_used);
  auto mine = read([&](Tx& tx) { return tx.per_lot(user_); });
  ASSERT_EQ(mine.size(), 2u) << "only the lots the user booked";
  EXPECT_EQ(mine[0].lot_id, north);
  EXPECT_EQ(mine[0].bookings, 2);
  EXPECT_EQ(mine[0].revenue_cents, 120);
  EXPECT_EQ(mine[1].lot_id, gone_used);
  EXPECT_EQ(mine[1].lot_name, "Gone used");
}

TEST_P(StoreContract, RangeSummaryCoversBookingsStartedInAHalfOpenRange) {
  Id north = make_lot("North", 5);
  Id south = make_lot("South", 5);
  Id a = book(south, 1, window(100, std::nullopt));
  write([&](Tx& tx) { tx.complete_booking(a, at(1900), 300); });
  book(south, 2, window(200, std::nullopt));
  Id n = book(north, 1, window(199, std::nullopt));
  write([&](Tx& tx) { tx.complete_booking(n, at(299), 50); });
  book(north, 2, window(99, std::nullopt));    // before the range
  book(north, 3, window(1000, std::nullopt));  // at its end: outside

  auto s = read([](Tx& tx) { return tx.range_summary(std::nullopt, at(100), at(1000)); });
  EXPECT_EQ(s.bookings, 3);
  EXPECT_EQ(s.completed, 2);
  EXPECT_EQ(s.revenue_cents, 350);
  EXPECT_EQ(s.parked_seconds, 1800 + 100);
  ASSERT_EQ(s.lots.size(), 2u);
  EXPECT_EQ(s.lots[0].lot_id, south) << "most bookings first";
  EXPECT_EQ(s.lots[0].bookings, 2);
  EXPECT_EQ(s.lots[0].revenue_cents, 300);
  EXPECT_EQ(s.lots[1].lot_id, north);
  EXPECT_EQ(s.lots[1].revenue_cents, 50);
  auto nobody = read([](Tx& tx) { return tx.range_summary(999'999, at(0), at(10'000)); });
  EXPECT_EQ(nobody.bookings, 0);
  EXPECT_TRUE(nobody.lots.empty());
  EXPECT_EQ(read([](Tx& tx) { return tx.users_with_bookings_between(at(100), at(1000)); }),
            (std::vector<Id>{user_}));
  EXPECT_TRUE(
      read([](Tx& tx) { return tx.users_with_bookings_between(at(1001), at(2000)); }).empty());
}

TEST_P(StoreContract, BookingListsFilterByTheStatusInForceNewestFirst) {
  Id lot = make_lot("North", 5);
  Id reserved = book(lot, 1, window(500, 600));
  Id begun = book(lot, 2, window(50, 600));
  Id active = book(lot, 3, window(10, std::nullopt));
  Id done = book(lot, 4, window(20, std::nullopt));
  write([&](Tx& tx) { tx.complete_booking(done, at(30), 10); });
  auto ids = [&](const BookingFilter& f) {
    std::vector<Id> out;
    for (const Booking& b : read([&](Tx& tx) { return tx.bookings(f, at(100)); })) {
      out.push_back(b.id);
    }
    return out;
  };
  auto count = [&](const BookingFilter& f) {
    return read([&](Tx& tx) { return tx.count_bookings(f, at(100)); });
  };
  auto in_status = [](BookingStatus status) {
    BookingFilter f;
    f.status = status;
    return f;
  };
  BookingFilter all;
  // created_at is each window's start: newest first is latest start first.
  EXPECT_EQ(ids(all), (std::vector<Id>{reserved, begun, done, active}));
  EXPECT_EQ(count(all), 4);
  EXPECT_EQ(ids(in_status(BookingStatus::reserved)), (std::vector<Id>{reserved}));
  EXPECT_EQ(count(in_status(BookingStatus::reserved)), 1);
  EXPECT_EQ(ids(in_status(BookingStatus::active)), (std::vector<Id>{begun, active}));
  EXPECT_EQ(count(in_status(BookingStatus::active)), 2);
  EXPECT_EQ(ids(in_status(BookingStatus::completed)), (std::vector<Id>{done}));
  BookingFilter started;
  started.from = at(20);
  started.to = at(500);
  EXPECT_EQ(ids(started), (std::vector<Id>{begun, done}));
  EXPECT_EQ(count(started), 2);
  BookingFilter page;
  page.limit = 2;
  page.offset = 1;
  EXPECT_EQ(ids(page), (std::vector<Id>{begun, done}));
  BookingFilter nobody;
  nobody.user_id = 999'999;
  EXPECT_TRUE(ids(nobody).empty());
  BookingFilter with_email;
  with_email.lot_id = lot;
  with_email.with_user_email = true;
  auto listed = read([&](Tx& tx) { return tx.bookings(with_email, at(0)); });
  ASSERT_EQ(listed.size(), 4u);
  EXPECT_EQ(listed[0].user_email, "driver@example.com");
}

// --- Exports ---------------------------------------------------------------------------

// Exports stream rows in id order; PostgreSQL reads them in chunks of 500, so the rows
// here run past two chunk boundaries (500 and 1000 rows exactly).
TEST_P(StoreContract, ExportsStreamEveryRowInIdOrderAcrossChunks) {
  Id lot = make_lot("North", 1);
  Spot spot = spot_number(lot, 1);
  Id other = write([](Tx& tx) { return tx.insert_user(new_user("other@example.com", {})); });
  write([&](Tx& tx) {
    for (std::int64_t i = 0; i < 1000; ++i) {
      Id who = i == 499 ? other : user_;
      tx.insert_booking(new_booking(who, lot, spot, window(i * 10, i * 10 + 10)));
    }
    for (int i = 0; i < 998; ++i) {
      tx.insert_user(new_user("u" + std::to_string(i) + "@example.com", {}));
    }
  });
  read([&](Tx& tx) {
    std::vector<Id> ids;
    std::size_t emails = 0;
    tx.for_each_booking(std::nullopt, [&](const Booking& b) {
      ids.push_back(b.id);
      if (b.user_email == (b.user_id == other ? "other@example.com" : "driver@example.com")) {
        ++emails;
      }
    });
    ASSERT_EQ(ids.size(), 1000u);
    EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
    EXPECT_EQ(std::adjacent_find(ids.begin(), ids.end()), ids.end()) << "no row twice";
    EXPECT_EQ(emails, 1000u);
    std::size_t mine = 0;
    tx.for_each_booking(user_, [&](const Booking& b) {
      EXPECT_EQ(b.user_id, user_);
      ++mine;
    });
    EXPECT_EQ(mine, 999u);
    std::vector<Id> users;
    tx.for_each_user([&](const User& u) { users.push_back(u.id); });
    ASSERT_EQ(users.size(), 1000u);
    EXPECT_TRUE(std::is_sorted(users.begin(), users.end()));
    EXPECT_EQ(std::adjacent_find(users.begin(), users.end()), users.end());
  });
}

// --- Users -----------------------------------------------------------------------------

TEST_P(StoreContract, UsersAreFoundByEmailOrUsernameIgnoringCase) {
  Id ann = write([](Tx& tx) { return tx.insert_user(new_user("Ann.Lee@Example.com", "AnnL")); });
  read([&](Tx& tx) {
    for (std::string login : {"ann.lee@example.com", "ANN.LEE@EXAMPLE.COM", "annl", "ANNL"}) {
      auto u = tx.user_by_login(login);
      ASSERT_TRUE(u.has_value()) << login;
      EXPECT_EQ(u->id, ann) << login;
      EXPECT_EQ(u->email, "Ann.Lee@Example.com") << "stored as given";
    }
    EXPECT_FALSE(tx.user_by_login("ann"));
    EXPECT_FALSE(tx.user_by_login("ann.lee@example"));
    EXPECT_TRUE(tx.email_taken("ANN.lee@example.COM"));
    EXPECT_FALSE(tx.email_taken("lee@example.com"));
    EXPECT_TRUE(tx.username_taken("annl"));
    EXPECT_FALSE(tx.username_taken("ann"));
  });
}

TEST_P(StoreContract, ALoginIsAnEmailBeforeItIsAUsername) {
  Id by_email = write([](Tx& tx) { return tx.insert_user(new_user("sam", {})); });
  write([](Tx& tx) { tx.insert_user(new_user("x@example.com", "SAM")); });
  auto u = read([](Tx& tx) { return tx.user_by_login("Sam"); });
  ASSERT_TRUE(u.has_value());
  EXPECT_EQ(u->id, by_email);
}

// A difference the suite pins rather than hides: "ignoring case" is ASCII case on
// SQLite (COLLATE NOCASE) but the server's Unicode case on PostgreSQL (lower() under
// the test cluster's C.UTF-8), in lookups and in the unique indexes alike. Usernames
// and lot names may hold any letters, so "Émile" and "émile" are one name on
// PostgreSQL and two on SQLite. The edge lower-cases only ASCII (to_lower).
TEST_P(StoreContract, NonAsciiLettersMatchIgnoringCaseOnlyOnPostgres) {
  write([](Tx& tx) { tx.insert_user(new_user("emile@example.com", "Émile")); });
  Id lot = make_lot("Étoile", 1);
  read([&](Tx& tx) {
    EXPECT_TRUE(tx.user_by_login("Émile")) << "the same letters always match";
    EXPECT_TRUE(tx.username_taken("ÉMILE")) << "ASCII letters fold on both";
    EXPECT_EQ(tx.user_by_login("émile").has_value(), postgres());
    EXPECT_EQ(tx.username_taken("émile"), postgres());
    EXPECT_EQ(tx.lot_name_taken("étoile", std::nullopt), postgres());
    EXPECT_FALSE(tx.lot_name_taken("étoile", lot));
  });
  Status second = store_->write([](Tx& tx) {
    tx.insert_user(new_user("other@example.com", "émile"));
    return ok_status();
  });
  EXPECT_EQ(second.ok(), !postgres()) << "the unique index on usernames";
}

TEST_P(StoreContract, CredentialAndRoleChangesEndTokensAndDisplayNameChangesDoNot) {
  Id id = write([](Tx& tx) { return tx.insert_user(new_user("a@example.com", "A", Role::admin)); });
  auto version = [&] { return read([&](Tx& tx) { return tx.user_by_id(id); })->token_version; };
  EXPECT_EQ(version(), 0);
  write([&](Tx& tx) { tx.set_username(id, std::nullopt); });
  EXPECT_EQ(version(), 0);
  EXPECT_FALSE(read([&](Tx& tx) { return tx.user_by_id(id); })->username);
  write([&](Tx& tx) { tx.set_password_hash(id, "new-hash"); });
  EXPECT_EQ(version(), 1);
  EXPECT_EQ(read([&](Tx& tx) { return tx.user_by_id(id); })->password_hash, "new-hash");
  write([&](Tx& tx) { tx.bump_token_version(id); });
  EXPECT_EQ(version(), 2);
  EXPECT_EQ(read([](Tx& tx) { return tx.count_enabled_admins(); }), 1);
  write([&](Tx& tx) { tx.set_disabled(id, true); });
  EXPECT_EQ(version(), 3);
  EXPECT_TRUE(read([&](Tx& tx) { return tx.user_by_id(id); })->disabled);
  EXPECT_EQ(read([](Tx& tx) { return tx.count_enabled_admins(); }), 0);
  EXPECT_EQ(read([](Tx& tx) { return tx.first_admin(); })->id, id) << "disabled or not";
  write([&](Tx& tx) { tx.set_role(id, Role::user); });
  EXPECT_EQ(version(), 4);
  EXPECT_FALSE(read([](Tx& tx) { return tx.first_admin(); }));
}

TEST_P(StoreContract, InactiveUsersAreEnabledUsersWithNoRecentBooking) {
  Id lot = make_lot("North", 2);
  Id idle = write([](Tx& tx) { return tx.insert_user(new_user("idle@example.com", {})); });
  Id off = write([](Tx& tx) { return tx.insert_user(new_user("off@example.com", {})); });
  write([&](Tx& tx) {
    tx.insert_user(new_user("admin@example.com", {}, Role::admin));
    tx.set_disabled(off, true);
  });
  book(lot, 1, window(1000, std::nullopt));  // the driver booked at 1000
  EXPECT_EQ(read([](Tx& tx) {
              std::vector<Id> ids;
              for (const User& u : tx.inactive_users(at(1000))) ids.push_back(u.id);
              return ids;
            }),
            (std::vector<Id>{idle}));
  EXPECT_EQ(read([](Tx& tx) { return tx.inactive_users(at(1001)); }).size(), 2u);
  EXPECT_EQ(read([](Tx& tx) { return tx.count_users(); }), 4);
  EXPECT_EQ(read([](Tx& tx) { return tx.count_users_created_between(at(0), at(1)); }), 4);
  EXPECT_EQ(read([](Tx& tx) { return tx.count_users_created_between(at(1), at(2)); }), 0);
}

TEST_P(StoreContract, UserTotalsCountActiveBookingsAndCompletedSpend) {
  Id lot = make_lot("North", 3);
  Id done = book(lot, 1, window(0, std::nullopt));
  write([&](Tx& tx) { tx.complete_booking(done, at(60), 75); });
  book(lot, 2, window(100, 200), 500);  // begun at 150: active
  book(lot, 3, window(300, 400), 500);  // upcoming: neither
  auto rows = read([](Tx& tx) { return tx.users_with_totals(at(150), 10, 0); });
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].second.total_bookings, 3);
  EXPECT_EQ(rows[0].second.active_bookings, 1);
  EXPECT_EQ(rows[0].second.total_spent_cents, 75);
  EXPECT_EQ(rows[0].second.last_booking_at, at(300));
}

}  // namespace
}  // namespace parkd::store_test
