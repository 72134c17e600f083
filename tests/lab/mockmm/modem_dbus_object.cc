#include "tests/lab/mockmm/modem_dbus_object.h"

#include <ModemManager.h>

#include <memory>

#include <fmt/format.h>
#include <sdbus-c++/sdbus-c++.h>

#include "base/logger.h"
#include "mm_modem_3gpp_adaptor.h"
#include "mm_modem_adaptor.h"
#include "mm_modem_messaging_adaptor.h"
#include "mm_modem_signal_adaptor.h"
#include "mm_modem_simple_adaptor.h"
#include "tests/lab/mockmm/bearer_dbus_object.h"
#include "tests/lab/mockmm/dbus_conversions.h"
#include "tests/lab/mockmm/dbus_paths.h"
#include "tests/lab/mockmm/mock_modem_manager_service.h"
#include "tests/lab/mockmm/sim_dbus_object.h"
#include "tests/lab/mockmm/sms_dbus_object.h"

namespace uplinkd::lab {
namespace mm1 = org::freedesktop::ModemManager1;

namespace {

const Logger kLog(LogModule::kLab);

uint32_t Capabilities(const MockModem& modem) {
  uint32_t capabilities = MM_MODEM_CAPABILITY_GSM_UMTS | MM_MODEM_CAPABILITY_LTE;
  if (modem.config().access_technology == AccessTechnology::kNr5g) capabilities |= MM_MODEM_CAPABILITY_5GNR;
  return capabilities;
}

uint32_t AllModes(const MockModem& modem) {
  uint32_t modes = MM_MODEM_MODE_2G | MM_MODEM_MODE_3G | MM_MODEM_MODE_4G;
  if (modem.config().access_technology == AccessTechnology::kNr5g) modes |= MM_MODEM_MODE_5G;
  return modes;
}

std::vector<uint32_t> Bands(const MockModem& modem) {
  std::vector<uint32_t> bands = {MM_MODEM_BAND_UTRAN_1, MM_MODEM_BAND_EUTRAN_1, MM_MODEM_BAND_EUTRAN_3,
                                 MM_MODEM_BAND_EUTRAN_7, MM_MODEM_BAND_EUTRAN_20};
  if (modem.config().access_technology == AccessTechnology::kNr5g) {
    bands.push_back(MM_MODEM_BAND_NGRAN_1);
    bands.push_back(MM_MODEM_BAND_NGRAN_78);
  }
  return bands;
}

// ModemManager's DeviceIdentifier is a SHA-1 over the modem's identity; what matters to clients
// is a stable 40-hex-digit string per device, which four FNV-1a rounds give without a crypto lib.
std::string DeviceIdentifier(const MockModem& modem) {
  const MockModemConfig& config = modem.config();
  std::string seed = config.device + "|" + config.manufacturer + "|" + config.model + "|" + config.revision + "|" +
                     config.equipment_identifier;
  std::string hex;
  for (uint64_t round = 0; hex.size() < 40; ++round) {
    uint64_t hash = 1469598103934665603ULL ^ (round * 0x9E3779B97F4A7C15ULL);
    for (unsigned char c : seed) {
      hash ^= c;
      hash *= 1099511628211ULL;
    }
    hex += fmt::format("{:016x}", hash);
  }
  return hex.substr(0, 40);
}

template <typename Adaptor>
class InterfaceObject : public sdbus::AdaptorInterfaces<Adaptor, sdbus::ManagedObject_adaptor> {
 protected:
  using Base = sdbus::AdaptorInterfaces<Adaptor, sdbus::ManagedObject_adaptor>;
  InterfaceObject(sdbus::IConnection& connection, const std::string& path, MockModem& modem,
                  MockModemManagerService& service)
      : Base(connection, path), path_(path), modem_(modem), service_(service) {}
  ~InterfaceObject() = default;

  void Publish() {
    this->registerAdaptor();
    service_.RegisterInterface(path_, Adaptor::INTERFACE_NAME, this->getObject());
  }
  void Withdraw() {
    service_.UnregisterInterface(path_, Adaptor::INTERFACE_NAME);
    this->unregisterAdaptor();
  }

