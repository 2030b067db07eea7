#include "auth/password.h"
#include "auth/throttle.h"
#include "auth/token.h"

#include <gtest/gtest.h>
#include <sodium/crypto_auth_hmacsha256.h>
#include <nlohmann/json.hpp>

namespace parkd {
namespace {

const Timestamp kNow = from_unix(1'795'000'000);

TokenSigner signer() { return TokenSigner("unit-test-secret-0123456789", 3600); }

std::string forge(const std::string& header_json, const std::string& payload_json,
                  const std::string& signature) {
  return base64url_encode(header_json) + "." + base64url_encode(payload_json) + "." + signature;
}

TEST(Token, VerifiesWhatItIssued) {
  auto token = signer().issue(42, 7, kNow);
  auto claims = signer().verify(token, kNow + std::chrono::seconds(10));
  ASSERT_TRUE(claims.ok()) << claims.error().message;
  EXPECT_EQ(claims->user_id, 42);
  EXPECT_EQ(claims->version, 7);
  EXPECT_EQ(claims->issued_at, kNow);
  EXPECT_EQ(claims->expires_at, kNow + std::chrono::seconds(3600));
}

TEST(Token, CarriesSubIatExpAndVersionClaims) {
  auto token = signer().issue(42, 7, kNow);
  auto first = token.find('.');
  auto payload = base64url_decode(token.substr(first + 1, token.rfind('.') - first - 1));
  ASSERT_TRUE(payload);
  auto claims = nlohmann::json::parse(*payload);
  EXPECT_EQ(claims["sub"], "42");
  EXPECT_EQ(claims["iat"], to_unix(kNow));
  EXPECT_EQ(claims["exp"], to_unix(kNow) + 3600);
  EXPECT_EQ(claims["ver"], 7);
}

TEST(Token, RejectsAnExpiredToken) {
  auto token = signer().issue(1, 0, kNow);
  EXPECT_FALSE(signer().verify(token, kNow + std::chrono::seconds(3600)).ok());
  EXPECT_EQ(signer().verify(token, kNow + std::chrono::seconds(3601)).error().kind,
            ErrorKind::unauthorized);
}

TEST(Token, RejectsATamperedPayload) {
  auto token = signer().issue(1, 0, kNow);
  auto first = token.find('.'), last = token.rfind('.');
  std::string evil = base64url_encode(R"({"sub":"2","iat":1795000000,"exp":1895000000,"ver":0})");
  std::string tampered = token.substr(0, first + 1) + evil + token.substr(last);
  EXPECT_FALSE(signer().verify(tampered, kNow).ok());
}

TEST(Token, RejectsATokenSignedWithAnotherKey) {
  TokenSigner other("another-secret-0123456789abc", 3600);
  EXPECT_FALSE(signer().verify(other.issue(1, 0, kNow), kNow).ok());
}

TEST(Token, RejectsAlgNone) {
  std::string payload = R"({"sub":"1","iat":1795000000,"exp":1895000000,"ver":0})";
  EXPECT_FALSE(signer().verify(forge(R"({"alg":"none","typ":"JWT"})", payload, ""), kNow).ok());
  EXPECT_FALSE(signer().verify(forge(R"({"alg":"none","typ":"JWT"})", payload, "x"), kNow).ok());
}

TEST(Token, RejectsAnotherAlgorithmEvenWithAValidHs256Signature) {
  // The signature is right for these bytes, but the header names HS512: pinned alg wins.
  std::string input = base64url_encode(R"({"alg":"HS512","typ":"JWT"})") + "." +
                      base64url_encode(R"({"sub":"1","iat":1795000000,"exp":1895000000,"ver":0})");
  auto real = signer().issue(1, 0, kNow);
  std::string forged = input + real.substr(real.rfind('.'));
  EXPECT_FALSE(signer().verify(forged, kNow).ok());
}

TEST(Token, RejectsMalformedTokens) {
  for (std::string bad : {"", "abc", "a.b", "a.b.c.d", "!!!.???.***", "..."}) {
    EXPECT_FALSE(signer().verify(bad, kNow).ok()) << bad;
  }
}

// `input` (header.payload, already encoded) with signer()'s signature appended.
std::string signed_input(const std::string& input) {
  std::string key = "unit-test-secret-0123456789";  // signer()'s
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(key.data()),
                              key.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(input.data()),
                                input.size());
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_final(&state, mac);
  return input + "." + base64url_encode(std::string_view(reinterpret_cast<char*>(mac), sizeof mac));
}

// A token over `payload_json` with a valid signature: only its claims can be wrong.
std::string signed_token(const std::string& payload_json) {
  return signed_input(base64url_encode(R"({"alg":"HS256","typ":"JWT"})") + "." +
                      base64url_encode(payload_json));
}

// `encoded` with standard base64's '=' padding.
std::string padded(std::string encoded) {
  while (encoded.size() % 4 != 0) encoded += '=';
  return encoded;
}

// A header whose alg is no string is refused, not an exception (found by
// fuzz/token_fuzz.cpp): verify must answer every input with a value.
TEST(Token, RejectsAHeaderWhoseAlgIsNotAString) {
  const std::string payload = R"({"sub":"1","iat":1795000000,"exp":1895000000,"ver":0})";
  for (const char* header : {R"({"alg":1})", R"({"alg":null})", R"({"alg":["HS256"]})",
                             R"({"alg":{"HS256":1}})", R"(["HS256"])"}) {
    auto input = base64url_encode(header) + "." + base64url_encode(payload);
    auto verified = signer().verify(signed_input(input), kNow);
    ASSERT_FALSE(verified.ok()) << header;
    EXPECT_EQ(verified.error().kind, ErrorKind::unauthorized) << header;
  }
}

// RFC 7515 section 2: each part is base64url without padding. Standard base64 ('+', '/',
// '=') is refused even when the token is otherwise correctly signed.
TEST(Token, RejectsStandardBase64InAnyPart) {
  // Not the header parkd issues (that one needs no padding), but one it accepts.
  const std::string header = R"({"alg":"HS256", "typ":"JWT"})";
  const std::string payload = R"({"sub":"1","iat":1795000000,"exp":1895000000,"ver":0})";
  ASSERT_NE(base64url_encode(header).size() % 4, 0u);
  ASSERT_NE(base64url_encode(payload).size() % 4, 0u);
  ASSERT_TRUE(
      signer()
          .verify(signed_input(base64url_encode(header) + "." + base64url_encode(payload)), kNow)
          .ok());
  EXPECT_FALSE(
      signer()
          .verify(signed_input(base64url_encode(header) + "." + padded(base64url_encode(payload))),
                  kNow)
          .ok());
  EXPECT_FALSE(
      signer()
          .verify(signed_input(padded(base64url_encode(header)) + "." + base64url_encode(payload)),
                  kNow)
          .ok());
  auto token = signed_token(payload);
  EXPECT_FALSE(signer().verify(token + "=", kNow).ok());  // a padded signature
  // A signature holding '-' or '_', written with '+' and '/' instead.
  for (int user = 1; user < 200; ++user) {
    auto issued = signer().issue(user, 0, kNow);
    auto signature = issued.substr(issued.rfind('.') + 1);
    if (signature.find_first_of("-_") == std::string::npos) continue;
    for (char& c : signature) c = c == '-' ? '+' : c == '_' ? '/' : c;
    EXPECT_FALSE(signer().verify(issued.substr(0, issued.rfind('.') + 1) + signature, kNow).ok());
    return;
  }
  FAIL() << "no signature with '-' or '_' among 200 tokens";
}

TEST(Token, AcceptsAnIntegerSubAndSkipsOtherClaimsOfAnyShape) {
  auto claims = signer().verify(
      signed_token(R"({"sub":5,"iat":1795000000,"exp":1895000000,"ver":2,"name":"x",)"
                   R"("extra":{"sub":"9","ver":[1,{"b":null}]},"list":[true,1.5]})"),
      kNow);
  ASSERT_TRUE(claims.ok()) << claims.error().message;
  EXPECT_EQ(claims->user_id, 5);
  EXPECT_EQ(claims->version, 2);
  EXPECT_EQ(claims->expires_at, from_unix(1895000000));
}

TEST(Token, TheLastOfARepeatedClaimCounts) {
  auto claims = signer().verify(
      signed_token(R"({"ver":"x","sub":"1","iat":1795000000,"exp":1895000000,"ver":4})"), kNow);
  ASSERT_TRUE(claims.ok()) << claims.error().message;
  EXPECT_EQ(claims->version, 4);
  EXPECT_FALSE(
      signer()
          .verify(
              signed_token(R"({"ver":4,"sub":"1","iat":1795000000,"exp":1895000000,"ver":"x"})"),
              kNow)
          .ok());
}

TEST(Token, RejectsASignedPayloadWithoutTheClaimsItNeeds) {
  std::string times = R"("iat":1795000000,"exp":1895000000)";
  for (const std::string& payload : std::vector<std::string>{
           R"({"sub":"abc",)" + times + R"(,"ver":0})",
           R"({"sub":"12abc",)" + times + R"(,"ver":0})",
           R"({"sub":"99999999999999999999",)" + times + R"(,"ver":0})",
           R"({"sub":1.5,)" + times + R"(,"ver":0})",
           R"({"sub":{"id":1},)" + times + R"(,"ver":0})",
           R"({"sub":"1",)" + times + R"(,"ver":"0"})",
           R"({"sub":"1",)" + times + R"(,"ver":18446744073709551615})",
           R"({"sub":"1",)" + times + R"(,"ver":null})",
           R"({"sub":"1",)" + times + R"(,"extra":{"ver":0}})",
           R"({"sub":"1","iat":1795000000,"ver":0})",
           R"({"sub":"1",)" + times + R"(,"ver":0} trailing)",
           std::string(R"({"sub":"1",)") + times + R"(,"ver":0})" + std::string(1, '\0') + "x",
           R"({"sub":"1",)" + times + R"(,"ver":0)",
           R"([{"sub":"1",)" + times + R"(,"ver":0}])",
           R"(5)",
           R"("text")",
           R"()",
       }) {
    EXPECT_FALSE(signer().verify(signed_token(payload), kNow).ok()) << payload;
  }
}

TEST(Token, ReadsALargePayload) {
  std::string padding(2000, 'p');
  auto claims =
      signer().verify(signed_token(R"({"pad":")" + padding +
                                   R"(","sub":"3","iat":1795000000,"exp":1895000000,"ver":1})"),
                      kNow);
  ASSERT_TRUE(claims.ok()) << claims.error().message;
  EXPECT_EQ(claims->user_id, 3);
}

