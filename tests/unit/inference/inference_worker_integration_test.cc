// The worker binary end to end, without root: the supervisor starts `uplinkd-infer run`, frames go
// in over its Unix socket (and MQTT through a private mosquitto on loopback), alerts come out at a
// stand-in relay socket. Labelled `integration`: it runs real processes but needs no namespaces.
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <boost/asio/local/datagram_protocol.hpp>
#include <gtest/gtest.h>
#include <mosquitto.h>

#include "base/asio_scheduler.h"
#include "inference/alert_submission_codec.h"
#include "inference/frame_codec.h"
#include "inference/inference_worker_supervisor.h"
#include "inference/vibration_signal_generator.h"

namespace uplinkd::inference {
namespace {

using std::chrono::milliseconds;

class InferenceWorkerIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = std::filesystem::temp_directory_path() / ("uplinkd-infer-it-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    std::filesystem::permissions(dir, std::filesystem::perms::all);  // the worker may run as nobody
    relay_path = (dir / "relay.sock").string();
    relay.open();
    relay.bind(boost::asio::local::datagram_protocol::endpoint(relay_path));
    std::filesystem::permissions(relay_path, std::filesystem::perms::all);
    ReceiveAlert();
  }
  void TearDown() override {
    supervisor.reset();
    std::filesystem::remove_all(dir);
  }
  void ReceiveAlert() {
    relay.async_receive_from(boost::asio::buffer(buffer), sender, [this](auto error, size_t bytes) {
      if (error) return;
      auto submission = AlertSubmissionCodec::ParseSubmission(std::string_view(buffer.data(), bytes));
      if (submission) {
        alerts.push_back(*submission);
        std::string reply = AlertSubmissionCodec::EncodeReply({true, "relay-1", *submission->id, "", "", false});
        relay.send_to(boost::asio::buffer(reply), sender);
      }
      ReceiveAlert();
    });
  }
  void StartWorker(const std::string& config_text) {
    std::string config_path = (dir / "worker.toml").string();
    std::ofstream(config_path) << config_text;
    WorkerSupervisorSettings settings;
    settings.executable = UPLINKD_INFER_BINARY;
    settings.arguments = {"run", "--config", config_path};
    if (::geteuid() == 0) settings.uid = settings.gid = 65534;
#if defined(__SANITIZE_ADDRESS__)
    settings.max_address_space_bytes = 0;  // ASan reserves terabytes of shadow address space
#endif
    settings.heartbeat_interval = milliseconds(100);
    settings.heartbeat_timeout = milliseconds(2000);
    supervisor = std::make_unique<InferenceWorkerSupervisor>(io, scheduler, settings);
    ASSERT_TRUE(supervisor->Start());
  }
  bool RunUntil(const std::function<bool()>& done, std::chrono::seconds limit = std::chrono::seconds(20)) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      io.restart();
      io.run_for(milliseconds(5));
    }
    return true;
  }

  std::filesystem::path dir;
  std::string relay_path;
  boost::asio::io_context io;
  AsioScheduler scheduler{io};
  boost::asio::local::datagram_protocol::socket relay{io};
  boost::asio::local::datagram_protocol::endpoint sender;
  std::array<char, kMaxAlertDatagramBytes> buffer{};
  std::vector<AlertSubmission> alerts;
  std::unique_ptr<InferenceWorkerSupervisor> supervisor;
};

TEST_F(InferenceWorkerIntegrationTest, FramesInOverUnixSocketAlertsOutAtTheRelay) {
  std::string frames_path = (dir / "frames.sock").string();
  StartWorker("[ingest]\nunix = \"" + frames_path + "\"\n[baseline]\nlearn_windows = 200\n[alerts]\nrelay_socket = \"" +
              relay_path + "\"\n[[stream]]\nid = 9\nname = \"fan\"\n");
  ASSERT_TRUE(RunUntil([&] { return supervisor->stats().heartbeats >= 2 && std::filesystem::exists(frames_path); }));

  int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, frames_path.c_str(), sizeof(address.sun_path) - 1);
  VibrationSignalSettings signal;
  VibrationSignalGenerator generator(signal);
  SensorFrame frame;
  frame.stream_id = 9;
  frame.sample_rate_hz = signal.sample_rate_hz;
  frame.channel_count = 1;
  auto send_seconds = [&](double seconds) {
    for (double t = 0; t < seconds; t += 512.0 / signal.sample_rate_hz) {
      frame.samples.clear();
      generator.Generate(512, frame.samples);
      auto bytes = FrameCodec::Encode(frame, SampleType::kInt16, 1.0f / 4096);
      ++frame.sequence;
      // Blocking send: the worker's receive buffer applies back-pressure instead of dropping.
      ASSERT_EQ(::sendto(fd, bytes.data(), bytes.size(), 0, reinterpret_cast<sockaddr*>(&address), sizeof(address)),
                static_cast<ssize_t>(bytes.size()));
      io.poll();
    }
  };
  send_seconds(200 * 512.0 / 12000 + 5);  // learning, then healthy scoring
  generator.set_fault(SignalFault::kBearingDefect, 2.0);
  send_seconds(3);
  ::close(fd);
  ASSERT_TRUE(RunUntil([&] { return !alerts.empty(); }));
  EXPECT_EQ(alerts[0].source, "uplinkd-infer");
  EXPECT_EQ(alerts[0].payload["stream"], "fan");
  EXPECT_EQ(alerts[0].payload["state"], "raised");
  EXPECT_GT(alerts[0].payload["score"].get<double>(), alerts[0].payload["threshold"].get<double>());
  EXPECT_EQ(supervisor->stats().starts, 1u);
  supervisor->Stop();
  ASSERT_TRUE(RunUntil([&] { return supervisor->state() == InferenceWorkerSupervisor::State::kStopped; }));
  EXPECT_FALSE(supervisor->last_exit()->signalled);  // SIGTERM handled: a clean exit
  EXPECT_EQ(supervisor->last_exit()->code, 0);
}

