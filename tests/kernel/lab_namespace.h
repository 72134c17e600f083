#pragma once
// Every kernel lab test runs in network namespaces of its own: main() moves the whole process into
// a new one before any test starts, and each test case moves into another brand-new one, so a test
// sees a pristine kernel and everything it made vanishes with it, even when it fails. The machine's
// own namespace is never touched.
#include <string>

namespace uplinkd::lab {

// Why the lab cannot run here (not root, no CAP_SYS_ADMIN), or empty when it can.
const std::string& LabUnavailableReason();

// Moves this (single-threaded) process into a new, empty network namespace. Returns false when that
// is impossible, after which the caller skips.
bool EnterFreshNetworkNamespace();

// Runs a command (through /bin/sh) inside the current namespace; returns its exit status and puts
// its standard output in `output` when given. For test set-up and read-back only.
int RunCommand(const std::string& command, std::string* output = nullptr);

}  // namespace uplinkd::lab
