#pragma once
// The `uplinkd-infer run` process: ingest sockets, the pipeline, the alert sink, the heartbeat to
// the supervising daemon and model reloads on SIGHUP, all on one io_context.
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/signal_set.hpp>

#include "base/asio_scheduler.h"
#include "base/logger.h"
#include "base/result.h"
#include "inference/frame_datagram_receiver.h"
#include "inference/inference_pipeline.h"
#include "inference/mqtt_reading_source.h"
#include "inference/unix_datagram_alert_sink.h"
#include "inference/worker_config.h"

namespace uplinkd::inference {

class InferenceWorker {
 public:
  static Result<std::unique_ptr<InferenceWorker>> Create(boost::asio::io_context& io, WorkerConfig config);
  // Loads every configured model file; a file that fails is logged and the running model (or the
  // baseline learning) is kept. Called at start and on SIGHUP.
  void ReloadModels();

 private:
  InferenceWorker(boost::asio::io_context& io, WorkerConfig config);
  void StartHeartbeat(int fd, std::chrono::milliseconds interval);
  void Beat();
  void WaitForSignals();

  boost::asio::io_context& io_;
  AsioScheduler scheduler_;
  WorkerConfig config_;
  std::unique_ptr<UnixDatagramAlertSink> sink_;
  std::unique_ptr<InferencePipeline> pipeline_;
  std::vector<std::unique_ptr<FrameDatagramReceiver>> receivers_;
  std::unique_ptr<MqttReadingSource> mqtt_;
  boost::asio::signal_set signals_;
  int heartbeat_fd_ = -1;
  std::chrono::milliseconds heartbeat_interval_{1000};
  TimerHandle heartbeat_timer_;
  Logger log_{LogModule::kInference};
};

}  // namespace uplinkd::inference
