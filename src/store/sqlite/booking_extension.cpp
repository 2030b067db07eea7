// SQLite: the SQL of extending a reservation (see booking_extension.h).
#include "store/sqlite/booking_extension.h"

namespace parkd::sqlite {

void extend_reservation(Connection& db, std::int64_t booking_id, Timestamp reserved_end,
                        std::int64_t cost_cents) {
  db.prepare(
        "UPDATE bookings SET reserved_end = ?2, occupied_until = ?2, cost_cents = ?3 "
        "WHERE id = ?1 AND type = 'reserved'")
      .bind_all(booking_id, reserved_end, cost_cents)
      .run();
}

}  // namespace parkd::sqlite
