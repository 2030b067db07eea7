#pragma once
// PostgreSQL: the SQL of extending a reservation (POST /api/bookings/{id}/extend), kept
// out of pg_store.cpp; PgTx::extend_reservation calls it.

#include "common/time.h"
#include "store/postgres/connection.h"

#include <cstdint>

namespace parkd::pg {

// Sets the reservation's reserved_end and occupied_until to `reserved_end` and its cost.
// The exclusion constraint bookings_no_overlap checks the longer window: a booking of the
// added time committed meanwhile (by any server) fails it with 23P01, which the store's
// write() treats as a conflict and reruns the unit, which then sees that booking.
void extend_reservation(Connection& db, std::int64_t booking_id, Timestamp reserved_end,
                        std::int64_t cost_cents);

}  // namespace parkd::pg
