#pragma once
// The daemon's configuration after parsing and verification. Every field has a default that is
// right for a gateway, so an empty file is a valid configuration.
#include <string>

#ifndef UPLINKD_DEFAULT_INFER_WORKER
#define UPLINKD_DEFAULT_INFER_WORKER "/usr/libexec/uplinkd/uplinkd-infer"
#endif
#include <vector>

#include "relay/alerts_section.h"
#include "control/control_section.h"
#include "dbus/dbus_access_section.h"
#include "base/logger.h"
#include "modem/modem_profile.h"
#include "policy/policy_config.h"

namespace uplinkd::config {

struct DaemonConfig {
  // [daemon]
  LogLevel log_level = LogLevel::kInfo;
  std::string state_dir = "/var/lib/uplinkd";  // durable state (the alert outbox, later)
  std::string runtime_dir = "/run/uplinkd";    // status.json and sockets; gone on reboot
  // [dbus]
  std::string bus = "system";  // "system", or a D-Bus address such as unix:path=/run/lab/bus.sock
  std::string modem_manager_service = "org.freedesktop.ModemManager1";
  DbusAccessConfig dbus_access;  // access_group
  // [control]: who may run which command, the audit log's size.
  ControlConfig control;
  // [[modem]]: each configured modem, bound to hardware by a stable identity.
  std::vector<modem::ModemProfile> modems;
  // [inference]: the local inference worker that uplinkd starts and supervises.
  struct Inference {
    bool enabled = false;
    std::string worker = UPLINKD_DEFAULT_INFER_WORKER;
    std::string config = "/etc/uplinkd/inference.toml";
    std::string user = "uplinkd-infer";  // the worker runs as this user when uplinkd runs as root
    std::string group = "uplinkd-infer";
    friend bool operator==(const Inference&, const Inference&) = default;
  } inference;
  // [alerts]: the alert relay (outbox, submission socket, MQTT broker).
  AlertsConfig alerts;
  // [[wan]] and [policy]: the Wans and how each traffic class picks among them (empty: no policy).
  policy::PolicyConfig policy;
};

}  // namespace uplinkd::config
