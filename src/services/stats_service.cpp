#include "services/stats_service.h"

#include <algorithm>

namespace parkd {
namespace {

Timestamp local_midnight_utc(const date::time_zone* tz, date::local_days day) {
  // Midnight may not exist (a DST jump at 00:00); take the earliest instant of the day.
  auto info = tz->get_info(day);
  if (info.result == date::local_info::nonexistent) return Timestamp{info.second.begin};
  auto t = tz->to_sys(day, date::choose::earliest);
  return std::chrono::time_point_cast<std::chrono::seconds>(t);
}

date::local_days local_today(const date::time_zone* tz, Timestamp now) {
  auto local = tz->to_local(now);
  return date::floor<date::days>(local);
}

}  // namespace

// Returns days+1 entries: the first `days` are the buckets (label, start), oldest first,
// ending with today; the last is tomorrow's start, closing the final bucket.
std::vector<std::pair<std::string, Timestamp>> day_starts(const date::time_zone* tz, Timestamp now,
                                                          int days) {
  auto today = local_today(tz, now);
  std::vector<std::pair<std::string, Timestamp>> out;
  for (int i = days - 1; i >= -1; --i) {
    auto d = today - date::days{i};
    out.emplace_back(date::format("%Y-%m-%d", d), local_midnight_utc(tz, d));
  }
  return out;
}

// Returns months+1 entries, like day_starts, ending with this month and next month's start.
std::vector<std::pair<std::string, Timestamp>> month_starts(const date::time_zone* tz,
                                                            Timestamp now, int months) {
  date::year_month_day today{local_today(tz, now)};
  date::year_month this_month{today.year(), today.month()};
  std::vector<std::pair<std::string, Timestamp>> out;
  for (int i = months - 1; i >= -1; --i) {
    auto ym = this_month - date::months{i};
    date::local_days first{ym / 1};
    out.emplace_back(date::format("%Y-%m", ym), local_midnight_utc(tz, first));
  }
  return out;
}

std::vector<Bucket> StatsService::buckets(
    Tx& tx, std::optional<Id> user_id,
    const std::vector<std::pair<std::string, Timestamp>>& starts) {
  std::vector<Timestamp> bounds;
  bounds.reserve(starts.size());
  for (const auto& s : starts) bounds.push_back(s.second);
  auto totals = tx.bucket_totals(user_id, bounds);
  std::vector<Bucket> out;
  for (std::size_t i = 0; i < totals.size(); ++i) {
    out.push_back({starts[i].first, totals[i].count, totals[i].sum_cents});
  }
  return out;
}

Result<UserStats> StatsService::user_stats(Id user_id) {
  UserStats s;
  Status st = store_.read([&](Tx& tx) {
    Timestamp at = now();
    s.counts = tx.booking_counts(user_id, at);
    s.lots = tx.per_lot(user_id);
    auto fav = std::max_element(s.lots.begin(), s.lots.end(), [](const auto& a, const auto& b) {
      return a.bookings < b.bookings;  // ties: the first (lowest lot id) wins
    });
    if (fav != s.lots.end()) s.favourite_lot = fav->lot_name;
    s.monthly = buckets(tx, user_id, month_starts(tz_, at, 6));
    s.daily = buckets(tx, user_id, day_starts(tz_, at, 30));
    return ok_status();
  });
  if (!st) return st.error();
  return s;
}

Result<AdminStats> StatsService::admin_stats() {
  AdminStats s;
  Status st = store_.read([&](Tx& tx) {
    Timestamp at = now();
    s.counts = tx.booking_counts(std::nullopt, at);
    s.total_users = tx.count_users();
    s.total_lots = tx.count_lots();
    s.total_spots = tx.total_spots();
    s.occupied_spots = tx.occupied_spots(at);
    s.revenue_by_lot = tx.per_lot(std::nullopt);
    s.daily = buckets(tx, std::nullopt, day_starts(tz_, at, 30));
    return ok_status();
  });
  if (!st) return st.error();
  return s;
}

Result<StatsService::UserPage> StatsService::users(std::int64_t limit, std::int64_t offset) {
  UserPage page;
  Status st = store_.read([&](Tx& tx) {
    for (auto& [u, t] : tx.users_with_totals(now(), limit, offset)) page.users.push_back({u, t});
    page.total = tx.count_users();
    return ok_status();
  });
  if (!st) return st.error();
  return page;
}

}  // namespace parkd
