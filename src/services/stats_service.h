#pragma once
// Statistics for the dashboards (docs/api.md "Statistics"): computed in SQL; calendar
// buckets (months, days) are local to TIMEZONE.

#include "common/result.h"
#include "domain/models.h"
#include "store/store.h"

#include <date/tz.h>

#include <string>
#include <vector>

namespace parkd {

struct Bucket {
  std::string label;  // "2026-11" or "2026-11-24"
  std::int64_t bookings = 0;
  std::int64_t revenue_cents = 0;  // Completed only
};

struct UserStats {
  StatusCounts counts;
  std::vector<LotAggregate> lots;
  std::optional<std::string> favourite_lot;
  std::vector<Bucket> monthly;  // last 6 months, this one included, oldest first
  std::vector<Bucket> daily;    // last 30 days, today included
};

struct AdminStats {
  StatusCounts counts;
  std::int64_t total_users = 0, total_lots = 0, total_spots = 0, occupied_spots = 0;
  std::vector<LotAggregate> revenue_by_lot;
  std::vector<Bucket> daily;
};

struct UserRow {
  User user;
  UserTotals totals;
};

// Local-calendar boundaries, shared with reports.
// The UTC instants of local midnight starting `days` days before today's, through
// tomorrow's midnight (days + 1 boundaries... see .cpp); labels "YYYY-MM-DD".
std::vector<std::pair<std::string, Timestamp>> day_starts(const date::time_zone* tz, Timestamp now,
                                                          int days);
std::vector<std::pair<std::string, Timestamp>> month_starts(const date::time_zone* tz,
                                                            Timestamp now, int months);

class StatsService {
 public:
  StatsService(Store& store, const date::time_zone* tz) : store_(store), tz_(tz) {}

  Result<UserStats> user_stats(Id user_id);
  Result<AdminStats> admin_stats();
  struct UserPage {
    std::vector<UserRow> users;
    std::int64_t total = 0;
  };
  Result<UserPage> users(std::int64_t limit, std::int64_t offset);

 private:
  std::vector<Bucket> buckets(Tx& tx, std::optional<Id> user_id,
                              const std::vector<std::pair<std::string, Timestamp>>& starts);
  Store& store_;
  const date::time_zone* tz_;
};

}  // namespace parkd
