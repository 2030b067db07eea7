#include "mail/settings.h"
#include "mail/transport.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <unistd.h>

namespace parkd::mail {
namespace {

namespace fs = std::filesystem;

// "20261124T180000Z-9f86d081884c7d65.eml": UTC time, a dash, 16 hex digits.
bool is_outbox_name(const std::string& name) {
  const std::string pattern = "ddddddddTddddddZ-hhhhhhhhhhhhhhhh.eml";
  if (name.size() != pattern.size()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool digit = c >= '0' && c <= '9';
    bool ok = pattern[i] == 'd'   ? digit
              : pattern[i] == 'h' ? digit || (c >= 'a' && c <= 'f')
                                  : c == pattern[i];
    if (!ok) return false;
  }
  return true;
}

class FileTransportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("parkd-outbox-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
  }
  void TearDown() override { fs::remove_all(root_); }

  static MailMessage sample() {
    MailMessage m;
    m.from = "parkd@example.com";
    m.to = "ann@example.org";
    m.subject = "Hello";
    m.text = "Hi Ann";
    m.html = "<p>Hi Ann</p>";
    return m;
  }

  std::vector<fs::path> files_in(const fs::path& dir) const {
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(dir)) files.push_back(entry.path());
    return files;
  }

  fs::path root_;
};

TEST_F(FileTransportTest, CreatesTheOutboxAndWritesOneEmlFilePerMessage) {
  FileTransport transport(root_ / "nested" / "outbox");
  ASSERT_TRUE(transport.send(sample()).ok());
  ASSERT_TRUE(transport.send(sample()).ok());
  auto files = files_in(root_ / "nested" / "outbox");
  ASSERT_EQ(files.size(), 2u);
  for (const auto& file : files) {
    EXPECT_TRUE(is_outbox_name(file.filename().string())) << file;
  }
  EXPECT_NE(files[0], files[1]);
}

TEST_F(FileTransportTest, SaysItWroteTheFileAndDidNotSendIt) {
  FileTransport transport(root_);
  auto written = transport.send(sample());
  ASSERT_TRUE(written.ok()) << written.error().message;
  auto files = files_in(root_);
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(*written, "written to " + files[0].string() + " (not sent: SMTP_HOST is unset)");
}

TEST_F(FileTransportTest, WritesTheCompleteMimeMessage) {
  FileTransport transport(root_);
  ASSERT_TRUE(transport.send(sample()).ok());
  auto files = files_in(root_);
  ASSERT_EQ(files.size(), 1u);
  std::ifstream in(files[0], std::ios::binary);
  std::stringstream content;
  content << in.rdbuf();
  std::string eml = content.str();
  EXPECT_TRUE(eml.starts_with("From: parkd@example.com\r\nTo: ann@example.org\r\n")) << eml;
  EXPECT_NE(eml.find("Subject: Hello\r\n"), std::string::npos);
  EXPECT_NE(eml.find("Hi Ann"), std::string::npos);
  EXPECT_TRUE(eml.ends_with("--\r\n"));
}

TEST_F(FileTransportTest, LeavesNoTemporaryFileBehind) {
  FileTransport transport(root_);
  ASSERT_TRUE(transport.send(sample()).ok());
  for (const auto& file : files_in(root_)) {
    EXPECT_FALSE(file.filename().string().starts_with(".")) << file;
  }
}

TEST_F(FileTransportTest, WritesNothingForAnInvalidMessage) {
  FileTransport transport(root_);
  MailMessage m = sample();
  m.subject = "x\nBcc: y@example.com";
  auto sent = transport.send(m);
  ASSERT_FALSE(sent.ok());
  EXPECT_EQ(sent.error().code, "header_injection");
  EXPECT_FALSE(fs::exists(root_) && !fs::is_empty(root_));
}

TEST_F(FileTransportTest, ReportsAnOutboxThatCannotBeCreated) {
  fs::create_directories(root_);
  std::ofstream(root_ / "a-file") << "x";
  FileTransport transport(root_ / "a-file" / "outbox");
  auto sent = transport.send(sample());
  ASSERT_FALSE(sent.ok());
  EXPECT_EQ(sent.error().kind, ErrorKind::unavailable);
  EXPECT_EQ(sent.error().code, "outbox_error");
}

TEST(MakeTransport, WritesToTheOutboxWhenNoSmtpHostIsSet) {
  MailSettings settings;
  settings.outbox = "/tmp/parkd-outbox-unused";
  auto transport = make_transport(settings);
  ASSERT_EQ(transport->name(), "file");
  EXPECT_EQ(dynamic_cast<FileTransport&>(*transport).outbox(), settings.outbox);
}

TEST(MailSettingsFrom, MapsTheConfiguration) {
  Config config;
  config.mail_from = "no-reply@parkd.local";
  config.mail_from_name = "parkd";
  config.outbox_dir = "instance/outbox";
  config.smtp.host = "smtp.example.com";
  config.smtp.port = 465;
  config.smtp.user = "u";
  config.smtp.password = "p";
  config.smtp.tls = "tls";
  config.smtp.timeout_seconds = 12;
  auto settings = mail_settings_from(config);
  ASSERT_TRUE(settings.ok()) << settings.error().message;
  EXPECT_EQ(settings->from, "no-reply@parkd.local");
  EXPECT_EQ(settings->from_name, "parkd");
  EXPECT_EQ(settings->outbox, "instance/outbox");
  EXPECT_EQ(settings->smtp.host, "smtp.example.com");
  EXPECT_EQ(settings->smtp.port, 465);
  EXPECT_EQ(settings->smtp.tls, SmtpTls::tls);
  EXPECT_EQ(settings->smtp.timeout_s, 12);
  EXPECT_TRUE(settings->smtp.verify_peer);
}

TEST(MailSettingsFrom, NamesSmtpTlsWhenItsValueIsUnknown) {
  Config config;
  config.smtp.tls = "ssl";
  auto settings = mail_settings_from(config);
  ASSERT_FALSE(settings.ok());
  EXPECT_EQ(settings.error().code, "config_error");
  EXPECT_NE(settings.error().message.find("SMTP_TLS"), std::string::npos);
}

}  // namespace
}  // namespace parkd::mail
