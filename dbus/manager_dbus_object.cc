#include "dbus/manager_dbus_object.h"

#include "dbus/dbus_errors.h"
#include "dbus/object_paths.h"

namespace uplinkd::dbus {

ManagerDbusObject::ManagerDbusObject(sdbus::IConnection& connection, CommandCaller commands, ManagerProperties initial)
    : AdaptorInterfaces(connection, kRootPath), commands_(std::move(commands)), mirror_(std::move(initial)) {
  registerAdaptor();
}

ManagerDbusObject::~ManagerDbusObject() { unregisterAdaptor(); }

void ManagerDbusObject::Update(const ManagerProperties& next) { mirror_.Replace(getObject(), kManagerInterface, next); }

// Methods: each decodes its arguments into a command; the command layer does the rest.

void ManagerDbusObject::Reload(sdbus::Result<uint64_t>&& pending) {
  RunCommand(
      getObject(), commands_, std::move(pending), {control::ReloadCommand{}, {}},
      [](sdbus::Result<uint64_t>& result, const control::CommandResult& reply) {
        result.returnResults(std::get<control::ReloadResult>(reply).generation);
      },
      // Reload takes no argument: an invalid one is the configuration file's problems.
      [](ErrorCode code) { return code == ErrorCode::kInvalidArgument ? kErrorConfigInvalid : ErrorNameFor(code); });
}

void ManagerDbusObject::SetLogLevel(sdbus::Result<>&& pending, std::string level) {
  RunCommand(getObject(), commands_, std::move(pending), {control::SetLogLevelCommand{std::move(level)}, {}},
             ReturnNothing());
}

void ManagerDbusObject::PinClass(sdbus::Result<>&& pending, std::string traffic_class, std::string wan,
                                 uint32_t seconds) {
  RunCommand(getObject(), commands_, std::move(pending),
             {control::PinClassCommand{std::move(traffic_class), std::move(wan), std::chrono::seconds(seconds)}, {}},
             ReturnNothing());
}

void ManagerDbusObject::UnpinClass(sdbus::Result<>&& pending, std::string traffic_class) {
  RunCommand(getObject(), commands_, std::move(pending), {control::UnpinClassCommand{std::move(traffic_class)}, {}},
             ReturnNothing());
}

void ManagerDbusObject::ReadAudit(
    sdbus::Result<std::vector<sdbus::Struct<uint64_t, uint64_t, std::string, std::string, std::string, std::string,
                                            bool, std::string, std::string>>>&& pending,
    uint32_t limit) {
  using Row = sdbus::Struct<uint64_t, uint64_t, std::string, std::string, std::string, std::string, bool, std::string,
                            std::string>;
  RunCommand(getObject(), commands_, std::move(pending), {control::ReadAuditCommand{limit}, {}},
             [](sdbus::Result<std::vector<Row>>& result, const control::CommandResult& reply) {
               std::vector<Row> rows;
               for (const auto& record : std::get<control::AuditRows>(reply).rows) {
                 rows.emplace_back(static_cast<uint64_t>(record.seq), static_cast<uint64_t>(record.time_ms),
                                   record.principal, record.via, record.command, record.arguments, record.permitted,
                                   record.outcome, record.message);
               }
               result.returnResults(rows);
             });
}

}  // namespace uplinkd::dbus
