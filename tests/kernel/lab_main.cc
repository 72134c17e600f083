// main() of kernel_edge_labtest: leaves the machine's network namespace before anything else.
#include <gtest/gtest.h>

#include <cstdio>

#include "tests/kernel/lab_namespace.h"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  // First thing: a private network namespace for the whole process. Without it, nothing runs.
  if (!uplinkd::lab::EnterFreshNetworkNamespace()) {
    std::fprintf(stderr, "kernel_edge_labtest: SKIPPED: %s\n", uplinkd::lab::LabUnavailableReason().c_str());
    return 77;  // ctest's SKIP_RETURN_CODE
  }
  return RUN_ALL_TESTS();
}