  std::string path_;
  MockModem& modem_;
  MockModemManagerService& service_;
};

}  // namespace

// ---------------------------------------------------------------------------------------------
// org.freedesktop.ModemManager1.Modem

class ModemInterfaceAdaptor final : public InterfaceObject<mm1::Modem_adaptor> {
 public:
  ModemInterfaceAdaptor(sdbus::IConnection& connection, const std::string& path, MockModem& modem,
                        MockModemManagerService& service)
      : InterfaceObject(connection, path, modem, service) {
    Publish();
  }
  ~ModemInterfaceAdaptor() { Withdraw(); }

 private:
  void Enable(sdbus::Result<>&& result, bool enable) override {
    auto reply = std::make_shared<sdbus::Result<>>(std::move(result));
    MockModemManagerService& service = service_;
    modem_.Enable(enable, [reply, &service](MockStatus status) {
      service.FlushPropertyChanges();
      if (status) {
        reply->returnResults();
      } else {
        reply->returnError(ToDbusError(status.error()));
      }
    });
  }
  std::vector<sdbus::ObjectPath> ListBearers() override { return BearerPaths(modem_); }
  sdbus::ObjectPath CreateBearer(const std::map<std::string, sdbus::Variant>& properties) override {
    auto request = ParseConnectProperties(properties, /*allow_simple_keys=*/false);
    if (!request) ThrowDbusError(request.error());
    auto bearer_id = modem_.CreateBearer(*request);
    if (!bearer_id) ThrowDbusError(bearer_id.error());
    service_.FlushPropertyChanges();
    return sdbus::ObjectPath(BearerPath(*bearer_id));
  }
  void DeleteBearer(const sdbus::ObjectPath& bearer) override {
    auto id = ObjectNumber(bearer, kBearerPrefix);
    if (!id) ThrowDbusError({mm_error::kCoreInvalidArgs, "Not a bearer path: " + bearer});
    ThrowIfFailed(modem_.DeleteBearer(*id));
    service_.FlushPropertyChanges();
  }
  void Reset() override { ThrowIfFailed(modem_.Reset()); }
  void FactoryReset(const std::string&) override {
    ThrowDbusError({mm_error::kCoreUnsupported, "Cannot reset the modem to factory defaults: operation not supported"});
  }
  void SetPowerState(const uint32_t& state) override {
    ThrowIfFailed(modem_.SetPowerState(state));
    service_.FlushPropertyChanges();
  }
  void SetCurrentCapabilities(const uint32_t& capabilities) override {
    if (capabilities != Capabilities(modem_)) {
      ThrowDbusError({mm_error::kCoreUnsupported, "Cannot set current capabilities: operation not supported"});
    }
  }
  void SetCurrentModes(const sdbus::Struct<uint32_t, uint32_t>& modes) override {
    if (modes.get<0>() != CurrentModes().get<0>() || modes.get<1>() != CurrentModes().get<1>()) {
      ThrowDbusError({mm_error::kCoreUnsupported, "Cannot set current modes: operation not supported"});
    }
  }
  void SetCurrentBands(const std::vector<uint32_t>& bands) override {
    if (bands != Bands(modem_) && bands != std::vector<uint32_t>{MM_MODEM_BAND_ANY}) {
      ThrowDbusError({mm_error::kCoreUnsupported, "Cannot set current bands: operation not supported"});
    }
  }
  void SetPrimarySimSlot(const uint32_t&) override {
    ThrowDbusError({mm_error::kCoreUnsupported, "Cannot switch SIM slot: multi-SIM not supported"});
  }
  std::vector<std::map<std::string, sdbus::Variant>> GetCellInfo() override {
    ThrowDbusError({mm_error::kCoreUnsupported, "Cannot get cell info: operation not supported"});
  }
  std::string Command(const std::string&, const uint32_t&) override {
    ThrowDbusError({mm_error::kCoreUnauthorized, "Operation only allowed in debug mode"});
  }

