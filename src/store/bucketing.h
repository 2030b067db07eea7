#pragma once
// Shared by the stores' bucket_totals: one range scan, bucketed here. (One query per
// bucket, 36 for the statistics page, was most of that page's cost.)

#include "store/store.h"

#include <algorithm>
#include <vector>

namespace parkd {

class BucketTotals {
 public:
  // `boundaries` ascending; bucket i is [boundaries[i], boundaries[i+1]).
  explicit BucketTotals(const std::vector<Timestamp>& boundaries)
      : boundaries_(boundaries), totals_(boundaries.empty() ? 0 : boundaries.size() - 1) {}

  void add(Timestamp started, bool completed, std::int64_t cost_cents) {
    auto after = std::upper_bound(boundaries_.begin(), boundaries_.end(), started);
    if (after == boundaries_.begin() || after == boundaries_.end()) return;  // outside
    auto& bucket = totals_[static_cast<std::size_t>(after - boundaries_.begin() - 1)];
    ++bucket.count;
    if (completed) bucket.sum_cents += cost_cents;
  }
  std::vector<CountAndSum> take() { return std::move(totals_); }

 private:
  const std::vector<Timestamp>& boundaries_;
  std::vector<CountAndSum> totals_;
};

}  // namespace parkd
