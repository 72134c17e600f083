#pragma once
// uplinkctl's view of uplinkd: one connection to the bus uplinkd is on, reads as JSON, the
// Manager's methods through the proxy generated from org.uplinkd1.Manager.xml, and a monitor of
// every change uplinkd announces.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "base/result.h"

namespace sdbus {
class IConnection;
}

namespace uplinkd::ctl {

class UplinkdClient {
 public:
  // `bus`: a D-Bus address; unset: the system bus ($DBUS_SYSTEM_BUS_ADDRESS when set).
  static Result<std::unique_ptr<UplinkdClient>> Connect(const std::optional<std::string>& bus);
  ~UplinkdClient();

  // {"manager": {...}, "modems": [...], "wans": [...], "alert_relay": {...} or null}; every
  // object has its D-Bus properties plus "Path".
  Result<nlohmann::json> Snapshot();
  Result<uint64_t> Reload();
  Result<void> SetLogLevel(const std::string& level);
  // The command methods (docs/dbus-api.md). `method`: Resume, Reconnect or Reset. An unknown
  // modem or Wan is kNotFound.
  Result<void> ModemCommand(const std::string& modem, const std::string& method);
  Result<void> SetWanAdministrativeState(const std::string& wan, bool up);
  Result<void> PinClass(const std::string& traffic_class, const std::string& wan, uint32_t seconds);
  Result<void> UnpinClass(const std::string& traffic_class);
  // [{"seq", "time_ms", "principal", "via", "command", "arguments", "permitted", "outcome",
  // "message"}], oldest first.
  Result<nlohmann::json> ReadAudit(uint32_t limit);

  // Calls `on_event` for each change uplinkd announces, until `count` events (0: no limit) or
  // `timeout_s` seconds (0: none). `on_ready` runs once the subscriptions are in place.
  // Returns how many events were seen.
  Result<uint64_t> Monitor(uint64_t count, double timeout_s, const std::function<void(const nlohmann::json&)>& on_event,
                           const std::function<void()>& on_ready);

  // "Manager", "Modem/modem1": how people name an object.
  static std::string ObjectLabel(const std::string& path);

 private:
  explicit UplinkdClient(std::unique_ptr<sdbus::IConnection> connection);
  std::unique_ptr<sdbus::IConnection> connection_;
};

}  // namespace uplinkd::ctl