  sdbus::ObjectPath Sim() override { return sdbus::ObjectPath(SimPath(modem_.sim_dbus_id())); }
  std::vector<sdbus::ObjectPath> SimSlots() override { return {}; }  // single-slot modem
  uint32_t PrimarySimSlot() override { return 0; }
  std::vector<sdbus::ObjectPath> Bearers() override { return BearerPaths(modem_); }
  std::vector<uint32_t> SupportedCapabilities() override { return {Capabilities(modem_)}; }
  uint32_t CurrentCapabilities() override { return Capabilities(modem_); }
  uint32_t MaxBearers() override { return MockModem::kMaxBearers; }
  uint32_t MaxActiveBearers() override { return MockModem::kMaxActiveBearers; }
  uint32_t MaxActiveMultiplexedBearers() override { return 0; }
  std::string Manufacturer() override { return modem_.config().manufacturer; }
  std::string Model() override { return modem_.config().model; }
  std::string Revision() override { return modem_.config().revision; }
  std::string CarrierConfiguration() override { return ""; }
  std::string CarrierConfigurationRevision() override { return ""; }
  std::string HardwareRevision() override { return ""; }
  std::string DeviceIdentifier() override { return uplinkd::lab::DeviceIdentifier(modem_); }
  std::string Device() override { return modem_.config().device; }
  // A QMI modem: control port cdc-wdmN, net port wwanN, AT ports on the USB serial driver.
  std::vector<std::string> Drivers() override { return {"option1", "qmi_wwan"}; }
  std::string Plugin() override { return "generic"; }
  std::string PrimaryPort() override { return fmt::format("cdc-wdm{}", modem_.index()); }
  std::vector<sdbus::Struct<std::string, uint32_t>> Ports() override {
    uint32_t tty = modem_.index() * 4;
    return {{fmt::format("cdc-wdm{}", modem_.index()), static_cast<uint32_t>(MM_MODEM_PORT_TYPE_QMI)},
            {fmt::format("ttyUSB{}", tty + 2), static_cast<uint32_t>(MM_MODEM_PORT_TYPE_AT)},
            {fmt::format("ttyUSB{}", tty + 3), static_cast<uint32_t>(MM_MODEM_PORT_TYPE_AT)},
            {modem_.config().bearer_interface, static_cast<uint32_t>(MM_MODEM_PORT_TYPE_NET)}};
  }
  std::string EquipmentIdentifier() override { return modem_.config().equipment_identifier; }
  uint32_t UnlockRequired() override { return modem_.lock(); }
  std::map<uint32_t, uint32_t> UnlockRetries() override {
    // Modems report the PIN2/PUK2 counters too; the mock's never change.
    return {{MM_MODEM_LOCK_SIM_PIN, modem_.pin_retries()},
            {MM_MODEM_LOCK_SIM_PIN2, 3},
            {MM_MODEM_LOCK_SIM_PUK, modem_.puk_retries()},
            {MM_MODEM_LOCK_SIM_PUK2, 10}};
  }
  int32_t State() override { return modem_.state(); }
  uint32_t StateFailedReason() override { return MM_MODEM_STATE_FAILED_REASON_NONE; }
  uint32_t AccessTechnologies() override { return modem_.access_technologies(); }
  sdbus::Struct<uint32_t, bool> SignalQuality() override { return {modem_.signal_quality(), modem_.signal_recent()}; }
  std::vector<std::string> OwnNumbers() override { return {}; }
  uint32_t PowerState() override { return modem_.power_state(); }
  std::vector<sdbus::Struct<uint32_t, uint32_t>> SupportedModes() override {
    std::vector<sdbus::Struct<uint32_t, uint32_t>> modes = {
        {static_cast<uint32_t>(MM_MODEM_MODE_4G), static_cast<uint32_t>(MM_MODEM_MODE_NONE)},
        {static_cast<uint32_t>(MM_MODEM_MODE_3G | MM_MODEM_MODE_4G), static_cast<uint32_t>(MM_MODEM_MODE_4G)},
        {static_cast<uint32_t>(MM_MODEM_MODE_2G | MM_MODEM_MODE_3G | MM_MODEM_MODE_4G),
         static_cast<uint32_t>(MM_MODEM_MODE_4G)}};
    if (modem_.config().access_technology == AccessTechnology::kNr5g) {
      modes.push_back({AllModes(modem_), static_cast<uint32_t>(MM_MODEM_MODE_5G)});
    }
    return modes;
  }
  sdbus::Struct<uint32_t, uint32_t> CurrentModes() override {
    bool nr = modem_.config().access_technology == AccessTechnology::kNr5g;
    return {AllModes(modem_), static_cast<uint32_t>(nr ? MM_MODEM_MODE_5G : MM_MODEM_MODE_4G)};
  }
  std::vector<uint32_t> SupportedBands() override { return Bands(modem_); }
  std::vector<uint32_t> CurrentBands() override { return Bands(modem_); }
  uint32_t SupportedIpFamilies() override {
    return MM_BEARER_IP_FAMILY_IPV4 | MM_BEARER_IP_FAMILY_IPV6 | MM_BEARER_IP_FAMILY_IPV4V6;
  }
};

// ---------------------------------------------------------------------------------------------
// org.freedesktop.ModemManager1.Modem.Simple

class SimpleInterfaceAdaptor final : public InterfaceObject<mm1::Modem::Simple_adaptor> {
 public:
  SimpleInterfaceAdaptor(sdbus::IConnection& connection, const std::string& path, MockModem& modem,
                         MockModemManagerService& service)
      : InterfaceObject(connection, path, modem, service) {
    Publish();
  }
  ~SimpleInterfaceAdaptor() { Withdraw(); }

