#pragma once
// org.freedesktop.ModemManager1.Sim at /org/freedesktop/ModemManager1/SIM/N.
#include <string>
#include <vector>

#include <sdbus-c++/sdbus-c++.h>

#include "mm_sim_adaptor.h"
#include "tests/lab/mockmm/mock_modem.h"

namespace uplinkd::lab {

class MockModemManagerService;

class SimDbusObject final
    : public sdbus::AdaptorInterfaces<org::freedesktop::ModemManager1::Sim_adaptor, sdbus::ManagedObject_adaptor> {
 public:
  SimDbusObject(sdbus::IConnection& connection, std::string path, MockModem& modem, MockModemManagerService& service);
  ~SimDbusObject();

 private:
  void SendPin(const std::string& pin) override;
  void SendPuk(const std::string& puk, const std::string& pin) override;
  void EnablePin(const std::string& pin, const bool& enabled) override;
  void ChangePin(const std::string& old_pin, const std::string& new_pin) override;
  void SetPreferredNetworks(const std::vector<sdbus::Struct<std::string, uint32_t>>& networks) override;

  bool Active() override;
  std::string SimIdentifier() override;
  std::string Imsi() override;
  std::string Eid() override;
  std::string OperatorIdentifier() override;
  std::string OperatorName() override;
  std::vector<std::string> EmergencyNumbers() override;
  std::vector<sdbus::Struct<std::string, uint32_t>> PreferredNetworks() override;
  std::vector<uint8_t> Gid1() override;
  std::vector<uint8_t> Gid2() override;
  uint32_t SimType() override;
  uint32_t EsimStatus() override;
  uint32_t Removability() override;

  std::string path_;
  MockModem& modem_;
  MockModemManagerService& service_;
};

}  // namespace uplinkd::lab
