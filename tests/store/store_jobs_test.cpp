// The store contract for the job queue, the scheduler's claims and idempotency records,
// run against SQLite and PostgreSQL alike. The workers depend on these promises of
// store/store.h: jobs are claimed in run_at order, once per lease; a worker whose lease
// lapsed cannot overwrite the outcome of the attempt that took over; requeue and delete
// apply only in the states named; a schedule slot fires once; a stored response is found
// again by (user, key) until it is purged.
#include "store_fixture.h"

#include <algorithm>
#include <mutex>
#include <thread>

namespace parkd::store_test {
namespace {

NewJob new_job(std::int64_t run_at, std::string type = "email",
               std::optional<std::string> dedupe_key = std::nullopt) {
  NewJob j;
  j.type = std::move(type);
  j.payload = R"({"n":1})";
  j.dedupe_key = std::move(dedupe_key);
  j.run_at = at(run_at);
  j.max_attempts = 3;
  return j;
}

// --- Claims and leases -----------------------------------------------------------------

TEST_P(StoreContract, JobsAreClaimedInRunAtOrderThenIdOrder) {
  Id late = write([](Tx& tx) { return tx.enqueue_job(new_job(30), at(0)); });
  Id early = write([](Tx& tx) { return tx.enqueue_job(new_job(10), at(0)); });
  Id tie_first = write([](Tx& tx) { return tx.enqueue_job(new_job(20), at(0)); });
  Id tie_second = write([](Tx& tx) { return tx.enqueue_job(new_job(20), at(0)); });
  Id future = write([](Tx& tx) { return tx.enqueue_job(new_job(500), at(0)); });
  std::vector<Id> claimed;
  for (int i = 0; i < 5; ++i) {
    auto j = write([](Tx& tx) { return tx.claim_job(at(100), at(10'000)); });
    if (!j) break;
    claimed.push_back(j->id);
  }
  EXPECT_EQ(claimed, (std::vector<Id>{early, tie_first, tie_second, late}));
  // Due exactly at `now` counts as due.
  auto j = write([](Tx& tx) { return tx.claim_job(at(500), at(560)); });
  ASSERT_TRUE(j.has_value());
  EXPECT_EQ(j->id, future);
}

TEST_P(StoreContract, AClaimMarksTheJobRunningCountsTheAttemptAndLeasesIt) {
  Id id = write([](Tx& tx) { return tx.enqueue_job(new_job(0), at(0)); });
  auto j = write([](Tx& tx) { return tx.claim_job(at(10), at(70)); });
  ASSERT_TRUE(j.has_value());
  EXPECT_EQ(j->id, id);
  EXPECT_EQ(j->status, "running");
  EXPECT_EQ(j->attempts, 1);
  EXPECT_EQ(j->lease_until, at(70));
  EXPECT_EQ(j->type, "email");
  EXPECT_EQ(j->payload, R"({"n":1})");
  EXPECT_EQ(j->max_attempts, 3);
  auto stored = read([&](Tx& tx) { return tx.job(id); });
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->status, "running");
  EXPECT_EQ(stored->lease_until, at(70));
}

TEST_P(StoreContract, AClaimedJobIsNotClaimedAgainUntilItsLeaseRanOut) {
  Id id = write([](Tx& tx) { return tx.enqueue_job(new_job(0), at(0)); });
  ASSERT_TRUE(write([](Tx& tx) { return tx.claim_job(at(100), at(160)); }));
  EXPECT_FALSE(write([](Tx& tx) { return tx.claim_job(at(159), at(219)); }));
  EXPECT_FALSE(write([](Tx& tx) { return tx.claim_job(at(160), at(220)); })) << "lease to 160";
  auto again = write([](Tx& tx) { return tx.claim_job(at(161), at(221)); });
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->id, id);
  EXPECT_EQ(again->attempts, 2);
  EXPECT_EQ(again->lease_until, at(221));
}

TEST_P(StoreContract, ALapsedLeaseIsTakenInRunAtOrderWithTheRunnableJobs) {
  Id lapsed = write([](Tx& tx) { return tx.enqueue_job(new_job(10), at(0)); });
  ASSERT_TRUE(write([](Tx& tx) { return tx.claim_job(at(10), at(20)); }));
  Id queued = write([](Tx& tx) { return tx.enqueue_job(new_job(15), at(0)); });
  auto first = write([](Tx& tx) { return tx.claim_job(at(100), at(200)); });
  auto second = write([](Tx& tx) { return tx.claim_job(at(100), at(200)); });
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->id, lapsed);
  EXPECT_EQ(second->id, queued);
}

TEST_P(StoreContract, AStaleAttemptCannotExtendFinishOrFailTheJob) {
  Id id = write([](Tx& tx) { return tx.enqueue_job(new_job(0), at(0)); });
  ASSERT_TRUE(write([](Tx& tx) { return tx.claim_job(at(0), at(10)); }));
  auto taken_over = write([](Tx& tx) { return tx.claim_job(at(11), at(100)); });
  ASSERT_TRUE(taken_over.has_value());
  ASSERT_EQ(taken_over->attempts, 2);
  write([&](Tx& tx) {
    EXPECT_FALSE(tx.extend_lease(id, 1, at(500)));
    EXPECT_FALSE(tx.finish_job(id, 1, at(20)));
    EXPECT_FALSE(tx.fail_job(id, 1, "old worker", std::nullopt, at(20)));
  });
  auto j = read([&](Tx& tx) { return tx.job(id); });
  EXPECT_EQ(j->status, "running");
  EXPECT_EQ(j->attempts, 2);
  EXPECT_EQ(j->lease_until, at(100));
  EXPECT_FALSE(j->last_error);
  // The current attempt may.
  EXPECT_TRUE(write([&](Tx& tx) { return tx.extend_lease(id, 2, at(300)); }));
  EXPECT_EQ(read([&](Tx& tx) { return tx.job(id); })->lease_until, at(300));
  EXPECT_TRUE(write([&](Tx& tx) { return tx.finish_job(id, 2, at(30)); }));
}

TEST_P(StoreContract, OnlyARunningJobCanBeExtendedFinishedOrFailed) {
  Id id = write([](Tx& tx) { return tx.enqueue_job(new_job(0), at(0)); });
  write([&](Tx& tx) {
    EXPECT_FALSE(tx.extend_lease(id, 0, at(50))) << "queued";
    EXPECT_FALSE(tx.finish_job(id, 0, at(50)));
    EXPECT_FALSE(tx.fail_job(id, 0, "x", at(60), at(50)));
  });
  ASSERT_TRUE(write([](Tx& tx) { return tx.claim_job(at(0), at(10)); }));
  EXPECT_TRUE(write([&](Tx& tx) { return tx.finish_job(id, 1, at(5)); }));
  EXPECT_FALSE(write([&](Tx& tx) { return tx.finish_job(id, 1, at(6)); })) << "already done";
  EXPECT_FALSE(write([&](Tx& tx) { return tx.fail_job(id, 1, "x", std::nullopt, at(6)); }));
  EXPECT_EQ(read([&](Tx& tx) { return tx.job(id); })->status, "succeeded");
}

TEST_P(StoreContract, AFailedAttemptRunsAgainAtItsRetryTimeAndSuccessClearsTheError) {
  Id id = write([](Tx& tx) { return tx.enqueue_job(new_job(0), at(0)); });
  ASSERT_TRUE(write([](Tx& tx) { return tx.claim_job(at(0), at(60)); }));
  EXPECT_TRUE(write([&](Tx& tx) { return tx.fail_job(id, 1, "smtp down", at(100), at(5)); }));
  auto failed = read([&](Tx& tx) { return tx.job(id); });
  EXPECT_EQ(failed->status, "failed");
  EXPECT_EQ(failed->last_error, "smtp down");
  EXPECT_EQ(failed->run_at, at(100));
  EXPECT_FALSE(failed->lease_until);
  EXPECT_FALSE(failed->finished_at);
  EXPECT_FALSE(write([](Tx& tx) { return tx.claim_job(at(99), at(150)); }));
  auto retried = write([](Tx& tx) { return tx.claim_job(at(100), at(160)); });
  ASSERT_TRUE(retried.has_value());
  EXPECT_EQ(retried->attempts, 2);
  EXPECT_EQ(retried->last_error, "smtp down") << "kept while it runs again";
  EXPECT_TRUE(write([&](Tx& tx) { return tx.finish_job(id, 2, at(110)); }));
  auto done = read([&](Tx& tx) { return tx.job(id); });
  EXPECT_EQ(done->status, "succeeded");
  EXPECT_FALSE(done->last_error);
  EXPECT_FALSE(done->lease_until);
  EXPECT_EQ(done->finished_at, at(110));
}

TEST_P(StoreContract, AFailureWithoutRetryIsDeadAndNeverClaimed) {
  Id id = write([](Tx& tx) { return tx.enqueue_job(new_job(0), at(0)); });
  ASSERT_TRUE(write([](Tx& tx) { return tx.claim_job(at(0), at(60)); }));
  EXPECT_TRUE(
      write([&](Tx& tx) { return tx.fail_job(id, 1, "bad address", std::nullopt, at(7)); }));
  auto dead = read([&](Tx& tx) { return tx.job(id); });
  EXPECT_EQ(dead->status, "dead");
  EXPECT_EQ(dead->last_error, "bad address");
  EXPECT_EQ(dead->finished_at, at(7));
  EXPECT_FALSE(write([](Tx& tx) { return tx.claim_job(at(100'000), at(100'060)); }));
  EXPECT_FALSE(read([](Tx& tx) { return tx.next_job_due(); }));
}

TEST_P(StoreContract, NextJobDueIsTheEarliestRunAtOrLeaseEndOfAWaitingJob) {
  EXPECT_FALSE(read([](Tx& tx) { return tx.next_job_due(); }));
  write([](Tx& tx) { tx.enqueue_job(new_job(500), at(0)); });
  EXPECT_EQ(read([](Tx& tx) { return tx.next_job_due(); }), at(500));
  Id failing = write([](Tx& tx) { return tx.enqueue_job(new_job(0), at(0)); });
  ASSERT_TRUE(write([](Tx& tx) { return tx.claim_job(at(0), at(200)); }));
  EXPECT_EQ(read([](Tx& tx) { return tx.next_job_due(); }), at(200)) << "the lease's end";
  write([&](Tx& tx) { tx.fail_job(failing, 1, "x", at(300), at(1)); });
  EXPECT_EQ(read([](Tx& tx) { return tx.next_job_due(); }), at(300)) << "the retry";
}

// Workers claim from several threads at once (and, on PostgreSQL, several processes):
// each job goes to exactly one of them, and one schedule slot fires once.
TEST_P(StoreContract, ConcurrentClaimsTakeEachJobOnceAndEachSlotOnce) {
  constexpr int kJobs = 24;
  constexpr int kWorkers = 4;
  write([](Tx& tx) {
    for (int i = 0; i < kJobs; ++i) tx.enqueue_job(new_job(i), at(0));
  });
  std::mutex mutex;
  std::vector<Id> claimed;
  int slots_won = 0;
  std::vector<std::thread> workers;
  for (int w = 0; w < kWorkers; ++w) {
    workers.emplace_back([&] {
      bool won = false;
      Status slot = store_->write([&](Tx& tx) {
        won = tx.claim_schedule_run("nightly", at(3600), new_job(3600, "report"), at(3600));
        return ok_status();
      });
      EXPECT_TRUE(slot.ok());
      for (;;) {
        std::optional<Job> job;
        Status st = store_->write([&](Tx& tx) {
          job = tx.claim_job(at(1000), at(2000));
          return ok_status();
        });
        EXPECT_TRUE(st.ok());
        if (!st.ok() || !job) break;
        std::lock_guard lock(mutex);
        claimed.push_back(job->id);
      }
      std::lock_guard lock(mutex);
      slots_won += won ? 1 : 0;
    });
  }
  for (auto& t : workers) t.join();
  EXPECT_EQ(slots_won, 1);
  // The slot's job (run_at 3600) is not due at 1000: the claims took the others.
  ASSERT_EQ(claimed.size(), static_cast<std::size_t>(kJobs));
  std::sort(claimed.begin(), claimed.end());
  EXPECT_EQ(std::adjacent_find(claimed.begin(), claimed.end()), claimed.end()) << "one twice";
  EXPECT_EQ(read([](Tx& tx) { return tx.count_jobs(std::string("running"), std::nullopt); }),
            kJobs);
}

// --- Operator actions and retention ----------------------------------------------------

TEST_P(StoreContract, OnlyDeadOrFailedJobsAreRequeued) {
  Id dead = write([](Tx& tx) { return tx.enqueue_job(new_job(0), at(0)); });
  ASSERT_TRUE(write([](Tx& tx) { return tx.claim_job(at(0), at(60)); }));
  write([&](Tx& tx) { tx.fail_job(dead, 1, "gave up", std::nullopt, at(1)); });
  Id failed = write([](Tx& tx) { return tx.enqueue_job(new_job(1), at(0)); });
  ASSERT_TRUE(write([](Tx& tx) { return tx.claim_job(at(1), at(60)); }));
  write([&](Tx& tx) { tx.fail_job(failed, 1, "later", at(900), at(2)); });
  Id succeeded = write([](Tx& tx) { return tx.enqueue_job(new_job(2), at(0)); });
  ASSERT_TRUE(write([](Tx& tx) { return tx.claim_job(at(2), at(60)); }));
  write([&](Tx& tx) { tx.finish_job(succeeded, 1, at(3)); });
  Id running = write([](Tx& tx) { return tx.enqueue_job(new_job(3), at(0)); });
  ASSERT_TRUE(write([](Tx& tx) { return tx.claim_job(at(3), at(60)); }));
  Id queued = write([](Tx& tx) { return tx.enqueue_job(new_job(800), at(0)); });

  write([&](Tx& tx) {
    EXPECT_FALSE(tx.requeue_job(succeeded, at(50)));
    EXPECT_FALSE(tx.requeue_job(running, at(50)));
    EXPECT_FALSE(tx.requeue_job(queued, at(50)));
    EXPECT_FALSE(tx.requeue_job(999'999, at(50)));
    EXPECT_TRUE(tx.requeue_job(dead, at(50)));
    EXPECT_TRUE(tx.requeue_job(failed, at(50)));
  });
  for (Id id : {dead, failed}) {
    auto j = read([&](Tx& tx) { return tx.job(id); });
    EXPECT_EQ(j->status, "queued") << id;
    EXPECT_EQ(j->attempts, 0) << id;
    EXPECT_EQ(j->run_at, at(50)) << id;
    EXPECT_FALSE(j->finished_at) << id;
    EXPECT_TRUE(j->last_error) << "kept until it succeeds";
  }
  auto next = write([](Tx& tx) { return tx.claim_job(at(50), at(110)); });
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(next->id, dead);
  EXPECT_EQ(next->attempts, 1);
}

TEST_P(StoreContract, OnlyDeadOrSucceededJobsAreDeleted) {
  Id dead = write([](Tx& tx) { return tx.enqueue_job(new_job(0), at(0)); });
  ASSERT_TRUE(write([](Tx& tx) { return tx.claim_job(at(0), at(60)); }));
  write([&](Tx& tx) { tx.fail_job(dead, 1, "gave up", std::nullopt, at(1)); });
  Id failed = write([](Tx& tx) { return tx.enqueue_job(new_job(1), at(0)); });
  ASSERT_TRUE(write([](Tx& tx) { return tx.claim_job(at(1), at(60)); }));
  write([&](Tx& tx) { tx.fail_job(failed, 1, "later", at(900), at(2)); });
  Id succeeded = write([](Tx& tx) { return tx.enqueue_job(new_job(2), at(0)); });
  ASSERT_TRUE(write([](Tx& tx) { return tx.claim_job(at(2), at(60)); }));
  write([&](Tx& tx) { tx.finish_job(succeeded, 1, at(3)); });
  Id running = write([](Tx& tx) { return tx.enqueue_job(new_job(3), at(0)); });
  ASSERT_TRUE(write([](Tx& tx) { return tx.claim_job(at(3), at(60)); }));
  Id queued = write([](Tx& tx) { return tx.enqueue_job(new_job(800), at(0)); });

  write([&](Tx& tx) {
    EXPECT_FALSE(tx.delete_finished_job(failed));
    EXPECT_FALSE(tx.delete_finished_job(running));
    EXPECT_FALSE(tx.delete_finished_job(queued));
    EXPECT_FALSE(tx.delete_finished_job(999'999));
    EXPECT_TRUE(tx.delete_finished_job(dead));
    EXPECT_TRUE(tx.delete_finished_job(succeeded));
  });
  read([&](Tx& tx) {
    EXPECT_FALSE(tx.job(dead));
    EXPECT_FALSE(tx.job(succeeded));
    EXPECT_EQ(tx.count_jobs(std::nullopt, std::nullopt), 3);
  });
}

TEST_P(StoreContract, RetentionDeletesOldSucceededJobsAndKeepsDeadOnes) {
  Id old_done = write([](Tx& tx) { return tx.enqueue_job(new_job(0), at(0)); });
  ASSERT_TRUE(write([](Tx& tx) { return tx.claim_job(at(0), at(60)); }));
  write([&](Tx& tx) { tx.finish_job(old_done, 1, at(10)); });
  Id new_done = write([](Tx& tx) { return tx.enqueue_job(new_job(1), at(0)); });
  ASSERT_TRUE(write([](Tx& tx) { return tx.claim_job(at(1), at(60)); }));
  write([&](Tx& tx) { tx.finish_job(new_done, 1, at(100)); });
  Id old_dead = write([](Tx& tx) { return tx.enqueue_job(new_job(2), at(0)); });
  ASSERT_TRUE(write([](Tx& tx) { return tx.claim_job(at(2), at(60)); }));
  write([&](Tx& tx) { tx.fail_job(old_dead, 1, "x", std::nullopt, at(10)); });

  EXPECT_EQ(write([](Tx& tx) { return tx.purge_finished_jobs(at(100)); }), 1);
  read([&](Tx& tx) {
    EXPECT_FALSE(tx.job(old_done));
    EXPECT_TRUE(tx.job(new_done)) << "finished exactly at the cut-off";
    EXPECT_TRUE(tx.job(old_dead));
  });
}

TEST_P(StoreContract, ADedupeKeyEnqueuesOnceAndAnswersWithTheFirstJob) {
  Id first = write([](Tx& tx) { return tx.enqueue_job(new_job(0, "email", "welcome:7"), at(0)); });
  Id again = write([](Tx& tx) { return tx.enqueue_job(new_job(50, "email", "welcome:7"), at(1)); });
  Id other = write([](Tx& tx) { return tx.enqueue_job(new_job(0, "email", "welcome:8"), at(1)); });
  EXPECT_EQ(again, first);
  EXPECT_NE(other, first);
  EXPECT_EQ(read([](Tx& tx) { return tx.count_jobs(std::nullopt, std::nullopt); }), 2);
  EXPECT_EQ(read([&](Tx& tx) { return tx.job(first); })->run_at, at(0)) << "unchanged";
}

// enqueue_job_deferred (booking emails): PostgreSQL sends the insert with the unit's
// next statement or its COMMIT. The job must be there after a commit, in order before
// what the unit reads next, and gone with a unit that fails or a nested unit undone.
TEST_P(StoreContract, ADeferredJobIsStoredByTheCommitEvenAsTheUnitsOnlyWrite) {
  write([](Tx& tx) { tx.enqueue_job_deferred(new_job(5, "only"), at(0)); });
  auto listed = read([](Tx& tx) { return tx.jobs(std::nullopt, std::nullopt, 10, 0); });
  ASSERT_EQ(listed.size(), 1U);
  EXPECT_EQ(listed[0].type, "only");
  EXPECT_EQ(listed[0].run_at, at(5));
  EXPECT_EQ(listed[0].status, "queued");
}

TEST_P(StoreContract, ADeferredJobIsSeenByTheUnitsNextStatement) {
  write([](Tx& tx) {
    tx.enqueue_job_deferred(new_job(0, "email", "confirm:1"), at(0));
    tx.enqueue_job_deferred(new_job(0, "email", "confirm:1"), at(0));
    EXPECT_EQ(tx.count_jobs(std::nullopt, std::nullopt), 1) << "one dedupe key, one job";
    tx.enqueue_job_deferred(new_job(0, "email", "confirm:2"), at(0));
  });
  EXPECT_EQ(read([](Tx& tx) { return tx.count_jobs(std::nullopt, std::nullopt); }), 2);
}

TEST_P(StoreContract, ADeferredJobGoesWithAUnitThatFailsOrANestedUnitUndone) {
  Status failed = store_->write([](Tx& tx) -> Status {
    tx.enqueue_job_deferred(new_job(0, "dropped"), at(0));
    return Error::conflict("lot_full", "no spot");
  });
  EXPECT_FALSE(failed.ok());
  Status outer = store_->write([&](Tx& tx) -> Status {
    tx.enqueue_job_deferred(new_job(0, "kept"), at(0));
    Status inner = store_->write([](Tx& nested) -> Status {
      nested.enqueue_job_deferred(new_job(0, "undone"), at(0));
      return Error::conflict("taken", "no");
    });
    EXPECT_FALSE(inner.ok());
    return ok_status();
  });
  ASSERT_TRUE(outer.ok());
  auto listed = read([](Tx& tx) { return tx.jobs(std::nullopt, std::nullopt, 10, 0); });
  ASSERT_EQ(listed.size(), 1U);
  EXPECT_EQ(listed[0].type, "kept");
}

TEST_P(StoreContract, JobListsAreNewestFirstFilteredAndCounted) {
  Id a = write([](Tx& tx) { return tx.enqueue_job(new_job(0, "email"), at(0)); });
  Id b = write([](Tx& tx) { return tx.enqueue_job(new_job(0, "report"), at(0)); });
  Id c = write([](Tx& tx) { return tx.enqueue_job(new_job(900, "email"), at(0)); });
  ASSERT_TRUE(write([](Tx& tx) { return tx.claim_job(at(0), at(60)); }));  // a: running
  read([&](Tx& tx) {
    auto ids = [](const std::vector<Job>& jobs) {
      std::vector<Id> out;
      for (const Job& j : jobs) out.push_back(j.id);
      return out;
    };
    EXPECT_EQ(ids(tx.jobs(std::nullopt, std::nullopt, 10, 0)), (std::vector<Id>{c, b, a}));
    EXPECT_EQ(ids(tx.jobs(std::nullopt, std::nullopt, 1, 1)), (std::vector<Id>{b}));
    EXPECT_EQ(ids(tx.jobs(std::string("queued"), std::nullopt, 10, 0)), (std::vector<Id>{c, b}));
    EXPECT_EQ(ids(tx.jobs(std::string("queued"), std::string("email"), 10, 0)),
              (std::vector<Id>{c}));
    EXPECT_EQ(tx.count_jobs(std::nullopt, std::string("email")), 2);
    EXPECT_EQ(tx.count_jobs(std::string("running"), std::nullopt), 1);
    auto counts = tx.job_counts();
    ASSERT_EQ(counts.size(), 3u);
    EXPECT_EQ(counts[0].type, "email");
    EXPECT_EQ(counts[0].status, "queued");
    EXPECT_EQ(counts[0].count, 1);
    EXPECT_EQ(counts[1].status, "running");
    EXPECT_EQ(counts[2].type, "report");
  });
}

TEST_P(StoreContract, JobProgressIsAnEmptyObjectUntilSet) {
  Id id = write([](Tx& tx) { return tx.enqueue_job(new_job(0), at(0)); });
  EXPECT_EQ(read([&](Tx& tx) { return tx.job_progress(id); }), "{}");
  write([&](Tx& tx) { tx.set_job_progress(id, R"({"sent":true})"); });
  EXPECT_EQ(read([&](Tx& tx) { return tx.job_progress(id); }), R"({"sent":true})");
  EXPECT_EQ(read([](Tx& tx) { return tx.job_progress(999'999); }), "{}");
}

// --- Schedules -------------------------------------------------------------------------

TEST_P(StoreContract, AScheduleSlotIsClaimedOnceAndEnqueuesOneJob) {
  EXPECT_FALSE(read([](Tx& tx) { return tx.last_schedule_run("nightly"); }));
  EXPECT_TRUE(write([](Tx& tx) {
    return tx.claim_schedule_run("nightly", at(3600), new_job(3600, "report"), at(3601));
  }));
  EXPECT_FALSE(write([](Tx& tx) {
    return tx.claim_schedule_run("nightly", at(3600), new_job(3600, "report"), at(3602));
  }));
  EXPECT_EQ(read([](Tx& tx) { return tx.count_jobs(std::nullopt, std::string("report")); }), 1);
  // Another slot, or another schedule at the same time, is a claim of its own.
  EXPECT_TRUE(write([](Tx& tx) {
    return tx.claim_schedule_run("nightly", at(7200), new_job(7200, "report"), at(7201));
  }));
  EXPECT_TRUE(write([](Tx& tx) {
    return tx.claim_schedule_run("weekly", at(3600), new_job(3600, "report"), at(3601));
  }));
  EXPECT_EQ(read([](Tx& tx) { return tx.count_jobs(std::nullopt, std::string("report")); }), 3);
  EXPECT_EQ(read([](Tx& tx) { return tx.last_schedule_run("nightly"); }), at(7200));
}

TEST_P(StoreContract, PurgingScheduleRunsKeepsEachSchedulesLatest) {
  for (std::int64_t due : {100, 200, 300}) {
    write([&](Tx& tx) { tx.claim_schedule_run("a", at(due), new_job(due), at(due)); });
  }
  write([](Tx& tx) { tx.claim_schedule_run("b", at(100), new_job(100), at(100)); });
  EXPECT_EQ(write([](Tx& tx) { return tx.purge_schedule_runs(at(1000)); }), 2);
  EXPECT_EQ(read([](Tx& tx) { return tx.last_schedule_run("a"); }), at(300));
  EXPECT_EQ(read([](Tx& tx) { return tx.last_schedule_run("b"); }), at(100));
  // The purged slots are gone: claiming one again succeeds.
  EXPECT_TRUE(write([](Tx& tx) { return tx.claim_schedule_run("a", at(100), new_job(1), at(1)); }));
  EXPECT_FALSE(
      write([](Tx& tx) { return tx.claim_schedule_run("a", at(300), new_job(1), at(1)); }));
}

// --- Idempotency records ---------------------------------------------------------------

TEST_P(StoreContract, AStoredResponseIsFoundByItsUserAndKey) {
  Id other = write([](Tx& tx) { return tx.insert_user(new_user("other@example.com", {})); });
  write([&](Tx& tx) {
    tx.store_idempotent_response(user_, "key-1", StoredResponse{201, R"({"id":5})", "h1"}, at(100));
  });
  read([&](Tx& tx) {
    auto r = tx.idempotent_response(user_, "key-1", at(0));
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->status, 201);
    EXPECT_EQ(r->body, R"({"id":5})");
    EXPECT_EQ(r->request_hash, "h1");
    EXPECT_FALSE(tx.idempotent_response(other, "key-1", at(0))) << "keys are per user";
    EXPECT_FALSE(tx.idempotent_response(user_, "key-2", at(0)));
    EXPECT_FALSE(tx.idempotent_response(user_, "KEY-1", at(0))) << "keys are exact";
  });
}

TEST_P(StoreContract, AStoredResponseOlderThanNotBeforeIsNotFound) {
  write([&](Tx& tx) {
    tx.store_idempotent_response(user_, "k", StoredResponse{409, "{}", "h"}, at(100));
  });
  EXPECT_TRUE(read([&](Tx& tx) { return tx.idempotent_response(user_, "k", at(100)); }));
  EXPECT_FALSE(read([&](Tx& tx) { return tx.idempotent_response(user_, "k", at(101)); }));
}

TEST_P(StoreContract, StoringAResponseAgainReplacesTheOldOne) {
  write([&](Tx& tx) {
    tx.store_idempotent_response(user_, "k", StoredResponse{500, "old", "h-old"}, at(100));
  });
  write([&](Tx& tx) {
    tx.store_idempotent_response(user_, "k", StoredResponse{201, "new", "h-new"}, at(200));
  });
  auto r = read([&](Tx& tx) { return tx.idempotent_response(user_, "k", at(150)); });
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 201);
  EXPECT_EQ(r->body, "new");
  EXPECT_EQ(r->request_hash, "h-new");
}

TEST_P(StoreContract, PurgingIdempotencyKeysDeletesThoseStoredBeforeTheCutOff) {
  write([&](Tx& tx) {
    tx.store_idempotent_response(user_, "old", StoredResponse{201, "a", "h"}, at(99));
    tx.store_idempotent_response(user_, "edge", StoredResponse{201, "b", "h"}, at(100));
  });
  write([](Tx& tx) { tx.purge_idempotency_keys(at(100)); });
  read([&](Tx& tx) {
    EXPECT_FALSE(tx.idempotent_response(user_, "old", at(0)));
    EXPECT_TRUE(tx.idempotent_response(user_, "edge", at(0)));
  });
}

// --- Reads inside a write --------------------------------------------------------------

// A write unit reads what it is about to change (PostgreSQL locks those rows, with
// statements of their own): it must see the same rows a read sees, and its own writes.
TEST_P(StoreContract, AWriteUnitReadsWhatAReadSeesAndItsOwnChanges) {
  Id lot = write([](Tx& tx) {
    Id id = tx.insert_lot("North", "1 Road", 150, at(0));
    tx.add_spots(id, 2);
    EXPECT_EQ(tx.lot(id, at(0))->capacity, 2) << "its own insert";
    return id;
  });
  Spot spot = spot_number(lot, 1);
  Id b = book(lot, 1, window(0, std::nullopt));
  Id job = write([](Tx& tx) { return tx.enqueue_job(new_job(0), at(0)); });
  write([&](Tx& tx) {
    tx.set_job_progress(job, R"({"step":1})");
    tx.store_idempotent_response(user_, "k", StoredResponse{201, "body", "hash"}, at(5));
  });
  write([&](Tx& tx) {
    auto l = tx.lot(lot, at(10));
    ASSERT_TRUE(l.has_value());
    EXPECT_EQ(l->occupied_spots, 1);
    EXPECT_EQ(tx.lot_record(lot)->price_cents, 150);
    auto booked = tx.booking(b);
    ASSERT_TRUE(booked.has_value());
    EXPECT_EQ(booked->spot_id, spot.id);
    EXPECT_EQ(tx.job_progress(job), R"({"step":1})");
    auto stored = tx.idempotent_response(user_, "k", at(0));
    ASSERT_TRUE(stored.has_value());
    EXPECT_EQ(stored->request_hash, "hash");
    EXPECT_FALSE(tx.idempotent_response(user_, "other", at(0)));
    EXPECT_FALSE(tx.booking(999'999));
    EXPECT_FALSE(tx.lot(999'999, at(0)));
  });
}

}  // namespace
}  // namespace parkd::store_test