 private:
  void Connect(sdbus::Result<sdbus::ObjectPath>&& result, std::map<std::string, sdbus::Variant> properties) override {
    auto request = ParseConnectProperties(properties, /*allow_simple_keys=*/true);
    if (!request) return result.returnError(ToDbusError(request.error()));
    auto reply = std::make_shared<sdbus::Result<sdbus::ObjectPath>>(std::move(result));
    MockModemManagerService& service = service_;
    modem_.SimpleConnect(std::move(*request), [reply, &service](MockResult<uint32_t> bearer_id) {
      service.FlushPropertyChanges();
      if (bearer_id) {
        reply->returnResults(sdbus::ObjectPath(BearerPath(*bearer_id)));
      } else {
        reply->returnError(ToDbusError(bearer_id.error()));
      }
    });
  }
  void Disconnect(sdbus::Result<>&& result, sdbus::ObjectPath bearer) override {
    std::optional<uint32_t> id;
    if (bearer != "/") {
      id = ObjectNumber(bearer, kBearerPrefix);
      if (!id) return result.returnError(ToDbusError({mm_error::kCoreNotFound, "Couldn't disconnect bearer: not found"}));
    }
    auto reply = std::make_shared<sdbus::Result<>>(std::move(result));
    MockModemManagerService& service = service_;
    modem_.SimpleDisconnect(id, [reply, &service](MockStatus status) {
      service.FlushPropertyChanges();
      if (status) {
        reply->returnResults();
      } else {
        reply->returnError(ToDbusError(status.error()));
      }
    });
  }
  std::map<std::string, sdbus::Variant> GetStatus() override {
    // ModemManager's MMSimpleStatus: state always, the rest once the modem is unlocked.
    std::map<std::string, sdbus::Variant> status;
    status["state"] = sdbus::Variant(static_cast<uint32_t>(modem_.state()));
    if (modem_.lock() == MM_MODEM_LOCK_NONE) {
      status["signal-quality"] =
          sdbus::Variant(sdbus::Struct<uint32_t, bool>(modem_.signal_quality(), modem_.signal_recent()));
      status["current-bands"] = sdbus::Variant(Bands(modem_));
      status["access-technologies"] = sdbus::Variant(modem_.access_technologies());
      status["m3gpp-registration-state"] = sdbus::Variant(modem_.registration_state());
      status["m3gpp-operator-code"] = sdbus::Variant(modem_.operator_code());
      status["m3gpp-operator-name"] = sdbus::Variant(modem_.operator_name());
    }
    return status;
  }
};

// ---------------------------------------------------------------------------------------------
// org.freedesktop.ModemManager1.Modem.Modem3gpp

class Modem3gppInterfaceAdaptor final : public InterfaceObject<mm1::Modem::Modem3gpp_adaptor> {
 public:
  Modem3gppInterfaceAdaptor(sdbus::IConnection& connection, const std::string& path, MockModem& modem,
                            MockModemManagerService& service)
      : InterfaceObject(connection, path, modem, service) {
    Publish();
  }
  ~Modem3gppInterfaceAdaptor() { Withdraw(); }