TEST_F(InferenceWorkerIntegrationTest, BadConfigExitsAndIsRestartedWithBackoff) {
  StartWorker("[ingest]\nnonsense = 1\n");
  ASSERT_TRUE(RunUntil([&] { return supervisor->stats().exits >= 1; }));
  EXPECT_EQ(supervisor->last_exit()->code, 2);
  EXPECT_EQ(supervisor->state(), InferenceWorkerSupervisor::State::kBackingOff);
}

TEST_F(InferenceWorkerIntegrationTest, MqttReadingsReachThePipeline) {
  const char* broker = "/usr/sbin/mosquitto";
  if (::access(broker, X_OK) != 0) GTEST_SKIP() << "mosquitto broker not installed";
  // A private broker on a loopback port chosen from the pid (no fixed port to collide on).
  int port = 20000 + ::getpid() % 20000;
  std::string broker_config = (dir / "mosquitto.conf").string();
  std::ofstream(broker_config) << "listener " << port << " 127.0.0.1\nallow_anonymous true\n";
  pid_t broker_pid = ::fork();
  if (broker_pid == 0) {
    ::execl(broker, broker, "-c", broker_config.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  struct BrokerGuard {
    pid_t pid;
    ~BrokerGuard() {
      ::kill(pid, SIGTERM);
      ::waitpid(pid, nullptr, 0);
    }
  } guard{broker_pid};

  StartWorker("[mqtt]\nport = " + std::to_string(port) + "\ntopic = \"plant/#\"\n[features]\nwindow = 64\nhop = 32\n"
              "[baseline]\nlearn_windows = 50\nsave_dir = \"" + dir.string() + "\"\n[alerts]\nrelay_socket = \"" + relay_path +
              "\"\nk = 2\nn = 3\n[[stream]]\nid = 3\nname = \"pressure\"\n");
  mosquitto_lib_init();
  mosquitto* publisher = mosquitto_new(nullptr, true, nullptr);
  auto connected = [&] { return mosquitto_connect(publisher, "127.0.0.1", port, 10) == MOSQ_ERR_SUCCESS; };
  ASSERT_TRUE(RunUntil(connected));
  // Publish normal readings until the worker has learned its baseline (it saves the model file);
  // readings sent before its subscription landed are simply lost.
  const auto learned = dir / "stream-3.model";
  double t = 0;
  auto publish = [&](int count, double amplitude) {
    for (int i = 0; i < count; ++i, t += 1) {
      // A slow sine with noise as "pressure"; then a step far outside it.
      double value = amplitude + std::sin(t * 0.7) + 0.1 * std::cos(t * 3.1);
      std::string body = "{\"stream\":3,\"rate_hz\":10,\"samples\":[[" + std::to_string(value) + "]]}";
      mosquitto_publish(publisher, nullptr, "plant/p1", static_cast<int>(body.size()), body.data(), 0, false);
      mosquitto_loop(publisher, 0, 1);
    }
  };
  ASSERT_TRUE(RunUntil([&] {
    publish(40, 0.0);
    return std::filesystem::exists(learned);
  }, std::chrono::seconds(30)));
  ASSERT_TRUE(RunUntil([&] {
    publish(16, 50.0);
    return !alerts.empty();
  }, std::chrono::seconds(20)));
  EXPECT_EQ(alerts[0].payload["stream"], "pressure");
  mosquitto_destroy(publisher);
  mosquitto_lib_cleanup();
}

}  // namespace
}  // namespace uplinkd::inference
