#pragma once
// The lab's description of the modems the mock exposes (the JSON file given with --config).
// The format is the contract in docs/mock-modemmanager.md; unknown keys are rejected so a typo in
// the lab never silently becomes a default.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace uplinkd::lab {

enum class AccessTechnology { kGsm, kUmts, kLte, kNr5g };

struct MockIpConfig {
  // "method": "dhcp": the bearer reports MM_BEARER_IP_METHOD_DHCP and nothing else (the host runs
  // a DHCP client on the interface; the lab serves the lease). Otherwise STATIC with these values.
  bool dhcp = false;
  std::string address;
  uint32_t prefix = 0;
  std::string gateway;
  std::vector<std::string> dns;  // at most three, like ModemManager's dns1..dns3
  uint32_t mtu = 0;
};

struct MockSimConfig {
  std::string iccid;
  std::string imsi;
  std::string operator_name;
  std::optional<std::string> pin;  // set: the SIM starts locked (SIM PIN)
  std::optional<std::string> puk;
};

struct MockModemConfig {
  std::string id;  // the lab's handle for the control interface
  std::string equipment_identifier;
  std::string device;
  std::string manufacturer;
  std::string model;
  std::string revision;
  MockSimConfig sim;
  std::string operator_code;
  std::string operator_name;
  AccessTechnology access_technology = AccessTechnology::kLte;
  uint32_t signal_quality = 0;
  std::vector<std::string> allowed_apns;
  std::string bearer_interface;
  MockIpConfig ipv4;
  std::optional<MockIpConfig> ipv6;
};

struct MockConfig {
  std::vector<MockModemConfig> modems;
};

// Parses and verifies the whole file; the error names the offending key ("modems[1].sim.iccid").
Result<MockConfig> ParseMockConfig(std::string_view json_text);
Result<MockConfig> LoadMockConfig(const std::string& path);

AccessTechnology AccessTechnologyFromName(std::string_view name, bool* ok);

}  // namespace uplinkd::lab
