#pragma once
// Client of the AT modem emulator's control socket (tests/realmm/at_modem_emulator.py): one JSON
// object per line each way. Tests use it to flip the emulated modem's state (registration, PIN,
// signal, refused dials, incoming SMS). Blocking, with a short timeout: the emulator answers at once.
#include <string>

#include <nlohmann/json.hpp>

#include "base/result.h"

namespace uplinkd::realmm {

class AtEmulatorControl {
 public:
  explicit AtEmulatorControl(std::string socket_path) : socket_path_(std::move(socket_path)) {}

  // Sends {"cmd": cmd, ...arguments} and returns the reply; an error when "ok" is false.
  Result<nlohmann::json> Send(const std::string& cmd, nlohmann::json arguments = nlohmann::json::object()) const;

  Result<void> Register(const std::string& registration) const;  // home | roaming | denied | searching | idle
  Result<void> SetSignal(int csq) const;                           // +CSQ rssi 0..31
  Result<void> RefuseConnect(const std::string& final_result) const;  // "" restores CONNECT

 private:
  std::string socket_path_;
};

}  // namespace uplinkd::realmm
