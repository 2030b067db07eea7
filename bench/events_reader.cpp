// The benchmark client's streams (events_reader.h): opened, then read on one epoll thread.

#include "events_reader.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

namespace parkd_bench {

int connect_local(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

bool send_all(int fd, const std::string& bytes) {
  for (std::size_t sent = 0; sent < bytes.size();) {
    ssize_t n = send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

Reader::Reader(int port, int lot, int streams, const std::vector<std::string>& tokens) : lot_(lot) {
  marker_ = "\"id\":" + std::to_string(lot) + ",\"name\":";
  streams_.resize(static_cast<std::size_t>(streams));
  epoll_ = epoll_create1(EPOLL_CLOEXEC);
  for (std::size_t i = 0; i < streams_.size(); ++i) {
    Stream& s = streams_[i];
    s.fd = connect_local(port);
    if (s.fd < 0 || !send_all(s.fd, "GET /api/events?access_token=" + tokens[i % tokens.size()] +
                                        " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                        "Accept: text/event-stream\r\n\r\n")) {
      finish(s, std::string("connect: ") + std::strerror(errno));
      continue;
    }
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = i;
    epoll_ctl(epoll_, EPOLL_CTL_ADD, s.fd, &ev);
  }
  thread_ = std::thread([this] { loop(); });
}

void Reader::stop() {
  if (!thread_.joinable()) return;
  stop_ = true;
  thread_.join();
  for (auto& s : streams_) {
    if (s.fd >= 0) close(s.fd);
    s.fd = -1;
  }
  close(epoll_);
}

void Reader::finish(Stream& s, const std::string& error) {
  if (s.error.empty()) s.error = error;
  s.closed = true;
}

void Reader::loop() {
  std::vector<epoll_event> ready(256);
  std::vector<char> buf(std::size_t{1} << 16);
  while (!stop_) {
    int n = epoll_wait(epoll_, ready.data(), static_cast<int>(ready.size()), 100);
    bool notify = false;
    for (int k = 0; k < n; ++k) {
      Stream& s = streams_[ready[static_cast<std::size_t>(k)].data.u64];
      ssize_t got = read(s.fd, buf.data(), buf.size());
      Clock::time_point now = Clock::now();
      std::lock_guard lock(mutex_);
      if (got <= 0) {
        if (got < 0 && (errno == EAGAIN || errno == EINTR)) continue;
        finish(s,
               got == 0 ? (s.head_done ? "" : "closed before the answer") : std::strerror(errno));
        epoll_ctl(epoll_, EPOLL_CTL_DEL, s.fd, nullptr);
        notify = true;
        continue;
      }
      notify |= on_bytes(s, std::string_view(buf.data(), static_cast<std::size_t>(got)), now);
    }
    if (notify) changed_.notify_all();
  }
}

// With mutex_ held; true when a waiter may have something new.
bool Reader::on_bytes(Stream& s, std::string_view data, Clock::time_point now) {
  s.pending.append(data);
  if (!s.head_done) {
    std::size_t cut = s.pending.find("\r\n\r\n");
    if (cut == std::string::npos) return false;
    std::string status = s.pending.substr(0, s.pending.find("\r\n"));
    if (status.find(" 200 ") == std::string::npos) {
      finish(s, status);
      epoll_ctl(epoll_, EPOLL_CTL_DEL, s.fd, nullptr);
      return true;
    }
    s.head_done = true;
    s.pending.erase(0, cut + 4);
    data = s.pending;
  }
  s.bytes += data.size();
  std::size_t cut = s.pending.rfind("\n\n");
  bool news = false;
  if (cut != std::string::npos) {
    news = on_events(s, std::string_view(s.pending).substr(0, cut + 2), now);
    s.pending.erase(0, cut + 2);
  }
  if (s.pending.size() >= 7 && s.pending.compare(s.pending.size() - 7, 7, "\r\n0\r\n\r\n") == 0) {
    finish(s, "");  // the last chunk: parkd ended the stream
    news = true;
  }
  return news;
}

// Whole events. Under load most are other lots' `lot` events: counted and skipped on
// bytes (JSON parsing each was most of this reader's CPU).
bool Reader::on_events(Stream& s, std::string_view block, Clock::time_point now) {
  bool news = false;
  for (std::size_t at = 0; (at = block.find("\n\n", at)) != std::string_view::npos; at += 2) {
    ++s.events;
  }
  if (!s.snapshot && block.find("event: lots\n") != std::string_view::npos) {
    s.snapshot = news = true;
  }
  // Lot objects render their keys sorted (src/api/render.cpp): "id" is followed by
  // "name". memmem, not find(): a first-character scan stops at every quote.
  if (memmem(block.data(), block.size(), marker_.data(), marker_.size()) == nullptr) return news;
  constexpr std::string_view kLot = "event: lot\ndata: ";  // format_event() in src/events/hub.cpp
  for (std::size_t at = 0; (at = block.find(kLot, at)) != std::string_view::npos;) {
    at += kLot.size();
    std::string_view data = block.substr(at, block.find('\n', at) - at);
    // Another lot's event, in the same batch as the benchmark lot's: skipped unparsed, or
    // the load's lots would take turns in the one-event cache below (parsing them was
    // 40 % of this reader's CPU in a profile, `perf record -p`).
    if (memmem(data.data(), data.size(), marker_.data(), marker_.size()) == nullptr) continue;
    // Every stream gets the same bytes for one change: parsed once, not once per stream
    // (10 000 parses a second were a third of this reader's CPU).
    if (data != parsed_data_) {
      auto lot = nlohmann::json::parse(data, nullptr, false);
      parsed_data_ = data;
      parsed_spots_ = lot.is_object() && lot.value("id", 0) == lot_
                          ? std::optional<int>(lot.value("available_spots", -1))
                          : std::nullopt;
    }
    if (parsed_spots_) {
      s.lot_events.emplace_back(now, *parsed_spots_);
      news = true;
    }
  }
  return news;
}

}  // namespace parkd_bench