 private:
  void Register(const std::string& operator_id) override {
    ThrowIfFailed(modem_.RegisterWithOperator(operator_id));
    service_.FlushPropertyChanges();
  }
  std::vector<std::map<std::string, sdbus::Variant>> Scan() override {
    if (modem_.state() < MM_MODEM_STATE_ENABLED) {
      ThrowDbusError({mm_error::kCoreWrongState, "Cannot scan networks: modem not enabled"});
    }
    std::map<std::string, sdbus::Variant> network;
    network["operator-code"] = sdbus::Variant(modem_.config().operator_code);
    network["operator-long"] = sdbus::Variant(modem_.config().operator_name);
    network["operator-short"] = sdbus::Variant(modem_.config().operator_name);
    bool current = modem_.state() >= MM_MODEM_STATE_REGISTERED;
    network["status"] = sdbus::Variant(static_cast<uint32_t>(current ? MM_MODEM_3GPP_NETWORK_AVAILABILITY_CURRENT
                                                                     : MM_MODEM_3GPP_NETWORK_AVAILABILITY_AVAILABLE));
    return {network};
  }
  void SetEpsUeModeOperation(const uint32_t&) override { Unsupported("set UE mode of operation"); }
  void SetInitialEpsBearerSettings(const std::map<std::string, sdbus::Variant>&) override {
    Unsupported("set initial EPS bearer settings");
  }
  void SetNr5gRegistrationSettings(const std::map<std::string, sdbus::Variant>&) override {
    Unsupported("set 5GNR registration settings");
  }
  void DisableFacilityLock(const sdbus::Struct<uint32_t, std::string>&) override { Unsupported("disable facility lock"); }
  void SetPacketServiceState(const uint32_t&) override { Unsupported("set packet service state"); }
  [[noreturn]] static void Unsupported(const std::string& what) {
    ThrowDbusError({mm_error::kCoreUnsupported, "Cannot " + what + ": operation not supported"});
  }

  std::string Imei() override { return modem_.config().equipment_identifier; }
  uint32_t RegistrationState() override { return modem_.registration_state(); }
  std::string OperatorCode() override { return modem_.operator_code(); }
  std::string OperatorName() override { return modem_.operator_name(); }
  uint32_t EnabledFacilityLocks() override {
    return modem_.pin_enabled() ? MM_MODEM_3GPP_FACILITY_SIM : MM_MODEM_3GPP_FACILITY_NONE;
  }
  uint32_t SubscriptionState() override { return MM_MODEM_3GPP_SUBSCRIPTION_STATE_UNKNOWN; }
  uint32_t EpsUeModeOperation() override { return MM_MODEM_3GPP_EPS_UE_MODE_OPERATION_CSPS_2; }
  std::vector<sdbus::Struct<uint32_t, bool, std::vector<uint8_t>>> Pco() override { return {}; }
  sdbus::ObjectPath InitialEpsBearer() override { return sdbus::ObjectPath("/"); }
  std::map<std::string, sdbus::Variant> InitialEpsBearerSettings() override { return {}; }
  uint32_t PacketServiceState() override { return modem_.packet_service_state(); }
  std::map<std::string, sdbus::Variant> Nr5gRegistrationSettings() override { return {}; }
};

// ---------------------------------------------------------------------------------------------
// org.freedesktop.ModemManager1.Modem.Signal

class SignalInterfaceAdaptor final : public InterfaceObject<mm1::Modem::Signal_adaptor> {
 public:
  SignalInterfaceAdaptor(sdbus::IConnection& connection, const std::string& path, MockModem& modem,
                         MockModemManagerService& service)
      : InterfaceObject(connection, path, modem, service) {
    Publish();
  }
  ~SignalInterfaceAdaptor() { Withdraw(); }

