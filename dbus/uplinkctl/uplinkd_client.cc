#include "dbus/uplinkctl/uplinkd_client.h"

#include <poll.h>

#include <chrono>
#include <ctime>
#include <map>
#include <vector>

#include <fmt/format.h>
#include <sdbus-c++/sdbus-c++.h>

#include "dbus/object_paths.h"
#include "dbus/uplinkctl/variant_json.h"
#include "manager_proxy.h"
#include "modem_proxy.h"
#include "wan_proxy.h"

namespace uplinkd::ctl {
namespace {

using ManagedObjects =
    std::map<sdbus::ObjectPath, std::map<std::string, std::map<std::string, sdbus::Variant>>>;

constexpr const char* kWanInterface = "org.uplinkd1.Wan";
constexpr const char* kAlertRelayInterface = "org.uplinkd1.AlertRelay";

Error FromDbusError(const sdbus::Error& error) {
  const std::string& name = error.getName();
  std::string message = error.getMessage().empty() ? name : error.getMessage();
  if (name == "org.uplinkd1.Error.PermissionDenied" || name == "org.freedesktop.DBus.Error.AccessDenied") {
    return {ErrorCode::kPermissionDenied, message, 0};
  }
  if (name == "org.uplinkd1.Error.NotFound") return {ErrorCode::kNotFound, message, 0};
  if (name == "org.freedesktop.DBus.Error.ServiceUnknown" || name == "org.freedesktop.DBus.Error.NameHasNoOwner" ||
      name == "org.freedesktop.DBus.Error.NoReply" || name == "org.freedesktop.DBus.Error.Disconnected" ||
      name == "org.freedesktop.DBus.Error.UnknownObject" || name.rfind("System.Error.", 0) == 0) {
    return {ErrorCode::kUnavailable, "uplinkd is not reachable: " + message, 0};
  }
  if (name == "org.uplinkd1.Error.InvalidArgument") return {ErrorCode::kInvalidArgument, message, 0};
  // uplinkd is there but cannot do it now (the part does not run, the modem is absent):
  // kTimeout here, since kUnavailable means uplinkd is not reachable (exit 3).
  if (name == "org.uplinkd1.Error.Unavailable") return {ErrorCode::kTimeout, message, 0};
  // ConfigInvalid, Failed, anything else: uplinkd answered with an error (exit 1).
  return {ErrorCode::kRejected, name + ": " + message, 0};
}

// A method on a Modem or Wan object: an object that is not there is the name being unknown.
Error FromObjectCallError(const sdbus::Error& error, const char* noun, const std::string& name) {
  if (error.getName() == "org.freedesktop.DBus.Error.UnknownObject") {
    return {ErrorCode::kNotFound, std::string("no ") + noun + " named \"" + name + "\"", 0};
  }
  return FromDbusError(error);
}

class ManagerClient final : public sdbus::ProxyInterfaces<org::uplinkd1::Manager_proxy> {
 public:
  explicit ManagerClient(sdbus::IConnection& connection)
      : ProxyInterfaces(connection, dbus::kBusName, dbus::kRootPath) {
    registerProxy();
  }
  ~ManagerClient() { unregisterProxy(); }
};

class ModemClient final : public sdbus::ProxyInterfaces<org::uplinkd1::Modem_proxy> {
 public:
  ModemClient(sdbus::IConnection& connection, const std::string& name)
      : ProxyInterfaces(connection, dbus::kBusName, dbus::ObjectPathFor("Modem", name)) {
    registerProxy();
  }
  ~ModemClient() { unregisterProxy(); }
};

class WanClient final : public sdbus::ProxyInterfaces<org::uplinkd1::Wan_proxy> {
 public:
  WanClient(sdbus::IConnection& connection, const std::string& name)
      : ProxyInterfaces(connection, dbus::kBusName, dbus::ObjectPathFor("Wan", name)) {
    registerProxy();
  }
  ~WanClient() { unregisterProxy(); }
};

std::string ClockText(std::chrono::system_clock::time_point now) {
  auto seconds = std::chrono::system_clock::to_time_t(now);
  auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm local{};
  ::localtime_r(&seconds, &local);
  return fmt::format("{:02}:{:02}:{:02}.{:03}", local.tm_hour, local.tm_min, local.tm_sec, millis);
}

nlohmann::json Event(const std::string& kind, const std::string& path) {
  auto now = std::chrono::system_clock::now();
  return {{"time", ClockText(now)},
          {"unix_time", std::chrono::duration<double>(now.time_since_epoch()).count()},
          {"event", kind},
          {"object", UplinkdClient::ObjectLabel(path)},
          {"path", path}};
}

}  // namespace

UplinkdClient::UplinkdClient(std::unique_ptr<sdbus::IConnection> connection) : connection_(std::move(connection)) {}
UplinkdClient::~UplinkdClient() = default;

Result<std::unique_ptr<UplinkdClient>> UplinkdClient::Connect(const std::optional<std::string>& bus) {
  try {
    auto connection = bus ? sdbus::createSessionBusConnectionWithAddress(*bus) : sdbus::createSystemBusConnection();
    return std::unique_ptr<UplinkdClient>(new UplinkdClient(std::move(connection)));
  } catch (const sdbus::Error& error) {
    return MakeError(ErrorCode::kUnavailable,
                     "cannot connect to " + (bus ? *bus : std::string("the system bus")) + ": " + error.getMessage());
  }
}

std::string UplinkdClient::ObjectLabel(const std::string& path) {
  std::string root = dbus::kRootPath;
  if (path == root) return "Manager";
  if (path.rfind(root + "/", 0) != 0) return path;
  std::string rest = path.substr(root.size() + 1);
  auto slash = rest.rfind('/');
  if (slash == std::string::npos) return rest;
  return rest.substr(0, slash + 1) + dbus::UnescapePathElement(rest.substr(slash + 1));
}

Result<nlohmann::json> UplinkdClient::Snapshot() {
  try {
    auto root = sdbus::createProxy(*connection_, dbus::kBusName, dbus::kRootPath);
    std::map<std::string, sdbus::Variant> manager;
    root->callMethod("GetAll")
        .onInterface("org.freedesktop.DBus.Properties")
        .withArguments(std::string(dbus::kManagerInterface))
        .storeResultsTo(manager);
    ManagedObjects objects;
    root->callMethod("GetManagedObjects").onInterface("org.freedesktop.DBus.ObjectManager").storeResultsTo(objects);

    nlohmann::json snapshot = {{"manager", PropertiesToJson(manager)},
                               {"modems", nlohmann::json::array()},
                               {"wans", nlohmann::json::array()},
                               {"alert_relay", nullptr}};
    snapshot["manager"]["Path"] = dbus::kRootPath;
    for (const auto& [path, interfaces] : objects) {
      for (const auto& [interface, properties] : interfaces) {
        auto object = PropertiesToJson(properties);
        object["Path"] = std::string(path);
        if (interface == dbus::kModemInterface) snapshot["modems"].push_back(object);
        if (interface == kWanInterface) snapshot["wans"].push_back(object);
        if (interface == kAlertRelayInterface) snapshot["alert_relay"] = object;
      }
    }
    return snapshot;
  } catch (const sdbus::Error& error) {
    return tl::unexpected(FromDbusError(error));
  }
}

Result<uint64_t> UplinkdClient::Reload() {
  try {
    ManagerClient manager(*connection_);
    return manager.Reload();
  } catch (const sdbus::Error& error) {
    return tl::unexpected(FromDbusError(error));
  }
}

Result<void> UplinkdClient::SetLogLevel(const std::string& level) {
  try {
    ManagerClient manager(*connection_);
    manager.SetLogLevel(level);
    return {};
  } catch (const sdbus::Error& error) {
    return tl::unexpected(FromDbusError(error));
  }
}

Result<void> UplinkdClient::ModemCommand(const std::string& modem, const std::string& method) {
  try {
    ModemClient client(*connection_, modem);
    if (method == "Resume") {
      client.Resume();
    } else if (method == "Reconnect") {
      client.Reconnect();
    } else if (method == "Reset") {
      client.Reset();
    } else {
      return MakeError(ErrorCode::kInvalidArgument, "no modem method " + method);
    }
    return {};
  } catch (const sdbus::Error& error) {
    return tl::unexpected(FromObjectCallError(error, "modem", modem));
  }
}

Result<void> UplinkdClient::SetWanAdministrativeState(const std::string& wan, bool up) {
  try {
    WanClient client(*connection_, wan);
    client.SetAdministrativeState(up);
    return {};
  } catch (const sdbus::Error& error) {
    return tl::unexpected(FromObjectCallError(error, "Wan", wan));
  }
}

Result<void> UplinkdClient::PinClass(const std::string& traffic_class, const std::string& wan, uint32_t seconds) {
  try {
    ManagerClient manager(*connection_);
    manager.PinClass(traffic_class, wan, seconds);
    return {};
  } catch (const sdbus::Error& error) {
    return tl::unexpected(FromDbusError(error));
  }
}

Result<void> UplinkdClient::UnpinClass(const std::string& traffic_class) {
  try {
    ManagerClient manager(*connection_);
    manager.UnpinClass(traffic_class);
    return {};
  } catch (const sdbus::Error& error) {
    return tl::unexpected(FromDbusError(error));
  }
}

Result<nlohmann::json> UplinkdClient::ReadAudit(uint32_t limit) {
  try {
    ManagerClient manager(*connection_);
    auto rows = nlohmann::json::array();
    for (const auto& row : manager.ReadAudit(limit)) {
      rows.push_back({{"seq", row.get<0>()},
                      {"time_ms", row.get<1>()},
                      {"principal", row.get<2>()},
                      {"via", row.get<3>()},
                      {"command", row.get<4>()},
                      {"arguments", row.get<5>()},
                      {"permitted", row.get<6>()},
                      {"outcome", row.get<7>()},
                      {"message", row.get<8>()}});
    }
    return rows;
  } catch (const sdbus::Error& error) {
    return tl::unexpected(FromDbusError(error));
  }
}

Result<uint64_t> UplinkdClient::Monitor(uint64_t count, double timeout_s,
                                        const std::function<void(const nlohmann::json&)>& on_event,
                                        const std::function<void()>& on_ready) {
  uint64_t seen = 0;
  auto deliver = [&](const nlohmann::json& event) {
    if (count != 0 && seen >= count) return;
    ++seen;
    on_event(event);
  };
  std::string sender = dbus::kBusName;
  std::string root = dbus::kRootPath;
  std::vector<sdbus::Slot> matches;
  try {
    matches.push_back(connection_->addMatch(
        "type='signal',sender='" + sender + "',interface='org.freedesktop.DBus.Properties',member='PropertiesChanged',"
            "path_namespace='" + root + "'",
        [&](sdbus::Message& message) {
          std::string interface;
          std::map<std::string, sdbus::Variant> changed;
          std::vector<std::string> invalidated;
          message >> interface >> changed >> invalidated;
          auto event = Event("changed", message.getPath());
          event["interface"] = interface;
          event["properties"] = PropertiesToJson(changed);
          for (const auto& name : invalidated) event["properties"][name] = nullptr;
          deliver(event);
        }));
    matches.push_back(connection_->addMatch(
        "type='signal',sender='" + sender + "',interface='org.freedesktop.DBus.ObjectManager',path='" + root + "'",
        [&](sdbus::Message& message) {
          sdbus::ObjectPath path;
          message >> path;
          if (message.getMemberName() == std::string("InterfacesAdded")) {
            std::map<std::string, std::map<std::string, sdbus::Variant>> interfaces;
            message >> interfaces;
            auto event = Event("added", path);
            event["interfaces"] = nlohmann::json::array();
            event["properties"] = nlohmann::json::object();
            for (const auto& [interface, properties] : interfaces) {
              if (interface.rfind("org.freedesktop.DBus.", 0) == 0) continue;
              event["interfaces"].push_back(interface);
              event["properties"].update(PropertiesToJson(properties));
            }
            deliver(event);
          } else if (message.getMemberName() == std::string("InterfacesRemoved")) {
            std::vector<std::string> interfaces;
            message >> interfaces;
            auto event = Event("removed", path);
            event["interfaces"] = interfaces;
            deliver(event);
          }
        }));
    matches.push_back(connection_->addMatch(
        "type='signal',sender='org.freedesktop.DBus',interface='org.freedesktop.DBus',member='NameOwnerChanged',"
            "arg0='" + sender + "'",
        [&](sdbus::Message& message) {
          std::string name, old_owner, new_owner;
          message >> name >> old_owner >> new_owner;
          auto event = Event(new_owner.empty() ? "left-bus" : "joined-bus", root);
          event["object"] = "uplinkd";
          deliver(event);
        }));
  } catch (const sdbus::Error& error) {
    return tl::unexpected(FromDbusError(error));
  }
  on_ready();

  using Clock = std::chrono::steady_clock;
  std::optional<Clock::time_point> deadline;
  if (timeout_s > 0) {
    deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(timeout_s));
  }
  try {
    while (count == 0 || seen < count) {
      while (connection_->processPendingRequest() && (count == 0 || seen < count)) {
      }
      if (count != 0 && seen >= count) break;
      auto poll_data = connection_->getEventLoopPollData();
      int wait_ms = -1;
      if (auto relative = poll_data.getRelativeTimeout()) {
        wait_ms = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(*relative).count()) + 1;
      }
      if (deadline) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*deadline - Clock::now()).count();
        if (left <= 0) break;
        wait_ms = wait_ms < 0 ? static_cast<int>(left) : std::min(wait_ms, static_cast<int>(left));
      }
      pollfd descriptor{poll_data.fd, poll_data.events, 0};
      if (::poll(&descriptor, 1, wait_ms) < 0 && errno != EINTR) {
        return MakeError(ErrorCode::kSystem, "poll", errno);
      }
    }
  } catch (const sdbus::Error& error) {
    return tl::unexpected(FromDbusError(error));
  }
  return seen;
}

}  // namespace uplinkd::ctl
