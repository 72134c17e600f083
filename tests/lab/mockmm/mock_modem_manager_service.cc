#include "tests/lab/mockmm/mock_modem_manager_service.h"

#include <boost/asio/post.hpp>
#include <sdbus-c++/sdbus-c++.h>

#include "base/logger.h"
#include "mm_bearer_adaptor.h"
#include "mm_sim_adaptor.h"
#include "mm_sms_adaptor.h"
#include "tests/lab/mockmm/dbus_paths.h"
#include "tests/lab/mockmm/lab_control_object.h"
#include "tests/lab/mockmm/modem_dbus_object.h"
#include "tests/lab/mockmm/modem_manager_root_object.h"
#include "base/sdbus_asio_bridge.h"

namespace uplinkd::lab {
namespace {
const Logger kLog(LogModule::kLab);
}  // namespace

sdbus::Error ToDbusError(const MockError& error) { return sdbus::Error(error.name, error.message); }

MockModemManagerService::MockModemManagerService(boost::asio::io_context& io, sdbus::IConnection& connection,
                                                 SdbusAsioBridge& pump, Scheduler& scheduler, const MockConfig& config)
    : io_(io), connection_(connection), pump_(pump) {
  uint32_t index = 0;
  for (const auto& modem_config : config.modems) {
    modems_.push_back(std::make_unique<MockModem>(modem_config, index++,
                                                  MockModemEnvironment{scheduler, ids_, *this, nullptr}));
  }
}

MockModemManagerService::~MockModemManagerService() {
  // Objects go before the models they read from; no signals while shutting down.
  exported_.clear();
  pending_changes_.clear();
  control_.reset();
  root_.reset();
}

void MockModemManagerService::Start() {
  root_ = std::make_unique<ModemManagerRootObject>(connection_, *this);
  control_ = std::make_unique<LabControlObject>(connection_, *this);
  for (auto& modem : modems_) modem->Plug();
  FlushPropertyChanges();
}

MockModem* MockModemManagerService::FindModem(const std::string& lab_id) {
  for (auto& modem : modems_) {
    if (modem->config().id == lab_id) return modem.get();
  }
  return nullptr;
}

MockModem* MockModemManagerService::FindModemByDevice(const std::string& device) {
  for (auto& modem : modems_) {
    if (modem->config().device == device) return modem.get();
  }
  return nullptr;
}

ModemDbusObject* MockModemManagerService::DbusObjectFor(const MockModem& modem) {
  auto it = exported_.find(&modem);
  return it == exported_.end() ? nullptr : it->second.get();
}

void MockModemManagerService::RegisterInterface(const std::string& path, const std::string& interface,
                                                sdbus::IObject& object) {
  interfaces_[{path, interface}] = &object;
}

void MockModemManagerService::UnregisterInterface(const std::string& path, const std::string& interface) {
  interfaces_.erase({path, interface});
  // Changes of an object that is gone are never sent.
  pending_changes_.erase({path, interface});
}

// Like a GDBus skeleton, changes of one interface made in the same loop iteration go out as one
// PropertiesChanged signal.
void MockModemManagerService::QueueChange(const std::string& path, const std::string& interface,
                                          const std::string& property) {
  pending_changes_[{path, interface}].insert(property);
  if (flush_posted_) return;
  flush_posted_ = true;
  boost::asio::post(io_, [this] {
    flush_posted_ = false;
    FlushPropertyChanges();
  });
}

void MockModemManagerService::FlushPropertyChanges() {
  auto changes = std::move(pending_changes_);
  pending_changes_.clear();
  for (const auto& [key, properties] : changes) {
    auto object = interfaces_.find(key);
    if (object == interfaces_.end()) continue;
    std::vector<std::string> names(properties.begin(), properties.end());
    try {
      object->second->emitPropertiesChangedSignal(key.second, names);
    } catch (const sdbus::Error& error) {
      kLog.Error("PropertiesChanged {} {}: {}", key.first, key.second, error.getMessage());
    }
  }
  pump_.Kick();
}

// ---------------------------------------------------------------------------------------------
// MockModemObserver

void MockModemManagerService::ModemPlugged(MockModem& modem) {
  exported_[&modem] = std::make_unique<ModemDbusObject>(connection_, modem, *this);
  pump_.Kick();
}

void MockModemManagerService::ModemUnplugged(MockModem& modem) {
  // Property changes still queued for the modem describe its last moments: send them first.
  FlushPropertyChanges();
  exported_.erase(&modem);
  pump_.Kick();
}

void MockModemManagerService::ModemInterfacesChanged(MockModem& modem) {
  if (ModemDbusObject* object = DbusObjectFor(modem)) object->SyncInterfaces();
  pump_.Kick();
}

void MockModemManagerService::ModemStateChanged(MockModem& modem, int32_t old_state, int32_t new_state,
                                                uint32_t reason) {
  if (ModemDbusObject* object = DbusObjectFor(modem)) object->EmitStateChanged(old_state, new_state, reason);
  pump_.Kick();
}

void MockModemManagerService::ModemPropertyChanged(MockModem& modem, ModemInterface interface, const char* property) {
  if (!DbusObjectFor(modem)) return;
  QueueChange(ModemPath(modem.dbus_id()), ModemInterfaceName(interface), property);
}

void MockModemManagerService::SimPropertyChanged(MockModem& modem, const char* property) {
  if (!DbusObjectFor(modem)) return;
  QueueChange(SimPath(modem.sim_dbus_id()), org::freedesktop::ModemManager1::Sim_adaptor::INTERFACE_NAME, property);
}

void MockModemManagerService::BearerAdded(MockModem& modem, const MockBearer& bearer) {
  if (ModemDbusObject* object = DbusObjectFor(modem)) object->AddBearer(bearer);
  pump_.Kick();
}

void MockModemManagerService::BearerRemoved(MockModem& modem, uint32_t bearer_id) {
  if (ModemDbusObject* object = DbusObjectFor(modem)) object->RemoveBearer(bearer_id);
  pump_.Kick();
}

void MockModemManagerService::BearerPropertyChanged(MockModem& modem, const MockBearer& bearer,
                                                    const char* property) {
  if (!DbusObjectFor(modem)) return;
  QueueChange(BearerPath(bearer.dbus_id), org::freedesktop::ModemManager1::Bearer_adaptor::INTERFACE_NAME, property);
}

void MockModemManagerService::SmsAdded(MockModem& modem, const MockSms& sms, bool received) {
  if (ModemDbusObject* object = DbusObjectFor(modem)) object->AddSms(sms, received);
  pump_.Kick();
}

void MockModemManagerService::SmsRemoved(MockModem& modem, uint32_t sms_id) {
  if (ModemDbusObject* object = DbusObjectFor(modem)) object->RemoveSms(sms_id);
  pump_.Kick();
}

void MockModemManagerService::SmsPropertyChanged(MockModem& modem, const MockSms& sms, const char* property) {
  if (!DbusObjectFor(modem)) return;
  QueueChange(SmsPath(sms.dbus_id), org::freedesktop::ModemManager1::Sms_adaptor::INTERFACE_NAME, property);
}

}  // namespace uplinkd::lab
