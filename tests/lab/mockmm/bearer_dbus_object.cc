#include "tests/lab/mockmm/bearer_dbus_object.h"

#include <ModemManager.h>

#include <memory>
#include <stdexcept>

#include "tests/lab/mockmm/dbus_conversions.h"
#include "tests/lab/mockmm/dbus_paths.h"
#include "tests/lab/mockmm/mock_modem_manager_service.h"

namespace uplinkd::lab {

BearerDbusObject::BearerDbusObject(sdbus::IConnection& connection, uint32_t bearer_id, MockModem& modem,
                                   MockModemManagerService& service)
    : AdaptorInterfaces(connection, BearerPath(bearer_id)),
      bearer_id_(bearer_id),
      path_(BearerPath(bearer_id)),
      modem_(modem),
      service_(service) {
  registerAdaptor();
  service_.RegisterInterface(path_, INTERFACE_NAME, getObject());
}

BearerDbusObject::~BearerDbusObject() {
  service_.UnregisterInterface(path_, INTERFACE_NAME);
  unregisterAdaptor();
}

const MockBearer& BearerDbusObject::bearer() const {
  const MockBearer* bearer = modem_.FindBearer(bearer_id_);
  // The object is destroyed when the model forgets the bearer, so this cannot miss.
  if (!bearer) throw sdbus::Error(mm_error::kCoreNotFound, "Bearer not found");
  return *bearer;
}

void BearerDbusObject::Connect(sdbus::Result<>&& result) {
  auto reply = std::make_shared<sdbus::Result<>>(std::move(result));
  MockModemManagerService& service = service_;
  modem_.BearerConnect(bearer_id_, [reply, &service](MockStatus status) {
    service.FlushPropertyChanges();
    if (status) {
      reply->returnResults();
    } else {
      reply->returnError(ToDbusError(status.error()));
    }
  });
}

void BearerDbusObject::Disconnect(sdbus::Result<>&& result) {
  auto reply = std::make_shared<sdbus::Result<>>(std::move(result));
  MockModemManagerService& service = service_;
  modem_.BearerDisconnect(bearer_id_, [reply, &service](MockStatus status) {
    service.FlushPropertyChanges();
    if (status) {
      reply->returnResults();
    } else {
      reply->returnError(ToDbusError(status.error()));
    }
  });
}

std::string BearerDbusObject::Interface() { return bearer().interface; }
bool BearerDbusObject::Connected() { return bearer().connected; }
sdbus::Struct<std::string, std::string> BearerDbusObject::ConnectionError() {
  return {bearer().error_name, bearer().error_message};
}
bool BearerDbusObject::Suspended() { return false; }
bool BearerDbusObject::Multiplexed() { return false; }
std::map<std::string, sdbus::Variant> BearerDbusObject::Ip4Config() {
  return IpConfigDictionary(bearer().ipv4_up, &modem_.config().ipv4);
}
std::map<std::string, sdbus::Variant> BearerDbusObject::Ip6Config() {
  const auto& ipv6 = modem_.config().ipv6;
  return IpConfigDictionary(bearer().ipv6_up, ipv6 ? &*ipv6 : nullptr);
}
std::map<std::string, sdbus::Variant> BearerDbusObject::Stats() {
  // ModemManager 1.20's MMBearerStats keys; byte counters need a modem that reports them.
  const MockBearer& b = bearer();
  std::map<std::string, sdbus::Variant> stats;
  stats["attempts"] = sdbus::Variant(b.attempts);
  stats["failed-attempts"] = sdbus::Variant(b.failed_attempts);
  stats["duration"] = sdbus::Variant(uint32_t{0});
  stats["total-duration"] = sdbus::Variant(uint32_t{0});
  stats["rx-bytes"] = sdbus::Variant(uint64_t{0});
  stats["tx-bytes"] = sdbus::Variant(uint64_t{0});
  stats["total-rx-bytes"] = sdbus::Variant(uint64_t{0});
  stats["total-tx-bytes"] = sdbus::Variant(uint64_t{0});
  stats["start-date"] = sdbus::Variant(b.start_date);
  stats["uplink-speed"] = sdbus::Variant(uint64_t{0});
  stats["downlink-speed"] = sdbus::Variant(uint64_t{0});
  return stats;
}
bool BearerDbusObject::ReloadStatsSupported() { return false; }
uint32_t BearerDbusObject::IpTimeout() { return 20; }  // ModemManager's BEARER_IP_TIMEOUT_DEFAULT
uint32_t BearerDbusObject::BearerType() { return MM_BEARER_TYPE_DEFAULT; }
int32_t BearerDbusObject::ProfileId() { return bearer().profile_id; }
std::map<std::string, sdbus::Variant> BearerDbusObject::Properties() { return BearerPropertiesDictionary(bearer()); }

}  // namespace uplinkd::lab
