// SmtpTransport against a real SMTP server (tests/support/smtp_sink): delivery with
// AUTH, failure while the server is down (without leaking the password), recovery.

#include "mail/encoding.h"
#include "mail/transport.h"
#include "support/smtp_sink.h"
#include "support/spooled.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>

namespace parkd::mail {
namespace {

using namespace std::chrono_literals;
using parkd::testing::SmtpSink;
using parkd::testing::SmtpSinkOptions;

constexpr const char* kUser = "mailer";
constexpr const char* kPassword = "s3cret-Pa55word!";

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// The body of the MIME part whose headers contain `marker`, up to its boundary.
std::string part_body(const std::string& data, const std::string& marker) {
  std::size_t headers = data.find(marker);
  if (headers == std::string::npos) return "<no part with " + marker + ">";
  std::size_t start = data.find("\r\n\r\n", headers) + 4;
  std::size_t end = data.find("\r\n--", start);
  return data.substr(start, end - start);
}

std::string csv_with_every_byte() {
  std::string data = "id,lot_name,cost\r\n1,\"Caf\xC3\xA9, Main\",12.50\r\n";
  for (int i = 0; i < 256; ++i) data += static_cast<char>(i);
  return data;
}

MailMessage sample() {
  MailMessage m;
  m.from = "parkd@example.com";
  m.from_name = "parkd";
  m.to = "ann@example.org";
  m.to_name = "Ann";
  m.subject = "Your parkd bookings export";
  // Lines starting with a dot must survive SMTP's dot-stuffing.
  m.text = "Hello Ann,\n.\n.. two dots\nyour export is attached.";
  m.html = "<p>Hello Ann,</p>";
  m.attachments.push_back({"bookings.csv", std::string(kCsvContentType), csv_with_every_byte()});
  return m;
}

class SmtpTransportTest : public ::testing::Test {
 protected:
  SmtpTransportTest() : sink_(SmtpSinkOptions{kUser, kPassword, true, {"PLAIN", "LOGIN"}}) {}

  void SetUp() override { ASSERT_TRUE(sink_.start()); }

  SmtpConfig config() const {
    SmtpConfig c;
    c.host = "127.0.0.1";
    c.port = sink_.port();
    c.user = kUser;
    c.password = kPassword;
    c.tls = SmtpTls::none;
    c.connect_timeout_s = 5;
    c.timeout_s = 10;
    return c;
  }

  static void expect_no_password(const std::string& text) {
    EXPECT_FALSE(contains(text, kPassword)) << text;
    EXPECT_FALSE(contains(text, base64_encode(kPassword))) << text;
  }

  SmtpSink sink_;
};

TEST_F(SmtpTransportTest, DeliversAMessageWithAnAttachmentIntact) {
  SmtpTransport transport(config());
  auto sent = transport.send(sample());
  ASSERT_TRUE(sent.ok()) << sent.error().message;
  ASSERT_TRUE(sink_.wait_for_messages(1, 5s));
  auto received = sink_.messages().at(0);
  EXPECT_EQ(received.auth_user, kUser);
  EXPECT_EQ(received.mail_from, "parkd@example.com");
  ASSERT_EQ(received.rcpt_to.size(), 1u);
  EXPECT_EQ(received.rcpt_to[0], "ann@example.org");
  EXPECT_TRUE(contains(received.data, "Subject: Your parkd bookings export\r\n"));
  EXPECT_TRUE(contains(received.data, "To: \"Ann\" <ann@example.org>\r\n"));
  EXPECT_EQ(base64_decode(part_body(received.data, "filename=\"bookings.csv\"")),
            csv_with_every_byte());
  EXPECT_EQ(quoted_printable_decode(part_body(received.data, "Content-Type: text/plain")),
            "Hello Ann,\r\n.\r\n.. two dots\r\nyour export is attached.");
}

TEST_F(SmtpTransportTest, DeliversAnAttachmentKeptInASpoolFileIntact) {
  // Larger than one read piece of libcurl and one encoding piece, with dot-led lines.
  std::string csv;
  for (int i = 0; csv.size() < 3 * 1024 * 1024; ++i) {
    csv += std::to_string(i) + ",\"Caf\xC3\xA9\",12.50\r\n.\r\n";
  }
  MailMessage m = sample();
  m.attachments.at(0).data.clear();
  m.attachments.at(0).file = parkd::testing::spooled(csv);

  SmtpTransport transport(config());
  auto sent = transport.send(m);
  ASSERT_TRUE(sent.ok()) << sent.error().message;
  ASSERT_TRUE(sink_.wait_for_messages(1, 10s));
  auto received = sink_.messages().at(0);
  EXPECT_EQ(base64_decode(part_body(received.data, "filename=\"bookings.csv\"")), csv);
  EXPECT_EQ(quoted_printable_decode(part_body(received.data, "Content-Type: text/plain")),
            "Hello Ann,\r\n.\r\n.. two dots\r\nyour export is attached.");
}

TEST_F(SmtpTransportTest, AuthenticatesWithLoginWhenThatIsAllTheServerOffers) {
  SmtpSink login_only(SmtpSinkOptions{kUser, kPassword, true, {"LOGIN"}});
  ASSERT_TRUE(login_only.start());
  SmtpConfig c = config();
  c.port = login_only.port();
  auto sent = SmtpTransport(c).send(sample());
  ASSERT_TRUE(sent.ok()) << sent.error().message;
  ASSERT_TRUE(login_only.wait_for_messages(1, 5s));
  EXPECT_EQ(login_only.messages().at(0).auth_user, kUser);
}

TEST_F(SmtpTransportTest, UsesTheConfiguredEnvelopeSender) {
  SmtpConfig c = config();
  c.from = "bounces@example.com";
  ASSERT_TRUE(SmtpTransport(c).send(sample()).ok());
  ASSERT_TRUE(sink_.wait_for_messages(1, 5s));
  EXPECT_EQ(sink_.messages().at(0).mail_from, "bounces@example.com");
  EXPECT_TRUE(contains(sink_.messages().at(0).data, "From: \"parkd\" <parkd@example.com>"));
}

TEST_F(SmtpTransportTest, FailsWhileTheServerIsDownWithoutThePasswordAndRecoversAfter) {
  SmtpTransport transport(config());
  sink_.stop();
  auto failed = transport.send(sample());
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().kind, ErrorKind::unavailable);
  EXPECT_EQ(failed.error().code, "smtp_error");
  EXPECT_TRUE(contains(failed.error().message, "127.0.0.1")) << failed.error().message;
  expect_no_password(failed.error().message);
  EXPECT_TRUE(sink_.messages().empty());

