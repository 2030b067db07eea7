// parkd serves its own HTTP contract: the OpenAPI document at GET /api/openapi.json and a
// browsable reference of it at GET /api/docs whose every asset parkd serves itself.
#include "support/parkd_process.h"

#include <gtest/gtest.h>

#include <regex>
#include <string>
#include <vector>

namespace parkd::test {
namespace {

// The document and its page are written by the web build, which make build-all runs
// for the release build; a build without it (the ASan build, no npm) serves no UI at
// all and answers both with a JSON 404.
bool web_files_built(const ParkdProcess& parkd) {
  auto index = parkd.client().request("GET", "/", "", {"Accept: text/html"});
  return index.status == 200;
}

}  // namespace

TEST(Contract, OpenApiDocumentIsServedAsJsonWithItsPaths) {
  ParkdProcess parkd;
  if (!web_files_built(parkd)) GTEST_SKIP() << "this build has no web files (see make build-all)";
  auto r = parkd.client().get("/api/openapi.json");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("content-type").value_or(""), "application/json");
  auto doc = r.json();
  ASSERT_TRUE(doc.is_object()) << r.body.substr(0, 200);
  ASSERT_TRUE(doc["openapi"].is_string());
  EXPECT_EQ(doc["openapi"].get<std::string>().rfind("3.1.", 0), 0u) << doc["openapi"];
  ASSERT_TRUE(doc["paths"].is_object());
  EXPECT_TRUE(doc["paths"].contains("/api/book"));
  EXPECT_TRUE(doc["paths"]["/api/lots"].contains("get"));
  EXPECT_TRUE(doc["components"]["securitySchemes"].contains("bearerAuth"));
}

TEST(Contract, OpenApiDocumentNeedsNoToken) {
  ParkdProcess parkd;
  if (!web_files_built(parkd)) GTEST_SKIP() << "this build has no web files (see make build-all)";
  EXPECT_EQ(parkd.client().get("/api/openapi.json").status, 200);
  EXPECT_EQ(parkd.client().get("/api/docs").status, 200);
}

TEST(Contract, DocsPageLoadsOnlyAssetsOfParkdItself) {
  ParkdProcess parkd;
  if (!web_files_built(parkd)) GTEST_SKIP() << "this build has no web files (see make build-all)";
  auto client = parkd.client();
  auto page = client.get("/api/docs");
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_EQ(page.header("content-type").value_or("").rfind("text/html", 0), 0u);
  // Scripts from parkd only: the page starts Redoc from a file, not inline.
  EXPECT_NE(page.header("content-security-policy").value_or("").find("script-src 'self';"),
            std::string::npos)
      << page.header("content-security-policy").value_or("(none)");
  EXPECT_EQ(page.body.find("<script>"), std::string::npos) << "an inline script: " << page.body;

  std::regex attribute(R"re(\b(src|href)\s*=\s*["']([^"']*)["'])re", std::regex::icase);
  std::vector<std::string> urls;
  for (std::sregex_iterator it(page.body.begin(), page.body.end(), attribute), end; it != end;
       ++it) {
    urls.push_back((*it)[2].str());
  }
  ASSERT_FALSE(urls.empty()) << "the page loads no script: " << page.body;
  bool loads_the_document = false;
  for (const auto& url : urls) {
    EXPECT_EQ(url.find("http://"), std::string::npos) << url;
    EXPECT_EQ(url.find("https://"), std::string::npos) << url;
    EXPECT_NE(url.rfind("//", 0), 0u) << "protocol-relative: " << url;
    // Each asset the page names is there, from parkd.
    if (url.rfind("/", 0) == 0) {
      auto asset = client.request("GET", url);
      EXPECT_EQ(asset.status, 200) << url;
      EXPECT_FALSE(asset.body.empty()) << url;
      loads_the_document |= asset.body.find("/api/openapi.json") != std::string::npos;
    }
  }
  EXPECT_TRUE(loads_the_document) << "no script of the page loads /api/openapi.json";
}

}  // namespace parkd::test
