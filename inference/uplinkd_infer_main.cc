// uplinkd-infer: the inference worker and its tools.
//   run --config FILE                       the worker (started and supervised by uplinkd)
//   train --csv FILE --out MODEL --rate HZ  fit a model file from a CSV of normal operation
//   replay --csv FILE --rate HZ [--model M] one JSON line per window through the same pipeline
//   check-model MODEL                       verify a model file (checksum, parameters, self-test)
//   generate --out CSV --seconds S          synthetic vibration, healthy or with a fault
//   evaluate                                detection rate and false alarms on generated data
//   bench                                   throughput, p99 latency and RSS (tests/bench/inference)
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "base/logger.h"
#include "inference/infer_commands.h"

namespace {

void Usage() {
  std::fputs(
      "usage: uplinkd-infer <command> [--option value ...]\n"
      "  run --config FILE\n"
      "  train --csv FILE --out MODEL --rate HZ [--kind baseline|kmeans] [--clusters K] [--quantile Q]\n"
      "        [--margin M] [--window N] [--hop N] [--bands N] [--version TEXT]\n"
      "  replay --csv FILE --rate HZ [--model MODEL] [--learn-windows N] [--window N] [--hop N] [--bands N]\n"
      "  check-model MODEL\n"
      "  generate --out CSV --seconds S [--rate HZ] [--channels C] [--seed N]\n"
      "           [--fault none|bearing|drift|flatline|clipping] [--severity X] [--fault-after S]\n"
      "  evaluate [--train-minutes M] [--healthy-minutes M] [--episodes N] [--seed N] [--channels C]\n"
      "  bench [--seconds S] [--channels C] [--rate HZ]\n",
      stderr);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0) {
    Usage();
    return argc < 2 ? 2 : 0;
  }
  std::string command = argv[1];
  uplinkd::inference::CommandArguments arguments;
  for (int i = 2; i < argc; ++i) {
    std::string word = argv[i];
    if (word.rfind("--", 0) == 0) {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "uplinkd-infer: %s needs a value\n", word.c_str());
        return 2;
      }
      arguments.options[word.substr(2)] = argv[++i];
    } else {
      arguments.positional.push_back(word);
    }
  }
  if (const char* level = std::getenv("UPLINKD_INFER_DEBUG"); level != nullptr && *level == '1') {
    uplinkd::Logger::SetMaxLevel(uplinkd::LogLevel::kDebug);
  }
  using namespace uplinkd::inference;
  if (command == "run") return RunWorkerCommand(arguments);
  if (command == "train") return TrainCommand(arguments);
  if (command == "replay") return ReplayCommand(arguments);
  if (command == "check-model") return CheckModelCommand(arguments);
  if (command == "generate") return GenerateCommand(arguments);
  if (command == "evaluate") return EvaluateCommand(arguments);
  if (command == "bench") return BenchCommand(arguments);
  std::fprintf(stderr, "uplinkd-infer: unknown command '%s'\n", command.c_str());
  Usage();
  return 2;
}
