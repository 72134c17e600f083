#include "inference/infer_commands.h"

#include <cstdio>

namespace uplinkd::inference {

int RunWorkerCommand(const CommandArguments&) {
  std::fputs("uplinkd-infer: run is not built yet\n", stderr);
  return 1;
}

}  // namespace uplinkd::inference