 private:
  void Setup(const uint32_t& rate) override {
    ThrowIfFailed(modem_.SetupSignal(rate));
    service_.FlushPropertyChanges();
  }
  void SetupThresholds(const std::map<std::string, sdbus::Variant>& settings) override {
    std::optional<uint32_t> rssi;
    std::optional<bool> error_rate;
    for (const auto& [key, value] : settings) {
      if (key == "rssi-threshold" && value.containsValueOfType<uint32_t>()) {
        rssi = value.get<uint32_t>();
      } else if (key == "error-rate-threshold" && value.containsValueOfType<bool>()) {
        error_rate = value.get<bool>();
      } else {
        ThrowDbusError({mm_error::kCoreInvalidArgs, "Invalid threshold setting '" + key + "'"});
      }
    }
    ThrowIfFailed(modem_.SetupSignalThresholds(rssi, error_rate));
    service_.FlushPropertyChanges();
  }
  uint32_t Rate() override { return modem_.signal_rate(); }
  uint32_t RssiThreshold() override { return modem_.rssi_threshold(); }
  bool ErrorRateThreshold() override { return modem_.error_rate_threshold(); }
  std::map<std::string, sdbus::Variant> Cdma() override { return {}; }
  std::map<std::string, sdbus::Variant> Evdo() override { return {}; }
  std::map<std::string, sdbus::Variant> Gsm() override {
    if (!Reports(AccessTechnology::kGsm)) return {};
    return {{"rssi", sdbus::Variant(modem_.signal_values().rssi)}};
  }
  std::map<std::string, sdbus::Variant> Umts() override {
    if (!Reports(AccessTechnology::kUmts)) return {};
    const MockSignalValues& v = modem_.signal_values();
    return {{"rssi", sdbus::Variant(v.rssi)}, {"rscp", sdbus::Variant(v.rsrp)}, {"ecio", sdbus::Variant(v.rsrq)}};
  }
  std::map<std::string, sdbus::Variant> Lte() override {
    // A 5G NSA modem reports its LTE anchor cell too.
    if (!Reports(AccessTechnology::kLte) && !Reports(AccessTechnology::kNr5g)) return {};
    const MockSignalValues& v = modem_.signal_values();
    return {{"rssi", sdbus::Variant(v.rssi)},
            {"rsrq", sdbus::Variant(v.rsrq)},
            {"rsrp", sdbus::Variant(v.rsrp)},
            {"snr", sdbus::Variant(v.snr)}};
  }
  std::map<std::string, sdbus::Variant> Nr5g() override {
    if (!Reports(AccessTechnology::kNr5g)) return {};
    const MockSignalValues& v = modem_.signal_values();
    return {{"rsrq", sdbus::Variant(v.rsrq)}, {"rsrp", sdbus::Variant(v.rsrp)}, {"snr", sdbus::Variant(v.snr)}};
  }
  bool Reports(AccessTechnology technology) const {
    return modem_.signal_values_reported() && modem_.config().access_technology == technology;
  }
};

// ---------------------------------------------------------------------------------------------
// org.freedesktop.ModemManager1.Modem.Messaging

class MessagingInterfaceAdaptor final : public InterfaceObject<mm1::Modem::Messaging_adaptor> {
 public:
  MessagingInterfaceAdaptor(sdbus::IConnection& connection, const std::string& path, MockModem& modem,
                            MockModemManagerService& service)
      : InterfaceObject(connection, path, modem, service) {
    Publish();
  }
  ~MessagingInterfaceAdaptor() { Withdraw(); }

