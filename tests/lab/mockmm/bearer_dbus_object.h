#pragma once
// org.freedesktop.ModemManager1.Bearer at /org/freedesktop/ModemManager1/Bearer/N.
#include <map>
#include <string>

#include <sdbus-c++/sdbus-c++.h>

#include "mm_bearer_adaptor.h"
#include "tests/lab/mockmm/mock_modem.h"

namespace uplinkd::lab {

class MockModemManagerService;

class BearerDbusObject final
    : public sdbus::AdaptorInterfaces<org::freedesktop::ModemManager1::Bearer_adaptor, sdbus::ManagedObject_adaptor> {
 public:
  BearerDbusObject(sdbus::IConnection& connection, uint32_t bearer_id, MockModem& modem,
                   MockModemManagerService& service);
  ~BearerDbusObject();

 private:
  const MockBearer& bearer() const;

  void Connect(sdbus::Result<>&& result) override;
  void Disconnect(sdbus::Result<>&& result) override;

  std::string Interface() override;
  bool Connected() override;
  sdbus::Struct<std::string, std::string> ConnectionError() override;
  bool Suspended() override;
  bool Multiplexed() override;
  std::map<std::string, sdbus::Variant> Ip4Config() override;
  std::map<std::string, sdbus::Variant> Ip6Config() override;
  std::map<std::string, sdbus::Variant> Stats() override;
  bool ReloadStatsSupported() override;
  uint32_t IpTimeout() override;
  uint32_t BearerType() override;
  int32_t ProfileId() override;
  std::map<std::string, sdbus::Variant> Properties() override;

  uint32_t bearer_id_;
  std::string path_;
  MockModem& modem_;
  MockModemManagerService& service_;
};

}  // namespace uplinkd::lab