  ASSERT_TRUE(sink_.start());
  auto sent = transport.send(sample());
  ASSERT_TRUE(sent.ok()) << sent.error().message;
  EXPECT_TRUE(sink_.wait_for_messages(1, 5s));
}

TEST_F(SmtpTransportTest, FailsOnAWrongPasswordWithoutRevealingIt) {
  SmtpConfig c = config();
  c.password = "wrong-" + std::string(kPassword);
  auto failed = SmtpTransport(c).send(sample());
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, "smtp_error");
  EXPECT_TRUE(contains(failed.error().message, "535")) << failed.error().message;
  EXPECT_FALSE(contains(failed.error().message, c.password)) << failed.error().message;
  EXPECT_EQ(sink_.failed_logins(), 1);
  EXPECT_TRUE(sink_.messages().empty());
}

TEST_F(SmtpTransportTest, FailsWhenTheServerRequiresAuthAndNoUserIsConfigured) {
  SmtpConfig c = config();
  c.user.clear();
  c.password.clear();
  auto failed = SmtpTransport(c).send(sample());
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, "smtp_error");
  EXPECT_TRUE(contains(failed.error().message, "530")) << failed.error().message;
}

TEST_F(SmtpTransportTest, SaysWhereItSentTheMessage) {
  auto sent = SmtpTransport(config()).send(sample());
  ASSERT_TRUE(sent.ok()) << sent.error().message;
  EXPECT_EQ(*sent, "sent via SMTP (127.0.0.1:" + std::to_string(sink_.port()) + ")");
}

TEST_F(SmtpTransportTest, APermanentRefusalOfTheRecipientIsAPermanentFailureWithTheReply) {
  sink_.refuse_recipient("ann@example.org", "550 5.1.1 <ann@example.org>: no such user");
  auto failed = SmtpTransport(config()).send(sample());
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().kind, ErrorKind::bad_request);
  EXPECT_EQ(failed.error().code, "smtp_rejected");
  EXPECT_TRUE(contains(failed.error().message, "550 5.1.1 <ann@example.org>: no such user"))
      << failed.error().message;
  expect_no_password(failed.error().message);
  EXPECT_TRUE(sink_.messages().empty());
}

TEST_F(SmtpTransportTest, ATemporaryRefusalOfTheRecipientCanBeRetried) {
  sink_.refuse_recipient("ann@example.org", "451 4.3.0 Mailbox busy, try again later", 1);
  SmtpTransport transport(config());
  auto failed = transport.send(sample());
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().kind, ErrorKind::unavailable);
  EXPECT_EQ(failed.error().code, "smtp_error");
  EXPECT_TRUE(contains(failed.error().message, "451 4.3.0 Mailbox busy")) << failed.error().message;
  auto sent = transport.send(sample());
  ASSERT_TRUE(sent.ok()) << sent.error().message;
  EXPECT_EQ(sink_.rcpt_attempts("ann@example.org"), 2);
}

TEST_F(SmtpTransportTest, ARefusedLoginIsTheSettingsFaultAndCanBeRetried) {
  SmtpConfig c = config();
  c.password = "wrong-" + std::string(kPassword);
  auto failed = SmtpTransport(c).send(sample());
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().kind, ErrorKind::unavailable);  // 535 is 5xx, but not the message's
  EXPECT_TRUE(contains(failed.error().message, "535 5.7.8")) << failed.error().message;
}