 private:
  std::vector<sdbus::ObjectPath> List() override { return SmsPaths(modem_); }
  void Delete(const sdbus::ObjectPath& path) override {
    auto id = ObjectNumber(path, kSmsPrefix);
    if (!id) ThrowDbusError({mm_error::kCoreNotFound, "No SMS found with path '" + path + "'"});
    ThrowIfFailed(modem_.DeleteSms(*id));
    service_.FlushPropertyChanges();
  }
  sdbus::ObjectPath Create(const std::map<std::string, sdbus::Variant>& properties) override {
    std::string number;
    std::string text;
    for (const auto& [key, value] : properties) {
      if (key == "number" && value.containsValueOfType<std::string>()) {
        number = value.get<std::string>();
      } else if (key == "text" && value.containsValueOfType<std::string>()) {
        text = value.get<std::string>();
      } else if (key != "smsc" && key != "validity" && key != "class" && key != "delivery-report-request" &&
                 key != "storage" && key != "teleservice-id" && key != "service-category") {
        ThrowDbusError({mm_error::kCoreInvalidArgs, "Invalid SMS properties: unexpected '" + key + "'"});
      }
    }
    if (text.empty()) ThrowDbusError({mm_error::kCoreInvalidArgs, "Missing 'text' in SMS properties"});
    auto id = modem_.CreateSms(number, text);
    if (!id) ThrowDbusError(id.error());
    service_.FlushPropertyChanges();
    return sdbus::ObjectPath(SmsPath(*id));
  }
  std::vector<sdbus::ObjectPath> Messages() override { return SmsPaths(modem_); }
  std::vector<uint32_t> SupportedStorages() override {
    return {static_cast<uint32_t>(MM_SMS_STORAGE_SM), static_cast<uint32_t>(MM_SMS_STORAGE_ME)};
  }
  uint32_t DefaultStorage() override { return MM_SMS_STORAGE_ME; }

