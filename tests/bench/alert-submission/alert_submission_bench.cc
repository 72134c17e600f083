// Submissions per second through the relay's real datagram socket into its real outbox (SQLite
// WAL, synchronous=FULL) on the file system of --dir: P producer threads, each keeping W
// submissions unanswered, N in all; the time is from the first send to the last reply. The broker
// side is the fake (nothing connects), so the loop does only what a submission costs.
//
//   alert_submission_bench [--count N] [--producers P] [--window W] [--dir DIR]
//
// Prints its figures; never pass/fail on time (tests/bench rule).
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/asio_scheduler.h"
#include "relay/alert_relay.h"
#include "relay/fake_mqtt_session.h"

namespace {

struct Options {
  int count = 2000;
  int producers = 4;
  int window = 4;
  std::string dir = ".";
};

struct ProducerResult {
  int ok = 0;
  int refused = 0;
  int lost = 0;  // no reply within 10 s
};

void Produce(const std::string& socket_path, int index, int count, int window, ProducerResult& result) {
  int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_un autobind{};
  autobind.sun_family = AF_UNIX;
  ::bind(fd, reinterpret_cast<sockaddr*>(&autobind), sizeof(sa_family_t));
  timeval bound{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &bound, sizeof(bound));
  sockaddr_un relay{};
  relay.sun_family = AF_UNIX;
  std::strncpy(relay.sun_path, socket_path.c_str(), sizeof(relay.sun_path) - 1);
  auto send = [&](int n) {
    std::string datagram = nlohmann::json{{"id", fmt::format("p{}-{}", index, n)},
                                          {"time", "2025-03-02T14:07:31.250Z"},
                                          {"source", fmt::format("bench-{}", index)},
                                          {"severity", "major"},
                                          {"payload", {{"kind", "bench"}, {"n", n}}}}
                               .dump();
    // Blocking: when the relay's queue is full the producer waits, as a real one would.
    (void)::sendto(fd, datagram.data(), datagram.size(), 0, reinterpret_cast<sockaddr*>(&relay), sizeof(relay));
  };
  int sent = 0;
  int answered = 0;
  while (sent < count && sent < window) send(sent++);
  char buffer[2048];
  while (answered < count) {
    ssize_t got = ::recv(fd, buffer, sizeof(buffer), 0);
    if (got <= 0) {
      result.lost = count - answered;
      break;
    }
    ++answered;
    auto reply = nlohmann::json::parse(std::string_view(buffer, static_cast<size_t>(got)), nullptr, false);
    if (reply.is_object() && reply.value("ok", false)) {
      ++result.ok;
    } else {
      ++result.refused;
    }
    if (sent < count) send(sent++);
  }
  ::close(fd);
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string key = argv[i];
    std::string value = argv[i + 1];
    if (key == "--count") options.count = std::atoi(value.c_str());
    else if (key == "--producers") options.producers = std::atoi(value.c_str());
    else if (key == "--window") options.window = std::atoi(value.c_str());
    else if (key == "--dir") options.dir = value;
    else {
      std::fprintf(stderr, "usage: %s [--count N] [--producers P] [--window W] [--dir DIR]\n", argv[0]);
      return 2;
    }
  }
  if (options.count <= 0 || options.producers <= 0 || options.window <= 0) return 2;
  std::string work = (std::filesystem::path(options.dir) / fmt::format("alert-submission-bench-{}", ::getpid())).string();
  std::filesystem::create_directories(work);

  boost::asio::io_context io;
  uplinkd::AsioScheduler scheduler(io);
  uplinkd::relay::FakeMqttBroker broker;
  uplinkd::relay::AlertRelaySettings settings;
  settings.socket_path = work + "/alerts.sock";
  settings.outbox_path = work + "/alerts.sqlite";
  settings.max_alerts = static_cast<uint64_t>(options.count) + 10;
  auto relay = uplinkd::relay::AlertRelay::Create(io, scheduler, settings, broker.Factory());
  if (!relay) {
    std::fprintf(stderr, "relay: %s\n", uplinkd::Describe(relay.error()).c_str());
    return 1;
  }

  std::vector<ProducerResult> results(static_cast<size_t>(options.producers));
  std::vector<std::thread> threads;
  std::atomic<int> finished{0};
  auto start = std::chrono::steady_clock::now();
  for (int p = 0; p < options.producers; ++p) {
    int share = options.count / options.producers + (p < options.count % options.producers ? 1 : 0);
    threads.emplace_back([&, p, share] {
      Produce(settings.socket_path, p, share, options.window, results[static_cast<size_t>(p)]);
      if (++finished == options.producers) boost::asio::post(io, [&io] { io.stop(); });
    });
  }
  io.run();
  auto elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  for (auto& thread : threads) thread.join();

  ProducerResult total;
  for (const auto& result : results) {
    total.ok += result.ok;
    total.refused += result.refused;
    total.lost += result.lost;
  }
  auto status = (*relay)->Status();
  const auto& submissions = status.submissions;
  std::printf("alert submissions: %d ok, %d refused, %d unanswered; %d producers, window %d\n", total.ok,
              total.refused, total.lost, options.producers, options.window);
  std::printf("time %.3f s, %.0f submissions/s, %.3f ms per submission\n", elapsed, total.ok / elapsed,
              1000.0 * elapsed / std::max(total.ok, 1));
  std::printf("commits %llu, largest batch %llu\n", static_cast<unsigned long long>(submissions.batches),
              static_cast<unsigned long long>(submissions.largest_batch));
  std::printf("outbox on %s\n", work.c_str());
  (*relay)->Stop();
  relay->reset();
  std::filesystem::remove_all(work);
  return total.lost == 0 ? 0 : 1;
}
