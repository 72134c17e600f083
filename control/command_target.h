#pragma once
// What the commands act on, as the daemon wires it (daemon/daemon.cc): the modem fleet, the policy
// controller, reload and the log level. A table of functions, so control/ needs none of those
// classes and tests put a fake in. Each runs only after the caller was authorised and the
// arguments validated. An unset function means the part does not run here (no [[wan]]: no
// policy): the command is answered kUnavailable.
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "base/logger.h"
#include "base/result.h"
#include "policy/policy_config.h"

namespace uplinkd::control {

struct CommandTarget {
  // The configuration generation now running, or kInvalidArgument with the file's problems.
  std::function<Result<uint64_t>()> reload;
  std::function<Result<void>(LogLevel level)> set_log_level;
  // By [[modem]] name: kNotFound for an unknown one, another error when not possible now.
  std::function<Result<void>(const std::string& modem)> resume_modem;
  std::function<Result<void>(const std::string& modem)> reconnect_modem;
  std::function<Result<void>(const std::string& modem)> reset_modem;
  // By [[wan]] name.
  std::function<Result<void>(const std::string& wan, bool up)> set_wan_administrative_state;
  std::function<Result<void>(policy::TrafficClass traffic_class, const std::string& wan,
                             std::chrono::seconds duration)>
      pin_class;
  std::function<Result<void>(policy::TrafficClass traffic_class)> unpin_class;
  // One submission to the alert relay: the relay's reply (relay::AlertRelay::HandleSubmission),
  // which says itself whether the alert was accepted.
  // `uid`: the local submitter's (part of the alert's de-duplication key); none for other principals.
  std::function<std::string(const std::string& submission, std::optional<uint32_t> uid)> submit_alert;
};

}  // namespace uplinkd::control