 public:
  void EmitAdded(const std::string& path, bool received) { emitAdded(sdbus::ObjectPath(path), received); }
  void EmitDeleted(const std::string& path) { emitDeleted(sdbus::ObjectPath(path)); }
};

// ---------------------------------------------------------------------------------------------
// ModemDbusObject

namespace {

const char* InterfaceName(ModemInterface interface) {
  switch (interface) {
    case ModemInterface::kModem: return mm1::Modem_adaptor::INTERFACE_NAME;
    case ModemInterface::kSimple: return mm1::Modem::Simple_adaptor::INTERFACE_NAME;
    case ModemInterface::kModem3gpp: return mm1::Modem::Modem3gpp_adaptor::INTERFACE_NAME;
    case ModemInterface::kSignal: return mm1::Modem::Signal_adaptor::INTERFACE_NAME;
    case ModemInterface::kMessaging: return mm1::Modem::Messaging_adaptor::INTERFACE_NAME;
  }
  return "";
}

}  // namespace

const char* ModemInterfaceName(ModemInterface interface) { return InterfaceName(interface); }

ModemDbusObject::ModemDbusObject(sdbus::IConnection& connection, MockModem& modem, MockModemManagerService& service)
    : connection_(connection), modem_(modem), service_(service), path_(ModemPath(modem.dbus_id())) {
  // The SIM first: the modem's Sim property points at it. Like ModemManager, SIM, bearer and SMS
  // objects are exported without ObjectManager signals; only modems get InterfacesAdded.
  sim_ = std::make_unique<SimDbusObject>(connection_, SimPath(modem_.sim_dbus_id()), modem_, service_);
  modem_interface_ = std::make_unique<ModemInterfaceAdaptor>(connection_, path_, modem_, service_);
  simple_interface_ = std::make_unique<SimpleInterfaceAdaptor>(connection_, path_, modem_, service_);
  std::vector<std::string> added = {mm1::Modem_adaptor::INTERFACE_NAME, mm1::Modem::Simple_adaptor::INTERFACE_NAME};
  std::vector<std::string> optional = ExportOptionalInterfaces();
  added.insert(added.end(), optional.begin(), optional.end());
  // One InterfacesAdded carrying every interface, as ModemManager's object manager sends it.
  modem_interface_->emitInterfacesAddedSignal(added);
  kLog.Info("{}: exported at {}", modem_.config().id, path_);
}

ModemDbusObject::~ModemDbusObject() {
  std::vector<std::string> removed = {mm1::Modem_adaptor::INTERFACE_NAME, mm1::Modem::Simple_adaptor::INTERFACE_NAME};
  if (modem3gpp_interface_) removed.push_back(mm1::Modem::Modem3gpp_adaptor::INTERFACE_NAME);
  if (signal_interface_) removed.push_back(mm1::Modem::Signal_adaptor::INTERFACE_NAME);
  if (messaging_interface_) removed.push_back(mm1::Modem::Messaging_adaptor::INTERFACE_NAME);
  modem_interface_->emitInterfacesRemovedSignal(removed);
  messaging_interface_.reset();
  signal_interface_.reset();
  modem3gpp_interface_.reset();
  simple_interface_.reset();
  modem_interface_.reset();
  bearers_.clear();
  messages_.clear();
  sim_.reset();
  kLog.Info("{}: withdrawn from {}", modem_.config().id, path_);
}

std::vector<std::string> ModemDbusObject::ExportOptionalInterfaces() {
  std::vector<std::string> added;
  if (modem_.HasInterface(ModemInterface::kModem3gpp) && !modem3gpp_interface_) {
    modem3gpp_interface_ = std::make_unique<Modem3gppInterfaceAdaptor>(connection_, path_, modem_, service_);
    added.push_back(mm1::Modem::Modem3gpp_adaptor::INTERFACE_NAME);
  }
  if (modem_.HasInterface(ModemInterface::kSignal) && !signal_interface_) {
    signal_interface_ = std::make_unique<SignalInterfaceAdaptor>(connection_, path_, modem_, service_);
    added.push_back(mm1::Modem::Signal_adaptor::INTERFACE_NAME);
  }
  if (modem_.HasInterface(ModemInterface::kMessaging) && !messaging_interface_) {
    messaging_interface_ = std::make_unique<MessagingInterfaceAdaptor>(connection_, path_, modem_, service_);
    added.push_back(mm1::Modem::Messaging_adaptor::INTERFACE_NAME);
  }
  return added;
}

void ModemDbusObject::SyncInterfaces() {
  std::vector<std::string> removed;
  if (!modem_.HasInterface(ModemInterface::kModem3gpp) && modem3gpp_interface_) {
    removed.push_back(mm1::Modem::Modem3gpp_adaptor::INTERFACE_NAME);
  }
  if (!modem_.HasInterface(ModemInterface::kSignal) && signal_interface_) {
    removed.push_back(mm1::Modem::Signal_adaptor::INTERFACE_NAME);
  }
  if (!modem_.HasInterface(ModemInterface::kMessaging) && messaging_interface_) {
    removed.push_back(mm1::Modem::Messaging_adaptor::INTERFACE_NAME);
  }
  if (!removed.empty()) {
    modem_interface_->emitInterfacesRemovedSignal(removed);
    if (!modem_.HasInterface(ModemInterface::kModem3gpp)) modem3gpp_interface_.reset();
    if (!modem_.HasInterface(ModemInterface::kSignal)) signal_interface_.reset();
    if (!modem_.HasInterface(ModemInterface::kMessaging)) messaging_interface_.reset();
  }
  std::vector<std::string> added = ExportOptionalInterfaces();
  if (!added.empty()) modem_interface_->emitInterfacesAddedSignal(added);
}

void ModemDbusObject::EmitStateChanged(int32_t old_state, int32_t new_state, uint32_t reason) {
  modem_interface_->emitStateChanged(old_state, new_state, reason);
}

// Bearers and SMS announce themselves through the modem's Bearers and Messages properties (and
// Messaging.Added), not through the ObjectManager.
void ModemDbusObject::AddBearer(const MockBearer& bearer) {
  bearers_[bearer.dbus_id] = std::make_unique<BearerDbusObject>(connection_, bearer.dbus_id, modem_, service_);
}

void ModemDbusObject::RemoveBearer(uint32_t bearer_id) { bearers_.erase(bearer_id); }

void ModemDbusObject::AddSms(const MockSms& sms, bool received) {
  messages_[sms.dbus_id] = std::make_unique<SmsDbusObject>(connection_, sms.dbus_id, modem_, service_);
  if (messaging_interface_) messaging_interface_->EmitAdded(SmsPath(sms.dbus_id), received);
}

void ModemDbusObject::RemoveSms(uint32_t sms_id) {
  if (!messages_.erase(sms_id)) return;
  if (messaging_interface_) messaging_interface_->EmitDeleted(SmsPath(sms_id));
}

}  // namespace uplinkd::lab