TEST(Base64Url, RoundTripsEveryLength) {
  std::string data;
  for (int i = 0; i < 70; ++i) {
    auto decoded = base64url_decode(base64url_encode(data));
    ASSERT_TRUE(decoded);
    EXPECT_EQ(*decoded, data);
    data += static_cast<char>(i * 37);
  }
}

TEST(Password, VerifiesTheRightPasswordOnly) {
  auto hash = hash_password("correct horse battery");
  ASSERT_TRUE(hash);
  EXPECT_TRUE(verify_password(*hash, "correct horse battery"));
  EXPECT_FALSE(verify_password(*hash, "correct horse battery "));
  EXPECT_FALSE(verify_password(*hash, ""));
}

TEST(Password, UsesArgon2idWithAtLeastOwaspParameters) {
  auto hash = hash_password("whatever-123");
  ASSERT_TRUE(hash);
  EXPECT_EQ(hash->rfind("$argon2id$", 0), 0u) << *hash;
  EXPECT_NE(hash->find("m=19456"), std::string::npos) << *hash;
  EXPECT_NE(hash->find("t=2"), std::string::npos) << *hash;
  EXPECT_NE(hash->find("p=1"), std::string::npos) << *hash;
}

TEST(Password, SaltsEachHash) {
  EXPECT_NE(*hash_password("same-password"), *hash_password("same-password"));
}

