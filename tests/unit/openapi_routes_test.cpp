// docs/openapi.yaml and the router agree: every route App serves is in the document,
// and every operation of the document is served, but those marked
// `x-parkd-status: planned`. The document is read as the build embedded it
// (openapi.json, written by scripts/openapi-json.mjs), the routes from a real App.
#include "api/app.h"
#include "common/embedded.h"
#include "store/store.h"
#include "support/scratch_dir.h"

#include <date/tz.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <regex>
#include <set>
#include <string>

namespace parkd {
namespace {

// "/api/lots/{id}/spots/{spot_id}" -> "/api/lots/{}/spots/{}": parameter names differ
// freely between the document and the router.
std::string shape(const std::string& path) {
  static const std::regex param(R"(\{[^}]*\})");
  return std::regex_replace(path, param, "{}");
}

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return s;
}

class OpenApiRoutes : public ::testing::Test {
 protected:
  void SetUp() override {
    auto web = embedded_web();
    if (web.empty()) GTEST_SKIP() << "this build has no web files (no npm): nothing to compare";
    const auto* file = find_embedded(web, "openapi.json");
    ASSERT_NE(file, nullptr) << "the web build did not write openapi.json";
    doc_ = nlohmann::json::parse(file->data);

    auto store = open_store("sqlite:///" + (dir_ / "routes.db").string(), StoreOptions{});
    ASSERT_TRUE(store.ok());
    store_ = std::move(*store);
  }

  // METHOD + path shape of every operation of the document, planned ones apart.
  std::set<std::string> documented(bool planned) const {
    static const std::set<std::string> kMethods = {"get",   "put",     "post", "delete",
                                                   "patch", "options", "head", "trace"};
    std::set<std::string> out;
    for (const auto& [path, item] : doc_["paths"].items()) {
      for (const auto& [method, op] : item.items()) {
        if (!kMethods.count(method)) continue;
        bool is_planned = op.value("x-parkd-status", "") == "planned";
        if (is_planned == planned) out.insert(upper(method) + " " + shape(path));
      }
    }
    return out;
  }

  std::set<std::string> served() const {
    Config config;
    TokenSigner signer("secret-for-the-route-list-0123456789", 3600);
    LoginThrottle throttle(5, 20, std::chrono::seconds(60));
    AuthService auth(*store_, signer, throttle);
    AccountService accounts(*store_, (dir_ / "instance").string(), "admin@example.com");
    LotService lots(*store_);
    BookingService bookings(*store_, 60, 5);
    StatsService stats(*store_, date::locate_zone("UTC"));
    JobService jobs(*store_, 5);
    PasswordResetService password_reset(*store_, accounts, throttle, 5);
    App app(Services{config, *store_, auth, accounts, lots, bookings, stats, jobs, password_reset});
    std::set<std::string> out;
    for (const auto& r : app.routes()) out.insert(r.method + " " + shape(r.pattern));
    return out;
  }

  testing::ScratchDir dir_;
  std::unique_ptr<Store> store_;
  nlohmann::json doc_;
};

TEST_F(OpenApiRoutes, EveryServedRouteIsDocumented) {
  auto documented_now = documented(false);
  auto planned = documented(true);
  for (const auto& route : served()) {
    EXPECT_TRUE(documented_now.count(route))
        << route << " is served but not in docs/openapi.yaml"
        << (planned.count(route) ? " (it is still marked x-parkd-status: planned)" : "");
  }
}

TEST_F(OpenApiRoutes, EveryDocumentedOperationIsServed) {
  auto routes = served();
  for (const auto& op : documented(false)) {
    EXPECT_TRUE(routes.count(op)) << op << " is in docs/openapi.yaml but parkd does not serve it"
                                  << " (mark it x-parkd-status: planned if it is to come)";
  }
}

TEST_F(OpenApiRoutes, PlannedOperationsAreNotServedYet) {
  auto routes = served();
  for (const auto& op : documented(true)) {
    EXPECT_FALSE(routes.count(op)) << op << " is served: drop its x-parkd-status: planned";
  }
}

}  // namespace
}  // namespace parkd
