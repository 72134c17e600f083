#include "inference/inference_worker.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include "inference/model_file.h"

namespace uplinkd::inference {

InferenceWorker::InferenceWorker(boost::asio::io_context& io, WorkerConfig config)
    : io_(io), scheduler_(io), config_(std::move(config)), signals_(io, SIGTERM, SIGINT, SIGHUP) {}

Result<std::unique_ptr<InferenceWorker>> InferenceWorker::Create(boost::asio::io_context& io, WorkerConfig config) {
  std::unique_ptr<InferenceWorker> worker(new InferenceWorker(io, std::move(config)));
  UnixDatagramAlertSink::Options sink_options;
  sink_options.relay_path = worker->config_.relay_socket;
  auto sink = UnixDatagramAlertSink::Create(io, worker->scheduler_, sink_options);
  if (!sink) return tl::unexpected(sink.error());
  worker->sink_ = std::move(*sink);
  worker->pipeline_ = std::make_unique<InferencePipeline>(worker->config_.pipeline, *worker->sink_);
  auto on_frame = [pipeline = worker->pipeline_.get()](const SensorFrame& frame) { pipeline->PushFrame(frame); };
  if (!worker->config_.udp_address.empty()) {
    auto udp = FrameDatagramReceiver::ListenUdp(io, worker->scheduler_, worker->config_.udp_address,
                                                worker->config_.udp_port, on_frame);
    if (!udp) return tl::unexpected(udp.error());
    worker->receivers_.push_back(std::move(*udp));
  }
  if (!worker->config_.unix_path.empty()) {
    auto unix_socket = FrameDatagramReceiver::ListenUnix(io, worker->scheduler_, worker->config_.unix_path, on_frame);
    if (!unix_socket) return tl::unexpected(unix_socket.error());
    worker->receivers_.push_back(std::move(*unix_socket));
  }
  if (worker->config_.mqtt) {
    auto mqtt = MqttReadingSource::Create(io, worker->scheduler_, *worker->config_.mqtt, on_frame);
    if (!mqtt) return tl::unexpected(mqtt.error());
    worker->mqtt_ = std::move(*mqtt);
  }
  for (const auto& receiver : worker->receivers_) worker->log_.Info("listening for frames on {}", receiver->name());
  worker->ReloadModels();
  // The supervising daemon passes a pipe; a worker started by hand has none and beats nowhere.
  if (const char* fd = std::getenv("UPLINKD_HEARTBEAT_FD")) {
    const char* interval = std::getenv("UPLINKD_HEARTBEAT_MS");
    worker->StartHeartbeat(std::atoi(fd), std::chrono::milliseconds(interval ? std::atoi(interval) : 1000));
  }
  worker->WaitForSignals();
  return worker;
}

void InferenceWorker::ReloadModels() {
  for (const auto& stream : config_.streams) {
    if (stream.model_file.empty()) continue;
    auto model = ModelFile::Load(stream.model_file);
    if (!model) {
      log_.Error("stream {}: model not loaded, keeping the running one: {}", stream.name, Describe(model.error()));
      continue;
    }
    if (auto installed = pipeline_->InstallModel(stream.id, std::move(*model)); !installed) {
      log_.Error("stream {}: model {} refused, keeping the running one: {}", stream.name, stream.model_file,
                 installed.error().message);
    }
  }
}

void InferenceWorker::StartHeartbeat(int fd, std::chrono::milliseconds interval) {
  heartbeat_fd_ = fd;
  heartbeat_interval_ = std::max(interval, std::chrono::milliseconds(10));
  Beat();
}

void InferenceWorker::Beat() {
  // Written from the loop itself: if a window or a parser ever hangs the loop, the beats stop and
  // the daemon kills and restarts this process.
  char byte = 'h';
  if (::write(heartbeat_fd_, &byte, 1) < 0 && errno == EPIPE) {
    log_.Error("heartbeat pipe closed: the daemon is gone; exiting");
    io_.stop();
    return;
  }
  heartbeat_timer_ = scheduler_.RunAfter(heartbeat_interval_, [this] { Beat(); });
}

void InferenceWorker::WaitForSignals() {
  signals_.async_wait([this](const boost::system::error_code& error, int signal) {
    if (error) return;
    if (signal == SIGHUP) {
      log_.Notice("SIGHUP: reloading model files");
      ReloadModels();
      WaitForSignals();
      return;
    }
    log_.Notice("signal {}: stopping", signal);
    io_.stop();
  });
}

}  // namespace uplinkd::inference
