#include <signal.h>

#include <cstdio>

#include <boost/asio/io_context.hpp>

#include "inference/infer_commands.h"
#include "inference/inference_worker.h"
#include "inference/worker_config.h"

namespace uplinkd::inference {

int RunWorkerCommand(const CommandArguments& arguments) {
  auto path = arguments.Get("config");
  if (!path) {
    std::fputs("uplinkd-infer: run needs --config FILE\n", stderr);
    return 2;
  }
  auto config = WorkerConfig::Load(*path);
  if (!config) {
    std::fprintf(stderr, "uplinkd-infer: %s\n", config.error().message.c_str());
    return 2;
  }
  // A closed heartbeat pipe must be an error return, not a silent death by SIGPIPE.
  ::signal(SIGPIPE, SIG_IGN);
  boost::asio::io_context io;
  auto worker = InferenceWorker::Create(io, std::move(*config));
  if (!worker) {
    std::fprintf(stderr, "uplinkd-infer: %s\n", Describe(worker.error()).c_str());
    return 1;
  }
  io.run();
  return 0;
}

}  // namespace uplinkd::inference
