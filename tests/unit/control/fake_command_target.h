#pragma once
// A CommandTarget that records every call and answers what the test sets.
#include <string>
#include <vector>

#include "control/command_target.h"

namespace uplinkd::control {

struct FakeCommandTarget {
  std::vector<std::string> calls;
  std::optional<uint32_t> submit_uid;  // what the last submission carried
  Result<void> answer;  // what every void target call answers
  uint64_t generation = 7;

  CommandTarget Target() {
    CommandTarget target;
    target.reload = [this]() -> Result<uint64_t> {
      calls.push_back("reload");
      if (!answer) return tl::unexpected(answer.error());
      return generation;
    };
    target.set_log_level = [this](LogLevel level) {
      calls.push_back(std::string("set-log-level ") + Logger::LevelName(level));
      return answer;
    };
    target.resume_modem = [this](const std::string& modem) { return Record("resume " + modem); };
    target.reconnect_modem = [this](const std::string& modem) { return Record("reconnect " + modem); };
    target.reset_modem = [this](const std::string& modem) { return Record("reset " + modem); };
    target.set_wan_administrative_state = [this](const std::string& wan, bool up) {
      return Record("wan " + wan + (up ? " up" : " down"));
    };
    target.pin_class = [this](policy::TrafficClass traffic_class, const std::string& wan, std::chrono::seconds duration) {
      return Record(std::string("pin ") + policy::TrafficClassName(traffic_class) + " " + wan + " " +
                    std::to_string(duration.count()));
    };
    target.unpin_class = [this](policy::TrafficClass traffic_class) {
      return Record(std::string("unpin ") + policy::TrafficClassName(traffic_class));
    };
    target.submit_alert = [this](const std::string& submission, std::optional<uint32_t> uid) {
      calls.push_back("submit " + submission);
      submit_uid = uid;
      return std::string(R"({"ok": true, "id": "a-x-1"})");
    };
    return target;
  }

 private:
  Result<void> Record(std::string call) {
    calls.push_back(std::move(call));
    return answer;
  }
};

}  // namespace uplinkd::control