TEST(Password, RejectsAMalformedStoredHash) { EXPECT_FALSE(verify_password("not-a-hash", "x")); }

TEST(LoginThrottle, BlocksAnAccountAfterTooManyFailuresUntilTheWindowPasses) {
  LoginThrottle t(3, 100, std::chrono::seconds(60));
  for (int i = 0; i < 3; ++i) {
    EXPECT_FALSE(t.retry_after("a@x.com", "1.2.3.4", kNow));
    t.record_failure("a@x.com", "1.2.3.4", kNow);
  }
  auto wait = t.retry_after("a@x.com", "1.2.3.4", kNow + std::chrono::seconds(10));
  ASSERT_TRUE(wait);
  EXPECT_EQ(*wait, 50);
  EXPECT_FALSE(t.retry_after("a@x.com", "1.2.3.4", kNow + std::chrono::seconds(60)));
  EXPECT_FALSE(t.retry_after("b@x.com", "1.2.3.4", kNow));
}

TEST(LoginThrottle, BlocksAnAddressTryingManyAccounts) {
  LoginThrottle t(100, 2, std::chrono::seconds(60));
  t.record_failure("a@x.com", "1.2.3.4", kNow);
  t.record_failure("b@x.com", "1.2.3.4", kNow);
  EXPECT_TRUE(t.retry_after("c@x.com", "1.2.3.4", kNow));
  EXPECT_FALSE(t.retry_after("c@x.com", "5.6.7.8", kNow));
}

