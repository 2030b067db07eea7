#pragma once
// Lots and spots (docs/api.md "Lots"). Input is already parsed; values are
// validated here against the contract's limits.

#include "common/result.h"
#include "domain/models.h"
#include "store/store.h"

#include <optional>
#include <string>
#include <vector>

namespace parkd {

struct LotInput {
  std::optional<std::string> name;
  std::optional<std::string> address;
  std::optional<std::int64_t> capacity;
  std::optional<std::int64_t> price_cents;
};

struct SpotWithReservations {
  Spot spot;
  std::vector<UpcomingReservation> reservations;
};

struct SpotDetail {
  Spot spot;
  std::optional<Booking> current_booking;  // with user_email
};

class LotService {
 public:
  explicit LotService(Store& store) : store_(store) {}

  struct Page {
    std::vector<Lot> lots;
    std::int64_t total = 0;
  };
  Result<Page> list(std::int64_t limit, std::int64_t offset);
  Result<Lot> get(Id id);  // Errors: not_found.

  // Creates the lot and spots 1..capacity in one transaction. Errors: validation,
  // conflict lot_name_taken.
  Result<Lot> create(const LotInput& in);

  // Renames, re-prices, grows (spots after the highest) or shrinks (the highest-numbered
  // free spots with no upcoming reservation). Errors: not_found, validation,
  // conflict lot_name_taken, conflict spots_in_use (nothing changes).
  Result<Lot> update(Id id, const LotInput& in);

  // Errors: not_found, conflict lot_in_use (a booking in force or upcoming).
  Status remove(Id id);

  struct Spots {
    Lot lot;
    std::vector<SpotWithReservations> spots;
  };
  Result<Spots> spots(Id lot_id);                  // Errors: not_found.
  Result<SpotDetail> spot(Id lot_id, Id spot_id);  // Errors: not_found.
  // Errors: not_found, conflict spot_in_use, conflict last_spot.
  Status remove_spot(Id lot_id, Id spot_id);

 private:
  Store& store_;
};

}  // namespace parkd
