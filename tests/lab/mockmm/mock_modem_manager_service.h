#pragma once
// Puts the modem models on the bus as org.freedesktop.ModemManager1: the ObjectManager root, one
// set of objects per plugged modem, and the lab's control object. It follows the models as their
// MockModemObserver and turns each change into the signal ModemManager would send.
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "base/scheduler.h"
#include "tests/lab/mockmm/mock_config.h"
#include "tests/lab/mockmm/mock_modem.h"

namespace sdbus {
class IConnection;
class IObject;
class Error;
}  // namespace sdbus

namespace uplinkd {
class SdbusAsioBridge;
}  // namespace uplinkd

namespace uplinkd::lab {

class ModemDbusObject;
class LabControlObject;
class ModemManagerRootObject;


class MockModemManagerService : public MockModemObserver {
 public:
  MockModemManagerService(boost::asio::io_context& io, sdbus::IConnection& connection, SdbusAsioBridge& pump,
                          Scheduler& scheduler, const MockConfig& config);
  ~MockModemManagerService() override;

  // Exports the root and control objects and plugs every configured modem.
  void Start();

  MockModem* FindModem(const std::string& lab_id);
  MockModem* FindModemByDevice(const std::string& device);
  const std::vector<std::unique_ptr<MockModem>>& modems() const { return modems_; }

  // Sends the PropertiesChanged signals queued so far. Handlers call it before replying so a
  // client that reads properties after a reply sees the state the reply reports.
  void FlushPropertyChanges();

  // The interface objects register here so queued property changes find their emitter.
  void RegisterInterface(const std::string& path, const std::string& interface, sdbus::IObject& object);
  void UnregisterInterface(const std::string& path, const std::string& interface);

  // MockModemObserver
  void ModemPlugged(MockModem& modem) override;
  void ModemUnplugged(MockModem& modem) override;
  void ModemInterfacesChanged(MockModem& modem) override;
  void ModemStateChanged(MockModem& modem, int32_t old_state, int32_t new_state, uint32_t reason) override;
  void ModemPropertyChanged(MockModem& modem, ModemInterface interface, const char* property) override;
  void SimPropertyChanged(MockModem& modem, const char* property) override;
  void BearerAdded(MockModem& modem, const MockBearer& bearer) override;
  void BearerRemoved(MockModem& modem, uint32_t bearer_id) override;
  void BearerPropertyChanged(MockModem& modem, const MockBearer& bearer, const char* property) override;
  void SmsAdded(MockModem& modem, const MockSms& sms, bool received) override;
  void SmsRemoved(MockModem& modem, uint32_t sms_id) override;
  void SmsPropertyChanged(MockModem& modem, const MockSms& sms, const char* property) override;

 private:
  void QueueChange(const std::string& path, const std::string& interface, const std::string& property);
  ModemDbusObject* DbusObjectFor(const MockModem& modem);

  boost::asio::io_context& io_;
  sdbus::IConnection& connection_;
  SdbusAsioBridge& pump_;
  bool flush_posted_ = false;
  MockDbusIds ids_;
  std::vector<std::unique_ptr<MockModem>> modems_;
  std::unique_ptr<ModemManagerRootObject> root_;
  std::unique_ptr<LabControlObject> control_;
  std::map<const MockModem*, std::unique_ptr<ModemDbusObject>> exported_;
  std::map<std::pair<std::string, std::string>, sdbus::IObject*> interfaces_;
  std::map<std::pair<std::string, std::string>, std::set<std::string>> pending_changes_;
};

// A model error as the D-Bus error to answer with.
sdbus::Error ToDbusError(const MockError& error);

}  // namespace uplinkd::lab