TEST(LoginThrottle, SuccessClearsTheAccountsFailuresFromThatAddress) {
  LoginThrottle t(2, 100, std::chrono::seconds(60));
  t.record_failure("a@x.com", "1.2.3.4", kNow);
  t.record_success("a@x.com", "1.2.3.4");
  t.record_failure("a@x.com", "1.2.3.4", kNow);
  EXPECT_FALSE(t.retry_after("a@x.com", "1.2.3.4", kNow));
}

std::string address(int i) { return "10.0.0." + std::to_string(i); }

TEST(LoginThrottle, AnAccountAttackedFromManyAddressesMakesEachOfThemWaitLongerAndLonger) {
  LoginThrottle t(5, 100, std::chrono::seconds(900));
  // Each address fails once: no per-address or per-pair limit is reached.
  for (int i = 0; i < LoginThrottle::kFreeAddresses - 1; ++i) {
    t.record_failure("a@x.com", address(i), kNow);
  }
  EXPECT_FALSE(t.retry_after("a@x.com", address(0), kNow));  // two failing addresses: free
  t.record_failure("a@x.com", address(2), kNow);
  EXPECT_EQ(t.retry_after("a@x.com", address(0), kNow), 1);
  t.record_failure("a@x.com", address(3), kNow);
  EXPECT_EQ(t.retry_after("a@x.com", address(0), kNow), 2);
  t.record_failure("a@x.com", address(4), kNow);
  EXPECT_EQ(t.retry_after("a@x.com", address(1), kNow), 4);
  EXPECT_FALSE(t.retry_after("a@x.com", address(1), kNow + std::chrono::seconds(4)));
  for (int i = 5; i < 40; ++i) t.record_failure("a@x.com", address(i), kNow);
  EXPECT_EQ(t.retry_after("a@x.com", address(7), kNow), 900);  // at most the window
  // An address that never failed on the account is not delayed: the owner logs in.
  EXPECT_FALSE(t.retry_after("a@x.com", "1.2.3.4", kNow));
  EXPECT_FALSE(t.retry_after("b@x.com", address(7), kNow));
}

TEST(LoginThrottle, OneAddressFailingMeetsOnlyItsOwnLimitNotTheAccountsDelay) {
  LoginThrottle t(5, 100, std::chrono::seconds(900));
  for (int i = 0; i < 4; ++i) t.record_failure("a@x.com", "1.2.3.4", kNow);
  EXPECT_FALSE(t.retry_after("a@x.com", "1.2.3.4", kNow));
  t.record_failure("a@x.com", "1.2.3.4", kNow);
  EXPECT_EQ(t.retry_after("a@x.com", "1.2.3.4", kNow), 900);
}

TEST(LoginThrottle, AnAddressThatLoggedInIsNotDelayedForTheAccountsSakeAfterAMistake) {
  LoginThrottle t(5, 100, std::chrono::seconds(900));
  for (int i = 0; i < 10; ++i) t.record_failure("a@x.com", address(i), kNow);
  t.record_success("a@x.com", "1.2.3.4");
  t.record_failure("a@x.com", "1.2.3.4", kNow);
  EXPECT_FALSE(t.retry_after("a@x.com", "1.2.3.4", kNow));
  EXPECT_TRUE(t.retry_after("a@x.com", address(0), kNow));
}

TEST(LoginThrottle, FailuresFromOneAddressNeverBlockTheAccountFromAnother) {
  LoginThrottle t(3, 100, std::chrono::seconds(60));
  for (int i = 0; i < 50; ++i) t.record_failure("a@x.com", "6.6.6.6", kNow);
  EXPECT_TRUE(t.retry_after("a@x.com", "6.6.6.6", kNow + std::chrono::seconds(59)));
  EXPECT_FALSE(t.retry_after("a@x.com", "1.2.3.4", kNow));
  EXPECT_FALSE(t.retry_after("a@x.com", "6.6.6.6", kNow + std::chrono::seconds(60)));
}

TEST(LoginThrottle, TheOwnersSuccessDoesNotClearTheAttackersFailures) {
  LoginThrottle t(2, 100, std::chrono::seconds(60));
  t.record_failure("a@x.com", "6.6.6.6", kNow);
  t.record_failure("a@x.com", "6.6.6.6", kNow);
  t.record_success("a@x.com", "1.2.3.4");
  EXPECT_TRUE(t.retry_after("a@x.com", "6.6.6.6", kNow));
  t.record_failure("a@x.com", "1.2.3.4", kNow);
  t.record_success("a@x.com", "1.2.3.4");
  t.record_failure("a@x.com", "1.2.3.4", kNow);
  EXPECT_FALSE(t.retry_after("a@x.com", "1.2.3.4", kNow));
}

}  // namespace
}  // namespace parkd
