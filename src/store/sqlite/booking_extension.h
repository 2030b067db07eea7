#pragma once
// SQLite: the SQL of extending a reservation (POST /api/bookings/{id}/extend), kept out of
// sqlite_store.cpp; SqliteTx::extend_reservation calls it.

#include "common/time.h"
#include "store/sqlite/connection.h"

#include <cstdint>

namespace parkd::sqlite {

// Sets the reservation's reserved_end and occupied_until to `reserved_end` and its cost.
// Race-free because the caller runs inside the single writer's BEGIN IMMEDIATE, after
// checking the added time is free.
void extend_reservation(Connection& db, std::int64_t booking_id, Timestamp reserved_end,
                        std::int64_t cost_cents);

}  // namespace parkd::sqlite
