#pragma once
// The CSV exports (docs/api.md "CSV"): bookings (a user's or everyone's), users, lots.
// Rows are streamed from the database to `sink`, so memory stays constant whatever
// the number of rows.

#include "reports/csv.h"
#include "store/store.h"

#include <cstdint>
#include <optional>

namespace parkd::reports {

// Returns the number of data rows written (the header row not counted).
std::int64_t write_bookings_csv(Tx& tx, std::optional<Id> user_id, Timestamp at,
                                const CsvWriter::Sink& sink);
std::int64_t write_users_csv(Tx& tx, const CsvWriter::Sink& sink);
std::int64_t write_lots_csv(Tx& tx, Timestamp at, const CsvWriter::Sink& sink);

}  // namespace parkd::reports
