// The SQLite database on a disk that fills up under a running parkd (a small tmpfs
// mounted for the test; needs root, skips otherwise). Writes must answer a JSON 5xx,
// reads must go on, the cause must be logged once rather than per request, and writes
// must work again once there is room, without a restart; nothing acknowledged may be
// lost. SQLite only: the PostgreSQL server's disk is its own. (A disk turning read-only
// under parkd cannot be staged this way: Linux refuses to remount a file system
// read-only while a process holds a file on it open for writing.)
#include "support/api_helpers.h"
#include "support/parkd_process.h"
#include "support/test_database.h"

#include <gtest/gtest.h>

#include <sys/mount.h>

#include <fstream>
#include <set>
#include <thread>

namespace parkd::test {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

std::size_t count_lines_with(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (std::size_t at = text.find(needle); at != std::string::npos;
       at = text.find(needle, at + needle.size())) {
    ++n;
  }
  return n;
}

class DiskFaults : public ::testing::Test {
 protected:
  void SetUp() override {
    if (testing_postgres()) GTEST_SKIP() << "the database is on the PostgreSQL server's disk";
    fs_ = dir_.path() / "fs";
    fs::create_directories(fs_);
    if (::mount("tmpfs", fs_.c_str(), "tmpfs", 0, "size=6m,mode=0700") != 0) {
      GTEST_SKIP() << "cannot mount a tmpfs here (needs root): " << std::strerror(errno);
    }
    mounted_ = true;
    parkd_ = std::make_unique<ParkdProcess>(
        Env{{"DATABASE_URL", "sqlite:///" + (fs_ / "parking.db").string()}},
        std::vector<std::string>{"serve"}, dir_.path());
    admin_ = parkd_->admin_token();
    lot_id_ = create_lot(http(), admin_, 200)["id"].get<std::int64_t>();
    user_ = make_user(*parkd_, "disk");
  }
  void TearDown() override {
    parkd_.reset();
    if (mounted_) ::umount2(fs_.c_str(), MNT_DETACH);
  }

  HttpClient http() const { return parkd_->client(); }

  // Books once; remembers the booking when it was acknowledged.
  HttpResult try_book() {
    auto r = book(http(), user_.token, {{"lot_id", lot_id_}});
    if (r.status == 201) acknowledged_.insert(r.json()["booking"]["id"].get<std::int64_t>());
    return r;
  }

  // Restarts parkd on the same database and checks every acknowledged booking is there.
  void expect_nothing_acknowledged_lost() {
    parkd_ = std::make_unique<ParkdProcess>(
        Env{{"DATABASE_URL", "sqlite:///" + (fs_ / "parking.db").string()}},
        std::vector<std::string>{"serve"}, dir_.path());
    std::set<std::int64_t> stored;
    for (const auto& b : admin_bookings(http(), parkd_->admin_token(), ""))
      stored.insert(b["id"].get<std::int64_t>());
    for (auto id : acknowledged_) EXPECT_TRUE(stored.contains(id)) << "booking " << id << " lost";
  }

  TempDir dir_;
  fs::path fs_;
  bool mounted_ = false;
  std::unique_ptr<ParkdProcess> parkd_;
  std::string admin_;
  std::int64_t lot_id_ = 0;
  TestUser user_;
  std::set<std::int64_t> acknowledged_;
};

TEST_F(DiskFaults, AFullDiskFailsWritesWithJsonReadsGoOnAndWritesResumeWhenSpaceReturns) {
  ASSERT_EQ(try_book().status, 201);
  {  // Fill the file system to the last byte.
    std::ofstream filler(fs_ / "filler", std::ios::binary);
    std::string block(64 * 1024, 'x');
    while (filler.write(block.data(), static_cast<std::streamsize>(block.size()))) {
    }
  }
  int failed = 0;
  for (int i = 0; i < 30; ++i) {
    auto r = try_book();
    if (r.status == 201) continue;  // the WAL may still have room for a few
    ++failed;
    EXPECT_GE(r.status, 500) << r.body;
    EXPECT_TRUE(r.json().contains("error") && r.json().contains("message")) << r.body;
    EXPECT_EQ(r.body.find("SQLITE"), std::string::npos) << "no database internals: " << r.body;
  }
  EXPECT_GT(failed, 0) << "the disk never filled up";
  EXPECT_EQ(http().get("/api/lots", user_.token).status, 200) << "reads go on";
  EXPECT_EQ(count_lines_with(parkd_->log(), "full"), 1u)
      << "the cause is logged once, not per request:\n"
      << parkd_->log();

  fs::remove(fs_ / "filler");
  bool recovered = false;
  for (int i = 0; i < 50 && !recovered; ++i) {
    recovered = try_book().status == 201;
    if (!recovered) std::this_thread::sleep_for(100ms);
  }
  EXPECT_TRUE(recovered) << "writes did not resume without a restart";
  expect_nothing_acknowledged_lost();
}

}  // namespace
}  // namespace parkd::test
