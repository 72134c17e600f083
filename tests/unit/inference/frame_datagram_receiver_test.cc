#include "inference/frame_datagram_receiver.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "base/fake_scheduler.h"
#include "inference/frame_codec.h"

namespace uplinkd::inference {
namespace {

SensorFrame Frame(uint64_t sequence) {
  SensorFrame frame;
  frame.stream_id = 2;
  frame.sample_rate_hz = 1000;
  frame.channel_count = 1;
  frame.sequence = sequence;
  frame.samples = {1.0f, 2.0f, 3.0f};
  return frame;
}

class FrameDatagramReceiverTest : public ::testing::Test {
 protected:
  void RunUntil(const std::function<bool()>& done) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!done() && std::chrono::steady_clock::now() < deadline) {
      io.restart();
      io.run_for(std::chrono::milliseconds(5));
    }
  }
  boost::asio::io_context io;
  FakeScheduler scheduler;
  std::vector<SensorFrame> frames;
};

TEST_F(FrameDatagramReceiverTest, UdpDeliversGoodFramesAndCountsBadOnes) {
  auto receiver = FrameDatagramReceiver::ListenUdp(io, scheduler, "127.0.0.1", 0,
                                                   [&](const SensorFrame& f) { frames.push_back(f); });
  ASSERT_TRUE(receiver) << receiver.error().message;
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons((*receiver)->local_port());
  ::inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
  auto send = [&](const std::vector<uint8_t>& bytes) {
    ::sendto(fd, bytes.data(), bytes.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof(to));
  };
  send(FrameCodec::Encode(Frame(0)));
  send({'n', 'o', 'p', 'e'});
  std::vector<uint8_t> truncated = FrameCodec::Encode(Frame(1));
  truncated.pop_back();
  send(truncated);
  send(FrameCodec::Encode(Frame(2)));
  RunUntil([&] { return frames.size() == 2 && (*receiver)->stats().bad_frames == 2; });
  ::close(fd);
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(frames[1].sequence, 2u);
  EXPECT_EQ(frames[0].samples, (std::vector<float>{1.0f, 2.0f, 3.0f}));
  EXPECT_EQ((*receiver)->stats().bad_frames, 2u);
  EXPECT_EQ((*receiver)->stats().frames, 2u);
}

TEST_F(FrameDatagramReceiverTest, UnixSocketFileIsReplacedAndRemoved) {
  std::string path = ::testing::TempDir() + "/frames-" + std::to_string(::getpid()) + ".sock";
  {
    auto stale = FrameDatagramReceiver::ListenUnix(io, scheduler, path, [](const SensorFrame&) {});
    ASSERT_TRUE(stale);
    auto receiver = FrameDatagramReceiver::ListenUnix(io, scheduler, path,
                                                      [&](const SensorFrame& f) { frames.push_back(f); });
    ASSERT_TRUE(receiver) << receiver.error().message;
    int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un to{};
    to.sun_family = AF_UNIX;
    std::strncpy(to.sun_path, path.c_str(), sizeof(to.sun_path) - 1);
    auto bytes = FrameCodec::Encode(Frame(0));
    ::sendto(fd, bytes.data(), bytes.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof(to));
    ::close(fd);
    RunUntil([&] { return frames.size() == 1; });
    EXPECT_EQ(frames.size(), 1u);
    stale->reset();
  }
  EXPECT_NE(::access(path.c_str(), F_OK), 0);
}

}  // namespace
}  // namespace uplinkd::inference
