#pragma once
// Receives sensor frames (one per datagram) on a UDP port or a Unix datagram socket, decodes them
// and hands good ones on. Bad datagrams are counted and dropped with at most one log line per
// interval, so a misbehaving sender can neither crash the worker nor flood the journal.
#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include "base/logger.h"
#include "base/result.h"
#include "base/scheduler.h"
#include "inference/sensor_frame.h"

namespace uplinkd::inference {

class FrameDatagramReceiver {
 public:
  struct Stats {
    uint64_t frames = 0;
    uint64_t bad_frames = 0;
  };
  using FrameCallback = std::function<void(const SensorFrame&)>;

  // `address` is an IPv4 or IPv6 literal; port 0 picks a free port (see local_port()).
  static Result<std::unique_ptr<FrameDatagramReceiver>> ListenUdp(boost::asio::io_context& io, Scheduler& scheduler,
                                                                  const std::string& address, uint16_t port,
                                                                  FrameCallback on_frame);
  // Replaces a stale socket file at `path`; the file is removed again on destruction.
  static Result<std::unique_ptr<FrameDatagramReceiver>> ListenUnix(boost::asio::io_context& io, Scheduler& scheduler,
                                                                   const std::string& path, FrameCallback on_frame);
  ~FrameDatagramReceiver();

  const Stats& stats() const { return stats_; }
  uint16_t local_port() const { return local_port_; }
  const std::string& name() const { return name_; }

 private:
  FrameDatagramReceiver(boost::asio::io_context& io, Scheduler& scheduler, int fd, std::string name,
                        FrameCallback on_frame);
  void Wait();
  void Drain();
  void CountBad(const std::string& why);

  Scheduler& scheduler_;
  boost::asio::posix::stream_descriptor descriptor_;
  std::string name_;
  std::string unlink_path_;
  uint16_t local_port_ = 0;
  FrameCallback on_frame_;
  SensorFrame frame_;  // reused: decoding does not allocate once it has grown
  std::array<uint8_t, 65536> buffer_{};
  Stats stats_;
  uint64_t bad_since_log_ = 0;
  SteadyTime last_bad_log_{};
  bool logged_once_ = false;
  Logger log_{LogModule::kInference};
};

}  // namespace uplinkd::inference