TEST_F(SmtpTransportTest, RejectsAnInjectedHeaderBeforeConnecting) {
  MailMessage m = sample();
  m.subject = "Hi\r\nBcc: victim@example.com";
  auto failed = SmtpTransport(config()).send(m);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, "header_injection");
  EXPECT_TRUE(sink_.messages().empty());
}

TEST(MakeTransport, ChoosesSmtpWhenAHostIsSetAndTheOutboxOtherwise) {
  MailSettings settings;
  EXPECT_EQ(make_transport(settings)->name(), "file");
  settings.smtp.host = "smtp.example.com";
  EXPECT_EQ(make_transport(settings)->name(), "smtp");
}

// ---- the sink itself, driven by hand ------------------------------------------------

class RawClient {
 public:
  explicit RawClient(int port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  }
  ~RawClient() { ::close(fd_); }
  bool connected() const { return connected_; }

  // Sends `line` (unless empty) and returns the complete reply (all its lines).
  std::string command(const std::string& line) {
    if (!line.empty()) {
      std::string out = line + "\r\n";
      if (::send(fd_, out.data(), out.size(), MSG_NOSIGNAL) < 0) return "<send failed>";
    }
    std::string reply;
    while (true) {
      std::size_t last = reply.rfind("\r\n", reply.size() >= 2 ? reply.size() - 3 : 0);
      std::size_t start = last == std::string::npos ? 0 : last + 2;
      if (reply.size() >= 2 && reply.ends_with("\r\n") && reply.size() - start >= 4 &&
          reply[start + 3] == ' ') {
        return reply;
      }
      char chunk[4096];
      ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n <= 0) return reply + "<closed>";
      reply.append(chunk, static_cast<std::size_t>(n));
    }
  }

 private:
  int fd_;
  bool connected_ = false;
};

TEST(SmtpSink, SpeaksTheBasicCommandsAndUnstuffsDots) {
  SmtpSink sink;
  ASSERT_TRUE(sink.start());
  RawClient client(sink.port());
  ASSERT_TRUE(client.connected());
  EXPECT_TRUE(client.command("").starts_with("220 "));
  EXPECT_TRUE(client.command("HELO tester").starts_with("250 "));
  EXPECT_TRUE(client.command("NOOP").starts_with("250 "));
  EXPECT_TRUE(client.command("RCPT TO:<a@example.com>").starts_with("503 "));
  EXPECT_TRUE(client.command("MAIL FROM:<x@example.com>").starts_with("250 "));
  EXPECT_TRUE(client.command("RSET").starts_with("250 "));
  EXPECT_TRUE(client.command("DATA").starts_with("503 "));  // RSET dropped the sender
  EXPECT_TRUE(client.command("MAIL FROM:<s@example.com> SIZE=10").starts_with("250 "));
  EXPECT_TRUE(client.command("RCPT TO:<r@example.com>").starts_with("250 "));
  EXPECT_TRUE(client.command("DATA").starts_with("354 "));
  EXPECT_TRUE(client.command("Subject: hi\r\n\r\n..leading dot\r\nend\r\n.").starts_with("250 "));
  EXPECT_TRUE(client.command("QUIT").starts_with("221 "));
  ASSERT_TRUE(sink.wait_for_messages(1, 5s));
  auto m = sink.messages().at(0);
  EXPECT_EQ(m.helo, "tester");
  EXPECT_EQ(m.mail_from, "s@example.com");
  EXPECT_EQ(m.data, "Subject: hi\r\n\r\n.leading dot\r\nend\r\n");
}

TEST(SmtpSink, OffersAuthOnlyWhenAUserIsConfigured) {
  SmtpSink open_sink;
  ASSERT_TRUE(open_sink.start());
  RawClient client(open_sink.port());
  client.command("");
  std::string ehlo = client.command("EHLO tester");
  EXPECT_TRUE(contains(ehlo, "250 ")) << ehlo;
  EXPECT_FALSE(contains(ehlo, "AUTH")) << ehlo;

  SmtpSink auth_sink(SmtpSinkOptions{kUser, kPassword, false, {"PLAIN"}});
  ASSERT_TRUE(auth_sink.start());
  RawClient auth_client(auth_sink.port());
  auth_client.command("");
  EXPECT_TRUE(contains(auth_client.command("EHLO tester"), "250 AUTH PLAIN"));
  std::string credentials = base64_encode(std::string("\0", 1) + kUser + '\0' + kPassword);
  EXPECT_TRUE(auth_client.command("AUTH PLAIN " + credentials).starts_with("235 "));
}

TEST(SmtpSink, ComesBackOnTheSamePortAfterAStop) {
  SmtpSink sink;
  ASSERT_TRUE(sink.start());
  int port = sink.port();
  sink.stop();
  EXPECT_FALSE(RawClient(port).connected());
  ASSERT_TRUE(sink.start());
  EXPECT_EQ(sink.port(), port);
  RawClient client(port);
  ASSERT_TRUE(client.connected());
  EXPECT_TRUE(client.command("").starts_with("220 "));
}

}  // namespace
}  // namespace parkd::mail
