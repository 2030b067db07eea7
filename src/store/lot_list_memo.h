#pragma once
// LotListMemo: the lot list a pooled read connection keeps between reads, for both
// stores. It is used again while the database is unchanged and no booking has started
// or ended since (the counts depend on the time). "Unchanged" is a version each store
// provides: SQLite's data version, which every commit by any connection or process
// moves; on PostgreSQL a count moved by every commit here that changed a lot, a spot or
// a booking and by the same news from other processes (NOTIFY, store/postgres/notify.h).
// Only a list asked for twice with no change between is kept: where commits never stop,
// the extra query that finds the next start or end would only add to every list.

#include "domain/models.h"

#include <cstdint>
#include <optional>
#include <vector>

namespace parkd {

struct LotListMemo {
  std::optional<std::uint64_t> seen_version;  // of the last list read on this connection
  bool kept = false;
  std::int64_t limit = 0;
  std::int64_t offset = 0;
  // Unix seconds: when it was read, and the next start or end of a booking in force.
  std::int64_t valid_from = 0;
  std::int64_t valid_until = 0;
  std::vector<Lot> lots;
  std::optional<std::int64_t> count;  // count_lots() at seen_version

  // Records the version a read sees; what was kept goes when it moved. True when not.
  bool saw(std::uint64_t version) {
    if (seen_version == version) return true;
    seen_version = version;
    kept = false;
    count.reset();
    return false;
  }

  // The page (limit, offset) at `now` as kept, or as `query()` reads it; `next_change()`
  // gives the unix second at which a kept page stops being valid.
  template <class Query, class NextChange>
  std::vector<Lot> lots_at(std::uint64_t version, Timestamp now, std::int64_t page_limit,
                           std::int64_t page_offset, Query query, NextChange next_change) {
    bool unchanged = saw(version);
    std::int64_t t = to_unix(now);
    if (unchanged && kept && limit == page_limit && offset == page_offset && valid_from <= t &&
        t < valid_until) {
      return lots;
    }
    kept = false;
    std::vector<Lot> out = query();
    if (unchanged) {
      kept = true;
      limit = page_limit;
      offset = page_offset;
      valid_from = t;
      valid_until = next_change();
      lots = out;
    }
    return out;
  }

  template <class Count>
  std::int64_t count_at(std::uint64_t version, Count query) {
    saw(version);
    if (!count) count = query();
    return *count;
  }
};

}  // namespace parkd
